//! The processing pipeline and the inventory ledger through the application API, on real
//! SQLite files.

use crate::fresh;
use oms_app::domain::LocationRouting;
use oms_app::domain::*;
use oms_app::{Api, ImportMode, NewLocation, StockChangeInput};

pub fn order(ext: &str, email: &str, lines: &[(&str, i64)]) -> NewOrder {
    let lines: Vec<NewOrderLine> = lines
        .iter()
        .map(|(sku, q)| NewOrderLine {
            sku: Sku::parse(sku).expect("sku"),
            title: format!("Product {sku}"),
            quantity: Quantity::new(*q).expect("qty"),
            unit_price: 1000,
        })
        .collect();
    NewOrder {
        channel: ChannelKind::Shopify,
        connection_name: "Shop".into(),
        external_id: ext.into(),
        order_number: format!("#{ext}"),
        placed_at: 1_795_000_000_000 + ext.len() as i64,
        updated_at: None,
        currency: Currency::parse("EUR").expect("eur"),
        shipping_total: 0,
        tax_total: 0,
        discount_total: 0,
        payment_status: PaymentStatus::Paid,
        status: OrderStatus::Pending,
        priority: 0,
        tags: vec![],
        customer_name: "Anna Schmidt".into(),
        email: Some(Email::parse(email).expect("email")),
        phone: None,
        ship_to: Some(Address {
            name: "Anna Schmidt".into(),
            company: None,
            line1: format!("Hauptstraße {}", email.len()),
            line2: None,
            city: "Berlin".into(),
            region: None,
            postal_code: Some("10115".into()),
            country: CountryCode::parse("DE").expect("de"),
            phone: None,
        }),
        bill_to: None,
        shipping_service: Some("DHL Paket".into()),
        ship_by: None,
        lines,
    }
}

pub async fn location(api: &Api, name: &str) -> i64 {
    place(api, LocationKind::Warehouse, name, None).await
}

/// A location of a kind, with coordinates when given; its id.
pub async fn place(api: &Api, kind: LocationKind, name: &str, at: Option<(f64, f64)>) -> i64 {
    api.create_location(&NewLocation {
        kind,
        name: name.into(),
        address: None,
        lat: at.map(|a| a.0),
        lon: at.map(|a| a.1),
        routing: Default::default(),
    })
    .await
    .expect("location")
    .id
}

pub async fn receive(api: &Api, sku: &str, loc: i64, n: i64) {
    api.change_stock(&[StockChangeInput {
        sku: sku.into(),
        location_id: loc,
        kind: MovementKind::Receipt,
        quantity: n,
        reason: None,
    }])
    .await
    .expect("receipt");
}

async fn id_of(api: &Api, ext: &str) -> i64 {
    api.list_orders(&OrderQuery {
        limit: 1000,
        ..Default::default()
    })
    .await
    .expect("list")
    .rows
    .into_iter()
    .find(|r| r.order_number == format!("#{ext}"))
    .expect("order")
    .id
}

async fn consistent(api: &Api) {
    let problems = api.check_inventory().await.expect("check");
    assert!(problems.is_empty(), "{problems:#?}");
}

#[tokio::test]
async fn an_order_with_stock_is_allocated_once_and_a_second_run_changes_nothing() {
    let db = fresh().await;
    let api = &db.api;
    let a = location(api, "A").await;
    let b = location(api, "B").await;
    receive(api, "MUG", a, 3).await;
    receive(api, "MUG", b, 10).await;
    receive(api, "TEA", a, 1).await;
    api.import_orders(
        &[order("1", "anna@example.de", &[("MUG", 4), ("TEA", 1)])],
        "test",
    )
    .await
    .expect("import");
    let s = api.process_pending(&|_| {}).await.expect("process");
    assert_eq!((s.processed, s.allocated), (1, 1));
    let id = id_of(api, "1").await;
    let d = api.get_order(id).await.expect("detail");
    assert_eq!(d.order.status, OrderStatus::Allocated);
    assert_eq!(
        d.lines[0].reservations.len(),
        1,
        "4 MUG come whole from B, which has the most"
    );
    assert_eq!(d.lines[0].reservations[0].location_name, "B");
    assert_eq!(d.lines[0].quantities.reserved, 4);
    let events = d.timeline.len();
    assert!(
        d.timeline[0].summary.starts_with("Processed: allocated"),
        "{:?}",
        d.timeline[0]
    );
    let detail = d.timeline[0].detail.clone().unwrap_or_default();
    assert!(detail.contains("from B (most available: 10)"), "{detail}");

    let again = api.process_order(id).await.expect("again");
    assert!(!again.changed, "{again:?}");
    let d2 = api.get_order(id).await.expect("detail");
    assert_eq!(d2.timeline.len(), events, "no new event");
    let inv = api
        .inventory(&InventoryQuery::default())
        .await
        .expect("inventory");
    let mug_b = inv
        .rows
        .iter()
        .find(|r| r.sku == "MUG" && r.location_name == "B")
        .expect("row");
    assert_eq!((mug_b.on_hand, mug_b.reserved, mug_b.available), (10, 4, 6));
    consistent(api).await;
}

