//! Bulk writes of orders: multi-row upserts inside one transaction per batch, with the search
//! index and counters kept current in the same transaction.

use crate::dialect::{self, SearchParts};
use crate::{now_ms, Store, StoreError};
use oms_domain::{EventKind, NewOrder};
use sqlx::{Row, Sqlite, Transaction};
use std::collections::HashMap;

/// What one batch did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ImportBatch {
    pub inserted: u64,
    pub updated: u64,
    /// Older versions of orders already stored (ignored, as the data principles require).
    pub skipped: u64,
    pub lines: u64,
}

/// Writes batches of orders. Keeps id caches for connections, products and customers across
/// batches, so a million-order import looks each one up once.
pub struct Importer {
    store: Store,
    connections: HashMap<(String, String), i64>,
    /// sku → (product id, the product's title)
    products: HashMap<String, (i64, String)>,
    customers: HashMap<String, i64>,
    actor: String,
}

const ORDER_COLS: &[&str] = &[
    "connection_id",
    "external_id",
    "order_number",
    "placed_at",
    "updated_at",
    "currency",
    "shipping_total",
    "tax_total",
    "discount_total",
    "grand_total",
    "payment_status",
    "status",
    "priority",
    "tags",
    "customer_id",
    "customer_name",
    "phone",
    "ship_name",
    "ship_company",
    "ship_line1",
    "ship_line2",
    "ship_city",
    "ship_region",
    "ship_postal",
    "ship_country",
    "ship_phone",
    "bill_to",
    "shipping_service",
    "ship_by",
    "item_count",
    // NULL puts an open order in the pipeline's queue (a newer version is processed again).
    "processed_at",
];
/// (order id, line no, product id, title, quantity, unit price)
type LineRow<'a> = (i64, i64, i64, Option<&'a str>, i64, i64);

/// Set when an order is first stored, never by an update.
const INSERT_ONLY_COLS: &[&str] = &["created_at", "created_by"];

const ORDERS_PER_STMT: usize = 500;

/// A stored order's fields a newer version's timeline event compares: id, status, payment
/// status, street, postal code, city, country, grand total, item count, currency.
#[derive(sqlx::FromRow)]
struct Before(
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    String,
);

/// "Order updated from a newer version: status pending → cancelled; ship-to changed".
fn changes(b: Option<&Before>, o: &NewOrder, t: &oms_domain::Totals) -> String {
    let head = "Order updated from a newer version";
    let Some(b) = b else {
        return head.to_owned();
    };
    let mut parts = Vec::new();
    if b.1 != o.status.as_str() {
        parts.push(format!("status {} → {}", b.1, o.status.as_str()));
    }
    if b.2 != o.payment_status.as_str() {
        parts.push(format!("payment {} → {}", b.2, o.payment_status.as_str()));
    }
    let a = o.ship_to.as_ref();
    let now = (
        a.map_or("", |a| a.line1.as_str()),
        a.and_then(|a| a.postal_code.as_deref()).unwrap_or(""),
        a.map_or("", |a| a.city.as_str()),
        a.map_or("", |a| a.country.as_str()),
    );
    if (b.3.as_str(), b.4.as_str(), b.5.as_str(), b.6.as_str()) != now {
        parts.push(
            format!("ship-to now {}, {} {}", now.0, now.1, now.2)
                .trim()
                .to_owned(),
        );
    }
    if b.7 != t.grand_total.minor {
        let exp = o.currency.exponent();
        parts.push(format!(
            "total {} → {} {}",
            oms_domain::format_minor(b.7, exp),
            oms_domain::format_minor(t.grand_total.minor, exp),
            b.9
        ));
    }
    if b.8 != t.item_count {
        parts.push(format!("items {} → {}", b.8, t.item_count));
    }
    if parts.is_empty() {
        head.to_owned()
    } else {
        format!("{head}: {}", parts.join("; "))
    }
}
const LINES_PER_STMT: usize = 2000;

impl Importer {
    pub fn new(store: &Store, actor: impl Into<String>) -> Self {
        Self {
            store: store.clone(),
            connections: HashMap::new(),
            products: HashMap::new(),
            customers: HashMap::new(),
            actor: actor.into(),
        }
    }

