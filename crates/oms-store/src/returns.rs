//! Returns (issue 7): the RMA lifecycle, receiving what came back and inspecting it. Every
//! check that guards the ledger runs again in the writing transaction: a line never comes back
//! beyond what shipped minus what came back already, a return line never receives more than
//! it asked for, and nothing is restocked that was not received. Every step is on the order's
//! timeline.

use crate::inventory::{self, begin_write, catalogue_product, Move};
use crate::orders::{insert_event, reindex};
use crate::pipeline::{order_status, set_status};
use crate::{Store, StoreError};
use oms_domain::return_views::{
    b_stock_sku, check_return, InspectLine, ReceiveLine, ReturnCount, ReturnInput, ReturnLineView,
    ReturnQueue, ReturnRow, ReturnView, Returnable, ReturnableLine,
};
use oms_domain::{EventKind, MovementKind, OrderStatus, ReturnStatus};
use sqlx::{Row, Sqlite, SqliteConnection, Transaction};

/// A returns-queue row: `RETURN_ROWS` then a WHERE clause; read with `return_row`.
pub(crate) const RETURN_ROWS: &str = "SELECT r.id, COALESCE(r.rma, ''), r.order_id, o.order_number, o.customer_name, r.status, r.source, \
        (SELECT COALESCE(SUM(quantity), 0) FROM return_lines WHERE return_id = r.id), \
        (SELECT COALESCE(SUM(received), 0) FROM return_lines WHERE return_id = r.id), \
        (SELECT COALESCE(group_concat(p.sku, ', '), '') FROM return_lines rl JOIN order_lines ol ON ol.order_id = r.order_id \
         AND ol.line_no = rl.line_no JOIN products p ON p.id = ol.product_id WHERE rl.return_id = r.id), \
        (SELECT COALESCE(group_concat(DISTINCT rl.reason), '') FROM return_lines rl WHERE rl.return_id = r.id), \
        r.tracking_number, r.created_at \
     FROM returns r JOIN orders o ON o.id = r.order_id LEFT JOIN customers c ON c.id = o.customer_id";

pub(crate) fn return_row(r: &sqlx::sqlite::SqliteRow) -> Result<ReturnRow, StoreError> {
    Ok(ReturnRow {
        id: r.try_get(0)?,
        rma: r.try_get(1)?,
        order_id: r.try_get(2)?,
        order_number: r.try_get(3)?,
        customer_name: r.try_get(4)?,
        status: r.try_get(5)?,
        source: r.try_get(6)?,
        units: r.try_get(7)?,
        received: r.try_get(8)?,
        skus: r.try_get(9)?,
        reasons: r.try_get(10)?,
        tracking_number: r.try_get(11)?,
        created_at: r.try_get(12)?,
    })
}

/// Returns still expected to bring units back.
const OPEN: &str = "status IN ('requested', 'approved', 'label_sent', 'in_transit')";

async fn returnable_in(
    c: &mut SqliteConnection,
    order: i64,
    reasons: &[String],
) -> Result<Returnable, StoreError> {
    let currency: String = sqlx::query_scalar("SELECT currency FROM orders WHERE id = $1")
        .bind(order)
        .fetch_optional(&mut *c)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("order {order}")))?;
    let lines = sqlx::query(&format!(
        "SELECT l.line_no, p.sku, COALESCE(l.title, p.title), l.unit_price, \
                CASE WHEN l.shipped = 0 AND l.reserved = 0 AND o.status IN ('shipped', 'delivered') THEN l.quantity - l.cancelled ELSE l.shipped END, \
                l.returned, \
                (SELECT COALESCE(SUM(rl.quantity - rl.received), 0) FROM return_lines rl JOIN returns r ON r.id = rl.return_id \
                 WHERE r.order_id = l.order_id AND rl.line_no = l.line_no AND r.{OPEN}) \
         FROM order_lines l JOIN products p ON p.id = l.product_id JOIN orders o ON o.id = l.order_id \
         WHERE l.order_id = $1 ORDER BY l.line_no"
    ))
    .bind(order)
    .fetch_all(&mut *c)
    .await?
    .iter()
    .map(|l| {
        Ok(ReturnableLine {
            line_no: l.try_get(0)?,
            sku: l.try_get(1)?,
            title: l.try_get(2)?,
            unit_price: l.try_get(3)?,
            shipped: l.try_get(4)?,
            returned: l.try_get(5)?,
            expected: l.try_get(6)?,
        })
    })
    .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(Returnable {
        order_id: order,
        currency,
        lines,
        reasons: reasons.to_vec(),
    })
}

