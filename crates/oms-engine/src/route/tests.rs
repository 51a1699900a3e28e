use super::*;
use oms_domain::LocationKind;
use std::collections::{BTreeMap, BTreeSet};

const BERLIN: GeoPoint = GeoPoint {
    lat: 52.52,
    lon: 13.405,
};
const MUNICH: GeoPoint = GeoPoint {
    lat: 48.137,
    lon: 11.575,
};
const LEIPZIG: GeoPoint = GeoPoint {
    lat: 51.3397,
    lon: 12.3731,
};
const HAMBURG: GeoPoint = GeoPoint {
    lat: 53.5511,
    lon: 9.9937,
};
/// The destination of the test orders, just outside Berlin.
const POTSDAM: GeoPoint = GeoPoint {
    lat: 52.3906,
    lon: 13.0645,
};

fn loc(id: i64, name: &str) -> RouteLocation {
    RouteLocation {
        id,
        name: name.into(),
        kind: LocationKind::Warehouse,
        point: None,
        country: Some("DE".into()),
        ships_to: Vec::new(),
        priority: 0,
        paused: false,
        capacity_orders: None,
        capacity_units: None,
        used_orders_today: 0,
        used_units_today: 0,
        cutoff_minute_utc: None,
    }
}

fn at(mut l: RouteLocation, p: GeoPoint) -> RouteLocation {
    l.point = Some(p);
    l
}

/// Berlin (1), Leipzig (2), Munich (3), Hamburg (4), all with coordinates.
fn germany() -> Vec<RouteLocation> {
    vec![
        at(loc(1, "Berlin"), BERLIN),
        at(loc(2, "Leipzig"), LEIPZIG),
        at(loc(3, "Munich"), MUNICH),
        at(loc(4, "Hamburg"), HAMBURG),
    ]
}

fn line(line_no: u32, product_id: i64, quantity: u32) -> RouteLine {
    RouteLine {
        line_no,
        product_id,
        quantity,
        allow_backorder: false,
        group: None,
    }
}

fn grouped(mut l: RouteLine, g: &str) -> RouteLine {
    l.group = Some(g.into());
    l
}

fn order(lines: Vec<RouteLine>) -> RouteOrder {
    RouteOrder {
        order_id: 1,
        channel: "shopify".into(),
        country: Some("DE".into()),
        region: None,
        postal_code: Some("14467".into()),
        shipping_service: None,
        tags: Vec::new(),
        value_minor: 5_000,
        weight_g: 1_000,
        dest: Some((POTSDAM, Precision::PostalCode)),
        pickup_location: None,
        lines,
    }
}

fn strategy(filters: Vec<Filter>, rank: Vec<Ranker>) -> Strategy {
    Strategy {
        name: "test".into(),
        filters,
        rank,
        ..Strategy::default()
    }
}

fn only(s: Strategy) -> RoutingSettings {
    RoutingSettings {
        strategies: Vec::new(),
        fallback: s,
    }
}

fn stock(levels: &[(i64, i64, i64)]) -> Stock {
    let mut s = Stock::default();
    for &(p, l, a) in levels {
        s.set(p, l, a);
    }
    s
}

/// 10:00 UTC.
const NOW: u32 = 600;

fn run(o: &RouteOrder, locs: &[RouteLocation], st: &Stock, s: &RoutingSettings) -> RouteDecision {
    route(o, locs, st, &NoRates, s, NOW)
}

/// Distinct locations used, in the order the allocations name them.
fn used(d: &RouteDecision) -> Vec<i64> {
    let mut v = Vec::new();
    for a in &d.allocations {
        if !v.contains(&a.location_id) {
            v.push(a.location_id);
        }
    }
    v
}

fn cand(d: &RouteDecision, id: i64) -> &Candidate {
    match d.candidates.iter().find(|c| c.location_id == id) {
        Some(c) => c,
        None => panic!("no candidate {id} in {:?}", d.candidates),
    }
}

/// (line, location, units), sorted.
fn placed(d: &RouteDecision) -> Vec<(u32, i64, u32)> {
    let mut v: Vec<_> = d
        .allocations
        .iter()
        .map(|a| (a.line_no, a.location_id, a.quantity))
        .collect();
    v.sort_unstable();
    v
}

// ------------------------------------------------------------------------------------------
// Distance

#[test]
fn great_circle_distances_match_known_values() {
    let london = GeoPoint {
        lat: 51.5074,
        lon: -0.1278,
    };
    let paris = GeoPoint {
        lat: 48.8566,
        lon: 2.3522,
    };
    let cases = [
        ("Berlin-Munich", BERLIN, MUNICH, 504.0),
        ("Munich-Berlin", MUNICH, BERLIN, 504.0),
        ("London-Paris", london, paris, 344.0),
        ("same point", BERLIN, BERLIN, 0.0),
    ];
    for (label, a, b, km) in cases {
        let d = great_circle_km(a, b);
        assert!((d - km).abs() <= 3.0, "{label}: {d} km, expected {km}");
    }
    let antipode = great_circle_km(
        GeoPoint { lat: 0.0, lon: 0.0 },
        GeoPoint {
            lat: 0.0,
            lon: 180.0,
        },
    );
    assert!((antipode - std::f64::consts::PI * EARTH_RADIUS_KM).abs() < 1e-6);
}

// ------------------------------------------------------------------------------------------
// Filters

struct FilterCase {
    label: &'static str,
    filter: Filter,
    split: SplitPolicy,
    /// Adjusts location 1 (Berlin, 10 of product 1 and 2).
    location: fn(&mut RouteLocation),
    order: fn(&mut RouteOrder),
    /// None: kept; Some((rejected_by, words of the reason)).
    expect: Option<(&'static str, &'static str)>,
}

fn no_change<T>(_: &mut T) {}

