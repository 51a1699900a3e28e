//! Single-order and bulk changes made by people: notes, tags, saved views. Every change to an
//! order writes a timeline event in the same transaction, and the search index follows.

use crate::dialect::{self, SearchParts};
use crate::{now_ms, Store, StoreError};
use oms_domain::{EventKind, OrderId, OrderQuery, SavedView, Tag, TimelineEventView};
use sqlx::{Row, Sqlite, Transaction};

impl Store {
    /// Adds a note to an order's timeline (and to what search finds).
    pub async fn add_note(
        &self,
        order: OrderId,
        actor: &str,
        body: &str,
    ) -> Result<TimelineEventView, StoreError> {
        let body = body.trim();
        if body.is_empty() {
            return Err(StoreError::Invalid("note: must not be empty".into()));
        }
        if body.chars().count() > 5000 {
            return Err(StoreError::Invalid("note: at most 5000 characters".into()));
        }
        let mut tx = crate::inventory::begin_write(self).await?;
        ensure_order(&mut tx, order.get()).await?;
        let ev = insert_event(
            &mut tx,
            order.get(),
            EventKind::Note,
            actor,
            "Note added",
            Some(body),
        )
        .await?;
        reindex(&mut tx, &[order.get()]).await?;
        tx.commit().await?;
        Ok(ev)
    }

    /// Adds the same note to many orders in one transaction. Returns how many orders got it.
    pub async fn bulk_add_note(
        &self,
        orders: &[OrderId],
        actor: &str,
        body: &str,
    ) -> Result<u64, StoreError> {
        let body = body.trim();
        if body.is_empty() {
            return Err(StoreError::Invalid("note: must not be empty".into()));
        }
        let ids = existing_ids(self, orders).await?;
        let mut tx = crate::inventory::begin_write(self).await?;
        for id in &ids {
            insert_event(
                &mut tx,
                *id,
                EventKind::Note,
                actor,
                "Note added",
                Some(body),
            )
            .await?;
        }
        reindex(&mut tx, &ids).await?;
        tx.commit().await?;
        Ok(ids.len() as u64)
    }

    /// Tags many orders; orders that already carry the tag are left alone. Returns how many
    /// orders changed.
    pub async fn bulk_add_tag(
        &self,
        orders: &[OrderId],
        actor: &str,
        tag: &Tag,
    ) -> Result<u64, StoreError> {
        let ids = existing_ids(self, orders).await?;
        let mut tx = crate::inventory::begin_write(self).await?;
        let mut changed = 0u64;
        for id in &ids {
            let inserted = sqlx::query(
                "INSERT INTO order_tags (tag, placed_at, order_id) SELECT $1, placed_at, id FROM orders WHERE id = $2 \
                 ON CONFLICT DO NOTHING",
            )
            .bind(tag.as_str())
            .bind(*id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if inserted == 0 {
                continue;
            }
            sqlx::query("UPDATE orders SET tags = TRIM(tags || ' ' || $1) WHERE id = $2")
                .bind(tag.as_str())
                .bind(*id)
                .execute(&mut *tx)
                .await?;
            insert_event(
                &mut tx,
                *id,
                EventKind::Tagged,
                actor,
                &format!("Tagged \u{201c}{tag}\u{201d}"),
                Some(tag.as_str()),
            )
            .await?;
            changed += 1;
        }
        tx.commit().await?;
        Ok(changed)
    }

    pub async fn save_view(&self, name: &str, query: &OrderQuery) -> Result<SavedView, StoreError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 80 {
            return Err(StoreError::Invalid("view name: 1 to 80 characters".into()));
        }
        let mut q = query.clone();
        q.cursor = None;
        let json = serde_json::to_string(&q).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO saved_views (name, query) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET query = excluded.query RETURNING id",
        )
        .bind(name)
        .bind(json)
        .fetch_one(self.pool())
        .await?;
        Ok(SavedView {
            id,
            name: name.to_owned(),
            query: q,
        })
    }

    pub async fn delete_view(&self, id: i64) -> Result<(), StoreError> {
        let n = sqlx::query("DELETE FROM saved_views WHERE id = $1")
            .bind(id)
            .execute(self.pool())
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound(format!("saved view {id}")));
        }
        Ok(())
    }
}