#[tokio::test]
async fn a_line_is_split_only_when_no_single_location_can_fill_it() {
    let db = fresh().await;
    let api = &db.api;
    let a = location(api, "A").await;
    let b = location(api, "B").await;
    receive(api, "MUG", a, 3).await;
    receive(api, "MUG", b, 2).await;
    api.import_orders(&[order("1", "anna@example.de", &[("MUG", 5)])], "test")
        .await
        .expect("import");
    api.process_pending(&|_| {}).await.expect("process");
    let d = api.get_order(id_of(api, "1").await).await.expect("detail");
    let mut got: Vec<(String, i64)> = d.lines[0]
        .reservations
        .iter()
        .map(|r| (r.location_name.clone(), r.quantity))
        .collect();
    got.sort();
    assert_eq!(got, [("A".to_owned(), 3), ("B".to_owned(), 2)]);
    consistent(api).await;
}

#[tokio::test]
async fn backorders_wait_and_stock_goes_to_the_highest_priority_first() {
    let db = fresh().await;
    let api = &db.api;
    let a = location(api, "A").await;
    api.upsert_product("MUG", Some("Mug"), Some(true), Some(true))
        .await
        .expect("product");
    let mut normal = order("1", "anna@example.de", &[("MUG", 2)]);
    normal.placed_at -= 10_000;
    let mut express = order("22", "bert@example.de", &[("MUG", 2)]);
    express.shipping_service = Some("DHL Express".into());
    express.customer_name = "Bert".into();
    api.import_orders(&[normal, express], "test")
        .await
        .expect("import");
    let s = api.process_pending(&|_| {}).await.expect("process");
    assert_eq!(s.backordered, 2, "{s:?}");
    let dash = api.dashboard().await.expect("dashboard");
    assert_eq!(dash.backordered, 2);
    let n = id_of(api, "1").await;
    let e = id_of(api, "22").await;
    api.set_incoming("MUG", a, 10, Some(1_796_000_000_000))
        .await
        .expect("incoming");
    let d = api.get_order(n).await.expect("detail");
    assert_eq!(d.lines[0].quantities.backordered, 2);
    assert_eq!(d.lines[0].expected[0].incoming, 10);

    receive(api, "MUG", a, 3).await;
    let de = api.get_order(e).await.expect("express");
    let dn = api.get_order(n).await.expect("normal");
    assert_eq!(de.order.status, OrderStatus::Allocated, "express first");
    assert_eq!(dn.order.status, OrderStatus::Backordered);
    assert_eq!(
        (
            dn.lines[0].quantities.reserved,
            dn.lines[0].quantities.backordered
        ),
        (1, 1)
    );
    receive(api, "MUG", a, 1).await;
    let dn = api.get_order(n).await.expect("normal");
    assert_eq!(dn.order.status, OrderStatus::Allocated);
    consistent(api).await;
}

#[tokio::test]
async fn without_backorders_a_short_order_is_held_for_stock_and_released_when_it_arrives() {
    let db = fresh().await;
    let api = &db.api;
    let a = location(api, "A").await;
    receive(api, "MUG", a, 1).await;
    api.import_orders(&[order("1", "anna@example.de", &[("MUG", 3)])], "test")
        .await
        .expect("import");
    api.process_pending(&|_| {}).await.expect("process");
    let id = id_of(api, "1").await;
    let d = api.get_order(id).await.expect("detail");
    assert_eq!(d.order.status, OrderStatus::OnHold);
    assert_eq!(d.holds[0].reason, HoldReason::Stock);
    assert_eq!(
        (
            d.lines[0].quantities.reserved,
            d.lines[0].quantities.backordered
        ),
        (1, 2)
    );
    let queue = api
        .review_queue(Some(HoldReason::Stock), 50)
        .await
        .expect("queue");
    assert_eq!(queue.len(), 1);
    receive(api, "MUG", a, 5).await;
    let d = api.get_order(id).await.expect("detail");
    assert_eq!(d.order.status, OrderStatus::Allocated);
    assert!(d.holds.iter().all(|h| h.released_at.is_some()));
    consistent(api).await;
}