/// The return's status, order and order status, locked for this transaction's writes.
async fn return_head(
    tx: &mut Transaction<'_, Sqlite>,
    id: i64,
) -> Result<(ReturnStatus, i64, String), StoreError> {
    let r: Option<(String, i64, String)> =
        sqlx::query_as("SELECT status, order_id, COALESCE(rma, '') FROM returns WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
    let (s, order, rma) = r.ok_or_else(|| StoreError::NotFound(format!("return {id}")))?;
    let s =
        ReturnStatus::parse(&s).map_err(|e| StoreError::Invalid(format!("stored value: {e}")))?;
    Ok((s, order, rma))
}

async fn move_to(
    tx: &mut Transaction<'_, Sqlite>,
    id: i64,
    from: ReturnStatus,
    to: ReturnStatus,
    now: i64,
) -> Result<(), StoreError> {
    if from != to {
        from.transition(to)
            .map_err(|e| StoreError::Conflict(format!("return {id}: {e}")))?;
    }
    sqlx::query(
        "UPDATE returns SET status = $2, updated_at = $3, closed_at = CASE WHEN $2 IN ('closed', 'rejected') THEN $3 ELSE closed_at END WHERE id = $1",
    )
    .bind(id)
    .bind(to.as_str())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// An order every shipped unit of which came back, and nothing of which is still to ship,
/// is returned.
async fn settle_order_status(
    tx: &mut Transaction<'_, Sqlite>,
    order: i64,
) -> Result<(), StoreError> {
    let (shipped, returned, open): (i64, i64, i64) = sqlx::query_as(
        "SELECT COALESCE(SUM(shipped), 0), COALESCE(SUM(returned), 0), COALESCE(SUM(quantity - shipped - cancelled), 0) \
         FROM order_lines WHERE order_id = $1",
    )
    .bind(order)
    .fetch_one(&mut **tx)
    .await?;
    let status = order_status(tx, order)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("order {order}")))?;
    if shipped > 0
        && returned >= shipped
        && open == 0
        && matches!(status, OrderStatus::Shipped | OrderStatus::Delivered)
    {
        set_status(tx, order, status, OrderStatus::Returned).await?;
    }
    Ok(())
}

