//! The application API of the pipeline and the inventory: processing, holds, merge, priority,
//! cancellation, locations, stock and its ledger. Bulk actions report progress and a summary;
//! a failing order never stops the others.

use crate::{now_ms, stock_csv, Api, ApiError, ErrorCode, ImportMode, ImportReport, Progress};
use oms_domain::entities::Coordinates;
use oms_domain::*;
use oms_engine::{MostAvailable, PipelineSettings};
use oms_store::{Run, StockChange};
use serde::{Deserialize, Serialize};
use std::path::Path;
use ts_rs::TS;

const SETTINGS_KEY: &str = "pipeline";
const MAX_LISTED_FAILURES: usize = 200;
/// How long one processing batch may take before it commits: bounds how long an order's result
/// waits to become durable (and how long the write lock is held at a time).
const BATCH_BUDGET: std::time::Duration = std::time::Duration::from_millis(8);
/// How long processing keeps the database's writer before other writes (a user's click) get
/// their turn.
const WRITER_HOLD: std::time::Duration = std::time::Duration::from_millis(40);

/// What a run over the queue (or a selection) did.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
pub struct ProcessSummary {
    #[ts(type = "number")]
    pub processed: u64,
    #[ts(type = "number")]
    pub allocated: u64,
    #[ts(type = "number")]
    pub backordered: u64,
    #[ts(type = "number")]
    pub on_hold: u64,
    #[ts(type = "number")]
    pub merged: u64,
    #[ts(type = "number")]
    pub skipped: u64,
    /// Orders whose processing failed: each is held for review with the error.
    pub failed: Vec<BulkFailure>,
    #[ts(type = "number")]
    pub failed_count: u64,
}

impl ProcessSummary {
    fn merge(&mut self, o: ProcessSummary) {
        self.processed += o.processed;
        self.allocated += o.allocated;
        self.backordered += o.backordered;
        self.on_hold += o.on_hold;
        self.merged += o.merged;
        self.skipped += o.skipped;
        self.failed_count += o.failed_count;
        self.failed.extend(o.failed);
        self.failed.truncate(MAX_LISTED_FAILURES);
    }

    fn add(&mut self, o: &ProcessOutcome) {
        self.processed += 1;
        if o.skipped.is_some() {
            self.skipped += 1;
        } else if o.merged_into.is_some() {
            self.merged += 1;
        } else {
            match o.status {
                OrderStatus::Allocated => self.allocated += 1,
                OrderStatus::Backordered => self.backordered += 1,
                OrderStatus::OnHold => self.on_hold += 1,
                _ => {}
            }
        }
    }
}

/// A new location as entered in the UI or CLI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct NewLocation {
    pub kind: LocationKind,
    pub name: String,
    pub address: Option<AddressView>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// Priority, countries served, daily capacity and cut-off for the routing rules.
    #[serde(default)]
    pub routing: LocationRouting,
}

/// A stock change entered by a person: receipt, adjustment (signed, with a reason) or a
/// return to stock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct StockChangeInput {
    pub sku: String,
    #[ts(type = "number")]
    pub location_id: i64,
    pub kind: MovementKind,
    #[ts(type = "number")]
    pub quantity: i64,
    pub reason: Option<String>,
}

fn failure(order_id: i64, e: &ApiError, out: &mut Vec<BulkFailure>) {
    if out.len() < MAX_LISTED_FAILURES {
        out.push(BulkFailure {
            order_id,
            message: e.message.clone(),
        });
    }
}

