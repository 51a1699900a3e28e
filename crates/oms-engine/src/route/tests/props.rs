//! Random locations, stock, capacities, strategies and orders: the decision never breaks the
//! limits, whatever the strategy says.

use super::*;
use proptest::prelude::{prop, prop_assert, prop_assert_eq, prop_oneof, proptest, Just};
use proptest::strategy::Strategy as Gen;
use proptest::test_runner::Config;

const COUNTRIES: [&str; 3] = ["DE", "AT", "FR"];

fn arb_point() -> impl Gen<Value = Option<GeoPoint>> {
    prop::option::weighted(
        0.8,
        (47.0f64..55.0, 5.0f64..15.0).prop_map(|(lat, lon)| GeoPoint { lat, lon }),
    )
}

fn arb_location() -> impl Gen<Value = RouteLocation> {
    (
        0usize..LocationKind::ALL.len(),
        arb_point(),
        prop::sample::subsequence(COUNTRIES.to_vec(), 0..=2),
        -3i32..3,
        prop::bool::weighted(0.15),
        prop::option::of(0u32..4),
        0u32..5,
        prop::option::of(0u32..20),
        0u32..25,
        prop::option::weighted(0.3, 0u32..1440),
    )
        .prop_map(
            |(kind, point, ships_to, priority, paused, co, uo, cu, uu, cutoff)| RouteLocation {
                id: 0,
                name: String::new(),
                kind: LocationKind::ALL[kind],
                point,
                country: Some("DE".into()),
                ships_to: ships_to.into_iter().map(String::from).collect(),
                priority,
                paused,
                capacity_orders: co,
                capacity_units: cu,
                used_orders_today: uo,
                used_units_today: uu,
                cutoff_minute_utc: cutoff,
            },
        )
}

fn arb_locations() -> impl Gen<Value = Vec<RouteLocation>> {
    prop::collection::vec(arb_location(), 0..=20).prop_map(|mut v| {
        for (i, l) in v.iter_mut().enumerate() {
            l.id = i as i64 + 1;
            l.name = format!("L{}", l.id);
        }
        v
    })
}

fn arb_order() -> impl Gen<Value = RouteOrder> {
    (
        prop::collection::vec(
            (
                1i64..5,
                0u32..10,
                prop::bool::ANY,
                prop::option::weighted(0.4, 0usize..2),
            ),
            0..=5,
        ),
        prop::option::weighted(0.9, prop::sample::select(COUNTRIES.to_vec())),
        prop::option::of(prop::sample::select(vec![
            "10115", "14467", "80331", "1010",
        ])),
        arb_point(),
        prop::option::weighted(0.15, 1i64..=21),
        0u32..6_000,
        0i64..20_000,
    )
        .prop_map(
            |(lines, country, postal, dest, pickup, weight_g, value_minor)| RouteOrder {
                order_id: 1,
                channel: "shopify".into(),
                country: country.map(String::from),
                region: None,
                postal_code: postal.map(String::from),
                shipping_service: None,
                tags: Vec::new(),
                value_minor,
                weight_g,
                dest: dest.map(|p| (p, Precision::PostalCode)),
                pickup_location: pickup,
                lines: lines
                    .into_iter()
                    .enumerate()
                    .map(
                        |(i, (product_id, quantity, allow_backorder, g))| RouteLine {
                            line_no: i as u32 + 1,
                            product_id,
                            quantity,
                            allow_backorder,
                            group: g.map(|g| ["a", "b"][g].to_string()),
                        },
                    )
                    .collect(),
            },
        )
}

fn arb_strategy() -> impl Gen<Value = Strategy> {
    let filters = vec![
        Filter::NotPaused,
        Filter::ShipsToDestination,
        Filter::HasStock,
        Filter::CapacityLeft,
        Filter::Kinds {
            kinds: vec![LocationKind::Warehouse, LocationKind::Store],
        },
        Filter::MaxDistanceKm { km: 400.0 },
    ];
    let rankers = vec![
        Ranker::Nearest,
        Ranker::LowestCost,
        Ranker::FastestTransit,
        Ranker::LocationPriority,
        Ranker::FewestShipments,
        Ranker::SpreadLoad,
    ];
    (
        prop::sample::subsequence(filters, 0..=6).prop_shuffle(),
        prop::sample::subsequence(rankers, 0..=6).prop_shuffle(),
        prop_oneof![
            Just(SplitPolicy::Never),
            Just(SplitPolicy::WhenNeeded),
            (0u32..4).prop_map(|shipments| SplitPolicy::UpTo { shipments }),
        ],
        prop_oneof![Just(WhenFull::RouteElsewhere), Just(WhenFull::Wait)],
    )
        .prop_map(|(filters, rank, split, when_full)| Strategy {
            name: "random".into(),
            when: Condition::default(),
            filters,
            rank,
            split,
            when_full,
        })
}

fn arb_rates() -> impl Gen<Value = RateTable> {
    prop::collection::vec(
        (
            1i64..=20,
            0usize..3,
            0i64..1000,
            0u32..6,
            prop::option::of(0u32..6000),
        ),
        0..30,
    )
    .prop_map(|rows| {
        RateTable::new(rows.into_iter().map(|(l, z, c, t, w)| RateRow {
            location_id: l,
            zone: match z {
                0 => Zone::Rest,
                1 => Zone::Country("DE".into()),
                _ => Zone::PostalPrefix {
                    country: "DE".into(),
                    prefix: "1".into(),
                },
            },
            cost_minor: c,
            transit_days: t,
            max_weight_g: w,
        }))
    })
}

