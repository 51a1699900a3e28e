//! Fulfilment through the application API (issue 6): a location's queue, pick batches with
//! pick lists and packing slips (on screen, and as PDF files for the printer), packing with
//! scan-to-verify, shipping a packed parcel with any carrier's tracking number, parcel presets
//! and bins.

use crate::documents::{packing_slips_pdf, pick_list_pdf};
use crate::health::Lang;
use crate::pdf;
use crate::{now_ms, Api, ApiError, ErrorCode};
use oms_domain::fulfil_views::*;
use oms_domain::OrderId;
use oms_store::NewParcel;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Compares what was scanned at the bench with the order's units at the location. A code is
/// a line's SKU or barcode (GTIN), matched without regard to case or surrounding spaces; an
/// order with the same SKU on two lines fills them in order.
pub fn check_pack(lines: &[SlipLine], scans: &[Scan]) -> PackCheck {
    let norm = |s: &str| s.trim().to_uppercase();
    let mut scanned: Vec<i64> = vec![0; lines.len()];
    let mut unknown: BTreeMap<String, i64> = BTreeMap::new();
    let mut over: BTreeMap<usize, i64> = BTreeMap::new();
    for s in scans {
        let code = norm(&s.code);
        if code.is_empty() || s.quantity <= 0 {
            continue;
        }
        let matching: Vec<usize> = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| {
                norm(&l.sku) == code || l.gtin.as_deref().is_some_and(|g| norm(g) == code)
            })
            .map(|(i, _)| i)
            .collect();
        if matching.is_empty() {
            *unknown.entry(s.code.trim().to_owned()).or_default() += s.quantity;
            continue;
        }
        let mut left = s.quantity;
        for &i in &matching {
            let room = (lines[i].quantity - scanned[i]).max(0);
            let take = room.min(left);
            scanned[i] += take;
            left -= take;
        }
        if left > 0 {
            let last = matching[matching.len() - 1];
            scanned[last] += left;
            *over.entry(last).or_default() += left;
        }
    }
    let mut problems = Vec::new();
    for (code, q) in &unknown {
        problems.push(format!("{code}: not in this order ({q} scanned)"));
    }
    let mut missing = false;
    let checks: Vec<PackLineCheck> = lines
        .iter()
        .zip(&scanned)
        .map(|(l, &s)| {
            if s > l.quantity {
                problems.push(format!("{}: {s} scanned, {} to pack", l.sku, l.quantity));
            } else if s < l.quantity {
                missing = true;
            }
            PackLineCheck {
                line_no: l.line_no,
                sku: l.sku.clone(),
                expected: l.quantity,
                scanned: s,
            }
        })
        .collect();
    let clean = problems.is_empty();
    let any = scanned.iter().any(|&s| s > 0);
    if missing {
        for c in checks.iter().filter(|c| c.scanned < c.expected) {
            problems.push(format!(
                "{}: {} of {} scanned",
                c.sku, c.scanned, c.expected
            ));
        }
    }
    PackCheck {
        ok: clean && !missing && any,
        partial_ok: clean && any,
        lines: checks,
        unknown_codes: unknown.into_keys().collect(),
        problems,
    }
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<String, ApiError> {
    let io = |e: std::io::Error| ApiError::new(ErrorCode::Io, format!("{}: {e}", path.display()));
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    std::fs::write(path, bytes).map_err(io)?;
    Ok(path.display().to_string())
}

impl Api {
    fn documents_dir(&self) -> PathBuf {
        self.store
            .path()
            .parent()
            .map(|p| p.join("documents"))
            .unwrap_or_else(|| PathBuf::from("documents"))
    }

    /// Orders with units reserved at a location, waiting to be picked and packed.
    pub async fn fulfilment_queue(
        &self,
        location_id: i64,
        batched: bool,
        limit: Option<u32>,
    ) -> Result<FulfilmentQueue, ApiError> {
        Ok(self
            .store
            .fulfilment_queue(location_id, batched, limit.unwrap_or(500).min(5_000))
            .await?)
    }

