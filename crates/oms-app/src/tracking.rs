//! Tracking to delivery (issue 6): the poller asks each carrier account about its shipments
//! not delivered yet (a bounded number per pass, spaced by the carrier client's own retry and
//! rate-limit policy), records the normalised status and the carrier's scans, completes
//! delivered orders, and surfaces exceptions and parcels without movement.

use crate::{now_ms, Api, ApiError};
use oms_domain::fulfil_views::{ShipmentView, TrackingReport};
use oms_store::{ScanRecord, TrackTarget, TrackUpdate};
use oms_sync::carriers::{TrackStatus, Tracking};

/// Shipments asked about per pass at most (the next pass goes on).
pub const TRACK_PASS: u32 = 200;
/// A shipment is asked about again after this long.
pub const TRACK_EVERY_MS: i64 = 3_600_000;
/// Days without a scan after which a parcel needs a look.
pub const STALE_DAYS: u32 = 5;

pub fn status_word(s: TrackStatus) -> &'static str {
    match s {
        TrackStatus::PreTransit => "pre_transit",
        TrackStatus::InTransit => "in_transit",
        TrackStatus::OutForDelivery => "out_for_delivery",
        TrackStatus::Delivered => "delivered",
        TrackStatus::Exception => "exception",
        TrackStatus::ReturnedToSender => "returned_to_sender",
        TrackStatus::Unknown => "unknown",
    }
}

fn update_of(t: &Tracking) -> TrackUpdate {
    TrackUpdate {
        status: status_word(t.status).to_owned(),
        raw_status: t.raw_status.clone(),
        est_delivery: t.est_delivery,
        events: t
            .events
            .iter()
            .map(|e| ScanRecord {
                at: e.at,
                status: status_word(e.status).to_owned(),
                message: e.message.clone(),
                location: e.location.clone(),
            })
            .collect(),
    }
}

/// Each shipment's carrier tracking page, where the carrier is known.
fn with_links(v: &mut [ShipmentView]) {
    for s in v {
        s.tracking_url = s
            .tracking_number
            .as_deref()
            .and_then(|n| oms_mail::tracking_url(&s.carrier, n));
    }
}

impl Api {
    /// One tracking pass: asks about shipments not asked for an hour (oldest first), records
    /// what changed. A failure is counted and named; the shipment is asked again next time.
    pub async fn poll_tracking(&self, force: bool) -> Result<TrackingReport, ApiError> {
        let now = now_ms();
        let before = if force { now + 1 } else { now - TRACK_EVERY_MS };
        let targets = self.store.shipments_to_track(before, TRACK_PASS).await?;
        let mut report = TrackingReport::default();
        if targets.is_empty() {
            return Ok(report);
        }
        let accounts = self.store.carrier_accounts().await?;
        let mut clients = std::collections::HashMap::new();
        for t in &targets {
            report.asked += 1;
            let Some(row) = accounts.iter().find(|a| a.id == t.account_id) else {
                continue;
            };
            if let std::collections::hash_map::Entry::Vacant(slot) = clients.entry(row.id) {
                slot.insert(self.carrier_client(row).await);
            }
            let client = match clients.get(&row.id) {
                Some(Ok(c)) => c,
                Some(Err(e)) => {
                    report.failed += 1;
                    report.problems.push(format!("{}: {}", row.name, e.message));
                    self.store.tracking_asked(t.shipment_id, now).await?;
                    continue;
                }
                None => continue,
            };
            match self.track_one(client, t).await {
                Ok(tracking) => {
                    let change = self
                        .store
                        .record_tracking(t.shipment_id, &update_of(&tracking), "tracking", now_ms())
                        .await?;
                    if change.status_changed || change.new_events > 0 {
                        report.changed += 1;
                    }
                    if change.order_delivered {
                        report.delivered += 1;
                    }
                    if change.exception {
                        report.exceptions += 1;
                    }
                }
                Err(e) => {
                    report.failed += 1;
                    report.problems.push(format!(
                        "{}: {}: {}",
                        row.name, t.tracking_number, e.message
                    ));
                    self.store.tracking_asked(t.shipment_id, now).await?;
                }
            }
        }
        Ok(report)
    }

    async fn track_one(
        &self,
        client: &oms_sync::carriers::CarrierClient,
        t: &TrackTarget,
    ) -> Result<Tracking, ApiError> {
        let tracking = client
            .track(t.tracker_id.as_deref(), &t.carrier, &t.tracking_number)
            .await
            .map_err(|e| crate::sync::sync_error(&e))?;
        if t.tracker_id.is_none() {
            if let Some(id) = tracking.tracker_id.as_deref() {
                self.store.set_tracker_id(t.shipment_id, id).await?;
            }
        }
        Ok(tracking)
    }

    /// An order's shipments with their scans and tracking links.
    pub async fn shipments(&self, order_id: i64) -> Result<Vec<ShipmentView>, ApiError> {
        let mut v = self.store.shipments_of(order_id).await?;
        with_links(&mut v);
        Ok(v)
    }

    /// Parcels that need a look: exceptions, returned to sender, or no scan for `stale_days`.
    pub async fn tracking_problems(
        &self,
        stale_days: Option<u32>,
    ) -> Result<Vec<ShipmentView>, ApiError> {
        let mut v = self
            .store
            .tracking_problems(stale_days.unwrap_or(STALE_DAYS), now_ms(), 200)
            .await?;
        with_links(&mut v);
        Ok(v)
    }
}