#[test]
fn every_filter_keeps_and_removes() {
    use Filter::*;
    let wn = SplitPolicy::WhenNeeded;
    let never = SplitPolicy::Never;
    let cases = [
        FilterCase {
            label: "not paused: kept",
            filter: NotPaused,
            split: wn,
            location: no_change,
            order: no_change,
            expect: None,
        },
        FilterCase {
            label: "not paused: paused",
            filter: NotPaused,
            split: wn,
            location: |l| l.paused = true,
            order: no_change,
            expect: Some(("not_paused", "paused")),
        },
        FilterCase {
            label: "ships to: empty list ships everywhere",
            filter: ShipsToDestination,
            split: wn,
            location: no_change,
            order: |o| o.country = Some("US".into()),
            expect: None,
        },
        FilterCase {
            label: "ships to: listed (case-insensitive)",
            filter: ShipsToDestination,
            split: wn,
            location: |l| l.ships_to = vec!["at".into(), "de".into()],
            order: no_change,
            expect: None,
        },
        FilterCase {
            label: "ships to: not listed",
            filter: ShipsToDestination,
            split: wn,
            location: |l| l.ships_to = vec!["AT".into(), "ch".into()],
            order: no_change,
            expect: Some((
                "ships_to_destination",
                "does not ship to DE (ships to AT, CH)",
            )),
        },
        FilterCase {
            label: "ships to: destination country unknown",
            filter: ShipsToDestination,
            split: wn,
            location: |l| l.ships_to = vec!["DE".into()],
            order: |o| o.country = None,
            expect: Some(("ships_to_destination", "destination country unknown")),
        },
        FilterCase {
            label: "ships to: pickup orders are collected, not shipped",
            filter: ShipsToDestination,
            split: wn,
            location: |l| l.ships_to = vec!["AT".into()],
            order: |o| o.pickup_location = Some(1),
            expect: None,
        },
        FilterCase {
            label: "has stock: some lines",
            filter: HasStock,
            split: wn,
            location: no_change,
            order: |o| o.lines.push(line(3, 9, 1)),
            expect: None,
        },
        FilterCase {
            label: "has stock: part of a line is enough when splitting",
            filter: HasStock,
            split: wn,
            location: no_change,
            order: |o| o.lines = vec![line(1, 1, 50)],
            expect: None,
        },
        FilterCase {
            label: "has stock: none",
            filter: HasStock,
            split: wn,
            location: no_change,
            order: |o| o.lines = vec![line(1, 9, 1)],
            expect: Some(("has_stock", "no stock for any line")),
        },
        FilterCase {
            label: "has stock, never split: whole order",
            filter: HasStock,
            split: never,
            location: no_change,
            order: no_change,
            expect: None,
        },
        FilterCase {
            label: "has stock, never split: part of the order",
            filter: HasStock,
            split: never,
            location: no_change,
            order: |o| o.lines.push(line(3, 9, 3)),
            expect: Some((
                "has_stock",
                "cannot fill the whole order (line 3: 0 of 3 available)",
            )),
        },
        FilterCase {
            label: "has stock, never split: two lines of one product share its stock",
            filter: HasStock,
            split: never,
            location: no_change,
            order: |o| o.lines = vec![line(1, 1, 8), line(2, 1, 4)],
            expect: Some((
                "has_stock",
                "cannot fill the whole order (line 2: 2 of 4 available)",
            )),
        },
        FilterCase {
            label: "capacity: orders left",
            filter: CapacityLeft,
            split: wn,
            location: |l| {
                l.capacity_orders = Some(40);
                l.used_orders_today = 39;
            },
            order: no_change,
            expect: None,
        },
        FilterCase {
            label: "capacity: orders full",
            filter: CapacityLeft,
            split: wn,
            location: |l| {
                l.capacity_orders = Some(40);
                l.used_orders_today = 40;
            },
            order: no_change,
            expect: Some(("capacity_left", "capacity full today (40/40 orders)")),
        },
        FilterCase {
            label: "capacity: units full",
            filter: CapacityLeft,
            split: wn,
            location: |l| {
                l.capacity_units = Some(500);
                l.used_units_today = 500;
            },
            order: no_change,
            expect: Some(("capacity_left", "unit capacity full today (500/500 units)")),
        },
        FilterCase {
            label: "capacity: some units left is enough when splitting",
            filter: CapacityLeft,
            split: wn,
            location: |l| {
                l.capacity_units = Some(500);
                l.used_units_today = 499;
            },
            order: no_change,
            expect: None,
        },
        FilterCase {
            label: "capacity, never split: units for the whole order",
            filter: CapacityLeft,
            split: never,
            location: |l| {
                l.capacity_units = Some(500);
                l.used_units_today = 499;
            },
            order: no_change,
            expect: Some((
                "capacity_left",
                "only 1 units of capacity left today; the order needs 2",
            )),
        },
        FilterCase {
            label: "capacity: before the cut-off",
            filter: CapacityLeft,
            split: wn,
            location: |l| l.cutoff_minute_utc = Some(14 * 60),
            order: no_change,
            expect: None,
        },
        FilterCase {
            label: "capacity: at the cut-off",
            filter: CapacityLeft,
            split: wn,
            location: |l| l.cutoff_minute_utc = Some(NOW),
            order: no_change,
            expect: Some(("capacity_left", "past today's cut-off (10:00 UTC)")),
        },
        FilterCase {
            label: "capacity: after the cut-off",
            filter: CapacityLeft,
            split: wn,
            location: |l| l.cutoff_minute_utc = Some(9 * 60 + 30),
            order: no_change,
            expect: Some(("capacity_left", "past today's cut-off (09:30 UTC)")),
        },
        FilterCase {
            label: "kinds: allowed",
            filter: Kinds {
                kinds: vec![LocationKind::Warehouse],
            },
            split: wn,
            location: no_change,
            order: no_change,
            expect: None,
        },
        FilterCase {
            label: "kinds: empty list allows any",
            filter: Kinds { kinds: Vec::new() },
            split: wn,
            location: |l| l.kind = LocationKind::DropShipSupplier,
            order: no_change,
            expect: None,
        },
        FilterCase {
            label: "kinds: not allowed",
            filter: Kinds {
                kinds: vec![LocationKind::Warehouse, LocationKind::ThirdPartyLogistics],
            },
            split: wn,
            location: |l| l.kind = LocationKind::Store,
            order: no_change,
            expect: Some(("kinds", "is a store (allowed: warehouse, 3pl)")),
        },
        FilterCase {
            label: "max distance: within",
            filter: MaxDistanceKm { km: 50.0 },
            split: wn,
            location: no_change,
            order: no_change,
            expect: None,
        },
        FilterCase {
            label: "max distance: too far",
            filter: MaxDistanceKm { km: 10.0 },
            split: wn,
            location: no_change,
            order: no_change,
            expect: Some(("max_distance_km", "27 km away (limit 10 km)")),
        },
        FilterCase {
            label: "max distance: location without coordinates",
            filter: MaxDistanceKm { km: 50.0 },
            split: wn,
            location: |l| l.point = None,
            order: no_change,
            expect: Some(("max_distance_km", "the location has no coordinates")),
        },
        FilterCase {
            label: "max distance: destination without coordinates",
            filter: MaxDistanceKm { km: 50.0 },
            split: wn,
            location: no_change,
            order: |o| o.dest = None,
            expect: Some(("max_distance_km", "the destination has no coordinates")),
        },
        FilterCase {
            label: "max distance: pickup orders are collected, not shipped",
            filter: MaxDistanceKm { km: 10.0 },
            split: wn,
            location: no_change,
            order: |o| o.pickup_location = Some(1),
            expect: None,
        },
    ];
    let st = stock(&[(1, 1, 10), (2, 1, 10)]);
    for c in cases {
        let mut l = at(loc(1, "Berlin"), BERLIN);
        (c.location)(&mut l);
        let mut o = order(vec![line(1, 1, 1), line(2, 2, 1)]);
        (c.order)(&mut o);
        let mut s = strategy(vec![c.filter.clone()], Vec::new());
        s.split = c.split;
        let d = run(&o, std::slice::from_ref(&l), &st, &only(s));
        let got = cand(&d, 1);
        match c.expect {
            None => {
                assert_eq!(got.rejected_by, None, "{}: {:?}", c.label, got.reason);
                assert!(got.chosen, "{}: kept but not chosen: {d:?}", c.label);
            }
            Some((by, words)) => {
                assert_eq!(got.rejected_by.as_deref(), Some(by), "{}", c.label);
                let reason = got.reason.as_deref().unwrap_or_default();
                assert!(reason.contains(words), "{}: reason {reason:?}", c.label);
                assert!(d.allocations.is_empty(), "{}", c.label);
                assert!(
                    d.explanation.contains(words),
                    "{}: {}",
                    c.label,
                    d.explanation
                );
            }
        }
    }
}

#[test]
fn the_first_filter_that_removes_a_location_is_recorded() {
    let mut l = at(loc(1, "Berlin"), BERLIN);
    l.paused = true;
    let o = order(vec![line(1, 1, 1)]);
    let st = Stock::default();
    for (filters, by) in [
        (vec![Filter::HasStock, Filter::NotPaused], "has_stock"),
        (vec![Filter::NotPaused, Filter::HasStock], "not_paused"),
    ] {
        let d = run(
            &o,
            std::slice::from_ref(&l),
            &st,
            &only(strategy(filters, vec![])),
        );
        assert_eq!(cand(&d, 1).rejected_by.as_deref(), Some(by));
    }
}

