//! The outbox dispatcher: sends due rows of a connection to its channel and records what
//! happened. A row the channel could not take now (unreachable, busy, rate limited) is tried
//! again later with a growing wait; a row it refused waits for a person, with the channel's
//! words; bad credentials stop the pass (the rows stay due). Rows survive restarts and days
//! offline: they are in the database, added in the transaction of the change they report.

use crate::sync::sync_error;
use crate::{now_ms, Api, ApiError, ErrorCode};
use oms_domain::sync_views::{
    ChannelLocationView, ChannelSkuView, OutboxReport, OutboxView, PushSettings,
};
use oms_store::OutboxRow;
use oms_sync::push::{
    CancelPush, DeliveryPush, FulfilmentPush, LineCancelPush, Outcome, Push, RefundPush, StockPush,
    StockTarget,
};
use serde_json::Value;

/// Rows one pass takes at most per connection (the next pass goes on).
const PASS_ROWS: i64 = 1_000;
/// The longest wait between tries of a row.
const MAX_WAIT_MS: i64 = 6 * 3_600_000;

/// When a row that failed for now is tried again: 30 s doubling per try, at most 6 h, with
/// a little jitter so that rows of one connection spread out.
fn next_try(now: i64, attempts: i64, id: i64) -> i64 {
    let step = 30_000i64
        .saturating_mul(1i64 << attempts.clamp(0, 20))
        .min(MAX_WAIT_MS);
    now + step + (id * 7_919) % 5_000
}

fn field<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// In plain words, what a row tells the channel.
pub(crate) fn summary(r: &OutboxRow) -> String {
    let v: Value = serde_json::from_str(&r.payload).unwrap_or(Value::Null);
    let order = r.order_number.as_deref().unwrap_or("?");
    match r.kind.as_str() {
        "fulfilment" => match field(&v, "tracking_number") {
            Some(n) => format!(
                "Order {order} shipped with {} {n}",
                field(&v, "carrier").unwrap_or("carrier")
            ),
            None => format!(
                "Order {order} shipped with {}",
                field(&v, "carrier").unwrap_or("carrier")
            ),
        },
        "cancellation" => format!("Order {order} cancelled"),
        "line_cancellation" => format!("Order {order}: units cancelled"),
        "refund" => {
            let amount = v.get("amount").and_then(Value::as_i64).unwrap_or(0);
            let currency = field(&v, "currency").unwrap_or("");
            let exp = oms_domain::Currency::parse(currency).map_or(2, |c| c.exponent());
            format!(
                "Order {order}: refund of {} {currency}",
                oms_domain::format_minor(amount, exp)
            )
        }
        "delivery" => format!(
            "Order {order}: parcel {} {} {}",
            field(&v, "carrier").unwrap_or("carrier"),
            field(&v, "tracking_number").unwrap_or(""),
            match field(&v, "status").unwrap_or("") {
                "delivered" => "delivered",
                "out_for_delivery" => "out for delivery",
                "returned_to_sender" => "returned to the sender",
                "exception" => "has a delivery problem",
                other => other,
            }
        ),
        "stock" => format!(
            "{}: {} available",
            field(&v, "channel_sku").unwrap_or("?"),
            v.get("total").and_then(Value::as_i64).unwrap_or(0)
        ),
        other => other.to_owned(),
    }
}

fn view(r: &OutboxRow) -> OutboxView {
    OutboxView {
        id: r.id,
        connection_id: r.connection_id,
        order_id: r.order_id,
        order_number: r.order_number.clone(),
        kind: r.kind.clone(),
        summary: summary(r),
        status: r.status.clone(),
        attempts: r.attempts,
        last_error: r.last_error.clone(),
        next_attempt_at: r.next_attempt_at,
        created_at: r.created_at,
        sent_at: r.sent_at,
        external_ref: r.external_ref.clone(),
    }
}

fn bad_row(r: &OutboxRow, why: &str) -> ApiError {
    ApiError::new(ErrorCode::Internal, format!("outbox row {}: {why}", r.id))
}

