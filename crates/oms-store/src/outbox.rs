//! The outbox: every write to a channel, kept until the channel has it. Rows come from the
//! change they report, in its transaction: a shipment (a trigger, migration 0010), a
//! cancellation (`cancel_order`), a stock change (`stock_step`, from the products a trigger
//! marks). The dispatcher in oms-app sends due rows and records what happened.

use crate::inventory::begin_write;
use crate::{dialect, Store, StoreError};
use sqlx::{Row, Sqlite, Transaction};
use std::collections::BTreeMap;

/// One row of the outbox.
#[derive(Debug, Clone)]
pub struct OutboxRow {
    pub id: i64,
    pub connection_id: i64,
    pub order_id: Option<i64>,
    pub order_number: Option<String>,
    pub kind: String,
    pub idempotency_key: String,
    /// JSON: what to send.
    pub payload: String,
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub next_attempt_at: i64,
    pub created_at: i64,
    pub sent_at: Option<i64>,
    pub external_ref: Option<String>,
}

const COLS: &str = "x.id, x.connection_id, x.order_id, o.order_number, x.kind, x.idempotency_key, x.payload, x.status, \
     x.attempts, x.last_error, x.next_attempt_at, x.created_at, x.sent_at, x.external_ref";

fn row(r: &sqlx::sqlite::SqliteRow) -> Result<OutboxRow, StoreError> {
    Ok(OutboxRow {
        id: r.try_get(0)?,
        connection_id: r.try_get(1)?,
        order_id: r.try_get(2)?,
        order_number: r.try_get(3)?,
        kind: r.try_get(4)?,
        idempotency_key: r.try_get(5)?,
        payload: r.try_get(6)?,
        status: r.try_get(7)?,
        attempts: r.try_get(8)?,
        last_error: r.try_get(9)?,
        next_attempt_at: r.try_get(10)?,
        created_at: r.try_get(11)?,
        sent_at: r.try_get(12)?,
        external_ref: r.try_get(13)?,
    })
}

/// What the dispatcher needs to tell a channel about a shipment: the order's lines as shipped
/// so far, by the channel's SKU.
#[derive(Debug, Clone)]
pub struct ShippedLines {
    pub lines: Vec<(String, i64)>,
    /// Nothing of the order is left to ship.
    pub complete: bool,
}

/// A product's channel SKU and what is known of it there.
#[derive(Debug, Clone)]
pub struct ChannelSku {
    pub connection_id: i64,
    pub channel_sku: String,
    pub product_id: Option<i64>,
    pub sku: Option<String>,
    pub title: Option<String>,
    pub manual: bool,
    pub external_id: Option<String>,
    pub external_parent_id: Option<String>,
    pub listed: Option<bool>,
    pub first_seen_at: i64,
    pub last_seen_at: i64,
    pub pushed_quantity: Option<i64>,
    pub pushed_at: Option<i64>,
    /// Units of the product on hand anywhere (0 with no stock record: flagged "unknown").
    pub stocked: bool,
}

/// A product's SKU on the connection bound as `$2` (its mapped channel SKU, a hand mapping
/// first, else ours), for queries over `products p`.
pub(crate) const CHANNEL_SKU: &str =
    "COALESCE((SELECT cs.channel_sku FROM channel_skus cs WHERE cs.connection_id = $2 \
     AND cs.product_id = p.id ORDER BY cs.manual DESC, cs.last_seen_at DESC LIMIT 1), p.sku)";

/// Adds a cancellation for an order from a shop (inside the cancelling transaction).
pub(crate) async fn enqueue_cancellation(
    tx: &mut Transaction<'static, Sqlite>,
    order_id: i64,
    comment: &str,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT OR IGNORE INTO outbox (connection_id, order_id, kind, idempotency_key, payload, status, next_attempt_at, created_at) \
         SELECT o.connection_id, o.id, 'cancellation', 'cancellation-' || o.id, \
                json_object('external_id', o.external_id, 'reason', $2), 'pending', $3, $3 \
         FROM orders o JOIN connections c ON c.id = o.connection_id \
         WHERE o.id = $1 AND c.kind IN ('shopify', 'woocommerce') AND c.push_fulfilments = 1 \
           AND COALESCE(c.base_url, '') != ''",
    )
    .bind(order_id)
    .bind(comment)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Tells an order's shop that some of its lines were cancelled (inside the cancelling