#[test]
fn paused_and_full_locations_are_never_used_even_when_the_strategy_does_not_filter_them() {
    let mut paused = at(loc(1, "Berlin"), BERLIN);
    paused.paused = true;
    let mut full = at(loc(2, "Leipzig"), LEIPZIG);
    full.capacity_orders = Some(3);
    full.used_orders_today = 3;
    let mut closed = at(loc(3, "Munich"), MUNICH);
    closed.cutoff_minute_utc = Some(NOW - 1);
    let open = at(loc(4, "Hamburg"), HAMBURG);
    let st = stock(&[(1, 1, 5), (1, 2, 5), (1, 3, 5), (1, 4, 5)]);
    let s = only(strategy(vec![], vec![Ranker::Nearest]));
    let d = run(
        &order(vec![line(1, 1, 2)]),
        &[paused, full, closed, open],
        &st,
        &s,
    );
    assert_eq!(used(&d), [4]);
    assert_eq!(cand(&d, 1).rejected_by.as_deref(), Some("not_paused"));
    assert_eq!(cand(&d, 2).rejected_by.as_deref(), Some("capacity_left"));
    assert_eq!(cand(&d, 3).rejected_by.as_deref(), Some("capacity_left"));
}

// ------------------------------------------------------------------------------------------
// Rankers and tie-breakers

struct RankCase {
    ranker: Ranker,
    /// Makes the first location better than the second by this ranker alone.
    setup: fn(&mut RouteLocation, &mut RouteLocation, &mut Vec<RateRow>, &mut Stock),
}

fn rest_rate(location_id: i64, cost_minor: i64, transit_days: u32) -> RateRow {
    RateRow {
        location_id,
        zone: Zone::Rest,
        cost_minor,
        transit_days,
        max_weight_g: None,
    }
}

#[test]
fn every_ranker_puts_the_better_location_first_in_either_position() {
    let cases = [
        RankCase {
            ranker: Ranker::Nearest,
            setup: |b, w, _, _| {
                b.point = Some(BERLIN);
                w.point = Some(MUNICH);
            },
        },
        RankCase {
            ranker: Ranker::LowestCost,
            setup: |b, w, r, _| {
                r.push(rest_rate(b.id, 490, 3));
                r.push(rest_rate(w.id, 900, 3));
            },
        },
        RankCase {
            ranker: Ranker::FastestTransit,
            setup: |b, w, r, _| {
                r.push(rest_rate(b.id, 900, 1));
                r.push(rest_rate(w.id, 490, 4));
            },
        },
        RankCase {
            ranker: Ranker::LocationPriority,
            setup: |b, w, _, _| {
                b.priority = 5;
                w.priority = -1;
            },
        },
        RankCase {
            ranker: Ranker::FewestShipments,
            setup: |_, w, _, s| s.set(2, w.id, 0),
        },
        RankCase {
            ranker: Ranker::SpreadLoad,
            setup: |b, w, _, _| {
                b.capacity_orders = Some(10);
                b.used_orders_today = 1;
                w.capacity_units = Some(100);
                w.used_units_today = 80;
            },
        },
    ];
    for c in cases {
        for better_id in [1, 2] {
            let worse_id = 3 - better_id;
            let mut better = loc(better_id, "Better");
            let mut worse = loc(worse_id, "Worse");
            let mut rates = Vec::new();
            let mut st = stock(&[(1, 1, 10), (1, 2, 10), (2, 1, 10), (2, 2, 10)]);
            (c.setup)(&mut better, &mut worse, &mut rates, &mut st);
            let mut locs = vec![better, worse];
            locs.sort_by_key(|l| l.id);
            let s = only(strategy(vec![], vec![c.ranker]));
            let o = order(vec![line(1, 1, 1), line(2, 2, 1)]);
            let d = route(&o, &locs, &st, &RateTable::new(rates), &s, NOW);
            let label = format!("{:?} with the better location {better_id}", c.ranker);
            assert_eq!(d.candidates[0].location_id, better_id, "{label}");
            assert_eq!(used(&d), [better_id], "{label}");
            assert_eq!(d.winner_rule.as_deref(), Some(c.ranker.name()), "{label}");
            let name = c.ranker.name();
            let value = |id| {
                cand(&d, id)
                    .values
                    .iter()
                    .find(|v| v.0 == name)
                    .map(|v| v.1)
            };
            match (value(better_id), value(worse_id)) {
                (Some(b), Some(w)) => assert!(b < w, "{label}: {b} !< {w}"),
                other => panic!("{label}: values {other:?}"),
            }
        }
    }
}

#[test]
fn missing_values_rank_last() {
    // Location 1 lacks the value; location 2 has a poor one and still ranks first.
    type Setup = fn(&mut RouteLocation, &mut Vec<RateRow>);
    let cases: [(Ranker, Setup); 3] = [
        (Ranker::Nearest, |far, _| far.point = Some(MUNICH)),
        (Ranker::LowestCost, |far, r| {
            r.push(rest_rate(far.id, 99_999, 30))
        }),
        (Ranker::FastestTransit, |far, r| {
            r.push(rest_rate(far.id, 99_999, 30))
        }),
    ];
    for (ranker, setup) in cases {
        let missing = loc(1, "Missing");
        let mut far = loc(2, "Far");
        let mut rates = Vec::new();
        setup(&mut far, &mut rates);
        let st = stock(&[(1, 1, 5), (1, 2, 5)]);
        let d = route(
            &order(vec![line(1, 1, 1)]),
            &[missing, far],
            &st,
            &RateTable::new(rates),
            &only(strategy(vec![], vec![ranker])),
            NOW,
        );
        assert_eq!(used(&d), [2], "{ranker:?}");
        assert_eq!(d.winner_rule.as_deref(), Some(ranker.name()), "{ranker:?}");
        assert!(
            cand(&d, 1).values.is_empty(),
            "{ranker:?}: missing is left out"
        );
        assert_eq!(cand(&d, 2).values.len(), 1, "{ranker:?}");
    }
}

#[test]
fn later_rankers_break_ties_then_the_lower_location_id() {
    let st = stock(&[(1, 7, 5), (1, 3, 5)]);
    let o = order(vec![line(1, 1, 1)]);
    // Same place: priority decides, whichever id it has.
    for (p7, p3, winner) in [(2, 1, 7), (1, 2, 3)] {
        let mut a = at(loc(7, "Seven"), BERLIN);
        a.priority = p7;
        let mut b = at(loc(3, "Three"), BERLIN);
        b.priority = p3;
        let s = only(strategy(
            vec![],
            vec![Ranker::Nearest, Ranker::LocationPriority],
        ));
        let d = run(&o, &[a, b], &st, &s);
        assert_eq!(used(&d), [winner]);
        assert_eq!(d.winner_rule.as_deref(), Some("location_priority"));
    }
    // Equal on every ranker: the lower id, not the first given.
    let a = at(loc(7, "Seven"), BERLIN);
    let b = at(loc(3, "Three"), BERLIN);
    let s = only(strategy(
        vec![],
        vec![Ranker::Nearest, Ranker::LocationPriority],
    ));
    let d = run(&o, &[a.clone(), b.clone()], &st, &s);
    assert_eq!(used(&d), [3]);
    assert_eq!(d.winner_rule.as_deref(), Some("location_id"));
    assert!(
        d.explanation.contains("lower location id"),
        "{}",
        d.explanation
    );
    // No rankers at all: the lower id.
    let d = run(&o, &[a.clone(), b], &st, &only(strategy(vec![], vec![])));
    assert_eq!(used(&d), [3]);
    assert_eq!(d.winner_rule.as_deref(), Some("location_id"));
    // A single survivor.
    let d = run(
        &o,
        &[a],
        &st,
        &only(strategy(vec![], vec![Ranker::Nearest])),
    );
    assert_eq!(d.winner_rule.as_deref(), Some("only_candidate"));
    assert!(
        d.explanation
            .starts_with("Ships from Seven: the only candidate left (27 km)"),
        "{}",
        d.explanation
    );
}

