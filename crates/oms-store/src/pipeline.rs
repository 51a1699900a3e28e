//! The processing pipeline's persistence: gathers an order's facts, runs the engine's rules
//! (validate → screen → hold or release → merge → prioritise → reserve) and writes what they
//! decided — holds, priority, reservations, line quantities, status and one timeline event — in
//! one write transaction. Running it again on an unchanged order changes nothing.

use crate::inventory::{self, begin_write, Move};
use crate::orders::{insert_event, reindex};
use crate::read::{hold_row, HOLD_COLUMNS};
use crate::{dialect, Store, StoreError};
use oms_domain::*;
use oms_engine::*;
use sqlx::{Row, Sqlite, Transaction};
use std::collections::HashMap;

/// How a run is made: the rules' settings, the reservation policy, who runs it and when.
pub struct Run<'a> {
    pub settings: &'a PipelineSettings,
    pub policy: &'a dyn ReservationPolicy,
    pub actor: &'a str,
    pub now: i64,
    /// The routing rules, when they place the stock (else `policy` does).
    pub routing: Option<&'a oms_engine::route::RoutingSettings>,
    /// Cost and transit estimates for the routing rules (the rate table; carriers later).
    pub rates: &'a dyn oms_engine::route::RateSource,
}

use crate::process::{decide_set, process_one, process_set};

/// An order's stored status; None when there is no such order.
pub(crate) async fn order_status(
    tx: &mut Transaction<'_, Sqlite>,
    id: i64,
) -> Result<Option<OrderStatus>, StoreError> {
    let s: Option<String> = sqlx::query_scalar("SELECT status FROM orders WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    s.as_deref().map(parse_status).transpose()
}

pub(crate) fn parse_status(s: &str) -> Result<OrderStatus, StoreError> {
    OrderStatus::parse(s).map_err(|e| StoreError::Invalid(format!("stored value: {e}")))
}

struct OpenHold {
    id: i64,
    check: String,
}

async fn open_holds(
    tx: &mut Transaction<'_, Sqlite>,
    id: i64,
) -> Result<Vec<OpenHold>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, check_code FROM order_holds WHERE order_id = $1 AND released_at IS NULL",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(OpenHold {
                id: r.try_get(0)?,
                check: r.try_get(1)?,
            })
        })
        .collect()
}

pub(crate) async fn place_hold(
    tx: &mut Transaction<'_, Sqlite>,
    order: i64,
    reason: HoldReason,
    check: &str,
    message: &str,
    actor: &str,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO order_holds (order_id, reason, check_code, message, placed_at, placed_by) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(order)
    .bind(reason.as_str())
    .bind(check)
    .bind(message)
    .bind(now)
    .bind(actor)
    .execute(&mut **tx)
    .await?;
    insert_event(
        tx,
        order,
        EventKind::Held,
        actor,
        &format!("On hold: {reason}"),
        Some(message),
    )
    .await?;
    Ok(())
}

async fn release_hold(
    tx: &mut Transaction<'_, Sqlite>,
    order: i64,
    hold: i64,
    actor: &str,
    comment: &str,
    now: i64,
) -> Result<(), StoreError> {
    let r = sqlx::query(
        "UPDATE order_holds SET released_at = $1, released_by = $2, release_comment = $3 WHERE id = $4 AND released_at IS NULL \
         RETURNING reason, check_code",
    )
    .bind(now)
    .bind(actor)
    .bind(comment)
    .bind(hold)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(r) = r {
        let reason: String = r.try_get(0)?;
        let check: String = r.try_get(1)?;
        insert_event(
            tx,
            order,
            EventKind::Released,
            actor,
            &format!("Hold released: {reason} ({check})"),
            Some(comment),
        )
        .await?;
    }
    Ok(())
}

/// Releases every open reservation of an order (cancellation, a newer channel version).
pub(crate) async fn release_reservations(
    tx: &mut Transaction<'_, Sqlite>,
    order: i64,
    actor: &str,
    reason: &str,
    now: i64,
) -> Result<i64, StoreError> {
    let rows = sqlx::query(
        "UPDATE reservations SET status = 'released', closed_at = $2 WHERE order_id = $1 AND status = 'open' \
         RETURNING product_id, location_id, quantity",
    )
    .bind(order)
    .bind(now)
    .fetch_all(&mut **tx)
    .await?;
    let mut units = 0;
    for r in &rows {
        let q: i64 = r.try_get(2)?;
        inventory::apply(
            tx,
            &Move {
                product_id: r.try_get(0)?,
                location_id: r.try_get(1)?,
                kind: MovementKind::Release,
                quantity: q,
                order_id: Some(order),
                reason: Some(reason),
                actor,
            },
        )
        .await?;
        units += q;
    }
    sqlx::query("UPDATE order_lines SET reserved = 0 WHERE order_id = $1 AND reserved > 0")
        .bind(order)
        .execute(&mut **tx)
        .await?;
    // Nothing is reserved any more: packed parcels are unpacked and the order leaves its
    // unfinished batches (a label is never bought for units no longer reserved).
    sqlx::query("UPDATE parcels SET status = 'unpacked' WHERE order_id = $1 AND status = 'packed'")
        .bind(order)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "UPDATE batch_orders SET state = 'removed' WHERE order_id = $1 AND state IN ('waiting', 'packed')",
    )
    .bind(order)
    .execute(&mut **tx)
    .await?;
    // What was asked of a supplier or 3PL for these units is called off.
    sqlx::query(
        "UPDATE handoffs SET status = 'cancelled', closed_at = $2 WHERE order_id = $1 \
         AND status IN ('pending', 'sent', 'confirmed')",
    )
    .bind(order)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(units)
}

