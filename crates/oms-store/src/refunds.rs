//! Refunds (issue 7): what an order can still give back, recording a refund inside the limit
//! (checked again in the writing transaction, so two refunds at once cannot pass it together),
//! approval above an amount, and the order's payment status.

use crate::inventory::begin_write;
use crate::orders::insert_event;
use crate::outbox::CHANNEL_SKU;
use crate::{Store, StoreError};
use oms_domain::refund_views::{
    check_refund, RefundInput, RefundLineView, RefundView, Refundable, RefundableLine,
};
use oms_domain::EventKind;
use sqlx::{Row, Sqlite, Transaction};

/// Refunds that count against the payment: all but failed ones.
const COUNTING: &str = "status != 'failed'";

async fn refundable_in(
    c: &mut sqlx::SqliteConnection,
    order: i64,
    approval_above: Option<i64>,
) -> Result<Refundable, StoreError> {
    let r = sqlx::query(&format!(
        "SELECT o.currency, COALESCE(o.paid_amount, o.grand_total), o.payment_status, o.shipping_total, \
                (SELECT COALESCE(SUM(amount), 0) FROM refunds WHERE order_id = o.id AND {COUNTING}), \
                (SELECT COALESCE(SUM(shipping), 0) FROM refunds WHERE order_id = o.id AND {COUNTING}) \
         FROM orders o WHERE o.id = $1"
    ))
    .bind(order)
    .fetch_optional(&mut *c)
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("order {order}")))?;
    let status: String = r.try_get(2)?;
    let paid: i64 = match status.as_str() {
        "paid" | "partially_refunded" | "refunded" => r.try_get(1)?,
        _ => 0,
    };
    let refunded: i64 = r.try_get(4)?;
    let lines = sqlx::query(&format!(
        "SELECT l.line_no, p.sku, COALESCE(l.title, p.title), l.unit_price, l.quantity, \
                (SELECT COALESCE(SUM(rl.quantity), 0) FROM refund_lines rl JOIN refunds f ON f.id = rl.refund_id \
                 WHERE f.order_id = l.order_id AND rl.line_no = l.line_no AND f.{COUNTING}) \
         FROM order_lines l JOIN products p ON p.id = l.product_id WHERE l.order_id = $1 ORDER BY l.line_no"
    ))
    .bind(order)
    .fetch_all(&mut *c)
    .await?
    .iter()
    .map(|l| {
        Ok(RefundableLine {
            line_no: l.try_get(0)?,
            sku: l.try_get(1)?,
            title: l.try_get(2)?,
            unit_price: l.try_get(3)?,
            quantity: l.try_get(4)?,
            refunded: l.try_get(5)?,
        })
    })
    .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(Refundable {
        order_id: order,
        currency: r.try_get(0)?,
        paid,
        refunded,
        left: (paid - refunded).max(0),
        shipping_total: r.try_get(3)?,
        shipping_refunded: r.try_get(5)?,
        lines,
        approval_above,
    })
}

/// The payment status after refunds of `refunded` out of `paid`.
async fn set_payment_status(
    tx: &mut Transaction<'_, Sqlite>,
    order: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE orders SET payment_status = CASE \
           WHEN (SELECT COALESCE(SUM(amount), 0) FROM refunds WHERE order_id = $1 AND status IN ('approved', 'sent', 'confirmed')) >= COALESCE(paid_amount, grand_total) THEN 'refunded' \
           WHEN (SELECT COALESCE(SUM(amount), 0) FROM refunds WHERE order_id = $1 AND status IN ('approved', 'sent', 'confirmed')) > 0 THEN 'partially_refunded' \
           ELSE payment_status END \
         WHERE id = $1 AND payment_status IN ('paid', 'partially_refunded', 'refunded')",
    )
    .bind(order)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Tells the order's shop about an approved refund (inside the approving transaction).
