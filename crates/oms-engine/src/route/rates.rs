//! Shipping estimates per location: the seam a carrier rate source plugs into, and an in-memory
//! rate table with zones by postal prefix, country or "anywhere else" and weight limits.

use super::RouteOrder;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use ts_rs::TS;

/// What shipping the order from one location is expected to cost and take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Estimate {
    #[ts(type = "number")]
    pub cost_minor: i64,
    pub transit_days: u32,
}

/// Where estimates come from. `None`: no estimate for this location and order (it then ranks
/// last for the cost and transit rankers).
pub trait RateSource: Send + Sync {
    fn estimate(&self, location_id: i64, order: &RouteOrder) -> Option<Estimate>;
}

/// No estimates at all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoRates;

impl RateSource for NoRates {
    fn estimate(&self, _location_id: i64, _order: &RouteOrder) -> Option<Estimate> {
        None
    }
}

/// Which destinations a rate row covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Zone {
    /// ISO country code, case-insensitive.
    Country(String),
    /// Postal codes of the country starting with the prefix (case, spaces and dashes ignored).
    PostalPrefix { country: String, prefix: String },
    /// Any destination.
    Rest,
}

/// One rate: shipping from `location_id` to `zone`, for parcels up to `max_weight_g` (none: any
/// weight).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RateRow {
    #[ts(type = "number")]
    pub location_id: i64,
    pub zone: Zone,
    #[ts(type = "number")]
    pub cost_minor: i64,
    pub transit_days: u32,
    pub max_weight_g: Option<u32>,
}

/// A row prepared for lookup: country and prefix normalised once.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Indexed {
    /// 0 postal prefix, 1 country, 2 rest: lower is more specific.
    rank: u8,
    country: String,
    prefix: String,
    max_weight_g: Option<u32>,
    estimate: Estimate,
}

/// Rates in memory, indexed by location. A lookup takes, for the location, the most specific
/// zone that matches the destination (longest postal prefix, then country, then rest) among the
/// rows whose weight limit fits the order; within one zone, the tightest weight band that fits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateTable {
    by_location: HashMap<i64, Vec<Indexed>>,
    rows: usize,
}

fn normalise_postal(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
}

impl RateTable {
    pub fn new(rows: impl IntoIterator<Item = RateRow>) -> Self {
        let mut t = RateTable::default();
        for r in rows {
            t.push(r);
        }
        for rows in t.by_location.values_mut() {
            sort_rows(rows);
        }
        t
    }

    /// Adds one row (the table stays indexed).
    pub fn insert(&mut self, row: RateRow) {
        let location_id = row.location_id;
        self.push(row);
        if let Some(rows) = self.by_location.get_mut(&location_id) {
            sort_rows(rows);
        }
    }

    fn push(&mut self, row: RateRow) {
        let (rank, country, prefix) = match row.zone {
            Zone::PostalPrefix { country, prefix } => (
                0,
                country.trim().to_ascii_uppercase(),
                normalise_postal(&prefix).collect(),
            ),
            Zone::Country(c) => (1, c.trim().to_ascii_uppercase(), String::new()),
            Zone::Rest => (2, String::new(), String::new()),
        };
        let rows = self.by_location.entry(row.location_id).or_default();
        rows.push(Indexed {
            rank,
            country,
            prefix,
            max_weight_g: row.max_weight_g,
            estimate: Estimate {
                cost_minor: row.cost_minor,
                transit_days: row.transit_days,
            },
        });
        self.rows += 1;
    }

    pub fn len(&self) -> usize {
        self.rows
    }

    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }
}

/// Most specific first; within one zone the tightest weight band first (no limit last). The sort
/// is stable, so rows equal in both keep the order they were given in.
fn sort_rows(rows: &mut [Indexed]) {
    rows.sort_by(|a, b| {
        a.rank
            .cmp(&b.rank)
            .then(b.prefix.len().cmp(&a.prefix.len()))
            .then(
                a.max_weight_g
                    .unwrap_or(u32::MAX)
                    .cmp(&b.max_weight_g.unwrap_or(u32::MAX)),
            )
    });
}

impl Indexed {
    fn matches(&self, order: &RouteOrder) -> bool {
        if self.max_weight_g.is_some_and(|m| order.weight_g > m) {
            return false;
        }
        let country_is = |c: &str| {
            order
                .country
                .as_deref()
                .is_some_and(|o| o.trim().eq_ignore_ascii_case(c))
        };
        match self.rank {
            0 => {
                country_is(&self.country)
                    && order.postal_code.as_deref().is_some_and(|p| {
                        let mut code = normalise_postal(p);
                        self.prefix.chars().all(|c| code.next() == Some(c))
                    })
            }
            1 => country_is(&self.country),
            _ => true,
        }
    }
}

impl RateSource for RateTable {
    fn estimate(&self, location_id: i64, order: &RouteOrder) -> Option<Estimate> {
        self.by_location
            .get(&location_id)?
            .iter()
            .find(|r| r.matches(order))
            .map(|r| r.estimate)
    }
}
