//! The routing tools through the application API on real SQLite files: the rate table's CSV
//! import (and its use by the rules), and the backtest.

use crate::fresh;
use crate::pipeline::{order, place, receive};
use oms_app::domain::*;
use oms_app::engine::route::{Ranker, StockModel};
use oms_app::{Api, BacktestRequest, ImportMode, NewLocation};

fn write(dir: &std::path::Path, name: &str, body: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).expect("write");
    p
}

async fn at(api: &Api, name: &str, lat: f64, lon: f64) -> i64 {
    place(api, LocationKind::Warehouse, name, Some((lat, lon))).await
}

#[tokio::test]
async fn a_rate_table_imports_from_csv_and_a_bad_file_changes_nothing() {
    let db = fresh().await;
    let api = &db.api;
    at(api, "Leipzig", 51.34, 12.37).await;
    at(api, "Munich", 48.14, 11.58).await;
    let dir = tempfile::tempdir().expect("dir");
    let good = write(
        dir.path(),
        "rates.csv",
        "location,country,postal_prefix,max_weight_g,cost,currency,transit_days\n\
         Leipzig,DE,,,5.90,EUR,1\n\
         Leipzig,DE,1,,4.90,EUR,1\n\
         Munich,DE,,2000,3.90,EUR,3\n\
         Munich,*,,,19.00,EUR,6\n",
    );
    let r = api
        .import_rates_csv(&good, ImportMode::AllOrNothing)
        .await
        .expect("import");
    assert!(r.committed, "{r:?}");
    assert_eq!(r.imported, 4);
    let rates = api.list_rates().await.expect("list");
    assert_eq!(rates.len(), 4);
    let prefixed = rates
        .iter()
        .find(|x| x.postal_prefix == "1")
        .expect("prefix row");
    assert_eq!(
        (prefixed.cost_minor, prefixed.location_name.as_str()),
        (490, "Leipzig")
    );
    assert_eq!(
        rates.last().map(|x| x.country.as_str()),
        Some("*"),
        "everywhere else last"
    );

    let bad = write(
        dir.path(),
        "bad.csv",
        "location,country,postal_prefix,max_weight_g,cost,currency,transit_days\n\
         Leipzig,DE,,,5.90,EUR,1\n\
         Berlin,DE,,,5.90,EUR,1\n\
         Munich,Germany,,,3.9,EUR,2\n\
         Munich,DE,,-5,3.999,EUR,x\n\
         Munich,AT,,,3.90,USD,2\n\
         Munich,*,12,,1,EUR,1\n",
    );
    let r = api
        .import_rates_csv(&bad, ImportMode::AllOrNothing)
        .await
        .expect("report");
    assert!(!r.committed);
    let at_ = |row: u32, col: &str| {
        r.errors
            .iter()
            .any(|e| e.row == Some(row) && e.column.as_deref() == Some(col))
    };
    assert!(at_(2, "location"), "{:?}", r.errors);
    assert!(at_(3, "country"));
    assert!(at_(4, "max_weight_g") && at_(4, "cost") && at_(4, "transit_days"));
    assert!(at_(5, "currency"), "one currency");
    assert!(at_(6, "postal_prefix"));
    assert_eq!(
        api.list_rates().await.expect("list").len(),
        4,
        "nothing changed"
    );
    let r = api
        .import_rates_csv(&bad, ImportMode::GoodRowsOnly)
        .await
        .expect("good rows");
    assert!(r.committed);
    assert_eq!(r.imported, 1);
    assert_eq!(
        api.list_rates().await.expect("list").len(),
        1,
        "the table is replaced"
    );

    let no_header = write(dir.path(), "h.csv", "location,cost\nLeipzig,1\n");
    let e = api
        .import_rates_csv(&no_header, ImportMode::AllOrNothing)
        .await
        .expect_err("header");
    assert_eq!(e.code, oms_app::ErrorCode::CsvInvalid);
    assert!(e
        .details
        .iter()
        .any(|d| d.column.as_deref() == Some("transit_days")));
}

#[tokio::test]
async fn the_lowest_cost_rule_routes_by_the_imported_rates() {
    let db = fresh().await;
    let api = &db.api;
    let leipzig = at(api, "Leipzig", 51.34, 12.37).await;
    let munich = at(api, "Munich", 48.14, 11.58).await;
    receive(api, "MUG", leipzig, 10).await;
    receive(api, "MUG", munich, 10).await;
    let dir = tempfile::tempdir().expect("dir");
    let csv = write(
        dir.path(),
        "rates.csv",
        "location,country,cost,currency,transit_days\nLeipzig,DE,5.90,EUR,1\nMunich,DE,3.90,EUR,3\n",
    );
    assert!(
        api.import_rates_csv(&csv, ImportMode::AllOrNothing)
            .await
            .expect("import")
            .committed
    );
    let mut s = api.pipeline_settings().await.expect("settings");
    s.routing.enabled = true;
    s.routing.rules.fallback.rank = vec![Ranker::LowestCost];
    api.save_pipeline_settings(&s).await.expect("save");
    api.import_orders(&[order("1", "anna@example.de", &[("MUG", 1)])], "test")
        .await
        .expect("import");
    api.process_pending(&|_| {}).await.expect("process");
    let id = api
        .list_orders(&OrderQuery::default())
        .await
        .expect("list")
        .rows[0]
        .id;
    let d = api.get_order(id).await.expect("detail");
    assert_eq!(
        d.lines[0].reservations[0].location_name, "Munich",
        "cheaper, though farther"
    );
    let r = d.routing.expect("routing");
    assert_eq!(r.cost_minor, Some(390), "{}", r.explanation);
}