fn units_text(lines: &[(String, i64)]) -> String {
    lines
        .iter()
        .map(|(sku, q)| format!("{q} × {sku}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where a return came from and who asked for it.
#[derive(Debug, Clone)]
pub struct ReturnOrigin<'a> {
    pub actor: &'a str,
    /// The channel's id of the return when it was pulled from the channel.
    pub channel_return_id: Option<&'a str>,
    pub now: i64,
}

impl Store {
    pub async fn returnable(
        &self,
        order: i64,
        reasons: &[String],
    ) -> Result<Returnable, StoreError> {
        let mut c = self.pool().acquire().await?;
        returnable_in(&mut c, order, reasons).await
    }

    /// Records a return after checking it (in the writing transaction) against what the order
    /// can still send back. A return pulled from a channel whose id is known already is
    /// updated, not made twice; one that matches an open return made in the app (same lines
    /// and units, no channel id yet) is linked to it.
    pub async fn create_return(
        &self,
        input: &ReturnInput,
        reasons: &[String],
        origin: &ReturnOrigin<'_>,
    ) -> Result<(ReturnView, bool), StoreError> {
        let mut tx = begin_write(self).await?;
        if let Some(cid) = origin.channel_return_id {
            let known: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM returns WHERE order_id = $1 AND channel_return_id = $2",
            )
            .bind(input.order_id)
            .bind(cid)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(id) = known {
                tx.rollback().await?;
                return Ok((self.return_view(id).await?, false));
            }
            if let Some(id) = matching_open_return(&mut tx, input).await? {
                sqlx::query(
                    "UPDATE returns SET channel_return_id = $2, updated_at = $3 WHERE id = $1",
                )
                .bind(id)
                .bind(cid)
                .bind(origin.now)
                .execute(&mut *tx)
                .await?;
                insert_event(
                    &mut tx,
                    input.order_id,
                    EventKind::Returned,
                    origin.actor,
                    &format!("The channel's return {cid} is the same as this order's open return: linked"),
                    None,
                )
                .await?;
                tx.commit().await?;
                return Ok((self.return_view(id).await?, false));
            }
        }
        // An order that arrived shipped (the shop fulfilled it before it came here) shipped all
        // its units: recorded now, so what comes back is counted against them.
        sqlx::query(
            "UPDATE order_lines SET shipped = quantity - cancelled WHERE order_id = $1 AND shipped = 0 AND reserved = 0 \
             AND backordered = 0 AND (SELECT status FROM orders WHERE id = $1) IN ('shipped', 'delivered')",
        )
        .bind(input.order_id)
        .execute(&mut *tx)
        .await?;
        let r = returnable_in(&mut tx, input.order_id, reasons).await?;
        check_return(&r, input).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let status = if input.approve {
            ReturnStatus::Approved
        } else {
            ReturnStatus::Requested
        };
        let note = input
            .note
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty());
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO returns (order_id, status, lines, created_at, source, channel_return_id, note, created_by, updated_at) \
             VALUES ($1, $2, '[]', $3, $4, $5, $6, $7, $3) RETURNING id",
        )
        .bind(input.order_id)
        .bind(status.as_str())
        .bind(origin.now)
        .bind(if origin.channel_return_id.is_some() { "channel" } else { "app" })
        .bind(origin.channel_return_id)
        .bind(note)
        .bind(origin.actor)
        .fetch_one(&mut *tx)
        .await?;
        let rma = format!("RMA-{id:06}");
        sqlx::query("UPDATE returns SET rma = $2 WHERE id = $1")
            .bind(id)
            .bind(&rma)
            .execute(&mut *tx)
            .await?;
        let mut summary = Vec::new();
        for l in &input.lines {
            sqlx::query(
                "INSERT INTO return_lines (return_id, line_no, quantity, reason, comment) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (return_id, line_no) DO UPDATE SET quantity = quantity + excluded.quantity",
            )
            .bind(id)
            .bind(l.line_no)
            .bind(l.quantity)
            .bind(l.reason.trim())
            .bind(l.comment.as_deref().map(str::trim).filter(|c| !c.is_empty()))
            .execute(&mut *tx)
            .await?;
            let sku = r
                .lines
                .iter()
                .find(|x| x.line_no == l.line_no)
                .map(|x| x.sku.clone())
                .unwrap_or_default();
            summary.push((format!("{sku} ({})", l.reason.trim()), l.quantity));
        }
        insert_event(
            &mut tx,
            input.order_id,
            EventKind::Returned,
            origin.actor,
            &format!(
                "Return {rma} {}: {}",
                if origin.channel_return_id.is_some() {
                    "pulled from the channel"
                } else if input.approve {
                    "created and approved"
                } else {
                    "requested"
                },
                units_text(&summary)
            ),
            note,
        )
        .await?;
        // The RMA number finds the order.
        reindex(&mut tx, &[input.order_id]).await?;
        tx.commit().await?;
        Ok((self.return_view(id).await?, true))
    }

    /// Approves or rejects a requested return.
    pub async fn decide_return(
        &self,
        id: i64,
        approve: bool,
        comment: &str,
        actor: &str,
        now: i64,
    ) -> Result<ReturnView, StoreError> {
        let mut tx = begin_write(self).await?;
        let (from, order, rma) = return_head(&mut tx, id).await?;
        let to = if approve {
            ReturnStatus::Approved
        } else {
            ReturnStatus::Rejected
        };
        if !approve && comment.trim().is_empty() {
            return Err(StoreError::Invalid(
                "reason: say why the return is rejected".into(),
            ));
        }
        move_to(&mut tx, id, from, to, now).await?;
        let comment = comment.trim();
        insert_event(
            &mut tx,
            order,
            EventKind::Returned,
            actor,
            &format!(
                "Return {rma} {}",
                if approve { "approved" } else { "rejected" }
            ),
            (!comment.is_empty()).then_some(comment),
        )
        .await?;
        tx.commit().await?;
        self.return_view(id).await
    }

    /// The parcel is on its way back: with a return label bought for it (`label_path` set:
    /// label sent) or shipped by the customer with a tracking number they gave.
    pub async fn return_on_its_way(
        &self,
        id: i64,
        carrier: Option<&str>,
        tracking: Option<&str>,
        label_path: Option<&str>,
        actor: &str,
        now: i64,
    ) -> Result<ReturnView, StoreError> {
        let mut tx = begin_write(self).await?;
        let (from, order, rma) = return_head(&mut tx, id).await?;
        let to = if label_path.is_some() {
            ReturnStatus::LabelSent
        } else {
            ReturnStatus::InTransit
        };
        move_to(&mut tx, id, from, to, now).await?;
        let tracking = tracking.map(str::trim).filter(|t| !t.is_empty());
        let carrier = carrier.map(str::trim).filter(|t| !t.is_empty());
        sqlx::query(
            "UPDATE returns SET carrier = COALESCE($2, carrier), tracking_number = COALESCE($3, tracking_number), \
             label_path = COALESCE($4, label_path) WHERE id = $1",
        )
        .bind(id)
        .bind(carrier)
        .bind(tracking)
        .bind(label_path)
        .execute(&mut *tx)
        .await?;
        let what = match (label_path.is_some(), tracking) {
            (true, Some(t)) => format!(
                "Return {rma}: return label sent ({} {t})",
                carrier.unwrap_or("")
            ),
            (true, None) => format!("Return {rma}: return label sent"),
            (false, Some(t)) => format!(
                "Return {rma}: on its way back ({} {t})",
                carrier.unwrap_or("")
            ),
            (false, None) => format!("Return {rma}: on its way back"),
        };
        insert_event(
            &mut tx,
            order,
            EventKind::Returned,
            actor,
            &what.replace("( ", "("),
            None,
        )
        .await?;
        reindex(&mut tx, &[order]).await?;
        tx.commit().await?;
        self.return_view(id).await
    }

    /// Records units that came back. A line never receives more than it asked for, and the
    /// order's line never more than it shipped minus what came back before.
    pub async fn receive_return(
        &self,
        id: i64,
        lines: &[ReceiveLine],
        actor: &str,
        now: i64,
    ) -> Result<ReturnView, StoreError> {
        if lines.iter().all(|l| l.quantity == 0) {
            return Err(StoreError::Invalid(
                "nothing received: scan or count at least one unit".into(),
            ));
        }
        let mut tx = begin_write(self).await?;
        let (from, order, rma) = return_head(&mut tx, id).await?;
        if !matches!(
            from,
            ReturnStatus::Approved
                | ReturnStatus::LabelSent
                | ReturnStatus::InTransit
                | ReturnStatus::Received
        ) {
            return Err(StoreError::Conflict(format!(
                "return {rma} is {}: {}",
                from.as_str(),
                if from == ReturnStatus::Requested {
                    "approve it before receiving"
                } else {
                    "nothing more can be received"
                }
            )));
        }
        let mut got = Vec::new();
        for l in lines.iter().filter(|l| l.quantity != 0) {
            if l.quantity < 0 {
                return Err(StoreError::Invalid(format!(
                    "line {}: {} units cannot be received",
                    l.line_no, l.quantity
                )));
            }
            let row: Option<(i64, i64, i64, i64, String)> = sqlx::query_as(
                "SELECT rl.quantity, rl.received, ol.shipped, ol.returned, p.sku FROM return_lines rl \
                 JOIN order_lines ol ON ol.order_id = $3 AND ol.line_no = rl.line_no JOIN products p ON p.id = ol.product_id \
                 WHERE rl.return_id = $1 AND rl.line_no = $2",
            )
            .bind(id)
            .bind(l.line_no)
            .bind(order)
            .fetch_optional(&mut *tx)
            .await?;
            let (asked, received, shipped, returned, sku) = row.ok_or_else(|| {
                StoreError::Invalid(format!("line {}: not a line of return {rma}", l.line_no))
            })?;
            if received + l.quantity > asked {
                return Err(StoreError::Invalid(format!(
                    "line {} ({sku}): {} received now and {received} before, but the return is for {asked}",
                    l.line_no, l.quantity
                )));
            }
            if returned + l.quantity > shipped {
                return Err(StoreError::Conflict(format!(
                    "line {} ({sku}): {shipped} shipped and {returned} came back already; {} more cannot come back",
                    l.line_no, l.quantity
                )));
            }
            sqlx::query("UPDATE return_lines SET received = received + $3 WHERE return_id = $1 AND line_no = $2")
                .bind(id)
                .bind(l.line_no)
                .bind(l.quantity)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE order_lines SET returned = returned + $3 WHERE order_id = $1 AND line_no = $2")
                .bind(order)
                .bind(l.line_no)
                .bind(l.quantity)
                .execute(&mut *tx)
                .await?;
            got.push((sku, l.quantity));
        }
        move_to(&mut tx, id, from, ReturnStatus::Received, now).await?;
        settle_order_status(&mut tx, order).await?;
        insert_event(
            &mut tx,
            order,
            EventKind::Returned,
            actor,
            &format!("Return {rma}: received {}", units_text(&got)),
            None,
        )
        .await?;
        tx.commit().await?;
        self.return_view(id).await
    }

    /// Records what was found on the received units and does what was decided: restock (at a
    /// location, as the SKU or its B-stock SKU) writes return-restock movements in the ledger;
    /// quarantine, scrap and return to vendor are recorded without stock. Returns the view and
    /// the products whose on-hand went up (their backorders may now be filled).
    pub async fn inspect_return(
        &self,
        id: i64,
        lines: &[InspectLine],
        actor: &str,
        now: i64,
    ) -> Result<(ReturnView, Vec<i64>), StoreError> {
        let mut tx = begin_write(self).await?;
        let (from, order, rma) = return_head(&mut tx, id).await?;
        from.transition(ReturnStatus::Inspected)
            .map_err(|e| StoreError::Conflict(format!("return {rma}: {e}; receive it first")))?;
        let received: Vec<(i64, i64, i64, String, String)> = sqlx::query_as(
            "SELECT rl.line_no, rl.received, rl.restocked, p.sku, p.title FROM return_lines rl \
             JOIN order_lines ol ON ol.order_id = $2 AND ol.line_no = rl.line_no JOIN products p ON p.id = ol.product_id \
             WHERE rl.return_id = $1 AND rl.received > 0 ORDER BY rl.line_no",
        )
        .bind(id)
        .bind(order)
        .fetch_all(&mut *tx)
        .await?;
        let mut grown = Vec::new();
        let mut done = Vec::new();
        for (line_no, got, restocked, sku, title) in &received {
            let l = lines
                .iter()
                .find(|x| x.line_no == *line_no)
                .ok_or_else(|| {
                    StoreError::Invalid(format!(
                        "line {line_no} ({sku}): say what was found and what to do with it"
                    ))
                })?;
            let location = if l.disposition.restocks() {
                Some(l.location_id.ok_or_else(|| {
                    StoreError::Invalid(format!(
                        "line {line_no} ({sku}): pick the location the units go back to"
                    ))
                })?)
            } else {
                None
            };
            let units = got - restocked;
            if let (Some(loc), true) = (location, units > 0) {
                let (target_sku, target_title) = match l.disposition {
                    oms_domain::return_views::Disposition::BStock => {
                        (b_stock_sku(sku), format!("{title} (B-stock)"))
                    }
                    _ => (sku.clone(), title.clone()),
                };
                let pid = catalogue_product(&mut tx, &target_sku, Some(&target_title)).await?;
                let why = format!("return {rma}");
                inventory::apply(
                    &mut tx,
                    &Move {
                        product_id: pid,
                        location_id: loc,
                        kind: MovementKind::ReturnRestock,
                        quantity: units,
                        order_id: Some(order),
                        reason: Some(&why),
                        actor,
                    },
                )
                .await?;
                if !grown.contains(&pid) {
                    grown.push(pid);
                }
            }
            sqlx::query(
                "UPDATE return_lines SET condition = $3, disposition = $4, location_id = $5, \
                 restocked = CASE WHEN $6 THEN received ELSE restocked END WHERE return_id = $1 AND line_no = $2",
            )
            .bind(id)
            .bind(line_no)
            .bind(l.condition.as_str())
            .bind(l.disposition.as_str())
            .bind(location)
            .bind(l.disposition.restocks())
            .execute(&mut *tx)
            .await?;
            done.push(format!(
                "{got} × {sku} {} → {}",
                l.condition.as_str().replace('_', " "),
                l.disposition.as_str().replace('_', " ")
            ));
        }
        if received.is_empty() {
            return Err(StoreError::Conflict(format!(
                "return {rma}: nothing was received to inspect"
            )));
        }
        move_to(&mut tx, id, from, ReturnStatus::Inspected, now).await?;
        insert_event(
            &mut tx,
            order,
            EventKind::Returned,
            actor,
            &format!("Return {rma} inspected: {}", done.join(", ")),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok((self.return_view(id).await?, grown))
    }

    /// Closes an inspected return.
    pub async fn close_return(
        &self,
        id: i64,
        actor: &str,
        now: i64,
    ) -> Result<ReturnView, StoreError> {
        let mut tx = begin_write(self).await?;
        let (from, order, rma) = return_head(&mut tx, id).await?;
        move_to(&mut tx, id, from, ReturnStatus::Closed, now).await?;
        insert_event(
            &mut tx,
            order,
            EventKind::Returned,
            actor,
            &format!("Return {rma} closed"),
            None,
        )
        .await?;
        tx.commit().await?;
        self.return_view(id).await
    }

    pub async fn return_view(&self, id: i64) -> Result<ReturnView, StoreError> {
        let r = sqlx::query(
            "SELECT r.id, COALESCE(r.rma, ''), r.order_id, o.order_number, COALESCE(c.name, ''), o.currency, r.status, r.source, \
                    r.channel_return_id, r.note, r.carrier, r.tracking_number, r.label_path, r.exchange_order_id, r.created_by, \
                    r.created_at, r.updated_at, \
                    (SELECT COALESCE(SUM(amount), 0) FROM refunds f WHERE f.return_id = r.id AND f.status IN ('approved', 'sent', 'confirmed')) \
             FROM returns r JOIN orders o ON o.id = r.order_id LEFT JOIN customers c ON c.id = o.customer_id WHERE r.id = $1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("return {id}")))?;
        let order: i64 = r.try_get(2)?;
        let lines = sqlx::query(
            "SELECT rl.line_no, p.sku, COALESCE(ol.title, p.title), ol.unit_price, rl.quantity, rl.reason, rl.comment, rl.received, \
                    rl.condition, rl.disposition, rl.location_id, lo.name, rl.restocked \
             FROM return_lines rl JOIN order_lines ol ON ol.order_id = $2 AND ol.line_no = rl.line_no \
             JOIN products p ON p.id = ol.product_id LEFT JOIN locations lo ON lo.id = rl.location_id \
             WHERE rl.return_id = $1 ORDER BY rl.line_no",
        )
        .bind(id)
        .bind(order)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|l| {
            Ok(ReturnLineView {
                line_no: l.try_get(0)?,
                sku: l.try_get(1)?,
                title: l.try_get(2)?,
                unit_price: l.try_get(3)?,
                quantity: l.try_get(4)?,
                reason: l.try_get(5)?,
                comment: l.try_get(6)?,
                received: l.try_get(7)?,
                condition: l.try_get(8)?,
                disposition: l.try_get(9)?,
                location_id: l.try_get(10)?,
                location_name: l.try_get(11)?,
                restocked: l.try_get(12)?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
        let value = lines.iter().map(|l| l.unit_price * l.quantity).sum();
        Ok(ReturnView {
            id: r.try_get(0)?,
            rma: r.try_get(1)?,
            order_id: order,
            order_number: r.try_get(3)?,
            customer_name: r.try_get(4)?,
            currency: r.try_get(5)?,
            status: r.try_get(6)?,
            source: r.try_get(7)?,
            channel_return_id: r.try_get(8)?,
            note: r.try_get(9)?,
            carrier: r.try_get(10)?,
            tracking_number: r.try_get(11)?,
            label_path: r.try_get(12)?,
            exchange_order_id: r.try_get(13)?,
            created_by: r.try_get(14)?,
            created_at: r.try_get(15)?,
            updated_at: r.try_get(16)?,
            refunded: r.try_get(17)?,
            lines,
            value,
        })
    }

    /// An order's returns, oldest first.
    pub async fn returns_of(&self, order: i64) -> Result<Vec<ReturnView>, StoreError> {
        let ids: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM returns WHERE order_id = $1 ORDER BY id")
                .bind(order)
                .fetch_all(self.pool())
                .await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.return_view(id).await?);
        }
        Ok(out)
    }

    /// The returns queue: by status (None: every open one), newest first, searched by RMA,
    /// order number, customer, SKU or tracking number.
    pub async fn return_queue(
        &self,
        status: Option<&str>,
        search: Option<&str>,
        limit: i64,
    ) -> Result<ReturnQueue, StoreError> {
        let q = search.map(str::trim).filter(|s| !s.is_empty());
        let like = q.map(|s| format!("%{}%", s.replace(['%', '_'], "")));
        let rows = sqlx::query(&format!(
            "{RETURN_ROWS} \
             WHERE (($1 IS NULL AND r.status NOT IN ('closed', 'rejected')) OR r.status = $1) \
               AND ($2 IS NULL OR r.rma LIKE $2 OR o.order_number LIKE $2 OR o.customer_name LIKE $2 OR c.email LIKE $2 OR r.tracking_number LIKE $2 \
                    OR EXISTS (SELECT 1 FROM return_lines rl JOIN order_lines ol ON ol.order_id = r.order_id AND ol.line_no = rl.line_no \
                               JOIN products p ON p.id = ol.product_id WHERE rl.return_id = r.id AND p.sku LIKE $2)) \
             ORDER BY r.created_at DESC, r.id DESC LIMIT $3"
        ))
        .bind(status.filter(|s| *s != "open"))
        .bind(like)
        .bind(limit.clamp(1, 2_000))
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(return_row)
        .collect::<Result<Vec<_>, StoreError>>()?;
        let counts = sqlx::query_as::<_, (String, i64)>(
            "SELECT status, COUNT(*) FROM returns GROUP BY status ORDER BY status",
        )
        .fetch_all(self.pool())
        .await?
        .into_iter()
        .map(|(status, n)| ReturnCount { status, n })
        .collect();
        Ok(ReturnQueue { rows, counts })
    }

    /// What a scan at the returns desk finds: returns by RMA, tracking number or order number
    /// (exact), newest first.
    pub async fn scan_returns(&self, code: &str) -> Result<Vec<i64>, StoreError> {
        let code = code.trim();
        Ok(sqlx::query_scalar(
            "SELECT r.id FROM returns r JOIN orders o ON o.id = r.order_id \
             WHERE r.rma = $1 COLLATE NOCASE OR r.tracking_number = $1 OR o.order_number = $1 OR o.order_number = '#' || $1 \
             ORDER BY r.id DESC LIMIT 20",
        )
        .bind(code)
        .fetch_all(self.pool())
        .await?)
    }
}

/// An open return of the order made in the app, not linked to a channel return, with exactly
/// these lines and units.
async fn matching_open_return(
    tx: &mut Transaction<'_, Sqlite>,
    input: &ReturnInput,
) -> Result<Option<i64>, StoreError> {
    let mut per_line = std::collections::BTreeMap::<i64, i64>::new();
    for l in &input.lines {
        *per_line.entry(l.line_no).or_default() += l.quantity;
    }
    let want: Vec<(i64, i64)> = per_line.into_iter().collect();
    let ids: Vec<i64> = sqlx::query_scalar(&format!(
        "SELECT id FROM returns WHERE order_id = $1 AND channel_return_id IS NULL AND {OPEN} ORDER BY id"
    ))
    .bind(input.order_id)
    .fetch_all(&mut **tx)
    .await?;
    for id in ids {
        let have: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT line_no, quantity FROM return_lines WHERE return_id = $1 ORDER BY line_no, quantity",
        )
        .bind(id)
        .fetch_all(&mut **tx)
        .await?;
        if have == want {
            return Ok(Some(id));
        }
    }
    Ok(None)
}