    /// Stores a batch in one transaction: all of it or none of it. Orders are keyed by
    /// (connection, external id); a newer version replaces lines and tags, an older one is
    /// ignored. Each stored order gets a timeline event.
    pub async fn write(&mut self, orders: &[NewOrder]) -> Result<ImportBatch, StoreError> {
        // One upsert statement cannot touch the same row twice: of several versions of an order
        // in one batch (a channel page can repeat an order that changed while paging), only the
        // newest is written; the others count as skipped.
        let mut newest: HashMap<(&str, &str, &str), usize> = HashMap::with_capacity(orders.len());
        for (i, o) in orders.iter().enumerate() {
            let key = (
                o.channel.as_str(),
                o.connection_name.as_str(),
                o.external_id.as_str(),
            );
            let version = |o: &NewOrder| o.updated_at.unwrap_or(o.placed_at);
            match newest.get(&key) {
                Some(&j) if version(&orders[j]) > version(o) => {}
                _ => {
                    newest.insert(key, i);
                }
            }
        }
        let result = if newest.len() == orders.len() {
            self.write_unique(orders).await
        } else {
            let mut keep: Vec<usize> = newest.into_values().collect();
            keep.sort_unstable();
            let unique: Vec<NewOrder> = keep.iter().map(|&i| orders[i].clone()).collect();
            let dropped = (orders.len() - unique.len()) as u64;
            self.write_unique(&unique).await.map(|mut r| {
                r.skipped += dropped;
                r
            })
        };
        if result.is_err() {
            // Ids cached during a rolled-back transaction may not exist: forget them all; they
            // are looked up again (ON CONFLICT … RETURNING) on the next batch.
            self.connections.clear();
            self.products.clear();
            self.customers.clear();
        }
        result
    }

