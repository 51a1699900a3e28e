//! Order edits and line cancellations (issue 7). An edit of an unshipped order gives back its
//! reservations, changes quantities, lines, the ship-to address or the shipping service, and
//! checks and routes the order again in the same transaction; the timeline shows every change
//! before → after. Cancelling some lines releases what they held and tells the shop.

use crate::inventory::{begin_write, catalogue_product};
use crate::orders::{insert_event, reindex};
use crate::pipeline::{order_status, release_reservations, Run};
use crate::process::process_one;
use crate::{Store, StoreError};
use oms_domain::edit_views::{address_line, CancelLinesInput, EditResult, OrderEdit};
use oms_domain::{format_minor, Currency, EventKind, OrderStatus};
use sqlx::{Sqlite, Transaction};

/// A ship-to address as stored: name, street, second line, city, postal code, country.
type StoredAddress = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

struct Line {
    line_no: i64,
    sku: String,
    quantity: i64,
    unit_price: i64,
    shipped: i64,
    cancelled: i64,
}

async fn lines_of(tx: &mut Transaction<'_, Sqlite>, order: i64) -> Result<Vec<Line>, StoreError> {
    let rows: Vec<(i64, String, i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT l.line_no, p.sku, l.quantity, l.unit_price, l.shipped, l.cancelled FROM order_lines l \
         JOIN products p ON p.id = l.product_id WHERE l.order_id = $1 ORDER BY l.line_no",
    )
    .bind(order)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(line_no, sku, quantity, unit_price, shipped, cancelled)| Line {
                line_no,
                sku,
                quantity,
                unit_price,
                shipped,
                cancelled,
            },
        )
        .collect())
}

/// The order can still be changed: open, not merged, not cancelled.
pub(crate) fn editable(status: OrderStatus, what: &str, order: i64) -> Result<(), StoreError> {
    if status.is_open() {
        return Ok(());
    }
    Err(StoreError::Conflict(match status {
        OrderStatus::Shipped | OrderStatus::Delivered | OrderStatus::Returned => format!(
            "order {order} has shipped: it cannot be {what} any more; start a return instead"
        ),
        other => format!("order {order} is {}: it cannot be {what}", other.as_str()),
    }))
}

