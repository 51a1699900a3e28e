//! A processing set runs on the calling thread, on sqlx's own SQLite handle.
//!
//! sqlx runs every SQLite connection on a worker thread of its own and hands each statement,
//! each result and each row across a channel. A processing set is a dozen round trips (begin,
//! read, merge look-ups, writes, commit, one message per statement's result), and on this kind of
//! machine each round trip is two thread wake-ups of ≈0.15–0.2 ms: a third of a routing set's
//! time went to waking threads (measured with perf, ≈45 context switches per set).
//!
//! `with` borrows the connection's handle from its worker for the length of a closure (sqlx's
//! `lock_handle`, made for direct SQLite calls) and gives the closure a `rusqlite::Connection`
//! over the same handle. The closure runs on the calling thread with no hand-offs. sqlx keeps
//! owning the connection: the rusqlite value never closes it, and it is dropped (finalising
//! every statement it prepared) before the handle goes back to the worker.
//!
//! This module is the only one in the workspace with `unsafe` (one call, below).

#![allow(unsafe_code)]

use crate::StoreError;
use sqlx::SqliteConnection;

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Raw(e.to_string())
    }
}

/// Runs `f` with direct access to `conn`'s SQLite handle, on this thread. The closure must leave
/// the connection in the transaction state it found it in (`in_write_tx` does that for a
/// transaction of its own).
pub(crate) async fn with<R>(
    conn: &mut SqliteConnection,
    f: impl FnOnce(&rusqlite::Connection) -> Result<R, StoreError>,
) -> Result<R, StoreError> {
    let mut locked = conn.lock_handle().await?;
    let handle = locked.as_raw_handle();
    // SAFETY: `locked` holds sqlx's lock on this connection until the end of this function, so
    // nothing else (not its worker thread either) uses the handle meanwhile; the handle is open
    // for as long as `conn` lives. `from_handle` neither takes ownership nor closes it; `c` is
    // dropped below, before `locked`, which finalises the statements it prepared.
    let c = unsafe { rusqlite::Connection::from_handle(handle.as_ptr()) }?;
    // A set's statements differ with its row counts; the read and the common shapes recur.
    c.set_prepared_statement_cache_capacity(128);
    let r = block(|| f(&c));
    drop(c);
    drop(locked);
    r
}

/// On a multi-threaded runtime the other tasks move to another thread while this one works
/// (a set takes a few milliseconds); on a current-thread runtime (tests) it simply runs.
fn block<R>(f: impl FnOnce() -> R) -> R {
    match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(f),
        _ => f(),
    }
}

/// Runs `f` in a write transaction of its own (`BEGIN IMMEDIATE`): committed when `f` returns
/// `Ok(Some(_))`, rolled back when it returns `Ok(None)` (the caller takes another path) or an
/// error.
pub(crate) fn in_write_tx<R>(
    c: &rusqlite::Connection,
    f: impl FnOnce(&rusqlite::Connection) -> Result<Option<R>, StoreError>,
) -> Result<Option<R>, StoreError> {
    c.execute_batch(crate::dialect::BEGIN_WRITE)?;
    // Should `f` panic, the transaction is rolled back before the handle goes back to sqlx.
    let guard = OpenTx(c);
    let r = f(c);
    std::mem::forget(guard);
    match r {
        Ok(Some(v)) => match c.execute_batch("COMMIT") {
            Ok(()) => Ok(Some(v)),
            Err(e) => {
                rollback(c);
                Err(e.into())
            }
        },
        Ok(None) => {
            c.execute_batch("ROLLBACK")?;
            Ok(None)
        }
        Err(e) => {
            rollback(c);
            Err(e)
        }
    }
}

/// Rolls back on drop (only reached while unwinding; the normal paths end the transaction
/// themselves).
struct OpenTx<'a>(&'a rusqlite::Connection);

impl Drop for OpenTx<'_> {
    fn drop(&mut self) {
        rollback(self.0);
    }
}

/// Ends an open transaction after an error (the error being reported is the first one).
fn rollback(c: &rusqlite::Connection) {
    if !c.is_autocommit() {
        // A failed rollback leaves nothing to undo that the next BEGIN would not fail on.
        let _ = c.execute_batch("ROLLBACK");
    }
}
