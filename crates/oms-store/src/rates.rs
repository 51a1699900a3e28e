//! The shipping rate table: replaced as a whole by an import, read by the routing rules (kept
//! in memory until the next import) and by the backtest.

use crate::inventory::begin_write;
use crate::{dialect, Store, StoreError};
use oms_domain::ShippingRateView;
use oms_engine::route::{RateRow, RateTable, Zone};
use std::sync::Arc;

/// Weight bands of the live quotes kept for routing, grams.
const WEIGHT_BANDS: [i64; 7] = [500, 1_000, 2_000, 5_000, 10_000, 20_000, 31_500];

impl Store {
    /// Replaces every rate with `rows` (location ids must exist) in one transaction.
    pub async fn replace_rates(&self, rows: &[ShippingRateView]) -> Result<u64, StoreError> {
        let mut tx = begin_write(self).await?;
        sqlx::query("DELETE FROM shipping_rates")
            .execute(&mut *tx)
            .await?;
        for part in rows.chunks(500) {
            let sql = format!(
                "INSERT INTO shipping_rates (location_id, country, postal_prefix, max_weight_g, cost_minor, currency, transit_days) VALUES {}",
                dialect::values_rows(part.len(), 7)
            );
            let mut q = sqlx::query(&sql);
            for r in part {
                q = q
                    .bind(r.location_id)
                    .bind(&r.country)
                    .bind(&r.postal_prefix)
                    .bind(r.max_weight_g.map(i64::from))
                    .bind(r.cost_minor)
                    .bind(&r.currency)
                    .bind(i64::from(r.transit_days));
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        self.forget_rates();
        Ok(rows.len() as u64)
    }

    /// Every rate, by location name, then country ('*' last), prefix and weight.
    pub async fn rates(&self) -> Result<Vec<ShippingRateView>, StoreError> {
        type RateRecord = (i64, String, String, String, Option<i64>, i64, String, i64);
        let rows: Vec<RateRecord> =
            sqlx::query_as(
                "SELECT r.location_id, l.name, r.country, r.postal_prefix, r.max_weight_g, r.cost_minor, r.currency, r.transit_days \
                 FROM shipping_rates r JOIN locations l ON l.id = r.location_id \
                 ORDER BY l.name, r.country = '*', r.country, r.postal_prefix, COALESCE(r.max_weight_g, 1 << 40), r.id",
            )
            .fetch_all(self.pool())
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| ShippingRateView {
                location_id: r.0,
                location_name: r.1,
                country: r.2,
                postal_prefix: r.3,
                max_weight_g: r.4.and_then(|w| u32::try_from(w).ok()),
                cost_minor: r.5,
                currency: r.6,
                transit_days: u32::try_from(r.7).unwrap_or(0),
            })
            .collect())
    }

    /// Keeps a carrier's live quote for the routing rules: per location, destination country
    /// and weight band (the parcel's weight rounded up to 0.5, 1, 2, 5, 10, 20 or 31.5 kg), the
    /// newest cheapest quote (`seen_at`: when it last changed).
    #[allow(clippy::too_many_arguments)]
    pub async fn note_rate_sample(
        &self,
        location_id: i64,
        country: &str,
        weight_g: i64,
        cost_minor: i64,
        currency: &str,
        transit_days: u32,
        carrier: &str,
        service: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let Some(band) = WEIGHT_BANDS.iter().copied().find(|b| weight_g <= *b) else {
            return Ok(());
        };
        let mut tx = begin_write(self).await?;
        let changed = sqlx::query(
            "INSERT INTO carrier_rate_samples (location_id, country, max_weight_g, cost_minor, currency, transit_days, carrier, service, seen_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (location_id, country, max_weight_g) DO UPDATE SET \
             cost_minor = excluded.cost_minor, currency = excluded.currency, transit_days = excluded.transit_days, \
             carrier = excluded.carrier, service = excluded.service, seen_at = excluded.seen_at \
             WHERE cost_minor != excluded.cost_minor OR transit_days != excluded.transit_days \
                OR currency != excluded.currency",
        )
        .bind(location_id)
        .bind(country.trim().to_ascii_uppercase())
        .bind(band)
        .bind(cost_minor)
        .bind(currency)
        .bind(i64::from(transit_days))
        .bind(carrier)
        .bind(service)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        // Only a changed estimate makes the routing rules read their table again (a batch of
        // labels quotes the same lanes over and over).
        if changed > 0 {
            self.forget_rates();
        }
        Ok(())
    }

    /// The rate table for the routing rules, read once and kept until the next import or live
    /// quote: the imported rows, and the carriers' live quotes for each location and country
    /// the imported table names no postal or country row for (they rank above its "anywhere
    /// else" rows).
    pub async fn rate_table(&self) -> Result<Arc<RateTable>, StoreError> {
        if let Ok(g) = self.rates.read() {
            if let Some(t) = g.as_ref() {
                return Ok(Arc::clone(t));
            }
        }
        let imported = self.rates().await?;
        let covered: std::collections::HashSet<(i64, String)> = imported
            .iter()
            .filter(|r| r.country != "*")
            .map(|r| (r.location_id, r.country.to_ascii_uppercase()))
            .collect();
        let learned: Vec<(i64, String, i64, i64, i64)> = sqlx::query_as(
            "SELECT location_id, country, max_weight_g, cost_minor, transit_days FROM carrier_rate_samples",
        )
        .fetch_all(self.pool())
        .await?;
        let learned = learned
            .into_iter()
            .filter(|l| !covered.contains(&(l.0, l.1.clone())))
            .map(|l| RateRow {
                location_id: l.0,
                zone: Zone::Country(l.1),
                cost_minor: l.3,
                transit_days: u32::try_from(l.4).unwrap_or(0),
                max_weight_g: u32::try_from(l.2).ok(),
            })
            .collect::<Vec<_>>();
        let t = Arc::new(RateTable::new(
            imported
                .into_iter()
                .map(|r| RateRow {
                    location_id: r.location_id,
                    zone: match (r.country.as_str(), r.postal_prefix.is_empty()) {
                        ("*", _) => Zone::Rest,
                        (_, true) => Zone::Country(r.country),
                        (_, false) => Zone::PostalPrefix {
                            country: r.country,
                            prefix: r.postal_prefix,
                        },
                    },
                    cost_minor: r.cost_minor,
                    transit_days: r.transit_days,
                    max_weight_g: r.max_weight_g,
                })
                .chain(learned),
        ));
        if let Ok(mut g) = self.rates.write() {
            *g = Some(Arc::clone(&t));
        }
        Ok(t)
    }

    pub(crate) fn forget_rates(&self) {
        if let Ok(mut g) = self.rates.write() {
            *g = None;
        }
    }
}