#[test]
fn candidates_list_ranked_locations_in_rank_order_then_the_rejected() {
    let st = stock(&[(1, 1, 5), (1, 2, 5), (1, 3, 5)]);
    let d = run(
        &order(vec![line(1, 1, 1)]),
        &germany(),
        &st,
        &RoutingSettings::default(),
    );
    let ids: Vec<i64> = d.candidates.iter().map(|c| c.location_id).collect();
    assert_eq!(ids, [1, 2, 3, 4]);
    assert_eq!(cand(&d, 4).rejected_by.as_deref(), Some("has_stock"));
    assert!(cand(&d, 1).chosen && !cand(&d, 2).chosen);
    assert_eq!(d.strategy, "default");
    let mut locs = germany();
    locs.reverse();
    let d2 = run(
        &order(vec![line(1, 1, 1)]),
        &locs,
        &st,
        &RoutingSettings::default(),
    );
    let ids: Vec<i64> = d2.candidates.iter().map(|c| c.location_id).collect();
    assert_eq!(ids, [1, 2, 3, 4]);
}

// ------------------------------------------------------------------------------------------
// Strategy selection

#[test]
fn strategies_are_chosen_by_each_condition_field() {
    type Edit = fn(&mut RouteOrder);
    let cases: Vec<(&str, Condition, Edit, bool)> = vec![
        (
            "channel matches",
            Condition {
                channels: vec!["Amazon".into()],
                ..Condition::default()
            },
            |o| o.channel = "amazon".into(),
            true,
        ),
        (
            "channel differs",
            Condition {
                channels: vec!["amazon".into()],
                ..Condition::default()
            },
            no_change,
            false,
        ),
        (
            "country matches",
            Condition {
                countries: vec!["at".into(), "DE".into()],
                ..Condition::default()
            },
            no_change,
            true,
        ),
        (
            "country differs",
            Condition {
                countries: vec!["AT".into()],
                ..Condition::default()
            },
            no_change,
            false,
        ),
        (
            "country unknown",
            Condition {
                countries: vec!["DE".into()],
                ..Condition::default()
            },
            |o| o.country = None,
            false,
        ),
        (
            "service contains a word",
            Condition {
                services: vec!["EXPRESS".into()],
                ..Condition::default()
            },
            |o| o.shipping_service = Some("DHL Express Worldwide".into()),
            true,
        ),
        (
            "service lacks the word",
            Condition {
                services: vec!["express".into()],
                ..Condition::default()
            },
            |o| o.shipping_service = Some("Standard".into()),
            false,
        ),
        (
            "no service",
            Condition {
                services: vec!["express".into()],
                ..Condition::default()
            },
            no_change,
            false,
        ),
        (
            "tag matches",
            Condition {
                tags: vec!["vip".into()],
                ..Condition::default()
            },
            |o| o.tags = vec!["b2b".into(), "VIP".into()],
            true,
        ),
        (
            "tag missing",
            Condition {
                tags: vec!["vip".into()],
                ..Condition::default()
            },
            |o| o.tags = vec!["b2b".into()],
            false,
        ),
        (
            "min value reached",
            Condition {
                min_value_minor: Some(5_000),
                ..Condition::default()
            },
            no_change,
            true,
        ),
        (
            "below min value",
            Condition {
                min_value_minor: Some(5_001),
                ..Condition::default()
            },
            no_change,
            false,
        ),
        (
            "max value reached",
            Condition {
                max_value_minor: Some(5_000),
                ..Condition::default()
            },
            no_change,
            true,
        ),
        (
            "above max value",
            Condition {
                max_value_minor: Some(4_999),
                ..Condition::default()
            },
            no_change,
            false,
        ),
        (
            "all parts must match",
            Condition {
                channels: vec!["shopify".into()],
                countries: vec!["AT".into()],
                ..Condition::default()
            },
            no_change,
            false,
        ),
        (
            "all parts match",
            Condition {
                channels: vec!["shopify".into()],
                countries: vec!["DE".into()],
                min_value_minor: Some(1),
                max_value_minor: Some(10_000),
                ..Condition::default()
            },
            no_change,
            true,
        ),
        (
            "empty condition matches",
            Condition::default(),
            no_change,
            true,
        ),
    ];
    let st = stock(&[(1, 1, 5)]);
    for (label, when, edit, matches) in cases {
        let mut o = order(vec![line(1, 1, 1)]);
        edit(&mut o);
        assert_eq!(when.matches(&o), matches, "{label}");
        let settings = RoutingSettings {
            strategies: vec![Strategy {
                name: "special".into(),
                when,
                ..Strategy::default()
            }],
            fallback: Strategy::default(),
        };
        let d = run(&o, &germany(), &st, &settings);
        let expected = if matches { "special" } else { "default" };
        assert_eq!(d.strategy, expected, "{label}");
        assert!(d.explanation.ends_with(&format!("strategy {expected}")));
    }
}

#[test]
fn the_first_matching_strategy_wins() {
    let named = |name: &str, countries: &[&str]| Strategy {
        name: name.into(),
        when: Condition {
            countries: countries.iter().map(|c| c.to_string()).collect(),
            ..Condition::default()
        },
        ..Strategy::default()
    };
    let settings = RoutingSettings {
        strategies: vec![
            named("austria", &["AT"]),
            named("germany", &["DE"]),
            named("dach", &["DE", "AT", "CH"]),
        ],
        fallback: Strategy::default(),
    };
    let mut o = order(vec![]);
    assert_eq!(settings.strategy_for(&o).name, "germany");
    o.country = Some("CH".into());
    assert_eq!(settings.strategy_for(&o).name, "dach");
    o.country = Some("FR".into());
    assert_eq!(settings.strategy_for(&o).name, "default");
}

#[test]
fn a_strategys_filters_and_rankers_are_the_ones_applied() {
    // Stores only, cheapest first for "local" orders; the default ranks by distance.
    let mut locs = germany();
    locs[2].kind = LocationKind::Store; // Munich
    let rates = RateTable::new([rest_rate(3, 100, 2), rest_rate(1, 900, 1)]);
    let st = stock(&[(1, 1, 5), (1, 3, 5)]);
    let settings = RoutingSettings {
        strategies: vec![Strategy {
            name: "stores".into(),
            when: Condition {
                tags: vec!["local".into()],
                ..Condition::default()
            },
            filters: vec![
                Filter::Kinds {
                    kinds: vec![LocationKind::Store],
                },
                Filter::HasStock,
            ],
            rank: vec![Ranker::LowestCost],
            ..Strategy::default()
        }],
        fallback: Strategy::default(),
    };
    let mut o = order(vec![line(1, 1, 1)]);
    let d = route(&o, &locs, &st, &rates, &settings, NOW);
    assert_eq!((d.strategy.as_str(), used(&d)), ("default", vec![1]));
    o.tags = vec!["local".into()];
    let d = route(&o, &locs, &st, &rates, &settings, NOW);
    assert_eq!((d.strategy.as_str(), used(&d)), ("stores", vec![3]));
    assert_eq!(cand(&d, 1).rejected_by.as_deref(), Some("kinds"));
    assert_eq!(d.cost_minor, Some(100));
}

// ------------------------------------------------------------------------------------------
// Split policies

fn split_strategy(split: SplitPolicy) -> RoutingSettings {
    only(Strategy {
        split,
        ..Strategy::default()
    })
}

