//! The special flows routing starts: buy online, pick up in store (the store's pickup queue:
//! to prepare → ready → picked up), drop-ship and 3PL hand-offs (sent → confirmed → shipped with
//! tracking), and pre-orders (a product's release date).

use crate::inventory::begin_write;
use crate::orders::insert_event;
use crate::pipeline::{order_status, release_reservations, ship_reserved_in};
use crate::{Store, StoreError};
use oms_domain::*;
use sqlx::Row;

/// Open reservations of the order `o` held anywhere but at its pickup store.
pub(crate) const RESERVED_ELSEWHERE: &str =
    "(SELECT COUNT(*) FROM reservations r WHERE r.order_id = o.id \
     AND r.status = 'open' AND r.location_id <> o.pickup_location_id)";

/// Where a pickup order stands: its stored queue state, else to prepare once every unit is
/// reserved at the store, else waiting.
pub(crate) fn pickup_state(
    stored: Option<&str>,
    status: OrderStatus,
    reserved_elsewhere: i64,
) -> PickupState {
    match stored {
        Some("picked_up") => PickupState::PickedUp,
        Some("ready") => PickupState::Ready,
        _ if status == OrderStatus::Allocated && reserved_elsewhere == 0 => PickupState::ToPrepare,
        _ => PickupState::Waiting,
    }
}

const HANDOFF_COLUMNS: &str = "h.id, h.order_id, o.order_number, h.location_id, l.name, h.kind, h.status, h.document, h.created_at, \
     h.sent_at, h.confirmed_at, h.supplier_ref, h.carrier, h.tracking_number";

fn handoff_of(r: &sqlx::sqlite::SqliteRow) -> Result<HandoffView, StoreError> {
    let document: String = r.try_get(7)?;
    let units = serde_json::from_str::<serde_json::Value>(&document)
        .ok()
        .and_then(|v| {
            v.get("lines").and_then(|l| l.as_array()).map(|ls| {
                ls.iter()
                    .filter_map(|l| l.get("quantity").and_then(serde_json::Value::as_i64))
                    .sum()
            })
        })
        .unwrap_or(0);
    Ok(HandoffView {
        id: r.try_get(0)?,
        order_id: r.try_get(1)?,
        order_number: r.try_get(2)?,
        location_id: r.try_get(3)?,
        location_name: r.try_get(4)?,
        kind: r.try_get(5)?,
        status: r.try_get(6)?,
        document,
        created_at: r.try_get(8)?,
        sent_at: r.try_get(9)?,
        confirmed_at: r.try_get(10)?,
        supplier_ref: r.try_get(11)?,
        carrier: r.try_get(12)?,
        tracking_number: r.try_get(13)?,
        units,
    })
}