#[tokio::test]
async fn a_bad_address_holds_the_order_until_a_person_releases_it() {
    let db = fresh().await;
    let api = &db.api;
    let a = location(api, "A").await;
    receive(api, "MUG", a, 5).await;
    let mut o = order("1", "anna@example.de", &[("MUG", 1)]);
    if let Some(addr) = o.ship_to.as_mut() {
        addr.postal_code = Some("1011".into());
    }
    api.import_orders(&[o], "test").await.expect("import");
    let s = api.process_pending(&|_| {}).await.expect("process");
    assert_eq!(s.on_hold, 1);
    let id = id_of(api, "1").await;
    let d = api.get_order(id).await.expect("detail");
    assert_eq!(d.holds.len(), 1);
    assert_eq!(
        (d.holds[0].reason, d.holds[0].check.as_str()),
        (HoldReason::Address, "postal_code")
    );
    assert_eq!(
        d.lines[0].quantities.reserved, 0,
        "a held order takes no stock"
    );
    assert!(
        api.release_orders(&[id], " ", &|_| {}).await.is_err(),
        "a comment is required"
    );
    let r = api
        .release_orders(&[id], "customer confirmed the address by phone", &|_| {})
        .await
        .expect("release");
    assert_eq!(r.changed, 1);
    let d = api.get_order(id).await.expect("detail");
    assert_eq!(d.order.status, OrderStatus::Allocated);
    let again = api.process_order(id).await.expect("again");
    assert_eq!(
        again.status,
        OrderStatus::Allocated,
        "a released check is not raised again"
    );
    consistent(api).await;
}

#[tokio::test]
async fn risk_rules_hold_for_review_with_their_reasons() {
    let db = fresh().await;
    let api = &db.api;
    let mut s = api.pipeline_settings().await.expect("settings");
    s.risk.deny_emails = vec!["fraud@example.com".into()];
    api.save_pipeline_settings(&s).await.expect("save");
    api.import_orders(&[order("1", "fraud@example.com", &[("MUG", 1)])], "test")
        .await
        .expect("import");
    api.process_pending(&|_| {}).await.expect("process");
    let id = id_of(api, "1").await;
    let d = api.get_order(id).await.expect("detail");
    let risk = d
        .holds
        .iter()
        .find(|h| h.reason == HoldReason::Risk)
        .expect("risk hold");
    assert!(risk.message.contains("deny list"), "{}", risk.message);
    assert_eq!(d.risk_score, Some(100));
}

#[tokio::test]
async fn manual_hold_cancel_and_priority() {
    let db = fresh().await;
    let api = &db.api;
    let a = location(api, "A").await;
    receive(api, "MUG", a, 5).await;
    api.import_orders(&[order("1", "anna@example.de", &[("MUG", 2)])], "test")
        .await
        .expect("import");
    api.process_pending(&|_| {}).await.expect("process");
    let id = id_of(api, "1").await;
    let r = api
        .hold_orders(
            &[id, 999_999],
            HoldReason::Manual,
            "customer called",
            &|_| {},
        )
        .await
        .expect("hold");
    assert_eq!(
        (r.changed, r.failed_count),
        (1, 1),
        "the missing order fails alone"
    );
    assert_eq!(
        api.get_order(id).await.expect("d").order.status,
        OrderStatus::OnHold
    );
    assert_eq!(
        api.set_priority(&[id], Some(500)).await.expect("priority"),
        1
    );
    let r = api
        .cancel_orders(&[id], "customer changed their mind", &|_| {})
        .await
        .expect("cancel");
    assert_eq!(r.changed, 1);
    let d = api.get_order(id).await.expect("d");
    assert_eq!(d.order.status, OrderStatus::Cancelled);
    assert_eq!(d.order.priority, 500);
    assert_eq!(
        (
            d.lines[0].quantities.reserved,
            d.lines[0].quantities.cancelled
        ),
        (0, 2)
    );
    let inv = api
        .inventory(&InventoryQuery::default())
        .await
        .expect("inv");
    assert_eq!(
        inv.rows[0].reserved, 0,
        "cancelling released the reservation"
    );
    let again = api
        .cancel_orders(&[id], "twice", &|_| {})
        .await
        .expect("cancel");
    assert_eq!(
        again.failed_count, 1,
        "a cancelled order cannot be cancelled again"
    );
    consistent(api).await;
}