async fn enqueue_refund(
    tx: &mut Transaction<'_, Sqlite>,
    refund: i64,
    order: i64,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT OR IGNORE INTO outbox (connection_id, order_id, kind, idempotency_key, payload, status, next_attempt_at, created_at) \
         SELECT o.connection_id, o.id, 'refund', 'refund-' || $1, \
                json_object('external_id', o.external_id, 'refund_id', $1, 'amount', f.amount, 'currency', f.currency), 'pending', $3, $3 \
         FROM orders o JOIN connections c ON c.id = o.connection_id JOIN refunds f ON f.id = $1 \
         WHERE o.id = $2 AND c.kind IN ('shopify', 'woocommerce') AND c.push_fulfilments = 1 \
           AND COALESCE(c.base_url, '') != ''",
    )
    .bind(refund)
    .bind(order)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// A refund's lines by the channel's SKU for `connection_id`: (SKU, units, amount).
    pub async fn refund_channel_lines(
        &self,
        refund: i64,
        connection_id: i64,
    ) -> Result<Vec<(String, i64, i64)>, StoreError> {
        Ok(sqlx::query_as(
            &format!("SELECT {CHANNEL_SKU}, rl.quantity, rl.amount \
             FROM refund_lines rl JOIN refunds f ON f.id = rl.refund_id \
             JOIN order_lines l ON l.order_id = f.order_id AND l.line_no = rl.line_no JOIN products p ON p.id = l.product_id \
             WHERE rl.refund_id = $1 ORDER BY rl.line_no"),
        )
        .bind(refund)
        .bind(connection_id)
        .fetch_all(self.pool())
        .await?)
    }

    pub async fn refundable(
        &self,
        order: i64,
        approval_above: Option<i64>,
    ) -> Result<Refundable, StoreError> {
        let mut c = self.pool().acquire().await?;
        refundable_in(&mut c, order, approval_above).await
    }

    /// Records a refund after checking it, in the writing transaction, against what the order
    /// can still give back. Above `approval_above` it waits for approval; otherwise it is
    /// approved and the payment status follows.
    pub async fn create_refund(
        &self,
        input: &RefundInput,
        approval_above: Option<i64>,
        actor: &str,
        now: i64,
    ) -> Result<RefundView, StoreError> {
        let mut tx = begin_write(self).await?;
        let r = refundable_in(&mut tx, input.order_id, approval_above).await?;
        let amount = check_refund(&r, input).map_err(|e| StoreError::Invalid(e.to_string()))?;
        if let Some(rid) = input.return_id {
            let of: Option<i64> = sqlx::query_scalar("SELECT order_id FROM returns WHERE id = $1")
                .bind(rid)
                .fetch_optional(&mut *tx)
                .await?;
            if of != Some(input.order_id) {
                return Err(StoreError::Invalid(format!(
                    "return {rid}: not a return of order {}",
                    input.order_id
                )));
            }
        }
        let needs_approval = approval_above.is_some_and(|a| amount > a);
        let status = if needs_approval {
            "pending_approval"
        } else {
            "approved"
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO refunds (order_id, amount, currency, reason, status, created_at, shipping, extra, created_by, approved_by, decided_at, return_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        )
        .bind(input.order_id)
        .bind(amount)
        .bind(&r.currency)
        .bind(input.reason.trim())
        .bind(status)
        .bind(now)
        .bind(input.shipping)
        .bind(input.extra)
        .bind(actor)
        .bind((!needs_approval).then_some(actor))
        .bind((!needs_approval).then_some(now))
        .bind(input.return_id)
        .fetch_one(&mut *tx)
        .await?;
        let mut per_line = std::collections::BTreeMap::<i64, i64>::new();
        for l in &input.lines {
            *per_line.entry(l.line_no).or_default() += l.quantity;
        }
        for (line_no, q) in &per_line {
            let unit = r
                .lines
                .iter()
                .find(|x| x.line_no == *line_no)
                .map_or(0, |x| x.unit_price);
            sqlx::query("INSERT INTO refund_lines (refund_id, line_no, quantity, amount) VALUES ($1, $2, $3, $4)")
                .bind(id)
                .bind(line_no)
                .bind(q)
                .bind(unit * q)
                .execute(&mut *tx)
                .await?;
        }
        if !needs_approval {
            set_payment_status(&mut tx, input.order_id).await?;
            enqueue_refund(&mut tx, id, input.order_id, now).await?;
        }
        insert_event(
            &mut tx,
            input.order_id,
            EventKind::Refunded,
            actor,
            &if needs_approval {
                format!(
                    "Refund of {amount} {} asked for: waits for approval",
                    r.currency
                )
            } else {
                format!("Refund of {amount} {} approved", r.currency)
            },
            Some(input.reason.trim()),
        )
        .await?;
        tx.commit().await?;
        self.refund(id).await
    }

    /// Approves (or declines) a refund waiting for approval.
    pub async fn decide_refund(
        &self,
        id: i64,
        approve: bool,
        actor: &str,
        now: i64,
    ) -> Result<RefundView, StoreError> {
        let mut tx = begin_write(self).await?;
        let r: Option<(i64, i64, String)> = sqlx::query_as(
            "UPDATE refunds SET status = $2, approved_by = $3, decided_at = $4 WHERE id = $1 AND status = 'pending_approval' \
             RETURNING order_id, amount, currency",
        )
        .bind(id)
        .bind(if approve { "approved" } else { "failed" })
        .bind(actor)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let (order, amount, currency) =
            r.ok_or_else(|| StoreError::NotFound(format!("refund {id} waiting for approval")))?;
        if approve {
            set_payment_status(&mut tx, order).await?;
            enqueue_refund(&mut tx, id, order, now).await?;
        }
        insert_event(
            &mut tx,
            order,
            EventKind::Refunded,
            actor,
            &format!(
                "Refund of {amount} {currency} {}",
                if approve { "approved" } else { "declined" }
            ),
            None,
        )
        .await?;
        tx.commit().await?;
        self.refund(id).await
    }

    pub async fn refund(&self, id: i64) -> Result<RefundView, StoreError> {
        let r = sqlx::query(
            "SELECT id, order_id, amount, currency, reason, status, shipping, extra, created_by, approved_by, channel_refund_id, created_at \
             FROM refunds WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("refund {id}")))?;
        let order: i64 = r.try_get(1)?;
        let lines = sqlx::query(
            "SELECT rl.line_no, p.sku, rl.quantity, rl.amount FROM refund_lines rl \
             JOIN order_lines l ON l.order_id = $2 AND l.line_no = rl.line_no JOIN products p ON p.id = l.product_id \
             WHERE rl.refund_id = $1 ORDER BY rl.line_no",
        )
        .bind(id)
        .bind(order)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|l| {
            Ok(RefundLineView {
                line_no: l.try_get(0)?,
                sku: l.try_get(1)?,
                quantity: l.try_get(2)?,
                amount: l.try_get(3)?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(RefundView {
            id: r.try_get(0)?,
            order_id: order,
            amount: r.try_get(2)?,
            currency: r.try_get(3)?,
            reason: r.try_get(4)?,
            status: r.try_get(5)?,
            shipping: r.try_get(6)?,
            extra: r.try_get(7)?,
            created_by: r.try_get(8)?,
            approved_by: r.try_get(9)?,
            channel_refund_id: r.try_get(10)?,
            created_at: r.try_get(11)?,
            lines,
        })
    }

    /// An order's refunds, oldest first; or every refund waiting for approval.
    pub async fn refunds(&self, order: Option<i64>) -> Result<Vec<RefundView>, StoreError> {
        let ids: Vec<i64> = match order {
            Some(o) => {
                sqlx::query_scalar("SELECT id FROM refunds WHERE order_id = $1 ORDER BY id")
                    .bind(o)
                    .fetch_all(self.pool())
                    .await?
            }
            None => sqlx::query_scalar(
                "SELECT id FROM refunds WHERE status = 'pending_approval' ORDER BY id LIMIT 500",
            )
            .fetch_all(self.pool())
            .await?,
        };
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.refund(id).await?);
        }
        Ok(out)
    }
}
