//! Backtest: run routing rules over past orders without touching them, and measure what they
//! would have done — shipments, splits, cost, distance, transit, unrouted orders and the load
//! per location — so a changed strategy can be compared with the current one before it is
//! switched on. Pure: the orders, locations and stock come from the caller.

use super::{route, RateSource, RouteLocation, RouteOrder, RoutingSettings};
use crate::reserve::Stock;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use ts_rs::TS;

/// Which stock the simulated orders draw from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum StockModel {
    /// Every location that stocks a product (has a stock level for it, whatever the quantity)
    /// can ship any quantity of it: compares the rules, not today's stock. Past orders were
    /// shipped from the stock of their day, which is gone.
    #[default]
    Stocked,
    /// The stock on hand now at each location, used up as the backtest routes the orders in
    /// the order they were placed.
    OnHandNow,
}

/// A past order as the backtest replays it.
#[derive(Debug, Clone, PartialEq)]
pub struct BacktestOrder {
    pub order: RouteOrder,
    /// Days since the Unix epoch (UTC) it was placed on: capacity is counted per day.
    pub day: i64,
    /// Minutes after 00:00 UTC it was placed at: for cut-off times.
    pub minute: u32,
}

/// What one location would have shipped.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
pub struct LocationLoad {
    #[ts(type = "number")]
    pub location_id: i64,
    pub name: String,
    /// Orders it ships (all or part of).
    #[ts(type = "number")]
    pub orders: u64,
    #[ts(type = "number")]
    pub units: u64,
    /// Its busiest day, in orders.
    #[ts(type = "number")]
    pub peak_day_orders: u64,
}

/// What a strategy would have done with the orders.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, TS)]
pub struct BacktestMetrics {
    #[ts(type = "number")]
    pub orders: u64,
    /// Every unit placed.
    #[ts(type = "number")]
    pub routed: u64,
    /// Some units placed, some short.
    #[ts(type = "number")]
    pub partial: u64,
    /// Nothing placed (no location could, or the order waits for a full location).
    #[ts(type = "number")]
    pub unrouted: u64,
    /// Orders held back by a full location (`WhenFull::Wait`), part of `unrouted`.
    #[ts(type = "number")]
    pub waiting: u64,
    /// Parcels: locations used, summed over the orders.
    #[ts(type = "number")]
    pub shipments: u64,
    /// Orders shipped from more than one location.
    #[ts(type = "number")]
    pub split_orders: u64,
    /// `split_orders` / orders with anything placed.
    pub split_rate: f64,
    /// Estimated shipping cost of the orders that have an estimate for every location used.
    #[ts(type = "number")]
    pub cost_minor: i64,
    #[ts(type = "number")]
    pub orders_with_cost: u64,
    /// Mean distance from the main location to the destination, where both are known.
    pub avg_distance_km: Option<f64>,
    #[ts(type = "number")]
    pub orders_with_distance: u64,
    pub avg_transit_days: Option<f64>,
    /// Per location, busiest first.
    pub per_location: Vec<LocationLoad>,
    /// Orders per strategy name (which strategy of the rules routed them).
    pub by_strategy: Vec<(String, u64)>,
}

/// A run's result with the main location each order went to (none: nothing placed), in the
/// order of the input.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Simulation {
    pub metrics: BacktestMetrics,
    pub main_location: Vec<Option<i64>>,
}

