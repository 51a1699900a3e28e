//! The outbox through the application API: orders pulled from a WooCommerce stand-in on
//! 127.0.0.1, shipped, cancelled and restocked here, and what the stand-in is then told.
//! Real SQLite files, the real keyring (see sync.rs).

use crate::fresh;
use crate::pipeline::{location, receive};
use crate::sync::{connect, policy, woo_order, woo_server};
use oms_app::domain::sync_views::PushSettings;
use oms_app::domain::*;
use oms_app::{Api, StockChangeInput};
use serde_json::{json, Value};
use std::time::Duration;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn ok(v: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(v)
}

async fn order_id(api: &Api, external: &str) -> i64 {
    let page = api.list_orders(&OrderQuery::default()).await.expect("list");
    for r in &page.rows {
        let d = api.get_order(r.id).await.expect("detail");
        if d.external_id == external {
            return r.id;
        }
    }
    panic!("no order {external}");
}

async fn writes(server: &MockServer) -> Vec<(String, String, Value)> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.method.as_str() != "GET")
        .map(|r| {
            (
                r.method.to_string(),
                r.url.path().to_owned(),
                serde_json::from_slice(&r.body).unwrap_or(Value::Null),
            )
        })
        .collect()
}

/// A pulled order, stocked and processed: ready to ship.
async fn pulled_and_allocated(db: &mut crate::TestDb, orders: Vec<Value>) -> (MockServer, i64) {
    db.api.set_sync_policy(policy());
    let server = woo_server(vec![orders]).await;
    let conn = connect(db, &server).await;
    db.api.sync_connection(conn, &|_| {}).await.expect("pull");
    let wh = location(&db.api, "Leipzig").await;
    receive(&db.api, "MUG-1", wh, 10).await;
    db.api.process_pending(&|_| {}).await.expect("process");
    (server, conn)
}

#[tokio::test]
async fn a_shipment_reaches_the_shop_once_after_a_failed_try() {
    let mut db = fresh().await;
    let (server, conn) = pulled_and_allocated(
        &mut db,
        vec![woo_order(1, "2026-11-20T10:00:00", "processing", "Leipzig")],
    )
    .await;
    let api = &db.api;
    let id = order_id(api, "1").await;
    assert_eq!(api.ship_order(id, "DHL", "JJD0099").await.expect("ship"), 2);

    let rows = api.outbox(Some(conn), None, 10).await.expect("outbox");
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].kind.as_str(), rows[0].status.as_str()),
        ("fulfilment", "pending")
    );
    assert_eq!(rows[0].summary, "Order 1 shipped with DHL JJD0099");
    assert_eq!(api.connection(conn).await.expect("c").outbox_backlog, 1);

    Mock::given(method("GET"))
        .and(path("/wp-json/wc/v3/orders/1"))
        .respond_with(ok(json!({ "id": 1, "status": "processing" })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(
            "/wp-json/wc-shipment-tracking/v3/orders/1/shipment-trackings",
        ))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({ "code": "rest_no_route", "message": "No route" })),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/wp-json/wc/v3/orders/1/notes"))
        .respond_with(ok(json!([])))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/wp-json/wc/v3/orders/1/notes"))
        .respond_with(
            ResponseTemplate::new(503).set_body_json(json!({ "message": "Down for maintenance" })),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/wp-json/wc/v3/orders/1/notes"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({ "id": 555 })))
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/wp-json/wc/v3/orders/1"))
        .respond_with(ok(json!({ "id": 1, "status": "completed" })))
        .mount(&server)
        .await;

    // First try: the shop is down. The row waits (30 s and more), with the shop's words.
    let r = api.dispatch_outbox(conn).await.expect("dispatch");
    assert_eq!((r.sent, r.retrying, r.failed), (0, 1, 0), "{r:?}");
    let row = &api.outbox(Some(conn), None, 10).await.expect("outbox")[0];
    assert_eq!((row.status.as_str(), row.attempts), ("pending", 1));
    assert!(
        row.last_error
            .as_deref()
            .unwrap_or("")
            .contains("Down for maintenance"),
        "{row:?}"
    );
    assert!(row.next_attempt_at > row.created_at + 20_000, "{row:?}");
    // Not due yet: nothing is sent.
    let r = api.dispatch_outbox(conn).await.expect("dispatch");
    assert_eq!(r.sent + r.retrying, 0);

    // "Retry now" sends it.
    assert_eq!(api.retry_outbox(&[row.id]).await.expect("retry"), 1);
    let r = api.dispatch_outbox(conn).await.expect("dispatch");
    assert_eq!(r.sent, 1, "{r:?}");
    let row = &api.outbox(Some(conn), None, 10).await.expect("outbox")[0];
    assert_eq!(
        (row.status.as_str(), row.external_ref.as_deref()),
        ("sent", Some("555"))
    );
    assert_eq!(api.connection(conn).await.expect("c").outbox_backlog, 0);

    let w = writes(&server).await;
    let notes: Vec<&(String, String, Value)> =
        w.iter().filter(|x| x.1.ends_with("/notes")).collect();
    assert_eq!(notes.len(), 2, "one refused, one taken");
    assert_eq!(
        notes[1].2,
        json!({ "note": "Shipped with DHL: tracking number JJD0099", "customer_note": true })
    );
    assert!(w
        .iter()
        .any(|x| x.0 == "PUT" && x.2 == json!({ "status": "completed" })));

    let d = api.get_order(id).await.expect("detail");
    let told = d
        .timeline
        .iter()
        .find(|e| e.kind == "channel_updated")
        .expect("on the timeline");
    assert!(
        told.summary.starts_with("Woo test shop told: "),
        "{}",
        told.summary
    );
    // Nothing more to send.
    let r = api.dispatch_outbox(conn).await.expect("dispatch");
    assert_eq!(r.sent + r.retrying + r.failed, 0);
}