    /// Makes a pick batch of the given orders; without orders, of the next `take` in the queue.
    pub async fn create_batch(
        &self,
        location_id: i64,
        order_ids: &[i64],
        take: Option<u32>,
    ) -> Result<BatchView, ApiError> {
        let ids: Vec<i64> = if order_ids.is_empty() {
            self.store
                .fulfilment_queue(location_id, false, take.unwrap_or(20).clamp(1, 500))
                .await?
                .rows
                .into_iter()
                .map(|r| r.order_id)
                .collect()
        } else {
            order_ids.to_vec()
        };
        if ids.is_empty() {
            return Err(ApiError::new(
                ErrorCode::Conflict,
                "no order waits at this location",
            ));
        }
        let id = self
            .store
            .create_batch(location_id, &ids, &self.actor, now_ms())
            .await?;
        Ok(self.store.batch(id).await?)
    }

    pub async fn list_batches(
        &self,
        location_id: Option<i64>,
        open_only: bool,
    ) -> Result<Vec<BatchView>, ApiError> {
        Ok(self.store.batches(location_id, open_only).await?)
    }

    pub async fn batch(&self, id: i64) -> Result<BatchView, ApiError> {
        Ok(self.store.batch(id).await?)
    }

    pub async fn remove_from_batch(
        &self,
        batch: i64,
        order_id: i64,
    ) -> Result<BatchView, ApiError> {
        self.store
            .remove_from_batch(batch, order_id, &self.actor)
            .await?;
        Ok(self.store.batch(batch).await?)
    }

    pub async fn close_batch(&self, batch: i64) -> Result<BatchView, ApiError> {
        self.store.close_batch(batch, now_ms()).await?;
        Ok(self.store.batch(batch).await?)
    }

    pub async fn pick_list(&self, batch: i64) -> Result<PickList, ApiError> {
        Ok(self.store.pick_list(batch).await?)
    }

    /// Saves the pick list as a PDF (to `path`, or documents/ beside the database); returns
    /// the file's path.
    pub async fn save_pick_list_pdf(
        &self,
        batch: i64,
        lang: &str,
        path: Option<&Path>,
    ) -> Result<String, ApiError> {
        let p = self.store.pick_list(batch).await?;
        let bytes = pick_list_pdf(&p, Lang::parse(lang));
        let file = path.map(Path::to_path_buf).unwrap_or_else(|| {
            self.documents_dir()
                .join(format!("pick-list-batch-{batch}.pdf"))
        });
        write_file(&file, &bytes)
    }

    pub async fn packing_slip(
        &self,
        order_id: i64,
        location_id: i64,
    ) -> Result<PackingSlip, ApiError> {
        Ok(self
            .store
            .packing_slip(OrderId::new(order_id)?, location_id)
            .await?)
    }

    /// The packing slips of a batch's orders (waiting or packed).
    pub async fn batch_slips(&self, batch: i64) -> Result<Vec<PackingSlip>, ApiError> {
        let b = self.store.batch(batch).await?;
        let mut out = Vec::new();
        for o in b
            .orders
            .iter()
            .filter(|o| matches!(o.state.as_str(), "waiting" | "packed"))
        {
            out.push(
                self.store
                    .packing_slip(OrderId::new(o.order_id)?, b.location_id)
                    .await?,
            );
        }
        Ok(out)
    }

    /// Saves packing slips as one PDF: a batch's, or one order's at a location.
    pub async fn save_packing_slips_pdf(
        &self,
        batch: Option<i64>,
        order: Option<(i64, i64)>,
        lang: &str,
        path: Option<&Path>,
    ) -> Result<String, ApiError> {
        let (slips, name) = match (batch, order) {
            (Some(b), _) => (
                self.batch_slips(b).await?,
                format!("packing-slips-batch-{b}.pdf"),
            ),
            (None, Some((o, l))) => (
                vec![self.packing_slip(o, l).await?],
                format!("packing-slip-order-{o}.pdf"),
            ),
            (None, None) => {
                return Err(ApiError::new(
                    ErrorCode::InvalidInput,
                    "packing slips of a batch or of an order",
                ))
            }
        };
        if slips.is_empty() {
            return Err(ApiError::new(ErrorCode::Conflict, "no order left to pack"));
        }
        let title = match Lang::parse(lang) {
            Lang::De => "Lieferscheine",
            Lang::En => "Packing slips",
        };
        let bytes = packing_slips_pdf(&slips, Lang::parse(lang), title);
        let file = path
            .map(Path::to_path_buf)
            .unwrap_or_else(|| self.documents_dir().join(name));
        write_file(&file, &bytes)
    }

