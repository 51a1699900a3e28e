//! Routing: which location or locations ship an order, and why. A strategy (the first whose
//! condition matches the order, else the fallback) filters the locations, ranks the survivors
//! and splits the order across them by its policy. The decision carries every candidate with
//! the filter that rejected it or the values it was ranked by, so the UI can explain it in its
//! own words; `explanation` is one English sentence for the timeline and the CLI.
//!
//! Two limits hold whatever a strategy lists: a paused location is never used, and a location's
//! remaining capacity today (orders, units, cut-off) is never exceeded. When a strategy does not
//! list `NotPaused` or `CapacityLeft`, they are applied after its own filters.

mod backtest;
mod rates;

pub use backtest::{
    changed, simulate, starting_stock, BacktestMetrics, BacktestOrder, LocationLoad, Simulation,
    StockModel,
};
pub use rates::{Estimate, NoRates, RateRow, RateSource, RateTable, Zone};

use crate::reserve::{Allocation, Stock};
use crate::settings::contains_any;
use oms_domain::LocationKind;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::fmt::Write as _;
use ts_rs::TS;

/// Mean Earth radius (IUGG), in km.
pub const EARTH_RADIUS_KM: f64 = 6371.0088;
const MINUTES_PER_DAY: u32 = 24 * 60;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
pub struct GeoPoint {
    pub lat: f64,
    pub lon: f64,
}

/// Great-circle distance (haversine) in km.
pub fn great_circle_km(a: GeoPoint, b: GeoPoint) -> f64 {
    let (p1, p2) = (a.lat.to_radians(), b.lat.to_radians());
    let dp = p2 - p1;
    let dl = (b.lon - a.lon).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

/// How precisely the destination was located.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    PostalCode,
    City,
    Region,
    Country,
    #[default]
    Unknown,
}

/// A location as routing sees it, with today's usage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteLocation {
    pub id: i64,
    pub name: String,
    pub kind: LocationKind,
    pub point: Option<GeoPoint>,
    pub country: Option<String>,
    /// ISO country codes it ships to; empty: everywhere.
    pub ships_to: Vec<String>,
    /// Higher is preferred.
    pub priority: i32,
    pub paused: bool,
    /// Orders per day.
    pub capacity_orders: Option<u32>,
    /// Units per day.
    pub capacity_units: Option<u32>,
    pub used_orders_today: u32,
    pub used_units_today: u32,
    /// Minutes after 00:00 UTC from which today's capacity is closed.
    pub cutoff_minute_utc: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteLine {
    pub line_no: u32,
    pub product_id: i64,
    pub quantity: u32,
    /// The line may wait for stock. Routing never reserves more than is available either way:
    /// what no location can supply is `short`; the caller backorders it or holds the order.
    pub allow_backorder: bool,
    /// Lines of the same group ship together, from one location.
    pub group: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteOrder {
    pub order_id: i64,
    pub channel: String,
    pub country: Option<String>,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    pub shipping_service: Option<String>,
    pub tags: Vec<String>,
    pub value_minor: i64,
    pub weight_g: u32,
    pub dest: Option<(GeoPoint, Precision)>,
    /// Buy online, pick up in store: reserve at this location only.
    pub pickup_location: Option<i64>,
    pub lines: Vec<RouteLine>,
}

/// Removes locations; the first that removes one is recorded as its `rejected_by`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Filter {
    NotPaused,
    /// Ships to the order's country (a location with an empty `ships_to` ships everywhere).
    ShipsToDestination,
    /// Has stock for at least one line now; with split `Never`, for the whole order.
    HasStock,
    /// An order and a unit left of today's capacity (with split `Never`, units for the whole
    /// order) and before today's cut-off.
    CapacityLeft,
    /// Of one of these kinds (empty: any).
    Kinds {
        kinds: Vec<LocationKind>,
    },
    /// At most this far from the destination; an unknown distance does not pass.
    MaxDistanceKm {
        km: f64,
    },
}

impl Filter {
    /// The name recorded in `Candidate::rejected_by` (the serde tag).
    pub fn name(&self) -> &'static str {
        match self {
            Filter::NotPaused => "not_paused",
            Filter::ShipsToDestination => "ships_to_destination",
            Filter::HasStock => "has_stock",
            Filter::CapacityLeft => "capacity_left",
            Filter::Kinds { .. } => "kinds",
            Filter::MaxDistanceKm { .. } => "max_distance_km",
        }
    }
}

/// Orders the survivors by a value, smallest first; a missing value ranks last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Ranker {
    /// Distance to the destination in km.
    Nearest,
    /// Estimated shipping cost.
    LowestCost,
    /// Estimated days in transit.
    FastestTransit,
    /// The location's priority, negated (higher priority first).
    LocationPriority,
    /// Lines the location cannot fill completely from its stock (0: it can ship all of it).
    FewestShipments,
    /// The fraction of today's capacity left (the lower of orders and units), negated; a
    /// location without limits counts as entirely free.
    SpreadLoad,
}