impl Api {
    pub(crate) fn run<'a>(
        &'a self,
        settings: &'a PipelineSettings,
        rates: &'a oms_engine::route::RateTable,
        now: i64,
    ) -> Run<'a> {
        Run {
            rates,
            settings,
            policy: &MostAvailable,
            actor: &self.actor,
            now,
            routing: settings.routing.enabled.then_some(&settings.routing.rules),
        }
    }

    pub async fn pipeline_settings(&self) -> Result<PipelineSettings, ApiError> {
        match self.store.setting(SETTINGS_KEY).await? {
            None => Ok(PipelineSettings::default()),
            Some(json) => serde_json::from_str(&json).map_err(|e| {
                ApiError::new(ErrorCode::Storage, format!("stored pipeline settings: {e}"))
            }),
        }
    }

    /// Saves the rules. Open orders are processed again under them by the next run.
    pub async fn save_pipeline_settings(&self, s: &PipelineSettings) -> Result<(), ApiError> {
        if s.risk.velocity_window_hours == 0 || s.risk.velocity_window_hours > 24 * 90 {
            return Err(ApiError::invalid("velocity window: 1 to 2160 hours"));
        }
        for c in &s.risk.high_risk_countries {
            CountryCode::parse(c)?;
        }
        let json = serde_json::to_string(s).map_err(|e| ApiError::invalid(e.to_string()))?;
        Ok(self.store.put_setting(SETTINGS_KEY, &json).await?)
    }

    /// Runs the pipeline on one order.
    pub async fn process_order(&self, id: i64) -> Result<ProcessOutcome, ApiError> {
        let s = self.pipeline_settings().await?;
        let rates = self.store.rate_table().await?;
        Ok(self
            .store
            .process_order(OrderId::new(id)?, &self.run(&s, &rates, now_ms()))
            .await?)
    }

    /// Processes `ids` in batched write transactions (see `Store::process_batches`): a failing
    /// order is quarantined (held with its error) and the others go on. `each` hears how long
    /// each order took until its result was committed.
    async fn process_many(
        &self,
        ids: &[i64],
        s: &PipelineSettings,
        summary: &mut ProcessSummary,
        each: &mut (dyn FnMut(std::time::Duration) + Send),
    ) -> Result<(), ApiError> {
        // Sets commit within about BATCH_BUDGET (see `Store::process_batches`); the writer is
        // given back to other writes at least every WRITER_HOLD.
        let mut batching = oms_store::Batching::new(BATCH_BUDGET, WRITER_HOLD);
        let mut rest = ids;
        while !rest.is_empty() {
            let rates = self.store.rate_table().await?;
            let run = self.run(s, &rates, now_ms());
            let (items, done) = self
                .store
                .process_batches(rest, &run, &mut batching)
                .await?;
            rest = rest.get(done..).unwrap_or_default();
            for it in items {
                each(it.latency);
                match it.result {
                    Ok(o) => summary.add(&o),
                    Err(e) => {
                        let e = ApiError::from(e);
                        summary.failed_count += 1;
                        failure(it.id, &e, &mut summary.failed);
                    }
                }
            }
        }
        Ok(())
    }

    /// Processes every order waiting in the queue, highest priority first.
    pub async fn process_pending(
        &self,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<ProcessSummary, ApiError> {
        // Pre-orders whose release date has come are placed first (they waited longest).
        let released = self.release_preorders().await?;
        let mut s = self.process_pending_timed(progress, &mut |_| {}).await?;
        s.merge(released);
        Ok(s)
    }

    /// `process_pending`, reporting each order's latency until commit (for the benchmark).
    pub async fn process_pending_timed(
        &self,
        progress: &(dyn Fn(Progress) + Send + Sync),
        each: &mut (dyn FnMut(std::time::Duration) + Send),
    ) -> Result<ProcessSummary, ApiError> {
        let s = self.pipeline_settings().await?;
        let total = self.store.count_unprocessed().await?.max(0) as u64;
        let mut summary = ProcessSummary::default();
        progress(Progress {
            task: "process".into(),
            done: 0,
            total,
        });
        loop {
            let batch = self.store.unprocessed(500).await?;
            if batch.is_empty() {
                break;
            }
            self.process_many(&batch, &s, &mut summary, each).await?;
            progress(Progress {
                task: "process".into(),
                done: summary.processed.min(total),
                total,
            });
        }
        Ok(summary)
    }

    /// Runs the pipeline again on a selection ("validate again").
    pub async fn process_orders(
        &self,
        ids: &[i64],
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<ProcessSummary, ApiError> {
        check_selection(ids)?;
        let s = self.pipeline_settings().await?;
        let mut summary = ProcessSummary::default();
        for (i, chunk) in ids.chunks(500).enumerate() {
            self.process_many(chunk, &s, &mut summary, &mut |_| {})
                .await?;
            tick(progress, "process", i * 500 + chunk.len() - 1, ids.len());
        }
        Ok(summary)
    }

    pub(crate) async fn bulk<F, Fut>(
        &self,
        task: &str,
        ids: &[i64],
        progress: &(dyn Fn(Progress) + Send + Sync),
        mut each: F,
    ) -> Result<BulkResult, ApiError>
    where
        F: FnMut(OrderId) -> Fut,
        Fut: std::future::Future<Output = Result<bool, ApiError>>,
    {
        check_selection(ids)?;
        let mut r = BulkResult {
            requested: ids.len() as u64,
            ..Default::default()
        };
        for (i, id) in ids.iter().enumerate() {
            let res = match OrderId::new(*id) {
                Ok(oid) => each(oid).await,
                Err(e) => Err(e.into()),
            };
            match res {
                Ok(true) => r.changed += 1,
                Ok(false) => r.unchanged += 1,
                Err(e) => {
                    r.failed_count += 1;
                    failure(*id, &e, &mut r.failed);
                }
            }
            tick(progress, task, i, ids.len());
        }
        Ok(r)
    }

    pub async fn hold_orders(
        &self,
        ids: &[i64],
        reason: HoldReason,
        comment: &str,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<BulkResult, ApiError> {
        self.bulk("hold", ids, progress, |id| async move {
            Ok(self
                .store
                .hold_order(id, reason, comment, &self.actor, now_ms())
                .await?)
        })
        .await
    }

    /// Releases the holds of each order with a comment and processes it again.
    pub async fn release_orders(
        &self,
        ids: &[i64],
        comment: &str,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<BulkResult, ApiError> {
        if comment.trim().is_empty() {
            return Err(ApiError::invalid("comment: say why the hold is released"));
        }
        let s = self.pipeline_settings().await?;
        let s = &s;
        self.bulk("release", ids, progress, |id| async move {
            let rates = self.store.rate_table().await?;
            let run = self.run(s, &rates, now_ms());
            self.store.release_order(id, comment, &run).await?;
            Ok(true)
        })
        .await
    }

    pub async fn cancel_orders(
        &self,
        ids: &[i64],
        comment: &str,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<BulkResult, ApiError> {
        let r = self
            .bulk("cancel", ids, progress, |id| async move {
                self.store
                    .cancel_order(id, comment, &self.actor, now_ms())
                    .await?;
                Ok(true)
            })
            .await?;
        // Released stock may fill backorders.
        self.fill_backorders_all().await?;
        Ok(r)
    }

    /// Ships what is reserved for each order (without a carrier label: the shipping issue adds
    /// those).
    pub async fn mark_shipped(
        &self,
        ids: &[i64],
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<BulkResult, ApiError> {
        self.bulk("ship", ids, progress, |id| async move {
            self.store
                .ship_reserved(id, None, &self.actor, now_ms())
                .await?;
            Ok(true)
        })
        .await
    }

    /// Ships what is reserved for one order with a carrier and tracking number entered by
    /// hand; the channel the order came from is told through the outbox. Returns the units.
    pub async fn ship_order(
        &self,
        id: i64,
        carrier: &str,
        tracking_number: &str,
    ) -> Result<i64, ApiError> {
        let (carrier, number) = (carrier.trim(), tracking_number.trim());
        if carrier.is_empty() || number.is_empty() {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                "carrier and tracking number: both needed",
            ));
        }
        let units = self
            .store
            .ship_reserved(
                OrderId::new(id)?,
                Some((carrier, number)),
                &self.actor,
                now_ms(),
            )
            .await?;
        if units == 0 {
            return Err(ApiError::new(
                ErrorCode::Conflict,
                format!("order {id} has nothing reserved to ship"),
            ));
        }
        Ok(units)
    }

    /// Routes the selection again under the current rules (their reservations are given back
    /// first); each order's new decision is on its timeline, the old one kept.
    pub async fn reroute_orders(
        &self,
        ids: &[i64],
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<BulkResult, ApiError> {
        let s = self.pipeline_settings().await?;
        let s = &s;
        let r = self
            .bulk("reroute", ids, progress, |id| async move {
                let rates = self.store.rate_table().await?;
                let run = self.run(s, &rates, now_ms());
                self.store.reroute_order(id, &run).await?;
                Ok(true)
            })
            .await?;
        self.fill_backorders_all().await?;
        Ok(r)
    }

    /// Merges the selected orders into the oldest of them.
    pub async fn merge_orders(&self, ids: &[i64]) -> Result<ProcessOutcome, ApiError> {
        check_selection(ids)?;
        let ids = ids
            .iter()
            .map(|i| OrderId::new(*i))
            .collect::<Result<Vec<_>, _>>()?;
        let s = self.pipeline_settings().await?;
        let rates = self.store.rate_table().await?;
        Ok(self
            .store
            .merge_orders(&ids, &self.run(&s, &rates, now_ms()))
            .await?)
    }

    /// Sets the priority of the selection by hand; None hands it back to the rules.
    pub async fn set_priority(&self, ids: &[i64], priority: Option<i32>) -> Result<u64, ApiError> {
        check_selection(ids)?;
        let ids = ids
            .iter()
            .map(|i| OrderId::new(*i))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(self.store.set_priority(&ids, priority, &self.actor).await?)
    }

    pub async fn review_queue(
        &self,
        reason: Option<HoldReason>,
        limit: u32,
    ) -> Result<Vec<ReviewRow>, ApiError> {
        Ok(self.store.review_queue(reason, limit).await?)
    }

    pub async fn tag_customer(&self, email: &str, tag: &str) -> Result<(), ApiError> {
        Ok(self
            .store
            .tag_customer(&Email::parse(email)?, &Tag::parse(tag)?)
            .await?)
    }

    // Locations and stock.

    pub async fn create_location(&self, l: &NewLocation) -> Result<LocationView, ApiError> {
        let coords = location_coordinates(l)?;
        Ok(self
            .store
            .create_location(l.kind, &l.name, l.address.as_ref(), coords, &l.routing)
            .await?)
    }

    /// Changes a location; `active: false` stops it taking new reservations (what it holds stays).
    pub async fn update_location(
        &self,
        id: i64,
        l: &NewLocation,
        active: bool,
    ) -> Result<LocationView, ApiError> {
        let coords = location_coordinates(l)?;
        Ok(self
            .store
            .update_location(
                id,
                l.kind,
                &l.name,
                l.address.as_ref(),
                coords,
                &l.routing,
                active,
            )
            .await?)
    }

    pub async fn list_locations(&self) -> Result<Vec<LocationView>, ApiError> {
        Ok(self.store.locations().await?)
    }

    pub async fn find_location(&self, key: &str) -> Result<LocationView, ApiError> {
        Ok(self.store.find_location(key).await?)
    }

    pub async fn upsert_product(
        &self,
        sku: &str,
        title: Option<&str>,
        active: Option<bool>,
        allow_backorder: Option<bool>,
    ) -> Result<i64, ApiError> {
        let sku = Sku::parse(sku)?;
        let id = self
            .store
            .upsert_product(&sku, title, active, allow_backorder)
            .await?;
        Ok(id)
    }

    pub async fn inventory(&self, q: &InventoryQuery) -> Result<InventoryPage, ApiError> {
        Ok(self.store.inventory(q).await?)
    }

    pub async fn ledger(
        &self,
        sku: &str,
        location_id: Option<i64>,
        limit: u32,
    ) -> Result<Vec<MovementView>, ApiError> {
        Ok(self
            .store
            .ledger(&Sku::parse(sku)?, location_id, limit)
            .await?)
    }

    /// Receipts, adjustments (with a reason) and return restocks in one transaction; then the
    /// orders waiting for those SKUs are reserved in priority order.
    pub async fn change_stock(&self, changes: &[StockChangeInput]) -> Result<u64, ApiError> {
        if changes.is_empty() {
            return Err(ApiError::invalid("no stock changes given"));
        }
        let mut parsed = Vec::with_capacity(changes.len());
        for c in changes {
            parsed.push(StockChange {
                sku: Sku::parse(&c.sku)?,
                location_id: c.location_id,
                kind: c.kind,
                quantity: c.quantity,
                reason: c.reason.clone(),
            });
        }
        let grown = self.store.change_stock(&parsed, &self.actor).await?;
        self.fill_backorders(&grown).await
    }

    pub async fn transfer_stock(
        &self,
        sku: &str,
        from: i64,
        to: i64,
        quantity: i64,
        reason: Option<&str>,
    ) -> Result<u64, ApiError> {
        let pid = self
            .store
            .transfer_stock(&Sku::parse(sku)?, from, to, quantity, reason, &self.actor)
            .await?;
        self.fill_backorders(&[pid]).await
    }

    pub async fn set_safety_stock(
        &self,
        sku: &str,
        location_id: i64,
        safety_stock: i64,
    ) -> Result<(), ApiError> {
        Ok(self
            .store
            .set_safety_stock(&Sku::parse(sku)?, location_id, safety_stock)
            .await?)
    }

    pub async fn set_incoming(
        &self,
        sku: &str,
        location_id: i64,
        incoming: i64,
        expected_at: Option<i64>,
    ) -> Result<(), ApiError> {
        Ok(self
            .store
            .set_incoming(&Sku::parse(sku)?, location_id, incoming, expected_at)
            .await?)
    }

    /// Reserves stock for orders waiting on these products, highest priority first. Returns
    /// how many orders were processed.
    pub async fn fill_backorders(&self, products: &[i64]) -> Result<u64, ApiError> {
        if products.is_empty() {
            return Ok(0);
        }
        let waiting = self.store.waiting_for(products).await?;
        let s = self.pipeline_settings().await?;
        let mut summary = ProcessSummary::default();
        self.process_many(&waiting, &s, &mut summary, &mut |_| {})
            .await?;
        Ok(summary.processed)
    }

    pub(crate) async fn fill_backorders_all(&self) -> Result<u64, ApiError> {
        let products = self.store.backordered_products().await?;
        self.fill_backorders(&products).await
    }

    /// Imports stock counts from CSV (columns: sku, location, on_hand, optional safety_stock):
    /// each row sets the counted on-hand as an adjustment with the reason "stock count". Same
    /// rules as the order import: any bad row imports nothing unless `GoodRowsOnly`.
    pub async fn import_stock_csv(
        &self,
        path: &Path,
        mode: ImportMode,
    ) -> Result<ImportReport, ApiError> {
        let p = path.to_path_buf();
        let rows = tokio::task::spawn_blocking(move || stock_csv::read(&p))
            .await
            .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))??;
        let locations = self.store.locations().await?;
        let mut report = ImportReport::default();
        let mut good = Vec::new();
        let mut good_rows = Vec::new();
        for r in rows {
            let mut errs = r.errors;
            let loc = r.location.as_deref().and_then(|key| {
                locations
                    .iter()
                    .find(|l| l.name.eq_ignore_ascii_case(key) || l.id.to_string() == key)
            });
            if loc.is_none() {
                if let Some(key) = &r.location {
                    errs.push(stock_csv::err(
                        r.row,
                        "location",
                        format!("no location named {key:?}"),
                    ));
                }
            }
            match (errs.is_empty(), r.sku, loc, r.on_hand) {
                (true, Some(sku), Some(loc), Some(n)) => {
                    good.push((sku, loc.id, n, r.safety_stock));
                    good_rows.push(r.row);
                }
                _ => stock_csv::skip_row(
                    errs,
                    &mut report.errors,
                    &mut report.error_count,
                    &mut report.skipped_rows,
                ),
            }
        }
        if report.error_count > 0 && mode == ImportMode::AllOrNothing {
            return Ok(report);
        }
        let (errors, grown, applied) = self
            .store
            .set_stock_counts(&good, &self.actor, mode == ImportMode::GoodRowsOnly)
            .await?;
        for (i, m) in errors {
            report.error_count += 1;
            report.skipped_rows += 1;
            if report.errors.len() < 200 {
                report
                    .errors
                    .push(stock_csv::err(good_rows[i], "on_hand", m));
            }
        }
        report.imported_lines = applied;
        report.committed = applied > 0;
        if report.committed {
            self.fill_backorders(&grown).await?;
        }
        Ok(report)
    }

    /// Compares the ledger with the balances and reservations; empty when all is consistent.
    pub async fn check_inventory(&self) -> Result<Vec<String>, ApiError> {
        Ok(self.store.check_inventory().await?)
    }
}

fn location_coordinates(l: &NewLocation) -> Result<Option<Coordinates>, ApiError> {
    for c in &l.routing.ships_to {
        CountryCode::parse(c).map_err(|e| ApiError::invalid(format!("ships to: {e}")))?;
    }
    if l.routing.cutoff_minute_utc.is_some_and(|m| m >= 24 * 60) {
        return Err(ApiError::invalid(
            "cut-off: minutes after midnight UTC, 0 to 1439",
        ));
    }
    if let Some(a) = &l.address {
        CountryCode::parse(&a.country)
            .map_err(|e| ApiError::invalid(format!("address country: {e}")))?;
        if a.line1.trim().is_empty() || a.city.trim().is_empty() {
            return Err(ApiError::invalid("address: street and city are required"));
        }
    }
    match (l.lat, l.lon) {
        (Some(lat), Some(lon)) => Ok(Some(Coordinates::parse(lat, lon)?)),
        (None, None) => Ok(None),
        _ => Err(ApiError::invalid(
            "coordinates: give both latitude and longitude",
        )),
    }
}

fn check_selection(ids: &[i64]) -> Result<(), ApiError> {
    if ids.is_empty() {
        return Err(ApiError::invalid("no orders selected"));
    }
    if ids.len() > crate::MAX_SELECTION {
        return Err(ApiError::invalid(format!(
            "at most {} orders at once",
            crate::MAX_SELECTION
        )));
    }
    Ok(())
}

fn tick(progress: &(dyn Fn(Progress) + Send + Sync), task: &str, i: usize, n: usize) {
    if (i + 1).is_multiple_of(100) || i + 1 == n {
        progress(Progress {
            task: task.into(),
            done: i as u64 + 1,
            total: n as u64,
        });
    }
}