#[tokio::test]
async fn a_refused_cancellation_waits_for_a_person_and_can_be_dismissed() {
    let mut db = fresh().await;
    let (server, conn) = pulled_and_allocated(
        &mut db,
        vec![woo_order(2, "2026-11-20T10:00:00", "processing", "Leipzig")],
    )
    .await;
    let api = &db.api;
    let id = order_id(api, "2").await;
    api.cancel_orders(&[id], "customer asked", &|_| {})
        .await
        .expect("cancel");
    Mock::given(method("GET"))
        .and(path("/wp-json/wc/v3/orders/2"))
        .respond_with(ok(json!({ "id": 2, "status": "processing" })))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/wp-json/wc/v3/orders/2"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "code": "woocommerce_rest_shop_order_invalid_status", "message": "Invalid order status." })))
        .mount(&server)
        .await;
    let r = api.dispatch_outbox(conn).await.expect("dispatch");
    assert_eq!(r.failed, 1, "{r:?}");
    let c = api.connection(conn).await.expect("c");
    assert_eq!((c.outbox_failed, c.outbox_backlog), (1, 1));
    let failed = api
        .outbox(Some(conn), Some("failed"), 10)
        .await
        .expect("failed");
    assert_eq!(failed[0].kind, "cancellation");
    assert!(failed[0]
        .last_error
        .as_deref()
        .unwrap_or("")
        .contains("Invalid order status"));
    // A failed row is not sent again by itself.
    let r = api.dispatch_outbox(conn).await.expect("dispatch");
    assert_eq!(r.failed + r.sent, 0);
    assert_eq!(
        api.dismiss_outbox(&[failed[0].id]).await.expect("dismiss"),
        1
    );
    let c = api.connection(conn).await.expect("c");
    assert_eq!((c.outbox_failed, c.outbox_backlog), (0, 0));
    assert!(
        api.outbox(Some(conn), Some("bogus"), 10).await.is_err(),
        "a bad status filter says so"
    );
}