#[test]
fn never_split_takes_the_best_location_that_fills_the_whole_order() {
    // Berlin has line 1, Leipzig line 2, Munich both.
    let st = stock(&[(1, 1, 5), (2, 2, 5), (1, 3, 5), (2, 3, 5)]);
    let o = order(vec![line(1, 1, 2), line(2, 2, 2)]);
    let d = run(&o, &germany(), &st, &split_strategy(SplitPolicy::Never));
    assert_eq!(placed(&d), [(1, 3, 2), (2, 3, 2)]);
    assert_eq!(d.shipments, 1);
    assert_eq!(
        cand(&d, 1).reason.as_deref(),
        Some("cannot fill the whole order (line 2: 0 of 2 available)")
    );
    // No HasStock filter: the best location that fills the whole order still wins…
    let mut s = strategy(vec![], vec![Ranker::Nearest]);
    s.split = SplitPolicy::Never;
    let d = run(&o, &germany(), &st, &only(s.clone()));
    assert_eq!(used(&d), [3]);
    assert_eq!(d.winner_rule.as_deref(), Some("fills_whole_order"));
    // …and when none can, the best-ranked ships what it has; the rest is short.
    let st = stock(&[(1, 2, 5), (2, 3, 5)]);
    let d = run(&o, &germany(), &st, &only(s));
    assert_eq!(placed(&d), [(1, 2, 2)]);
    assert_eq!(d.short, [(2, 2)]);
    assert_eq!(d.shipments, 1);
    assert_eq!(d.winner_rule.as_deref(), Some("has_stock"));
}

#[test]
fn when_needed_prefers_one_location_that_fills_everything() {
    let st = stock(&[(1, 1, 5), (2, 2, 5), (1, 3, 5), (2, 3, 5)]);
    let o = order(vec![line(1, 1, 2), line(2, 2, 2)]);
    let d = run(
        &o,
        &germany(),
        &st,
        &split_strategy(SplitPolicy::WhenNeeded),
    );
    assert_eq!(used(&d), [3]);
    assert_eq!(d.winner_rule.as_deref(), Some("fills_whole_order"));
    assert!(
        d.explanation
            .starts_with("Ships from Munich: best-ranked location that can fill the whole order"),
        "{}",
        d.explanation
    );
}

#[test]
fn when_needed_splits_greedily_by_rank() {
    // Nobody has 10: Berlin 6, Leipzig 3, Munich 5 (ranked Berlin, Leipzig, Munich).
    let st = stock(&[(1, 1, 6), (1, 2, 3), (1, 3, 5)]);
    let o = order(vec![line(1, 1, 10)]);
    let d = run(
        &o,
        &germany(),
        &st,
        &split_strategy(SplitPolicy::WhenNeeded),
    );
    assert_eq!(placed(&d), [(1, 1, 6), (1, 2, 3), (1, 3, 1)]);
    assert_eq!(d.shipments, 3);
    assert!(d.short.is_empty());
    assert_eq!(d.winner_rule.as_deref(), Some("nearest"));
    assert!(
        d.explanation
            .contains("also from Leipzig, Munich: 3 shipments needed"),
        "{}",
        d.explanation
    );
    // Two lines from two locations.
    let st = stock(&[(1, 2, 5), (2, 3, 5)]);
    let o = order(vec![line(1, 1, 2), line(2, 2, 2)]);
    let d = run(
        &o,
        &germany(),
        &st,
        &split_strategy(SplitPolicy::WhenNeeded),
    );
    assert_eq!(placed(&d), [(1, 2, 2), (2, 3, 2)]);
    assert_eq!(d.shipments, 2);
}

#[test]
fn lines_of_a_group_ship_together() {
    // Lines 1 and 2 are a kit; Berlin (nearest) has line 1 and line 3 but not line 2.
    let st = stock(&[(1, 1, 10), (3, 1, 10), (1, 3, 10), (2, 3, 10)]);
    let lines = vec![line(1, 1, 2), line(2, 2, 2), line(3, 3, 1)];
    let d = run(
        &order(lines.clone()),
        &germany(),
        &st,
        &split_strategy(SplitPolicy::WhenNeeded),
    );
    assert_eq!(placed(&d), [(1, 1, 2), (2, 3, 2), (3, 1, 1)]);
    let kit = vec![
        grouped(lines[0].clone(), "kit"),
        grouped(lines[1].clone(), "kit"),
        lines[2].clone(),
    ];
    let d = run(
        &order(kit),
        &germany(),
        &st,
        &split_strategy(SplitPolicy::WhenNeeded),
    );
    assert_eq!(placed(&d), [(1, 3, 2), (2, 3, 2), (3, 1, 1)]);
    assert_eq!(d.shipments, 2);
}

#[test]
fn a_group_no_location_can_fill_comes_partly_from_the_one_that_has_most() {
    // Kit of 2 + 2; Berlin has 1 + 0, Leipzig 2 + 1.
    let st = stock(&[(1, 1, 1), (1, 2, 2), (2, 2, 1)]);
    let o = order(vec![
        grouped(line(1, 1, 2), "kit"),
        grouped(line(2, 2, 2), "kit"),
    ]);
    let d = run(
        &o,
        &germany(),
        &st,
        &split_strategy(SplitPolicy::WhenNeeded),
    );
    assert_eq!(placed(&d), [(1, 2, 2), (2, 2, 1)]);
    assert_eq!(d.short, [(2, 1)]);
    assert_eq!(d.shipments, 1);
    assert!(
        d.explanation.contains("1 unit short (line 2: 1)"),
        "{}",
        d.explanation
    );
}

#[test]
fn up_to_limits_the_number_of_shipments() {
    let st = stock(&[(1, 1, 4), (1, 2, 3), (1, 3, 5)]);
    let o = order(vec![line(1, 1, 10)]);
    type Case<'a> = (u32, &'a [(u32, i64, u32)], &'a [(u32, u32)]);
    let cases: [Case; 4] = [
        (0, &[], &[(1, 10)]),
        (1, &[(1, 1, 4)], &[(1, 6)]),
        (2, &[(1, 1, 4), (1, 2, 3)], &[(1, 3)]),
        (3, &[(1, 1, 4), (1, 2, 3), (1, 3, 3)], &[]),
    ];
    for (n, want, short) in cases {
        let d = run(
            &o,
            &germany(),
            &st,
            &split_strategy(SplitPolicy::UpTo { shipments: n }),
        );
        assert_eq!(placed(&d), want, "up to {n}");
        assert_eq!(d.short, short, "up to {n}");
        assert!(d.shipments <= n);
    }
    // A group still goes to one location within the limit.
    let st = stock(&[(1, 1, 5), (2, 2, 5), (1, 3, 5), (2, 3, 5), (3, 1, 5)]);
    let o = order(vec![
        line(1, 3, 1),
        grouped(line(2, 1, 1), "kit"),
        grouped(line(3, 2, 1), "kit"),
    ]);
    let d = run(
        &o,
        &germany(),
        &st,
        &split_strategy(SplitPolicy::UpTo { shipments: 2 }),
    );
    assert_eq!(placed(&d), [(1, 1, 1), (2, 3, 1), (3, 3, 1)]);
    let d = run(
        &o,
        &germany(),
        &st,
        &split_strategy(SplitPolicy::UpTo { shipments: 1 }),
    );
    // One shipment: Berlin, the best-ranked with stock, sends what it has.
    assert_eq!(placed(&d), [(1, 1, 1), (2, 1, 1)]);
    assert_eq!(d.short, [(3, 1)]);
}

#[test]
fn backorderable_lines_are_not_over_allocated() {
    let mut l = line(1, 1, 5);
    l.allow_backorder = true;
    let st = stock(&[(1, 1, 2)]);
    let d = run(
        &order(vec![l]),
        &germany(),
        &st,
        &RoutingSettings::default(),
    );
    assert_eq!(placed(&d), [(1, 1, 2)]);
    assert_eq!(d.short, [(1, 3)]);
    // Negative availability counts as none.
    let st = stock(&[(1, 1, -4), (1, 2, 1)]);
    let d = run(
        &order(vec![line(1, 1, 1)]),
        &germany(),
        &st,
        &RoutingSettings::default(),
    );
    assert_eq!(used(&d), [2]);
}