impl Api {
    /// Turns stock changes into outbox rows (coalesced per SKU). Returns rows added or changed.
    pub async fn stock_step(&self) -> Result<u64, ApiError> {
        Ok(self.store.stock_step(now_ms()).await?)
    }

    /// Sends a connection's due rows once. Paused or disabled connections send nothing.
    pub async fn dispatch_outbox(&self, connection_id: i64) -> Result<OutboxReport, ApiError> {
        let lock = self
            .outbox_locks
            .lock()
            .map(|mut m| m.entry(connection_id).or_default().clone())
            .map_err(|_| ApiError::new(ErrorCode::Internal, "outbox lock poisoned"))?;
        let _turn = lock.lock().await;
        let mut report = OutboxReport {
            connection_id,
            ..Default::default()
        };
        let row = self.store.sync_connection(connection_id).await?;
        if !row.enabled || row.paused {
            report.stopped = Some("the connection is paused or disabled".into());
            return Ok(report);
        }
        let due = self
            .store
            .due_outbox(connection_id, now_ms(), PASS_ROWS)
            .await?;
        if due.is_empty() {
            return Ok(report);
        }
        let mut c = match self.connector(&row).await {
            Ok(c) => c,
            Err(e) => {
                report.stopped = Some(e.message);
                return Ok(report);
            }
        };
        let (stock, others): (Vec<OutboxRow>, Vec<OutboxRow>) =
            due.into_iter().partition(|r| r.kind == "stock");
        for r in &others {
            let push = match self.push_of(r, row.id).await {
                Ok(p) => p,
                Err(e) => {
                    self.store
                        .outbox_attempt_failed(r.id, &e.message, None)
                        .await?;
                    report.failed += 1;
                    continue;
                }
            };
            let result = c.push(&push).await;
            if self.record(r, result, &mut report).await? {
                return Ok(report);
            }
        }
        let skus = self
            .store
            .channel_skus(connection_id, false, i64::MAX)
            .await?;
        for chunk in stock.chunks(c.stock_batch().max(1)) {
            let mut items = Vec::with_capacity(chunk.len());
            for r in chunk {
                let v: Value =
                    serde_json::from_str(&r.payload).map_err(|e| bad_row(r, &e.to_string()))?;
                let sku = field(&v, "channel_sku").unwrap_or("").to_owned();
                let known = skus.iter().find(|s| s.channel_sku == sku).and_then(|s| {
                    s.external_id.clone().map(|id| StockTarget {
                        id,
                        parent: s.external_parent_id.clone(),
                    })
                });
                let quantities = v
                    .get("quantities")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .map(|q| {
                                (
                                    field(q, "location").map(str::to_owned),
                                    q.get("quantity").and_then(Value::as_i64).unwrap_or(0),
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                items.push(StockPush {
                    channel_sku: sku,
                    known,
                    quantities,
                    idempotency_key: r.idempotency_key.clone(),
                });
            }
            let results = c.push_stock(&items).await;
            for ((r, item), result) in chunk.iter().zip(&items).zip(results) {
                if let Ok(done) = &result {
                    if let Some(t) = &done.target {
                        self.store
                            .set_channel_sku_ids(
                                connection_id,
                                &item.channel_sku,
                                &t.id,
                                t.parent.as_deref(),
                            )
                            .await?;
                    }
                    if done.not_listed {
                        self.store.outbox_not_listed(r.id, now_ms()).await?;
                        report.not_listed += 1;
                        continue;
                    }
                }
                if self.record(r, result, &mut report).await? {
                    return Ok(report);
                }
            }
        }
        Ok(report)
    }

    /// Records one push's result; true when the pass must stop.
    async fn record(
        &self,
        r: &OutboxRow,
        result: Result<oms_sync::push::PushDone, oms_sync::SyncError>,
        report: &mut OutboxReport,
    ) -> Result<bool, ApiError> {
        let now = now_ms();
        match result {
            Ok(done) => {
                self.store
                    .outbox_sent(r.id, done.external_ref.as_deref(), &done.note, now)
                    .await?;
                report.sent += 1;
                Ok(false)
            }
            Err(e) if e.needs_new_key() => {
                self.store.outbox_new_key(r.id, now).await?;
                self.store
                    .outbox_attempt_failed(r.id, &e.message, Some(now))
                    .await?;
                report.retrying += 1;
                Ok(false)
            }
            Err(e) => match e.outcome() {
                Outcome::Later => {
                    let wait = e
                        .retry_after
                        .map(|d| now + d.as_millis() as i64)
                        .unwrap_or_else(|| next_try(now, r.attempts, r.id));
                    self.store
                        .outbox_attempt_failed(r.id, &e.message, Some(wait))
                        .await?;
                    report.retrying += 1;
                    Ok(false)
                }
                Outcome::Failed => {
                    self.store
                        .outbox_attempt_failed(r.id, &e.message, None)
                        .await?;
                    report.failed += 1;
                    Ok(false)
                }
                Outcome::Stop => {
                    // The row stays due as it was; the connection shows the error.
                    report.stopped = Some(sync_error(&e).message);
                    Ok(true)
                }
            },
        }
    }

    /// What to send for a fulfilment or cancellation row, from the order as it is now.
    async fn push_of(&self, r: &OutboxRow, connection_id: i64) -> Result<Push, ApiError> {
        let v: Value = serde_json::from_str(&r.payload).map_err(|e| bad_row(r, &e.to_string()))?;
        let order = field(&v, "external_id")
            .ok_or_else(|| bad_row(r, "no channel order id"))?
            .to_owned();
        match r.kind.as_str() {
            "fulfilment" => {
                let order_id = r.order_id.ok_or_else(|| bad_row(r, "no order"))?;
                let lines = self.store.shipped_lines(order_id, connection_id).await?;
                Ok(Push::Fulfilment(FulfilmentPush {
                    order,
                    carrier: field(&v, "carrier").unwrap_or("Other").to_owned(),
                    service: field(&v, "service").map(str::to_owned),
                    tracking_number: field(&v, "tracking_number").map(str::to_owned),
                    shipped: lines.lines,
                    complete: lines.complete,
                    notify_customer: true,
                }))
            }
            "cancellation" => Ok(Push::Cancel(CancelPush {
                order,
                reason: field(&v, "reason").unwrap_or("").to_owned(),
                notify_customer: false,
            })),
            "delivery" => Ok(Push::Delivery(DeliveryPush {
                order,
                carrier: field(&v, "carrier").unwrap_or("Other").to_owned(),
                tracking_number: field(&v, "tracking_number")
                    .ok_or_else(|| bad_row(r, "no tracking number"))?
                    .to_owned(),
                status: field(&v, "status").unwrap_or("in_transit").to_owned(),
                happened_at: v.get("at").and_then(Value::as_i64).unwrap_or(r.created_at),
                message: field(&v, "message").map(str::to_owned),
            })),
            "refund" => {
                let id = v
                    .get("refund_id")
                    .and_then(Value::as_i64)
                    .ok_or_else(|| bad_row(r, "no refund"))?;
                let f = self.store.refund(id).await?;
                Ok(Push::Refund(RefundPush {
                    order,
                    reference: format!("OMS refund {id}"),
                    amount_minor: f.amount,
                    currency: oms_domain::Currency::parse(&f.currency)?,
                    shipping_minor: f.shipping,
                    lines: self.store.refund_channel_lines(id, connection_id).await?,
                    reason: f.reason,
                    notify_customer: true,
                }))
            }
            "line_cancellation" => Ok(Push::CancelLines(LineCancelPush {
                order,
                lines: self
                    .store
                    .cancelled_lines(
                        r.order_id.ok_or_else(|| bad_row(r, "no order"))?,
                        connection_id,
                    )
                    .await?,
                reason: field(&v, "reason").unwrap_or("").to_owned(),
            })),
            other => Err(bad_row(r, &format!("unknown kind {other}"))),
        }
    }

    /// Outbox rows, newest first: of one connection or all, of one status or all.
    pub async fn outbox(
        &self,
        connection_id: Option<i64>,
        status: Option<&str>,
        limit: i64,
    ) -> Result<Vec<OutboxView>, ApiError> {
        if let Some(s) = status {
            oms_domain::OutboxStatus::parse(s)?;
        }
        let rows = self
            .store
            .outbox_rows(connection_id, status, limit.clamp(1, 10_000))
            .await?;
        Ok(rows.iter().map(view).collect())
    }

    /// Failed rows are sent again on the next pass (now).
    pub async fn retry_outbox(&self, ids: &[i64]) -> Result<u64, ApiError> {
        Ok(self.store.outbox_retry(ids, now_ms()).await?)
    }

    /// Rows nobody wants sent any more.
    pub async fn dismiss_outbox(&self, ids: &[i64]) -> Result<u64, ApiError> {
        Ok(self.store.outbox_dismiss(ids).await?)
    }

    /// What goes to a channel besides orders: shipments and cancellations, stock (with a
    /// buffer and a cap).
    pub async fn set_push_settings(
        &self,
        connection_id: i64,
        s: &PushSettings,
    ) -> Result<(), ApiError> {
        Ok(self
            .store
            .set_stock_push(
                connection_id,
                s.push_stock,
                s.stock_buffer,
                if s.remove_cap {
                    Some(None)
                } else {
                    s.stock_cap.map(Some)
                },
                s.push_fulfilments,
            )
            .await?)
    }

    /// A connection's SKUs with what they map to; `unknown_only` shows the flagged ones.
    pub async fn channel_skus(
        &self,
        connection_id: i64,
        unknown_only: bool,
    ) -> Result<Vec<ChannelSkuView>, ApiError> {
        let rows = self
            .store
            .channel_skus(connection_id, unknown_only, 5_000)
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| ChannelSkuView {
                state: if r.listed == Some(false) {
                    "not_listed".into()
                } else if !r.stocked {
                    "unknown".into()
                } else {
                    "mapped".into()
                },
                channel_sku: r.channel_sku,
                sku: r.sku,
                title: r.title,
                manual: r.manual,
                last_seen_at: r.last_seen_at,
                pushed_quantity: r.pushed_quantity,
                pushed_at: r.pushed_at,
            })
            .collect())
    }

    /// Maps a channel SKU to one of ours (`None`: back to "same SKU").
    pub async fn map_channel_sku(
        &self,
        connection_id: i64,
        channel_sku: &str,
        our_sku: Option<&str>,
    ) -> Result<(), ApiError> {
        self.store.sync_connection(connection_id).await?;
        Ok(self
            .store
            .map_channel_sku(connection_id, channel_sku, our_sku, now_ms())
            .await?)
    }

    /// Which of our locations feed a connection's stock (none: all of them).
    pub async fn channel_locations(
        &self,
        connection_id: i64,
    ) -> Result<Vec<ChannelLocationView>, ApiError> {
        Ok(self
            .store
            .channel_locations(connection_id)
            .await?
            .into_iter()
            .map(
                |(location_id, name, external_location_id)| ChannelLocationView {
                    location_id,
                    name,
                    external_location_id,
                },
            )
            .collect())
    }

    pub async fn set_channel_location(
        &self,
        connection_id: i64,
        location_id: i64,
        external_location_id: Option<&str>,
        feeds: bool,
    ) -> Result<(), ApiError> {
        self.store.sync_connection(connection_id).await?;
        Ok(self
            .store
            .set_channel_location(connection_id, location_id, external_location_id, feeds)
            .await?)
    }

    /// One pass over every enabled connection: stock changes become rows, due rows are sent.
    pub async fn dispatch_all(&self) -> Result<Vec<OutboxReport>, ApiError> {
        self.stock_step().await?;
        let mut out = Vec::new();
        for c in self.store.sync_connections().await? {
            if c.enabled && !c.paused && c.base_url.is_some() {
                out.push(self.dispatch_outbox(c.id).await?);
            }
        }
        Ok(out)
    }
}
