//! Carrier accounts and labels: what the carrier connectors need from the database (the
//! parcel of an order, where it ships from) and what a bought label records.

use crate::inventory::begin_write;
use crate::packing::ship_parcel_in;
use crate::pipeline::{order_status, ship_units_in};
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
    /// The packed parcel these units are (None: the units reserved at the location).
    pub parcel_id: Option<i64>,
    /// From the parcel's preset: length, width, height in mm.
    pub dims_mm: Option<(u32, u32, u32)>,
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
    /// What voiding the label takes (EasyPost's shipment, Shippo's transaction).
    pub label_id: Option<&'a str>,
    /// The packed parcel the label is for (None: the units reserved at the first location).
    pub parcel_id: Option<i64>,
    /// Why this rate ("cheapest of 4 rates: …", "picked by hand"), for the timeline.
    pub reason: Option<&'a str>,
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

    /// An order's next parcel: its packed parcel when one waits (its units, preset and
    /// weighed weight), else the units reserved at its first location. Weight, origin,
    /// customs lines.
    pub async fn parcel_facts(
        &self,
        id: OrderId,
        unknown_weight_g: i64,
    ) -> Result<ParcelFacts, StoreError> {
        if let Some(p) = self.next_packed_parcel(id.get()).await? {
            return self.packed_facts(id, &p, unknown_weight_g).await;
        }
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
            parcel_id: None,
            dims_mm: None,
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

    async fn packed_facts(
        &self,
        id: OrderId,
        p: &oms_domain::fulfil_views::ParcelView,
        unknown_weight_g: i64,
    ) -> Result<ParcelFacts, StoreError> {
        let rows = sqlx::query(
            "SELECT COALESCE(l.title, p.title), pl.quantity, l.unit_price, p.weight_g, p.hs_code, p.origin_country, p.sku \
             FROM parcel_lines pl JOIN order_lines l ON l.order_id = $1 AND l.line_no = pl.line_no \
             JOIN products p ON p.id = l.product_id WHERE pl.parcel_id = $2 ORDER BY pl.line_no",
        )
        .bind(id.get())
        .bind(p.id)
        .fetch_all(self.pool())
        .await?;
        let preset = match p.preset_id {
            Some(pid) => self
                .parcel_presets()
                .await?
                .into_iter()
                .find(|x| x.id == pid),
            None => None,
        };
        let mut f = ParcelFacts {
            weight_g: 0,
            unweighed: Vec::new(),
            location_id: Some(p.location_id),
            lines: Vec::new(),
            parcel_id: Some(p.id),
            dims_mm: preset
                .as_ref()
                .map(|x| (x.length_mm, x.width_mm, x.height_mm)),
        };
        for r in &rows {
            let q: i64 = r.try_get(1)?;
            let unit: i64 = r.try_get(2)?;
            let w: Option<i64> = r.try_get(3)?;
            if w.is_none() {
                f.unweighed.push(r.try_get(6)?);
            }
            let w = w.unwrap_or(unknown_weight_g) * q;
            f.weight_g += w;
            f.lines.push(ParcelLine {
                description: r.try_get(0)?,
                quantity: q,
                value_minor: unit * q,
                weight_g: w,
                hs_code: r.try_get(4)?,
                origin_country: r.try_get(5)?,
            });
        }
        f.weight_g += preset.map_or(0, |x| i64::from(x.tare_g));
        if let Some(weighed) = p.weight_g {
            // Weighed at the bench: that is the parcel's weight.
            f.weight_g = weighed;
            f.unweighed.clear();
        }
        Ok(f)
    }

    /// Ships the order's reserved units with a bought label: the shipment records the carrier
    /// account, the carrier's shipment, cost and the label file; the timeline says what was
    /// bought. Returns what shipped.
    pub async fn ship_with_label(
        &self,
        id: OrderId,
        l: &LabelRecord<'_>,
        actor: &str,
        now: i64,
    ) -> Result<crate::Shipped, StoreError> {
        let mut tx = begin_write(self).await?;
        order_status(&mut tx, id.get())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("order {id}")))?;
        // The parcel that was quoted: the packed parcel, or the units at the order's first
        // location with any.
        let tracking = Some((l.carrier, l.tracking_number));
        let shipped = match l.parcel_id {
            Some(p) => ship_parcel_in(&mut tx, p, tracking, actor, now).await?,
            None => {
                let location = parcel_location(&mut *tx, id).await?;
                ship_units_in(&mut tx, id, location, None, tracking, actor, now).await?
            }
        };
        let units = shipped.units;
        if units == 0 {
            return Err(StoreError::Conflict(format!(
                "order {id} has nothing reserved to ship"
            )));
        }
        sqlx::query(
            "UPDATE shipments SET carrier_account_id = $2, carrier_shipment_id = $3, service = $4, service_cost = $5, \
             cost_currency = $6, label_path = $7, label_format = $8, tracker_id = $9, label_id = $10 \
             WHERE id = $1",
        )
        .bind(shipped.shipment_id)
        .bind(l.account_id)
        .bind(l.carrier_shipment_id)
        .bind(l.service)
        .bind(l.cost_minor)
        .bind(l.currency)
        .bind(l.label_path)
        .bind(l.label_format)
        .bind(l.tracker_id)
        .bind(l.label_id)
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
                "{}{} {} ({} minor units); label {}",
                l.reason.map(|r| format!("{r}. ")).unwrap_or_default(),
                l.cost_minor,
                l.currency,
                l.label_format,
                l.label_path
            )),
        )
        .await?;
        tx.commit().await?;
        Ok(shipped)
    }
}

