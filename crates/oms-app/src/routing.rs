//! The routing rules' tools: the shipping rate table (CSV import, list) and the backtest that
//! replays past orders through a changed strategy and the current one, without touching them.

use crate::error::{ApiError, ErrorCode, FieldError};
use crate::stock_csv::{err, skip_row};
use crate::{Api, ImportMode, Progress};
use oms_domain::*;
use oms_engine::route::{
    changed, simulate, starting_stock, BacktestMetrics, RoutingSettings, StockModel,
};
use serde::{Deserialize, Serialize};
use std::io::Write as _;
use std::path::Path;
use ts_rs::TS;

/// Columns of the rate CSV. `country` is an ISO code or `*` (every other destination);
/// `postal_prefix` and `max_weight_g` may be empty; `cost` is a decimal in `currency`.
pub const RATE_COLUMNS: &[&str] = &[
    "location",
    "country",
    "postal_prefix",
    "max_weight_g",
    "cost",
    "currency",
    "transit_days",
];
/// The most past orders one backtest replays.
pub const MAX_BACKTEST_ORDERS: usize = 250_000;

/// What a rate-table import did. The table is replaced as a whole: a file with a bad row
/// changes nothing unless only the good rows are asked for.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
pub struct RateImportReport {
    #[ts(type = "number")]
    pub imported: u64,
    #[ts(type = "number")]
    pub skipped_rows: u64,
    /// The first errors (at most 200), each naming its row and column.
    pub errors: Vec<FieldError>,
    #[ts(type = "number")]
    pub error_count: u64,
    pub committed: bool,
}

/// Which past orders to replay and the strategy to compare with the current rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct BacktestRequest {
    /// The orders: its filters (dates, status, channel, country, tag, search) as in the order
    /// list; a saved view's query can be passed as it is.
    pub query: OrderQuery,
    /// The changed rules.
    pub candidate: RoutingSettings,
    /// The rules to compare with; none: the current rules.
    pub baseline: Option<RoutingSettings>,
    #[serde(default)]
    pub stock: StockModel,
}

/// Both runs over the same orders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct BacktestReport {
    #[ts(type = "number")]
    pub orders: u64,
    /// The orders matched more than the backtest replays (the newest ones were taken).
    pub truncated: bool,
    pub stock: StockModel,
    pub baseline: BacktestMetrics,
    pub candidate: BacktestMetrics,
    /// Orders whose main location differs between the two.
    #[ts(type = "number")]
    pub changed_orders: u64,
    /// Currency of the cost estimates (the rate table's), if any.
    pub currency: Option<String>,
    pub seconds: f64,
}