#[tokio::test]
async fn stock_changes_are_coalesced_per_sku_with_buffer_and_cap() {
    let mut db = fresh().await;
    let (server, conn) = pulled_and_allocated(
        &mut db,
        vec![woo_order(3, "2026-11-20T10:00:00", "processing", "Leipzig")],
    )
    .await;
    let api = &db.api;
    Mock::given(method("GET"))
        .and(path("/wp-json/wc/v3/products"))
        .and(query_param("sku", "MUG-1"))
        .respond_with(ok(json!([{ "id": 93, "sku": "MUG-1", "parent_id": 0 }])))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/wp-json/wc/v3/products/batch"))
        .respond_with(ok(json!({ "update": [{ "id": 93, "stock_quantity": 0 }] })))
        .mount(&server)
        .await;
    // 10 on hand, 2 reserved by the order: 8 available; buffer 1 → 7; cap 5 → 5.
    api.set_push_settings(
        conn,
        &PushSettings {
            push_stock: Some(true),
            stock_buffer: Some(1),
            stock_cap: Some(5),
            ..Default::default()
        },
    )
    .await
    .expect("settings");
    assert_eq!(api.stock_step().await.expect("step"), 1);
    let rows = api.outbox(Some(conn), None, 10).await.expect("rows");
    assert_eq!(rows[0].summary, "MUG-1: 5 available");
    let r = api.dispatch_outbox(conn).await.expect("dispatch");
    assert_eq!(r.sent, 1, "{r:?}");
    let sku = &api.channel_skus(conn, false).await.expect("skus")[0];
    assert_eq!(
        (
            sku.channel_sku.as_str(),
            sku.pushed_quantity,
            sku.state.as_str()
        ),
        ("MUG-1", Some(5), "mapped")
    );
    // Nothing changed: nothing sent.
    assert_eq!(api.stock_step().await.expect("step"), 0);

    // A burst of changes becomes one row with the newest quantity: 10 → 4 → 3 on hand.
    let wh = api.list_locations().await.expect("locations")[0].id;
    for delta in [-6, -1] {
        api.change_stock(&[StockChangeInput {
            sku: "MUG-1".into(),
            location_id: wh,
            kind: MovementKind::Adjustment,
            quantity: delta,
            reason: Some("count".into()),
        }])
        .await
        .expect("count");
        api.stock_step().await.expect("step");
    }
    let pending = api
        .outbox(Some(conn), Some("pending"), 10)
        .await
        .expect("pending");
    assert_eq!(pending.len(), 1, "{pending:?}");
    // 3 on hand − 2 reserved − buffer 1 = 0.
    assert_eq!(pending[0].summary, "MUG-1: 0 available");
    api.dispatch_outbox(conn).await.expect("dispatch");
    let w = writes(&server).await;
    let batches: Vec<&Value> = w
        .iter()
        .filter(|x| x.1.ends_with("/products/batch"))
        .map(|x| &x.2)
        .collect();
    assert_eq!(
        batches,
        vec![
            &json!({ "update": [{ "id": 93, "manage_stock": true, "stock_quantity": 5 }] }),
            &json!({ "update": [{ "id": 93, "manage_stock": true, "stock_quantity": 0 }] }),
        ]
    );
    // The look-up is kept: once only.
    let lookups = server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == "/wp-json/wc/v3/products")
        .count();
    assert_eq!(lookups, 1);
}