/// A shipment's carrier account, label id (what voiding takes), tracking number, and whether
/// it is voided already.
pub type LabelFacts = (Option<i64>, Option<String>, Option<String>, bool);

/// What voiding a shipment's label did to the order.
#[derive(Debug, Clone)]
pub struct VoidedShipment {
    pub order_id: i64,
    pub units: i64,
    /// The channel had been told of the shipment already (its fulfilment stays there).
    pub channel_told: bool,
}

impl Store {
    /// The carrier facts needed to void a shipment's label.
    pub async fn shipment_label(&self, shipment: i64) -> Result<LabelFacts, StoreError> {
        let r: Option<LabelFacts> = sqlx::query_as(
            "SELECT carrier_account_id, COALESCE(label_id, carrier_shipment_id), tracking_number, voided_at IS NOT NULL \
             FROM shipments WHERE id = $1",
        )
        .bind(shipment)
        .fetch_optional(self.pool())
        .await?;
        r.ok_or_else(|| StoreError::NotFound(format!("shipment {shipment}")))
    }

    /// Keeps what voiding a label later needs.
    pub async fn set_label_id(&self, shipment: i64, label_id: &str) -> Result<(), StoreError> {
        let mut tx = begin_write(self).await?;
        sqlx::query("UPDATE shipments SET label_id = $2 WHERE id = $1")
            .bind(shipment)
            .bind(label_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether a shipment's label may be voided here (asked before the carrier is): not
    /// voided yet, not scanned by the carrier, with a location and the lines to restock.
    pub async fn check_voidable(&self, shipment: i64) -> Result<(), StoreError> {
        let mut tx = begin_write(self).await?;
        voidable(&mut tx, shipment).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A voided label: the parcel never left. Its units are on hand and reserved again at the
    /// location, the lines' shipped units go back, and the order is allocated or partially
    /// shipped again. A fulfilment not yet sent to the channel is dismissed. Refused once the
    /// carrier has scanned the parcel.
    pub async fn void_shipment(
        &self,
        shipment: i64,
        why: &str,
        actor: &str,
        now: i64,
    ) -> Result<VoidedShipment, StoreError> {
        let mut tx = begin_write(self).await?;
        let (order, location, carrier, number, lines) = voidable(&mut tx, shipment).await?;
        let mut units = 0;
        for &(line, product, q) in &lines {
            crate::inventory::apply(
                &mut tx,
                &crate::inventory::Move {
                    product_id: product,
                    location_id: location,
                    kind: oms_domain::MovementKind::Adjustment,
                    quantity: q,
                    order_id: Some(order),
                    reason: Some(&format!("label voided (shipment {shipment}): not shipped")),
                    actor,
                },
            )
            .await?;
            crate::inventory::apply(
                &mut tx,
                &crate::inventory::Move {
                    product_id: product,
                    location_id: location,
                    kind: oms_domain::MovementKind::Reservation,
                    quantity: q,
                    order_id: Some(order),
                    reason: None,
                    actor,
                },
            )
            .await?;
            sqlx::query(
                "INSERT INTO reservations (order_id, line_no, product_id, location_id, quantity, status, created_at) \
                 VALUES ($1, $2, $3, $4, $5, 'open', $6)",
            )
            .bind(order)
            .bind(line)
            .bind(product)
            .bind(location)
            .bind(q)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE order_lines SET shipped = shipped - $3, reserved = reserved + $3 WHERE order_id = $1 AND line_no = $2",
            )
            .bind(order)
            .bind(line)
            .bind(q)
            .execute(&mut *tx)
            .await?;
            units += q;
        }
        sqlx::query("UPDATE shipments SET voided_at = $2, status = 'voided' WHERE id = $1")
            .bind(shipment)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE parcels SET status = 'unpacked' WHERE shipment_id = $1")
            .bind(shipment)
            .execute(&mut *tx)
            .await?;
        let pending = sqlx::query(
            "UPDATE outbox SET status = 'dismissed', last_error = 'label voided' \
             WHERE idempotency_key = 'fulfilment-' || $1 AND status IN ('pending', 'failed')",
        )
        .bind(shipment)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let told: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM outbox WHERE idempotency_key = 'fulfilment-' || $1 AND status = 'sent'",
        )
        .bind(shipment)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE mail_outbox SET status = 'dismissed', last_error = 'label voided' WHERE shipment_id = $1 AND status IN ('pending', 'failed')",
        )
        .bind(shipment)
        .execute(&mut *tx)
        .await?;
        let before = order_status(&mut tx, order)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("order {order}")))?;
        let shipped: i64 = sqlx::query_scalar(
            "SELECT COALESCE(SUM(shipped), 0) FROM order_lines WHERE order_id = $1",
        )
        .bind(order)
        .fetch_one(&mut *tx)
        .await?;
        let backordered: i64 = sqlx::query_scalar(
            "SELECT COALESCE(SUM(backordered), 0) FROM order_lines WHERE order_id = $1",
        )
        .bind(order)
        .fetch_one(&mut *tx)
        .await?;
        let to = if shipped > 0 {
            oms_domain::OrderStatus::PartiallyShipped
        } else if backordered > 0 {
            oms_domain::OrderStatus::Backordered
        } else {
            oms_domain::OrderStatus::Allocated
        };
        crate::pipeline::set_status(&mut tx, order, before, to).await?;
        let _ = pending;
        crate::orders::insert_event(
            &mut tx,
            order,
            EventKind::Shipped,
            actor,
            &format!(
                "Label voided: {carrier} {}; {units} units back on hand and reserved",
                number.as_deref().unwrap_or("")
            ),
            Some(&if told > 0 {
                format!("{why}. The channel was told of this shipment before: its fulfilment there stays until cancelled on the channel")
            } else {
                why.to_owned()
            }),
        )
        .await?;
        tx.commit().await?;
        Ok(VoidedShipment {
            order_id: order,
            units,
            channel_told: told > 0,
        })
    }
}