impl Api {
    /// Replaces the shipping rate table with the CSV at `path` (columns `RATE_COLUMNS`;
    /// locations by name or id). Every problem names its row and column.
    pub async fn import_rates_csv(
        &self,
        path: &Path,
        mode: ImportMode,
    ) -> Result<RateImportReport, ApiError> {
        let p = path.to_path_buf();
        let records = tokio::task::spawn_blocking(move || read_rates(&p))
            .await
            .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))??;
        let locations = self.store.locations().await?;
        let mut report = RateImportReport::default();
        let mut good = Vec::new();
        let mut currency: Option<String> = None;
        for (row, rec) in records {
            let mut errs = Vec::new();
            let field = |name: &str| rec.get(name).map(String::as_str).unwrap_or("").trim();
            let loc_key = field("location");
            let loc = locations
                .iter()
                .find(|l| l.name.eq_ignore_ascii_case(loc_key) || l.id.to_string() == loc_key);
            if loc.is_none() {
                errs.push(err(
                    row,
                    "location",
                    format!("no location named {loc_key:?}"),
                ));
            }
            let country = match field("country") {
                "*" => Some("*".to_owned()),
                c => match CountryCode::parse(c) {
                    Ok(c) => Some(c.as_str().to_owned()),
                    Err(_) => {
                        errs.push(err(
                            row,
                            "country",
                            format!("{c:?} is not an ISO country code or *"),
                        ));
                        None
                    }
                },
            };
            let prefix: String = field("postal_prefix")
                .chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_uppercase)
                .collect();
            if country.as_deref() == Some("*") && !prefix.is_empty() {
                errs.push(err(
                    row,
                    "postal_prefix",
                    "a postal prefix needs a country, not *",
                ));
            }
            let max_weight_g = match field("max_weight_g") {
                "" => None,
                w => match w.parse::<u32>() {
                    Ok(n) if n > 0 => Some(n),
                    _ => {
                        errs.push(err(
                            row,
                            "max_weight_g",
                            format!("{w:?} is not a weight in grams above 0"),
                        ));
                        None
                    }
                },
            };
            let cur = match Currency::parse(field("currency")) {
                Ok(c) => Some(c),
                Err(e) => {
                    errs.push(err(row, "currency", e.reason));
                    None
                }
            };
            if let Some(c) = cur {
                match &currency {
                    None => currency = Some(c.as_str().to_owned()),
                    Some(first) if first != c.as_str() => errs.push(err(
                        row,
                        "currency",
                        format!("every rate must be in one currency ({first} above)"),
                    )),
                    Some(_) => {}
                }
            }
            let cost = cur.and_then(|c| match Money::parse_decimal(field("cost"), c) {
                Ok(m) if m.minor >= 0 => Some(m.minor),
                Ok(_) => {
                    errs.push(err(row, "cost", "must not be negative"));
                    None
                }
                Err(e) => {
                    errs.push(err(row, "cost", e.reason));
                    None
                }
            });
            let transit = match field("transit_days").parse::<u32>() {
                Ok(n) if n <= 365 => Some(n),
                _ => {
                    errs.push(err(
                        row,
                        "transit_days",
                        format!(
                            "{:?} is not a number of days (0 to 365)",
                            field("transit_days")
                        ),
                    ));
                    None
                }
            };
            match (errs.is_empty(), loc, country, cur, cost, transit) {
                (true, Some(l), Some(country), Some(cur), Some(cost_minor), Some(transit_days)) => {
                    good.push(ShippingRateView {
                        location_id: l.id,
                        location_name: l.name.clone(),
                        country,
                        postal_prefix: prefix,
                        max_weight_g,
                        cost_minor,
                        currency: cur.as_str().to_owned(),
                        transit_days,
                    })
                }
                _ => skip_row(
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
        if good.is_empty() {
            return Err(ApiError::new(
                ErrorCode::CsvInvalid,
                "the file has no rates to import",
            ));
        }
        report.imported = self.store.replace_rates(&good).await?;
        report.committed = true;
        Ok(report)
    }

    pub async fn list_rates(&self) -> Result<Vec<ShippingRateView>, ApiError> {
        Ok(self.store.rates().await?)
    }

    /// Replays the past orders `req.query` matches (at most `MAX_BACKTEST_ORDERS`, the newest)
    /// through the candidate rules and the baseline (the current rules unless given), each
    /// from the same stock and with capacity counted per day, and compares the two. Nothing
    /// is written.
    pub async fn backtest(
        &self,
        req: &BacktestRequest,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<BacktestReport, ApiError> {
        let t = std::time::Instant::now();
        let baseline = match &req.baseline {
            Some(b) => b.clone(),
            None => self.pipeline_settings().await?.routing.rules,
        };
        let tick = |done: usize, total: usize| {
            progress(Progress {
                task: "backtest".into(),
                done: done as u64,
                total: total as u64,
            })
        };
        let mut q = req.query.clone();
        q.cursor = None;
        q.limit = 1000;
        q.sort = OrderSort::PlacedAt;
        q.dir = SortDir::Desc;
        let mut ids = Vec::new();
        let mut truncated = false;
        loop {
            let page = self.store.list_orders(&q).await?;
            ids.extend(page.rows.iter().map(|r| r.id));
            if ids.len() > MAX_BACKTEST_ORDERS {
                ids.truncate(MAX_BACKTEST_ORDERS);
                truncated = true;
                break;
            }
            match page.next_cursor {
                Some(c) => q.cursor = Some(c),
                None => break,
            }
        }
        if ids.is_empty() {
            return Err(ApiError::invalid(
                "no orders match: choose another date range or view",
            ));
        }
        // Reading and locating is the long part: it reports progress per chunk.
        let mut orders = Vec::with_capacity(ids.len());
        // Progress counts orders read; the two runs after it take a fraction of that time.
        let total = ids.len();
        for (i, chunk) in ids.chunks(10_000).enumerate() {
            orders.extend(self.store.backtest_orders(chunk).await?);
            tick(
                (i * 10_000 + chunk.len()).min(total).saturating_sub(1),
                total,
            );
        }
        orders.sort_by_key(|o| (o.day, o.minute, o.order.order_id));
        let locations = self.store.backtest_locations().await?;
        let levels = self.store.backtest_levels().await?;
        let rates = self.store.rate_table().await?;
        let currency = self
            .store
            .rates()
            .await?
            .first()
            .map(|r| r.currency.clone());
        let stock = starting_stock(&levels, req.stock);
        let (model, cand) = (req.stock, req.candidate.clone());
        let (a, b) = tokio::task::spawn_blocking(move || {
            // The two runs are independent: one on each core.
            std::thread::scope(|s| {
                let base =
                    s.spawn(|| simulate(&orders, &locations, &stock, model, &*rates, &baseline));
                let c = simulate(&orders, &locations, &stock, model, &*rates, &cand);
                (base.join(), c)
            })
        })
        .await
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
        let a = a.map_err(|_| ApiError::new(ErrorCode::Internal, "the baseline run failed"))?;
        tick(total, total);
        Ok(BacktestReport {
            orders: a.metrics.orders,
            truncated,
            stock: req.stock,
            changed_orders: changed(&a, &b),
            baseline: a.metrics,
            candidate: b.metrics,
            currency,
            seconds: t.elapsed().as_secs_f64(),
        })
    }

    /// Writes a backtest's comparison as CSV: one row per measure (baseline, candidate,
    /// difference), then the load per location under each.
    pub async fn export_backtest_csv(
        &self,
        report: &BacktestReport,
        path: &Path,
    ) -> Result<(), ApiError> {
        let csv = backtest_csv(report);
        let p = path.to_path_buf();
        tokio::task::spawn_blocking(move || {
            let mut f = std::fs::File::create(&p)
                .map_err(|e| ApiError::io(format!("{}: {e}", p.display())))?;
            f.write_all(csv.as_bytes())
                .map_err(|e| ApiError::io(format!("{}: {e}", p.display())))
        })
        .await
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?
    }
}

/// A CSV record by lower-case column name, with its 1-based row.
type Record = (u32, std::collections::HashMap<String, String>);

fn read_rates(path: &Path) -> Result<Vec<Record>, ApiError> {
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| ApiError::io(format!("{}: {e}", path.display())))?;
    let headers: Vec<String> = r
        .headers()
        .map_err(|e| ApiError::new(ErrorCode::CsvInvalid, format!("header: {e}")))?
        .iter()
        .map(str::to_ascii_lowercase)
        .collect();
    let missing: Vec<FieldError> = ["location", "country", "cost", "currency", "transit_days"]
        .iter()
        .filter(|c| !headers.iter().any(|h| h == *c))
        .map(|c| FieldError {
            row: Some(0),
            column: Some((*c).to_owned()),
            message: "missing column".into(),
        })
        .collect();
    if !missing.is_empty() {
        return Err(ApiError {
            code: ErrorCode::CsvInvalid,
            message: format!(
                "the header must name the columns {}",
                RATE_COLUMNS.join(", ")
            ),
            details: missing,
        });
    }
    let mut out = Vec::new();
    for (n, rec) in r.records().enumerate() {
        let row = n as u32 + 1;
        let rec = rec.map_err(|e| ApiError {
            code: ErrorCode::CsvInvalid,
            message: format!("row {row}: unreadable: {e}"),
            details: vec![err(row, "", format!("unreadable row: {e}"))],
        })?;
        let map = headers
            .iter()
            .zip(rec.iter())
            .map(|(h, v)| (h.clone(), v.to_owned()))
            .collect();
        out.push((row, map));
    }
    Ok(out)
}