pub(crate) async fn set_status(
    tx: &mut Transaction<'_, Sqlite>,
    order: i64,
    from: OrderStatus,
    to: OrderStatus,
) -> Result<(), StoreError> {
    if from == to {
        return Ok(());
    }
    from.transition(to)
        .map_err(|e| StoreError::Conflict(e.to_string()))?;
    sqlx::query("UPDATE orders SET status = $1 WHERE id = $2")
        .bind(to.as_str())
        .bind(order)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Moves a source order's lines and amounts onto the target; the source becomes `merged` and
/// keeps its channel reference (the lines remember where they came from).
pub(crate) async fn merge_into(
    tx: &mut Transaction<'_, Sqlite>,
    source: i64,
    target: i64,
    actor: &str,
    now: i64,
) -> Result<(), StoreError> {
    let st: Vec<(i64, String, String)> = sqlx::query_as(&format!(
        "SELECT id, status, order_number FROM orders WHERE {}",
        dialect::in_id_list("id", 1)
    ))
    .bind(dialect::id_list(&[source, target]))
    .fetch_all(&mut **tx)
    .await?;
    let find = |id: i64| {
        st.iter()
            .find(|s| s.0 == id)
            .ok_or_else(|| StoreError::NotFound(format!("order {id}")))
    };
    let (s, t) = (find(source)?, find(target)?);
    let s_status = parse_status(&s.1)?;
    let t_status = parse_status(&t.1)?;
    if !t_status.is_processable()
        || matches!(
            t_status,
            OrderStatus::Allocated | OrderStatus::PartiallyShipped
        )
    {
        return Err(StoreError::Conflict(format!(
            "order {} is {t_status}: cannot merge into it",
            t.2
        )));
    }
    let reserved: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM reservations WHERE status = 'open' AND {}",
        dialect::in_id_list("order_id", 1)
    ))
    .bind(dialect::id_list(&[source, target]))
    .fetch_one(&mut **tx)
    .await?;
    if reserved > 0 {
        return Err(StoreError::Conflict(
            "orders with reserved stock cannot be merged; release it first".into(),
        ));
    }
    set_status(tx, source, s_status, OrderStatus::Merged).await?;
    sqlx::query(
        "INSERT INTO order_lines (order_id, line_no, product_id, title, quantity, unit_price, origin_order_id) \
         SELECT $2, (SELECT COALESCE(MAX(line_no), 0) FROM order_lines WHERE order_id = $2) + l.line_no, l.product_id, l.title, \
         l.quantity - l.cancelled, l.unit_price, COALESCE(l.origin_order_id, $1) FROM order_lines l WHERE l.order_id = $1 AND l.quantity > l.cancelled",
    )
    .bind(source)
    .bind(target)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE order_lines SET backordered = 0 WHERE order_id = $1")
        .bind(source)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "UPDATE orders SET shipping_total = orders.shipping_total + s.shipping_total, tax_total = orders.tax_total + s.tax_total, \
         discount_total = orders.discount_total + s.discount_total, grand_total = orders.grand_total + s.grand_total, \
         item_count = orders.item_count + s.item_count, processed_at = NULL \
         FROM (SELECT shipping_total, tax_total, discount_total, grand_total, item_count FROM orders WHERE id = $1) AS s WHERE orders.id = $2",
    )
    .bind(source)
    .bind(target)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE orders SET merged_into = $1, processed_at = $2 WHERE id = $3")
        .bind(target)
        .bind(now)
        .bind(source)
        .execute(&mut **tx)
        .await?;
    let holds: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM order_holds WHERE order_id = $1 AND released_at IS NULL",
    )
    .bind(source)
    .fetch_all(&mut **tx)
    .await?;
    for h in holds {
        release_hold(tx, source, h, actor, &format!("merged into {}", t.2), now).await?;
    }
    insert_event(
        tx,
        source,
        EventKind::Merged,
        actor,
        &format!("Merged into order {}", t.2),
        None,
    )
    .await?;
    insert_event(
        tx,
        target,
        EventKind::Merged,
        actor,
        &format!("Order {} merged into this one", s.2),
        Some("Its lines keep their origin; status and tracking go back to both channels' orders."),
    )
    .await?;
    reindex(tx, &[target]).await?;
    Ok(())
}

