//! What a backtest replays: past orders as the routing rules see them, today's locations (with
//! no load: the backtest counts its own per day) and the stock on hand. Reads only.

use crate::process::{locate_address, parse_locations, JRow, LOCATIONS_SQL};
use crate::{dialect, Store, StoreError};
use oms_engine::route::{BacktestOrder, RouteLine, RouteLocation, RouteOrder};
use oms_engine::AddressFacts;
use sqlx::Row;

const DAY_MS: i64 = 86_400_000;

impl Store {
    /// The orders `ids` (merged and cancelled ones left out) as the routing rules see them,
    /// each line with what was ordered minus what was
    /// cancelled; the ship-to address located offline. In no particular order: the caller sorts
    /// the whole selection by placed time.
    pub async fn backtest_orders(&self, ids: &[i64]) -> Result<Vec<BacktestOrder>, StoreError> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(5_000) {
            let row = sqlx::query(&format!(
                "SELECT (SELECT json_group_array(json_array(o.id, c.kind, o.ship_country, o.ship_region, o.ship_postal, \
                 o.ship_city, o.shipping_service, o.tags, o.grand_total, o.placed_at, o.ship_line1)) \
                 FROM orders o JOIN connections c ON c.id = o.connection_id \
                 WHERE {} AND o.status NOT IN ('merged', 'cancelled')), \
                 (SELECT json_group_array(json_array(l.order_id, l.line_no, l.product_id, l.quantity - l.cancelled, p.allow_backorder)) \
                 FROM order_lines l JOIN products p ON p.id = l.product_id WHERE {} AND l.quantity > l.cancelled)",
                dialect::in_id_list("o.id", 1),
                dialect::in_id_list("l.order_id", 1)
            ))
            .bind(dialect::id_list(chunk))
            .fetch_one(self.pool())
            .await?;
            let parse = |i: usize| -> Result<Vec<Vec<serde_json::Value>>, StoreError> {
                let text: String = row.try_get(i)?;
                serde_json::from_str(&text)
                    .map_err(|e| StoreError::Invalid(format!("the backtest's read: {e}")))
            };
            let (orders, lines) = (parse(0)?, parse(1)?);
            let mut by_order: std::collections::HashMap<i64, Vec<RouteLine>> =
                std::collections::HashMap::new();
            for l in &lines {
                let r = JRow(l);
                let qty: i64 = r.try_get(3)?;
                by_order.entry(r.try_get(0)?).or_default().push(RouteLine {
                    line_no: u32::try_from(r.try_get::<i64>(1)?).unwrap_or(0),
                    product_id: r.try_get(2)?,
                    quantity: u32::try_from(qty).unwrap_or(0),
                    allow_backorder: r.try_get::<i64>(4)? != 0,
                    group: None,
                });
            }
            for o in &orders {
                let r = JRow(o);
                let id: i64 = r.try_get(0)?;
                let Some(mut lines) = by_order.remove(&id) else {
                    continue;
                };
                lines.sort_by_key(|l| l.line_no);
                let country: Option<String> = r.try_get(2)?;
                let region: Option<String> = r.try_get(3)?;
                let postal: Option<String> = r.try_get(4)?;
                let city: Option<String> = r.try_get(5)?;
                let placed_at: i64 = r.try_get(9)?;
                let dest = country.as_ref().and_then(|c| {
                    locate_address(&AddressFacts {
                        name: String::new(),
                        line1: r
                            .try_get::<Option<String>>(10)
                            .ok()
                            .flatten()
                            .unwrap_or_default(),
                        line2: None,
                        city: city.clone().unwrap_or_default(),
                        region: region.clone(),
                        postal_code: postal.clone(),
                        country: c.clone(),
                    })
                });
                out.push(BacktestOrder {
                    order: RouteOrder {
                        order_id: id,
                        channel: r.try_get(1)?,
                        country,
                        region,
                        postal_code: postal,
                        shipping_service: r.try_get(6)?,
                        tags: r
                            .try_get::<String>(7)?
                            .split_whitespace()
                            .map(str::to_lowercase)
                            .collect(),
                        value_minor: r.try_get(8)?,
                        weight_g: 0,
                        dest,
                        pickup_location: None,
                        lines,
                    },
                    day: placed_at.div_euclid(DAY_MS),
                    minute: u32::try_from(placed_at.rem_euclid(DAY_MS) / 60_000).unwrap_or(0),
                });
            }
        }
        Ok(out)
    }

    /// Every location as the routing rules see it, with nothing used yet.
    pub async fn backtest_locations(&self) -> Result<Vec<RouteLocation>, StoreError> {
        let row = sqlx::query(&format!("SELECT ({LOCATIONS_SQL})"))
            .bind(None::<i64>)
            .bind(None::<i64>)
            .bind(None::<i64>)
            .bind(i64::MIN)
            .fetch_one(self.pool())
            .await?;
        let text: String = row.try_get(0)?;
        let rows: Vec<Vec<serde_json::Value>> = serde_json::from_str(&text)
            .map_err(|e| StoreError::Invalid(format!("the locations' read: {e}")))?;
        let rows: Vec<JRow<'_>> = rows.iter().map(|r| JRow(r)).collect();
        parse_locations(&rows)
    }

    /// (product, location, on hand) of every stock level.
    pub async fn backtest_levels(&self) -> Result<Vec<(i64, i64, i64)>, StoreError> {
        Ok(
            sqlx::query_as("SELECT product_id, location_id, on_hand FROM inventory_levels")
                .fetch_all(self.pool())
                .await?,
        )
    }
}