#[tokio::test]
async fn orders_of_one_customer_to_one_address_are_proposed_for_merging_then_merged() {
    let db = fresh().await;
    let api = &db.api;
    let a = location(api, "A").await;
    receive(api, "MUG", a, 5).await;
    receive(api, "TEA", a, 5).await;
    api.import_orders(
        &[
            order("1", "anna@example.de", &[("MUG", 1)]),
            order("11", "anna@example.de", &[("TEA", 2)]),
        ],
        "test",
    )
    .await
    .expect("import");
    // Nothing reserved yet for either: hold stock back while the first is processed.
    let first = id_of(api, "1").await;
    let second = id_of(api, "11").await;
    api.hold_orders(&[first], HoldReason::Manual, "wait", &|_| {})
        .await
        .expect("hold");
    api.process_pending(&|_| {}).await.expect("process");
    let d = api.get_order(second).await.expect("second");
    let merge = d
        .holds
        .iter()
        .find(|h| h.reason == HoldReason::MergeCandidate)
        .expect("merge hold");
    assert!(merge.message.contains("#1"), "{}", merge.message);
    let out = api.merge_orders(&[second, first]).await.expect("merge");
    assert_eq!(out.order_id, first, "merged into the older order");
    let t = api.get_order(first).await.expect("target");
    assert_eq!(t.lines.len(), 2);
    assert_eq!(t.lines[1].origin_order_number.as_deref(), Some("#11"));
    assert_eq!(
        t.merged_from[0].external_id, "11",
        "the channel reference is kept"
    );
    assert_eq!(t.order.grand_total, 3000);
    let s = api.get_order(second).await.expect("source");
    assert_eq!(s.order.status, OrderStatus::Merged);
    assert_eq!(s.merged_into.as_ref().map(|m| m.id), Some(first));
    consistent(api).await;
}

#[tokio::test]
async fn auto_merge_merges_without_asking() {
    let db = fresh().await;
    let api = &db.api;
    let mut s = api.pipeline_settings().await.expect("settings");
    s.auto_merge = true;
    api.save_pipeline_settings(&s).await.expect("save");
    api.upsert_product("MUG", None, None, Some(true))
        .await
        .expect("p");
    api.import_orders(
        &[
            order("1", "anna@example.de", &[("MUG", 1)]),
            order("11", "anna@example.de", &[("MUG", 2)]),
        ],
        "test",
    )
    .await
    .expect("import");
    let sum = api.process_pending(&|_| {}).await.expect("process");
    assert_eq!(sum.merged, 1, "{sum:?}");
    let t = api.get_order(id_of(api, "1").await).await.expect("target");
    assert_eq!(t.lines.len(), 2);
    assert_eq!(t.order.status, OrderStatus::Backordered);
    consistent(api).await;
}

#[tokio::test]
async fn stock_never_goes_below_zero_and_every_change_is_in_the_ledger() {
    let db = fresh().await;
    let api = &db.api;
    let a = location(api, "A").await;
    let b = location(api, "B").await;
    receive(api, "MUG", a, 5).await;
    api.import_orders(&[order("1", "anna@example.de", &[("MUG", 4)])], "test")
        .await
        .expect("import");
    api.process_pending(&|_| {}).await.expect("process");
    let err = api
        .change_stock(&[StockChangeInput {
            sku: "MUG".into(),
            location_id: a,
            kind: MovementKind::Adjustment,
            quantity: -3,
            reason: Some("broken".into()),
        }])
        .await
        .expect_err("4 of 5 are reserved");
    assert_eq!(err.code, oms_app::ErrorCode::Conflict);
    assert!(err.message.contains("MUG at A"), "{}", err.message);
    let err = api
        .change_stock(&[StockChangeInput {
            sku: "MUG".into(),
            location_id: a,
            kind: MovementKind::Adjustment,
            quantity: -1,
            reason: None,
        }])
        .await
        .expect_err("no reason");
    assert!(err.message.contains("reason"), "{}", err.message);
    api.transfer_stock("MUG", a, b, 1, Some("rebalance"))
        .await
        .expect("transfer");
    assert!(
        api.transfer_stock("MUG", a, b, 1, None).await.is_err(),
        "nothing available left at A"
    );
    let ledger = api.ledger("MUG", Some(a), 50).await.expect("ledger");
    let kinds: Vec<MovementKind> = ledger.iter().map(|m| m.kind).collect();
    assert_eq!(
        kinds,
        [
            MovementKind::TransferOut,
            MovementKind::Reservation,
            MovementKind::Receipt
        ]
    );
    assert_eq!(ledger[1].order_number.as_deref(), Some("#1"));
    consistent(api).await;
}