/// Holds an order whose processing failed with the error, so that the queue moves on and a
/// person sees why (a quarantined order is never processed again until released).
async fn quarantine_in(
    tx: &mut Transaction<'_, Sqlite>,
    id: i64,
    error: &str,
    actor: &str,
    now: i64,
) -> Result<(), StoreError> {
    let Some(status) = order_status(tx, id).await? else {
        return Ok(());
    };
    let open = open_holds(tx, id).await?;
    if !open.iter().any(|h| h.check == "processing_error") {
        place_hold(
            tx,
            id,
            HoldReason::Validation,
            "processing_error",
            &format!("processing failed: {error}"),
            actor,
            now,
        )
        .await?;
    }
    if status.is_processable() {
        set_status(tx, id, status, OrderStatus::OnHold).await?;
    }
    sqlx::query("UPDATE orders SET processed_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// One order of a processed batch.
pub struct BatchItem {
    pub id: i64,
    /// What the pipeline did, or the error it stopped with (the order was then quarantined).
    pub result: Result<ProcessOutcome, StoreError>,
    /// From the start of this order's processing to the end of the batch's commit: how long
    /// until what was decided for it is durable.
    pub latency: std::time::Duration,
}

/// Processes one order inside a savepoint of the batch: on failure only its own changes are
/// undone.
async fn process_savepoint(
    tx: &mut Transaction<'_, Sqlite>,
    id: i64,
    run: &Run<'_>,
) -> Result<ProcessOutcome, StoreError> {
    let mut sp = sqlx::Connection::begin(&mut **tx).await?;
    match process_one(&mut sp, id, run).await {
        Ok(out) => {
            sp.commit().await?;
            Ok(out)
        }
        Err(e) => {
            sp.rollback().await?;
            Err(e)
        }
    }
}

/// How `Store::process_batches` sizes its sets.
#[derive(Clone, Debug)]
pub struct Batching {
    /// Orders in the next set.
    pub size: usize,
    /// The time a set should commit within.
    pub budget: std::time::Duration,
    /// How long one call keeps the writer before other writes get their turn.
    pub hold: std::time::Duration,
}

impl Batching {
    /// Sets that commit within `budget` (starting at 16 orders), for up to `hold` per call.
    pub fn new(budget: std::time::Duration, hold: std::time::Duration) -> Self {
        Self {
            size: 16,
            budget,
            hold,
        }
    }

    fn adapt(&mut self, took_orders: usize, took: std::time::Duration) {
        if took > self.budget {
            self.size = (self.size / 2).max(4);
        } else if took < self.budget / 2 && took_orders == self.size {
            self.size = (self.size * 2).min(256);
        }
    }
}

/// The bundled geodata loads once (≈0.1 s), before the routing rules need it and not while
/// holding the write lock.
async fn load_geodata(run: &Run<'_>) -> Result<(), StoreError> {
    static GEO_READY: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if run.routing.is_some() && !GEO_READY.swap(true, std::sync::atomic::Ordering::Relaxed) {
        tokio::task::spawn_blocking(oms_geo::Geocoder::global)
            .await
            .map_err(|e| StoreError::Invalid(format!("loading the geodata: {e}")))?;
    }
    Ok(())
}

impl Store {
    /// Runs the pipeline on `ids` in sets, each its own write transaction (see `process.rs`),
    /// for up to `batching.hold` before giving the writer back: the caller calls again with the
    /// ids not yet done (the second value returned is how many were). The set size adapts so
    /// that a set commits within about `batching.budget`: big enough to share the cost of each
    /// statement, small enough that no order's result waits long to become durable.
    ///
    /// The sets run on the writer's handle (`raw.rs`), which keeps its prepared statements
    /// from one set to the next. A set with an order whose rules fail, a merge to make or
    /// writes that fail is rolled back and run again through `process_batch`, where the
    /// failing order is quarantined and merges are made.
    pub async fn process_batches(
        &self,
        ids: &[i64],
        run: &Run<'_>,
        batching: &mut Batching,
    ) -> Result<(Vec<BatchItem>, usize), StoreError> {
        load_geodata(run).await?;
        let session = std::time::Instant::now();
        let mut conn = self.writer().acquire().await?;
        let (mut items, mut done, slow) = crate::raw::with(&mut conn, |c| {
            let mut items = Vec::with_capacity(ids.len());
            let mut done = 0usize;
            while done < ids.len() && (done == 0 || session.elapsed() < batching.hold) {
                let take = batching.size.min(ids.len() - done);
                let set = ids.get(done..done + take).unwrap_or_default();
                let started = std::time::Instant::now();
                let fast = crate::raw::in_write_tx(c, |c| match decide_set(c, set, run) {
                    Ok((results, merges))
                        if merges.is_empty() && results.iter().all(|r| r.1.is_ok()) =>
                    {
                        Ok(Some(results))
                    }
                    _ => Ok(None),
                })?;
                let Some(results) = fast else {
                    return Ok((items, done, Some(take)));
                };
                let latency = started.elapsed();
                batching.adapt(take, latency);
                items.extend(results.into_iter().map(|(id, result)| BatchItem {
                    id,
                    result,
                    latency,
                }));
                done += take;
            }
            Ok((items, done, None))
        })
        .await?;
        drop(conn);
        if let Some(take) = slow {
            let set = ids.get(done..done + take).unwrap_or_default();
            items.extend(self.process_batch(set, run).await?);
            done += take;
        }
        Ok((items, done))
    }

    /// Runs the pipeline on a set of orders in one write transaction through sqlx: an order
    /// whose rules fail is left out and quarantined with its error; the others commit
    /// together. Should the set's writes themselves fail, the set is run again one order at a
    /// time, each in its own savepoint, so that only the order that breaks them is quarantined.
    /// Every order's latency is the whole batch's: its result is durable at the commit.
    pub async fn process_batch(
        &self,
        ids: &[i64],
        run: &Run<'_>,
    ) -> Result<Vec<BatchItem>, StoreError> {
        load_geodata(run).await?;
        let started = std::time::Instant::now();
        let mut tx = begin_write(self).await?;
        let results = match process_set(&mut tx, ids, run).await {
            Ok(results) => results,
            Err(_) => {
                tx.rollback().await?;
                tx = begin_write(self).await?;
                let mut results = Vec::with_capacity(ids.len());
                for &id in ids {
                    results.push((id, process_savepoint(&mut tx, id, run).await));
                }
                results
            }
        };
        for (id, r) in &results {
            if let Err(e) = r {
                quarantine_in(&mut tx, *id, &e.to_string(), run.actor, run.now).await?;
            }
        }
        tx.commit().await?;
        let latency = started.elapsed();
        Ok(results
            .into_iter()
            .map(|(id, result)| BatchItem {
                id,
                result,
                latency,
            })
            .collect())
    }

    /// Runs the pipeline on one order. When it merges the order into another, that order is
    /// processed next in the same transaction.
    pub async fn process_order(
        &self,
        id: OrderId,
        run: &Run<'_>,
    ) -> Result<ProcessOutcome, StoreError> {
        let mut tx = begin_write(self).await?;
        let out = process_one(&mut tx, id.get(), run).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// The next orders waiting for the pipeline, highest priority first.
    pub async fn unprocessed(&self, limit: u32) -> Result<Vec<i64>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM orders WHERE processed_at IS NULL ORDER BY priority DESC, placed_at LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?)
    }

    /// Orders with units waiting for these products, in priority order.
    pub async fn waiting_for(&self, products: &[i64]) -> Result<Vec<i64>, StoreError> {
        Ok(sqlx::query_scalar(&format!(
            "SELECT o.id FROM orders o WHERE o.id IN (SELECT l.order_id FROM order_lines l WHERE l.backordered > 0 AND {}) \
             AND o.status IN ('backordered', 'on_hold', 'partially_shipped') ORDER BY o.priority DESC, o.placed_at",
            dialect::in_id_list("l.product_id", 1)
        ))
        .bind(dialect::id_list(products))
        .fetch_all(self.pool())
        .await?)
    }

    /// Puts an order on hold by hand (reservations stay).
    pub async fn hold_order(
        &self,
        id: OrderId,
        reason: HoldReason,
        comment: &str,
        actor: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = begin_write(self).await?;
        let status = order_status(&mut tx, id.get())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("order {id}")))?;
        if !status.is_processable() {
            return Err(StoreError::Conflict(format!(
                "order {id} is {status}: it cannot be held"
            )));
        }
        let comment = comment.trim();
        let msg = if comment.is_empty() {
            "held by hand".to_owned()
        } else {
            comment.to_owned()
        };
        place_hold(&mut tx, id.get(), reason, "manual", &msg, actor, now).await?;
        set_status(&mut tx, id.get(), status, OrderStatus::OnHold).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Routes an order again: gives back its open reservations and runs the pipeline, whose
    /// routing rules decide afresh. The earlier decision stays on the timeline.
    pub async fn reroute_order(
        &self,
        id: OrderId,
        run: &Run<'_>,
    ) -> Result<ProcessOutcome, StoreError> {
        let mut tx = begin_write(self).await?;
        let status = order_status(&mut tx, id.get())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("order {id}")))?;
        if !status.is_processable() || status == OrderStatus::PartiallyShipped {
            return Err(StoreError::Conflict(format!(
                "order {id} is {status}: only open orders that have not shipped can be re-routed"
            )));
        }
        let units = release_reservations(&mut tx, id.get(), run.actor, "re-route", run.now).await?;
        insert_event(
            &mut tx,
            id.get(),
            EventKind::Reserved,
            run.actor,
            "Re-routing",
            Some(&format!(
                "{units} reserved units given back to be routed again"
            )),
        )
        .await?;
        let out = process_one(&mut tx, id.get(), run).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Releases an order's open holds with a comment, then runs the pipeline on it again (a
    /// check released by a person is not raised again for this order).
    pub async fn release_order(
        &self,
        id: OrderId,
        comment: &str,
        run: &Run<'_>,
    ) -> Result<ProcessOutcome, StoreError> {
        let comment = comment.trim();
        if comment.is_empty() {
            return Err(StoreError::Invalid(
                "comment: say why the hold is released".into(),
            ));
        }
        let mut tx = begin_write(self).await?;
        let open = open_holds(&mut tx, id.get()).await?;
        if open.is_empty() {
            return Err(StoreError::Conflict(format!("order {id} has no open hold")));
        }
        for h in open {
            release_hold(&mut tx, id.get(), h.id, run.actor, comment, run.now).await?;
        }
        let out = process_one(&mut tx, id.get(), run).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Cancels an order: releases its reservations, cancels its open units, closes its holds.
    pub async fn cancel_order(
        &self,
        id: OrderId,
        comment: &str,
        actor: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = begin_write(self).await?;
        let status = order_status(&mut tx, id.get())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("order {id}")))?;
        if matches!(
            status,
            OrderStatus::Shipped | OrderStatus::Delivered | OrderStatus::Returned
        ) {
            crate::edits::editable(status, "cancelled", id.get())?;
        }
        status
            .transition(OrderStatus::Cancelled)
            .map_err(|e| StoreError::Conflict(format!("order {id}: {e}")))?;
        let comment = comment.trim();
        let released =
            release_reservations(&mut tx, id.get(), actor, "order cancelled", now).await?;
        sqlx::query("UPDATE order_lines SET cancelled = quantity - shipped, backordered = 0 WHERE order_id = $1")
            .bind(id.get())
            .execute(&mut *tx)
            .await?;
        for h in open_holds(&mut tx, id.get()).await? {
            release_hold(&mut tx, id.get(), h.id, actor, "order cancelled", now).await?;
        }
        set_status(&mut tx, id.get(), status, OrderStatus::Cancelled).await?;
        sqlx::query("UPDATE orders SET processed_at = COALESCE(processed_at, $1) WHERE id = $2")
            .bind(now)
            .bind(id.get())
            .execute(&mut *tx)
            .await?;
        insert_event(
            &mut tx,
            id.get(),
            EventKind::Cancelled,
            actor,
            &format!("Order cancelled ({released} reserved units released)"),
            (!comment.is_empty()).then_some(comment),
        )
        .await?;
        crate::outbox::enqueue_cancellation(&mut tx, id.get(), comment, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Merges orders into the oldest of them (same customer and ship-to, nothing reserved).
    pub async fn merge_orders(
        &self,
        ids: &[OrderId],
        run: &Run<'_>,
    ) -> Result<ProcessOutcome, StoreError> {
        if ids.len() < 2 {
            return Err(StoreError::Invalid(
                "select at least two orders to merge".into(),
            ));
        }
        let mut tx = begin_write(self).await?;
        let raw: Vec<i64> = ids.iter().map(|i| i.get()).collect();
        let rows = sqlx::query(&format!(
            "SELECT id, customer_id, currency, COALESCE(ship_line1, '') || '|' || COALESCE(ship_postal, '') || '|' || COALESCE(ship_country, ''), placed_at \
             FROM orders WHERE {} ORDER BY placed_at, id",
            dialect::in_id_list("id", 1)
        ))
        .bind(dialect::id_list(&raw))
        .fetch_all(&mut *tx)
        .await?;
        if rows.len() != {
            let mut r = raw.clone();
            r.sort_unstable();
            r.dedup();
            r.len()
        } {
            return Err(StoreError::NotFound(
                "one or more of the selected orders".into(),
            ));
        }
        let first = &rows[0];
        let key =
            |r: &sqlx::sqlite::SqliteRow| -> Result<(Option<i64>, String, String), StoreError> {
                Ok((r.try_get(1)?, r.try_get(2)?, r.try_get(3)?))
            };
        let k0 = key(first)?;
        if k0.0.is_none() {
            return Err(StoreError::Conflict(
                "orders without a customer e-mail cannot be merged".into(),
            ));
        }
        for r in &rows[1..] {
            if key(r)? != k0 {
                return Err(StoreError::Conflict(
                    "only orders of the same customer, currency and ship-to address can be merged"
                        .into(),
                ));
            }
        }
        let target: i64 = first.try_get(0)?;
        for r in &rows[1..] {
            merge_into(&mut tx, r.try_get(0)?, target, run.actor, run.now).await?;
        }
        let out = process_one(&mut tx, target, run).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Sets a priority by hand (the rules no longer change it), or clears it with None.
    pub async fn set_priority(
        &self,
        ids: &[OrderId],
        priority: Option<i32>,
        actor: &str,
    ) -> Result<u64, StoreError> {
        let mut tx = begin_write(self).await?;
        let mut n = 0;
        for id in ids {
            let r = sqlx::query(
                "UPDATE orders SET priority_manual = $1, priority = COALESCE($1, priority), processed_at = CASE WHEN $1 IS NULL THEN NULL ELSE processed_at END \
                 WHERE id = $2",
            )
            .bind(priority)
            .bind(id.get())
            .execute(&mut *tx)
            .await?;
            if r.rows_affected() == 0 {
                return Err(StoreError::NotFound(format!("order {id}")));
            }
            insert_event(
                &mut tx,
                id.get(),
                EventKind::Prioritised,
                actor,
                &match priority {
                    Some(p) => format!("Priority set to {p} by hand"),
                    None => "Priority back to the rules".to_owned(),
                },
                None,
            )
            .await?;
            n += 1;
        }
        tx.commit().await?;
        Ok(n)
    }

    /// Orders on hold with their open holds, oldest hold first; optionally one reason only.
    pub async fn review_queue(
        &self,
        reason: Option<HoldReason>,
        limit: u32,
    ) -> Result<Vec<ReviewRow>, StoreError> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT order_id FROM order_holds WHERE released_at IS NULL AND ($1 IS NULL OR reason = $1) \
             GROUP BY order_id ORDER BY MIN(placed_at), order_id LIMIT $2",
        )
        .bind(reason.map(|r| r.as_str()))
        .bind(i64::from(limit.clamp(1, 1000)))
        .fetch_all(self.pool())
        .await?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let json = dialect::id_list(&ids);
        let rows = sqlx::query(&format!(
            "SELECT {}, o.risk_score FROM orders o {} WHERE {}",
            crate::query::ROW_COLUMNS,
            crate::query::ROW_JOINS,
            dialect::in_id_list("o.id", 1)
        ))
        .bind(&json)
        .fetch_all(self.pool())
        .await?;
        let holds = sqlx::query(&format!(
            "SELECT {HOLD_COLUMNS}, h.order_id FROM order_holds h WHERE h.released_at IS NULL AND {} ORDER BY h.placed_at",
            dialect::in_id_list("h.order_id", 1)
        ))
        .bind(&json)
        .fetch_all(self.pool())
        .await?;
        let mut by_id: HashMap<i64, ReviewRow> = HashMap::new();
        for r in &rows {
            let order = crate::read::order_row(r)?;
            by_id.insert(
                order.id,
                ReviewRow {
                    order,
                    holds: Vec::new(),
                    risk_score: r.try_get(16)?,
                },
            );
        }
        for h in &holds {
            let oid: i64 = h.try_get(9)?;
            if let Some(row) = by_id.get_mut(&oid) {
                row.holds.push(hold_row(h)?);
            }
        }
        Ok(ids.iter().filter_map(|i| by_id.remove(i)).collect())
    }

    /// Reads a settings document (JSON) by key.
    pub async fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                .bind(key)
                .fetch_optional(self.pool())
                .await?,
        )
    }

    pub async fn delete_setting(&self, key: &str) -> Result<(), StoreError> {
        let mut tx = begin_write(self).await?;
        sqlx::query("DELETE FROM settings WHERE key = $1")
            .bind(key)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn put_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(key)
            .bind(value)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Tags a customer (e.g. "vip"), found by e-mail.
    pub async fn tag_customer(&self, email: &Email, tag: &Tag) -> Result<(), StoreError> {
        let n = sqlx::query(
            "UPDATE customers SET tags = TRIM(tags || ' ' || $1) WHERE email = $2 AND (' ' || tags || ' ') NOT LIKE '% ' || $1 || ' %'",
        )
        .bind(tag.as_str())
        .bind(email.as_str())
        .execute(self.pool())
        .await?
        .rows_affected();
        if n == 0 {
            let exists: Option<i64> =
                sqlx::query_scalar("SELECT id FROM customers WHERE email = $1")
                    .bind(email.as_str())
                    .fetch_optional(self.pool())
                    .await?;
            exists.ok_or_else(|| StoreError::NotFound(format!("customer {email}")))?;
        }
        // Their open orders are prioritised again.
        sqlx::query(
            "UPDATE orders SET processed_at = NULL WHERE customer_id = (SELECT id FROM customers WHERE email = $1) \
             AND status IN ('pending', 'on_hold', 'ready', 'backordered', 'allocated')",
        )
        .bind(email.as_str())
        .execute(self.pool())
        .await?;
        Ok(())
    }
}

