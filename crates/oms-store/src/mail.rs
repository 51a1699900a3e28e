//! Customer e-mail rows (issue 6): queued in the same transaction as what they tell (triggers
//! for confirmations and shipments, the tracking recorder for deliveries and exceptions),
//! sent by the application with retries, each sent mail on the order's timeline.

use crate::inventory::begin_write;
use crate::orders::insert_event;
use crate::{Store, StoreError};
use oms_domain::EventKind;
use sqlx::Row;

/// A queued e-mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailRow {
    pub id: i64,
    pub order_id: i64,
    pub order_number: String,
    pub shipment_id: Option<i64>,
    /// order_confirmed | shipped | delivered | exception
    pub kind: String,
    pub idempotency_key: String,
    pub to_address: String,
    pub lang: String,
    /// pending | sent | failed | dismissed
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub next_attempt_at: i64,
    pub created_at: i64,
    pub sent_at: Option<i64>,
    pub subject: Option<String>,
}

/// What an e-mail about an order says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MailFacts {
    pub order_number: String,
    pub customer_name: String,
    pub email: Option<String>,
    pub currency: String,
    pub grand_total: i64,
    /// (title, quantity)
    pub lines: Vec<(String, i64)>,
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
    pub tracking_status: Option<String>,
    pub channel: String,
}

const COLS: &str = "m.id, m.order_id, o.order_number, m.shipment_id, m.kind, m.idempotency_key, m.to_address, m.lang, m.status, \
    m.attempts, m.last_error, m.next_attempt_at, m.created_at, m.sent_at, m.subject";

fn mail_row(r: &sqlx::sqlite::SqliteRow) -> Result<MailRow, StoreError> {
    Ok(MailRow {
        id: r.try_get(0)?,
        order_id: r.try_get(1)?,
        order_number: r.try_get(2)?,
        shipment_id: r.try_get(3)?,
        kind: r.try_get(4)?,
        idempotency_key: r.try_get(5)?,
        to_address: r.try_get(6)?,
        lang: r.try_get(7)?,
        status: r.try_get(8)?,
        attempts: r.try_get(9)?,
        last_error: r.try_get(10)?,
        next_attempt_at: r.try_get(11)?,
        created_at: r.try_get(12)?,
        sent_at: r.try_get(13)?,
        subject: r.try_get(14)?,
    })
}