impl Store {
    /// Makes an open, unshipped order a pickup order at `location` (None: shipped to the
    /// customer again). Its reservations are given back; the caller processes the order next,
    /// which places it under the new delivery.
    pub async fn set_pickup_location(
        &self,
        id: OrderId,
        location: Option<i64>,
        actor: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = begin_write(self).await?;
        let status = order_status(&mut tx, id.get())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("order {id}")))?;
        if !status.is_processable() || status == OrderStatus::PartiallyShipped {
            return Err(StoreError::Conflict(format!(
                "order {id} is {status}: only open orders that have not shipped can change how they are delivered"
            )));
        }
        let name: Option<String> = match location {
            Some(l) => Some(
                sqlx::query_scalar("SELECT name FROM locations WHERE id = $1")
                    .bind(l)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("location {l}")))?,
            ),
            None => None,
        };
        sqlx::query("UPDATE orders SET pickup_location_id = $2, pickup_state = NULL, pickup_at = NULL WHERE id = $1")
            .bind(id.get())
            .bind(location)
            .execute(&mut *tx)
            .await?;
        let units = release_reservations(&mut tx, id.get(), actor, "delivery changed", now).await?;
        let summary = match &name {
            Some(n) => format!("To be picked up at {n}"),
            None => "To be shipped (no longer picked up)".to_owned(),
        };
        insert_event(
            &mut tx,
            id.get(),
            EventKind::Edited,
            actor,
            &summary,
            Some(&format!(
                "{units} reserved units given back to be placed again"
            )),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The store's pickup queue: its open pickup orders and those picked up in the last 7 days,
    /// waiting ones first, then oldest first.
    pub async fn pickup_queue(
        &self,
        location: i64,
        now: i64,
    ) -> Result<Vec<PickupRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT o.id, o.order_number, o.customer_name, cu.email, o.phone, o.status, o.pickup_state, o.placed_at, o.pickup_at, \
             (SELECT COALESCE(SUM(l.quantity - l.cancelled), 0) FROM order_lines l WHERE l.order_id = o.id), \
             {RESERVED_ELSEWHERE} FROM orders o LEFT JOIN customers cu ON cu.id = o.customer_id \
             WHERE o.pickup_location_id = $1 AND (o.status IN ('pending', 'on_hold', 'ready', 'backordered', 'allocated') \
               OR (o.pickup_state = 'picked_up' AND o.pickup_at >= $2)) \
             ORDER BY o.placed_at LIMIT 2000"
        ))
        .bind(location)
        .bind(now - 7 * 86_400_000)
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let status = crate::pipeline::parse_status(&r.try_get::<String, _>(5)?)?;
            let stored: Option<String> = r.try_get(6)?;
            let state = pickup_state(stored.as_deref(), status, r.try_get(10)?);
            out.push(PickupRow {
                order_id: r.try_get(0)?,
                order_number: r.try_get(1)?,
                customer_name: r.try_get(2)?,
                email: r.try_get(3)?,
                phone: r.try_get(4)?,
                status,
                state,
                placed_at: r.try_get(7)?,
                since: r.try_get(8)?,
                units: r.try_get(9)?,
            });
        }
        let rank = |s: PickupState| match s {
            PickupState::ToPrepare => 0,
            PickupState::Ready => 1,
            PickupState::Waiting => 2,
            PickupState::PickedUp => 3,
        };
        out.sort_by_key(|r| (rank(r.state), r.placed_at));
        Ok(out)
    }

    /// The order is set aside at its store: every open unit must be reserved there.
    pub async fn mark_ready_for_pickup(
        &self,
        id: OrderId,
        actor: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = begin_write(self).await?;
        let row = sqlx::query(&format!(
            "SELECT o.status, o.pickup_location_id, o.pickup_state, l.name, {RESERVED_ELSEWHERE} \
             FROM orders o LEFT JOIN locations l ON l.id = o.pickup_location_id WHERE o.id = $1"
        ))
        .bind(id.get())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("order {id}")))?;
        let status = crate::pipeline::parse_status(&row.try_get::<String, _>(0)?)?;
        let Some(_) = row.try_get::<Option<i64>, _>(1)? else {
            return Err(StoreError::Conflict(format!(
                "order {id} is not a pickup order"
            )));
        };
        if row.try_get::<Option<String>, _>(2)?.is_some() {
            return Err(StoreError::Conflict(format!(
                "order {id} is already ready or picked up"
            )));
        }
        if status != OrderStatus::Allocated || row.try_get::<i64, _>(4)? > 0 {
            return Err(StoreError::Conflict(format!(
                "order {id} is {status}: it can be ready for pickup once every unit is reserved at the store"
            )));
        }
        let store: String = row.try_get::<Option<String>, _>(3)?.unwrap_or_default();
        sqlx::query("UPDATE orders SET pickup_state = 'ready', pickup_at = $2 WHERE id = $1")
            .bind(id.get())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        insert_event(
            &mut tx,
            id.get(),
            EventKind::StatusChanged,
            actor,
            &format!("Ready for pickup at {store}"),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The customer collected the order: its units leave the store's stock (shipment
    /// movements) and the order is delivered.
    pub async fn mark_picked_up(
        &self,
        id: OrderId,
        actor: &str,
        now: i64,
    ) -> Result<i64, StoreError> {
        let mut tx = begin_write(self).await?;
        let state: Option<Option<String>> =
            sqlx::query_scalar("SELECT pickup_state FROM orders WHERE id = $1")
                .bind(id.get())
                .fetch_optional(&mut *tx)
                .await?;
        match state {
            None => return Err(StoreError::NotFound(format!("order {id}"))),
            Some(Some(s)) if s == "ready" => {}
            Some(_) => {
                return Err(StoreError::Conflict(format!(
                    "order {id} is not ready for pickup: mark it ready first"
                )))
            }
        }
        let (units, to) = ship_reserved_in(&mut tx, id, None, None, actor, now).await?;
        if to != OrderStatus::Shipped {
            return Err(StoreError::Conflict(format!(
                "order {id} has units still to come: it cannot be picked up in part"
            )));
        }
        sqlx::query("UPDATE orders SET status = 'delivered', pickup_state = 'picked_up', pickup_at = $2 WHERE id = $1")
            .bind(id.get())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        insert_event(
            &mut tx,
            id.get(),
            EventKind::StatusChanged,
            actor,
            "Picked up by the customer",
            Some(&format!("{units} units handed over")),
        )
        .await?;
        tx.commit().await?;
        Ok(units)
    }

    /// Hand-offs by status (none: the open ones — pending, sent, confirmed), oldest first.
    pub async fn handoffs(
        &self,
        status: Option<&str>,
        limit: u32,
    ) -> Result<Vec<HandoffView>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {HANDOFF_COLUMNS} FROM handoffs h JOIN orders o ON o.id = h.order_id JOIN locations l ON l.id = h.location_id \
             WHERE ($1 IS NULL AND h.status IN ('pending', 'sent', 'confirmed')) OR h.status = $1 ORDER BY h.id LIMIT $2"
        ))
        .bind(status)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(handoff_of).collect()
    }

    pub async fn handoffs_of(&self, order: OrderId) -> Result<Vec<HandoffView>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {HANDOFF_COLUMNS} FROM handoffs h JOIN orders o ON o.id = h.order_id JOIN locations l ON l.id = h.location_id \
             WHERE h.order_id = $1 ORDER BY h.id"
        ))
        .bind(order.get())
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(handoff_of).collect()
    }

    async fn handoff_in(
        tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
        id: i64,
    ) -> Result<HandoffView, StoreError> {
        let r = sqlx::query(&format!(
            "SELECT {HANDOFF_COLUMNS} FROM handoffs h JOIN orders o ON o.id = h.order_id JOIN locations l ON l.id = h.location_id WHERE h.id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("hand-off {id}")))?;
        handoff_of(&r)
    }

    /// Records that the hand-offs were written out (sent to the supplier).
    pub async fn mark_handoffs_sent(
        &self,
        ids: &[i64],
        actor: &str,
        now: i64,
    ) -> Result<u64, StoreError> {
        let mut tx = begin_write(self).await?;
        let mut n = 0;
        for &id in ids {
            let h = Self::handoff_in(&mut tx, id).await?;
            if h.status != "pending" {
                continue;
            }
            sqlx::query("UPDATE handoffs SET status = 'sent', sent_at = $2 WHERE id = $1")
                .bind(id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            insert_event(
                &mut tx,
                h.order_id,
                EventKind::Routed,
                actor,
                &format!("Hand-off HO-{id} sent to {}", h.location_name),
                None,
            )
            .await?;
            n += 1;
        }
        tx.commit().await?;
        Ok(n)
    }

    /// The supplier confirmed the request (with its own reference).
    pub async fn confirm_handoff(
        &self,
        id: i64,
        supplier_ref: Option<&str>,
        actor: &str,
        now: i64,
    ) -> Result<HandoffView, StoreError> {
        let mut tx = begin_write(self).await?;
        let h = Self::handoff_in(&mut tx, id).await?;
        if !matches!(h.status.as_str(), "pending" | "sent") {
            return Err(StoreError::Conflict(format!(
                "hand-off HO-{id} is {}: only a pending or sent one can be confirmed",
                h.status
            )));
        }
        sqlx::query("UPDATE handoffs SET status = 'confirmed', confirmed_at = $2, supplier_ref = $3, sent_at = COALESCE(sent_at, $2) WHERE id = $1")
            .bind(id)
            .bind(now)
            .bind(supplier_ref)
            .execute(&mut *tx)
            .await?;
        insert_event(
            &mut tx,
            h.order_id,
            EventKind::Routed,
            actor,
            &format!("{} confirmed hand-off HO-{id}", h.location_name),
            supplier_ref
                .map(|r| format!("their reference: {r}"))
                .as_deref(),
        )
        .await?;
        let out = Self::handoff_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// The supplier shipped: the units reserved at its location ship with the tracking number.
    pub async fn ship_handoff(
        &self,
        id: i64,
        carrier: &str,
        tracking: &str,
        actor: &str,
        now: i64,
    ) -> Result<HandoffView, StoreError> {
        let mut tx = begin_write(self).await?;
        let h = Self::handoff_in(&mut tx, id).await?;
        if !matches!(h.status.as_str(), "pending" | "sent" | "confirmed") {
            return Err(StoreError::Conflict(format!(
                "hand-off HO-{id} is {}",
                h.status
            )));
        }
        ship_reserved_in(
            &mut tx,
            OrderId::new(h.order_id).map_err(|e| StoreError::Invalid(e.to_string()))?,
            Some(h.location_id),
            Some((carrier, tracking)),
            actor,
            now,
        )
        .await?;
        sqlx::query("UPDATE handoffs SET status = 'shipped', carrier = $2, tracking_number = $3, closed_at = $4, confirmed_at = COALESCE(confirmed_at, $4) WHERE id = $1")
            .bind(id)
            .bind(carrier)
            .bind(tracking)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let out = Self::handoff_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Sets or clears a product's release date (a pre-order until then).
    pub async fn set_release(&self, sku: &str, release_at: Option<i64>) -> Result<(), StoreError> {
        let n = sqlx::query("UPDATE products SET release_at = $2 WHERE sku = $1")
            .bind(sku)
            .bind(release_at)
            .execute(&self.writer)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound(format!("product {sku}")));
        }
        Ok(())
    }

    /// Ends the pre-orders whose release date has come: returns the open orders with a
    /// backordered line of such a product and clears the date (they are ordinary products
    /// now, so later runs do not look at them again). The caller places the orders.
    pub async fn take_released_preorders(&self, now: i64) -> Result<Vec<i64>, StoreError> {
        let mut tx = begin_write(self).await?;
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT DISTINCT l.order_id FROM products p JOIN order_lines l ON l.product_id = p.id \
             JOIN orders o ON o.id = l.order_id \
             WHERE p.release_at IS NOT NULL AND p.release_at <= $1 AND l.backordered > 0 \
             AND o.status IN ('backordered', 'allocated', 'ready') ORDER BY l.order_id LIMIT 100000",
        )
        .bind(now)
        .fetch_all(&mut *tx)
        .await?;
        sqlx::query("UPDATE products SET release_at = NULL WHERE release_at IS NOT NULL AND release_at <= $1")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(ids)
    }

    /// The currency of the shipping rates (one for the whole table), if there are any.
    pub async fn rate_currency(&self) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT currency FROM shipping_rates LIMIT 1")
                .fetch_optional(self.pool())
                .await?,
        )
    }
}