impl Store {
    /// Holds an order whose processing failed, with the error, and takes it out of the queue:
    /// one bad order never blocks the others.
    pub async fn quarantine_order(
        &self,
        id: OrderId,
        error: &str,
        actor: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = begin_write(self).await?;
        quarantine_in(&mut tx, id.get(), error, actor, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Products some order line waits for.
    pub async fn backordered_products(&self) -> Result<Vec<i64>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT DISTINCT product_id FROM order_lines WHERE backordered > 0")
                .fetch_all(self.pool())
                .await?,
        )
    }
}

impl Store {
    /// Ships every reserved unit of an order from where it is reserved (the shipping issue adds
    /// carriers and labels on top): the reservations become shipments in the ledger, the lines'
    /// reserved units become shipped, and the order is shipped or partially shipped.
    pub async fn ship_reserved(
        &self,
        id: OrderId,
        tracking: Option<(&str, &str)>,
        actor: &str,
        now: i64,
    ) -> Result<i64, StoreError> {
        let mut tx = begin_write(self).await?;
        let (units, _) = ship_reserved_in(&mut tx, id, None, tracking, actor, now).await?;
        tx.commit().await?;
        Ok(units)
    }
}

/// Ships the order's reserved units (only those at `location` when given) inside the caller's
/// transaction; records a shipment with its carrier and tracking number when given. Returns the
/// units shipped and the order's status after.
pub(crate) async fn ship_reserved_in(
    tx: &mut Transaction<'_, Sqlite>,
    id: OrderId,
    location: Option<i64>,
    tracking: Option<(&str, &str)>,
    actor: &str,
    now: i64,
) -> Result<(i64, OrderStatus), StoreError> {
    let s = ship_units_in(tx, id, location, None, tracking, actor, now).await?;
    Ok((s.units, s.status))
}

