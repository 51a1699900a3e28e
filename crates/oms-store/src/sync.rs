//! Channel connections and the inbox: what the sync engine (oms-app `sync.rs`) keeps. Secrets
//! are never stored here.

use crate::inventory::begin_write;
use crate::{dialect, now_ms, Store, StoreError};
use oms_domain::ChannelKind;
use sqlx::Row;
use std::collections::{HashMap, HashSet};

/// A connection as stored (its secrets are in the OS keyring).
#[derive(Debug, Clone)]
pub struct ConnectionRow {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub enabled: bool,
    pub paused: bool,
    pub base_url: Option<String>,
    /// JSON object of connector settings.
    pub settings: String,
    pub sync_cursor: Option<i64>,
    pub last_sync_at: Option<i64>,
    pub last_success_at: Option<i64>,
    pub last_error: Option<String>,
    pub last_error_code: Option<String>,
    pub failures: i64,
    pub orders_pulled: i64,
    pub orders: i64,
    pub quarantined: i64,
    pub outbox_backlog: i64,
    pub outbox_failed: i64,
    pub push_fulfilments: bool,
    pub push_stock: bool,
    pub stock_buffer: i64,
    pub stock_cap: Option<i64>,
    pub unknown_skus: i64,
}

const CONNECTION_COLS: &str = "c.id, c.kind, c.name, c.enabled, c.paused, c.base_url, c.settings, c.sync_cursor, \
     c.last_sync_at, c.last_success_at, c.last_error, c.last_error_code, c.failures, c.orders_pulled, \
     (SELECT COUNT(*) FROM orders o WHERE o.connection_id = c.id), \
     (SELECT COUNT(*) FROM inbox i WHERE i.connection_id = c.id AND i.status = 'quarantined'), \
     (SELECT COUNT(*) FROM outbox x WHERE x.connection_id = c.id AND x.status IN ('pending', 'failed')), \
     (SELECT COUNT(*) FROM outbox x WHERE x.connection_id = c.id AND x.status = 'failed'), \
     c.push_fulfilments, c.push_stock, c.stock_buffer, c.stock_cap, \
     (SELECT COUNT(*) FROM channel_skus cs WHERE cs.connection_id = c.id AND NOT EXISTS \
        (SELECT 1 FROM inventory_levels il WHERE il.product_id = cs.product_id))";

fn connection_row(r: &sqlx::sqlite::SqliteRow) -> Result<ConnectionRow, StoreError> {
    Ok(ConnectionRow {
        id: r.try_get(0)?,
        kind: r.try_get(1)?,
        name: r.try_get(2)?,
        enabled: r.try_get::<i64, _>(3)? != 0,
        paused: r.try_get::<i64, _>(4)? != 0,
        base_url: r.try_get(5)?,
        settings: r.try_get(6)?,
        sync_cursor: r.try_get(7)?,
        last_sync_at: r.try_get(8)?,
        last_success_at: r.try_get(9)?,
        last_error: r.try_get(10)?,
        last_error_code: r.try_get(11)?,
        failures: r.try_get(12)?,
        orders_pulled: r.try_get(13)?,
        orders: r.try_get(14)?,
        quarantined: r.try_get(15)?,
        outbox_backlog: r.try_get(16)?,
        outbox_failed: r.try_get(17)?,
        push_fulfilments: r.try_get::<i64, _>(18)? != 0,
        push_stock: r.try_get::<i64, _>(19)? != 0,
        stock_buffer: r.try_get(20)?,
        stock_cap: r.try_get(21)?,
        unknown_skus: r.try_get(22)?,
    })
}

/// One payload to keep in the inbox.
pub struct InboxRecord<'a> {
    pub external_id: &'a str,
    /// The channel's version (its last change, epoch ms).
    pub version: i64,
    pub payload: &'a str,
    pub content_hash: String,
}

/// A quarantined payload.
#[derive(Debug, Clone)]
pub struct QuarantineRow {
    pub id: i64,
    pub connection_id: i64,
    pub connection: String,
    pub external_id: String,
    pub fetched_at: i64,
    pub error: String,
}