/// Replays `orders` (in placed order) through `settings`. `stock` is the on-hand stock per
/// (product, location) now, used as `model` says; capacity starts empty on every day.
pub fn simulate(
    orders: &[BacktestOrder],
    locations: &[RouteLocation],
    stock: &Stock,
    model: StockModel,
    rates: &dyn RateSource,
    settings: &RoutingSettings,
) -> Simulation {
    let mut stock = stock.clone();
    let mut locs: Vec<RouteLocation> = locations.to_vec();
    let index: HashMap<i64, usize> = locs.iter().enumerate().map(|(i, l)| (l.id, i)).collect();
    let mut load: Vec<LocationLoad> = locs
        .iter()
        .map(|l| LocationLoad {
            location_id: l.id,
            name: l.name.clone(),
            ..Default::default()
        })
        .collect();
    let mut day_orders: Vec<u64> = vec![0; locs.len()];
    let mut m = BacktestMetrics::default();
    let mut main = Vec::with_capacity(orders.len());
    let mut strategies: HashMap<String, u64> = HashMap::new();
    let mut day = None;
    let (mut dist_sum, mut transit_sum, mut transit_n) = (0.0, 0.0, 0u64);
    for o in orders {
        if day != Some(o.day) {
            // A new day: capacity starts again.
            day = Some(o.day);
            for (l, peak) in locs.iter_mut().zip(day_orders.iter_mut()) {
                l.used_orders_today = 0;
                l.used_units_today = 0;
                *peak = 0;
            }
        }
        let d = route(&o.order, &locs, &stock, rates, settings, o.minute);
        m.orders += 1;
        *strategies.entry(d.strategy.clone()).or_default() += 1;
        let placed: u64 = d.allocations.iter().map(|a| u64::from(a.quantity)).sum();
        let short: u64 = d.short.iter().map(|s| u64::from(s.1)).sum();
        if placed == 0 {
            m.unrouted += 1;
            if d.waits_for.is_some() {
                m.waiting += 1;
            }
            main.push(None);
            continue;
        }
        if short == 0 {
            m.routed += 1;
        } else {
            m.partial += 1;
        }
        m.shipments += u64::from(d.shipments);
        if d.shipments > 1 {
            m.split_orders += 1;
        }
        if let Some(c) = d.cost_minor {
            m.cost_minor += c;
            m.orders_with_cost += 1;
        }
        if let Some(km) = d.distance_km {
            dist_sum += km;
            m.orders_with_distance += 1;
        }
        if let Some(t) = d.transit_days {
            transit_sum += f64::from(t);
            transit_n += 1;
        }
        // Count the decision against capacity and (for on-hand stock) against stock.
        let mut per: Vec<(usize, u64)> = Vec::new();
        for a in &d.allocations {
            let Some(&i) = index.get(&a.location_id) else {
                continue;
            };
            match per.iter_mut().find(|p| p.0 == i) {
                Some(p) => p.1 += u64::from(a.quantity),
                None => per.push((i, u64::from(a.quantity))),
            }
            if model == StockModel::OnHandNow {
                let left = stock.available(a.product_id, a.location_id) - i64::from(a.quantity);
                stock.set(a.product_id, a.location_id, left);
            }
        }
        for (i, units) in per {
            let (l, ld) = (&mut locs[i], &mut load[i]);
            l.used_orders_today += 1;
            l.used_units_today = l
                .used_units_today
                .saturating_add(u32::try_from(units).unwrap_or(u32::MAX));
            ld.orders += 1;
            ld.units += units;
            day_orders[i] += 1;
            ld.peak_day_orders = ld.peak_day_orders.max(day_orders[i]);
        }
        // The main location: the best-ranked one used.
        main.push(
            d.candidates
                .iter()
                .find(|c| c.chosen)
                .map(|c| c.location_id),
        );
    }
    let placed = m.routed + m.partial;
    m.split_rate = if placed == 0 {
        0.0
    } else {
        m.split_orders as f64 / placed as f64
    };
    m.avg_distance_km =
        (m.orders_with_distance > 0).then(|| dist_sum / m.orders_with_distance as f64);
    m.avg_transit_days = (transit_n > 0).then(|| transit_sum / transit_n as f64);
    load.retain(|l| l.orders > 0);
    load.sort_by(|a, b| {
        b.orders
            .cmp(&a.orders)
            .then(a.location_id.cmp(&b.location_id))
    });
    m.per_location = load;
    let mut by: Vec<(String, u64)> = strategies.into_iter().collect();
    by.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    m.by_strategy = by;
    Simulation {
        metrics: m,
        main_location: main,
    }
}

/// The stock a model starts from: on-hand levels as given, or (`Stocked`) plenty wherever a
/// product has a level at all.
pub fn starting_stock(levels: &[(i64, i64, i64)], model: StockModel) -> Stock {
    let mut s = Stock::default();
    for &(product, location, on_hand) in levels {
        let v = match model {
            StockModel::Stocked => i64::from(u32::MAX),
            StockModel::OnHandNow => on_hand.max(0),
        };
        s.set(product, location, v);
    }
    s
}

/// Orders whose main location differs between two runs over the same orders.
pub fn changed(a: &Simulation, b: &Simulation) -> u64 {
    a.main_location
        .iter()
        .zip(&b.main_location)
        .filter(|(x, y)| x != y)
        .count() as u64
}