/// What one shipment took.
#[derive(Debug, Clone, Copy)]
pub struct Shipped {
    pub units: i64,
    pub status: OrderStatus,
    pub shipment_id: i64,
}

/// Ships reserved units of an order inside the caller's transaction: all of them (at
/// `location` when given), or exactly `lines` — (line number, units) — from `location`, which a
/// partial shipment needs: a reservation larger than what ships is split, the rest stays
/// reserved. The shipment records its lines; the order becomes shipped or partially shipped.
pub(crate) async fn ship_units_in(
    tx: &mut Transaction<'_, Sqlite>,
    id: OrderId,
    location: Option<i64>,
    lines: Option<&[(i64, i64)]>,
    tracking: Option<(&str, &str)>,
    actor: &str,
    now: i64,
) -> Result<Shipped, StoreError> {
    let status = order_status(tx, id.get())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("order {id}")))?;
    if !matches!(
        status,
        OrderStatus::Allocated | OrderStatus::Backordered | OrderStatus::PartiallyShipped
    ) {
        return Err(StoreError::Conflict(format!(
            "order {id} is {status}: only allocated units can ship"
        )));
    }
    // (line_no, product_id, location_id, quantity) of what ships.
    let rows: Vec<(i64, i64, i64, i64)> = match lines {
        None => sqlx::query_as(
            "UPDATE reservations SET status = 'shipped', closed_at = $2 WHERE order_id = $1 AND status = 'open' \
             AND ($3 IS NULL OR location_id = $3) RETURNING line_no, product_id, location_id, quantity",
        )
        .bind(id.get())
        .bind(now)
        .bind(location)
        .fetch_all(&mut **tx)
        .await?,
        Some(lines) => {
            let loc = location.ok_or_else(|| {
                StoreError::Invalid("a partial shipment needs its location".into())
            })?;
            take_reserved(tx, id, loc, lines, now).await?
        }
    };
    if rows.is_empty() {
        return Err(StoreError::Conflict(format!(
            "order {id} has nothing reserved to ship"
        )));
    }
    let mut units = 0;
    for r in &rows {
        let q = r.3;
        inventory::apply(
            tx,
            &Move {
                product_id: r.1,
                location_id: r.2,
                kind: MovementKind::Shipment,
                quantity: q,
                order_id: Some(id.get()),
                reason: None,
                actor,
            },
        )
        .await?;
        units += q;
    }
    // Per line, what shipped of its reservations.
    let mut per_line: std::collections::BTreeMap<i64, i64> = Default::default();
    for r in &rows {
        *per_line.entry(r.0).or_default() += r.3;
    }
    for (line, q) in &per_line {
        sqlx::query("UPDATE order_lines SET shipped = shipped + $3, reserved = reserved - $3 WHERE order_id = $1 AND line_no = $2")
            .bind(id.get())
            .bind(line)
            .bind(q)
            .execute(&mut **tx)
            .await?;
    }
    let location_of = rows.first().map(|r| r.2);
    // Every parcel is a shipment, with or without a tracking number (the channel is told
    // either way: a trigger puts it in the outbox).
    let shipment_id: i64 = sqlx::query_scalar(
        "INSERT INTO shipments (order_id, location_id, carrier, tracking_number, status, created_at) \
         VALUES ($1, $2, $3, $4, 'in_transit', $5) RETURNING id",
    )
    .bind(id.get())
    .bind(location.or(location_of))
    .bind(tracking.map_or("manual", |t| t.0))
    .bind(tracking.map(|t| t.1))
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    let mut per_line_product: std::collections::BTreeMap<i64, (i64, i64)> = Default::default();
    for r in &rows {
        let e = per_line_product.entry(r.0).or_insert((r.1, 0));
        e.1 += r.3;
    }
    for (line, (product, q)) in &per_line_product {
        sqlx::query(
            "INSERT INTO shipment_lines (shipment_id, line_no, product_id, quantity) VALUES ($1, $2, $3, $4)",
        )
        .bind(shipment_id)
        .bind(line)
        .bind(product)
        .bind(q)
        .execute(&mut **tx)
        .await?;
    }
    let open: i64 = sqlx::query_scalar(
        "SELECT COALESCE(SUM(quantity - shipped - cancelled), 0) FROM order_lines WHERE order_id = $1",
    )
    .bind(id.get())
    .fetch_one(&mut **tx)
    .await?;
    let to = if open > 0 {
        OrderStatus::PartiallyShipped
    } else {
        OrderStatus::Shipped
    };
    set_status(tx, id.get(), status, to).await?;
    insert_event(
        tx,
        id.get(),
        EventKind::Shipped,
        actor,
        &format!("{units} units shipped"),
        tracking.map(|(c, n)| format!("{c} {n}")).as_deref(),
    )
    .await?;
    crate::packing::note_shipped_outside(tx, id.get(), location.or(location_of), now).await?;
    Ok(Shipped {
        units,
        status: to,
        shipment_id,
    })
}