impl Store {
    /// Edits an unshipped order and processes it again (validation, holds, routing).
    pub async fn edit_order(&self, e: &OrderEdit, run: &Run<'_>) -> Result<EditResult, StoreError> {
        let order = e.order_id;
        let mut tx = begin_write(self).await?;
        let status = order_status(&mut tx, order)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("order {order}")))?;
        editable(status, "edited", order)?;
        let (currency, total_before, payment, service, paid): (String, i64, String, Option<String>, Option<i64>) =
            sqlx::query_as(
                "SELECT currency, grand_total, payment_status, shipping_service, paid_amount FROM orders WHERE id = $1",
            )
            .bind(order)
            .fetch_one(&mut *tx)
            .await?;
        let exp = Currency::parse(&currency).map_or(2, |c| c.exponent());
        let money = |m: i64| format!("{} {currency}", format_minor(m, exp));
        let lines = lines_of(&mut tx, order).await?;
        let mut changes = Vec::new();
        let mut delta: i64 = 0;
        let mut items: i64 = 0;
        for (i, q) in e.quantities.iter().enumerate() {
            if e.quantities[..i].iter().any(|x| x.line_no == q.line_no) {
                return Err(StoreError::Invalid(format!(
                    "line {}: given twice",
                    q.line_no
                )));
            }
            let l = lines
                .iter()
                .find(|l| l.line_no == q.line_no)
                .ok_or_else(|| {
                    StoreError::Invalid(format!("line {}: not a line of this order", q.line_no))
                })?;
            let active = l.quantity - l.cancelled;
            if q.quantity < 0 {
                return Err(StoreError::Invalid(format!(
                    "line {} ({}): {} units is not a quantity",
                    l.line_no, l.sku, q.quantity
                )));
            }
            if q.quantity < l.shipped {
                return Err(StoreError::Conflict(format!(
                    "line {} ({}): {} shipped already; it cannot go down to {}",
                    l.line_no, l.sku, l.shipped, q.quantity
                )));
            }
            if q.quantity == active {
                continue;
            }
            if q.quantity == 0 && l.cancelled == 0 {
                // Removed: nothing of it shipped or was cancelled, so it goes (a refunded line
                // stays, for the refund's record).
                let refunded: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM refund_lines rl JOIN refunds f ON f.id = rl.refund_id WHERE f.order_id = $1 AND rl.line_no = $2",
                )
                .bind(order)
                .bind(l.line_no)
                .fetch_one(&mut *tx)
                .await?;
                if refunded > 0 {
                    return Err(StoreError::Conflict(format!(
                        "line {} ({}): refunded before; cancel its units instead",
                        l.line_no, l.sku
                    )));
                }
                sqlx::query("DELETE FROM order_lines WHERE order_id = $1 AND line_no = $2")
                    .bind(order)
                    .bind(l.line_no)
                    .execute(&mut *tx)
                    .await?;
            } else {
                sqlx::query("UPDATE order_lines SET quantity = $3 + cancelled WHERE order_id = $1 AND line_no = $2")
                    .bind(order)
                    .bind(l.line_no)
                    .bind(q.quantity)
                    .execute(&mut *tx)
                    .await?;
            }
            changes.push(if q.quantity == 0 {
                format!("{} (line {}): removed ({active} units)", l.sku, l.line_no)
            } else {
                format!(
                    "{} (line {}): {active} → {} units",
                    l.sku, l.line_no, q.quantity
                )
            });
            delta += (q.quantity - active) * l.unit_price;
            items += q.quantity - active;
        }
        // Line numbers are never used twice (released reservations keep theirs).
        let mut next: i64 = sqlx::query_scalar(
            "SELECT MAX(n) + 1 FROM (SELECT COALESCE(MAX(line_no), 0) AS n FROM order_lines WHERE order_id = $1 \
             UNION ALL SELECT COALESCE(MAX(line_no), 0) FROM reservations WHERE order_id = $1)",
        )
        .bind(order)
        .fetch_one(&mut *tx)
        .await?;
        for (i, a) in e.add.iter().enumerate() {
            let sku = oms_domain::Sku::parse(&a.sku)
                .map_err(|err| StoreError::Invalid(format!("new line {}: {err}", i + 1)))?;
            if a.quantity <= 0 || a.quantity > 100_000 {
                return Err(StoreError::Invalid(format!(
                    "new line {} ({sku}): quantity must be 1 to 100000",
                    i + 1
                )));
            }
            if a.unit_price < 0 {
                return Err(StoreError::Invalid(format!(
                    "new line {} ({sku}): price below zero",
                    i + 1
                )));
            }
            let title = a.title.as_deref().map(str::trim).filter(|t| !t.is_empty());
            let pid = catalogue_product(&mut tx, sku.as_str(), title).await?;
            sqlx::query(
                "INSERT INTO order_lines (order_id, line_no, product_id, title, quantity, unit_price) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(order)
            .bind(next)
            .bind(pid)
            .bind(title)
            .bind(a.quantity)
            .bind(a.unit_price)
            .execute(&mut *tx)
            .await?;
            changes.push(format!(
                "{sku} (line {next}): added, {} × {}",
                a.quantity,
                money(a.unit_price)
            ));
            delta += a.quantity * a.unit_price;
            items += a.quantity;
            next += 1;
        }
        if let Some(to) = &e.ship_to {
            let country = oms_domain::CountryCode::parse(&to.country)
                .map_err(|err| StoreError::Invalid(format!("ship-to: {err}")))?;
            if to.name.trim().is_empty() || to.line1.trim().is_empty() || to.city.trim().is_empty()
            {
                return Err(StoreError::Invalid(
                    "ship-to: name, street and city are needed".into(),
                ));
            }
            let before = self.ship_to_line(&mut tx, order).await?;
            let t = |s: &Option<String>| {
                s.as_deref()
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
            };
            sqlx::query(
                "UPDATE orders SET ship_name = $2, ship_company = $3, ship_line1 = $4, ship_line2 = $5, ship_city = $6, \
                 ship_region = $7, ship_postal = $8, ship_country = $9, ship_phone = $10 WHERE id = $1",
            )
            .bind(order)
            .bind(to.name.trim())
            .bind(t(&to.company))
            .bind(to.line1.trim())
            .bind(t(&to.line2))
            .bind(to.city.trim())
            .bind(t(&to.region))
            .bind(t(&to.postal_code))
            .bind(country.as_str())
            .bind(t(&to.phone))
            .execute(&mut *tx)
            .await?;
            let after = address_line(to);
            if before.as_deref() != Some(after.as_str()) {
                changes.push(format!(
                    "ship-to: {} → {after}",
                    before.unwrap_or_else(|| "none".into())
                ));
            }
        }
        if let Some(s) = e.shipping_service.as_deref().map(str::trim) {
            let new = (!s.is_empty()).then_some(s);
            if new != service.as_deref() {
                sqlx::query("UPDATE orders SET shipping_service = $2 WHERE id = $1")
                    .bind(order)
                    .bind(new)
                    .execute(&mut *tx)
                    .await?;
                changes.push(format!(
                    "shipping service: {} → {}",
                    service.as_deref().unwrap_or("none"),
                    new.unwrap_or("none")
                ));
            }
        }
        if changes.is_empty() {
            return Err(StoreError::Invalid("nothing to change".into()));
        }
        let total_after = total_before + delta;
        if total_after < 0 {
            return Err(StoreError::Invalid(
                "the order's total would fall below zero".into(),
            ));
        }
        let is_paid = matches!(payment.as_str(), "paid" | "partially_refunded" | "refunded");
        sqlx::query(
            "UPDATE orders SET grand_total = $2, item_count = item_count + $3, \
             paid_amount = CASE WHEN $4 THEN COALESCE(paid_amount, grand_total) ELSE paid_amount END WHERE id = $1",
        )
        .bind(order)
        .bind(total_after)
        .bind(items)
        .bind(is_paid && delta != 0)
        .execute(&mut *tx)
        .await?;
        if delta != 0 {
            changes.push(format!(
                "total: {} → {}",
                money(total_before),
                money(total_after)
            ));
        }
        let balance = if is_paid {
            total_after - paid.unwrap_or(total_before)
        } else {
            0
        };
        if balance > 0 {
            changes.push(format!("{} to collect from the customer", money(balance)));
        } else if balance < 0 {
            changes.push(format!("{} to give back to the customer", money(-balance)));
        }
        // What the order held goes back; the order is checked and placed again as it is now.
        release_reservations(&mut tx, order, run.actor, "order edited", run.now).await?;
        sqlx::query("UPDATE order_lines SET backordered = 0 WHERE order_id = $1")
            .bind(order)
            .execute(&mut *tx)
            .await?;
        let comment = e.comment.trim();
        insert_event(
            &mut tx,
            order,
            EventKind::Edited,
            run.actor,
            &format!(
                "Order edited: {} change{}",
                changes.len(),
                if changes.len() == 1 { "" } else { "s" }
            ),
            Some(&match comment {
                "" => changes.join("\n"),
                c => format!("{}\n{c}", changes.join("\n")),
            }),
        )
        .await?;
        reindex(&mut tx, &[order]).await?;
        let out = process_one(&mut tx, order, run).await?;
        tx.commit().await?;
        Ok(EditResult {
            order_id: order,
            changes,
            currency,
            total_before,
            total_after,
            balance,
            status: out.status.as_str().to_owned(),
        })
    }

    async fn ship_to_line(
        &self,
        tx: &mut Transaction<'_, Sqlite>,
        order: i64,
    ) -> Result<Option<String>, StoreError> {
        let r: Option<StoredAddress> = sqlx::query_as(
            "SELECT COALESCE(ship_name, customer_name), ship_line1, ship_line2, ship_city, ship_postal, ship_country FROM orders WHERE id = $1",
        )
        .bind(order)
        .fetch_optional(&mut **tx)
        .await?;
        Ok(r.and_then(|(name, line1, line2, city, postal, country)| {
            Some(address_line(&oms_domain::AddressView {
                name,
                company: None,
                line1: line1?,
                line2,
                city: city.unwrap_or_default(),
                region: None,
                postal_code: postal,
                country: country?,
                phone: None,
            }))
        }))
    }

    /// Cancels units of some lines before they ship: their reservations go back, the order is
    /// processed again, the shop is told. The order's total stays (refund the units if paid).
    pub async fn cancel_lines(
        &self,
        c: &CancelLinesInput,
        run: &Run<'_>,
    ) -> Result<String, StoreError> {
        let order = c.order_id;
        if c.reason.trim().is_empty() {
            return Err(StoreError::Invalid(
                "reason: say why the units are cancelled".into(),
            ));
        }
        if c.lines.is_empty() {
            return Err(StoreError::Invalid(
                "pick the lines and units to cancel".into(),
            ));
        }
        let mut tx = begin_write(self).await?;
        let status = order_status(&mut tx, order)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("order {order}")))?;
        editable(status, "cancelled", order)?;
        let lines = lines_of(&mut tx, order).await?;
        let mut done = Vec::new();
        for (i, q) in c.lines.iter().enumerate() {
            if c.lines[..i].iter().any(|x| x.line_no == q.line_no) {
                return Err(StoreError::Invalid(format!(
                    "line {}: given twice",
                    q.line_no
                )));
            }
            let l = lines
                .iter()
                .find(|l| l.line_no == q.line_no)
                .ok_or_else(|| {
                    StoreError::Invalid(format!("line {}: not a line of this order", q.line_no))
                })?;
            let open = l.quantity - l.shipped - l.cancelled;
            if q.quantity <= 0 || q.quantity > open {
                return Err(StoreError::Conflict(format!(
                    "line {} ({}): {} units asked, {open} not shipped nor cancelled{}",
                    l.line_no,
                    l.sku,
                    q.quantity,
                    if open == 0 && l.shipped > 0 {
                        "; start a return for shipped units"
                    } else {
                        ""
                    }
                )));
            }
            sqlx::query("UPDATE order_lines SET cancelled = cancelled + $3 WHERE order_id = $1 AND line_no = $2")
                .bind(order)
                .bind(l.line_no)
                .bind(q.quantity)
                .execute(&mut *tx)
                .await?;
            done.push(format!("{} × {}", q.quantity, l.sku));
        }
        release_reservations(&mut tx, order, run.actor, "lines cancelled", run.now).await?;
        sqlx::query("UPDATE order_lines SET backordered = 0 WHERE order_id = $1")
            .bind(order)
            .execute(&mut *tx)
            .await?;
        let summary = format!("Cancelled before shipping: {}", done.join(", "));
        insert_event(
            &mut tx,
            order,
            EventKind::Cancelled,
            run.actor,
            &summary,
            Some(c.reason.trim()),
        )
        .await?;
        let nothing_left: bool = sqlx::query_scalar(
            "SELECT COALESCE(SUM(quantity - shipped - cancelled), 0) = 0 AND COALESCE(SUM(shipped), 0) = 0 FROM order_lines WHERE order_id = $1",
        )
        .bind(order)
        .fetch_one(&mut *tx)
        .await?;
        if nothing_left {
            // Every unit is cancelled: the order is.
            crate::pipeline::set_status(&mut tx, order, status, OrderStatus::Cancelled).await?;
            crate::outbox::enqueue_cancellation(&mut tx, order, c.reason.trim(), run.now).await?;
        } else {
            crate::outbox::enqueue_line_cancellation(&mut tx, order, c.reason.trim(), run.now)
                .await?;
            process_one(&mut tx, order, run).await?;
        }
        tx.commit().await?;
        Ok(summary)
    }
}