/// How a page changed a connection.
pub struct PageOutcome<'a> {
    /// Inbox ids that failed to map, with the error.
    pub quarantined: &'a [(i64, String)],
    /// The page's newest change (the cursor moves there if it is newer).
    pub cursor: Option<i64>,
    pub pulled: u64,
}

/// A stable 64-bit FNV-1a of a payload with its length: the inbox's "same payload" key.
pub fn content_hash(payload: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in payload.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}-{}", payload.len())
}

impl Store {
    /// Adds a connection (or takes over one the importer created with the same kind and name).
    pub async fn create_connection(
        &self,
        kind: ChannelKind,
        name: &str,
        base_url: &str,
        settings: &str,
    ) -> Result<i64, StoreError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 80 {
            return Err(StoreError::Invalid(
                "connection name: 1 to 80 characters".into(),
            ));
        }
        let existing: Option<(i64, Option<String>)> =
            sqlx::query_as("SELECT id, base_url FROM connections WHERE kind = $1 AND name = $2")
                .bind(kind.as_str())
                .bind(name)
                .fetch_optional(self.pool())
                .await?;
        if let Some((_, Some(_))) = existing {
            return Err(StoreError::Conflict(format!(
                "a {} connection named {name:?} exists already",
                kind.as_str()
            )));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO connections (kind, name, enabled, base_url, settings, created_at) VALUES ($1, $2, 1, $3, $4, $5) \
             ON CONFLICT (kind, name) DO UPDATE SET base_url = excluded.base_url, settings = excluded.settings RETURNING id",
        )
        .bind(kind.as_str())
        .bind(name)
        .bind(base_url)
        .bind(settings)
        .bind(now_ms())
        .fetch_one(self.writer())
        .await?;
        Ok(id)
    }

    pub async fn sync_connections(&self) -> Result<Vec<ConnectionRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {CONNECTION_COLS} FROM connections c ORDER BY c.name, c.id"
        ))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(connection_row).collect()
    }

    pub async fn sync_connection(&self, id: i64) -> Result<ConnectionRow, StoreError> {
        let r = sqlx::query(&format!(
            "SELECT {CONNECTION_COLS} FROM connections c WHERE c.id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("connection {id}")))?;
        connection_row(&r)
    }

    /// Changes what is given; `None` leaves a field as it is.
    pub async fn update_connection(
        &self,
        id: i64,
        base_url: Option<&str>,
        settings: Option<&str>,
        enabled: Option<bool>,
        paused: Option<bool>,
    ) -> Result<(), StoreError> {
        let n = sqlx::query(
            "UPDATE connections SET base_url = COALESCE($2, base_url), settings = COALESCE($3, settings), \
             enabled = COALESCE($4, enabled), paused = COALESCE($5, paused) WHERE id = $1",
        )
        .bind(id)
        .bind(base_url)
        .bind(settings)
        .bind(enabled.map(i64::from))
        .bind(paused.map(i64::from))
        .execute(self.writer())
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound(format!("connection {id}")));
        }
        Ok(())
    }

    /// Removes mapped or dismissed inbox payloads fetched before `before`, keeping the newest
    /// payload of each order; in chunks, so that other writes get their turn. Returns how many.
    pub async fn prune_inbox(&self, before: i64) -> Result<u64, StoreError> {
        let mut total = 0u64;
        // Bounded: 2,000 chunks of 5,000 = 10 million payloads per call at most.
        for _ in 0..2_000 {
            let n = sqlx::query(
                "DELETE FROM inbox WHERE id IN (SELECT i.id FROM inbox i WHERE i.status != 'quarantined' \
                 AND i.fetched_at < $1 AND EXISTS (SELECT 1 FROM inbox j WHERE j.connection_id = i.connection_id \
                 AND j.external_id = i.external_id AND j.id > i.id) LIMIT 5000)",
            )
            .bind(before)
            .execute(self.writer())
            .await?
            .rows_affected();
            total += n;
            if n == 0 {
                break;
            }
        }
        Ok(total)
    }

    /// Removes a connection that has no orders (one with orders can be disabled instead).
    pub async fn delete_connection(&self, id: i64) -> Result<(), StoreError> {
        let c = self.sync_connection(id).await?;
        if c.orders > 0 {
            return Err(StoreError::Conflict(format!(
                "connection {:?} has {} orders: disable it instead",
                c.name, c.orders
            )));
        }
        let mut tx = begin_write(self).await?;
        sqlx::query("DELETE FROM inbox WHERE connection_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        for table in ["outbox", "channel_skus", "channel_locations"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE connection_id = $1"))
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM connections WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Keeps the payloads of a page that are not in the inbox yet (the same payload twice is
    /// kept once). Returns, per record, its inbox id and whether it is new.
    pub async fn store_inbox(
        &self,
        connection_id: i64,
        records: &[InboxRecord<'_>],
    ) -> Result<Vec<(i64, bool)>, StoreError> {
        if records.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<&str> = records.iter().map(|r| r.external_id).collect();
        let ids = serde_json::to_string(&ids).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let lookup = "SELECT id, external_id, content_hash FROM inbox WHERE connection_id = $1 \
                      AND external_id IN (SELECT value FROM json_each($2))";
        // Read first, on a reader: a page seen before writes nothing at all.
        let before: Vec<(i64, String, String)> = sqlx::query_as(lookup)
            .bind(connection_id)
            .bind(&ids)
            .fetch_all(self.pool())
            .await?;
        let known: HashSet<(&str, &str)> = before
            .iter()
            .map(|(_, e, h)| (e.as_str(), h.as_str()))
            .collect();
        let before_ids: HashSet<i64> = before.iter().map(|r| r.0).collect();
        // Only what the inbox does not hold yet is written (a re-sync writes nothing).
        let mut queued = HashSet::new();
        let new: Vec<&InboxRecord<'_>> = records
            .iter()
            .filter(|r| {
                let key = (r.external_id, r.content_hash.as_str());
                !known.contains(&key) && queued.insert(key)
            })
            .collect();
        let after: Vec<(i64, String, String)> = if new.is_empty() {
            before
        } else {
            let at = now_ms();
            let mut tx = begin_write(self).await?;
            for part in new.chunks(400) {
                let sql = format!(
                    "INSERT INTO inbox (connection_id, external_id, version, fetched_at, content_hash, payload, status) VALUES {} \
                     ON CONFLICT (connection_id, external_id, content_hash) DO NOTHING",
                    dialect::values_rows(part.len(), 7)
                );
                let mut q = sqlx::query(&sql);
                for r in part {
                    q = q
                        .bind(connection_id)
                        .bind(r.external_id)
                        .bind(r.version.to_string())
                        .bind(at)
                        .bind(&r.content_hash)
                        .bind(r.payload)
                        .bind("mapped");
                }
                q.execute(&mut *tx).await?;
            }
            let after = sqlx::query_as(lookup)
                .bind(connection_id)
                .bind(&ids)
                .fetch_all(&mut *tx)
                .await?;
            tx.commit().await?;
            after
        };
        let by_key: HashMap<(&str, &str), i64> = after
            .iter()
            .map(|(id, e, h)| ((e.as_str(), h.as_str()), *id))
            .collect();
        // A payload repeated within the page is new only the first time.
        let mut seen = HashSet::new();
        records
            .iter()
            .map(|r| {
                let id = *by_key
                    .get(&(r.external_id, r.content_hash.as_str()))
                    .ok_or_else(|| {
                        StoreError::Invalid(format!("inbox entry for {}", r.external_id))
                    })?;
                Ok((id, !before_ids.contains(&id) && seen.insert(id)))
            })
            .collect()
    }

    /// After a page's orders are imported: marks its quarantined payloads and moves the cursor
    /// (never backwards), in one transaction.
    pub async fn finish_page(
        &self,
        connection_id: i64,
        page: &PageOutcome<'_>,
    ) -> Result<(), StoreError> {
        let mut tx = begin_write(self).await?;
        for (id, error) in page.quarantined {
            sqlx::query("UPDATE inbox SET status = 'quarantined', error = $2 WHERE id = $1")
                .bind(id)
                .bind(error)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "UPDATE connections SET sync_cursor = MAX(COALESCE(sync_cursor, $2), $2), orders_pulled = orders_pulled + $3 \
             WHERE id = $1",
        )
        .bind(connection_id)
        .bind(page.cursor.unwrap_or(i64::MIN))
        .bind(i64::try_from(page.pulled).unwrap_or(i64::MAX))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets the cursor (back to re-pull, or `None` to start over).
    pub async fn set_sync_cursor(&self, id: i64, cursor: Option<i64>) -> Result<(), StoreError> {
        sqlx::query("UPDATE connections SET sync_cursor = $2 WHERE id = $1")
            .bind(id)
            .bind(cursor)
            .execute(self.writer())
            .await?;
        Ok(())
    }

    /// Records how a sync run ended: success clears the error and closes the circuit.
    pub async fn record_sync_run(
        &self,
        id: i64,
        error: Option<(&str, &str)>,
    ) -> Result<(), StoreError> {
        let at = now_ms();
        match error {
            None => sqlx::query(
                "UPDATE connections SET last_sync_at = $2, last_success_at = $2, last_error = NULL, last_error_code = NULL, failures = 0 WHERE id = $1",
            )
            .bind(id)
            .bind(at),
            Some((code, message)) => sqlx::query(
                "UPDATE connections SET last_sync_at = $2, last_error = $3, last_error_code = $4, failures = failures + 1 WHERE id = $1",
            )
            .bind(id)
            .bind(at)
            .bind(message)
            .bind(code),
        }
        .execute(self.writer())
        .await?;
        Ok(())
    }

    pub async fn quarantine(
        &self,
        connection_id: Option<i64>,
        limit: u32,
    ) -> Result<Vec<QuarantineRow>, StoreError> {
        let rows: Vec<(i64, i64, String, String, i64, Option<String>)> = sqlx::query_as(
            "SELECT i.id, i.connection_id, c.name, i.external_id, i.fetched_at, i.error FROM inbox i \
             JOIN connections c ON c.id = i.connection_id \
             WHERE i.status = 'quarantined' AND ($1 IS NULL OR i.connection_id = $1) ORDER BY i.id DESC LIMIT $2",
        )
        .bind(connection_id)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| QuarantineRow {
                id: r.0,
                connection_id: r.1,
                connection: r.2,
                external_id: r.3,
                fetched_at: r.4,
                error: r.5.unwrap_or_default(),
            })
            .collect())
    }

    /// An inbox payload: (connection id, external id, version, payload).
    pub async fn inbox_payload(&self, id: i64) -> Result<(i64, String, i64, String), StoreError> {
        let r: Option<(i64, String, Option<String>, String)> = sqlx::query_as(
            "SELECT connection_id, external_id, version, payload FROM inbox WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        let (c, e, v, p) = r.ok_or_else(|| StoreError::NotFound(format!("inbox entry {id}")))?;
        Ok((c, e, v.and_then(|v| v.parse().ok()).unwrap_or(0), p))
    }

    /// Marks inbox payloads mapped (after a retry) or dismissed.
    pub async fn set_inbox_status(
        &self,
        ids: &[i64],
        status: &str,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        if !matches!(status, "mapped" | "quarantined" | "dismissed") {
            return Err(StoreError::Invalid(format!("inbox status {status:?}")));
        }
        sqlx::query(&format!(
            "UPDATE inbox SET status = $1, error = $2 WHERE {}",
            dialect::in_id_list("id", 3)
        ))
        .bind(status)
        .bind(error)
        .bind(dialect::id_list(ids))
        .execute(self.writer())
        .await?;
        Ok(())
    }
}