#[test]
fn two_lines_of_one_product_do_not_count_the_same_stock_twice() {
    let st = stock(&[(1, 1, 3), (1, 2, 1)]);
    let o = order(vec![line(1, 1, 2), line(2, 1, 2)]);
    let d = run(&o, &germany(), &st, &RoutingSettings::default());
    assert_eq!(placed(&d), [(1, 1, 2), (2, 1, 1), (2, 2, 1)]);
    assert!(d.short.is_empty());
}

#[test]
fn unit_capacity_is_never_exceeded() {
    let mut locs = germany();
    locs[0].capacity_units = Some(10);
    locs[0].used_units_today = 7;
    let st = stock(&[(1, 1, 20), (1, 2, 5)]);
    let d = run(
        &order(vec![line(1, 1, 10)]),
        &locs,
        &st,
        &RoutingSettings::default(),
    );
    assert_eq!(placed(&d), [(1, 1, 3), (1, 2, 5)]);
    assert_eq!(d.short, [(1, 2)]);
}

// ------------------------------------------------------------------------------------------
// Capacity: wait or route elsewhere; cut-off

fn berlin_full() -> Vec<RouteLocation> {
    let mut locs = germany();
    locs[0].capacity_orders = Some(40);
    locs[0].used_orders_today = 40;
    locs
}

#[test]
fn a_full_location_is_skipped_when_routing_elsewhere() {
    let st = stock(&[(1, 1, 5), (1, 2, 5)]);
    let o = order(vec![line(1, 1, 1)]);
    let d = run(&o, &berlin_full(), &st, &RoutingSettings::default());
    assert_eq!(used(&d), [2]);
    assert_eq!(d.waits_for, None);
    assert_eq!(cand(&d, 1).rejected_by.as_deref(), Some("capacity_left"));
    // It was still ranked: it has values, and comes first among the candidates.
    assert_eq!(d.candidates[0].location_id, 1);
    assert!(!d.candidates[0].values.is_empty());
}

#[test]
fn the_order_waits_when_the_best_location_is_full() {
    let st = stock(&[(1, 1, 5), (1, 2, 5)]);
    let o = order(vec![line(1, 1, 3), line(2, 1, 1)]);
    let s = Strategy {
        when_full: WhenFull::Wait,
        ..Strategy::default()
    };
    let d = run(&o, &berlin_full(), &st, &only(s.clone()));
    assert_eq!(d.waits_for, Some(1));
    assert!(d.allocations.is_empty());
    assert_eq!(d.short, [(1, 3), (2, 1)]);
    assert_eq!(d.shipments, 0);
    assert_eq!(d.winner_rule, None);
    assert!(
        d.explanation
            .starts_with("Waits for capacity at Berlin: capacity full today (40/40 orders)"),
        "{}",
        d.explanation
    );
    // Not full: routes as usual.
    let d = run(&o, &germany(), &st, &only(s.clone()));
    assert_eq!((d.waits_for, used(&d)), (None, vec![1]));
    // Full but without stock: it would not have been chosen, so nothing waits for it.
    let st = stock(&[(1, 2, 5)]);
    let d = run(&o, &berlin_full(), &st, &only(s));
    assert_eq!((d.waits_for, used(&d)), (None, vec![2]));
    assert_eq!(cand(&d, 1).rejected_by.as_deref(), Some("has_stock"));
}

#[test]
fn the_cut_off_closes_todays_capacity() {
    let mut locs = germany();
    locs[0].cutoff_minute_utc = Some(14 * 60);
    let st = stock(&[(1, 1, 5), (1, 2, 5)]);
    let o = order(vec![line(1, 1, 1)]);
    let s = RoutingSettings::default();
    for (now, winner) in [
        (0, 1),
        (13 * 60 + 59, 1),
        (14 * 60, 2),
        (23 * 60, 2),
        (MINUTES_PER_DAY + 600, 1),
    ] {
        let d = route(&o, &locs, &st, &NoRates, &s, now);
        assert_eq!(used(&d), [winner], "at minute {now}");
    }
    let d = route(&o, &locs, &st, &NoRates, &s, 15 * 60);
    assert_eq!(
        cand(&d, 1).reason.as_deref(),
        Some("past today's cut-off (14:00 UTC)")
    );
}

// ------------------------------------------------------------------------------------------
// Pickup in store

#[test]
fn a_pickup_order_is_reserved_at_its_store_only() {
    let mut locs = germany();
    locs[2].kind = LocationKind::Store; // Munich, far away
    let st = stock(&[(1, 1, 5), (1, 3, 5)]);
    let mut o = order(vec![line(1, 1, 2)]);
    o.pickup_location = Some(3);
    let d = run(&o, &locs, &st, &RoutingSettings::default());
    assert_eq!(used(&d), [3]);
    for id in [1, 2, 4] {
        assert_eq!(cand(&d, id).rejected_by.as_deref(), Some("pickup"));
    }
    assert!(
        d.explanation
            .contains("3 other locations not considered: collected at Munich"),
        "{}",
        d.explanation
    );
    // The store lacks stock: nothing comes from elsewhere.
    let st = stock(&[(1, 1, 5), (1, 3, 1)]);
    let d = run(&o, &locs, &st, &RoutingSettings::default());
    assert_eq!(placed(&d), [(1, 3, 1)]);
    assert_eq!(d.short, [(1, 1)]);
    // Filters still apply to the store.
    locs[2].paused = true;
    let d = run(&o, &locs, &st, &RoutingSettings::default());
    assert!(d.allocations.is_empty());
    assert_eq!(cand(&d, 3).rejected_by.as_deref(), Some("not_paused"));
    // An unknown pickup location routes nowhere.
    o.pickup_location = Some(99);
    let d = run(&o, &locs, &st, &RoutingSettings::default());
    assert!(d.allocations.is_empty());
    assert_eq!(d.short, [(1, 2)]);
    assert!(
        d.explanation.contains("pickup location 99 is not known"),
        "{}",
        d.explanation
    );
}

// ------------------------------------------------------------------------------------------
// Rates

fn rate(location_id: i64, zone: Zone, cost_minor: i64, max_weight_g: Option<u32>) -> RateRow {
    RateRow {
        location_id,
        zone,
        cost_minor,
        transit_days: 2,
        max_weight_g,
    }
}

fn postal(country: &str, prefix: &str) -> Zone {
    Zone::PostalPrefix {
        country: country.into(),
        prefix: prefix.into(),
    }
}

#[test]
fn rate_lookup_takes_the_most_specific_zone() {
    let table = RateTable::new([
        rate(1, Zone::Rest, 900, None),
        rate(1, Zone::Country("de".into()), 500, None),
        rate(1, postal("DE", "1"), 400, None),
        rate(1, postal("DE", "101"), 300, None),
        rate(1, postal("GB", "sw1a 1"), 800, None),
        rate(2, Zone::Country("DE".into()), 100, None),
    ]);
    assert_eq!(table.len(), 6);
    let cost = |loc: i64, country: Option<&str>, code: Option<&str>| {
        let mut o = order(vec![]);
        o.country = country.map(Into::into);
        o.postal_code = code.map(Into::into);
        table.estimate(loc, &o).map(|e| e.cost_minor)
    };
    let cases = [
        ("longest prefix", 1, Some("DE"), Some("10115"), Some(300)),
        ("shorter prefix", 1, Some("de"), Some("12000"), Some(400)),
        ("country", 1, Some("DE"), Some("80331"), Some(500)),
        (
            "country without postal code",
            1,
            Some("DE"),
            None,
            Some(500),
        ),
        (
            "prefix of another country",
            1,
            Some("AT"),
            Some("1010"),
            Some(900),
        ),
        ("rest", 1, Some("FR"), Some("75001"), Some(900)),
        ("no country", 1, None, None, Some(900)),
        ("spacing ignored", 1, Some("GB"), Some("SW1A1AA"), Some(800)),
        ("case ignored", 1, Some("GB"), Some("sw1a 1aa"), Some(800)),
        ("other location", 2, Some("DE"), Some("10115"), Some(100)),
        ("other location, no zone", 2, Some("FR"), None, None),
        ("unknown location", 3, Some("DE"), None, None),
    ];
    for (label, loc, country, code, want) in cases {
        assert_eq!(cost(loc, country, code), want, "{label}");
    }
}