impl Store {
    /// How many exchange orders an order has had.
    pub async fn exchange_count(&self, order: i64) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM orders WHERE exchange_of = $1")
                .bind(order)
                .fetch_one(self.pool())
                .await?,
        )
    }

    /// Links a new exchange order (made by import under `external_id` on the manual
    /// "Exchanges" connection) to the return and the order it replaces items of, with a line on
    /// both timelines. Returns the new order's id and number.
    pub async fn link_exchange(
        &self,
        return_id: i64,
        external_id: &str,
        what: &str,
        actor: &str,
    ) -> Result<(i64, String), StoreError> {
        let mut tx = begin_write(self).await?;
        let (original, rma): (i64, String) =
            sqlx::query_as("SELECT order_id, COALESCE(rma, '') FROM returns WHERE id = $1")
                .bind(return_id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("return {return_id}")))?;
        let (id, number): (i64, String) = sqlx::query_as(
            "SELECT o.id, o.order_number FROM orders o JOIN connections c ON c.id = o.connection_id \
             WHERE c.kind = 'manual' AND o.external_id = $1",
        )
        .bind(external_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("exchange order {external_id}")))?;
        let orig_number: String =
            sqlx::query_scalar("SELECT order_number FROM orders WHERE id = $1")
                .bind(original)
                .fetch_one(&mut *tx)
                .await?;
        sqlx::query("UPDATE orders SET exchange_of = $2 WHERE id = $1")
            .bind(id)
            .bind(original)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE returns SET exchange_order_id = $2, updated_at = $3 WHERE id = $1")
            .bind(return_id)
            .bind(id)
            .bind(crate::now_ms())
            .execute(&mut *tx)
            .await?;
        insert_event(
            &mut tx,
            original,
            EventKind::Returned,
            actor,
            &format!("Exchange for return {rma}: order {number} ({what})"),
            None,
        )
        .await?;
        insert_event(
            &mut tx,
            id,
            EventKind::Edited,
            actor,
            &format!("Exchange of order {orig_number}, return {rma}: {what}"),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok((id, number))
    }
}
