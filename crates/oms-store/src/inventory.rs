//! The inventory ledger. Every change to a balance is a movement row written in the same
//! transaction as the balance, after checking the invariants (on-hand and reserved never
//! negative; available never negative unless the product allows backorders). A trigger in the
//! schema refuses an oversell even if a caller forgot to check.

use crate::dialect;
use crate::{now_ms, Store, StoreError};
use oms_domain::*;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, Sqlite, Transaction};

/// One movement to apply.
#[derive(Debug, Clone)]
pub struct Move<'a> {
    pub product_id: i64,
    pub location_id: i64,
    pub kind: MovementKind,
    /// Positive, except adjustments (signed).
    pub quantity: i64,
    pub order_id: Option<i64>,
    pub reason: Option<&'a str>,
    pub actor: &'a str,
}

/// What the caller asks for, by SKU and location name or id.
#[derive(Debug, Clone)]
pub struct StockChange {
    pub sku: Sku,
    pub location_id: i64,
    pub kind: MovementKind,
    pub quantity: i64,
    pub reason: Option<String>,
}

pub(crate) async fn begin_write(store: &Store) -> Result<Transaction<'static, Sqlite>, StoreError> {
    // Take the write lock up front: two transactions that both read and then write would
    // otherwise fail on upgrade instead of waiting their turn.
    Ok(store.writer().begin_with(dialect::BEGIN_WRITE).await?)
}

/// A location's name (trimmed, 1 to 80 characters) and its address as stored (JSON).
fn location_fields<'a>(
    name: &'a str,
    address: Option<&AddressView>,
) -> Result<(&'a str, String), StoreError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(StoreError::Invalid(
            "location name: 1 to 80 characters".into(),
        ));
    }
    let json = serde_json::to_string(&address).map_err(|e| StoreError::Invalid(e.to_string()))?;
    Ok((name, json))
}

/// Applies one movement: checks, moves the balance, writes the ledger row. Returns the new
/// (on_hand, reserved).
pub(crate) async fn apply(
    tx: &mut Transaction<'_, Sqlite>,
    m: &Move<'_>,
) -> Result<(i64, i64), StoreError> {
    if m.quantity == 0 || (m.kind != MovementKind::Adjustment && m.quantity < 0) {
        return Err(StoreError::Invalid(format!(
            "{}: quantity must be {}",
            m.kind,
            if m.kind == MovementKind::Adjustment {
                "non-zero"
            } else {
                "positive"
            }
        )));
    }
    let (dh, dr) = m.kind.deltas(m.quantity);
    let row = sqlx::query(
        "SELECT p.sku, p.allow_backorder, l.name, COALESCE(il.on_hand, 0), COALESCE(il.reserved, 0) \
         FROM products p JOIN locations l ON l.id = $2 \
         LEFT JOIN inventory_levels il ON il.product_id = p.id AND il.location_id = l.id WHERE p.id = $1",
    )
    .bind(m.product_id)
    .bind(m.location_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| {
        StoreError::NotFound(format!("product {} or location {}", m.product_id, m.location_id))
    })?;
    let sku: String = row.try_get(0)?;
    let backorder: bool = row.try_get::<i64, _>(1)? != 0;
    let loc: String = row.try_get(2)?;
    let (on_hand, reserved): (i64, i64) = (row.try_get(3)?, row.try_get(4)?);
    let (h, r) = (on_hand + dh, reserved + dr);
    if h < 0 {
        return Err(StoreError::Conflict(format!(
            "{sku} at {loc}: on hand is {on_hand}, cannot remove {}",
            -dh
        )));
    }
    if r < 0 {
        return Err(StoreError::Conflict(format!(
            "{sku} at {loc}: reserved is {reserved}, cannot release {}",
            -dr
        )));
    }
    if h - r < 0 && !backorder && (dh < 0 || dr > 0) {
        return Err(StoreError::Conflict(format!(
            "{sku} at {loc}: {} available, {} would be oversold (on hand {h}, reserved {r})",
            on_hand - reserved,
            r - h
        )));
    }
    sqlx::query(
        "INSERT INTO inventory_levels (product_id, location_id, on_hand, reserved) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (product_id, location_id) DO UPDATE SET on_hand = excluded.on_hand, reserved = excluded.reserved",
    )
    .bind(m.product_id)
    .bind(m.location_id)
    .bind(h)
    .bind(r)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO inventory_movements (product_id, location_id, kind, quantity, order_id, reason, at, actor) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(m.product_id)
    .bind(m.location_id)
    .bind(m.kind.as_str())
    .bind(m.quantity)
    .bind(m.order_id)
    .bind(m.reason)
    .bind(now_ms())
    .bind(m.actor)
    .execute(&mut **tx)
    .await?;
    Ok((h, r))
}