/// transaction); what is left per line is read when the row is sent.
pub(crate) async fn enqueue_line_cancellation(
    tx: &mut Transaction<'static, Sqlite>,
    order_id: i64,
    reason: &str,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT OR IGNORE INTO outbox (connection_id, order_id, kind, idempotency_key, payload, status, next_attempt_at, created_at) \
         SELECT o.connection_id, o.id, 'line_cancellation', 'lines-' || o.id || '-' || $2, \
                json_object('external_id', o.external_id, 'reason', $3), 'pending', $2, $2 \
         FROM orders o JOIN connections c ON c.id = o.connection_id \
         WHERE o.id = $1 AND c.kind IN ('shopify', 'woocommerce') AND c.push_fulfilments = 1 \
           AND COALESCE(c.base_url, '') != ''",
    )
    .bind(order_id)
    .bind(now)
    .bind(reason)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Products handled per stock step transaction.
const STOCK_CHUNK: i64 = 500;

impl Store {
    /// Due rows of a connection, oldest first.
    pub async fn due_outbox(
        &self,
        connection_id: i64,
        now: i64,
        limit: i64,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLS} FROM outbox x LEFT JOIN orders o ON o.id = x.order_id \
             WHERE x.connection_id = $1 AND x.status = 'pending' AND x.next_attempt_at <= $2 ORDER BY x.id LIMIT $3"
        ))
        .bind(connection_id)
        .bind(now)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(row).collect()
    }

    /// Rows of a connection (or of all), newest first; `status` filters.
    pub async fn outbox_rows(
        &self,
        connection_id: Option<i64>,
        status: Option<&str>,
        limit: i64,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLS} FROM outbox x LEFT JOIN orders o ON o.id = x.order_id \
             WHERE ($1 IS NULL OR x.connection_id = $1) AND ($2 IS NULL OR x.status = $2) \
             ORDER BY x.id DESC LIMIT $3"
        ))
        .bind(connection_id)
        .bind(status)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(row).collect()
    }

    pub async fn outbox_row(&self, id: i64) -> Result<OutboxRow, StoreError> {
        let r = sqlx::query(&format!(
            "SELECT {COLS} FROM outbox x LEFT JOIN orders o ON o.id = x.order_id WHERE x.id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("outbox row {id}")))?;
        row(&r)
    }

    /// The channel has it. A stock row also records what the channel now shows for the SKU;
    /// an order's row goes on the order's timeline.
    pub async fn outbox_sent(
        &self,
        id: i64,
        external_ref: Option<&str>,
        note: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = begin_write(self).await?;
        let r: Option<(String, Option<i64>, i64, String)> = sqlx::query_as(
            "UPDATE outbox SET status = 'sent', sent_at = $2, external_ref = $3, last_error = NULL, attempts = attempts + 1 \
             WHERE id = $1 AND status = 'pending' RETURNING kind, order_id, connection_id, payload",
        )
        .bind(id)
        .bind(now)
        .bind(external_ref)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((kind, order_id, connection_id, payload)) = r else {
            // Dismissed meanwhile: nothing to record.
            return Ok(());
        };
        if kind == "stock" {
            let v: serde_json::Value = serde_json::from_str(&payload)
                .map_err(|e| StoreError::Invalid(format!("outbox row {id}: {e}")))?;
            let sku = v.get("channel_sku").and_then(|s| s.as_str()).unwrap_or("");
            let total = v.get("total").and_then(serde_json::Value::as_i64);
            sqlx::query(
                "UPDATE channel_skus SET pushed_quantity = $3, pushed_at = $4, listed = 1 \
                 WHERE connection_id = $1 AND channel_sku = $2",
            )
            .bind(connection_id)
            .bind(sku)
            .bind(total)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        if kind == "refund" {
            // The channel has the refund: confirmed, with the channel's id for it.
            let v: serde_json::Value = serde_json::from_str(&payload)
                .map_err(|e| StoreError::Invalid(format!("outbox row {id}: {e}")))?;
            sqlx::query(
                "UPDATE refunds SET status = 'confirmed', channel_refund_id = COALESCE($2, channel_refund_id) \
                 WHERE id = $1 AND status IN ('approved', 'sent')",
            )
            .bind(v.get("refund_id").and_then(serde_json::Value::as_i64))
            .bind(external_ref)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(order) = order_id {
            let name: String = sqlx::query_scalar("SELECT name FROM connections WHERE id = $1")
                .bind(connection_id)
                .fetch_one(&mut *tx)
                .await?;
            crate::orders::insert_event(
                &mut tx,
                order,
                oms_domain::EventKind::ChannelUpdated,
                "sync",
                &format!("{name} told: {note}"),
                None,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A try that failed; the row is tried again at `next_at`, or (`next_at` None) waits for a
    /// person (status failed).
    pub async fn outbox_attempt_failed(
        &self,
        id: i64,
        error: &str,
        next_at: Option<i64>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE outbox SET attempts = attempts + 1, last_error = $2, \
             status = CASE WHEN $3 IS NULL THEN 'failed' ELSE status END, \
             next_attempt_at = COALESCE($3, next_attempt_at) WHERE id = $1 AND status = 'pending'",
        )
        .bind(id)
        .bind(error)
        .bind(next_at)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Shopify refused a key whose earlier try failed: the row goes on under a fresh key.
    pub async fn outbox_new_key(&self, id: i64, now: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE outbox SET idempotency_key = idempotency_key || '-' || $2 WHERE id = $1",
        )
        .bind(id)
        .bind(now)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// A stock row for a SKU the channel does not list: nothing to send, and none from now
    /// on until the SKU is looked up again.
    pub async fn outbox_not_listed(&self, id: i64, now: i64) -> Result<(), StoreError> {
        let mut tx = begin_write(self).await?;
        let r: Option<(i64, String)> = sqlx::query_as(
            "UPDATE outbox SET status = 'sent', sent_at = $2, attempts = attempts + 1, \
             last_error = 'not listed on the channel' WHERE id = $1 AND status = 'pending' \
             RETURNING connection_id, payload",
        )
        .bind(id)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((conn, payload)) = r {
            let v: serde_json::Value = serde_json::from_str(&payload)
                .map_err(|e| StoreError::Invalid(format!("outbox row {id}: {e}")))?;
            let sku = v.get("channel_sku").and_then(|s| s.as_str()).unwrap_or("");
            sqlx::query(
                "UPDATE channel_skus SET listed = 0 WHERE connection_id = $1 AND channel_sku = $2",
            )
            .bind(conn)
            .bind(sku)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Failed (or pending) rows are tried again now. Returns how many.
    pub async fn outbox_retry(&self, ids: &[i64], now: i64) -> Result<u64, StoreError> {
        let n = sqlx::query(&format!(
            "UPDATE outbox SET status = 'pending', next_attempt_at = $1 \
             WHERE status IN ('failed', 'pending') AND {}",
            dialect::in_id_list("id", 2)
        ))
        .bind(now)
        .bind(dialect::id_list(ids))
        .execute(self.writer())
        .await?
        .rows_affected();
        Ok(n)
    }

    /// Rows nobody wants sent any more. Returns how many.
    pub async fn outbox_dismiss(&self, ids: &[i64]) -> Result<u64, StoreError> {
        let n = sqlx::query(&format!(
            "UPDATE outbox SET status = 'dismissed' WHERE status IN ('failed', 'pending') AND {}",
            dialect::in_id_list("id", 1)
        ))
        .bind(dialect::id_list(ids))
        .execute(self.writer())
        .await?
        .rows_affected();
        Ok(n)
    }

    /// An order's lines as shipped so far, by the connection's SKU for each product.
    pub async fn shipped_lines(
        &self,
        order_id: i64,
        connection_id: i64,
    ) -> Result<ShippedLines, StoreError> {
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(
            &format!("SELECT {CHANNEL_SKU}, \
                    l.shipped, l.quantity - l.shipped - l.cancelled \
             FROM order_lines l JOIN products p ON p.id = l.product_id WHERE l.order_id = $1 ORDER BY l.line_no"),
        )
        .bind(order_id)
        .bind(connection_id)
        .fetch_all(self.pool())
        .await?;
        let complete = rows.iter().all(|r| r.2 <= 0);
        let mut lines: BTreeMap<String, i64> = BTreeMap::new();
        for (sku, shipped, _) in rows {
            *lines.entry(sku).or_default() += shipped;
        }
        Ok(ShippedLines {
            lines: lines.into_iter().collect(),
            complete,
        })
    }

    /// An order's lines by the channel's SKU: (SKU, units ordered, units cancelled).
    pub async fn cancelled_lines(
        &self,
        order_id: i64,
        connection_id: i64,
    ) -> Result<Vec<(String, i64, i64)>, StoreError> {
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(
            &format!("SELECT {CHANNEL_SKU}, l.quantity, l.cancelled \
             FROM order_lines l JOIN products p ON p.id = l.product_id WHERE l.order_id = $1 ORDER BY l.line_no"),
        )
        .bind(order_id)
        .bind(connection_id)
        .fetch_all(self.pool())
        .await?;
        let mut by: BTreeMap<String, (i64, i64)> = BTreeMap::new();
        for (sku, q, c) in rows {
            let e = by.entry(sku).or_default();
            e.0 += q;
            e.1 += c;
        }
        Ok(by.into_iter().map(|(s, (q, c))| (s, q, c)).collect())
    }

    /// Records the channel SKUs of pulled orders (what they map to, when last seen).
    pub async fn note_channel_skus(
        &self,
        connection_id: i64,
        skus: &[String],
        now: i64,
    ) -> Result<(), StoreError> {
        if skus.is_empty() {
            return Ok(());
        }
        let mut tx = begin_write(self).await?;
        for part in skus.chunks(200) {
            let sql = format!(
                "INSERT INTO channel_skus (connection_id, channel_sku, product_id, first_seen_at, last_seen_at) \
                 SELECT v.column1, v.column2, (SELECT id FROM products WHERE sku = v.column2), v.column3, v.column3 \
                 FROM (VALUES {}) AS v WHERE true \
                 ON CONFLICT (connection_id, channel_sku) DO UPDATE SET last_seen_at = excluded.last_seen_at, \
                 product_id = CASE WHEN channel_skus.manual = 1 THEN channel_skus.product_id ELSE excluded.product_id END",
                dialect::values_rows(part.len(), 3)
            );
            let mut q = sqlx::query(&sql);
            for s in part {
                q = q.bind(connection_id).bind(s).bind(now);
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A connection's manual SKU mappings: channel SKU → our SKU.
    pub async fn sku_mappings(
        &self,
        connection_id: i64,
    ) -> Result<Vec<(String, String)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT cs.channel_sku, p.sku FROM channel_skus cs JOIN products p ON p.id = cs.product_id \
             WHERE cs.connection_id = $1 AND cs.manual = 1 AND cs.channel_sku != p.sku",
        )
        .bind(connection_id)
        .fetch_all(self.pool())
        .await?)
    }

    /// A connection's SKUs; `unknown_only`: those that match no stocked product of ours.
    pub async fn channel_skus(
        &self,
        connection_id: i64,
        unknown_only: bool,
        limit: i64,
    ) -> Result<Vec<ChannelSku>, StoreError> {
        let rows = sqlx::query(
            "SELECT * FROM (SELECT cs.connection_id, cs.channel_sku, cs.product_id, p.sku, p.title, cs.manual, cs.external_id, \
                    cs.external_parent_id, cs.listed, cs.first_seen_at, cs.last_seen_at, cs.pushed_quantity, cs.pushed_at, \
                    EXISTS (SELECT 1 FROM inventory_levels il WHERE il.product_id = cs.product_id) AS stocked \
             FROM channel_skus cs LEFT JOIN products p ON p.id = cs.product_id WHERE cs.connection_id = $1) \
             WHERE ($2 = 0 OR stocked = 0) ORDER BY stocked, channel_sku LIMIT $3",
        )
        .bind(connection_id)
        .bind(i64::from(unknown_only))
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ChannelSku {
                    connection_id: r.try_get(0)?,
                    channel_sku: r.try_get(1)?,
                    product_id: r.try_get(2)?,
                    sku: r.try_get(3)?,
                    title: r.try_get(4)?,
                    manual: r.try_get::<i64, _>(5)? != 0,
                    external_id: r.try_get(6)?,
                    external_parent_id: r.try_get(7)?,
                    listed: r.try_get::<Option<i64>, _>(8)?.map(|v| v != 0),
                    first_seen_at: r.try_get(9)?,
                    last_seen_at: r.try_get(10)?,
                    pushed_quantity: r.try_get(11)?,
                    pushed_at: r.try_get(12)?,
                    stocked: r.try_get::<i64, _>(13)? != 0,
                })
            })
            .collect()
    }

    /// Maps a channel SKU to one of our SKUs by hand (kept whatever the channel sends); `None`
    /// removes the hand mapping. Stock for the product is pushed again.
    pub async fn map_channel_sku(
        &self,
        connection_id: i64,
        channel_sku: &str,
        our_sku: Option<&str>,
        now: i64,
    ) -> Result<(), StoreError> {
        let channel_sku = channel_sku.trim();
        if channel_sku.is_empty() {
            return Err(StoreError::Invalid("channel SKU: empty".into()));
        }
        let mut tx = begin_write(self).await?;
        let pid: Option<i64> = match our_sku.map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => Some(
                sqlx::query_scalar("SELECT id FROM products WHERE sku = $1")
                    .bind(s)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("product {s:?}")))?,
            ),
            None => {
                sqlx::query_scalar("SELECT id FROM products WHERE sku = $1")
                    .bind(channel_sku)
                    .fetch_optional(&mut *tx)
                    .await?
            }
        };
        sqlx::query(
            "INSERT INTO channel_skus (connection_id, channel_sku, product_id, manual, first_seen_at, last_seen_at) \
             VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (connection_id, channel_sku) DO UPDATE SET \
             product_id = excluded.product_id, manual = excluded.manual, listed = NULL, external_id = NULL, external_parent_id = NULL",
        )
        .bind(connection_id)
        .bind(channel_sku)
        .bind(pid)
        .bind(i64::from(our_sku.is_some()))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if let Some(p) = pid {
            sqlx::query("INSERT OR IGNORE INTO stock_dirty (product_id) VALUES ($1)")
                .bind(p)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The channel's ids for a SKU, found by a look-up.
    pub async fn set_channel_sku_ids(
        &self,
        connection_id: i64,
        channel_sku: &str,
        external_id: &str,
        parent: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE channel_skus SET external_id = $3, external_parent_id = $4, listed = 1 \
             WHERE connection_id = $1 AND channel_sku = $2",
        )
        .bind(connection_id)
        .bind(channel_sku)
        .bind(external_id)
        .bind(parent)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Stock settings of a connection. Turning pushing on (or changing buffer or cap) marks
    /// every product, so that each SKU's quantity is sent once.
    pub async fn set_stock_push(
        &self,
        connection_id: i64,
        push_stock: Option<bool>,
        buffer: Option<i64>,
        cap: Option<Option<i64>>,
        push_fulfilments: Option<bool>,
    ) -> Result<(), StoreError> {
        if buffer.is_some_and(|b| b < 0) || cap.flatten().is_some_and(|c| c < 0) {
            return Err(StoreError::Invalid(
                "stock buffer and cap: 0 or more units".into(),
            ));
        }
        let mut tx = begin_write(self).await?;
        let n = sqlx::query(
            "UPDATE connections SET push_stock = COALESCE($2, push_stock), stock_buffer = COALESCE($3, stock_buffer), \
             stock_cap = CASE WHEN $4 THEN $5 ELSE stock_cap END, push_fulfilments = COALESCE($6, push_fulfilments) WHERE id = $1",
        )
        .bind(connection_id)
        .bind(push_stock.map(i64::from))
        .bind(buffer)
        .bind(cap.is_some())
        .bind(cap.flatten())
        .bind(push_fulfilments.map(i64::from))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound(format!("connection {connection_id}")));
        }
        if push_stock == Some(true) || buffer.is_some() || cap.is_some() {
            sqlx::query("INSERT OR IGNORE INTO stock_dirty (product_id) SELECT id FROM products WHERE active = 1")
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Which of our locations feed a connection's stock, and into which of its locations.
    pub async fn set_channel_location(
        &self,
        connection_id: i64,
        location_id: i64,
        external_location_id: Option<&str>,
        feeds: bool,
    ) -> Result<(), StoreError> {
        let mut tx = begin_write(self).await?;
        if feeds {
            sqlx::query(
                "INSERT INTO channel_locations (connection_id, location_id, external_location_id) VALUES ($1, $2, $3) \
                 ON CONFLICT (connection_id, location_id) DO UPDATE SET external_location_id = excluded.external_location_id",
            )
            .bind(connection_id)
            .bind(location_id)
            .bind(external_location_id.map(str::trim).filter(|s| !s.is_empty()))
            .execute(&mut *tx)
            .await?;
        } else {
            sqlx::query(
                "DELETE FROM channel_locations WHERE connection_id = $1 AND location_id = $2",
            )
            .bind(connection_id)
            .bind(location_id)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("INSERT OR IGNORE INTO stock_dirty (product_id) SELECT id FROM products WHERE active = 1")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A connection's location mapping: (our location, its name, the channel's location).
    pub async fn channel_locations(
        &self,
        connection_id: i64,
    ) -> Result<Vec<(i64, String, Option<String>)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT cl.location_id, l.name, cl.external_location_id FROM channel_locations cl \
             JOIN locations l ON l.id = cl.location_id WHERE cl.connection_id = $1 ORDER BY l.name",
        )
        .bind(connection_id)
        .fetch_all(self.pool())
        .await?)
    }

    /// Turns marked products into stock rows: per connection that pushes stock, the
    /// quantity available at the locations that feed it, less the buffer, at most the cap;
    /// merged into a row not yet tried for the same SKU. A quantity the channel already shows
    /// (the last one pushed) is not sent again. Returns the rows added or changed.
    pub async fn stock_step(&self, now: i64) -> Result<u64, StoreError> {
        let mut changed = 0u64;
        // Bounded: each pass takes a chunk off the marks.
        for _ in 0..10_000 {
            let mut tx = begin_write(self).await?;
            let ids: Vec<i64> = sqlx::query_scalar(
                "SELECT product_id FROM stock_dirty ORDER BY product_id LIMIT $1",
            )
            .bind(STOCK_CHUNK)
            .fetch_all(&mut *tx)
            .await?;
            if ids.is_empty() {
                tx.commit().await?;
                break;
            }
            let list = dialect::id_list(&ids);
            let conns: Vec<(i64, i64, Option<i64>)> = sqlx::query_as(
                "SELECT id, stock_buffer, stock_cap FROM connections WHERE push_stock = 1 AND enabled = 1 \
                 AND kind IN ('shopify', 'woocommerce') AND COALESCE(base_url, '') != ''",
            )
            .fetch_all(&mut *tx)
            .await?;
            for (conn, buffer, cap) in conns {
                // Per product and channel location: units available at our feeding locations.
                let rows: Vec<(i64, String, Option<String>, i64)> = sqlx::query_as(&format!(
                    "SELECT p.id, p.sku, cl.external_location_id, \
                            COALESCE(SUM(MAX(il.on_hand - il.reserved - il.safety_stock, 0)), 0) \
                     FROM products p \
                     LEFT JOIN inventory_levels il ON il.product_id = p.id \
                       AND il.location_id IN (SELECT id FROM locations WHERE active = 1) \
                       AND (NOT EXISTS (SELECT 1 FROM channel_locations x WHERE x.connection_id = $1) \
                            OR il.location_id IN (SELECT location_id FROM channel_locations x WHERE x.connection_id = $1)) \
                     LEFT JOIN channel_locations cl ON cl.connection_id = $1 AND cl.location_id = il.location_id \
                     WHERE {} GROUP BY p.id, cl.external_location_id ORDER BY p.id",
                    dialect::in_id_list("p.id", 2)
                ))
                .bind(conn)
                .bind(&list)
                .fetch_all(&mut *tx)
                .await?;
                let mut per: BTreeMap<i64, (String, BTreeMap<Option<String>, i64>)> =
                    BTreeMap::new();
                for (pid, sku, ext, q) in rows {
                    let e = per.entry(pid).or_insert_with(|| (sku, BTreeMap::new()));
                    *e.1.entry(ext).or_default() += q;
                }
                for (pid, (sku, by_loc)) in per {
                    let channel_sku: String = sqlx::query_scalar(
                        "SELECT COALESCE((SELECT channel_sku FROM channel_skus WHERE connection_id = $1 AND product_id = $2 \
                                          ORDER BY manual DESC, last_seen_at DESC LIMIT 1), $3)",
                    )
                    .bind(conn)
                    .bind(pid)
                    .bind(&sku)
                    .fetch_one(&mut *tx)
                    .await?;
                    let known: Option<(Option<i64>, Option<i64>)> = sqlx::query_as(
                        "SELECT listed, pushed_quantity FROM channel_skus WHERE connection_id = $1 AND channel_sku = $2",
                    )
                    .bind(conn)
                    .bind(&channel_sku)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if known.is_none() {
                        sqlx::query(
                            "INSERT INTO channel_skus (connection_id, channel_sku, product_id, first_seen_at, last_seen_at) \
                             VALUES ($1, $2, $3, $4, $4)",
                        )
                        .bind(conn)
                        .bind(&channel_sku)
                        .bind(pid)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    }
                    let (listed, pushed) = known.unwrap_or((None, None));
                    if listed == Some(0) {
                        continue;
                    }
                    let share = |q: i64| {
                        let q = (q - buffer).max(0);
                        cap.map_or(q, |c| q.min(c))
                    };
                    let quantities: Vec<serde_json::Value> = by_loc
                        .iter()
                        .map(|(ext, q)| serde_json::json!({ "location": ext, "quantity": share(*q) }))
                        .collect();
                    let total: i64 = by_loc.values().map(|q| share(*q)).sum();
                    let single = by_loc.len() == 1;
                    let pending: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM outbox WHERE connection_id = $1 AND kind = 'stock' AND status = 'pending' \
                         AND coalesce_key = $2",
                    )
                    .bind(conn)
                    .bind(format!("stock-{conn}-{channel_sku}"))
                    .fetch_one(&mut *tx)
                    .await?;
                    if single && pending == 0 && pushed == Some(total) {
                        continue;
                    }
                    let payload = serde_json::json!({
                        "channel_sku": channel_sku, "product_id": pid, "total": total, "quantities": quantities,
                    })
                    .to_string();
                    let key = format!("stock-{conn}-{pid}-{now}-{}", changed);
                    let n = sqlx::query(
                        "INSERT INTO outbox (connection_id, kind, idempotency_key, payload, status, next_attempt_at, created_at, coalesce_key) \
                         VALUES ($1, 'stock', $2, $3, 'pending', $4, $4, $5) \
                         ON CONFLICT (coalesce_key) WHERE status = 'pending' AND attempts = 0 AND coalesce_key IS NOT NULL \
                         DO UPDATE SET payload = excluded.payload WHERE outbox.payload != excluded.payload",
                    )
                    .bind(conn)
                    .bind(key)
                    .bind(payload)
                    .bind(now)
                    .bind(format!("stock-{conn}-{channel_sku}"))
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    changed += n;
                }
            }
            sqlx::query(&format!(
                "DELETE FROM stock_dirty WHERE {}",
                dialect::in_id_list("product_id", 1)
            ))
            .bind(&list)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        }
        Ok(changed)
    }
}