/// A label purchase not finished: its answer was lost or the app stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingPurchase {
    pub id: i64,
    pub account_id: i64,
    pub carrier_shipment_id: String,
    pub rate_id: String,
    pub reason: Option<String>,
}

impl Store {
    /// The order's oldest unfinished label purchase.
    pub async fn pending_purchase(
        &self,
        order: i64,
    ) -> Result<Option<PendingPurchase>, StoreError> {
        let r: Option<(i64, i64, String, String, Option<String>)> = sqlx::query_as(
            "SELECT id, account_id, carrier_shipment_id, rate_id, reason FROM label_purchases \
             WHERE order_id = $1 AND status = 'pending' ORDER BY id LIMIT 1",
        )
        .bind(order)
        .fetch_optional(self.pool())
        .await?;
        Ok(r.map(|r| PendingPurchase {
            id: r.0,
            account_id: r.1,
            carrier_shipment_id: r.2,
            rate_id: r.3,
            reason: r.4,
        }))
    }

    /// Records a purchase about to be sent to the carrier.
    pub async fn begin_purchase(
        &self,
        order: i64,
        account: i64,
        carrier_shipment_id: &str,
        rate_id: &str,
        reason: Option<&str>,
        now: i64,
    ) -> Result<i64, StoreError> {
        let mut tx = begin_write(self).await?;
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO label_purchases (order_id, account_id, carrier_shipment_id, rate_id, reason, status, created_at) \
             VALUES ($1, $2, $3, $4, $5, 'pending', $6) ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(order)
        .bind(account)
        .bind(carrier_shipment_id)
        .bind(rate_id)
        .bind(reason)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        id.ok_or_else(|| {
            StoreError::Conflict(format!(
                "a label purchase for order {order} is under way: wait for it, then look again"
            ))
        })
    }

