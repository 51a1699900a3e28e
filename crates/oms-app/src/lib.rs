//! The application API: the one surface that the desktop shell, the `oms` CLI and the tests
//! call. It owns the store, turns front-end input into domain values, and returns read models
//! or an [`ApiError`] with a machine code.

pub mod bindings;
mod carriers;
mod csv_io;
pub mod demo;
mod documents;
mod edits;
mod error;
mod fulfil;
mod health;
mod labels;
mod mail;
mod outbox;
mod packing;
pub mod pdf;
mod pipeline;
mod rate_rules;
mod refunds;
mod returns;
mod routing;
pub mod secrets;
mod stock_csv;
mod supervisor;
mod sync;
mod tracking;

pub use csv_io::{COLUMNS as CSV_COLUMNS, REQUIRED as CSV_REQUIRED};
pub use error::{ApiError, ErrorCode, FieldError};
pub use fulfil::{handoff_csv, HandoffExport, HandoffImportReport, HANDOFF_CSV_COLUMNS};
pub use health::{tray_line, HealthWatch, Lang, Notice};
pub use labels::LABEL_CONCURRENCY;
pub use oms_domain as domain;
pub use oms_engine as engine;
pub use oms_sync::http::RetryPolicy;
pub use packing::check_pack;
pub use pipeline::{NewLocation, ProcessSummary, StockChangeInput};
pub use routing::{
    backtest_csv, BacktestReport, BacktestRequest, RateImportReport, MAX_BACKTEST_ORDERS,
    RATE_COLUMNS,
};
pub use secrets::SecretStore;
pub use stock_csv::COLUMNS as STOCK_CSV_COLUMNS;
pub use supervisor::{Sink as ProgressSink, SupervisorTiming, SyncSupervisor};
pub use sync::{ConnectionPatch, QuarantineRetry, CIRCUIT_OPENS_AT, INBOX_KEEP_DAYS};

use oms_domain::*;
use oms_store::{Importer, Store};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use ts_rs::TS;