#[test]
fn rate_lookup_honours_weight_limits() {
    let mut table = RateTable::new([
        rate(1, Zone::Country("DE".into()), 1500, None),
        rate(1, Zone::Country("DE".into()), 700, Some(5_000)),
        rate(1, Zone::Country("DE".into()), 450, Some(1_000)),
        rate(1, postal("DE", "14"), 300, Some(500)),
    ]);
    let cost = |t: &RateTable, weight_g: u32| {
        let mut o = order(vec![]);
        o.weight_g = weight_g;
        t.estimate(1, &o).map(|e| e.cost_minor)
    };
    let cases = [
        (400, Some(300)),
        (500, Some(300)),
        (501, Some(450)),
        (800, Some(450)),
        (3_000, Some(700)),
        (20_000, Some(1500)),
    ];
    for (w, want) in cases {
        assert_eq!(cost(&table, w), want, "{w} g");
    }
    let heavy_only = RateTable::new([rate(1, Zone::Rest, 100, Some(1_000))]);
    assert_eq!(cost(&heavy_only, 1_001), None);
    table.insert(rate(1, postal("DE", "144"), 200, None));
    assert_eq!(cost(&table, 20_000), Some(200));
    assert!(!table.is_empty() && RateTable::default().is_empty());
    assert_eq!(NoRates.estimate(1, &order(vec![])), None);
}

#[test]
fn cost_and_transit_add_up_over_the_shipments() {
    let rates = RateTable::new([
        RateRow {
            location_id: 1,
            zone: Zone::Rest,
            cost_minor: 490,
            transit_days: 1,
            max_weight_g: None,
        },
        RateRow {
            location_id: 2,
            zone: Zone::Rest,
            cost_minor: 590,
            transit_days: 3,
            max_weight_g: None,
        },
    ]);
    let st = stock(&[(1, 1, 1), (2, 2, 1), (3, 3, 1)]);
    let s = RoutingSettings::default();
    let two = order(vec![line(1, 1, 1), line(2, 2, 1)]);
    let d = route(&two, &germany(), &st, &rates, &s, NOW);
    assert_eq!((d.cost_minor, d.transit_days), (Some(1080), Some(3)));
    let d = route(
        &order(vec![line(1, 1, 1)]),
        &germany(),
        &st,
        &rates,
        &s,
        NOW,
    );
    assert_eq!((d.cost_minor, d.transit_days), (Some(490), Some(1)));
    assert_eq!(d.distance_km.map(|k| k.round()), Some(27.0));
    assert_eq!(d.precision, Precision::PostalCode);
    // Munich has no rate: the sum is unknown.
    let three = order(vec![line(1, 1, 1), line(3, 3, 1)]);
    let d = route(&three, &germany(), &st, &rates, &s, NOW);
    assert_eq!(d.shipments, 2);
    assert_eq!((d.cost_minor, d.transit_days), (None, None));
}

// ------------------------------------------------------------------------------------------
// Explanation and serialisation

#[test]
fn the_explanation_names_the_winner_and_every_rejection() {
    let mut locs = berlin_full();
    locs[3].paused = true; // Hamburg
    locs.push(loc(5, "Dresden"));
    let st = stock(&[(1, 1, 5), (1, 2, 5), (1, 3, 5), (1, 4, 5)]);
    let d = run(
        &order(vec![line(1, 1, 1)]),
        &locs,
        &st,
        &RoutingSettings::default(),
    );
    let e = &d.explanation;
    assert!(
        e.starts_with("Ships from Leipzig: nearest with stock (1"),
        "{e}"
    );
    for part in [
        "Berlin rejected: capacity full today (40/40 orders)",
        "Dresden rejected: no stock for any line",
        "Hamburg rejected: paused",
        "strategy default",
    ] {
        assert!(e.contains(part), "{part:?} missing from {e}");
    }
    assert!(!e.contains("Munich"), "{e}");
    assert_eq!(d.winner_rule.as_deref(), Some("nearest"));
    // Several locations with one reason are named together.
    let st = stock(&[(1, 1, 5)]);
    let d = run(
        &order(vec![line(1, 1, 1)]),
        &germany(),
        &st,
        &RoutingSettings::default(),
    );
    assert!(
        d.explanation
            .contains("Leipzig, Munich, Hamburg rejected: no stock for any line"),
        "{}",
        d.explanation
    );
    // Nothing anywhere.
    let d = run(
        &order(vec![line(1, 1, 1)]),
        &germany(),
        &Stock::default(),
        &RoutingSettings::default(),
    );
    assert!(
        d.explanation
            .starts_with("Not routed: no location passes the filters; 1 unit short (line 1: 1)"),
        "{}",
        d.explanation
    );
    assert_eq!((d.shipments, d.winner_rule.clone()), (0, None));
    let d = run(&order(vec![]), &germany(), &st, &RoutingSettings::default());
    assert!(
        d.explanation.starts_with("Nothing to ship"),
        "{}",
        d.explanation
    );
}

#[test]
fn each_ranker_reads_well_in_the_explanation() {
    let mut locs = germany();
    locs[1].priority = 7;
    locs[1].capacity_orders = Some(4);
    locs[1].used_orders_today = 1;
    locs[2].capacity_orders = Some(10);
    locs[2].used_orders_today = 9;
    let rates = RateTable::new([RateRow {
        location_id: 2,
        zone: Zone::Rest,
        cost_minor: 490,
        transit_days: 1,
        max_weight_g: None,
    }]);
    let st = stock(&[(1, 2, 5), (1, 3, 5), (2, 2, 5)]);
    let o = order(vec![line(1, 1, 1), line(2, 2, 1)]);
    let cases = [
        (
            Ranker::LowestCost,
            "lowest shipping cost with stock (estimate 490)",
        ),
        (
            Ranker::FastestTransit,
            "fastest with stock (1 day in transit)",
        ),
        (Ranker::LocationPriority, "highest priority with stock (7)"),
        (Ranker::FewestShipments, "fewest shipments with stock;"),
        (
            Ranker::SpreadLoad,
            "most capacity left with stock (75% free)",
        ),
    ];
    for (r, words) in cases {
        let s = Strategy {
            rank: vec![r],
            filters: vec![Filter::HasStock],
            ..Strategy::default()
        };
        let d = route(&o, &locs, &st, &rates, &only(s), NOW);
        assert!(d.explanation.contains(words), "{r:?}: {}", d.explanation);
    }
}