/// Takes `lines` — (line number, units) — out of the order's open reservations at `location`,
/// splitting a reservation when only part of it ships. Says which line has too few reserved.
async fn take_reserved(
    tx: &mut Transaction<'_, Sqlite>,
    id: OrderId,
    location: i64,
    lines: &[(i64, i64)],
    now: i64,
) -> Result<Vec<(i64, i64, i64, i64)>, StoreError> {
    let mut out = Vec::new();
    for &(line_no, want) in lines {
        if want <= 0 {
            return Err(StoreError::Invalid(format!(
                "line {line_no}: {want} units cannot ship"
            )));
        }
        let open: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT id, product_id, quantity FROM reservations \
             WHERE order_id = $1 AND line_no = $2 AND location_id = $3 AND status = 'open' ORDER BY id",
        )
        .bind(id.get())
        .bind(line_no)
        .bind(location)
        .fetch_all(&mut **tx)
        .await?;
        let have: i64 = open.iter().map(|r| r.2).sum();
        if have < want {
            return Err(StoreError::Conflict(format!(
                "line {line_no}: {want} units to ship but {have} reserved at this location"
            )));
        }
        let mut left = want;
        for (rid, product, q) in open {
            if left == 0 {
                break;
            }
            let take = q.min(left);
            if take == q {
                sqlx::query(
                    "UPDATE reservations SET status = 'shipped', closed_at = $2 WHERE id = $1",
                )
                .bind(rid)
                .bind(now)
                .execute(&mut **tx)
                .await?;
            } else {
                sqlx::query("UPDATE reservations SET quantity = quantity - $2 WHERE id = $1")
                    .bind(rid)
                    .bind(take)
                    .execute(&mut **tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO reservations (order_id, line_no, product_id, location_id, quantity, status, created_at, closed_at) \
                     SELECT order_id, line_no, product_id, location_id, $2, 'shipped', created_at, $3 FROM reservations WHERE id = $1",
                )
                .bind(rid)
                .bind(take)
                .bind(now)
                .execute(&mut **tx)
                .await?;
            }
            out.push((line_no, product, location, take));
            left -= take;
        }
    }
    Ok(out)
}