#[tokio::test]
async fn stock_counts_import_from_csv_with_the_same_bad_row_rules() {
    let db = fresh().await;
    let api = &db.api;
    let a = location(api, "Berlin").await;
    let path = db.dir.path().join("stock.csv");
    std::fs::write(
        &path,
        "sku,location,on_hand,safety_stock\nMUG,Berlin,12,2\nTEA,Nowhere,3,\nCUP,Berlin,-1,\n",
    )
    .expect("write");
    let r = api
        .import_stock_csv(&path, ImportMode::AllOrNothing)
        .await
        .expect("import");
    assert!(!r.committed);
    let mut where_: Vec<(Option<u32>, Option<String>)> =
        r.errors.iter().map(|e| (e.row, e.column.clone())).collect();
    where_.sort();
    assert_eq!(
        where_,
        [
            (Some(2), Some("location".into())),
            (Some(3), Some("on_hand".into()))
        ]
    );
    assert!(api
        .inventory(&InventoryQuery::default())
        .await
        .expect("inv")
        .rows
        .is_empty());
    let r = api
        .import_stock_csv(&path, ImportMode::GoodRowsOnly)
        .await
        .expect("import");
    assert!(r.committed);
    let inv = api
        .inventory(&InventoryQuery::default())
        .await
        .expect("inv");
    assert_eq!(inv.rows.len(), 1);
    assert_eq!(
        (
            inv.rows[0].on_hand,
            inv.rows[0].safety_stock,
            inv.rows[0].location_id
        ),
        (12, 2, a)
    );
    let ledger = api.ledger("MUG", None, 10).await.expect("ledger");
    assert_eq!(ledger[0].reason.as_deref(), Some("stock count"));
    consistent(api).await;
}

#[tokio::test]
async fn a_newer_channel_version_gives_back_its_reservations_and_is_processed_again() {
    let db = fresh().await;
    let api = &db.api;
    let a = location(api, "A").await;
    receive(api, "MUG", a, 5).await;
    api.import_orders(&[order("1", "anna@example.de", &[("MUG", 4)])], "test")
        .await
        .expect("import");
    api.process_pending(&|_| {}).await.expect("process");
    let mut newer = order("1", "anna@example.de", &[("MUG", 1)]);
    newer.updated_at = Some(newer.placed_at + 1000);
    api.import_orders(&[newer], "test").await.expect("update");
    consistent(api).await;
    api.process_pending(&|_| {}).await.expect("process");
    let d = api.get_order(id_of(api, "1").await).await.expect("d");
    assert_eq!(d.lines[0].quantities.reserved, 1);
    let inv = api
        .inventory(&InventoryQuery::default())
        .await
        .expect("inv");
    assert_eq!(inv.rows[0].reserved, 1);
    consistent(api).await;
}