#[test]
fn settings_have_defaults_and_tagged_shapes() {
    let s = RoutingSettings::default();
    assert!(s.strategies.is_empty());
    assert_eq!(
        s.fallback.filters,
        [
            Filter::NotPaused,
            Filter::ShipsToDestination,
            Filter::HasStock,
            Filter::CapacityLeft
        ]
    );
    assert_eq!(s.fallback.rank, [Ranker::Nearest, Ranker::LocationPriority]);
    assert_eq!(s.fallback.split, SplitPolicy::WhenNeeded);
    assert_eq!(s.fallback.when_full, WhenFull::RouteElsewhere);
    // The TypeScript twins follow the serde attributes: tagged by "kind", snake_case.
    let filter = <Filter as TS>::decl();
    for part in [
        r#""kind": "not_paused""#,
        r#""kind": "max_distance_km", km: number"#,
        r#""kind": "kinds", kinds: Array<LocationKind>"#,
    ] {
        assert!(filter.contains(part), "{part:?} missing from {filter}");
    }
    let split = <SplitPolicy as TS>::decl();
    assert!(
        split.contains(r#""kind": "up_to", shipments: number"#),
        "{split}"
    );
    let full = <WhenFull as TS>::decl();
    assert!(full.contains(r#""route_elsewhere" | "wait""#), "{full}");
    let decision = <RouteDecision as TS>::decl();
    for part in [
        "allocations: Array<{ line_no: number, product_id: number, location_id: number, quantity: number }>",
        "waits_for: number | null",
        "short: Array<[number, number]>",
    ] {
        assert!(decision.contains(part), "{part:?} missing from {decision}");
    }
    let zone = <Zone as TS>::decl();
    assert!(zone.contains(r#""rest""#), "{zone}");
}

// ------------------------------------------------------------------------------------------
// Properties

// ---- backtest ----

fn past(id: i64, day: i64, lines: Vec<RouteLine>) -> BacktestOrder {
    let mut o = order(lines);
    o.order_id = id;
    BacktestOrder {
        order: o,
        day,
        minute: NOW,
    }
}

#[test]
fn backtest_compares_nearest_with_priority_and_counts_what_changed() {
    let mut locs = germany();
    locs[2].priority = 5; // Munich preferred by priority
    let levels = [(10, 1, 0), (10, 2, 0), (10, 3, 0)];
    let orders: Vec<BacktestOrder> = (1..=4)
        .map(|i| past(i, 100, vec![line(1, 10, 1)]))
        .collect();
    let nearest = only(strategy(vec![Filter::HasStock], vec![Ranker::Nearest]));
    let by_priority = only(strategy(
        vec![Filter::HasStock],
        vec![Ranker::LocationPriority],
    ));
    let st = starting_stock(&levels, StockModel::Stocked);
    let a = simulate(&orders, &locs, &st, StockModel::Stocked, &NoRates, &nearest);
    let b = simulate(
        &orders,
        &locs,
        &st,
        StockModel::Stocked,
        &NoRates,
        &by_priority,
    );
    assert_eq!(a.metrics.routed, 4);
    assert_eq!(a.metrics.per_location.len(), 1);
    assert_eq!(a.metrics.per_location[0].name, "Berlin");
    assert_eq!(b.metrics.per_location[0].name, "Munich");
    assert_eq!(b.metrics.per_location[0].units, 4);
    assert!(a.metrics.avg_distance_km.unwrap_or(f64::MAX) < 40.0);
    assert!(b.metrics.avg_distance_km.unwrap_or(0.0) > 400.0);
    assert_eq!(changed(&a, &b), 4);
    assert_eq!(changed(&a, &a), 0);
    assert_eq!(a.metrics.by_strategy, vec![("test".to_string(), 4)]);
}

#[test]
fn backtest_counts_capacity_per_day_and_starts_each_day_empty() {
    let mut locs = germany();
    locs[0].capacity_orders = Some(2); // Berlin takes two a day
    let levels = [(10, 1, 0), (10, 2, 0)];
    let orders = vec![
        past(1, 100, vec![line(1, 10, 1)]),
        past(2, 100, vec![line(1, 10, 1)]),
        past(3, 100, vec![line(1, 10, 1)]),
        past(4, 101, vec![line(1, 10, 1)]),
    ];
    let s = only(strategy(
        vec![Filter::HasStock, Filter::CapacityLeft],
        vec![Ranker::Nearest],
    ));
    let st = starting_stock(&levels, StockModel::Stocked);
    let r = simulate(&orders, &locs, &st, StockModel::Stocked, &NoRates, &s);
    assert_eq!(r.main_location, vec![Some(1), Some(1), Some(2), Some(1)]);
    let berlin = r.metrics.per_location.iter().find(|l| l.location_id == 1);
    assert_eq!(berlin.map(|l| (l.orders, l.peak_day_orders)), Some((3, 2)));
    // Waiting instead of routing elsewhere: the third order of the day is not routed.
    let mut wait = strategy(
        vec![Filter::HasStock, Filter::CapacityLeft],
        vec![Ranker::Nearest],
    );
    wait.when_full = WhenFull::Wait;
    let r = simulate(
        &orders,
        &locs,
        &st,
        StockModel::Stocked,
        &NoRates,
        &only(wait),
    );
    assert_eq!((r.metrics.unrouted, r.metrics.waiting), (1, 1));
}

#[test]
fn backtest_with_stock_on_hand_uses_it_up_and_splits_when_it_must() {
    let locs = germany();
    // Berlin has 3, Leipzig 1 of product 10.
    let levels = [(10, 1, 3), (10, 2, 1)];
    let orders = vec![
        past(1, 100, vec![line(1, 10, 2)]), // Berlin
        past(2, 100, vec![line(1, 10, 2)]), // Berlin 1 + Leipzig 1: split
        past(3, 100, vec![line(1, 10, 1)]), // nothing left
    ];
    let s = only(strategy(vec![Filter::HasStock], vec![Ranker::Nearest]));
    let st = starting_stock(&levels, StockModel::OnHandNow);
    let r = simulate(&orders, &locs, &st, StockModel::OnHandNow, &NoRates, &s);
    assert_eq!((r.metrics.routed, r.metrics.unrouted), (2, 1));
    assert_eq!(r.metrics.split_orders, 1);
    assert_eq!(r.metrics.shipments, 3);
    assert!((r.metrics.split_rate - 0.5).abs() < 1e-9);
    assert_eq!(r.main_location, vec![Some(1), Some(1), None]);
    // The same orders against "stocked" locations all route from Berlin, in one parcel each.
    let st = starting_stock(&levels, StockModel::Stocked);
    let r = simulate(&orders, &locs, &st, StockModel::Stocked, &NoRates, &s);
    assert_eq!(
        (
            r.metrics.routed,
            r.metrics.split_orders,
            r.metrics.shipments
        ),
        (3, 0, 3)
    );
}

#[test]
fn backtest_sums_estimated_cost_and_transit_from_the_rate_table() {
    let locs = germany();
    let levels = [(10, 1, 0), (10, 3, 0)];
    let rates = RateTable::new([
        RateRow {
            location_id: 1,
            zone: Zone::Country("DE".into()),
            cost_minor: 590,
            transit_days: 1,
            max_weight_g: None,
        },
        RateRow {
            location_id: 3,
            zone: Zone::Country("DE".into()),
            cost_minor: 390,
            transit_days: 3,
            max_weight_g: None,
        },
    ]);
    let orders: Vec<BacktestOrder> = (1..=3)
        .map(|i| past(i, 100, vec![line(1, 10, 1)]))
        .collect();
    let st = starting_stock(&levels, StockModel::Stocked);
    let cheap = only(strategy(vec![Filter::HasStock], vec![Ranker::LowestCost]));
    let fast = only(strategy(
        vec![Filter::HasStock],
        vec![Ranker::FastestTransit],
    ));
    let a = simulate(&orders, &locs, &st, StockModel::Stocked, &rates, &cheap);
    let b = simulate(&orders, &locs, &st, StockModel::Stocked, &rates, &fast);
    assert_eq!(
        (a.metrics.cost_minor, a.metrics.orders_with_cost),
        (1170, 3)
    );
    assert_eq!(a.metrics.avg_transit_days, Some(3.0));
    assert_eq!(b.metrics.cost_minor, 1770);
    assert_eq!(b.metrics.avg_transit_days, Some(1.0));
}

mod props;