    /// Checks the scans against the order's units at the location and, when they match (or
    /// `partial` and nothing is wrong), records the packed parcel. Nothing is recorded when
    /// the check fails: the result says why.
    pub async fn pack_order(&self, p: &PackInput) -> Result<PackResult, ApiError> {
        let slip = self
            .store
            .packing_slip(OrderId::new(p.order_id)?, p.location_id)
            .await?;
        if slip.lines.is_empty() {
            return Err(ApiError::new(
                ErrorCode::Conflict,
                format!(
                    "order {} has nothing reserved at {} to pack",
                    slip.order_number, slip.location
                ),
            ));
        }
        if let Some(w) = p.weight_g.filter(|w| *w <= 0) {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!("weight {w} g: a parcel weighs more than 0 g"),
            ));
        }
        let check = check_pack(&slip.lines, &p.scans);
        let accept = check.ok || (p.partial && check.partial_ok);
        if !accept {
            return Ok(PackResult {
                check,
                parcel: None,
            });
        }
        let lines: Vec<(i64, i64)> = check
            .lines
            .iter()
            .filter(|c| c.scanned > 0)
            .map(|c| (c.line_no, c.scanned))
            .collect();
        let parcel = self
            .store
            .pack_parcel(
                &NewParcel {
                    order_id: p.order_id,
                    location_id: p.location_id,
                    lines: &lines,
                    preset_id: p.preset_id,
                    weight_g: p.weight_g,
                    batch_id: p.batch_id,
                },
                &self.actor,
                now_ms(),
            )
            .await?;
        Ok(PackResult {
            check,
            parcel: Some(parcel),
        })
    }

    pub async fn parcel(&self, id: i64) -> Result<ParcelView, ApiError> {
        Ok(self.store.parcel(id).await?)
    }

    pub async fn unpack_parcel(&self, parcel: i64) -> Result<(), ApiError> {
        Ok(self.store.unpack_parcel(parcel, &self.actor).await?)
    }

    /// Ships a packed parcel with a tracking number typed in (the manual carrier: any carrier
    /// without a connection here).
    pub async fn ship_parcel(
        &self,
        parcel: i64,
        carrier: &str,
        tracking: Option<&str>,
    ) -> Result<i64, ApiError> {
        let carrier = carrier.trim();
        let tracking = tracking.map(str::trim).filter(|t| !t.is_empty());
        if carrier.is_empty() && tracking.is_some() {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                "a tracking number needs its carrier",
            ));
        }
        let t = tracking.map(|t| (carrier, t));
        let s = self
            .store
            .ship_parcel(parcel, t, &self.actor, now_ms())
            .await?;
        Ok(s.units)
    }

    pub async fn parcel_presets(&self) -> Result<Vec<ParcelPreset>, ApiError> {
        Ok(self.store.parcel_presets().await?)
    }

    pub async fn save_parcel_preset(
        &self,
        p: &ParcelPreset,
    ) -> Result<Vec<ParcelPreset>, ApiError> {
        self.store.save_parcel_preset(p).await?;
        self.parcel_presets().await
    }

    pub async fn delete_parcel_preset(&self, id: i64) -> Result<Vec<ParcelPreset>, ApiError> {
        self.store.delete_parcel_preset(id).await?;
        self.parcel_presets().await
    }

    /// Gathers a batch's labels for printing in one go: PNG labels into one PDF (a 4 × 6 inch
    /// page each), ZPL labels into one file; PDF labels are listed to print on their own.
    /// Files go to `dir` (default: documents/ beside the database).
    pub async fn save_batch_labels(
        &self,
        batch: i64,
        dir: Option<&Path>,
    ) -> Result<BatchLabels, ApiError> {
        let rows = self.store.batch_labels(batch).await?;
        let dir = dir
            .map(Path::to_path_buf)
            .unwrap_or_else(|| self.documents_dir());
        let mut out = BatchLabels::default();
        let (mut pngs, mut zpl) = (Vec::new(), Vec::new());
        for (number, path, format) in rows {
            let bytes = match std::fs::read(&path) {
                Ok(b) => b,
                Err(e) => {
                    out.problems.push(format!("{number}: {path}: {e}"));
                    continue;
                }
            };
            match format.to_ascii_uppercase().as_str() {
                "PNG" => match pdf::parse_png(&bytes) {
                    Ok(img) => pngs.push(img),
                    Err(e) => out.problems.push(format!("{number}: {e}")),
                },
                "ZPL" | "EPL2" => {
                    zpl.extend_from_slice(&bytes);
                    if !bytes.ends_with(b"\n") {
                        zpl.push(b'\n');
                    }
                    out.count += 1;
                }
                _ => {
                    out.separate.push(path);
                    out.count += 1;
                }
            }
        }
        if !pngs.is_empty() {
            out.count += u32::try_from(pngs.len()).unwrap_or(u32::MAX);
            let file = dir.join(format!("labels-batch-{batch}.pdf"));
            out.pdf = Some(write_file(
                &file,
                &pdf::labels_pdf(&pngs, &format!("Labels, batch {batch}")),
            )?);
        }
        if !zpl.is_empty() {
            let file = dir.join(format!("labels-batch-{batch}.zpl"));
            out.zpl = Some(write_file(&file, &zpl)?);
        }
        if out.count == 0 && out.problems.is_empty() {
            return Err(ApiError::new(
                ErrorCode::Conflict,
                format!("batch {batch} has no labels yet"),
            ));
        }
        Ok(out)
    }

    pub async fn set_bin(
        &self,
        sku: &str,
        location_id: i64,
        bin: Option<&str>,
    ) -> Result<(), ApiError> {
        Ok(self.store.set_bin(sku, location_id, bin).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(no: i64, sku: &str, gtin: Option<&str>, q: i64) -> SlipLine {
        SlipLine {
            line_no: no,
            sku: sku.into(),
            gtin: gtin.map(Into::into),
            title: sku.into(),
            bin: None,
            quantity: q,
            ordered: q,
            weight_g: None,
        }
    }
    fn scan(c: &str, q: i64) -> Scan {
        Scan {
            code: c.into(),
            quantity: q,
        }
    }

    #[test]
    fn every_unit_scanned_by_sku_or_barcode_is_ok() {
        let lines = [
            line(1, "TEE-M", Some("4006381333931"), 2),
            line(2, "MUG", None, 1),
        ];
        let c = check_pack(
            &lines,
            &[scan("tee-m ", 1), scan("4006381333931", 1), scan("MUG", 1)],
        );
        assert!(c.ok, "{c:?}");
        assert!(c.problems.is_empty());
    }

    #[test]
    fn missing_units_allow_a_partial_parcel_only() {
        let lines = [line(1, "TEE-M", None, 2), line(2, "MUG", None, 1)];
        let c = check_pack(&lines, &[scan("TEE-M", 1)]);
        assert!(!c.ok);
        assert!(c.partial_ok);
        assert_eq!(c.lines[0].scanned, 1);
        assert!(
            c.problems.iter().any(|p| p == "TEE-M: 1 of 2 scanned"),
            "{:?}",
            c.problems
        );
        assert!(c.problems.iter().any(|p| p == "MUG: 0 of 1 scanned"));
    }

    #[test]
    fn too_many_and_unknown_codes_are_flagged() {
        let lines = [line(1, "TEE-M", None, 1)];
        let c = check_pack(&lines, &[scan("TEE-M", 2), scan("HAT", 1)]);
        assert!(!c.ok && !c.partial_ok);
        assert_eq!(c.unknown_codes, vec!["HAT".to_string()]);
        assert!(c
            .problems
            .iter()
            .any(|p| p == "TEE-M: 2 scanned, 1 to pack"));
        assert!(c
            .problems
            .iter()
            .any(|p| p.starts_with("HAT: not in this order")));
    }

    #[test]
    fn the_same_sku_on_two_lines_fills_them_in_order() {
        let lines = [line(1, "TEE-M", None, 1), line(2, "TEE-M", None, 2)];
        let c = check_pack(&lines, &[scan("TEE-M", 3)]);
        assert!(c.ok, "{c:?}");
        assert_eq!((c.lines[0].scanned, c.lines[1].scanned), (1, 2));
    }

    #[test]
    fn nothing_scanned_is_not_ok() {
        let c = check_pack(&[line(1, "A", None, 1)], &[]);
        assert!(!c.ok && !c.partial_ok);
    }
}