#[tokio::test]
async fn channel_skus_map_by_hand_and_unknown_ones_are_flagged_not_dropped() {
    let mut db = fresh().await;
    db.api.set_sync_policy(policy());
    let mut a = woo_order(4, "2026-11-20T10:00:00", "processing", "Leipzig");
    a["line_items"][0]["sku"] = json!("WOO-MUG");
    let mut b = woo_order(5, "2026-11-20T10:01:00", "processing", "Leipzig");
    b["line_items"][0]["sku"] = json!("MYSTERY-9");
    let server = woo_server(vec![vec![a, b]]).await;
    let conn = connect(&db, &server).await;
    let api = &db.api;
    let wh = location(api, "Leipzig").await;
    receive(api, "MUG-1", wh, 10).await;
    api.map_channel_sku(conn, "WOO-MUG", Some("MUG-1"))
        .await
        .expect("map");
    assert!(api
        .map_channel_sku(conn, "X", Some("NO-SUCH"))
        .await
        .is_err());
    api.sync_connection(conn, &|_| {}).await.expect("pull");

    let d = api.get_order(order_id(api, "4").await).await.expect("4");
    assert_eq!(
        d.lines[0].sku, "MUG-1",
        "the hand mapping names our product"
    );
    let d = api.get_order(order_id(api, "5").await).await.expect("5");
    assert_eq!(d.lines[0].sku, "MYSTERY-9", "kept, not dropped");

    let unknown = api.channel_skus(conn, true).await.expect("unknown");
    assert_eq!(unknown.len(), 1);
    assert_eq!(
        (unknown[0].channel_sku.as_str(), unknown[0].state.as_str()),
        ("MYSTERY-9", "unknown")
    );
    assert_eq!(api.connection(conn).await.expect("c").unknown_skus, 1);
    let all = api.channel_skus(conn, false).await.expect("all");
    let mapped = all
        .iter()
        .find(|s| s.channel_sku == "WOO-MUG")
        .expect("WOO-MUG");
    assert_eq!(
        (mapped.sku.as_deref(), mapped.manual),
        (Some("MUG-1"), true)
    );
}