    async fn write_unique(&mut self, orders: &[NewOrder]) -> Result<ImportBatch, StoreError> {
        let mut report = ImportBatch::default();
        if orders.is_empty() {
            return Ok(report);
        }
        let mut totals = Vec::with_capacity(orders.len());
        for (i, o) in orders.iter().enumerate() {
            totals.push(o.totals().map_err(|e| {
                StoreError::Invalid(format!("order {} ({}): {e}", i + 1, o.order_number))
            })?);
        }
        let mut tx = crate::inventory::begin_write(&self.store).await?;
        let conn_ids = self.connection_ids(&mut tx, orders).await?;
        self.product_ids(&mut tx, orders).await?;
        self.customer_ids(&mut tx, orders).await?;
        let customer_ids = &self.customers;
        let product_ids = &self.products;
        let now = now_ms();

        for (chunk_no, chunk) in orders.chunks(ORDERS_PER_STMT).enumerate() {
            let base = chunk_no * ORDERS_PER_STMT;
            // New rows get ids above the largest id before the statement (INTEGER PRIMARY KEY
            // without AUTOINCREMENT); a returned id at or below it is an update.
            let max_before: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM orders")
                .fetch_one(&mut *tx)
                .await?;
            // What the stored versions say, for the timeline's account of what changed.
            let keys: Vec<(i64, &str)> = chunk
                .iter()
                .enumerate()
                .map(|(i, o)| (conn_ids[base + i], o.external_id.as_str()))
                .collect();
            let before: HashMap<i64, Before> = if max_before == 0 {
                HashMap::new()
            } else {
                sqlx::query_as::<_, Before>(
                    "SELECT id, status, payment_status, COALESCE(ship_line1, ''), COALESCE(ship_postal, ''), \
                     COALESCE(ship_city, ''), COALESCE(ship_country, ''), grand_total, item_count, currency FROM orders \
                     WHERE (connection_id, external_id) IN (SELECT value ->> 0, value ->> 1 FROM json_each($1))",
                )
                .bind(serde_json::to_string(&keys).map_err(|e| StoreError::Invalid(e.to_string()))?)
                .fetch_all(&mut *tx)
                .await?
                .into_iter()
                .map(|b| (b.0, b))
                .collect()
            };

            let sql = format!(
                "INSERT INTO orders ({}) VALUES {} ON CONFLICT (connection_id, external_id) DO UPDATE SET {} \
                 WHERE COALESCE(excluded.updated_at, excluded.placed_at) > COALESCE(orders.updated_at, orders.placed_at) RETURNING id, connection_id, external_id",
                ORDER_COLS.iter().chain(INSERT_ONLY_COLS).copied().collect::<Vec<_>>().join(","),
                dialect::values_rows(chunk.len(), ORDER_COLS.len() + INSERT_ONLY_COLS.len()),
                ORDER_COLS[2..].iter().map(|c| format!("{c} = excluded.{c}")).collect::<Vec<_>>().join(",")
            );
            let mut q = sqlx::query(&sql);
            for (i, o) in chunk.iter().enumerate() {
                let t = &totals[base + i];
                let ship = o.ship_to.as_ref();
                let bill_to = match (&o.bill_to, &o.ship_to) {
                    (Some(b), Some(s)) if b == s => None,
                    (Some(b), _) => Some(
                        serde_json::to_string(b).map_err(|e| StoreError::Invalid(e.to_string()))?,
                    ),
                    (None, _) => None,
                };
                let tags = o
                    .tags
                    .iter()
                    .map(|t| t.as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                q = q
                    .bind(conn_ids[base + i])
                    .bind(o.external_id.as_str())
                    .bind(o.order_number.as_str())
                    .bind(o.placed_at)
                    // The channel's version; the same version twice changes nothing.
                    .bind(o.updated_at.filter(|u| *u != o.placed_at))
                    .bind(o.currency.as_str())
                    .bind(o.shipping_total)
                    .bind(o.tax_total)
                    .bind(o.discount_total)
                    .bind(t.grand_total.minor)
                    .bind(o.payment_status.as_str())
                    .bind(o.status.as_str())
                    .bind(o.priority)
                    .bind(tags)
                    .bind(
                        o.email
                            .as_ref()
                            .and_then(|e| customer_ids.get(e.as_str()).copied()),
                    )
                    .bind(o.customer_name.as_str())
                    .bind(o.phone.as_deref())
                    .bind(
                        ship.map(|a| a.name.as_str())
                            .filter(|n| *n != o.customer_name),
                    )
                    .bind(ship.and_then(|a| a.company.as_deref()))
                    .bind(ship.map(|a| a.line1.as_str()))
                    .bind(ship.and_then(|a| a.line2.as_deref()))
                    .bind(ship.map(|a| a.city.as_str()))
                    .bind(ship.and_then(|a| a.region.as_deref()))
                    .bind(ship.and_then(|a| a.postal_code.as_deref()))
                    .bind(ship.map(|a| a.country.as_str()))
                    .bind(
                        ship.and_then(|a| a.phone.as_deref())
                            .filter(|p| Some(*p) != o.phone.as_deref()),
                    )
                    .bind(bill_to)
                    .bind(o.shipping_service.as_deref())
                    .bind(o.ship_by)
                    .bind(t.item_count)
                    .bind((!o.status.is_processable()).then_some(now))
                    .bind(now)
                    .bind(self.actor.as_str());
            }
            let rows = q.fetch_all(&mut *tx).await?;
            // RETURNING order is not guaranteed: map ids back by key.
            let mut ids: HashMap<(i64, String), i64> = HashMap::with_capacity(rows.len());
            for r in rows {
                ids.insert((r.get(1), r.get(2)), r.get(0));
            }
            let mut written: Vec<(usize, i64, bool)> = Vec::with_capacity(chunk.len());
            for (i, o) in chunk.iter().enumerate() {
                let key = (conn_ids[base + i], o.external_id.clone());
                match ids.get(&key) {
                    Some(&id) => {
                        written.push((base + i, id, id <= max_before));
                    }
                    None => report.skipped += 1,
                }
            }
            let updated_ids: Vec<i64> = written.iter().filter(|w| w.2).map(|w| w.1).collect();
            if !updated_ids.is_empty() {
                // A newer version replaces the lines: what was reserved for the old ones goes
                // back to stock, and the pipeline reserves again.
                let reserved: Vec<i64> = sqlx::query_scalar(&format!(
                    "SELECT DISTINCT order_id FROM reservations WHERE status = 'open' AND {}",
                    dialect::in_id_list("order_id", 1)
                ))
                .bind(dialect::id_list(&updated_ids))
                .fetch_all(&mut *tx)
                .await?;
                for id in reserved {
                    crate::pipeline::release_reservations(
                        &mut tx,
                        id,
                        &self.actor,
                        "order replaced by a newer version",
                        now,
                    )
                    .await?;
                }
                let json = dialect::id_list(&updated_ids);
                sqlx::query(&format!(
                    "DELETE FROM order_lines WHERE {}",
                    dialect::in_id_list("order_id", 1)
                ))
                .bind(&json)
                .execute(&mut *tx)
                .await?;
                sqlx::query(&format!(
                    "DELETE FROM order_tags WHERE {}",
                    dialect::in_id_list("order_id", 1)
                ))
                .bind(&json)
                .execute(&mut *tx)
                .await?;
                dialect::unindex(&mut tx, &updated_ids).await?;
            }
            report.updated += updated_ids.len() as u64;
            report.inserted += (written.len() - updated_ids.len()) as u64;

            // Lines.
            let mut line_rows: Vec<LineRow<'_>> = Vec::new();
            for &(idx, id, _) in &written {
                for (n, l) in orders[idx].lines.iter().enumerate() {
                    let (pid, product_title) = product_ids
                        .get(l.sku.as_str())
                        .ok_or_else(|| StoreError::Invalid(format!("unknown sku {}", l.sku)))?;
                    // The line keeps its own title only when the channel's differs.
                    let title = (l.title != *product_title).then_some(l.title.as_str());
                    line_rows.push((
                        id,
                        n as i64 + 1,
                        *pid,
                        title,
                        i64::from(l.quantity.get()),
                        l.unit_price,
                    ));
                }
            }
            report.lines += line_rows.len() as u64;
            for part in line_rows.chunks(LINES_PER_STMT) {
                let sql = format!(
                    "INSERT INTO order_lines (order_id, line_no, product_id, title, quantity, unit_price) VALUES {}",
                    dialect::values_rows(part.len(), 6)
                );
                let mut q = sqlx::query(&sql);
                for r in part {
                    q = q
                        .bind(r.0)
                        .bind(r.1)
                        .bind(r.2)
                        .bind(r.3)
                        .bind(r.4)
                        .bind(r.5);
                }
                q.execute(&mut *tx).await?;
            }

            // Tags.
            let tag_rows: Vec<(&str, i64, i64)> = written
                .iter()
                .flat_map(|&(idx, id, _)| {
                    orders[idx]
                        .tags
                        .iter()
                        .map(move |t| (t.as_str(), orders[idx].placed_at, id))
                })
                .collect();
            for part in tag_rows.chunks(LINES_PER_STMT) {
                let sql = format!(
                    "INSERT INTO order_tags (tag, placed_at, order_id) VALUES {} ON CONFLICT DO NOTHING",
                    dialect::values_rows(part.len(), 3)
                );
                let mut q = sqlx::query(&sql);
                for r in part {
                    q = q.bind(r.0).bind(r.1).bind(r.2);
                }
                q.execute(&mut *tx).await?;
            }

            // Timeline. A new order's creation is recorded on the order itself (created_at,
            // created_by) and shown as its first event; every later change writes an event row.
            if !updated_ids.is_empty() {
                let sql = format!(
                    "INSERT INTO timeline_events (order_id, at, kind, actor, summary) VALUES {}",
                    dialect::values_rows(updated_ids.len(), 5)
                );
                let summaries: Vec<String> = written
                    .iter()
                    .filter(|w| w.2)
                    .map(|&(idx, id, _)| changes(before.get(&id), &orders[idx], &totals[idx]))
                    .collect();
                let mut q = sqlx::query(&sql);
                for (id, summary) in updated_ids.iter().zip(&summaries) {
                    q = q
                        .bind(*id)
                        .bind(now)
                        .bind(EventKind::Updated.as_str())
                        .bind(self.actor.as_str())
                        .bind(summary.as_str());
                }
                q.execute(&mut *tx).await?;
            }

            // Search index: the notes of an updated order survive the update.
            let mut notes: HashMap<i64, Vec<String>> = HashMap::new();
            if !updated_ids.is_empty() {
                let json = dialect::id_list(&updated_ids);
                let rows = sqlx::query(&format!(
                    "SELECT order_id, detail FROM timeline_events WHERE kind = 'note' AND {}",
                    dialect::in_id_list("order_id", 1)
                ))
                .bind(json)
                .fetch_all(&mut *tx)
                .await?;
                for r in rows {
                    let d: Option<String> = r.get(1);
                    notes.entry(r.get(0)).or_default().extend(d);
                }
            }
            let docs: Vec<(i64, String)> = written
                .iter()
                .map(|&(idx, id, _)| {
                    let o = &orders[idx];
                    let skus: Vec<&str> = o.lines.iter().map(|l| l.sku.as_str()).collect();
                    let n: Vec<&str> = notes
                        .get(&id)
                        .map(|v| v.iter().map(String::as_str).collect())
                        .unwrap_or_default();
                    let doc = dialect::search_doc(&SearchParts {
                        order_number: &o.order_number,
                        customer_name: &o.customer_name,
                        email: o.email.as_ref().map(|e| e.as_str()),
                        phone: o.phone.as_deref(),
                        skus: &skus,
                        tracking: &[],
                        notes: &n,
                    });
                    (id, doc)
                })
                .collect();
            dialect::index(&mut tx, &docs).await?;
        }
        tx.commit().await?;
        Ok(report)
    }

    async fn connection_ids(
        &mut self,
        tx: &mut Transaction<'_, Sqlite>,
        orders: &[NewOrder],
    ) -> Result<Vec<i64>, StoreError> {
        let mut out = Vec::with_capacity(orders.len());
        for o in orders {
            let key = (o.channel.as_str().to_owned(), o.connection_name.clone());
            let id = match self.connections.get(&key) {
                Some(id) => *id,
                None => {
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO connections (kind, name, enabled, created_at) VALUES ($1, $2, 1, $3) \
                         ON CONFLICT (kind, name) DO UPDATE SET kind = excluded.kind RETURNING id",
                    )
                    .bind(&key.0)
                    .bind(&key.1)
                    .bind(now_ms())
                    .fetch_one(&mut **tx)
                    .await?;
                    self.connections.insert(key, id);
                    id
                }
            };
            out.push(id);
        }
        Ok(out)
    }