/// Progress of a long task, sent to the UI as events and printed by the CLI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Progress {
    pub task: String,
    #[ts(type = "number")]
    pub done: u64,
    #[ts(type = "number")]
    pub total: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AppInfo {
    pub version: String,
    pub db_path: String,
    #[ts(type = "number")]
    pub order_count: i64,
    /// The database holds no orders yet: offer demo data or connections.
    pub first_run: bool,
    /// Who runs the app (notes mention them as `@name`).
    pub operator: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    /// A file with any bad row imports nothing.
    #[default]
    AllOrNothing,
    /// Import every order whose rows are all good; report the rest.
    GoodRowsOnly,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
pub struct ImportReport {
    #[ts(type = "number")]
    pub imported_orders: u64,
    #[ts(type = "number")]
    pub updated_orders: u64,
    #[ts(type = "number")]
    pub imported_lines: u64,
    /// Rows not imported because they, or another row of their order, are bad.
    #[ts(type = "number")]
    pub skipped_rows: u64,
    /// The first errors (at most 200), each naming its row and column.
    pub errors: Vec<FieldError>,
    #[ts(type = "number")]
    pub error_count: u64,
    /// Whether anything was written.
    pub committed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ExportReport {
    pub path: String,
    #[ts(type = "number")]
    pub orders: u64,
    #[ts(type = "number")]
    pub rows: u64,
}

/// Who did something, as written on the timeline.
#[derive(Debug, Clone)]
pub struct Actor(String);
impl Actor {
    pub fn user(name: &str) -> Self {
        Self(format!("user:{}", name.trim()))
    }
    /// The operating-system account running the app or CLI.
    pub fn local_user() -> Self {
        let name = std::env::var("USER")
            .or_else(|_| std::env::var("USERNAME"))
            .unwrap_or_else(|_| "local".into());
        Self::user(&name)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

const IMPORT_BATCH: usize = 10_000;
/// The most orders one bulk action (or "select all matching") takes at once.
pub const MAX_SELECTION: usize = 100_000;

#[derive(Clone)]
pub struct Api {
    store: Store,
    actor: String,
    /// The OS keyring, under this database's own service name (made on first use).
    secrets: std::sync::Arc<tokio::sync::OnceCell<std::sync::Arc<dyn SecretStore>>>,
    /// How channel requests are retried.
    sync_policy: oms_sync::http::RetryPolicy,
    /// One run at a time per connection (the supervisor's and "Sync now" take turns).
    sync_locks: std::sync::Arc<
        std::sync::Mutex<std::collections::HashMap<i64, std::sync::Arc<tokio::sync::Mutex<()>>>>,
    >,
    /// One outbox pass at a time per connection (a row is never sent twice at once).
    outbox_locks: std::sync::Arc<
        std::sync::Mutex<std::collections::HashMap<i64, std::sync::Arc<tokio::sync::Mutex<()>>>>,
    >,
    /// One customer e-mail pass at a time (a row is never sent twice at once).
    mail_lock: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// Carrier API keys read from the keyring, kept in memory for this process (labels for a
    /// batch would otherwise ask the keyring twice per order). Never written anywhere.
    carrier_keys: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<i64, String>>>,
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api")
            .field("db", &self.store.path())
            .finish_non_exhaustive()
    }
}

/// Where the app keeps its database when no path is given: the user's data directory.
pub fn default_db_path() -> PathBuf {
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("oms-desktop")
        .join("oms.sqlite")
}

pub fn now_ms() -> i64 {
    oms_store::now_ms()
}

impl Api {
    pub async fn open(path: &Path, actor: Actor) -> Result<Self, ApiError> {
        let store = Store::open(path).await?;
        Ok(Self {
            store,
            actor: actor.0,
            secrets: Default::default(),
            sync_policy: Default::default(),
            sync_locks: Default::default(),
            outbox_locks: Default::default(),
            mail_lock: Default::default(),
            carrier_keys: Default::default(),
        })
    }

    /// Changes how channel requests are retried (timeouts, attempts, backoff).
    pub fn set_sync_policy(&mut self, policy: oms_sync::http::RetryPolicy) {
        self.sync_policy = policy;
    }

    /// The keyring under this database's service name: `oms-desktop/<instance id>`, the id
    /// made once per database, so that two databases never share a connection's secrets.
    pub(crate) async fn secrets(&self) -> Result<std::sync::Arc<dyn SecretStore>, ApiError> {
        self.secrets
            .get_or_try_init(|| async {
                let id = match self.store.setting("instance_id").await? {
                    Some(id) => id,
                    None => {
                        let id = format!("{:016x}", fastrand::u64(..));
                        self.store.put_setting("instance_id", &id).await?;
                        id
                    }
                };
                Ok::<_, ApiError>(std::sync::Arc::new(secrets::Keyring::new(format!(
                    "oms-desktop/{id}"
                ))) as std::sync::Arc<dyn SecretStore>)
            })
            .await
            .cloned()
    }

    pub fn db_path(&self) -> &Path {
        self.store.path()
    }

    pub async fn close(self) {
        self.store.close().await;
    }

    pub async fn app_info(&self) -> Result<AppInfo, ApiError> {
        let n = self.store.total_orders().await?;
        Ok(AppInfo {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            db_path: self.store.path().display().to_string(),
            order_count: n,
            first_run: n == 0,
            operator: self.operator(),
        })
    }

    /// Generates `count` demo orders (deterministic for the same count and day) and stores them.
    pub async fn load_demo(
        &self,
        count: u64,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<ImportReport, ApiError> {
        if count == 0 || count > 20_000_000 {
            return Err(ApiError::invalid("count: between 1 and 20000000"));
        }
        let anchor = now_ms();
        let report = self.load_demo_at(count, anchor, progress).await?;
        // Locations and stock, then the pipeline over the open orders, as a real shop would.
        let open = self.store.count_unprocessed().await?.max(0) as u64;
        demo::seed_inventory(self, open).await?;
        // The demo shows the routing rules at work: each order's decision and why.
        let mut s = self.pipeline_settings().await?;
        if !s.routing.enabled {
            s.routing.enabled = true;
            self.save_pipeline_settings(&s).await?;
        }
        self.process_pending(progress).await?;
        demo::seed_flows(self).await?;
        Ok(report)
    }

    /// Stores orders handed over by a connector or a test (no CSV). They enter the pipeline's
    /// queue; `process_pending` processes them.
    pub async fn import_orders(
        &self,
        orders: &[NewOrder],
        source: &str,
    ) -> Result<ImportReport, ApiError> {
        let mut importer = Importer::new(&self.store, source);
        let mut report = ImportReport {
            committed: true,
            ..Default::default()
        };
        for batch in orders.chunks(IMPORT_BATCH) {
            let b = importer.write(batch).await?;
            report.imported_orders += b.inserted;
            report.updated_orders += b.updated;
            report.imported_lines += b.lines;
        }
        Ok(report)
    }

    pub async fn load_demo_at(
        &self,
        count: u64,
        anchor: i64,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<ImportReport, ApiError> {
        let mut importer = Importer::new(&self.store, "demo");
        let mut report = ImportReport {
            committed: true,
            ..Default::default()
        };
        progress(Progress {
            task: "demo".into(),
            done: 0,
            total: count,
        });
        // Generation is CPU work: it runs on a blocking thread, one batch ahead of the writer,
        // so generating and writing overlap.
        let generate = |from: u64| {
            let to = (from + IMPORT_BATCH as u64).min(count);
            tokio::task::spawn_blocking(move || {
                (from..to)
                    .map(|i| demo::demo_order(i, count, anchor))
                    .collect::<Vec<_>>()
            })
        };
        let mut done = 0u64;
        let mut next = Some(generate(0));
        while let Some(pending) = next.take() {
            let batch = pending
                .await
                .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
            done += batch.len() as u64;
            if done < count {
                next = Some(generate(done));
            }
            let b = importer.write(&batch).await?;
            report.imported_orders += b.inserted;
            report.updated_orders += b.updated;
            report.imported_lines += b.lines;
            progress(Progress {
                task: "demo".into(),
                done,
                total: count,
            });
        }
        if count >= 100_000 {
            self.store.analyze().await?;
        }
        Ok(report)
    }

    pub async fn list_orders(&self, q: &OrderQuery) -> Result<OrderPage, ApiError> {
        Ok(self.store.list_orders(q).await?)
    }

    pub async fn count_orders(&self, q: &OrderQuery) -> Result<i64, ApiError> {
        Ok(self.store.count_orders(q).await?)
    }

    pub async fn status_counts(&self) -> Result<Vec<StatusCount>, ApiError> {
        Ok(self.store.status_counts().await?)
    }

    pub async fn get_order(&self, id: i64) -> Result<OrderDetail, ApiError> {
        Ok(self.store.get_order(OrderId::new(id)?).await?)
    }

    pub async fn add_note(&self, order_id: i64, body: &str) -> Result<TimelineEventView, ApiError> {
        Ok(self
            .store
            .add_note(OrderId::new(order_id)?, &self.actor, body)
            .await?)
    }

    pub async fn bulk_add_tag(&self, order_ids: &[i64], tag: &str) -> Result<u64, ApiError> {
        let tag = Tag::parse(tag)?;
        let ids = order_ids
            .iter()
            .map(|i| OrderId::new(*i))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(self.store.bulk_add_tag(&ids, &self.actor, &tag).await?)
    }

    pub async fn bulk_add_note(&self, order_ids: &[i64], body: &str) -> Result<u64, ApiError> {
        let ids = order_ids
            .iter()
            .map(|i| OrderId::new(*i))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(self.store.bulk_add_note(&ids, &self.actor, body).await?)
    }

    pub async fn search(&self, text: &str, limit: u32) -> Result<Vec<OrderRow>, ApiError> {
        Ok(self.store.search(text, limit).await?)
    }

    pub async fn list_connections(&self) -> Result<Vec<ConnectionView>, ApiError> {
        Ok(self.store.connections().await?)
    }

    pub async fn list_tags(&self) -> Result<Vec<String>, ApiError> {
        Ok(self.store.tags().await?)
    }

    pub async fn dashboard(&self) -> Result<Dashboard, ApiError> {
        Ok(self.store.dashboard(now_ms(), 30).await?)
    }

    pub async fn list_views(&self) -> Result<Vec<SavedView>, ApiError> {
        Ok(self.store.saved_views().await?)
    }

    pub async fn save_view(&self, name: &str, query: &OrderQuery) -> Result<SavedView, ApiError> {
        Ok(self.store.save_view(name, query).await?)
    }

    pub async fn delete_view(&self, id: i64) -> Result<(), ApiError> {
        Ok(self.store.delete_view(id).await?)
    }

    /// Imports orders from a CSV file. The file is read twice: first to check every row, then,
    /// if the mode allows, to write the good orders in batches.
    pub async fn import_csv(
        &self,
        path: &Path,
        mode: ImportMode,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<ImportReport, ApiError> {
        let mut report = ImportReport::default();
        let p = path.to_path_buf();
        // Pass 1: validate everything (blocking file I/O off the executor).
        let (rows, errors, error_count, bad_rows) = tokio::task::spawn_blocking(move || {
            let mut errors = Vec::new();
            let mut error_count = 0u64;
            let mut bad_rows = 0u64;
            let rows = csv_io::read_orders(&p, |parsed| {
                if parsed.order.is_none() {
                    bad_rows += u64::from(parsed.rows);
                    error_count += parsed.errors.len() as u64;
                    for e in parsed.errors {
                        if errors.len() < csv_io::MAX_DETAILS {
                            errors.push(e);
                        }
                    }
                }
                Ok(())
            })?;
            Ok::<_, ApiError>((rows, errors, error_count, bad_rows))
        })
        .await
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))??;
        report.errors = errors;
        report.error_count = error_count;
        report.skipped_rows = bad_rows;
        progress(Progress {
            task: "import".into(),
            done: 0,
            total: u64::from(rows),
        });
        if error_count > 0 && mode == ImportMode::AllOrNothing {
            return Ok(report);
        }
        // Pass 2: read again, sending good orders through a channel to the writer.
        let (tx, mut rx) = tokio::sync::mpsc::channel::<(Vec<NewOrder>, u32)>(2);
        let p = path.to_path_buf();
        let reader = tokio::task::spawn_blocking(move || {
            let mut batch = Vec::with_capacity(IMPORT_BATCH);
            let mut last_row = 0u32;
            csv_io::read_orders(&p, |parsed| {
                last_row = parsed.first_row + parsed.rows - 1;
                if let Some(o) = parsed.order {
                    batch.push(o);
                    if batch.len() >= IMPORT_BATCH {
                        tx.blocking_send((std::mem::take(&mut batch), last_row))
                            .map_err(|_| ApiError::new(ErrorCode::Internal, "import stopped"))?;
                    }
                }
                Ok(())
            })?;
            if !batch.is_empty() {
                tx.blocking_send((batch, last_row))
                    .map_err(|_| ApiError::new(ErrorCode::Internal, "import stopped"))?;
            }
            Ok::<_, ApiError>(())
        });
        let mut importer = Importer::new(&self.store, "import:csv");
        while let Some((batch, last_row)) = rx.recv().await {
            let b = importer.write(&batch).await?;
            report.imported_orders += b.inserted;
            report.updated_orders += b.updated;
            report.imported_lines += b.lines;
            report.committed = true;
            progress(Progress {
                task: "import".into(),
                done: u64::from(last_row),
                total: u64::from(rows),
            });
        }
        reader
            .await
            .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))??;
        progress(Progress {
            task: "import".into(),
            done: u64::from(rows),
            total: u64::from(rows),
        });
        // New and changed orders go through the pipeline at once.
        self.process_pending(progress).await?;
        Ok(report)
    }

    /// Exports the orders matching `query`, or exactly `order_ids`, as CSV (the import format).
    /// Written to a temporary file beside `path` and renamed, so a failed export leaves no
    /// half-written file.
    pub async fn export_csv(
        &self,
        query: Option<&OrderQuery>,
        order_ids: Option<&[i64]>,
        path: &Path,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<ExportReport, ApiError> {
        let tmp = path.with_extension("csv.part");
        let file = std::fs::File::create(&tmp)
            .map_err(|e| ApiError::io(format!("{}: {e}", tmp.display())))?;
        let mut w = csv::Writer::from_writer(std::io::BufWriter::new(file));
        w.write_record(csv_io::COLUMNS)
            .map_err(|e| ApiError::io(e.to_string()))?;
        let mut orders = 0u64;
        let mut rows = 0u64;
        let result: Result<(), ApiError> = async {
            match (order_ids, query) {
                (Some(ids), _) => {
                    let total = ids.len() as u64;
                    for chunk in ids.chunks(1000) {
                        for d in self.store.export_records(chunk).await? {
                            rows += csv_io::write_order(&mut w, &d)?;
                            orders += 1;
                        }
                        progress(Progress {
                            task: "export".into(),
                            done: orders,
                            total,
                        });
                    }
                }
                (None, q) => {
                    let mut q = q.cloned().unwrap_or_default();
                    q.cursor = None;
                    q.limit = 1000;
                    let total = self.store.count_orders(&q).await?.max(0) as u64;
                    loop {
                        let page = self.store.list_orders(&q).await?;
                        let ids: Vec<i64> = page.rows.iter().map(|r| r.id).collect();
                        for d in self.store.export_records(&ids).await? {
                            rows += csv_io::write_order(&mut w, &d)?;
                            orders += 1;
                        }
                        progress(Progress {
                            task: "export".into(),
                            done: orders,
                            total,
                        });
                        match page.next_cursor {
                            Some(c) => q.cursor = Some(c),
                            None => break,
                        }
                    }
                }
            }
            w.flush().map_err(|e| ApiError::io(e.to_string()))
        }
        .await;
        if let Err(e) = result {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        drop(w);
        std::fs::rename(&tmp, path)
            .map_err(|e| ApiError::io(format!("{}: {e}", path.display())))?;
        Ok(ExportReport {
            path: path.display().to_string(),
            orders,
            rows,
        })
    }

    /// The ids of every order matching `query` (cursor and limit ignored), in the list's order,
    /// at most `MAX_SELECTION`: what "select all matching" in the order list selects.
    pub async fn matching_order_ids(&self, query: &OrderQuery) -> Result<Vec<i64>, ApiError> {
        let mut q = query.clone();
        q.cursor = None;
        q.limit = 1000;
        let mut ids = Vec::new();
        loop {
            let page = self.store.list_orders(&q).await?;
            ids.extend(page.rows.iter().map(|r| r.id));
            if ids.len() >= MAX_SELECTION {
                ids.truncate(MAX_SELECTION);
                break;
            }
            match page.next_cursor {
                Some(c) => q.cursor = Some(c),
                None => break,
            }
        }
        Ok(ids)
    }

    /// Updates planner statistics (after bulk loads).
    pub async fn analyze(&self) -> Result<(), ApiError> {
        Ok(self.store.analyze().await?)
    }

    pub async fn checkpoint(&self) -> Result<(), ApiError> {
        Ok(self.store.checkpoint().await?)
    }
}