impl Store {
    /// Pending e-mails due at `now`, oldest first.
    pub async fn due_mail(&self, now: i64, limit: u32) -> Result<Vec<MailRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLS} FROM mail_outbox m JOIN orders o ON o.id = m.order_id \
             WHERE m.status = 'pending' AND m.next_attempt_at <= $1 ORDER BY m.next_attempt_at, m.id LIMIT $2"
        ))
        .bind(now)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(mail_row).collect()
    }

    /// E-mails, newest first: of one order, or with a status, or all.
    pub async fn mail_rows(
        &self,
        order: Option<i64>,
        status: Option<&str>,
        limit: u32,
    ) -> Result<Vec<MailRow>, StoreError> {
        // One query per shape, so that each uses its index (of the order, of the status).
        let filter = match (order.is_some(), status.is_some()) {
            (true, true) => "WHERE m.order_id = $1 AND m.status = $2",
            (true, false) => "WHERE m.order_id = $1 AND $2 IS NULL",
            (false, true) => "WHERE $1 IS NULL AND m.status = $2",
            (false, false) => "WHERE $1 IS NULL AND $2 IS NULL",
        };
        let rows = sqlx::query(&format!(
            "SELECT {COLS} FROM mail_outbox m JOIN orders o ON o.id = m.order_id {filter} ORDER BY m.id DESC LIMIT $3"
        ))
        .bind(order)
        .bind(status)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(mail_row).collect()
    }

    pub async fn mail_row(&self, id: i64) -> Result<MailRow, StoreError> {
        let r = sqlx::query(&format!(
            "SELECT {COLS} FROM mail_outbox m JOIN orders o ON o.id = m.order_id WHERE m.id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("e-mail {id}")))?;
        mail_row(&r)
    }

    /// The facts an e-mail about an order (and one of its shipments) tells.
    pub async fn mail_facts(
        &self,
        order: i64,
        shipment: Option<i64>,
    ) -> Result<MailFacts, StoreError> {
        let r = sqlx::query(
            "SELECT o.order_number, o.customer_name, cu.email, o.currency, o.grand_total, c.name FROM orders o \
             JOIN connections c ON c.id = o.connection_id LEFT JOIN customers cu ON cu.id = o.customer_id WHERE o.id = $1",
        )
        .bind(order)
        .fetch_optional(self.pool())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("order {order}")))?;
        let mut f = MailFacts {
            order_number: r.try_get(0)?,
            customer_name: r.try_get(1)?,
            email: r.try_get(2)?,
            currency: r.try_get(3)?,
            grand_total: r.try_get(4)?,
            channel: r.try_get(5)?,
            ..MailFacts::default()
        };
        let (lines_sql, bind) = match shipment {
            // A shipment's e-mail lists what is in the parcel.
            Some(s) => (
                "SELECT COALESCE(l.title, p.title), sl.quantity FROM shipment_lines sl JOIN shipments s ON s.id = sl.shipment_id \
                 JOIN order_lines l ON l.order_id = s.order_id AND l.line_no = sl.line_no JOIN products p ON p.id = l.product_id \
                 WHERE sl.shipment_id = $1 ORDER BY sl.line_no",
                s,
            ),
            None => (
                "SELECT COALESCE(l.title, p.title), l.quantity FROM order_lines l JOIN products p ON p.id = l.product_id \
                 WHERE l.order_id = $1 ORDER BY l.line_no",
                order,
            ),
        };
        f.lines = sqlx::query_as(lines_sql)
            .bind(bind)
            .fetch_all(self.pool())
            .await?;
        if let Some(s) = shipment {
            let row: Option<(String, Option<String>, Option<String>)> = sqlx::query_as(
                "SELECT carrier, tracking_number, tracking_status FROM shipments WHERE id = $1",
            )
            .bind(s)
            .fetch_optional(self.pool())
            .await?;
            if let Some((c, t, st)) = row {
                f.carrier = Some(c);
                f.tracking_number = t;
                f.tracking_status = st;
            }
        }
        Ok(f)
    }

    /// Records a sent e-mail and puts it on the order's timeline.
    pub async fn mail_sent(
        &self,
        id: i64,
        message_id: &str,
        subject: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = begin_write(self).await?;
        let r: Option<(i64, String, String)> = sqlx::query_as(
            "UPDATE mail_outbox SET status = 'sent', sent_at = $2, message_id = $3, subject = $4, last_error = NULL, \
             attempts = attempts + 1 WHERE id = $1 AND status = 'pending' RETURNING order_id, kind, to_address",
        )
        .bind(id)
        .bind(now)
        .bind(message_id)
        .bind(subject)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((order, kind, to)) = r {
            insert_event(
                &mut tx,
                order,
                EventKind::Email,
                "mail",
                &format!("E-mail sent to {to}: {subject}"),
                Some(&format!("{kind}; {message_id}")),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A failed attempt: tried again at `next` (transient), or left for a person (`next` None).
    pub async fn mail_failed(
        &self,
        id: i64,
        error: &str,
        next: Option<i64>,
    ) -> Result<(), StoreError> {
        let mut tx = begin_write(self).await?;
        let r: Option<(i64, String)> = sqlx::query_as(
            "UPDATE mail_outbox SET attempts = attempts + 1, last_error = $2, \
             status = CASE WHEN $3 IS NULL THEN 'failed' ELSE 'pending' END, next_attempt_at = COALESCE($3, next_attempt_at) \
             WHERE id = $1 AND status = 'pending' RETURNING order_id, to_address",
        )
        .bind(id)
        .bind(error)
        .bind(next)
        .fetch_optional(&mut *tx)
        .await?;
        if let (Some((order, to)), None) = (r, next) {
            insert_event(
                &mut tx,
                order,
                EventKind::Email,
                "mail",
                &format!("E-mail to {to} refused"),
                Some(error),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Sends a failed or dismissed e-mail again, or a sent one once more (a resend).
    pub async fn mail_retry(&self, id: i64, now: i64) -> Result<(), StoreError> {
        let mut tx = begin_write(self).await?;
        let n = sqlx::query(
            "UPDATE mail_outbox SET status = 'pending', next_attempt_at = $2, last_error = NULL WHERE id = $1",
        )
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound(format!("e-mail {id}")));
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn mail_dismiss(&self, id: i64) -> Result<(), StoreError> {
        let mut tx = begin_write(self).await?;
        let n = sqlx::query(
            "UPDATE mail_outbox SET status = 'dismissed' WHERE id = $1 AND status IN ('pending', 'failed')",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound(format!(
                "e-mail {id} waiting or failed"
            )));
        }
        tx.commit().await?;
        Ok(())
    }

    /// Queues an e-mail by hand (resend the shipping e-mail, …), whatever the channel's
    /// switch says; `to` overrides the customer's address. Returns the row.
    pub async fn queue_mail(
        &self,
        order: i64,
        shipment: Option<i64>,
        kind: &str,
        to: Option<&str>,
        now: i64,
    ) -> Result<i64, StoreError> {
        let mut tx = begin_write(self).await?;
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO mail_outbox (order_id, shipment_id, kind, idempotency_key, to_address, lang, status, next_attempt_at, created_at) \
             SELECT o.id, $2, $3, $3 || '-manual-' || o.id || '-' || $5 || '-' || (SELECT COALESCE(MAX(id), 0) + 1 FROM mail_outbox), \
                    COALESCE($4, cu.email), COALESCE((SELECT value FROM settings WHERE key = 'mail.lang'), 'en'), 'pending', $5, $5 \
             FROM orders o LEFT JOIN customers cu ON cu.id = o.customer_id \
             WHERE o.id = $1 AND COALESCE($4, cu.email, '') != '' RETURNING id",
        )
        .bind(order)
        .bind(shipment)
        .bind(kind)
        .bind(to)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let id = id.ok_or_else(|| {
            StoreError::Invalid(format!(
                "order {order} is unknown or its customer has no e-mail address"
            ))
        })?;
        tx.commit().await?;
        Ok(id)
    }

    /// E-mails waiting and refused.
    pub async fn mail_counts(&self) -> Result<(i64, i64), StoreError> {
        Ok(sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM mail_outbox WHERE status = 'pending'), \
                    (SELECT COUNT(*) FROM mail_outbox WHERE status = 'failed')",
        )
        .fetch_one(self.pool())
        .await?)
    }

    /// Whether a connection e-mails its customers from here.
    pub async fn set_email_customers(&self, connection: i64, on: bool) -> Result<(), StoreError> {
        let mut tx = begin_write(self).await?;
        let n = sqlx::query("UPDATE connections SET email_customers = $2 WHERE id = $1")
            .bind(connection)
            .bind(on)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound(format!("connection {connection}")));
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn email_customers(&self) -> Result<Vec<(i64, String, bool)>, StoreError> {
        Ok(
            sqlx::query_as("SELECT id, name, email_customers != 0 FROM connections ORDER BY name")
                .fetch_all(self.pool())
                .await?,
        )
    }
}
