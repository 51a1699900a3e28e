//! The only crate that knows SQL. Opens the database (applying migrations), and offers typed
//! operations on orders and their records. Engine-specific SQL (pragmas, full-text search) lives
//! in `dialect`; the rest is kept portable to PostgreSQL ($N placeholders, ON CONFLICT, RETURNING,
//! row-value keyset pagination).

mod backtest;
mod carriers;
mod customers;
mod dialect;
mod edits;
mod error;
mod fulfil;
mod inventory;
mod mail;
mod orders;
mod outbox;
mod packing;
mod pipeline;
mod process;
mod query;
mod rates;
mod raw;
mod read;
mod refunds;
mod returns;
mod sync;
mod tracking;
mod write;

pub use carriers::{
    CarrierAccountRow, LabelRecord, ParcelFacts, ParcelLine, PendingPurchase, VoidedShipment,
};
pub use error::StoreError;
pub use inventory::StockChange;
pub use mail::{MailFacts, MailRow};
pub use outbox::{ChannelSku, OutboxRow, ShippedLines};
pub use packing::NewParcel;
pub use pipeline::{BatchItem, Batching, Run, Shipped};
pub use returns::ReturnOrigin;
pub use sync::{content_hash, ConnectionRow, InboxRecord, PageOutcome, QuarantineRow};
pub use tracking::{ScanRecord, TrackChange, TrackTarget, TrackUpdate};
pub use write::{ImportBatch, Importer};

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::path::{Path, PathBuf};
use std::time::Duration;

static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// A handle on one database. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
    /// The one connection write transactions take (`begin_write`). SQLite runs one writer at
    /// a time anyway; keeping it on one connection keeps that connection's page cache warm
    /// (a connection's cache is dropped whenever another connection has written).
    writer: SqlitePool,
    path: PathBuf,
    /// The shipping rate table, read once after each import (`rate_table`).
    rates: std::sync::Arc<std::sync::RwLock<Option<std::sync::Arc<oms_engine::route::RateTable>>>>,
}

impl Store {
    /// Opens (creating if needed) the SQLite database at `path` in WAL mode and applies any
    /// pending migrations.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir)
                    .map_err(|e| StoreError::Io(format!("{}: {e}", dir.display())))?;
            }
        }
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // 32 MiB of page cache per connection and no mmap: the operating system's file cache
            // serves repeated reads, and the app's own memory stays small (mmap'd pages count
            // towards its resident size).
            .page_size(8192)
            .pragma("cache_size", "-32768")
            .pragma("temp_store", "memory");
        let pool = SqlitePoolOptions::new()
            .max_connections(3)
            .min_connections(1)
            .connect_with(opts.clone())
            .await?;
        MIGRATIONS.run(&pool).await?;
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            // The one writer stays open; a ping before every transaction was a round trip
            // to its thread per write (a broken connection still fails the statement).
            .test_before_acquire(false)
            .connect_with(opts)
            .await?;
        spawn_checkpointer(pool.clone());
        Ok(Self {
            pool,
            writer,
            path: path.to_path_buf(),
            rates: Default::default(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub(crate) fn writer(&self) -> &SqlitePool {
        &self.writer
    }

    /// Updates the planner's statistics; worth running after a large import.
    pub async fn analyze(&self) -> Result<(), StoreError> {
        dialect::analyze(&self.pool).await
    }

    /// Flushes the write-ahead log into the main file (used before measuring its size).
    pub async fn checkpoint(&self) -> Result<(), StoreError> {
        dialect::checkpoint(&self.pool).await
    }

    pub async fn close(self) {
        self.writer.close().await;
        self.pool.close().await;
    }
}

/// Copies the write-ahead log into the database file beside the writer, so that a commit
/// seldom has to. SQLite's automatic checkpoint (every 1,000 pages, run by the committing
/// connection) made one commit in a dozen carry the copy and its fsyncs: 10–17 ms instead of
/// 1–2, which was the whole of the pipeline's p99. A reader connection now runs a PASSIVE
/// checkpoint (it waits for no one) every 20 ms while the log grows — backing off to once a
/// second when idle — so when the automatic checkpoint comes, the pages are already copied and
/// it only lets the log start over (the log stays bounded). Stops when the pool closes.
fn spawn_checkpointer(pool: SqlitePool) {
    tokio::spawn(async move {
        let (busy, idle) = (Duration::from_millis(20), Duration::from_secs(1));
        let mut wait = busy;
        let mut last = (-1, -1);
        loop {
            tokio::time::sleep(wait).await;
            if pool.is_closed() {
                break;
            }
            // A busy or closed database is tried again on the next round.
            match dialect::passive_checkpoint(&pool).await {
                Ok(state) if state != last => {
                    last = state;
                    wait = busy;
                }
                _ => wait = (wait * 2).min(idle),
            }
        }
    });
}

/// Milliseconds since the Unix epoch, UTC.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
