//! Carrier accounts and labels: what the carrier connectors need from the database (the
//! parcel of an order, where it ships from) and what a bought label records.

use crate::inventory::begin_write;
use crate::pipeline::{order_status, ship_reserved_in};
use crate::{now_ms, Store, StoreError};
use oms_domain::{EventKind, OrderId};
use sqlx::Row;

/// A carrier account as stored (its API key is in the OS keyring).
#[derive(Debug, Clone)]
pub struct CarrierAccountRow {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub base_url: String,
    pub enabled: bool,
}

/// What an order's parcel weighs and where it ships from.
#[derive(Debug, Clone)]
pub struct ParcelFacts {
    /// Sum over the reserved units; products without a weight count `unknown_weight_g`.
    pub weight_g: i64,
    /// Products without a weight.
    pub unweighed: Vec<String>,
    /// The location the parcel ships from (of several, the lowest id; the next label takes
    /// the next).
    pub location_id: Option<i64>,
    /// Per reserved line, for a customs declaration.
    pub lines: Vec<ParcelLine>,
}

/// A reserved line as a customs declaration needs it.
#[derive(Debug, Clone)]
pub struct ParcelLine {
    pub description: String,
    pub quantity: i64,
    /// Of all its units, minor units of the order's currency.
    pub value_minor: i64,
    pub weight_g: i64,
    pub hs_code: Option<String>,
    pub origin_country: Option<String>,
}

/// A bought label, to record on the shipment it makes.
#[derive(Debug, Clone)]
pub struct LabelRecord<'a> {
    pub account_id: i64,
    pub carrier_shipment_id: &'a str,
    pub carrier: &'a str,
    pub service: &'a str,
    pub tracking_number: &'a str,
    pub cost_minor: i64,
    pub currency: &'a str,
    pub label_path: &'a str,
    pub label_format: &'a str,
    pub tracker_id: Option<&'a str>,
}

/// The location whose reserved units make an order's next parcel (the lowest id with any).
async fn parcel_location<'e, E>(e: E, id: OrderId) -> Result<Option<i64>, StoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Sqlite>,
{
    Ok(sqlx::query_scalar(
        "SELECT MIN(location_id) FROM reservations WHERE order_id = $1 AND status = 'open'",
    )
    .bind(id.get())
    .fetch_one(e)
    .await?)
}