    /// Refuses a label purchase for units that cannot ship: the order is not allocated, or
    /// the packed parcel (or the units at the location) are no longer reserved.
    pub async fn check_shippable(&self, order: i64, parcel: Option<i64>) -> Result<(), StoreError> {
        let status: Option<String> = sqlx::query_scalar("SELECT status FROM orders WHERE id = $1")
            .bind(order)
            .fetch_optional(self.pool())
            .await?;
        let status = status.ok_or_else(|| StoreError::NotFound(format!("order {order}")))?;
        if !matches!(
            status.as_str(),
            "allocated" | "backordered" | "partially_shipped"
        ) {
            return Err(StoreError::Conflict(format!(
                "order {order} is {}: no label is bought for it",
                status.replace('_', " ")
            )));
        }
        let short: Option<i64> = match parcel {
            Some(p) => sqlx::query_scalar(
                "SELECT pl.line_no FROM parcel_lines pl JOIN parcels pa ON pa.id = pl.parcel_id \
                 WHERE pl.parcel_id = $1 AND (pa.status != 'packed' OR pl.quantity > \
                   (SELECT COALESCE(SUM(r.quantity), 0) FROM reservations r WHERE r.order_id = pa.order_id \
                    AND r.line_no = pl.line_no AND r.location_id = pa.location_id AND r.status = 'open')) LIMIT 1",
            )
            .bind(p)
            .fetch_optional(self.pool())
            .await?,
            None => None,
        };
        if let Some(line) = short {
            return Err(StoreError::Conflict(format!(
                "order {order}: line {line} of the packed parcel is no longer reserved; unpack and pack again"
            )));
        }
        let any: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM reservations WHERE order_id = $1 AND status = 'open'",
        )
        .bind(order)
        .fetch_one(self.pool())
        .await?;
        if any == 0 {
            return Err(StoreError::Conflict(format!(
                "order {order} has nothing reserved to ship"
            )));
        }
        Ok(())
    }

    /// A purchase ended: done (the label is recorded) or failed (the carrier refused; nothing
    /// was bought).
    pub async fn finish_purchase(
        &self,
        id: i64,
        done: bool,
        error: Option<&str>,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = begin_write(self).await?;
        sqlx::query(
            "UPDATE label_purchases SET status = $2, error = $3, finished_at = $4 WHERE id = $1 AND status = 'pending'",
        )
        .bind(id)
        .bind(if done { "done" } else { "failed" })
        .bind(error)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

type VoidFacts = (i64, i64, String, Option<String>, Vec<(i64, i64, i64)>);

/// The facts of a shipment whose label may be voided: (order, location, carrier, tracking
/// number, lines as (line, product, units)); a clear refusal otherwise.
async fn voidable(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    shipment: i64,
) -> Result<VoidFacts, StoreError> {
    type Row = (
        i64,
        Option<i64>,
        Option<i64>,
        Option<String>,
        String,
        Option<String>,
    );
    let (order, location, voided, status, carrier, number): Row = sqlx::query_as(
        "SELECT order_id, location_id, voided_at, tracking_status, carrier, tracking_number FROM shipments WHERE id = $1",
    )
    .bind(shipment)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("shipment {shipment}")))?;
    if voided.is_some() {
        return Err(StoreError::Conflict(format!(
            "shipment {shipment} is voided already"
        )));
    }
    if status
        .as_deref()
        .is_some_and(|s| s != "pre_transit" && s != "unknown")
    {
        return Err(StoreError::Conflict(format!(
            "shipment {shipment} is {}: a label the carrier has scanned cannot be voided",
            status.unwrap_or_default().replace('_', " ")
        )));
    }
    let location = location.ok_or_else(|| {
        StoreError::Invalid(format!("shipment {shipment} has no location to restock"))
    })?;
    let lines: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT line_no, product_id, quantity FROM shipment_lines WHERE shipment_id = $1",
    )
    .bind(shipment)
    .fetch_all(&mut **tx)
    .await?;
    if lines.is_empty() {
        return Err(StoreError::Conflict(format!(
            "shipment {shipment} does not record its lines (made before this version): void it with the carrier and adjust the stock by hand"
        )));
    }
    Ok((order, location, carrier, number, lines))
}