#[tokio::test]
async fn a_backtest_compares_two_strategies_without_touching_the_orders() {
    let db = fresh().await;
    let api = &db.api;
    let leipzig = at(api, "Leipzig", 51.34, 12.37).await;
    let munich = at(api, "Munich", 48.14, 11.58).await;
    receive(api, "MUG", leipzig, 100).await;
    receive(api, "MUG", munich, 100).await;
    let mut s = api.pipeline_settings().await.expect("settings");
    s.routing.enabled = true;
    api.save_pipeline_settings(&s).await.expect("save");
    let orders: Vec<NewOrder> = (1..=30)
        .map(|i| {
            order(
                &format!("{i:03}"),
                &format!("c{i}@example.de"),
                &[("MUG", 1)],
            )
        })
        .collect();
    api.import_orders(&orders, "test").await.expect("import");
    api.process_pending(&|_| {}).await.expect("process");
    let before = api
        .list_orders(&OrderQuery {
            limit: 100,
            ..Default::default()
        })
        .await
        .expect("list");
    let decisions_before: Vec<_> = {
        let mut v = Vec::new();
        for r in &before.rows {
            v.push(
                api.get_order(r.id)
                    .await
                    .expect("d")
                    .routing
                    .map(|x| x.explanation),
            );
        }
        v
    };
    // Munich first by priority, instead of the nearest (Leipzig, for Berlin addresses).
    let mut cand = s.routing.rules.clone();
    cand.fallback.rank = vec![Ranker::LocationPriority, Ranker::Nearest];
    let mut l = api.list_locations().await.expect("l");
    let m = l.iter_mut().find(|x| x.id == munich).expect("munich");
    m.routing.priority = 9;
    api.update_location(
        munich,
        &NewLocation {
            kind: m.kind,
            name: m.name.clone(),
            address: None,
            lat: m.lat,
            lon: m.lon,
            routing: m.routing.clone(),
        },
        true,
    )
    .await
    .expect("priority");
    let seen = std::sync::Mutex::new(Vec::new());
    let r = api
        .backtest(
            &BacktestRequest {
                query: OrderQuery::default(),
                candidate: cand,
                baseline: None,
                stock: StockModel::Stocked,
            },
            &|p| seen.lock().expect("lock").push((p.done, p.total)),
        )
        .await
        .expect("backtest");
    assert_eq!(r.orders, 30);
    assert_eq!(r.baseline.routed, 30);
    assert_eq!(
        r.baseline.per_location.first().map(|x| x.name.as_str()),
        Some("Leipzig")
    );
    assert_eq!(
        r.candidate.per_location.first().map(|x| x.name.as_str()),
        Some("Munich")
    );
    assert_eq!(r.changed_orders, 30);
    assert!(r.candidate.avg_distance_km > r.baseline.avg_distance_km);
    assert!(
        seen.lock()
            .expect("lock")
            .last()
            .is_some_and(|p| p.0 == p.1),
        "progress ends done"
    );
    let csv = oms_app::backtest_csv(&r);
    assert!(
        csv.starts_with("measure,baseline,candidate,difference\n"),
        "{csv}"
    );
    assert!(csv.contains("changed_orders,0,30,30"), "{csv}");
    assert!(csv.contains("Munich,0,30,"), "{csv}");
    // A date range with nothing in it says so.
    let e = api
        .backtest(
            &BacktestRequest {
                query: OrderQuery {
                    placed_from: Some(0),
                    placed_to: Some(1),
                    ..Default::default()
                },
                candidate: r_rules(api).await,
                baseline: None,
                stock: StockModel::OnHandNow,
            },
            &|_| {},
        )
        .await
        .expect_err("empty");
    assert_eq!(e.code, oms_app::ErrorCode::InvalidInput);
    // Nothing was touched: the same decisions, no new timeline events.
    for (row, old) in before.rows.iter().zip(decisions_before) {
        let d = api.get_order(row.id).await.expect("d");
        assert_eq!(d.routing.map(|x| x.explanation), old);
    }
}

async fn r_rules(api: &Api) -> oms_app::engine::route::RoutingSettings {
    api.pipeline_settings().await.expect("s").routing.rules
}

#[tokio::test]
async fn an_order_tagged_ship_together_is_never_split() {
    for tagged in [false, true] {
        let db = fresh().await;
        let api = &db.api;
        let mut s = api.pipeline_settings().await.expect("settings");
        s.routing.enabled = true;
        api.save_pipeline_settings(&s).await.expect("save");
        let a = at(api, "Leipzig", 51.34, 12.37).await;
        let b = at(api, "Munich", 48.14, 11.58).await;
        receive(api, "MUG", a, 5).await;
        receive(api, "CUP", b, 5).await;
        let mut o = order("1", "anna@example.de", &[("MUG", 1), ("CUP", 1)]);
        if tagged {
            o.tags = vec![Tag::parse("ship-together").expect("tag")];
        }
        api.import_orders(&[o], "test").await.expect("import");
        api.process_pending(&|_| {}).await.expect("process");
        let id = api
            .list_orders(&OrderQuery::default())
            .await
            .expect("list")
            .rows[0]
            .id;
        let d = api.get_order(id).await.expect("d");
        let places: std::collections::BTreeSet<String> = d
            .lines
            .iter()
            .flat_map(|l| l.reservations.iter().map(|r| r.location_name.clone()))
            .collect();
        if tagged {
            assert_eq!(places.len(), 1, "one parcel: {places:?}");
            assert_eq!(
                d.order.status,
                OrderStatus::OnHold,
                "the other line waits for stock there"
            );
        } else {
            assert_eq!(places.len(), 2, "split when it must: {places:?}");
            assert_eq!(d.order.status, OrderStatus::Allocated);
        }
    }
}