impl Store {
    pub async fn create_carrier_account(
        &self,
        kind: &str,
        name: &str,
        base_url: &str,
    ) -> Result<i64, StoreError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 80 {
            return Err(StoreError::Invalid(
                "carrier account name: 1 to 80 characters".into(),
            ));
        }
        let exists: Option<i64> =
            sqlx::query_scalar("SELECT id FROM carrier_accounts WHERE name = $1")
                .bind(name)
                .fetch_optional(self.pool())
                .await?;
        if exists.is_some() {
            return Err(StoreError::Conflict(format!(
                "a carrier account named {name:?} exists already"
            )));
        }
        Ok(sqlx::query_scalar(
            "INSERT INTO carrier_accounts (kind, name, base_url, enabled, created_at) VALUES ($1, $2, $3, 1, $4) RETURNING id",
        )
        .bind(kind)
        .bind(name)
        .bind(base_url)
        .bind(now_ms())
        .fetch_one(self.writer())
        .await?)
    }

    /// Removes an account nothing was shipped with (used when its key could not be stored).
    pub async fn delete_carrier_account(&self, id: i64) -> Result<(), StoreError> {
        sqlx::query(
            "DELETE FROM carrier_accounts WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM shipments WHERE carrier_account_id = $1)",
        )
        .bind(id)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    pub async fn carrier_accounts(&self) -> Result<Vec<CarrierAccountRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, kind, name, base_url, enabled FROM carrier_accounts ORDER BY name",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(CarrierAccountRow {
                    id: r.try_get(0)?,
                    kind: r.try_get(1)?,
                    name: r.try_get(2)?,
                    base_url: r.try_get(3)?,
                    enabled: r.try_get::<i64, _>(4)? != 0,
                })
            })
            .collect()
    }

    /// The reserved units of an order as a parcel: weight, origin, customs lines.
    pub async fn parcel_facts(
        &self,
        id: OrderId,
        unknown_weight_g: i64,
    ) -> Result<ParcelFacts, StoreError> {
        // One parcel per location: the units reserved at the first of them (a split order
        // gets a label per location, one after the other).
        let location = parcel_location(self.pool(), id).await?;
        let rows = sqlx::query(
            "SELECT COALESCE(l.title, p.title), SUM(r.quantity), l.unit_price, p.weight_g, p.hs_code, p.origin_country, \
                    MIN(r.location_id), p.sku \
             FROM reservations r JOIN order_lines l ON l.order_id = r.order_id AND l.line_no = r.line_no \
             JOIN products p ON p.id = r.product_id \
             WHERE r.order_id = $1 AND r.status = 'open' AND r.location_id = $2 GROUP BY l.line_no ORDER BY l.line_no",
        )
        .bind(id.get())
        .bind(location)
        .fetch_all(self.pool())
        .await?;
        let mut f = ParcelFacts {
            weight_g: 0,
            unweighed: Vec::new(),
            location_id: None,
            lines: Vec::new(),
        };
        for r in &rows {
            let q: i64 = r.try_get(1)?;
            let unit: i64 = r.try_get(2)?;
            let w: Option<i64> = r.try_get(3)?;
            if w.is_none() {
                f.unweighed.push(r.try_get(7)?);
            }
            let w = w.unwrap_or(unknown_weight_g) * q;
            f.weight_g += w;
            f.location_id = f.location_id.or(r.try_get(6)?);
            f.lines.push(ParcelLine {
                description: r.try_get(0)?,
                quantity: q,
                value_minor: unit * q,
                weight_g: w,
                hs_code: r.try_get(4)?,
                origin_country: r.try_get(5)?,
            });
        }
        Ok(f)
    }

    /// Ships the order's reserved units with a bought label: the shipment records the carrier
    /// account, the carrier's shipment, cost and the label file; the timeline says what was
    /// bought. Returns the units shipped.
    pub async fn ship_with_label(
        &self,
        id: OrderId,
        l: &LabelRecord<'_>,
        actor: &str,
        now: i64,
    ) -> Result<i64, StoreError> {
        let mut tx = begin_write(self).await?;
        order_status(&mut tx, id.get())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("order {id}")))?;
        // The parcel that was quoted: the units at the order's first location with any.
        let location = parcel_location(&mut *tx, id).await?;
        let (units, _) = ship_reserved_in(
            &mut tx,
            id,
            location,
            Some((l.carrier, l.tracking_number)),
            actor,
            now,
        )
        .await?;
        if units == 0 {
            return Err(StoreError::Conflict(format!(
                "order {id} has nothing reserved to ship"
            )));
        }
        sqlx::query(
            "UPDATE shipments SET carrier_account_id = $2, carrier_shipment_id = $3, service = $4, service_cost = $5, \
             cost_currency = $6, label_path = $7, label_format = $8, tracker_id = $9 \
             WHERE id = (SELECT MAX(id) FROM shipments WHERE order_id = $1)",
        )
        .bind(id.get())
        .bind(l.account_id)
        .bind(l.carrier_shipment_id)
        .bind(l.service)
        .bind(l.cost_minor)
        .bind(l.currency)
        .bind(l.label_path)
        .bind(l.label_format)
        .bind(l.tracker_id)
        .execute(&mut *tx)
        .await?;
        crate::orders::insert_event(
            &mut tx,
            id.get(),
            EventKind::Shipped,
            actor,
            &format!(
                "Label bought: {} {}, tracking {}",
                l.carrier, l.service, l.tracking_number
            ),
            Some(&format!(
                "{} {} ({} minor units); label {}",
                l.cost_minor, l.currency, l.label_format, l.label_path
            )),
        )
        .await?;
        tx.commit().await?;
        Ok(units)
    }
}