    async fn product_ids(
        &mut self,
        tx: &mut Transaction<'_, Sqlite>,
        orders: &[NewOrder],
    ) -> Result<(), StoreError> {
        let mut missing: Vec<(&str, &str)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for l in orders.iter().flat_map(|o| &o.lines) {
            if !self.products.contains_key(l.sku.as_str()) && seen.insert(l.sku.as_str()) {
                missing.push((l.sku.as_str(), l.title.as_str()));
            }
        }
        for part in missing.chunks(ORDERS_PER_STMT) {
            let sql = format!(
                "INSERT INTO products (sku, title) VALUES {} ON CONFLICT (sku) DO UPDATE SET sku = excluded.sku RETURNING id, sku, title",
                dialect::values_rows(part.len(), 2)
            );
            let mut q = sqlx::query(&sql);
            for (s, t) in part {
                q = q.bind(*s).bind(*t);
            }
            for r in q.fetch_all(&mut **tx).await? {
                self.products.insert(r.get(1), (r.get(0), r.get(2)));
            }
        }
        Ok(())
    }

    async fn customer_ids(
        &mut self,
        tx: &mut Transaction<'_, Sqlite>,
        orders: &[NewOrder],
    ) -> Result<(), StoreError> {
        let mut missing: Vec<&NewOrder> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for o in orders {
            if let Some(e) = &o.email {
                if !self.customers.contains_key(e.as_str()) && seen.insert(e.as_str()) {
                    missing.push(o);
                }
            }
        }
        for part in missing.chunks(ORDERS_PER_STMT) {
            let sql = format!(
                "INSERT INTO customers (name, email, phone) VALUES {} ON CONFLICT (email) DO UPDATE SET name = excluded.name RETURNING id, email",
                dialect::values_rows(part.len(), 3)
            );
            let mut q = sqlx::query(&sql);
            for o in part {
                q = q
                    .bind(o.customer_name.as_str())
                    .bind(o.email.as_ref().map(|e| e.as_str()))
                    .bind(o.phone.as_deref());
            }
            for r in q.fetch_all(&mut **tx).await? {
                self.customers.insert(r.get(1), r.get(0));
            }
        }
        Ok(())
    }
}
