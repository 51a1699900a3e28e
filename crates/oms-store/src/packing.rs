//! Fulfilment at a location (issue 6): the queue of orders with units reserved there, pick
//! batches and their pick lists, packing slips, packed parcels and shipping them (a packed
//! parcel ships exactly its units: a partial shipment when the order has more).

use crate::inventory::begin_write;
use crate::orders::insert_event;
use crate::pipeline::{ship_units_in, Shipped};
use crate::{Store, StoreError};
use oms_domain::fulfil_views::{
    BatchOrderView, BatchView, FulfilmentQueue, PackingSlip, ParcelLineView, ParcelPreset,
    ParcelView, PickList, PickOrder, PickRow, QueueRow, SlipLine,
};
use oms_domain::{EventKind, OrderId};
use sqlx::{Row, Sqlite, Transaction};

/// A parcel to record: what the packer put in.
#[derive(Debug, Clone)]
pub struct NewParcel<'a> {
    pub order_id: i64,
    pub location_id: i64,
    /// (line number, units)
    pub lines: &'a [(i64, i64)],
    pub preset_id: Option<i64>,
    pub weight_g: Option<i64>,
    pub batch_id: Option<i64>,
}

impl Store {
    /// Orders with units reserved at `location` that still ship, oldest first (higher priority
    /// ahead). `batched`: include those already in an unfinished batch.
    pub async fn fulfilment_queue(
        &self,
        location: i64,
        batched: bool,
        limit: u32,
    ) -> Result<FulfilmentQueue, StoreError> {
        let filter = if batched {
            ""
        } else {
            "AND NOT EXISTS (SELECT 1 FROM batch_orders b WHERE b.order_id = o.id AND b.location_id = $1 AND b.state IN ('waiting', 'packed'))"
        };
        let sql = format!(
            "WITH here AS (SELECT order_id, SUM(quantity) AS units, COUNT(DISTINCT line_no) AS lines \
                           FROM reservations WHERE location_id = $1 AND status = 'open' GROUP BY order_id) \
             SELECT o.id, o.order_number, o.customer_name, o.ship_country, o.placed_at, o.priority, h.units, h.lines, o.status, \
                    (SELECT b.batch_id FROM batch_orders b WHERE b.order_id = o.id AND b.location_id = $1 AND b.state IN ('waiting', 'packed')), \
                    (SELECT p.id FROM parcels p WHERE p.order_id = o.id AND p.location_id = $1 AND p.status = 'packed') \
             FROM here h JOIN orders o ON o.id = h.order_id \
             WHERE o.status IN ('allocated', 'partially_shipped', 'backordered') {filter} \
             ORDER BY o.priority DESC, o.placed_at, o.id LIMIT $2"
        );
        let rows = sqlx::query(&sql)
            .bind(location)
            .bind(i64::from(limit))
            .fetch_all(self.pool())
            .await?;
        let rows = rows
            .iter()
            .map(|r| {
                Ok(QueueRow {
                    order_id: r.try_get(0)?,
                    order_number: r.try_get(1)?,
                    customer: r.try_get(2)?,
                    country: r.try_get(3)?,
                    placed_at: r.try_get(4)?,
                    priority: r.try_get::<Option<i32>, _>(5)?.filter(|p| *p != 0),
                    units: r.try_get(6)?,
                    lines: r.try_get(7)?,
                    status: r.try_get(8)?,
                    batch_id: r.try_get(9)?,
                    parcel_id: r.try_get(10)?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let total: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM (SELECT DISTINCT r.order_id FROM reservations r JOIN orders o ON o.id = r.order_id \
             WHERE r.location_id = $1 AND r.status = 'open' AND o.status IN ('allocated', 'partially_shipped', 'backordered') {filter})"
        ))
        .bind(location)
        .fetch_one(self.pool())
        .await?;
        Ok(FulfilmentQueue {
            location_id: location,
            rows,
            total,
        })
    }

    /// Makes a pick batch of orders with units reserved at `location`. An order without units
    /// there, or already in an unfinished batch, is refused by number.
    pub async fn create_batch(
        &self,
        location: i64,
        orders: &[i64],
        actor: &str,
        now: i64,
    ) -> Result<i64, StoreError> {
        if orders.is_empty() {
            return Err(StoreError::Invalid(
                "a batch needs at least one order".into(),
            ));
        }
        let mut tx = begin_write(self).await?;
        let location_name: String = sqlx::query_scalar("SELECT name FROM locations WHERE id = $1")
            .bind(location)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("location {location}")))?;
        let next: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM pick_batches")
            .fetch_one(&mut *tx)
            .await?;
        let name = format!("B{next} {location_name}");
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO pick_batches (location_id, name, status, actor, created_at) VALUES ($1, $2, 'open', $3, $4) RETURNING id",
        )
        .bind(location)
        .bind(&name)
        .bind(actor)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        for (pos, &order) in orders.iter().enumerate() {
            let (number, here, busy): (Option<String>, i64, Option<i64>) = sqlx::query_as(
                "SELECT (SELECT order_number FROM orders WHERE id = $1), \
                 (SELECT COALESCE(SUM(quantity), 0) FROM reservations WHERE order_id = $1 AND location_id = $2 AND status = 'open'), \
                 (SELECT batch_id FROM batch_orders WHERE order_id = $1 AND location_id = $2 AND state IN ('waiting', 'packed'))",
            )
            .bind(order)
            .bind(location)
            .fetch_one(&mut *tx)
            .await?;
            let number = number.ok_or_else(|| StoreError::NotFound(format!("order {order}")))?;
            if here == 0 {
                return Err(StoreError::Conflict(format!(
                    "order {number} has nothing reserved at this location"
                )));
            }
            if let Some(b) = busy {
                return Err(StoreError::Conflict(format!(
                    "order {number} is already in batch {b}"
                )));
            }
            sqlx::query(
                "INSERT INTO batch_orders (batch_id, order_id, location_id, position, state) VALUES ($1, $2, $4, $3, 'waiting')",
            )
            .bind(id)
            .bind(order)
            .bind(i64::try_from(pos).unwrap_or(i64::MAX))
            .bind(location)
            .execute(&mut *tx)
            .await?;
            insert_event(
                &mut tx,
                order,
                EventKind::Packed,
                actor,
                &format!("Added to pick batch {name}"),
                None,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Batches, newest first: unfinished ones of a location, or all of them.
    pub async fn batches(
        &self,
        location: Option<i64>,
        open_only: bool,
    ) -> Result<Vec<BatchView>, StoreError> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM pick_batches WHERE ($1 IS NULL OR location_id = $1) AND ($2 = 0 OR status = 'open') \
             ORDER BY id DESC LIMIT 200",
        )
        .bind(location)
        .bind(i64::from(open_only))
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.batch(id).await?);
        }
        Ok(out)
    }

    pub async fn batch(&self, id: i64) -> Result<BatchView, StoreError> {
        let r = sqlx::query(
            "SELECT b.id, b.name, b.location_id, l.name, b.status, b.actor, b.created_at \
             FROM pick_batches b JOIN locations l ON l.id = b.location_id WHERE b.id = $1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("batch {id}")))?;
        let location: i64 = r.try_get(2)?;
        let orders = sqlx::query(
            "SELECT o.id, o.order_number, b.state, \
             (SELECT COALESCE(SUM(quantity), 0) FROM reservations WHERE order_id = o.id AND location_id = $2 AND status = 'open') \
             FROM batch_orders b JOIN orders o ON o.id = b.order_id WHERE b.batch_id = $1 ORDER BY b.position",
        )
        .bind(id)
        .bind(location)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|o| {
            Ok(BatchOrderView {
                order_id: o.try_get(0)?,
                order_number: o.try_get(1)?,
                state: o.try_get(2)?,
                units: o.try_get(3)?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(BatchView {
            id: r.try_get(0)?,
            name: r.try_get(1)?,
            location_id: location,
            location: r.try_get(3)?,
            status: r.try_get(4)?,
            actor: r.try_get(5)?,
            created_at: r.try_get(6)?,
            orders,
        })
    }

    /// Takes an order out of an unfinished batch (it goes back to the queue).
    pub async fn remove_from_batch(
        &self,
        batch: i64,
        order: i64,
        actor: &str,
    ) -> Result<(), StoreError> {
        let mut tx = begin_write(self).await?;
        let n = sqlx::query(
            "UPDATE batch_orders SET state = 'removed' WHERE batch_id = $1 AND order_id = $2 AND state IN ('waiting', 'packed')",
        )
        .bind(batch)
        .bind(order)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound(format!(
                "order {order} in an unfinished batch {batch}"
            )));
        }
        insert_event(
            &mut tx,
            order,
            EventKind::Packed,
            actor,
            &format!("Taken out of pick batch {batch}"),
            None,
        )
        .await?;
        finish_batch_if_done(&mut tx, batch, crate::now_ms()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Closes a batch by hand; orders not shipped go back to the queue.
    pub async fn close_batch(&self, batch: i64, now: i64) -> Result<(), StoreError> {
        let mut tx = begin_write(self).await?;
        sqlx::query(
            "UPDATE batch_orders SET state = 'removed' WHERE batch_id = $1 AND state IN ('waiting', 'packed')",
        )
        .bind(batch)
        .execute(&mut *tx)
        .await?;
        let n = sqlx::query(
            "UPDATE pick_batches SET status = 'done', closed_at = $2 WHERE id = $1 AND status = 'open'",
        )
        .bind(batch)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound(format!("open batch {batch}")));
        }
        tx.commit().await?;
        Ok(())
    }

    /// The pick list of a batch: per product its bin and units, and for which orders.
    pub async fn pick_list(&self, batch: i64) -> Result<PickList, StoreError> {
        let b = self.batch(batch).await?;
        let rows = sqlx::query(
            "SELECT il.bin, p.sku, p.gtin, p.title, o.order_number, SUM(r.quantity) \
             FROM batch_orders bo JOIN reservations r ON r.order_id = bo.order_id AND r.status = 'open' AND r.location_id = $2 \
             JOIN products p ON p.id = r.product_id JOIN orders o ON o.id = bo.order_id \
             LEFT JOIN inventory_levels il ON il.product_id = p.id AND il.location_id = $2 \
             WHERE bo.batch_id = $1 AND bo.state = 'waiting' \
             GROUP BY p.id, bo.order_id ORDER BY il.bin IS NULL, il.bin, p.sku, bo.position",
        )
        .bind(batch)
        .bind(b.location_id)
        .fetch_all(self.pool())
        .await?;
        let mut out: Vec<PickRow> = Vec::new();
        let mut units = 0;
        for r in &rows {
            let sku: String = r.try_get(1)?;
            let q: i64 = r.try_get(5)?;
            units += q;
            let order = PickOrder {
                order_number: r.try_get(4)?,
                quantity: q,
            };
            match out.last_mut() {
                Some(last) if last.sku == sku => {
                    last.quantity += q;
                    last.orders.push(order);
                }
                _ => out.push(PickRow {
                    bin: r.try_get(0)?,
                    sku,
                    gtin: r.try_get(2)?,
                    title: r.try_get(3)?,
                    quantity: q,
                    orders: vec![order],
                }),
            }
        }
        Ok(PickList {
            batch_id: batch,
            batch: b.name,
            location: b.location,
            rows: out,
            units,
        })
    }

    /// The packing slip of an order at a location: its units reserved there.
    pub async fn packing_slip(
        &self,
        order: OrderId,
        location: i64,
    ) -> Result<PackingSlip, StoreError> {
        let d = self.get_order(order).await?;
        let location_name: String = sqlx::query_scalar("SELECT name FROM locations WHERE id = $1")
            .bind(location)
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("location {location}")))?;
        let rows = sqlx::query(
            "SELECT r.line_no, p.sku, p.gtin, COALESCE(l.title, p.title), il.bin, SUM(r.quantity), l.quantity, p.weight_g \
             FROM reservations r JOIN order_lines l ON l.order_id = r.order_id AND l.line_no = r.line_no \
             JOIN products p ON p.id = r.product_id \
             LEFT JOIN inventory_levels il ON il.product_id = p.id AND il.location_id = r.location_id \
             WHERE r.order_id = $1 AND r.location_id = $2 AND r.status = 'open' GROUP BY r.line_no ORDER BY r.line_no",
        )
        .bind(order.get())
        .bind(location)
        .fetch_all(self.pool())
        .await?;
        let lines = rows
            .iter()
            .map(|r| {
                Ok(SlipLine {
                    line_no: r.try_get(0)?,
                    sku: r.try_get(1)?,
                    gtin: r.try_get(2)?,
                    title: r.try_get(3)?,
                    bin: r.try_get(4)?,
                    quantity: r.try_get(5)?,
                    ordered: r.try_get(6)?,
                    weight_g: r.try_get(7)?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let packed = self.packed_parcel(order.get(), location).await?;
        Ok(PackingSlip {
            order_id: order.get(),
            order_number: d.order.order_number.clone(),
            placed_at: d.order.placed_at,
            channel: d.order.connection_name.clone(),
            customer: Some(d.order.customer_name.clone()).filter(|c| !c.is_empty()),
            email: d.order.email.clone(),
            ship_to: d.ship_to.clone(),
            location_id: location,
            location: location_name,
            lines,
            packed,
        })
    }

    /// Records a packed parcel. Every line must be reserved here with at least the units
    /// packed; an order has one packed parcel per location at a time.
    pub async fn pack_parcel(
        &self,
        p: &NewParcel<'_>,
        actor: &str,
        now: i64,
    ) -> Result<ParcelView, StoreError> {
        if p.lines.is_empty() {
            return Err(StoreError::Invalid("nothing was packed".into()));
        }
        let mut tx = begin_write(self).await?;
        let packed: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM parcels WHERE order_id = $1 AND location_id = $2 AND status = 'packed'",
        )
        .bind(p.order_id)
        .bind(p.location_id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(id) = packed {
            return Err(StoreError::Conflict(format!(
                "order {} already has parcel {id} packed here: ship or unpack it first",
                p.order_id
            )));
        }
        let mut units = 0;
        for &(line, q) in p.lines {
            let here: i64 = sqlx::query_scalar(
                "SELECT COALESCE(SUM(quantity), 0) FROM reservations WHERE order_id = $1 AND line_no = $2 AND location_id = $3 AND status = 'open'",
            )
            .bind(p.order_id)
            .bind(line)
            .bind(p.location_id)
            .fetch_one(&mut *tx)
            .await?;
            if q <= 0 || q > here {
                return Err(StoreError::Conflict(format!(
                    "line {line}: {q} units packed but {here} reserved here"
                )));
            }
            units += q;
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO parcels (order_id, location_id, batch_id, preset_id, weight_g, status, actor, created_at) \
             VALUES ($1, $2, $3, $4, $5, 'packed', $6, $7) RETURNING id",
        )
        .bind(p.order_id)
        .bind(p.location_id)
        .bind(p.batch_id)
        .bind(p.preset_id)
        .bind(p.weight_g)
        .bind(actor)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        for &(line, q) in p.lines {
            sqlx::query(
                "INSERT INTO parcel_lines (parcel_id, line_no, quantity) VALUES ($1, $2, $3)",
            )
            .bind(id)
            .bind(line)
            .bind(q)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "UPDATE batch_orders SET state = 'packed' WHERE order_id = $1 AND location_id = $2 AND state = 'waiting'",
        )
        .bind(p.order_id)
        .bind(p.location_id)
        .execute(&mut *tx)
        .await?;
        insert_event(
            &mut tx,
            p.order_id,
            EventKind::Packed,
            actor,
            &format!("Packed {units} units (parcel {id})"),
            None,
        )
        .await?;
        tx.commit().await?;
        self.parcel(id).await
    }

    /// Undoes packing (nothing shipped): the units wait to be packed again.
    pub async fn unpack_parcel(&self, id: i64, actor: &str) -> Result<(), StoreError> {
        let mut tx = begin_write(self).await?;
        let r: Option<(i64, i64)> = sqlx::query_as(
            "UPDATE parcels SET status = 'unpacked' WHERE id = $1 AND status = 'packed' RETURNING order_id, location_id",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let (order, location) =
            r.ok_or_else(|| StoreError::NotFound(format!("packed parcel {id}")))?;
        sqlx::query(
            "UPDATE batch_orders SET state = 'waiting' WHERE order_id = $1 AND location_id = $2 AND state = 'packed'",
        )
        .bind(order)
        .bind(location)
        .execute(&mut *tx)
        .await?;
        insert_event(
            &mut tx,
            order,
            EventKind::Packed,
            actor,
            &format!("Parcel {id} unpacked"),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn parcel(&self, id: i64) -> Result<ParcelView, StoreError> {
        let r = sqlx::query(
            "SELECT id, order_id, location_id, status, preset_id, weight_g FROM parcels WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("parcel {id}")))?;
        let lines: Vec<ParcelLineView> = sqlx::query(
            "SELECT pl.line_no, p.sku, pl.quantity FROM parcel_lines pl JOIN parcels pa ON pa.id = pl.parcel_id \
             JOIN order_lines l ON l.order_id = pa.order_id AND l.line_no = pl.line_no JOIN products p ON p.id = l.product_id \
             WHERE pl.parcel_id = $1 ORDER BY pl.line_no",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|l| {
            Ok(ParcelLineView {
                line_no: l.try_get(0)?,
                sku: l.try_get(1)?,
                quantity: l.try_get(2)?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
        Ok(ParcelView {
            id: r.try_get(0)?,
            order_id: r.try_get(1)?,
            location_id: r.try_get(2)?,
            status: r.try_get(3)?,
            preset_id: r.try_get(4)?,
            weight_g: r.try_get(5)?,
            units: lines.iter().map(|l| l.quantity).sum(),
            lines,
        })
    }

    /// The parcel packed for an order at a location, if any.
    pub async fn packed_parcel(
        &self,
        order: i64,
        location: i64,
    ) -> Result<Option<ParcelView>, StoreError> {
        let id: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM parcels WHERE order_id = $1 AND location_id = $2 AND status = 'packed'",
        )
        .bind(order)
        .bind(location)
        .fetch_optional(self.pool())
        .await?;
        match id {
            Some(id) => Ok(Some(self.parcel(id).await?)),
            None => Ok(None),
        }
    }

    /// The first packed parcel of an order (the next label ships it).
    pub async fn next_packed_parcel(&self, order: i64) -> Result<Option<ParcelView>, StoreError> {
        let id: Option<i64> = sqlx::query_scalar(
            "SELECT MIN(id) FROM parcels WHERE order_id = $1 AND status = 'packed'",
        )
        .bind(order)
        .fetch_one(self.pool())
        .await?;
        match id {
            Some(id) => Ok(Some(self.parcel(id).await?)),
            None => Ok(None),
        }
    }

    /// Ships a packed parcel with a carrier and tracking number typed in (any carrier).
    pub async fn ship_parcel(
        &self,
        parcel: i64,
        tracking: Option<(&str, &str)>,
        actor: &str,
        now: i64,
    ) -> Result<Shipped, StoreError> {
        let mut tx = begin_write(self).await?;
        let s = ship_parcel_in(&mut tx, parcel, tracking, actor, now).await?;
        tx.commit().await?;
        Ok(s)
    }

    pub async fn parcel_presets(&self) -> Result<Vec<ParcelPreset>, StoreError> {
        type PresetRow = (i64, String, i64, i64, i64, i64, Option<i64>);
        let rows: Vec<PresetRow> = sqlx::query_as(
            "SELECT id, name, length_mm, width_mm, height_mm, tare_g, max_g FROM parcel_presets ORDER BY name",
        )
        .fetch_all(self.pool())
        .await?;
        let u = |v: i64| u32::try_from(v).unwrap_or(u32::MAX);
        Ok(rows
            .into_iter()
            .map(|r| ParcelPreset {
                id: r.0,
                name: r.1,
                length_mm: u(r.2),
                width_mm: u(r.3),
                height_mm: u(r.4),
                tare_g: u(r.5),
                max_g: r.6.map(u),
            })
            .collect())
    }

    /// Adds or changes (by name) a parcel preset.
    pub async fn save_parcel_preset(&self, p: &ParcelPreset) -> Result<i64, StoreError> {
        if p.name.trim().is_empty() {
            return Err(StoreError::Invalid("a preset needs a name".into()));
        }
        if p.length_mm == 0 || p.width_mm == 0 || p.height_mm == 0 {
            return Err(StoreError::Invalid(format!(
                "preset {:?}: length, width and height must be above 0 mm",
                p.name
            )));
        }
        let mut tx = begin_write(self).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO parcel_presets (name, length_mm, width_mm, height_mm, tare_g, max_g) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (name) DO UPDATE SET length_mm = excluded.length_mm, width_mm = excluded.width_mm, \
             height_mm = excluded.height_mm, tare_g = excluded.tare_g, max_g = excluded.max_g RETURNING id",
        )
        .bind(p.name.trim())
        .bind(i64::from(p.length_mm))
        .bind(i64::from(p.width_mm))
        .bind(i64::from(p.height_mm))
        .bind(i64::from(p.tare_g))
        .bind(p.max_g.map(i64::from))
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn delete_parcel_preset(&self, id: i64) -> Result<(), StoreError> {
        let mut tx = begin_write(self).await?;
        sqlx::query(
            "UPDATE parcels SET preset_id = NULL WHERE preset_id = $1 AND status = 'packed'",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let n = sqlx::query(
            "DELETE FROM parcel_presets WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM parcels WHERE preset_id = $1)",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::Conflict(format!(
                "preset {id} is unknown or used by a shipped parcel"
            )));
        }
        tx.commit().await?;
        Ok(())
    }

    /// Sets the bin of a product at a location (pick lists sort by it).
    pub async fn set_bin(
        &self,
        sku: &str,
        location: i64,
        bin: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut tx = begin_write(self).await?;
        let product: i64 = sqlx::query_scalar("SELECT id FROM products WHERE sku = $1")
            .bind(sku)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("SKU {sku}")))?;
        sqlx::query(
            "INSERT INTO inventory_levels (product_id, location_id, bin) VALUES ($1, $2, $3) \
             ON CONFLICT (product_id, location_id) DO UPDATE SET bin = excluded.bin",
        )
        .bind(product)
        .bind(location)
        .bind(bin.map(str::trim).filter(|b| !b.is_empty()))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Ships a packed parcel inside the caller's transaction: exactly its units, from its location.
pub(crate) async fn ship_parcel_in(
    tx: &mut Transaction<'_, Sqlite>,
    parcel: i64,
    tracking: Option<(&str, &str)>,
    actor: &str,
    now: i64,
) -> Result<Shipped, StoreError> {
    let (order, location, batch): (i64, i64, Option<i64>) = sqlx::query_as(
        "SELECT order_id, location_id, batch_id FROM parcels WHERE id = $1 AND status = 'packed'",
    )
    .bind(parcel)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("packed parcel {parcel}")))?;
    let lines: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT line_no, quantity FROM parcel_lines WHERE parcel_id = $1 ORDER BY line_no",
    )
    .bind(parcel)
    .fetch_all(&mut **tx)
    .await?;
    let s = ship_units_in(
        tx,
        OrderId::new(order).map_err(|e| StoreError::Invalid(e.to_string()))?,
        Some(location),
        Some(&lines),
        tracking,
        actor,
        now,
    )
    .await?;
    sqlx::query("UPDATE parcels SET status = 'shipped', shipment_id = $2 WHERE id = $1")
        .bind(parcel)
        .bind(s.shipment_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "UPDATE batch_orders SET state = 'shipped' WHERE order_id = $1 AND location_id = $2 AND state IN ('waiting', 'packed')",
    )
    .bind(order)
    .bind(location)
    .execute(&mut **tx)
    .await?;
    let batch = match batch {
        Some(b) => Some(b),
        None => {
            sqlx::query_scalar(
                "SELECT batch_id FROM batch_orders WHERE order_id = $1 AND location_id = $2 AND state = 'shipped' ORDER BY batch_id DESC LIMIT 1",
            )
            .bind(order)
            .bind(location)
            .fetch_optional(&mut **tx)
            .await?
        }
    };
    if let Some(b) = batch {
        finish_batch_if_done(tx, b, now).await?;
    }
    Ok(s)
}

/// A batch whose orders are all shipped or removed is done.
async fn finish_batch_if_done(
    tx: &mut Transaction<'_, Sqlite>,
    batch: i64,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE pick_batches SET status = 'done', closed_at = $2 WHERE id = $1 AND status = 'open' \
         AND NOT EXISTS (SELECT 1 FROM batch_orders WHERE batch_id = $1 AND state IN ('waiting', 'packed'))",
    )
    .bind(batch)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Marks batch rows shipped when an order ships from a location outside a parcel (a label
/// bought straight from the order, "Mark shipped") and nothing is left reserved there.
pub(crate) async fn note_shipped_outside(
    tx: &mut Transaction<'_, Sqlite>,
    order: i64,
    location: Option<i64>,
    now: i64,
) -> Result<(), StoreError> {
    let batches: Vec<i64> = sqlx::query_scalar(
        "UPDATE batch_orders SET state = 'shipped' WHERE order_id = $1 AND state IN ('waiting', 'packed') \
         AND ($2 IS NULL OR location_id = $2) \
         AND NOT EXISTS (SELECT 1 FROM reservations r WHERE r.order_id = $1 AND r.status = 'open' \
                         AND r.location_id = batch_orders.location_id) RETURNING batch_id",
    )
    .bind(order)
    .bind(location)
    .fetch_all(&mut **tx)
    .await?;
    for b in batches {
        finish_batch_if_done(tx, b, now).await?;
    }
    Ok(())
}

impl Store {
    /// The label files of a batch's shipments: (order number, label path, label format), in
    /// batch order. A shipment belongs to the batch when its parcel was packed in it, or when
    /// it was made for one of its orders after the batch was created.
    pub async fn batch_labels(
        &self,
        batch: i64,
    ) -> Result<Vec<(String, String, String)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT o.order_number, s.label_path, COALESCE(s.label_format, '') FROM batch_orders bo \
             JOIN pick_batches b ON b.id = bo.batch_id JOIN orders o ON o.id = bo.order_id \
             JOIN shipments s ON s.order_id = bo.order_id \
             WHERE bo.batch_id = $1 AND bo.state = 'shipped' AND s.label_path IS NOT NULL AND s.voided_at IS NULL \
               AND (s.id IN (SELECT shipment_id FROM parcels WHERE batch_id = $1 AND shipment_id IS NOT NULL) \
                    OR (s.location_id = b.location_id AND s.created_at >= b.created_at \
                        AND (b.closed_at IS NULL OR s.created_at <= b.closed_at))) \
             ORDER BY bo.position, s.id",
        )
        .bind(batch)
        .fetch_all(self.pool())
        .await?)
    }
}