fn opt(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.2}")).unwrap_or_default()
}

/// The comparison as CSV (see `export_backtest_csv`).
pub fn backtest_csv(r: &BacktestReport) -> String {
    let (a, b) = (&r.baseline, &r.candidate);
    let mut s = String::from("measure,baseline,candidate,difference\n");
    let mut int = |name: &str, x: i64, y: i64| {
        s.push_str(&format!("{name},{x},{y},{}\n", y - x));
    };
    int("orders", a.orders as i64, b.orders as i64);
    int("routed", a.routed as i64, b.routed as i64);
    int("partially_routed", a.partial as i64, b.partial as i64);
    int("unrouted", a.unrouted as i64, b.unrouted as i64);
    int("waiting_for_capacity", a.waiting as i64, b.waiting as i64);
    int("shipments", a.shipments as i64, b.shipments as i64);
    int("split_orders", a.split_orders as i64, b.split_orders as i64);
    int(
        "orders_with_cost_estimate",
        a.orders_with_cost as i64,
        b.orders_with_cost as i64,
    );
    int("changed_orders", 0, r.changed_orders as i64);
    let cur = r.currency.clone().unwrap_or_default();
    let exp = Currency::parse(&cur).map(|c| c.exponent()).unwrap_or(2);
    let money = |m: i64| oms_domain::format_minor(m, exp);
    let label = if cur.is_empty() {
        "estimated_cost".to_owned()
    } else {
        format!("estimated_cost_{cur}")
    };
    s.push_str(&format!(
        "{label},{},{},{}\n",
        money(a.cost_minor),
        money(b.cost_minor),
        money(b.cost_minor - a.cost_minor)
    ));
    s.push_str(&format!(
        "split_rate,{:.4},{:.4},{:.4}\n",
        a.split_rate,
        b.split_rate,
        b.split_rate - a.split_rate
    ));
    let diff = |x: Option<f64>, y: Option<f64>| match (x, y) {
        (Some(x), Some(y)) => format!("{:.2}", y - x),
        _ => String::new(),
    };
    s.push_str(&format!(
        "avg_distance_km,{},{},{}\n",
        opt(a.avg_distance_km),
        opt(b.avg_distance_km),
        diff(a.avg_distance_km, b.avg_distance_km)
    ));
    s.push_str(&format!(
        "avg_transit_days,{},{},{}\n",
        opt(a.avg_transit_days),
        opt(b.avg_transit_days),
        diff(a.avg_transit_days, b.avg_transit_days)
    ));
    s.push_str("\nlocation,baseline_orders,candidate_orders,baseline_units,candidate_units,baseline_peak_day,candidate_peak_day\n");
    let mut ids: Vec<(i64, String)> = a
        .per_location
        .iter()
        .chain(&b.per_location)
        .map(|l| (l.location_id, l.name.clone()))
        .collect();
    ids.sort();
    ids.dedup_by_key(|x| x.0);
    for (id, name) in ids {
        let get = |m: &BacktestMetrics| {
            m.per_location
                .iter()
                .find(|l| l.location_id == id)
                .map(|l| (l.orders, l.units, l.peak_day_orders))
                .unwrap_or_default()
        };
        let (x, y) = (get(a), get(b));
        let name = if name.contains([',', '"']) {
            format!("\"{}\"", name.replace('"', "\"\""))
        } else {
            name
        };
        s.push_str(&format!(
            "{name},{},{},{},{},{},{}\n",
            x.0, y.0, x.1, y.1, x.2, y.2
        ));
    }
    s
}
