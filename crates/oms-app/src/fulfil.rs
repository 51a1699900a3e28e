//! The special flows routing starts: buy online, pick up in store; drop-ship and 3PL
//! hand-offs written out as CSV and JSON, confirmed and shipped by the supplier; pre-orders.

use crate::error::{ApiError, ErrorCode};
use crate::{now_ms, Api, FieldError, ImportMode, ProcessSummary, Progress};
use oms_domain::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use ts_rs::TS;

/// What writing hand-offs out did.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
pub struct HandoffExport {
    pub folder: String,
    /// The files written, two per hand-off (`HO-<id>-<order>.json` and `.csv`).
    pub files: Vec<String>,
    #[ts(type = "number")]
    pub handoffs: u64,
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// A hand-off as CSV: one row per line with the ship-to address repeated (what suppliers'
/// portals and spreadsheets take).
pub fn handoff_csv(h: &HandoffView) -> Result<String, ApiError> {
    let d: serde_json::Value = serde_json::from_str(&h.document)
        .map_err(|e| ApiError::new(ErrorCode::Storage, format!("hand-off HO-{}: {e}", h.id)))?;
    let text = |v: &serde_json::Value, k: &str| match v.get(k) {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    let to = d.get("ship_to").cloned().unwrap_or(serde_json::Value::Null);
    let mut out = String::from(
        "reference,type,order_number,placed_at,ship_by,service,sku,quantity,ship_name,ship_line1,ship_line2,ship_city,ship_region,ship_postal_code,ship_country,email\n",
    );
    for l in d
        .get("lines")
        .and_then(|l| l.as_array())
        .into_iter()
        .flatten()
    {
        let row = [
            format!("HO-{}", h.id),
            h.kind.clone(),
            h.order_number.clone(),
            text(&d, "placed_at"),
            text(&d, "ship_by"),
            text(&d, "shipping_service"),
            text(l, "sku"),
            text(l, "quantity"),
            text(&to, "name"),
            text(&to, "line1"),
            text(&to, "line2"),
            text(&to, "city"),
            text(&to, "region"),
            text(&to, "postal_code"),
            text(&to, "country"),
            text(&d, "email"),
        ];
        out.push_str(
            &row.iter()
                .map(|f| csv_field(f))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push('\n');
    }
    Ok(out)
}

impl Api {
    /// Makes an open order a pickup order at a location (None: shipped to the customer again)
    /// and places it again.
    pub async fn set_pickup_location(
        &self,
        order_id: i64,
        location_id: Option<i64>,
    ) -> Result<ProcessOutcome, ApiError> {
        self.store
            .set_pickup_location(OrderId::new(order_id)?, location_id, &self.actor, now_ms())
            .await?;
        self.process_order(order_id).await
    }

    pub async fn pickup_queue(&self, location_id: i64) -> Result<Vec<PickupRow>, ApiError> {
        Ok(self.store.pickup_queue(location_id, now_ms()).await?)
    }

    /// Sets orders aside at their store: each must have every unit reserved there.
    pub async fn mark_ready_for_pickup(
        &self,
        ids: &[i64],
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<BulkResult, ApiError> {
        self.bulk("pickup", ids, progress, |id| async move {
            self.store
                .mark_ready_for_pickup(id, &self.actor, now_ms())
                .await?;
            Ok(true)
        })
        .await
    }

    /// The customers collected the orders: their units leave the store's stock.
    pub async fn mark_picked_up(
        &self,
        ids: &[i64],
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<BulkResult, ApiError> {
        self.bulk("pickup", ids, progress, |id| async move {
            self.store.mark_picked_up(id, &self.actor, now_ms()).await?;
            Ok(true)
        })
        .await
    }

    /// Hand-offs by status; none: the open ones.
    pub async fn list_handoffs(&self, status: Option<&str>) -> Result<Vec<HandoffView>, ApiError> {
        if let Some(s) = status {
            if !["pending", "sent", "confirmed", "shipped", "cancelled"].contains(&s) {
                return Err(ApiError::invalid(format!(
                    "status: {s:?} is not pending, sent, confirmed, shipped or cancelled"
                )));
            }
        }
        Ok(self.store.handoffs(status, 5000).await?)
    }

    /// Writes the pending hand-offs (or the given ones) as JSON and CSV into `folder` (default:
    /// `outbox/` beside the database) and marks them sent.
    pub async fn export_handoffs(
        &self,
        ids: Option<&[i64]>,
        folder: Option<&Path>,
    ) -> Result<HandoffExport, ApiError> {
        let all = self.store.handoffs(Some("pending"), 5000).await?;
        let chosen: Vec<HandoffView> = match ids {
            Some(ids) => all.into_iter().filter(|h| ids.contains(&h.id)).collect(),
            None => all,
        };
        let dir: PathBuf = match folder {
            Some(f) => f.to_path_buf(),
            None => self
                .store
                .path()
                .parent()
                .map(|p| p.join("outbox"))
                .unwrap_or_else(|| PathBuf::from("outbox")),
        };
        let mut files = Vec::new();
        let mut written = Vec::new();
        let mut jobs = Vec::new();
        for h in &chosen {
            let safe: String = h
                .order_number
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            let base = dir.join(format!("HO-{}-{safe}", h.id));
            jobs.push((base.with_extension("json"), h.document.clone()));
            jobs.push((base.with_extension("csv"), handoff_csv(h)?));
            written.push(h.id);
        }
        let d = dir.clone();
        let paths = tokio::task::spawn_blocking(move || -> Result<Vec<String>, ApiError> {
            std::fs::create_dir_all(&d)
                .map_err(|e| ApiError::io(format!("{}: {e}", d.display())))?;
            let mut out = Vec::new();
            for (path, body) in jobs {
                std::fs::write(&path, body)
                    .map_err(|e| ApiError::io(format!("{}: {e}", path.display())))?;
                out.push(path.display().to_string());
            }
            Ok(out)
        })
        .await
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))??;
        files.extend(paths);
        let n = self
            .store
            .mark_handoffs_sent(&written, &self.actor, now_ms())
            .await?;
        Ok(HandoffExport {
            folder: dir.display().to_string(),
            files,
            handoffs: n,
        })
    }

    pub async fn confirm_handoff(
        &self,
        id: i64,
        supplier_ref: Option<&str>,
    ) -> Result<HandoffView, ApiError> {
        let r = supplier_ref.map(str::trim).filter(|s| !s.is_empty());
        Ok(self
            .store
            .confirm_handoff(id, r, &self.actor, now_ms())
            .await?)
    }

    /// The supplier shipped: its units ship with the carrier and tracking number.
    pub async fn ship_handoff(
        &self,
        id: i64,
        carrier: &str,
        tracking_number: &str,
    ) -> Result<HandoffView, ApiError> {
        let (c, t) = (carrier.trim(), tracking_number.trim());
        if c.is_empty() || t.is_empty() {
            return Err(ApiError::invalid(
                "carrier and tracking number: both are needed",
            ));
        }
        if t.len() > 64
            || !t
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == ' ')
        {
            return Err(ApiError::invalid(format!(
                "tracking number: {t:?} has characters no carrier uses"
            )));
        }
        Ok(self
            .store
            .ship_handoff(id, c, t, &self.actor, now_ms())
            .await?)
    }

    /// Sets a product's release date (a pre-order until then) or clears it; the orders waiting
    /// for it are placed when it has come.
    pub async fn set_release_date(
        &self,
        sku: &str,
        release_at: Option<i64>,
    ) -> Result<(), ApiError> {
        let sku = Sku::parse(sku)?;
        self.store.set_release(sku.as_str(), release_at).await?;
        self.release_preorders().await?;
        Ok(())
    }

    /// Places the orders waiting for a product whose release date has come.
    pub async fn release_preorders(&self) -> Result<ProcessSummary, ApiError> {
        let ids = self.store.take_released_preorders(now_ms()).await?;
        if ids.is_empty() {
            return Ok(ProcessSummary::default());
        }
        self.process_orders(&ids, &|_| {}).await
    }
}

/// What importing supplier confirmations did. With "all or nothing" a bad row changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
pub struct HandoffImportReport {
    #[ts(type = "number")]
    pub confirmed: u64,
    #[ts(type = "number")]
    pub shipped: u64,
    #[ts(type = "number")]
    pub skipped_rows: u64,
    /// Each naming its row (1 = the first after the header) and column.
    pub errors: Vec<FieldError>,
    pub committed: bool,
}

/// The columns of a confirmation file; `reference` is required (HO-12 or 12).
pub const HANDOFF_CSV_COLUMNS: [&str; 4] =
    ["reference", "supplier_ref", "carrier", "tracking_number"];

fn tracking_ok(t: &str) -> bool {
    t.len() <= 64
        && t.chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == ' ')
}

impl Api {
    /// Imports a supplier's or 3PL's confirmations: per row a hand-off reference, optionally
    /// its own reference, and — once shipped — carrier and tracking number, which ship the
    /// hand-off's units like our own shipment (the channel and the customer are told). Every
    /// row is checked first; with `AllOrNothing` one bad row changes nothing.
    pub async fn import_handoff_csv(
        &self,
        path: &Path,
        mode: ImportMode,
    ) -> Result<HandoffImportReport, ApiError> {
        let p = path.to_path_buf();
        let rows =
            tokio::task::spawn_blocking(move || -> Result<Vec<(u32, Vec<String>)>, ApiError> {
                let mut r = csv::ReaderBuilder::new()
                    .flexible(true)
                    .trim(csv::Trim::All)
                    .from_path(&p)
                    .map_err(|e| ApiError::io(format!("{}: {e}", p.display())))?;
                let headers: Vec<String> = r
                    .headers()
                    .map_err(|e| ApiError::new(ErrorCode::CsvInvalid, format!("header: {e}")))?
                    .iter()
                    .map(str::to_ascii_lowercase)
                    .collect();
                let idx: Vec<Option<usize>> = HANDOFF_CSV_COLUMNS
                    .iter()
                    .map(|c| headers.iter().position(|h| h == c))
                    .collect();
                if idx[0].is_none() {
                    return Err(ApiError {
                        code: ErrorCode::CsvInvalid,
                        message: format!(
                            "the header must name the column reference (and may name {})",
                            HANDOFF_CSV_COLUMNS[1..].join(", ")
                        ),
                        details: vec![FieldError {
                            row: Some(0),
                            column: Some("reference".into()),
                            message: "missing column".into(),
                        }],
                    });
                }
                let mut out = Vec::new();
                for (n, rec) in r.records().enumerate() {
                    let row = u32::try_from(n + 1).unwrap_or(u32::MAX);
                    let rec = rec.map_err(|e| {
                        ApiError::new(ErrorCode::CsvInvalid, format!("row {row}: unreadable: {e}"))
                    })?;
                    out.push((
                        row,
                        idx.iter()
                            .map(|i| i.and_then(|i| rec.get(i)).unwrap_or("").to_owned())
                            .collect(),
                    ));
                }
                Ok(out)
            })
            .await
            .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))??;
        let open = self.store.handoffs(None, 100_000).await?;
        let mut report = HandoffImportReport::default();
        let mut good = Vec::new();
        let err = |row: u32, col: &str, m: String| FieldError {
            row: Some(row),
            column: Some(col.into()),
            message: m,
        };
        for (row, f) in rows {
            let mut errs = Vec::new();
            let reference = f[0]
                .trim()
                .trim_start_matches("HO-")
                .trim_start_matches("ho-");
            let h = reference
                .parse::<i64>()
                .ok()
                .and_then(|id| open.iter().find(|h| h.id == id));
            match h {
                None => errs.push(err(
                    row,
                    "reference",
                    format!("no open hand-off {:?}", f[0]),
                )),
                Some(h) if !matches!(h.status.as_str(), "pending" | "sent" | "confirmed") => errs
                    .push(err(
                        row,
                        "reference",
                        format!("hand-off HO-{} is {}", h.id, h.status),
                    )),
                Some(_) => {}
            }
            let (carrier, tracking) = (f[2].trim(), f[3].trim());
            if !tracking.is_empty() && carrier.is_empty() {
                errs.push(err(
                    row,
                    "carrier",
                    "a tracking number needs its carrier".into(),
                ));
            }
            if !tracking.is_empty() && !tracking_ok(tracking) {
                errs.push(err(
                    row,
                    "tracking_number",
                    format!("{tracking:?} has characters no carrier uses"),
                ));
            }
            if errs.is_empty() {
                if let Some(h) = h {
                    good.push((h.id, h.status.clone(), f.clone()));
                }
            } else {
                report.skipped_rows += 1;
                report.errors.extend(errs);
            }
        }
        if !report.errors.is_empty() && mode == ImportMode::AllOrNothing {
            return Ok(report);
        }
        for (id, status, f) in good {
            let supplier_ref = Some(f[1].trim()).filter(|s| !s.is_empty());
            if status != "confirmed" {
                self.store
                    .confirm_handoff(id, supplier_ref, &self.actor, now_ms())
                    .await?;
                report.confirmed += 1;
            }
            if !f[3].trim().is_empty() {
                self.store
                    .ship_handoff(id, f[2].trim(), f[3].trim(), &self.actor, now_ms())
                    .await?;
                report.shipped += 1;
            }
        }
        report.committed = report.confirmed + report.shipped > 0;
        Ok(report)
    }
}