#[tokio::test]
async fn locations_keep_address_and_coordinates_and_a_paused_one_takes_no_reservations() {
    let db = fresh().await;
    let api = &db.api;
    let address = AddressView {
        name: "Leipzig".into(),
        company: None,
        line1: "Am Lager 1".into(),
        line2: None,
        city: "Leipzig".into(),
        region: None,
        postal_code: Some("04109".into()),
        country: "DE".into(),
        phone: None,
    };
    let new = NewLocation {
        kind: LocationKind::Warehouse,
        name: "Leipzig".into(),
        address: Some(address.clone()),
        lat: Some(51.34),
        lon: Some(12.37),
        routing: Default::default(),
    };
    let l = api.create_location(&new).await.expect("create");
    assert_eq!(l.address.as_ref().map(|a| a.city.as_str()), Some("Leipzig"));
    assert_eq!((l.lat, l.lon), (Some(51.34), Some(12.37)));
    let bad = api
        .create_location(&NewLocation {
            name: "Half".into(),
            lat: Some(51.0),
            lon: None,
            ..new.clone()
        })
        .await
        .expect_err("one coordinate");
    assert!(bad.message.contains("longitude"), "{}", bad.message);
    let bad = api
        .create_location(&NewLocation {
            name: "Nowhere".into(),
            lat: Some(91.0),
            lon: Some(0.0),
            ..new.clone()
        })
        .await
        .expect_err("latitude out of range");
    assert_eq!(bad.code, oms_app::ErrorCode::InvalidInput);
    let bad = api
        .create_location(&NewLocation {
            name: "Nocountry".into(),
            address: Some(AddressView {
                country: "Germany".into(),
                ..address.clone()
            }),
            ..new.clone()
        })
        .await
        .expect_err("country");
    assert!(bad.message.contains("country"), "{}", bad.message);
    assert_eq!(
        api.list_locations().await.expect("list").len(),
        1,
        "nothing half-written"
    );

    let b = location(api, "Berlin").await;
    let dup = api
        .update_location(b, &new, true)
        .await
        .expect_err("name taken");
    assert_eq!(dup.code, oms_app::ErrorCode::Conflict);
    receive(api, "MUG", l.id, 10).await;
    receive(api, "MUG", b, 3).await;
    let paused = api.update_location(l.id, &new, false).await.expect("pause");
    assert!(!paused.active);
    api.import_orders(&[order("1", "anna@example.de", &[("MUG", 2)])], "test")
        .await
        .expect("import");
    api.process_pending(&|_| {}).await.expect("process");
    let d = api.get_order(id_of(api, "1").await).await.expect("d");
    assert_eq!(d.lines[0].quantities.reserved, 2);
    assert!(
        d.lines[0].reservations.iter().all(|a| a.location_id == b),
        "the paused location holds more but is not used: {:?}",
        d.lines[0].reservations
    );
    consistent(api).await;
}

#[tokio::test]
async fn select_all_matching_returns_every_matching_id_in_list_order() {
    let db = crate::with_demo(2500).await;
    let api = &db.api;
    let q = OrderQuery {
        sort: OrderSort::GrandTotal,
        ..Default::default()
    };
    let ids = api.matching_order_ids(&q).await.expect("ids");
    assert_eq!(ids.len() as i64, api.count_orders(&q).await.expect("count"));
    assert!(ids.len() > 1000, "more than one page: {}", ids.len());
    let first = api
        .list_orders(&OrderQuery {
            limit: 200,
            ..q.clone()
        })
        .await
        .expect("page");
    assert_eq!(
        first.rows.iter().map(|r| r.id).collect::<Vec<_>>(),
        ids[..first.rows.len()].to_vec()
    );
    let mut uniq = ids.clone();
    uniq.sort_unstable();
    uniq.dedup();
    assert_eq!(uniq.len(), ids.len(), "no id twice");
}

async fn routed_location(api: &Api, name: &str, priority: i32, capacity: Option<u32>) -> i64 {
    api.create_location(&NewLocation {
        kind: LocationKind::Warehouse,
        name: name.into(),
        address: None,
        lat: None,
        lon: None,
        routing: LocationRouting {
            priority,
            capacity_orders: capacity,
            ..Default::default()
        },
    })
    .await
    .expect("location")
    .id
}