#[tokio::test]
async fn the_supervisor_sends_the_outbox_in_the_background_and_stops_cleanly() {
    let mut db = fresh().await;
    let (server, conn) = pulled_and_allocated(
        &mut db,
        vec![woo_order(6, "2026-11-20T10:00:00", "processing", "Leipzig")],
    )
    .await;
    let api = &db.api;
    Mock::given(method("GET"))
        .and(path("/wp-json/wc/v3/orders/6"))
        .respond_with(ok(json!({ "id": 6, "status": "processing" })))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/wp-json/wc/v3/orders/6"))
        .respond_with(ok(json!({ "id": 6, "status": "cancelled" })))
        .mount(&server)
        .await;
    api.cancel_orders(&[order_id(api, "6").await], "", &|_| {})
        .await
        .expect("cancel");
    let sup = oms_app::SyncSupervisor::start(
        api.clone(),
        oms_app::SupervisorTiming {
            interval: Duration::from_secs(60),
            retry: Duration::from_secs(60),
            open_circuit: Duration::from_secs(60),
            reconcile: Duration::from_millis(30),
            outbox: Duration::from_millis(30),
        },
    );
    // Bounded: at most 10 s.
    let mut sent = false;
    for _ in 0..200 {
        if api
            .outbox(Some(conn), Some("sent"), 10)
            .await
            .expect("rows")
            .len()
            == 1
        {
            sent = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    sup.stop(Duration::from_secs(5)).await;
    assert!(sent, "the dispatcher sent the cancellation");
    assert!(sup.outbox_passes() >= 1);
    let w = writes(&server).await;
    assert_eq!(
        w,
        vec![(
            "PUT".into(),
            "/wp-json/wc/v3/orders/6".into(),
            json!({ "status": "cancelled" })
        )]
    );
}

#[tokio::test]
async fn a_refund_reaches_the_shop_once_and_is_confirmed_with_its_id() {
    use oms_app::domain::refund_views::{RefundInput, RefundLineInput};
    let mut db = fresh().await;
    let (server, conn) = pulled_and_allocated(
        &mut db,
        vec![woo_order(1, "2026-11-20T10:00:00", "processing", "Leipzig")],
    )
    .await;
    let api = &db.api;
    let id = order_id(api, "1").await;
    Mock::given(method("GET"))
        .and(path("/wp-json/wc/v3/orders/1"))
        .respond_with(ok(json!({ "id": 1, "status": "processing",
            "line_items": [{ "id": 10, "sku": "MUG-1", "quantity": 2 }],
            "shipping_lines": [{ "id": 31, "method_title": "DHL Paket" }] })))
        .mount(&server)
        .await;
    // The first refund is not there yet; the second one's answer was lost: the shop has it.
    Mock::given(method("GET"))
        .and(path("/wp-json/wc/v3/orders/1/refunds"))
        .respond_with(ok(json!([])))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/wp-json/wc/v3/orders/1/refunds"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({ "id": 77 })))
        .mount(&server)
        .await;
    let f = api
        .create_refund(&RefundInput {
            order_id: id,
            lines: vec![RefundLineInput {
                line_no: 1,
                quantity: 1,
            }],
            shipping: 490,
            extra: 0,
            reason: "arrived broken".into(),
            return_id: None,
        })
        .await
        .expect("refund");
    let rows = api
        .outbox(Some(conn), Some("pending"), 10)
        .await
        .expect("outbox");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].kind, "refund");
    assert!(
        rows[0].summary.starts_with("Order 1: refund of "),
        "{}",
        rows[0].summary
    );
    let r = api.dispatch_outbox(conn).await.expect("dispatch");
    assert_eq!((r.sent, r.failed), (1, 0), "{r:?}");
    let posted: Vec<_> = writes(&server)
        .await
        .into_iter()
        .filter(|w| w.1.ends_with("/refunds"))
        .collect();
    assert_eq!(posted.len(), 1);
    let body = &posted[0].2;
    let unit = api.refundable(id).await.expect("r").lines[0].unit_price;
    assert_eq!(body["amount"], json!(format_minor(unit + 490, 2)), "{body}");
    assert_eq!(body["api_refund"], json!(true));
    assert_eq!(
        body["line_items"][0],
        json!({ "id": 10, "quantity": 1, "refund_total": format_minor(unit, 2) })
    );
    assert_eq!(
        body["line_items"][1],
        json!({ "id": 31, "refund_total": "4.90" })
    );
    assert!(body["reason"]
        .as_str()
        .unwrap_or("")
        .contains(&format!("OMS refund {}", f.id)));
    let done = &api.refunds(Some(id)).await.expect("refunds")[0];
    assert_eq!(done.status, "confirmed");
    assert_eq!(done.channel_refund_id.as_deref(), Some("77"));

    // The second refund: the shop answers its list with it already (a lost answer).
    let f2 = api
        .create_refund(&RefundInput {
            order_id: id,
            lines: vec![],
            shipping: 0,
            extra: 100,
            reason: "goodwill".into(),
            return_id: None,
        })
        .await
        .expect("second");
    Mock::given(method("GET"))
        .and(path("/wp-json/wc/v3/orders/1/refunds"))
        .respond_with(ok(
            json!([{ "id": 78, "reason": format!("goodwill (OMS refund {})", f2.id) }]),
        ))
        .with_priority(2)
        .mount(&server)
        .await;
    let r = api.dispatch_outbox(conn).await.expect("dispatch");
    assert_eq!(r.sent, 1, "{r:?}");
    let posted = writes(&server)
        .await
        .into_iter()
        .filter(|w| w.1.ends_with("/refunds"))
        .count();
    assert_eq!(posted, 1, "not made twice");
    let done = api.refunds(Some(id)).await.expect("refunds");
    assert_eq!(done[1].channel_refund_id.as_deref(), Some("78"));
    let d = api.get_order(id).await.expect("detail");
    assert!(
        d.timeline
            .iter()
            .any(|e| e.summary.contains("told: refund of")),
        "{:#?}",
        d.timeline
    );
}
