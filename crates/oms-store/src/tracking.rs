//! Tracking to delivery (issue 6): which shipments the poller asks about, what a carrier's
//! answer changes (scans kept once each, the normalised status, delivered orders completed),
//! the shipments of an order, and the parcels that need a look (exceptions, no movement).

use crate::inventory::begin_write;
use crate::orders::insert_event;
use crate::pipeline::{order_status, set_status};
use crate::{Store, StoreError};
use oms_domain::fulfil_views::{ShipmentView, TrackEventView};
use oms_domain::{EventKind, OrderStatus};
use sqlx::{Row, Sqlite, Transaction};

/// A shipment the poller follows.
#[derive(Debug, Clone)]
pub struct TrackTarget {
    pub shipment_id: i64,
    pub order_id: i64,
    pub account_id: i64,
    pub carrier: String,
    pub tracking_number: String,
    pub tracker_id: Option<String>,
    pub carrier_shipment_id: Option<String>,
}

/// One scan as the connectors give it (status already normalised).
#[derive(Debug, Clone)]
pub struct ScanRecord {
    pub at: i64,
    pub status: String,
    pub message: String,
    pub location: Option<String>,
}

/// A carrier's answer about one shipment.
#[derive(Debug, Clone)]
pub struct TrackUpdate {
    pub status: String,
    pub raw_status: String,
    pub est_delivery: Option<i64>,
    pub events: Vec<ScanRecord>,
}

/// What recording an answer changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TrackChange {
    pub status_changed: bool,
    pub new_events: u32,
    /// The order is now delivered (every parcel of it arrived).
    pub order_delivered: bool,
    pub exception: bool,
}

const SHIPMENT_COLUMNS: &str = "s.id, s.order_id, o.order_number, s.carrier, s.service, s.tracking_number, s.tracking_status, \
    s.tracking_raw, s.created_at, s.moved_at, s.delivered_at, s.est_delivery, s.label_path, s.label_format, s.service_cost, \
    s.cost_currency, s.voided_at IS NOT NULL, (SELECT COALESCE(SUM(quantity), 0) FROM shipment_lines sl WHERE sl.shipment_id = s.id)";

fn shipment_row(r: &sqlx::sqlite::SqliteRow) -> Result<ShipmentView, StoreError> {
    Ok(ShipmentView {
        id: r.try_get(0)?,
        order_id: r.try_get(1)?,
        order_number: r.try_get(2)?,
        carrier: r.try_get(3)?,
        service: r.try_get(4)?,
        tracking_number: r.try_get(5)?,
        tracking_url: None,
        tracking_status: r.try_get(6)?,
        tracking_raw: r.try_get(7)?,
        created_at: r.try_get(8)?,
        moved_at: r.try_get(9)?,
        delivered_at: r.try_get(10)?,
        est_delivery: r.try_get(11)?,
        label_path: r.try_get(12)?,
        label_format: r.try_get(13)?,
        cost_minor: r.try_get(14)?,
        cost_currency: r.try_get(15)?,
        voided: r.try_get(16)?,
        units: r.try_get(17)?,
        events: Vec::new(),
    })
}

