//! The customer page (issue 7): a customer's orders across every channel, matched by e-mail
//! and then by phone (orders without an e-mail), with returns, refunds, notes and lifetime
//! value; and the notes that mention an operator.

use crate::query::{ROW_COLUMNS, ROW_JOINS};
use crate::read::order_row;
use crate::returns::{return_row, RETURN_ROWS};
use crate::{Store, StoreError};
use oms_domain::edit_views::{CurrencyAmount, CustomerPage, NoteView};
use sqlx::Row;

/// Orders shown on one customer page.
const MAX_ORDERS: i64 = 500;

impl Store {
    /// The customer of an order: by its e-mail's customer, and by its phone for orders that
    /// carry no e-mail.
    pub async fn customer_page(&self, order_id: i64) -> Result<CustomerPage, StoreError> {
        let (customer, name, phone): (Option<i64>, String, Option<String>) =
            sqlx::query_as("SELECT customer_id, customer_name, phone FROM orders WHERE id = $1")
                .bind(order_id)
                .fetch_optional(self.pool())
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("order {order_id}")))?;
        let (email, tags, cname, cphone) = match customer {
            Some(c) => {
                let r: (Option<String>, String, String, Option<String>) =
                    sqlx::query_as("SELECT email, tags, name, phone FROM customers WHERE id = $1")
                        .bind(c)
                        .fetch_one(self.pool())
                        .await?;
                r
            }
            None => (None, String::new(), name.clone(), None),
        };
        // Every phone the customer used (their orders' and their record's).
        let mut phones: Vec<String> = match customer {
            Some(c) => sqlx::query_scalar(
                "SELECT DISTINCT phone FROM orders WHERE customer_id = $1 AND phone IS NOT NULL LIMIT 20",
            )
            .bind(c)
            .fetch_all(self.pool())
            .await?,
            None => phone.iter().cloned().collect(),
        };
        if let Some(p) = &cphone {
            if !phones.contains(p) {
                phones.push(p.clone());
            }
        }
        let phones_json =
            serde_json::to_string(&phones).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM (SELECT id, placed_at FROM orders WHERE customer_id = $1 \
               UNION SELECT id, placed_at FROM orders WHERE customer_id IS NULL AND phone IN (SELECT value FROM json_each($2))) \
             ORDER BY placed_at DESC, id DESC LIMIT $3",
        )
        .bind(customer)
        .bind(&phones_json)
        .bind(MAX_ORDERS)
        .fetch_all(self.pool())
        .await?;
        let by_phone: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM orders WHERE customer_id IS NULL AND phone IN (SELECT value FROM json_each($1))",
        )
        .bind(&phones_json)
        .fetch_one(self.pool())
        .await?;
        let list = serde_json::to_string(&ids).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let orders = sqlx::query(&format!(
            "SELECT {ROW_COLUMNS} FROM orders o {ROW_JOINS} WHERE o.id IN (SELECT value FROM json_each($1)) \
             ORDER BY o.placed_at DESC, o.id DESC"
        ))
        .bind(&list)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(order_row)
        .collect::<Result<Vec<_>, _>>()?;
        let amounts = |sql: &'static str| {
            let list = list.clone();
            async move {
                let rows: Vec<(String, i64)> = sqlx::query_as(sql)
                    .bind(list)
                    .fetch_all(self.pool())
                    .await?;
                Ok::<_, StoreError>(
                    rows.into_iter()
                        .map(|(currency, amount)| CurrencyAmount { currency, amount })
                        .collect::<Vec<_>>(),
                )
            }
        };
        let refunded = amounts(
            "SELECT currency, SUM(amount) FROM refunds WHERE order_id IN (SELECT value FROM json_each($1)) \
             AND status IN ('approved', 'sent', 'confirmed') GROUP BY currency ORDER BY currency",
        )
        .await?;
        let mut lifetime_value = amounts(
            "SELECT currency, SUM(COALESCE(paid_amount, grand_total)) FROM orders WHERE id IN (SELECT value FROM json_each($1)) \
             AND status NOT IN ('cancelled', 'merged') GROUP BY currency ORDER BY currency",
        )
        .await?;
        for v in &mut lifetime_value {
            if let Some(r) = refunded.iter().find(|r| r.currency == v.currency) {
                v.amount -= r.amount;
            }
        }
        let returns = sqlx::query(&format!(
            "{RETURN_ROWS} WHERE r.order_id IN (SELECT value FROM json_each($1)) ORDER BY r.id DESC"
        ))
        .bind(&list)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(return_row)
        .collect::<Result<Vec<_>, StoreError>>()?;
        let refund_ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM refunds WHERE order_id IN (SELECT value FROM json_each($1)) ORDER BY id DESC LIMIT 200",
        )
        .bind(&list)
        .fetch_all(self.pool())
        .await?;
        let mut refunds = Vec::with_capacity(refund_ids.len());
        for id in refund_ids {
            refunds.push(self.refund(id).await?);
        }
        let notes = sqlx::query(
            "SELECT e.order_id, o.order_number, e.at, e.actor, COALESCE(e.detail, e.summary) FROM timeline_events e \
             JOIN orders o ON o.id = e.order_id WHERE e.kind = 'note' AND e.order_id IN (SELECT value FROM json_each($1)) \
             ORDER BY e.at DESC LIMIT 100",
        )
        .bind(&list)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(note_row)
        .collect::<Result<Vec<_>, _>>()?;
        Ok(CustomerPage {
            customer_id: customer,
            name: cname,
            email,
            phone: cphone.or(phone),
            tags: tags.split_whitespace().map(str::to_owned).collect(),
            orders,
            by_phone,
            lifetime_value,
            refunded,
            returns,
            refunds,
            notes,
        })
    }

    /// Notes that mention `@name` (any case), newest first.
    pub async fn mentions(&self, name: &str, limit: i64) -> Result<Vec<NoteView>, StoreError> {
        let name = name.trim().trim_start_matches('@');
        if name.is_empty() {
            return Err(StoreError::Invalid("mentions of whom?".into()));
        }
        let like = format!("%@{}%", name.replace(['%', '_'], ""));
        let rows = sqlx::query(
            "SELECT e.order_id, o.order_number, e.at, e.actor, COALESCE(e.detail, e.summary) FROM timeline_events e \
             JOIN orders o ON o.id = e.order_id WHERE e.kind = 'note' AND COALESCE(e.detail, e.summary) LIKE $1 \
             ORDER BY e.at DESC LIMIT $2",
        )
        .bind(like)
        .bind(limit.clamp(1, 500))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(note_row).collect()
    }
}

fn note_row(r: &sqlx::sqlite::SqliteRow) -> Result<NoteView, StoreError> {
    Ok(NoteView {
        order_id: r.try_get(0)?,
        order_number: r.try_get(1)?,
        at: r.try_get(2)?,
        actor: r.try_get(3)?,
        body: r.try_get(4)?,
    })
}

impl Store {
    /// The order a connection knows by `external_id`.
    pub async fn order_id_of(
        &self,
        connection_id: i64,
        external_id: &str,
    ) -> Result<Option<i64>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM orders WHERE connection_id = $1 AND external_id = $2",
        )
        .bind(connection_id)
        .bind(external_id)
        .fetch_optional(self.pool())
        .await?)
    }

    /// Puts one line on an order's timeline (what a background step could not do, say).
    pub async fn record_event(
        &self,
        order: i64,
        kind: oms_domain::EventKind,
        actor: &str,
        summary: &str,
        detail: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut tx = crate::inventory::begin_write(self).await?;
        crate::orders::insert_event(&mut tx, order, kind, actor, summary, detail).await?;
        tx.commit().await?;
        Ok(())
    }
}