async fn existing_ids(store: &Store, orders: &[OrderId]) -> Result<Vec<i64>, StoreError> {
    if orders.is_empty() {
        return Err(StoreError::Invalid("no orders selected".into()));
    }
    if orders.len() > 100_000 {
        return Err(StoreError::Invalid("at most 100000 orders at once".into()));
    }
    let raw: Vec<i64> = orders.iter().map(|o| o.get()).collect();
    let json = dialect::id_list(&raw);
    let ids: Vec<i64> = sqlx::query_scalar(&format!(
        "SELECT id FROM orders WHERE {} ORDER BY id",
        dialect::in_id_list("id", 1)
    ))
    .bind(json)
    .fetch_all(store.pool())
    .await?;
    if ids.len() != {
        let mut r = raw.clone();
        r.sort_unstable();
        r.dedup();
        r.len()
    } {
        return Err(StoreError::NotFound(
            "one or more of the selected orders".into(),
        ));
    }
    Ok(ids)
}

async fn ensure_order(tx: &mut Transaction<'_, Sqlite>, id: i64) -> Result<(), StoreError> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM orders WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    found
        .map(|_| ())
        .ok_or_else(|| StoreError::NotFound(format!("order {id}")))
}

pub(crate) async fn insert_event(
    tx: &mut Transaction<'_, Sqlite>,
    order: i64,
    kind: EventKind,
    actor: &str,
    summary: &str,
    detail: Option<&str>,
) -> Result<TimelineEventView, StoreError> {
    let at = now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO timeline_events (order_id, at, kind, actor, summary, detail) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(order)
    .bind(at)
    .bind(kind.as_str())
    .bind(actor)
    .bind(summary)
    .bind(detail)
    .fetch_one(&mut **tx)
    .await?;
    // updated_at is the channel's version of the order, not touched by local changes.
    Ok(TimelineEventView {
        id,
        at,
        kind: kind.as_str().into(),
        actor: actor.into(),
        summary: summary.into(),
        detail: detail.map(str::to_owned),
    })
}

/// Rebuilds the search entries of these orders from what is stored.
pub(crate) async fn reindex(
    tx: &mut Transaction<'_, Sqlite>,
    ids: &[i64],
) -> Result<(), StoreError> {
    dialect::unindex(tx, ids).await?;
    let mut docs = Vec::with_capacity(ids.len());
    for id in ids {
        let o = sqlx::query(
            "SELECT o.order_number, o.customer_name, cu.email, o.phone FROM orders o \
             LEFT JOIN customers cu ON cu.id = o.customer_id WHERE o.id = $1",
        )
        .bind(*id)
        .fetch_one(&mut **tx)
        .await?;
        let skus: Vec<String> = sqlx::query_scalar("SELECT p.sku FROM order_lines l JOIN products p ON p.id = l.product_id WHERE l.order_id = $1")
            .bind(*id)
            .fetch_all(&mut **tx)
            .await?;
        // Tracking numbers of parcels out and back, and the order's RMA numbers.
        let tracking: Vec<String> = sqlx::query_scalar(
            "SELECT tracking_number FROM shipments WHERE order_id = $1 AND tracking_number IS NOT NULL \
             UNION ALL SELECT rma FROM returns WHERE order_id = $1 AND rma IS NOT NULL \
             UNION ALL SELECT tracking_number FROM returns WHERE order_id = $1 AND tracking_number IS NOT NULL",
        )
            .bind(*id)
            .fetch_all(&mut **tx)
            .await?;
        let notes: Vec<String> = sqlx::query_scalar("SELECT detail FROM timeline_events WHERE order_id = $1 AND kind = 'note' AND detail IS NOT NULL")
            .bind(*id)
            .fetch_all(&mut **tx)
            .await?;
        let (n, c, em, ph): (String, String, Option<String>, Option<String>) =
            (o.get(0), o.get(1), o.get(2), o.get(3));
        let skus: Vec<&str> = skus.iter().map(String::as_str).collect();
        let tracking: Vec<&str> = tracking.iter().map(String::as_str).collect();
        let notes: Vec<&str> = notes.iter().map(String::as_str).collect();
        let doc = dialect::search_doc(&SearchParts {
            order_number: &n,
            customer_name: &c,
            email: em.as_deref(),
            phone: ph.as_deref(),
            skus: &skus,
            tracking: &tracking,
            notes: &notes,
        });
        docs.push((*id, doc));
    }
    dialect::index(tx, &docs).await
}