fn arb_stock() -> impl Gen<Value = Stock> {
    prop::collection::vec((1i64..5, 1i64..=20, -3i64..15), 0..60).prop_map(|levels| {
        let mut s = Stock::default();
        for (p, l, a) in levels {
            s.set(p, l, a);
        }
        s
    })
}

proptest! {
    #![proptest_config(Config::with_cases(2000))]

    #[test]
    fn decisions_never_break_the_limits(
        locations in arb_locations(),
        stock in arb_stock(),
        order in arb_order(),
        strategy in arb_strategy(),
        rates in arb_rates(),
        now in 0u32..3_000,
    ) {
        let settings = only(strategy.clone());
        let d = route(&order, &locations, &stock, &rates, &settings, now);
        let minute = now % MINUTES_PER_DAY;
        let find = |id: i64| locations.iter().find(|l| l.id == id);

        // Every unit of every line is allocated or short, never both more nor less.
        for l in &order.lines {
            let got: u32 = d.allocations.iter().filter(|a| a.line_no == l.line_no).map(|a| a.quantity).sum();
            let short: u32 = d.short.iter().filter(|s| s.0 == l.line_no).map(|s| s.1).sum();
            prop_assert_eq!(got + short, l.quantity, "line {}", l.line_no);
        }
        prop_assert!(d.allocations.iter().all(|a| a.quantity > 0));
        prop_assert!(d.short.iter().all(|s| s.1 > 0));
        for a in &d.allocations {
            let l = order.lines.iter().find(|l| l.line_no == a.line_no);
            prop_assert_eq!(l.map(|l| l.product_id), Some(a.product_id));
        }

        // Never more than available at a location, backorderable or not.
        let mut per_stock: BTreeMap<(i64, i64), i64> = BTreeMap::new();
        let mut per_location: BTreeMap<i64, u64> = BTreeMap::new();
        for a in &d.allocations {
            *per_stock.entry((a.product_id, a.location_id)).or_default() += i64::from(a.quantity);
            *per_location.entry(a.location_id).or_default() += u64::from(a.quantity);
        }
        for ((p, l), n) in &per_stock {
            prop_assert!(*n <= stock.available(*p, *l).max(0), "product {} at {}: {} allocated", p, l, n);
        }

        // Never over capacity, paused, or rejected by a filter.
        let used: BTreeSet<i64> = per_location.keys().copied().collect();
        for (&id, &units) in &per_location {
            let Some(l) = find(id) else {
                prop_assert!(false, "allocation at unknown location {}", id);
                continue;
            };
            prop_assert!(!l.paused);
            if let Some(c) = l.capacity_orders {
                prop_assert!(l.used_orders_today < c, "{} orders full", id);
            }
            if let Some(c) = l.capacity_units {
                prop_assert!(units <= u64::from(c.saturating_sub(l.used_units_today)), "{} units over", id);
            }
            if let Some(c) = l.cutoff_minute_utc {
                prop_assert!(minute < c, "{} past cut-off", id);
            }
            let c = d.candidates.iter().find(|c| c.location_id == id);
            prop_assert_eq!(c.map(|c| c.rejected_by.is_none() && c.chosen), Some(true));
            // The filters, checked independently.
            let pickup = order.pickup_location.is_some();
            if let Some(p) = order.pickup_location {
                prop_assert_eq!(p, id);
            }
            for f in &strategy.filters {
                match f {
                    Filter::ShipsToDestination if !pickup && !l.ships_to.is_empty() => {
                        let dc = order.country.as_deref().unwrap_or("?");
                        prop_assert!(l.ships_to.iter().any(|s| s.eq_ignore_ascii_case(dc)));
                    }
                    Filter::Kinds { kinds } => prop_assert!(kinds.contains(&l.kind)),
                    Filter::MaxDistanceKm { km } if !pickup => {
                        let dist = match (order.dest, l.point) {
                            (Some((a, _)), Some(b)) => great_circle_km(a, b),
                            _ => f64::INFINITY,
                        };
                        prop_assert!(dist <= *km);
                    }
                    Filter::HasStock => prop_assert!(order
                        .lines
                        .iter()
                        .any(|ln| ln.quantity > 0 && stock.available(ln.product_id, id) > 0)),
                    _ => {}
                }
            }
        }

        // Shipments are the locations used, within the policy's limit.
        prop_assert_eq!(d.shipments as usize, used.len());
        match strategy.split {
            SplitPolicy::Never => prop_assert!(d.shipments <= 1),
            SplitPolicy::UpTo { shipments } => prop_assert!(d.shipments <= shipments),
            SplitPolicy::WhenNeeded => {}
        }
        let chosen: BTreeSet<i64> = d.candidates.iter().filter(|c| c.chosen).map(|c| c.location_id).collect();
        prop_assert_eq!(&chosen, &used);
        prop_assert_eq!(d.candidates.len(), locations.len());

        // A group comes from one location.
        let mut group_at: BTreeMap<&str, BTreeSet<i64>> = BTreeMap::new();
        for a in &d.allocations {
            let g = order.lines.iter().find(|l| l.line_no == a.line_no).and_then(|l| l.group.as_deref());
            if let Some(g) = g {
                group_at.entry(g).or_default().insert(a.location_id);
            }
        }
        prop_assert!(group_at.values().all(|s| s.len() <= 1), "{:?}", group_at);

        // Waiting routes nothing; the decision names what it waits for.
        if let Some(w) = d.waits_for {
            prop_assert!(d.allocations.is_empty());
            prop_assert_eq!(strategy.when_full, WhenFull::Wait);
            let name = find(w).map(|l| l.name.clone()).unwrap_or_default();
            prop_assert!(d.explanation.contains(&name));
        }
        prop_assert_eq!(d.winner_rule.is_some(), d.shipments > 0);
        prop_assert!(!d.explanation.is_empty());
    }
}