impl Ranker {
    /// The name used in `Candidate::values` and `winner_rule` (the serde tag).
    pub fn name(self) -> &'static str {
        match self {
            Ranker::Nearest => "nearest",
            Ranker::LowestCost => "lowest_cost",
            Ranker::FastestTransit => "fastest_transit",
            Ranker::LocationPriority => "location_priority",
            Ranker::FewestShipments => "fewest_shipments",
            Ranker::SpreadLoad => "spread_load",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SplitPolicy {
    /// One location: the best-ranked that can fill the whole order, else the best-ranked with
    /// anything; what it lacks is short.
    Never,
    /// One location when a single one can fill every line, else greedily by rank: each takes
    /// all it can. Lines of one group always come from one location.
    #[default]
    WhenNeeded,
    /// Like `WhenNeeded`, with at most this many locations; what cannot be placed is short.
    UpTo { shipments: u32 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum WhenFull {
    /// A location without capacity is filtered out and the next one ships.
    #[default]
    RouteElsewhere,
    /// When the best location (ranked ignoring capacity) is full, the order is not routed and
    /// waits for its capacity.
    Wait,
}

/// When a strategy applies. Empty lists mean any; every part given must match; within a list,
/// any entry matching is enough.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct Condition {
    /// Channel names, case-insensitive.
    pub channels: Vec<String>,
    /// Destination ISO country codes, case-insensitive.
    pub countries: Vec<String>,
    /// Words in the shipping service name (substring, case-insensitive).
    pub services: Vec<String>,
    /// Order tags, case-insensitive.
    pub tags: Vec<String>,
    #[ts(type = "number | null")]
    pub min_value_minor: Option<i64>,
    #[ts(type = "number | null")]
    pub max_value_minor: Option<i64>,
}

fn eq_any(list: &[String], value: &str) -> bool {
    let value = value.trim();
    list.iter().any(|x| x.trim().eq_ignore_ascii_case(value))
}

impl Condition {
    pub fn matches(&self, o: &RouteOrder) -> bool {
        (self.channels.is_empty() || eq_any(&self.channels, &o.channel))
            && (self.countries.is_empty()
                || o.country
                    .as_deref()
                    .is_some_and(|c| eq_any(&self.countries, c)))
            && (self.services.is_empty()
                || o.shipping_service
                    .as_deref()
                    .is_some_and(|s| contains_any(s, &self.services).is_some()))
            && (self.tags.is_empty() || o.tags.iter().any(|t| eq_any(&self.tags, t)))
            && self.min_value_minor.is_none_or(|m| o.value_minor >= m)
            && self.max_value_minor.is_none_or(|m| o.value_minor <= m)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct Strategy {
    pub name: String,
    pub when: Condition,
    pub filters: Vec<Filter>,
    /// Rankers in order: each later one breaks the earlier ones' ties; the lower location id
    /// breaks the last tie.
    pub rank: Vec<Ranker>,
    pub split: SplitPolicy,
    pub when_full: WhenFull,
}

impl Default for Strategy {
    fn default() -> Self {
        Self {
            name: "default".into(),
            when: Condition::default(),
            filters: vec![
                Filter::NotPaused,
                Filter::ShipsToDestination,
                Filter::HasStock,
                Filter::CapacityLeft,
            ],
            rank: vec![Ranker::Nearest, Ranker::LocationPriority],
            split: SplitPolicy::WhenNeeded,
            when_full: WhenFull::RouteElsewhere,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct RoutingSettings {
    /// The first whose condition matches the order routes it.
    pub strategies: Vec<Strategy>,
    /// Routes the orders no strategy matches (its condition is not consulted).
    pub fallback: Strategy,
}

impl RoutingSettings {
    pub fn strategy_for(&self, order: &RouteOrder) -> &Strategy {
        self.strategies
            .iter()
            .find(|s| s.when.matches(order))
            .unwrap_or(&self.fallback)
    }
}

/// One location's part in the decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Candidate {
    #[ts(type = "number")]
    pub location_id: i64,
    pub name: String,
    /// The filter that removed it ("capacity_left"), or "pickup" for the locations other than
    /// a pickup order's.
    pub rejected_by: Option<String>,
    /// Why, in plain English ("capacity full today (40/40 orders)").
    pub reason: Option<String>,
    /// (ranker, value) for the locations that were ranked; missing values are left out.
    pub values: Vec<(String, f64)>,
    /// Ships some of the order.
    pub chosen: bool,
}

/// Where an order ships from and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct RouteDecision {
    /// Name of the strategy that routed it.
    pub strategy: String,
    #[serde(with = "allocation_serde")]
    #[ts(
        type = "Array<{ line_no: number, product_id: number, location_id: number, quantity: number }>"
    )]
    pub allocations: Vec<Allocation>,
    /// (line, units) not placed anywhere.
    pub short: Vec<(u32, u32)>,
    /// Locations used.
    pub shipments: u32,
    /// The location whose capacity the order waits for (`WhenFull::Wait`).
    #[ts(type = "number | null")]
    pub waits_for: Option<i64>,
    /// Ranked locations in rank order, then the others in the order given.
    pub candidates: Vec<Candidate>,
    /// What made the main location win: a ranker's name, "location_id" (all rankers tied),
    /// "only_candidate", "fills_whole_order" (better-ranked ones could not), "has_stock"
    /// (better-ranked ones had nothing to give).
    pub winner_rule: Option<String>,
    /// Of the main (best-ranked used) location.
    pub distance_km: Option<f64>,
    /// Sum of the used locations' estimates (none if one is missing).
    #[ts(type = "number | null")]
    pub cost_minor: Option<i64>,
    /// Longest transit of the used locations (none if one is missing).
    pub transit_days: Option<u32>,
    pub precision: Precision,
    pub explanation: String,
}

mod allocation_serde {
    use crate::reserve::Allocation;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    struct Row {
        line_no: u32,
        product_id: i64,
        location_id: i64,
        quantity: u32,
    }

    pub fn serialize<S: Serializer>(v: &[Allocation], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|a| Row {
            line_no: a.line_no,
            product_id: a.product_id,
            location_id: a.location_id,
            quantity: a.quantity,
        }))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Allocation>, D::Error> {
        Ok(Vec::<Row>::deserialize(d)?
            .into_iter()
            .map(|r| Allocation {
                line_no: r.line_no,
                product_id: r.product_id,
                location_id: r.location_id,
                quantity: r.quantity,
            })
            .collect())
    }
}

// ---------------------------------------------------------------------------------------------
// The engine.

/// The order's lines, indexed once: distinct products, what each needs, groups.
struct Lines {
    products: Vec<i64>,
    /// Per line: index into `products`.
    prod: Vec<usize>,
    qty: Vec<u32>,
    /// Per line: units of its product needed by it and the lines before it.
    cum: Vec<u64>,
    per_product: Vec<u64>,
    /// Per line: its group, as the index of the group's first line.
    group: Vec<Option<usize>>,
    total: u64,
}

impl Lines {
    fn new(lines: &[RouteLine]) -> Self {
        let n = lines.len();
        let mut l = Lines {
            products: Vec::with_capacity(n),
            prod: Vec::with_capacity(n),
            qty: Vec::with_capacity(n),
            cum: Vec::with_capacity(n),
            per_product: Vec::with_capacity(n),
            group: Vec::with_capacity(n),
            total: 0,
        };
        for (i, line) in lines.iter().enumerate() {
            let p = match l.products.iter().position(|&p| p == line.product_id) {
                Some(p) => p,
                None => {
                    l.products.push(line.product_id);
                    l.per_product.push(0);
                    l.products.len() - 1
                }
            };
            let q = u64::from(line.quantity);
            l.per_product[p] += q;
            l.cum.push(l.per_product[p]);
            l.prod.push(p);
            l.qty.push(line.quantity);
            l.total += q;
            l.group.push(line.group.as_ref().map(|g| {
                lines[..i]
                    .iter()
                    .position(|o| o.group.as_ref() == Some(g))
                    .unwrap_or(i)
            }));
        }
        l
    }

    fn in_group(&self, g: usize) -> impl Iterator<Item = usize> + '_ {
        (g..self.group.len()).filter(move |&i| self.group[i] == Some(g))
    }
}

/// A location's state while routing.
struct Cand {
    distance: Option<f64>,
    /// (filter, reason) of the first filter that removed it.
    rejected: Option<(&'static str, String)>,
    /// Ranked: not rejected, or rejected by capacity alone (for `WhenFull::Wait`).
    ranked: bool,
    estimate: Option<Estimate>,
}

fn past_cutoff(l: &RouteLocation, now: u32) -> bool {
    l.cutoff_minute_utc.is_some_and(|c| now >= c)
}

fn units_left(l: &RouteLocation) -> u64 {
    l.capacity_units.map_or(u64::MAX, |c| {
        u64::from(c.saturating_sub(l.used_units_today))
    })
}

/// Why the location cannot take `units` more units today, if it cannot.
fn capacity_problem(l: &RouteLocation, now: u32, units: u64) -> Option<String> {
    if let Some(c) = l.cutoff_minute_utc.filter(|&c| now >= c) {
        return Some(format!(
            "past today's cut-off ({:02}:{:02} UTC)",
            c / 60,
            c % 60
        ));
    }
    if let Some(c) = l.capacity_orders.filter(|&c| l.used_orders_today >= c) {
        return Some(format!(
            "capacity full today ({}/{c} orders)",
            l.used_orders_today
        ));
    }
    let left = units_left(l);
    if left == 0 {
        return Some(format!(
            "unit capacity full today ({}/{} units)",
            l.used_units_today,
            l.capacity_units.unwrap_or(0)
        ));
    }
    if left < units {
        return Some(format!(
            "only {left} units of capacity left today; the order needs {units}"
        ));
    }
    None
}

fn fraction_left(l: &RouteLocation, now: u32) -> f64 {
    if past_cutoff(l, now) {
        return 0.0;
    }
    let frac = |cap: Option<u32>, used: u32| {
        cap.map_or(1.0, |c| {
            if c == 0 {
                0.0
            } else {
                f64::from(c.saturating_sub(used)) / f64::from(c)
            }
        })
    };
    frac(l.capacity_orders, l.used_orders_today).min(frac(l.capacity_units, l.used_units_today))
}

fn join_codes(list: &[String]) -> String {
    list.iter()
        .map(|s| s.trim().to_ascii_uppercase())
        .collect::<Vec<_>>()
        .join(", ")
}

struct FilterCtx<'a> {
    order: &'a RouteOrder,
    lines: &'a Lines,
    now: u32,
    never_split: bool,
    pickup: bool,
}

impl FilterCtx<'_> {
    /// Why `f` removes the location, or None when it stays; `row` is its stock per product.
    fn rejects(&self, f: &Filter, l: &RouteLocation, c: &Cand, row: &[i64]) -> Option<String> {
        match f {
            Filter::NotPaused if l.paused => Some("paused".into()),
            Filter::ShipsToDestination if !self.pickup && !l.ships_to.is_empty() => {
                match self.order.country.as_deref() {
                    Some(dc) if eq_any(&l.ships_to, dc) => None,
                    Some(dc) => Some(format!(
                        "does not ship to {} (ships to {})",
                        dc.trim().to_ascii_uppercase(),
                        join_codes(&l.ships_to)
                    )),
                    None => Some(format!(
                        "destination country unknown (ships only to {})",
                        join_codes(&l.ships_to)
                    )),
                }
            }
            Filter::HasStock => self.lacks_stock(row),
            Filter::CapacityLeft => {
                let units = if self.never_split {
                    self.lines.total
                } else {
                    1
                };
                capacity_problem(l, self.now, units.max(1))
            }
            Filter::Kinds { kinds } if !kinds.is_empty() && !kinds.contains(&l.kind) => {
                Some(format!(
                    "is a {} (allowed: {})",
                    l.kind.as_str(),
                    kinds
                        .iter()
                        .map(|k| k.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            }
            Filter::MaxDistanceKm { km } if !self.pickup => match c.distance {
                Some(d) if d <= *km => None,
                Some(d) => Some(format!("{d:.0} km away (limit {km:.0} km)")),
                None if self.order.dest.is_none() => {
                    Some("distance unknown: the destination has no coordinates".into())
                }
                None => Some("distance unknown: the location has no coordinates".into()),
            },
            _ => None,
        }
    }

    fn lacks_stock(&self, row: &[i64]) -> Option<String> {
        let lines = self.lines;
        if self.never_split {
            for (i, &q) in lines.qty.iter().enumerate() {
                let a = u64::try_from(row[lines.prod[i]]).unwrap_or(0);
                if q > 0 && lines.cum[i] > a {
                    let before = lines.cum[i] - u64::from(q);
                    return Some(format!(
                        "cannot fill the whole order (line {}: {} of {q} available)",
                        self.order.lines[i].line_no,
                        a.saturating_sub(before)
                    ));
                }
            }
            if lines.total > 0 {
                return None;
            }
        } else if lines
            .qty
            .iter()
            .zip(&lines.prod)
            .any(|(&q, &p)| q > 0 && row[p] > 0)
        {
            return None;
        }
        Some("no stock for any line".into())
    }
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

fn ranker_value(
    r: Ranker,
    l: &RouteLocation,
    c: &Cand,
    row: &[i64],
    lines: &Lines,
    now: u32,
) -> Option<f64> {
    match r {
        Ranker::Nearest => c.distance,
        Ranker::LowestCost => c.estimate.map(|e| e.cost_minor as f64),
        Ranker::FastestTransit => c.estimate.map(|e| f64::from(e.transit_days)),
        Ranker::LocationPriority => Some(-f64::from(l.priority)),
        Ranker::FewestShipments => {
            let unfilled = (0..lines.qty.len())
                .filter(|&i| {
                    lines.qty[i] > 0
                        && lines.cum[i] > u64::try_from(row[lines.prod[i]]).unwrap_or(0)
                })
                .count();
            Some(unfilled as f64)
        }
        Ranker::SpreadLoad => Some(-fraction_left(l, now)),
    }
}

fn cmp_value(a: Option<f64>, b: Option<f64>) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// Splitting the order over the survivors (indexed 0.. in rank order).
struct Alloc<'a> {
    lines: &'a Lines,
    np: usize,
    nl: usize,
    /// Survivor × product.
    avail: Vec<i64>,
    units_left: Vec<u64>,
    /// Survivor × line.
    take: Vec<u32>,
    remaining: Vec<u32>,
    used: Vec<bool>,
    shipments: u32,
}

impl Alloc<'_> {
    fn take_line(&mut self, s: usize, li: usize) -> u32 {
        let rem = self.remaining[li];
        let slot = s * self.np + self.lines.prod[li];
        let a = u64::try_from(self.avail[slot]).unwrap_or(0);
        let q = u64::from(rem).min(a).min(self.units_left[s]);
        let Ok(q) = u32::try_from(q) else { return 0 };
        if q == 0 {
            return 0;
        }
        self.avail[slot] -= i64::from(q);
        self.units_left[s] -= u64::from(q);
        self.remaining[li] -= q;
        self.take[s * self.nl + li] += q;
        if !self.used[s] {
            self.used[s] = true;
            self.shipments += 1;
        }
        q
    }

    fn take_all(&mut self, s: usize) {
        for li in 0..self.nl {
            self.take_line(s, li);
        }
    }

    fn fills_all(&self, s: usize) -> bool {
        self.units_left[s] >= self.lines.total
            && self
                .lines
                .per_product
                .iter()
                .enumerate()
                .all(|(p, &need)| u64::try_from(self.avail[s * self.np + p]).unwrap_or(0) >= need)
    }

    /// Units of group `g` location `s` can supply: per product the smaller of what it has and
    /// what the group still needs, capped by its unit capacity.
    fn group_supply(&self, s: usize, g: usize) -> (u64, u64) {
        let (mut supply, mut need) = (0u64, 0u64);
        for li in self.lines.in_group(g) {
            let p = self.lines.prod[li];
            need += u64::from(self.remaining[li]);
            // Count each product once, at its first line in the group.
            if self.lines.in_group(g).find(|&o| self.lines.prod[o] == p) != Some(li) {
                continue;
            }
            let wanted: u64 = self
                .lines
                .in_group(g)
                .filter(|&o| self.lines.prod[o] == p)
                .map(|o| u64::from(self.remaining[o]))
                .sum();
            let a = u64::try_from(self.avail[s * self.np + p]).unwrap_or(0);
            supply += wanted.min(a);
        }
        (supply.min(self.units_left[s]), need)
    }

    fn take_group(&mut self, s: usize, g: usize) {
        for li in g..self.nl {
            if self.lines.group[li] == Some(g) {
                self.take_line(s, li);
            }
        }
    }

    fn can_take_any(&self, s: usize) -> bool {
        self.units_left[s] > 0
            && (0..self.nl).any(|li| {
                self.remaining[li] > 0 && self.avail[s * self.np + self.lines.prod[li]] > 0
            })
    }

    /// Returns whether the main location was picked for filling the whole order.
    fn run(&mut self, split: SplitPolicy) -> bool {
        let n = self.units_left.len();
        let limit = match split {
            SplitPolicy::Never => 1,
            SplitPolicy::WhenNeeded => u32::MAX,
            SplitPolicy::UpTo { shipments } => shipments,
        };
        if limit == 0 || self.lines.total == 0 {
            return false;
        }
        if let Some(s) = (0..n).find(|&s| self.fills_all(s)) {
            self.take_all(s);
            return true;
        }
        if limit == 1 {
            if let Some(s) = (0..n).find(|&s| self.can_take_any(s)) {
                self.take_all(s);
            }
            return false;
        }
        let mut placed = vec![false; self.nl];
        for s in 0..n {
            if self.shipments >= limit {
                break;
            }
            for li in 0..self.nl {
                match self.lines.group[li] {
                    None => {
                        self.take_line(s, li);
                    }
                    Some(g) if g == li && !placed[g] => {
                        let (supply, need) = self.group_supply(s, g);
                        if supply >= need {
                            self.take_group(s, g);
                            placed[g] = true;
                        }
                    }
                    Some(_) => {}
                }
            }
        }
        // Groups no location could fill completely: from the one supplying the most (a used one
        // on a tie, then the better-ranked), partially.
        for (g, &done) in placed.iter().enumerate() {
            if done || self.lines.group[g] != Some(g) {
                continue;
            }
            let mut best: Option<(usize, u64, bool)> = None;
            for s in 0..n {
                if !self.used[s] && self.shipments >= limit {
                    continue;
                }
                let (supply, _) = self.group_supply(s, g);
                let better = match best {
                    None => supply > 0,
                    Some((_, bs, bu)) => supply > bs || (supply == bs && self.used[s] && !bu),
                };
                if better {
                    best = Some((s, supply, self.used[s]));
                }
            }
            if let Some((s, _, _)) = best {
                self.take_group(s, g);
            }
        }
        false
    }
}

/// Routes one order. Never reserves more than `stock` has available at a location nor more
/// than a location's remaining capacity today; every unit of every line is either allocated or
/// short. `now_minute_utc` is minutes after 00:00 UTC (taken modulo a day).
pub fn route(
    order: &RouteOrder,
    locations: &[RouteLocation],
    stock: &Stock,
    rates: &dyn RateSource,
    settings: &RoutingSettings,
    now_minute_utc: u32,
) -> RouteDecision {
    let strategy = settings.strategy_for(order);
    let now = now_minute_utc % MINUTES_PER_DAY;
    let lines = Lines::new(&order.lines);
    let np = lines.products.len();
    let n = locations.len();
    let dest = order.dest.map(|(p, _)| p);
    let ctx = FilterCtx {
        order,
        lines: &lines,
        now,
        never_split: strategy.split == SplitPolicy::Never,
        pickup: order.pickup_location.is_some(),
    };
    const IMPLICIT: [Filter; 2] = [Filter::NotPaused, Filter::CapacityLeft];
    let implicit = [
        !strategy.filters.contains(&IMPLICIT[0]),
        !strategy.filters.contains(&IMPLICIT[1]),
    ];
    let filters = || {
        strategy.filters.iter().chain(
            IMPLICIT
                .iter()
                .zip(implicit)
                .filter(|(_, on)| *on)
                .map(|(f, _)| f),
        )
    };

    // Filters.
    let mut avail = vec![0i64; n * np];
    let mut cands: Vec<Cand> = Vec::with_capacity(n);
    for (i, l) in locations.iter().enumerate() {
        let mut c = Cand {
            distance: match (dest, l.point) {
                (Some(d), Some(p)) => finite(great_circle_km(p, d)),
                _ => None,
            },
            rejected: None,
            ranked: false,
            estimate: None,
        };
        if order.pickup_location.is_some_and(|p| p != l.id) {
            c.rejected = Some(("pickup", "not the pickup location".into()));
            cands.push(c);
            continue;
        }
        let row = &mut avail[i * np..(i + 1) * np];
        for (slot, &p) in row.iter_mut().zip(&lines.products) {
            *slot = stock.available(p, l.id).max(0);
        }
        let row = &avail[i * np..(i + 1) * np];
        let mut other_fail = false;
        for f in filters() {
            let capacity = matches!(f, Filter::CapacityLeft);
            if capacity && c.rejected.is_some() {
                continue;
            }
            if let Some(reason) = ctx.rejects(f, l, &c, row) {
                if c.rejected.is_none() {
                    c.rejected = Some((f.name(), reason));
                }
                if !capacity {
                    other_fail = true;
                    break;
                }
            }
        }
        c.ranked = !other_fail;
        if c.ranked {
            c.estimate = rates.estimate(l.id, order);
        }
        cands.push(c);
    }

    // Ranking (the capacity-rejected too, for `Wait`).
    let nr = strategy.rank.len();
    let mut keys = vec![None; n * nr];
    let mut pool: Vec<usize> = Vec::with_capacity(n);
    for (i, c) in cands.iter().enumerate().filter(|(_, c)| c.ranked) {
        let row = &avail[i * np..(i + 1) * np];
        for (k, &r) in strategy.rank.iter().enumerate() {
            keys[i * nr + k] = ranker_value(r, &locations[i], c, row, &lines, now)
                .and_then(finite)
                .map(|v| if v == 0.0 { 0.0 } else { v });
        }
        pool.push(i);
    }
    let key_order = |a: usize, b: usize| -> (Ordering, Option<usize>) {
        for k in 0..nr {
            let o = cmp_value(keys[a * nr + k], keys[b * nr + k]);
            if o != Ordering::Equal {
                return (o, Some(k));
            }
        }
        (locations[a].id.cmp(&locations[b].id), None)
    };
    pool.sort_by(|&a, &b| key_order(a, b).0);

    let waits_for = match (strategy.when_full, pool.first()) {
        (WhenFull::Wait, Some(&b)) if cands[b].rejected.is_some() => Some(b),
        _ => None,
    };
    let survivors: Vec<usize> = pool
        .iter()
        .copied()
        .filter(|&i| cands[i].rejected.is_none())
        .collect();

    // Allocation.
    let ns = survivors.len();
    let nl = lines.qty.len();
    let mut alloc = Alloc {
        lines: &lines,
        np,
        nl,
        avail: Vec::with_capacity(ns * np),
        units_left: survivors
            .iter()
            .map(|&i| units_left(&locations[i]))
            .collect(),
        take: vec![0; ns * nl],
        remaining: lines.qty.clone(),
        used: vec![false; ns],
        shipments: 0,
    };
    for &i in &survivors {
        alloc.avail.extend_from_slice(&avail[i * np..(i + 1) * np]);
    }
    let whole = waits_for.is_none() && alloc.run(strategy.split);

    let mut allocations = Vec::with_capacity(nl);
    let mut short = Vec::new();
    for (li, line) in order.lines.iter().enumerate() {
        for s in 0..ns {
            let q = alloc.take[s * nl + li];
            if q > 0 {
                allocations.push(Allocation {
                    line_no: line.line_no,
                    product_id: line.product_id,
                    location_id: locations[survivors[s]].id,
                    quantity: q,
                });
            }
        }
        if alloc.remaining[li] > 0 {
            short.push((line.line_no, alloc.remaining[li]));
        }
    }

    // The main location and what made it win.
    let main = (0..ns).find(|&s| alloc.used[s]);
    let winner_rule = main.map(|s| -> String {
        if s > 0 {
            return if whole {
                "fills_whole_order"
            } else {
                "has_stock"
            }
            .into();
        }
        match survivors.get(1) {
            None => "only_candidate".into(),
            Some(&runner) => match key_order(survivors[0], runner).1 {
                Some(k) => strategy.rank[k].name().into(),
                None => "location_id".into(),
            },
        }
    });
    let used_locs = || (0..ns).filter(|&s| alloc.used[s]).map(|s| survivors[s]);
    let (cost_minor, transit_days) = if main.is_some() {
        let cost = used_locs().try_fold(0i64, |acc, i| {
            cands[i].estimate.map(|e| acc.saturating_add(e.cost_minor))
        });
        let transit = used_locs().try_fold(0u32, |acc, i| {
            cands[i].estimate.map(|e| acc.max(e.transit_days))
        });
        (cost, transit)
    } else {
        (None, None)
    };

    let mut is_used = vec![false; n];
    for i in used_locs() {
        is_used[i] = true;
    }
    let explanation = explain(&Explain {
        order,
        locations,
        strategy,
        cands: &cands,
        keys: &keys,
        lines: &lines,
        short: &short,
        waits_for,
        main: main.map(|s| survivors[s]),
        others: used_locs().skip(1).collect(),
        shipments: alloc.shipments,
        winner_rule: winner_rule.as_deref(),
        survivors: ns,
        has_stock_filter: filters().any(|f| *f == Filter::HasStock),
    });

    // Candidates: ranked in rank order, then the others in the order given. The reasons move from `cands` into the candidates, so this comes after the explanation.
    let ranked: Vec<bool> = cands.iter().map(|c| c.ranked).collect();
    let mut candidate = |i: usize| {
        let l = &locations[i];
        let c = &mut cands[i];
        let values = if c.ranked {
            strategy
                .rank
                .iter()
                .enumerate()
                .filter_map(|(k, r)| keys[i * nr + k].map(|v| (r.name().to_string(), v)))
                .collect()
        } else {
            Vec::new()
        };
        Candidate {
            location_id: l.id,
            name: l.name.clone(),
            rejected_by: c.rejected.as_ref().map(|r| r.0.to_string()),
            reason: c.rejected.as_mut().map(|r| std::mem::take(&mut r.1)),
            values,
            chosen: is_used[i],
        }
    };
    let mut candidates: Vec<Candidate> = Vec::with_capacity(n);
    for &i in &pool {
        candidates.push(candidate(i));
    }
    for (i, &ranked) in ranked.iter().enumerate() {
        if !ranked {
            candidates.push(candidate(i));
        }
    }

    RouteDecision {
        strategy: strategy.name.clone(),
        allocations,
        short,
        shipments: alloc.shipments,
        waits_for: waits_for.map(|i| locations[i].id),
        candidates,
        winner_rule,
        distance_km: main.and_then(|s| cands[survivors[s]].distance),
        cost_minor,
        transit_days,
        precision: order.dest.map_or(Precision::Unknown, |(_, p)| p),
        explanation,
    }
}

struct Explain<'a> {
    order: &'a RouteOrder,
    locations: &'a [RouteLocation],
    strategy: &'a Strategy,
    cands: &'a [Cand],
    keys: &'a [Option<f64>],
    lines: &'a Lines,
    short: &'a [(u32, u32)],
    waits_for: Option<usize>,
    main: Option<usize>,
    others: Vec<usize>,
    shipments: u32,
    winner_rule: Option<&'a str>,
    survivors: usize,
    has_stock_filter: bool,
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn explain(e: &Explain<'_>) -> String {
    let mut out = String::with_capacity(160);
    let name = |i: usize| e.locations[i].name.as_str();
    if let Some(w) = e.waits_for {
        let reason = e.cands[w].rejected.as_ref().map_or("", |r| r.1.as_str());
        let _ = write!(out, "Waits for capacity at {}: {reason}", name(w));
    } else if let Some(m) = e.main {
        let _ = write!(out, "Ships from {}: ", name(m));
        let rule = e.winner_rule.unwrap_or("");
        let stock = if e.has_stock_filter {
            " with stock"
        } else {
            ""
        };
        match e.strategy.rank.iter().position(|r| r.name() == rule) {
            Some(k) => {
                let v = e.keys[m * e.strategy.rank.len() + k];
                let (what, value) = ranker_phrase(e.strategy.rank[k], v);
                let _ = write!(out, "{what}{stock}");
                if let Some(value) = value {
                    let _ = write!(out, " ({value})");
                }
            }
            None => {
                out.push_str(match rule {
                    "only_candidate" => "the only candidate left",
                    "location_id" => "tied on every rule, lower location id",
                    "fills_whole_order" => "best-ranked location that can fill the whole order",
                    _ => "best-ranked location with stock",
                });
                if let Some(d) = e.cands[m].distance {
                    let _ = write!(out, " ({d:.0} km)");
                }
            }
        }
        if !e.others.is_empty() {
            let others: Vec<&str> = e.others.iter().map(|&i| name(i)).collect();
            let _ = write!(
                out,
                "; also from {}: {} needed",
                others.join(", "),
                plural(u64::from(e.shipments), "shipment", "shipments")
            );
        }
    } else if e.lines.total == 0 {
        out.push_str("Nothing to ship: the order has no units");
    } else if e.survivors == 0 {
        out.push_str("Not routed: no location passes the filters");
    } else if matches!(e.strategy.split, SplitPolicy::UpTo { shipments: 0 }) {
        out.push_str("Not routed: the strategy allows no shipments");
    } else {
        out.push_str("Not routed: no location has stock and capacity for any line");
    }
    if !e.short.is_empty() && e.lines.total > 0 {
        let units: u64 = e.short.iter().map(|s| u64::from(s.1)).sum();
        let _ = write!(out, "; {} short (", plural(units, "unit", "units"));
        for (k, (line, u)) in e.short.iter().enumerate() {
            let _ = write!(out, "{}line {line}: {u}", if k > 0 { ", " } else { "" });
        }
        out.push(')');
    }
    // Rejections, grouped by reason, in the order given.
    let mut skipped = 0u64;
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    for (i, c) in e.cands.iter().enumerate() {
        match &c.rejected {
            Some(("pickup", _)) => skipped += 1,
            Some((_, reason)) if Some(i) != e.waits_for => {
                match groups.iter_mut().find(|g| g.0 == reason.as_str()) {
                    Some(g) => g.1.push(name(i)),
                    None => groups.push((reason.as_str(), vec![name(i)])),
                }
            }
            _ => {}
        }
    }
    for (reason, names) in &groups {
        let _ = write!(out, "; {} rejected: {reason}", names.join(", "));
    }
    if skipped > 0 {
        let at = e
            .order
            .pickup_location
            .and_then(|p| e.locations.iter().find(|l| l.id == p))
            .map_or_else(
                || {
                    format!(
                        "pickup location {} is not known",
                        e.order.pickup_location.unwrap_or_default()
                    )
                },
                |l| format!("collected at {}", l.name),
            );
        let _ = write!(
            out,
            "; {} not considered: {at}",
            plural(skipped, "other location", "other locations")
        );
    }
    let _ = write!(out, "; strategy {}", e.strategy.name);
    out
}

fn ranker_phrase(r: Ranker, v: Option<f64>) -> (&'static str, Option<String>) {
    match (r, v) {
        (Ranker::Nearest, Some(d)) => ("nearest", Some(format!("{d:.0} km"))),
        (Ranker::LowestCost, Some(c)) => ("lowest shipping cost", Some(format!("estimate {c}"))),
        (Ranker::FastestTransit, Some(d)) => (
            "fastest",
            Some(format!(
                "{d} {} in transit",
                if d == 1.0 { "day" } else { "days" }
            )),
        ),
        (Ranker::LocationPriority, Some(p)) => ("highest priority", Some(format!("{}", -p))),
        (Ranker::FewestShipments, _) => ("fewest shipments", None),
        (Ranker::SpreadLoad, Some(f)) => (
            "most capacity left",
            Some(format!("{:.0}% free", -f * 100.0)),
        ),
        (Ranker::Nearest, None) => ("nearest", None),
        (Ranker::LowestCost, None) => ("lowest shipping cost", None),
        (Ranker::FastestTransit, None) => ("fastest", None),
        (Ranker::LocationPriority, None) => ("highest priority", None),
        (Ranker::SpreadLoad, None) => ("most capacity left", None),
    }
}

#[cfg(test)]
mod tests;