impl Store {
    /// Shipments bought through a carrier account, not delivered, not voided, last asked
    /// before `asked_before` (never asked first).
    pub async fn shipments_to_track(
        &self,
        asked_before: i64,
        limit: u32,
    ) -> Result<Vec<TrackTarget>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, order_id, carrier_account_id, carrier, tracking_number, tracker_id, carrier_shipment_id FROM shipments \
             WHERE carrier_account_id IS NOT NULL AND delivered_at IS NULL AND voided_at IS NULL \
             AND tracking_number IS NOT NULL AND COALESCE(tracked_at, 0) < $1 \
             AND COALESCE(tracking_status, '') != 'returned_to_sender' \
             ORDER BY tracked_at IS NOT NULL, tracked_at, id LIMIT $2",
        )
        .bind(asked_before)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(TrackTarget {
                    shipment_id: r.try_get(0)?,
                    order_id: r.try_get(1)?,
                    account_id: r.try_get(2)?,
                    carrier: r.try_get(3)?,
                    tracking_number: r.try_get(4)?,
                    tracker_id: r.try_get(5)?,
                    carrier_shipment_id: r.try_get(6)?,
                })
            })
            .collect()
    }

    /// Notes that asking about a shipment failed (it is asked again next round).
    pub async fn tracking_asked(&self, shipment: i64, now: i64) -> Result<(), StoreError> {
        let mut tx = begin_write(self).await?;
        sqlx::query("UPDATE shipments SET tracked_at = $2 WHERE id = $1")
            .bind(shipment)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Keeps a tracker id the carrier made for a shipment.
    pub async fn set_tracker_id(&self, shipment: i64, tracker: &str) -> Result<(), StoreError> {
        let mut tx = begin_write(self).await?;
        sqlx::query("UPDATE shipments SET tracker_id = $2 WHERE id = $1")
            .bind(shipment)
            .bind(tracker)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a carrier's answer: new scans (each once), the status, and on a change a line
    /// on the order's timeline. A delivered parcel whose order has every parcel delivered makes
    /// the order delivered. Delivered and exception e-mails are queued when the channel sends
    /// e-mail from here.
    pub async fn record_tracking(
        &self,
        shipment: i64,
        u: &TrackUpdate,
        actor: &str,
        now: i64,
    ) -> Result<TrackChange, StoreError> {
        let mut tx = begin_write(self).await?;
        let (order, carrier, number, before): (i64, String, Option<String>, Option<String>) =
            sqlx::query_as(
                "SELECT order_id, carrier, tracking_number, tracking_status FROM shipments WHERE id = $1",
            )
            .bind(shipment)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("shipment {shipment}")))?;
        let mut change = TrackChange::default();
        let mut newest: Option<&ScanRecord> = None;
        for e in &u.events {
            let n = sqlx::query(
                "INSERT OR IGNORE INTO tracking_events (shipment_id, at, status, message, location) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(shipment)
            .bind(e.at)
            .bind(&e.status)
            .bind(&e.message)
            .bind(&e.location)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            change.new_events += u32::try_from(n).unwrap_or(0);
            if newest.is_none_or(|x| e.at >= x.at) {
                newest = Some(e);
            }
        }
        let delivered = u.status == "delivered";
        sqlx::query(
            "UPDATE shipments SET tracking_status = $2, tracking_raw = $3, tracked_at = $4, est_delivery = $5, \
             moved_at = COALESCE(MAX(moved_at, $6), moved_at, $6), \
             delivered_at = CASE WHEN $7 THEN COALESCE(delivered_at, $6, $4) ELSE NULL END, \
             status = CASE WHEN $7 THEN 'delivered' ELSE status END WHERE id = $1",
        )
        .bind(shipment)
        .bind(&u.status)
        .bind(&u.raw_status)
        .bind(now)
        .bind(u.est_delivery)
        .bind(newest.map(|e| e.at))
        .bind(delivered)
        .execute(&mut *tx)
        .await?;
        if before.as_deref() != Some(u.status.as_str()) {
            change.status_changed = true;
            let what = newest.map(|e| e.message.as_str()).unwrap_or("");
            let label = u.status.replace('_', " ");
            insert_event(
                &mut tx,
                order,
                EventKind::Tracking,
                actor,
                &format!(
                    "Parcel {carrier} {}: {label}",
                    number.as_deref().unwrap_or("")
                ),
                Some(what).filter(|w| !w.is_empty()),
            )
            .await?;
            if u.status == "exception" {
                change.exception = true;
                queue_mail_in(&mut tx, order, Some(shipment), "exception", now).await?;
            }
            if matches!(
                u.status.as_str(),
                "delivered" | "exception" | "returned_to_sender" | "out_for_delivery"
            ) {
                let at = newest.map_or(now, |e| e.at);
                let words = newest.map(|e| e.message.as_str());
                queue_delivery_push_in(&mut tx, order, shipment, &u.status, at, words, now).await?;
            }
            if delivered {
                queue_mail_in(&mut tx, order, Some(shipment), "delivered", now).await?;
                change.order_delivered = complete_if_delivered(&mut tx, order, actor).await?;
            }
        }
        tx.commit().await?;
        Ok(change)
    }

    /// The shipments of an order with their scans, oldest first.
    pub async fn shipments_of(&self, order: i64) -> Result<Vec<ShipmentView>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {SHIPMENT_COLUMNS} FROM shipments s JOIN orders o ON o.id = s.order_id WHERE s.order_id = $1 ORDER BY s.id"
        ))
        .bind(order)
        .fetch_all(self.pool())
        .await?;
        let mut out = rows
            .iter()
            .map(shipment_row)
            .collect::<Result<Vec<_>, _>>()?;
        for s in &mut out {
            s.events = sqlx::query(
                "SELECT at, status, message, location FROM tracking_events WHERE shipment_id = $1 ORDER BY at",
            )
            .bind(s.id)
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|r| {
                Ok(TrackEventView {
                    at: r.try_get(0)?,
                    status: r.try_get(1)?,
                    message: r.try_get(2)?,
                    location: r.try_get(3)?,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        }
        Ok(out)
    }

    /// Parcels that need a look: an exception or returned to the sender, or no scan for
    /// `stale_days` (not delivered), newest problem first.
    pub async fn tracking_problems(
        &self,
        stale_days: u32,
        now: i64,
        limit: u32,
    ) -> Result<Vec<ShipmentView>, StoreError> {
        let stale_before = now - i64::from(stale_days) * 86_400_000;
        // Two index ranges: parcels with a problem, and parcels in flight by last movement.
        let rows = sqlx::query(&format!(
            "SELECT {SHIPMENT_COLUMNS} FROM shipments s JOIN orders o ON o.id = s.order_id WHERE s.id IN ( \
               SELECT id FROM shipments WHERE tracking_status IN ('exception', 'returned_to_sender') \
                 AND voided_at IS NULL AND delivered_at IS NULL \
               UNION \
               SELECT id FROM shipments WHERE carrier_account_id IS NOT NULL AND delivered_at IS NULL \
                 AND voided_at IS NULL AND COALESCE(moved_at, created_at) < $1) \
             ORDER BY COALESCE(s.moved_at, s.created_at) DESC LIMIT $2"
        ))
        .bind(stale_before)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(shipment_row).collect()
    }
}

/// Queues a customer e-mail for an order when its channel e-mails from here and the customer
/// has an address. Each (kind, shipment) once.
pub(crate) async fn queue_mail_in(
    tx: &mut Transaction<'_, Sqlite>,
    order: i64,
    shipment: Option<i64>,
    kind: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let key = format!(
        "{kind}-{}",
        shipment.map_or_else(|| format!("o{order}"), |s| s.to_string())
    );
    let n = sqlx::query(
        "INSERT OR IGNORE INTO mail_outbox (order_id, shipment_id, kind, idempotency_key, to_address, lang, status, next_attempt_at, created_at) \
         SELECT o.id, $2, $3, $4, cu.email, COALESCE((SELECT value FROM settings WHERE key = 'mail.lang'), 'en'), 'pending', $5, $5 \
         FROM orders o JOIN connections c ON c.id = o.connection_id JOIN customers cu ON cu.id = o.customer_id \
         WHERE o.id = $1 AND c.email_customers = 1 AND COALESCE(cu.email, '') != ''",
    )
    .bind(order)
    .bind(shipment)
    .bind(kind)
    .bind(&key)
    .bind(now)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(n > 0)
}

/// Tells the order's channel where the parcel is (through the outbox), for connections that
/// are told of fulfilments. Each (shipment, status) once.
async fn queue_delivery_push_in(
    tx: &mut Transaction<'_, Sqlite>,
    order: i64,
    shipment: i64,
    status: &str,
    at: i64,
    message: Option<&str>,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT OR IGNORE INTO outbox (connection_id, order_id, kind, idempotency_key, payload, status, next_attempt_at, created_at) \
         SELECT o.connection_id, o.id, 'delivery', 'delivery-' || s.id || '-' || $3, \
                json_object('shipment_id', s.id, 'external_id', o.external_id, 'carrier', s.carrier, \
                            'tracking_number', s.tracking_number, 'status', $3, 'at', $4, 'message', $5), \
                'pending', $6, $6 \
         FROM orders o JOIN connections c ON c.id = o.connection_id JOIN shipments s ON s.id = $2 \
         WHERE o.id = $1 AND c.kind IN ('shopify', 'woocommerce') AND c.push_fulfilments = 1 \
           AND COALESCE(c.base_url, '') != '' AND s.tracking_number IS NOT NULL",
    )
    .bind(order)
    .bind(shipment)
    .bind(status)
    .bind(at)
    .bind(message)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A shipped order whose every parcel (not voided) is delivered becomes delivered.
async fn complete_if_delivered(
    tx: &mut Transaction<'_, Sqlite>,
    order: i64,
    actor: &str,
) -> Result<bool, StoreError> {
    let status = order_status(tx, order).await?;
    if status != Some(OrderStatus::Shipped) {
        return Ok(false);
    }
    let open: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM shipments WHERE order_id = $1 AND voided_at IS NULL AND delivered_at IS NULL AND carrier_account_id IS NOT NULL",
    )
    .bind(order)
    .fetch_one(&mut **tx)
    .await?;
    if open > 0 {
        return Ok(false);
    }
    set_status(tx, order, OrderStatus::Shipped, OrderStatus::Delivered).await?;
    insert_event(
        tx,
        order,
        EventKind::StatusChanged,
        actor,
        "Delivered: every parcel arrived",
        None,
    )
    .await?;
    Ok(true)
}