/// The product id of a SKU, creating it in the catalogue if needed (title defaults to the SKU).
pub(crate) async fn catalogue_product(
    tx: &mut Transaction<'_, Sqlite>,
    sku: &str,
    title: Option<&str>,
) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO products (sku, title, catalogued) VALUES ($1, $2, 1) \
         ON CONFLICT (sku) DO UPDATE SET catalogued = 1, title = COALESCE($3, products.title) RETURNING id",
    )
    .bind(sku)
    .bind(title.unwrap_or(sku))
    .bind(title)
    .fetch_one(&mut **tx)
    .await?)
}

fn location_row(r: &SqliteRow) -> Result<LocationView, StoreError> {
    let address: String = r.try_get(3)?;
    let address = serde_json::from_str::<Option<AddressView>>(&address)
        .map_err(|e| StoreError::Invalid(format!("stored location address: {e}")))?;
    Ok(LocationView {
        id: r.try_get(0)?,
        kind: LocationKind::parse(&r.try_get::<String, _>(1)?)
            .map_err(|e| StoreError::Invalid(e.to_string()))?,
        name: r.try_get(2)?,
        address,
        lat: r.try_get(4)?,
        lon: r.try_get(5)?,
        active: r.try_get::<i64, _>(6)? != 0,
        routing: LocationRouting {
            priority: r.try_get(7)?,
            ships_to: r
                .try_get::<String, _>(8)?
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
            capacity_orders: r
                .try_get::<Option<i64>, _>(9)?
                .map(|v| u32::try_from(v).unwrap_or(0)),
            capacity_units: r
                .try_get::<Option<i64>, _>(10)?
                .map(|v| u32::try_from(v).unwrap_or(0)),
            cutoff_minute_utc: r
                .try_get::<Option<i64>, _>(11)?
                .map(|v| u32::try_from(v).unwrap_or(0)),
        },
    })
}

const LEVEL_COLUMNS: &str = "il.product_id, p.sku, p.title, il.location_id, l.name, il.on_hand, il.reserved, il.safety_stock, \
     il.incoming, il.incoming_at, p.allow_backorder, \
     (SELECT COALESCE(SUM(ol.backordered), 0) FROM order_lines ol WHERE ol.product_id = il.product_id AND ol.backordered > 0)";

fn level_row(r: &SqliteRow) -> Result<InventoryRow, StoreError> {
    let on_hand: i64 = r.try_get(5)?;
    let reserved: i64 = r.try_get(6)?;
    let safety: i64 = r.try_get(7)?;
    Ok(InventoryRow {
        product_id: r.try_get(0)?,
        sku: r.try_get(1)?,
        title: r.try_get(2)?,
        location_id: r.try_get(3)?,
        location_name: r.try_get(4)?,
        on_hand,
        reserved,
        available: on_hand - reserved,
        safety_stock: safety,
        incoming: r.try_get(8)?,
        incoming_at: r.try_get(9)?,
        allow_backorder: r.try_get::<i64, _>(10)? != 0,
        backordered: r.try_get(11)?,
        low: on_hand - reserved <= safety,
    })
}