#[tokio::test]
async fn routing_rules_place_orders_explain_why_respect_capacity_and_reroute() {
    let db = fresh().await;
    let api = &db.api;
    let mut s = api.pipeline_settings().await.expect("settings");
    s.routing.enabled = true;
    api.save_pipeline_settings(&s).await.expect("save");
    let low = routed_location(api, "Low", 1, None).await;
    let high = routed_location(api, "High", 5, Some(1)).await;
    receive(api, "MUG", low, 10).await;
    receive(api, "MUG", high, 10).await;
    api.import_orders(
        &[
            order("1", "anna@example.de", &[("MUG", 2)]),
            order("22", "bernd@example.de", &[("MUG", 1)]),
        ],
        "test",
    )
    .await
    .expect("import");
    api.process_pending(&|_| {}).await.expect("process");
    let first = api.get_order(id_of(api, "1").await).await.expect("d");
    let second = api.get_order(id_of(api, "22").await).await.expect("d");
    // Nothing has coordinates, so "nearest" ties and the location priority decides.
    let (a, b) = (
        first.lines[0].reservations[0].location_id,
        second.lines[0].reservations[0].location_id,
    );
    let (winner, other) = if a == high {
        (&first, &second)
    } else {
        (&second, &first)
    };
    assert_eq!(
        [a, b].iter().filter(|l| **l == high).count(),
        1,
        "High takes one order a day"
    );
    let r = winner.routing.as_ref().expect("routing view");
    assert!(r.explanation.contains("High"), "{}", r.explanation);
    assert!(r.candidates.iter().any(|c| c.name == "High" && c.chosen));
    let r = other.routing.as_ref().expect("routing view");
    let high_c = r
        .candidates
        .iter()
        .find(|c| c.name == "High")
        .expect("High considered");
    assert!(!high_c.chosen);
    assert!(
        high_c.rejected_by.as_deref() == Some("capacity_left"),
        "{high_c:?} / {}",
        r.explanation
    );
    assert!(other
        .timeline
        .iter()
        .any(|e| e.detail.as_deref().is_some_and(|d| d.contains("Routing ("))));

    // Pause Low and route the other order again: nowhere has room, so it waits as short.
    let l = api.list_locations().await.expect("list");
    let low_v = l.iter().find(|x| x.id == low).expect("low");
    api.update_location(
        low,
        &NewLocation {
            kind: low_v.kind,
            name: low_v.name.clone(),
            address: None,
            lat: None,
            lon: None,
            routing: low_v.routing.clone(),
        },
        false,
    )
    .await
    .expect("pause");
    let res = api
        .reroute_orders(&[other.order.id], &|_| {})
        .await
        .expect("reroute");
    assert_eq!(res.changed, 1, "{res:?}");
    let again = api.get_order(other.order.id).await.expect("d");
    let r = again.routing.as_ref().expect("routing");
    assert_eq!(again.lines[0].quantities.reserved, 0);
    assert!(
        r.candidates
            .iter()
            .any(|c| c.name == "Low" && c.rejected_by.as_deref() == Some("not_paused")),
        "{r:?}"
    );
    assert_eq!(r.earlier.len(), 1, "the old decision is kept");
    consistent(api).await;
}

#[tokio::test]
async fn routing_ships_from_the_nearest_location_by_the_ship_to_postal_code() {
    let db = fresh().await;
    let api = &db.api;
    let mut s = api.pipeline_settings().await.expect("settings");
    s.routing.enabled = true;
    api.save_pipeline_settings(&s).await.expect("save");
    let mut ids = Vec::new();
    for (name, lat, lon) in [
        ("Munich", 48.14, 11.58),
        ("Hamburg", 53.55, 9.99),
        ("Leipzig", 51.34, 12.37),
    ] {
        let id = api
            .create_location(&NewLocation {
                kind: LocationKind::Warehouse,
                name: name.into(),
                address: None,
                lat: Some(lat),
                lon: Some(lon),
                routing: Default::default(),
            })
            .await
            .expect("location")
            .id;
        receive(api, "MUG", id, 10).await;
        ids.push(id);
    }
    // The test order ships to 10115 Berlin: Leipzig (~150 km) is nearer than Hamburg (~255 km).
    api.import_orders(&[order("1", "anna@example.de", &[("MUG", 1)])], "test")
        .await
        .expect("import");
    api.process_pending(&|_| {}).await.expect("process");
    let d = api.get_order(id_of(api, "1").await).await.expect("d");
    assert_eq!(d.lines[0].reservations[0].location_name, "Leipzig");
    let r = d.routing.expect("routing");
    assert_eq!(r.precision, "postal_code");
    let km = r.distance_km.expect("distance");
    assert!((100.0..220.0).contains(&km), "{km} km: {}", r.explanation);
    assert!(r.explanation.contains("Leipzig"), "{}", r.explanation);
    let nearest = |name: &str| {
        r.candidates
            .iter()
            .find(|c| c.name == name)
            .and_then(|c| c.values.iter().find(|v| v.0 == "nearest").map(|v| v.1))
            .expect("ranked by distance")
    };
    assert!(nearest("Leipzig") < nearest("Hamburg") && nearest("Hamburg") < nearest("Munich"));
}