impl Store {
    pub async fn create_location(
        &self,
        kind: LocationKind,
        name: &str,
        address: Option<&AddressView>,
        coordinates: Option<oms_domain::entities::Coordinates>,
        routing: &LocationRouting,
    ) -> Result<LocationView, StoreError> {
        let (name, json) = location_fields(name, address)?;
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO locations (kind, name, address, lat, lon, active, priority, ships_to, capacity_orders, capacity_units, cutoff_minute) \
             VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $8, $9, $10) ON CONFLICT (name) DO NOTHING RETURNING id",
        )
        .bind(kind.as_str())
        .bind(name)
        .bind(json)
        .bind(coordinates.map(|c| c.lat))
        .bind(coordinates.map(|c| c.lon))
        .bind(routing.priority)
        .bind(routing.ships_to.join(" "))
        .bind(routing.capacity_orders.map(i64::from))
        .bind(routing.capacity_units.map(i64::from))
        .bind(routing.cutoff_minute_utc.map(i64::from))
        .fetch_optional(self.pool())
        .await?;
        let id =
            id.ok_or_else(|| StoreError::Conflict(format!("a location named {name:?} exists")))?;
        self.location(id).await
    }

    /// Changes a location's kind, name, address, coordinates and whether it takes orders.
    // One argument per stored field group, like create_location.
    #[allow(clippy::too_many_arguments)]
    pub async fn update_location(
        &self,
        id: i64,
        kind: LocationKind,
        name: &str,
        address: Option<&AddressView>,
        coordinates: Option<oms_domain::entities::Coordinates>,
        routing: &LocationRouting,
        active: bool,
    ) -> Result<LocationView, StoreError> {
        let (name, json) = location_fields(name, address)?;
        let taken: Option<i64> =
            sqlx::query_scalar("SELECT id FROM locations WHERE name = $1 AND id <> $2")
                .bind(name)
                .bind(id)
                .fetch_optional(self.pool())
                .await?;
        if taken.is_some() {
            return Err(StoreError::Conflict(format!(
                "a location named {name:?} exists"
            )));
        }
        let n = sqlx::query(
            "UPDATE locations SET kind = $1, name = $2, address = $3, lat = $4, lon = $5, active = $6, \
             priority = $8, ships_to = $9, capacity_orders = $10, capacity_units = $11, cutoff_minute = $12 WHERE id = $7",
        )
        .bind(kind.as_str())
        .bind(name)
        .bind(json)
        .bind(coordinates.map(|c| c.lat))
        .bind(coordinates.map(|c| c.lon))
        .bind(i64::from(active))
        .bind(id)
        .bind(routing.priority)
        .bind(routing.ships_to.join(" "))
        .bind(routing.capacity_orders.map(i64::from))
        .bind(routing.capacity_units.map(i64::from))
        .bind(routing.cutoff_minute_utc.map(i64::from))
        .execute(self.pool())
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound(format!("location {id}")));
        }
        self.location(id).await
    }

    pub async fn location(&self, id: i64) -> Result<LocationView, StoreError> {
        let r = sqlx::query(
            "SELECT id, kind, name, address, lat, lon, active, priority, ships_to, capacity_orders, capacity_units, cutoff_minute FROM locations WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("location {id}")))?;
        location_row(&r)
    }

    pub async fn locations(&self) -> Result<Vec<LocationView>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, kind, name, address, lat, lon, active, priority, ships_to, capacity_orders, capacity_units, cutoff_minute FROM locations ORDER BY name",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(location_row).collect()
    }

    /// A location by id or by exact name (for the CLI and imports).
    pub async fn find_location(&self, key: &str) -> Result<LocationView, StoreError> {
        let key = key.trim();
        let r = sqlx::query(
            "SELECT id, kind, name, address, lat, lon, active, priority, ships_to, capacity_orders, capacity_units, cutoff_minute FROM locations WHERE name = $1 OR CAST(id AS TEXT) = $1",
        )
        .bind(key)
        .fetch_optional(self.pool())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("location {key:?}")))?;
        location_row(&r)
    }

    /// Adds or updates a catalogue product.
    pub async fn upsert_product(
        &self,
        sku: &Sku,
        title: Option<&str>,
        active: Option<bool>,
        allow_backorder: Option<bool>,
    ) -> Result<i64, StoreError> {
        let mut tx = begin_write(self).await?;
        let id = catalogue_product(&mut tx, sku.as_str(), title).await?;
        sqlx::query(
            "UPDATE products SET active = COALESCE($2, active), allow_backorder = COALESCE($3, allow_backorder) WHERE id = $1",
        )
        .bind(id)
        .bind(active.map(i64::from))
        .bind(allow_backorder.map(i64::from))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Receipts, adjustments, return restocks and transfers requested by a person or an
    /// import, all in one transaction. Returns the products whose on-hand went up (their
    /// backorders may now be filled).
    pub async fn change_stock(
        &self,
        changes: &[StockChange],
        actor: &str,
    ) -> Result<Vec<i64>, StoreError> {
        let mut tx = begin_write(self).await?;
        let mut grown = Vec::new();
        for (i, c) in changes.iter().enumerate() {
            if matches!(
                c.kind,
                MovementKind::Reservation | MovementKind::Release | MovementKind::Shipment
            ) {
                return Err(StoreError::Invalid(format!(
                    "change {}: {} moves only through orders",
                    i + 1,
                    c.kind
                )));
            }
            if c.kind == MovementKind::Adjustment
                && c.reason.as_deref().is_none_or(|r| r.trim().is_empty())
            {
                return Err(StoreError::Invalid(format!(
                    "change {}: an adjustment needs a reason",
                    i + 1
                )));
            }
            let pid = catalogue_product(&mut tx, c.sku.as_str(), None).await?;
            apply(
                &mut tx,
                &Move {
                    product_id: pid,
                    location_id: c.location_id,
                    kind: c.kind,
                    quantity: c.quantity,
                    order_id: None,
                    reason: c.reason.as_deref(),
                    actor,
                },
            )
            .await
            .map_err(|e| match e {
                StoreError::Conflict(m) => StoreError::Conflict(format!("change {}: {m}", i + 1)),
                other => other,
            })?;
            if c.kind.deltas(c.quantity).0 > 0 && !grown.contains(&pid) {
                grown.push(pid);
            }
        }
        tx.commit().await?;
        Ok(grown)
    }

    /// Moves units between locations: a transfer-out and a transfer-in in one transaction.
    pub async fn transfer_stock(
        &self,
        sku: &Sku,
        from: i64,
        to: i64,
        quantity: i64,
        reason: Option<&str>,
        actor: &str,
    ) -> Result<i64, StoreError> {
        if from == to {
            return Err(StoreError::Invalid(
                "transfer: from and to are the same location".into(),
            ));
        }
        let mut tx = begin_write(self).await?;
        let pid = catalogue_product(&mut tx, sku.as_str(), None).await?;
        for (loc, kind) in [
            (from, MovementKind::TransferOut),
            (to, MovementKind::TransferIn),
        ] {
            apply(
                &mut tx,
                &Move {
                    product_id: pid,
                    location_id: loc,
                    kind,
                    quantity,
                    order_id: None,
                    reason,
                    actor,
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(pid)
    }

    /// Sets the counted on-hand of (sku, location) pairs as adjustments with the reason
    /// "stock count" (nothing is written unless every row applies). Returns, per input row,
    /// the error if it could not be applied, plus the products whose stock grew.
    pub async fn set_stock_counts(
        &self,
        counts: &[(Sku, i64, i64, Option<i64>)],
        actor: &str,
        commit_partial: bool,
    ) -> Result<(Vec<(usize, String)>, Vec<i64>, u64), StoreError> {
        let mut tx = begin_write(self).await?;
        let mut errors = Vec::new();
        let mut grown = Vec::new();
        let mut applied = 0u64;
        for (i, (sku, loc, counted, safety)) in counts.iter().enumerate() {
            let pid = catalogue_product(&mut tx, sku.as_str(), None).await?;
            let current: Option<i64> = sqlx::query_scalar(
                "SELECT on_hand FROM inventory_levels WHERE product_id = $1 AND location_id = $2",
            )
            .bind(pid)
            .bind(*loc)
            .fetch_optional(&mut *tx)
            .await?;
            let delta = counted - current.unwrap_or(0);
            if delta != 0 {
                let r = apply(
                    &mut tx,
                    &Move {
                        product_id: pid,
                        location_id: *loc,
                        kind: MovementKind::Adjustment,
                        quantity: delta,
                        order_id: None,
                        reason: Some("stock count"),
                        actor,
                    },
                )
                .await;
                match r {
                    Ok(_) => {}
                    Err(StoreError::Conflict(m)) => {
                        errors.push((i, m));
                        continue;
                    }
                    Err(e) => return Err(e),
                }
                if delta > 0 && !grown.contains(&pid) {
                    grown.push(pid);
                }
            }
            if let Some(s) = safety {
                sqlx::query(
                    "INSERT INTO inventory_levels (product_id, location_id, safety_stock) VALUES ($1, $2, $3) \
                     ON CONFLICT (product_id, location_id) DO UPDATE SET safety_stock = excluded.safety_stock",
                )
                .bind(pid)
                .bind(*loc)
                .bind(*s)
                .execute(&mut *tx)
                .await?;
            }
            applied += 1;
        }
        if errors.is_empty() || commit_partial {
            tx.commit().await?;
        } else {
            tx.rollback().await?;
            applied = 0;
            grown.clear();
        }
        Ok((errors, grown, applied))
    }

    pub async fn set_safety_stock(
        &self,
        sku: &Sku,
        location_id: i64,
        safety_stock: i64,
    ) -> Result<(), StoreError> {
        if safety_stock < 0 {
            return Err(StoreError::Invalid(
                "safety stock: must not be negative".into(),
            ));
        }
        let mut tx = begin_write(self).await?;
        let pid = catalogue_product(&mut tx, sku.as_str(), None).await?;
        sqlx::query(
            "INSERT INTO inventory_levels (product_id, location_id, safety_stock) VALUES ($1, $2, $3) \
             ON CONFLICT (product_id, location_id) DO UPDATE SET safety_stock = excluded.safety_stock",
        )
        .bind(pid)
        .bind(location_id)
        .bind(safety_stock)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records stock on its way (a purchase order): shown on backordered lines.
    pub async fn set_incoming(
        &self,
        sku: &Sku,
        location_id: i64,
        incoming: i64,
        expected_at: Option<i64>,
    ) -> Result<(), StoreError> {
        if incoming < 0 {
            return Err(StoreError::Invalid("incoming: must not be negative".into()));
        }
        let mut tx = begin_write(self).await?;
        let pid = catalogue_product(&mut tx, sku.as_str(), None).await?;
        sqlx::query(
            "INSERT INTO inventory_levels (product_id, location_id, incoming, incoming_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (product_id, location_id) DO UPDATE SET incoming = excluded.incoming, incoming_at = excluded.incoming_at",
        )
        .bind(pid)
        .bind(location_id)
        .bind(incoming)
        .bind(expected_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// One page of stock levels, by SKU then location.
    pub async fn inventory(&self, q: &InventoryQuery) -> Result<InventoryPage, StoreError> {
        let limit = q.limit.clamp(1, 1000);
        let (after_sku, after_loc) = match q.cursor.as_deref() {
            Some(c) => {
                let (s, l) = c
                    .rsplit_once('|')
                    .ok_or_else(|| StoreError::Invalid("inventory cursor".into()))?;
                (
                    s.to_owned(),
                    l.parse::<i64>()
                        .map_err(|_| StoreError::Invalid("inventory cursor".into()))?,
                )
            }
            None => (String::new(), i64::MIN),
        };
        let search = q.search.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let rows = sqlx::query(&format!(
            "SELECT {LEVEL_COLUMNS} FROM inventory_levels il JOIN products p ON p.id = il.product_id \
             JOIN locations l ON l.id = il.location_id \
             WHERE (p.sku, il.location_id) > ($1, $2) \
             AND ($3 IS NULL OR il.location_id = $3) \
             AND ($4 IS NULL OR p.sku LIKE $4 || '%' ESCAPE '\\' OR p.title LIKE $4 || '%' ESCAPE '\\') \
             AND ($5 = 0 OR il.on_hand - il.reserved <= il.safety_stock) \
             ORDER BY p.sku, il.location_id LIMIT $6"
        ))
        .bind(&after_sku)
        .bind(after_loc)
        .bind(q.location_id)
        .bind(search.map(|s| s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")))
        .bind(i64::from(q.low_only))
        .bind(i64::from(limit) + 1)
        .fetch_all(self.pool())
        .await?;
        let mut out: Vec<InventoryRow> = rows
            .iter()
            .take(limit as usize)
            .map(level_row)
            .collect::<Result<_, _>>()?;
        let next_cursor = (rows.len() > limit as usize)
            .then(|| out.last().map(|r| format!("{}|{}", r.sku, r.location_id)))
            .flatten();
        out.shrink_to_fit();
        Ok(InventoryPage {
            rows: out,
            next_cursor,
        })
    }

    /// The ledger of one SKU at one location (or all locations), newest first.
    pub async fn ledger(
        &self,
        sku: &Sku,
        location_id: Option<i64>,
        limit: u32,
    ) -> Result<Vec<MovementView>, StoreError> {
        let rows = sqlx::query(
            "SELECT m.id, m.at, m.kind, m.quantity, m.order_id, o.order_number, m.reason, m.actor FROM inventory_movements m \
             JOIN products p ON p.id = m.product_id LEFT JOIN orders o ON o.id = m.order_id \
             WHERE p.sku = $1 AND ($2 IS NULL OR m.location_id = $2) ORDER BY m.id DESC LIMIT $3",
        )
        .bind(sku.as_str())
        .bind(location_id)
        .bind(i64::from(limit.clamp(1, 5000)))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let kind = MovementKind::parse(&r.try_get::<String, _>(2)?)
                    .map_err(|e| StoreError::Invalid(e.to_string()))?;
                let (h, res) = kind.deltas(r.try_get(3)?);
                Ok(MovementView {
                    id: r.try_get(0)?,
                    at: r.try_get(1)?,
                    kind,
                    on_hand_change: h,
                    reserved_change: res,
                    order_id: r.try_get(4)?,
                    order_number: r.try_get(5)?,
                    reason: r.try_get(6)?,
                    actor: r.try_get(7)?,
                })
            })
            .collect()
    }

    /// Checks the ledger against the balances and the reservations; returns every mismatch
    /// found (empty when all is well). Used by tests and `oms inventory check`.
    pub async fn check_inventory(&self) -> Result<Vec<String>, StoreError> {
        let mut problems = Vec::new();
        let rows = sqlx::query(
            "SELECT il.product_id, il.location_id, il.on_hand, il.reserved, p.allow_backorder, \
             COALESCE((SELECT SUM(CASE m.kind WHEN 'receipt' THEN m.quantity WHEN 'adjustment' THEN m.quantity \
                 WHEN 'return_restock' THEN m.quantity WHEN 'transfer_in' THEN m.quantity \
                 WHEN 'transfer_out' THEN -m.quantity WHEN 'shipment' THEN -m.quantity ELSE 0 END) \
                 FROM inventory_movements m WHERE m.product_id = il.product_id AND m.location_id = il.location_id), 0), \
             COALESCE((SELECT SUM(CASE m.kind WHEN 'reservation' THEN m.quantity WHEN 'release' THEN -m.quantity \
                 WHEN 'shipment' THEN -m.quantity ELSE 0 END) \
                 FROM inventory_movements m WHERE m.product_id = il.product_id AND m.location_id = il.location_id), 0), \
             COALESCE((SELECT SUM(r.quantity) FROM reservations r WHERE r.product_id = il.product_id \
                 AND r.location_id = il.location_id AND r.status = 'open'), 0) \
             FROM inventory_levels il JOIN products p ON p.id = il.product_id",
        )
        .fetch_all(self.pool())
        .await?;
        for r in rows {
            let (p, l, h, res, bo, lh, lr, open): (i64, i64, i64, i64, i64, i64, i64, i64) = (
                r.get(0),
                r.get(1),
                r.get(2),
                r.get(3),
                r.get(4),
                r.get(5),
                r.get(6),
                r.get(7),
            );
            if h != lh {
                problems.push(format!(
                    "product {p} location {l}: on hand {h} but ledger sum {lh}"
                ));
            }
            if res != lr {
                problems.push(format!(
                    "product {p} location {l}: reserved {res} but ledger sum {lr}"
                ));
            }
            if res != open {
                problems.push(format!(
                    "product {p} location {l}: reserved {res} but open reservations {open}"
                ));
            }
            if h - res < 0 && bo == 0 {
                problems.push(format!(
                    "product {p} location {l}: available {} below zero",
                    h - res
                ));
            }
        }
        let lines = sqlx::query(
            "SELECT ol.order_id, ol.line_no, ol.quantity, ol.reserved, ol.backordered, ol.shipped, ol.cancelled, ol.returned, \
             COALESCE((SELECT SUM(r.quantity) FROM reservations r WHERE r.order_id = ol.order_id AND r.line_no = ol.line_no AND r.status = 'open'), 0) \
             FROM order_lines ol WHERE ol.reserved > 0 OR ol.backordered > 0 OR ol.shipped > 0 OR ol.cancelled > 0 \
             OR EXISTS (SELECT 1 FROM reservations r WHERE r.order_id = ol.order_id AND r.line_no = ol.line_no AND r.status = 'open')",
        )
        .fetch_all(self.pool())
        .await?;
        for r in lines {
            let q = LineQuantities {
                ordered: u32::try_from(r.get::<i64, _>(2)).unwrap_or(0),
                reserved: u32::try_from(r.get::<i64, _>(3)).unwrap_or(u32::MAX),
                backordered: u32::try_from(r.get::<i64, _>(4)).unwrap_or(u32::MAX),
                shipped: u32::try_from(r.get::<i64, _>(5)).unwrap_or(u32::MAX),
                cancelled: u32::try_from(r.get::<i64, _>(6)).unwrap_or(u32::MAX),
                returned: u32::try_from(r.get::<i64, _>(7)).unwrap_or(u32::MAX),
            };
            let (o, n, open): (i64, i64, i64) = (r.get(0), r.get(1), r.get(8));
            if !q.is_consistent() {
                problems.push(format!("order {o} line {n}: inconsistent quantities {q:?}"));
            }
            if i64::from(q.reserved) != open {
                problems.push(format!(
                    "order {o} line {n}: reserved {} but open reservations {open}",
                    q.reserved
                ));
            }
        }
        Ok(problems)
    }
}
