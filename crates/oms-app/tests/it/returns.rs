//! Returns through the application API on real SQLite files: the RMA lifecycle on the
//! timeline, receiving (partly, in bulk, by scan), inspecting with every disposition (restocks
//! in the ledger wake backorders), a refund of what came back, channel returns without
//! duplicates, and a property: whatever is asked, received and restocked, no line comes back
//! or is restocked beyond what was shipped.

use crate::fresh;
use crate::pipeline::{location, order, receive};
use oms_app::domain::return_views::*;
use oms_app::domain::*;
use oms_app::Api;
use proptest::prelude::*;

/// An order of 2 × MUG and 1 × TEA (10.00 each), shipped from a fresh location; its id and
/// the location's.
async fn shipped_order(api: &Api, ext: &str) -> (i64, i64) {
    let loc = match api.list_locations().await.expect("locations").first() {
        Some(l) => l.id,
        None => location(api, "Main").await,
    };
    receive(api, "MUG", loc, 2).await;
    receive(api, "TEA", loc, 1).await;
    api.import_orders(
        &[order(ext, "anna@example.de", &[("MUG", 2), ("TEA", 1)])],
        "test",
    )
    .await
    .expect("import");
    api.process_pending(&|_| {}).await.expect("process");
    let id = api
        .list_orders(&OrderQuery {
            limit: 100,
            ..Default::default()
        })
        .await
        .expect("list")
        .rows
        .into_iter()
        .find(|r| r.order_number == format!("#{ext}"))
        .expect("order")
        .id;
    api.ship_order(id, "DHL", &format!("JJD{ext}"))
        .await
        .expect("ship");
    (id, loc)
}

fn ask(order_id: i64, lines: &[(i64, i64, &str)], approve: bool) -> ReturnInput {
    ReturnInput {
        order_id,
        lines: lines
            .iter()
            .map(|&(line_no, quantity, reason)| ReturnLineInput {
                line_no,
                quantity,
                reason: reason.into(),
                comment: None,
            })
            .collect(),
        note: None,
        approve,
    }
}

fn on_hand(api_inv: &InventoryPage, sku: &str) -> i64 {
    api_inv
        .rows
        .iter()
        .filter(|r| r.sku == sku)
        .map(|r| r.on_hand)
        .sum()
}

async fn stock(api: &Api) -> InventoryPage {
    api.inventory(&InventoryQuery {
        limit: 100,
        ..Default::default()
    })
    .await
    .expect("inventory")
}

#[tokio::test]
async fn a_return_goes_through_its_lifecycle_restocks_wakes_a_backorder_and_is_refunded() {
    let db = fresh().await;
    let api = &db.api;
    let (id, loc) = shipped_order(api, "1").await;
    // A second order for a mug waits for stock (backorders allowed).
    api.upsert_product("MUG", None, Some(true), Some(true))
        .await
        .expect("product");
    api.import_orders(&[order("2", "bert@example.de", &[("MUG", 1)])], "test")
        .await
        .expect("import");
    api.process_pending(&|_| {}).await.expect("process");
    let waiting = api
        .list_orders(&OrderQuery {
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("list")
        .rows
        .into_iter()
        .find(|r| r.order_number == "#2")
        .expect("#2");
    assert_eq!(waiting.status, OrderStatus::Backordered);

    let r = api.returnable(id).await.expect("returnable");
    assert_eq!(r.lines[0].left(), 2);
    let rma = api
        .create_return(&ask(id, &[(1, 2, "too_small")], false))
        .await
        .expect("return");
    assert_eq!((rma.status.as_str(), rma.rma.len()), ("requested", 10));
    assert_eq!(rma.value, 2_000);
    // Units on their way back cannot be asked for twice.
    let e = api
        .create_return(&ask(id, &[(1, 1, "damaged")], false))
        .await
        .expect_err("twice");
    assert!(e.message.contains("0 can still come back"), "{}", e.message);
    // Not received before it is approved.
    let e = api
        .receive_return(
            rma.id,
            &[ReceiveLine {
                line_no: 1,
                quantity: 1,
            }],
        )
        .await
        .expect_err("not approved");
    assert!(
        e.message.contains("approve it before receiving"),
        "{}",
        e.message
    );
    api.decide_return(rma.id, true, "").await.expect("approve");
    let t = api
        .return_in_transit(rma.id, Some("DHL"), Some("RET123"))
        .await
        .expect("in transit");
    assert_eq!(t.status, "in_transit");
    // The desk scans the parcel's tracking number, then receives one unit, then the other.
    let found = api.scan_return("RET123").await.expect("scan");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, rma.id);
    // The RMA and the parcel's tracking number find the order from the search palette.
    for text in [rma.rma.as_str(), "RET123"] {
        let hits = api.search(text, 5).await.expect("search");
        assert!(hits.iter().any(|o| o.id == id), "{text}: {hits:?}");
    }
    assert_eq!(
        api.scan_return(&rma.rma.to_lowercase())
            .await
            .expect("rma")
            .len(),
        1
    );
    let got = api
        .receive_return(
            rma.id,
            &[ReceiveLine {
                line_no: 1,
                quantity: 1,
            }],
        )
        .await
        .expect("one");
    assert_eq!(
        (got.status.as_str(), got.lines[0].received),
        ("received", 1)
    );
    api.receive_return(
        rma.id,
        &[ReceiveLine {
            line_no: 1,
            quantity: 1,
        }],
    )
    .await
    .expect("two");
    let e = api
        .receive_return(
            rma.id,
            &[ReceiveLine {
                line_no: 1,
                quantity: 1,
            }],
        )
        .await
        .expect_err("three");
    assert!(e.message.contains("the return is for 2"), "{}", e.message);
    // Inspect: restock needs a location; then both mugs go back on the shelf.
    let e = api
        .inspect_return(
            rma.id,
            &[InspectLine {
                line_no: 1,
                condition: ItemCondition::AsNew,
                disposition: Disposition::Restock,
                location_id: None,
            }],
        )
        .await
        .expect_err("no location");
    assert!(e.message.contains("pick the location"), "{}", e.message);
    let before = on_hand(&stock(api).await, "MUG");
    let done = api
        .inspect_return(
            rma.id,
            &[InspectLine {
                line_no: 1,
                condition: ItemCondition::AsNew,
                disposition: Disposition::Restock,
                location_id: Some(loc),
            }],
        )
        .await
        .expect("inspect");
    assert_eq!(
        (done.status.as_str(), done.lines[0].restocked),
        ("inspected", 2)
    );
    assert_eq!(on_hand(&stock(api).await, "MUG"), before + 2);
    let ledger = api.ledger("MUG", Some(loc), 50).await.expect("ledger");
    assert!(
        ledger
            .iter()
            .any(|m| m.kind == MovementKind::ReturnRestock && m.on_hand_change == 2),
        "{ledger:#?}"
    );
    // The waiting order got its mug.
    let d2 = api.get_order(waiting.id).await.expect("#2");
    assert_eq!(d2.order.status, OrderStatus::Allocated);
    assert!(api.check_inventory().await.expect("check").is_empty());

    // The refund of what came back, linked to the return; not twice.
    let f = api.refund_return(rma.id, 0, 0, "").await.expect("refund");
    assert_eq!((f.amount, f.status.as_str()), (2_000, "approved"));
    assert_eq!(api.return_view(rma.id).await.expect("v").refunded, 2_000);
    let e = api
        .refund_return(rma.id, 0, 0, "")
        .await
        .expect_err("twice");
    assert!(e.message.contains("refunded already"), "{}", e.message);
    let closed = api.close_return(rma.id).await.expect("close");
    assert_eq!(closed.status, "closed");
    // Every step is on the timeline.
    let d = api.get_order(id).await.expect("detail");
    let said: Vec<&str> = d
        .timeline
        .iter()
        .filter(|e| e.kind == "returned")
        .map(|e| e.summary.as_str())
        .collect();
    for want in [
        "requested: 2 × MUG (too_small)",
        "approved",
        "on its way back (DHL RET123)",
        "received 1 × MUG",
        "inspected: 2 × MUG as new → restock",
        "closed",
    ] {
        assert!(said.iter().any(|s| s.contains(want)), "{want}: {said:#?}");
    }
    // The queue: nothing open; the closed one under its status.
    let q = api.return_queue(None, None, 50).await.expect("queue");
    assert!(q.rows.is_empty());
    let q = api
        .return_queue(Some("closed"), Some("MUG"), 50)
        .await
        .expect("queue");
    assert_eq!(q.rows.len(), 1);
    assert_eq!((q.rows[0].units, q.rows[0].received), (2, 2));
}

#[tokio::test]
async fn every_disposition_and_the_whole_order_coming_back() {
    let db = fresh().await;
    let api = &db.api;
    let (id, loc) = shipped_order(api, "1").await;
    let rma = api
        .create_return(&ask(id, &[(1, 2, "damaged"), (2, 1, "changed_mind")], true))
        .await
        .expect("return");
    assert_eq!(rma.status, "approved");
    let bulk = api.receive_returns(&[rma.id], &|_| {}).await.expect("bulk");
    assert_eq!((bulk.changed, bulk.failed_count), (1, 0));
    // Everything that shipped came back: the order is returned.
    assert_eq!(
        api.get_order(id).await.expect("d").order.status,
        OrderStatus::Returned
    );
    let before = stock(api).await;
    api.inspect_return(
        rma.id,
        &[
            InspectLine {
                line_no: 1,
                condition: ItemCondition::Opened,
                disposition: Disposition::BStock,
                location_id: Some(loc),
            },
            InspectLine {
                line_no: 2,
                condition: ItemCondition::Damaged,
                disposition: Disposition::Scrap,
                location_id: None,
            },
        ],
    )
    .await
    .expect("inspect");
    let after = stock(api).await;
    assert_eq!(on_hand(&after, "MUG-B"), 2, "B-stock under its own SKU");
    assert_eq!(on_hand(&after, "MUG"), on_hand(&before, "MUG"));
    assert_eq!(
        on_hand(&after, "TEA"),
        on_hand(&before, "TEA"),
        "scrap: no stock"
    );
    // Nothing more can come back; a rejected return needs a reason.
    let e = api
        .create_return(&ask(id, &[(1, 1, "damaged")], false))
        .await
        .expect_err("all back");
    assert!(e.message.contains("2 returned"), "{}", e.message);
    let e = api
        .create_return(&ask(id, &[(1, 1, "bored")], false))
        .await
        .expect_err("reason");
    assert!(e.message.contains("a reason is needed"), "{}", e.message);
}

#[tokio::test]
async fn unshipped_lines_and_configured_reasons() {
    let db = fresh().await;
    let api = &db.api;
    api.import_orders(&[order("9", "anna@example.de", &[("MUG", 1)])], "test")
        .await
        .expect("import");
    let id = api
        .list_orders(&OrderQuery::default())
        .await
        .expect("list")
        .rows[0]
        .id;
    let e = api
        .create_return(&ask(id, &[(1, 1, "damaged")], false))
        .await
        .expect_err("unshipped");
    assert!(
        e.message.contains("cancel the line instead"),
        "{}",
        e.message
    );
    api.set_return_reasons(&["wrong_colour".into(), "other".into()])
        .await
        .expect("reasons");
    assert_eq!(
        api.returnable(id).await.expect("r").reasons,
        ["wrong_colour", "other"]
    );
    assert!(api
        .set_return_reasons(&["Wrong Colour".into()])
        .await
        .is_err());
    assert!(api.set_return_reasons(&[]).await.is_err());
}

#[tokio::test]
async fn a_channel_return_is_recorded_once_and_links_to_the_apps_own() {
    let db = fresh().await;
    let api = &db.api;
    let (id, _) = shipped_order(api, "1").await;
    // The agent opened a return; then the shop reports the same one.
    let mine = api
        .create_return(&ask(id, &[(1, 1, "damaged")], true))
        .await
        .expect("mine");
    let (linked, new) = api
        .record_channel_return(
            &ask(id, &[(1, 1, "DEFECTIVE")], false),
            "gid://shopify/Return/7",
        )
        .await
        .expect("channel");
    assert!(!new);
    assert_eq!(linked.id, mine.id);
    assert_eq!(
        linked.channel_return_id.as_deref(),
        Some("gid://shopify/Return/7")
    );
    // Pulled again: still one.
    let (again, new) = api
        .record_channel_return(
            &ask(id, &[(1, 1, "DEFECTIVE")], false),
            "gid://shopify/Return/7",
        )
        .await
        .expect("again");
    assert!(!new);
    assert_eq!(again.id, mine.id);
    // A different channel return is a new RMA; its unknown reason is kept as "other".
    let (other, new) = api
        .record_channel_return(
            &ask(id, &[(2, 1, "COLOR")], false),
            "gid://shopify/Return/8",
        )
        .await
        .expect("other");
    assert!(new);
    assert_eq!(other.source, "channel");
    assert_eq!(other.lines[0].reason, "other");
    assert_eq!(other.lines[0].comment.as_deref(), Some("COLOR"));
    assert_eq!(api.returns_of(id).await.expect("list").len(), 2);
}

#[derive(Debug, Clone)]
enum Step {
    Ask { line: i64, n: i64, approve: bool },
    Approve,
    Receive { line: i64, n: i64 },
    Inspect { restock: bool },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (1i64..3, 0i64..4, any::<bool>()).prop_map(|(line, n, approve)| Step::Ask {
            line,
            n,
            approve
        }),
        Just(Step::Approve),
        (1i64..3, -1i64..4).prop_map(|(line, n)| Step::Receive { line, n }),
        any::<bool>().prop_map(|restock| Step::Inspect { restock }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Whatever returns are asked for, received and inspected, and in whatever order: no line
    /// comes back beyond what was shipped, restocks never exceed what was shipped minus what
    /// was returned before, and the ledger agrees with the balances.
    #[test]
    fn restocks_never_exceed_what_was_shipped_less_what_came_back(steps in prop::collection::vec(step(), 1..16)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
        rt.block_on(async {
            let db = fresh().await;
            let api = &db.api;
            let (id, loc) = shipped_order(api, "1").await;
            let mut last: Option<i64> = None;
            for s in &steps {
                match s {
                    Step::Ask { line, n, approve } => {
                        if let Ok(r) = api.create_return(&ask(id, &[(*line, *n, "damaged")], *approve)).await {
                            last = Some(r.id);
                        }
                    }
                    Step::Approve => if let Some(r) = last { let _ = api.decide_return(r, true, "").await; },
                    Step::Receive { line, n } => if let Some(r) = last {
                        let _ = api.receive_return(r, &[ReceiveLine { line_no: *line, quantity: *n }]).await;
                    },
                    Step::Inspect { restock } => if let Some(r) = last {
                        let lines: Vec<InspectLine> = (1..=2).map(|line_no| InspectLine {
                            line_no,
                            condition: ItemCondition::AsNew,
                            disposition: if *restock { Disposition::Restock } else { Disposition::Quarantine },
                            location_id: Some(loc),
                        }).collect();
                        let _ = api.inspect_return(r, &lines).await;
                    },
                }
            }
            let d = api.get_order(id).await.expect("detail");
            let shipped: std::collections::BTreeMap<String, i64> =
                d.lines.iter().map(|l| (l.sku.to_string(), i64::from(l.quantities.shipped))).collect();
            for l in &d.lines {
                prop_assert!(l.quantities.returned <= l.quantities.shipped, "{l:?}");
            }
            let mut restocked = std::collections::BTreeMap::<String, i64>::new();
            for r in api.returns_of(id).await.expect("returns") {
                for l in &r.lines {
                    prop_assert!(l.restocked <= l.received && l.received <= l.quantity, "{l:?}");
                    *restocked.entry(l.sku.clone()).or_default() += l.restocked;
                }
            }
            for (sku, n) in &restocked {
                prop_assert!(*n <= shipped[sku], "{sku}: {n} restocked of {} shipped", shipped[sku]);
                let moved: i64 = api.ledger(sku, Some(loc), 500).await.expect("ledger").iter()
                    .filter(|m| m.kind == MovementKind::ReturnRestock).map(|m| m.on_hand_change).sum();
                prop_assert_eq!(moved, *n);
            }
            prop_assert!(api.check_inventory().await.expect("check").is_empty());
            Ok(())
        })?;
    }
}

#[tokio::test]
async fn an_order_that_arrived_shipped_can_be_returned() {
    let db = fresh().await;
    let api = &db.api;
    let loc = location(api, "Main").await;
    // The shop fulfilled it before it was pulled: nothing shipped through the app.
    let mut o = order("7", "anna@example.de", &[("MUG", 2)]);
    o.status = OrderStatus::Shipped;
    api.import_orders(&[o], "test").await.expect("import");
    let id = api
        .list_orders(&OrderQuery::default())
        .await
        .expect("list")
        .rows[0]
        .id;
    assert_eq!(api.returnable(id).await.expect("r").lines[0].left(), 2);
    let r = api
        .create_return(&ask(id, &[(1, 2, "too_large")], true))
        .await
        .expect("return");
    api.receive_returns(&[r.id], &|_| {})
        .await
        .expect("receive");
    api.inspect_return(
        r.id,
        &[InspectLine {
            line_no: 1,
            condition: ItemCondition::AsNew,
            disposition: Disposition::Restock,
            location_id: Some(loc),
        }],
    )
    .await
    .expect("inspect");
    assert_eq!(on_hand(&stock(api).await, "MUG"), 2);
    let d = api.get_order(id).await.expect("d");
    assert_eq!(d.order.status, OrderStatus::Returned);
    assert!(api.check_inventory().await.expect("check").is_empty());
}

#[tokio::test]
async fn a_return_label_is_bought_from_the_customer_to_the_location() {
    use wiremock::MockServer;
    let mut db = fresh().await;
    db.api.set_sync_policy(crate::sync::policy());
    let api = &db.api;
    let loc = crate::carriers::located(api, "Leipzig", "Leipzig").await;
    let (id, _) = shipped_order(api, "1").await;
    let server = MockServer::start().await;
    crate::fulfilment::easypost(api, &server.uri()).await;
    crate::fulfilment::mount_shipment(&server, &server.uri(), "shp_ret").await;
    let r = api
        .create_return(&ask(id, &[(1, 1, "defective")], false))
        .await
        .expect("return");
    let e = api
        .send_return_label(r.id, loc)
        .await
        .expect_err("not approved");
    assert!(
        e.message.contains("for an approved return"),
        "{}",
        e.message
    );
    api.decide_return(r.id, true, "").await.expect("approve");
    let sent = api.send_return_label(r.id, loc).await.expect("label");
    assert_eq!(sent.status, "label_sent");
    assert_eq!(sent.tracking_number.as_deref(), Some("JJD-shp_ret"));
    let path = sent.label_path.clone().expect("label file");
    assert_eq!(std::fs::read(&path).expect("read"), b"%PDF");
    // From the customer's door to the location.
    let asked = server.received_requests().await.unwrap_or_default();
    let made = asked
        .iter()
        .find(|q| q.method.as_str() == "POST" && q.url.path() == "/v2/shipments")
        .expect("a shipment");
    let body: serde_json::Value = serde_json::from_slice(&made.body).expect("json");
    let s = &body["shipment"];
    assert_eq!(s["from_address"]["city"], "Berlin", "{s}");
    assert_eq!(s["to_address"]["city"], "Leipzig", "{s}");
    // The desk finds it by the label's tracking number.
    assert_eq!(
        api.scan_return("JJD-shp_ret").await.expect("scan")[0].id,
        r.id
    );
    let d = api.get_order(id).await.expect("d");
    assert!(d
        .timeline
        .iter()
        .any(|e| e.summary.contains("return label sent")));
}

/// A Shopify order as the orders query answers it, fulfilled, with the shop's returns.
fn shopify_order(updated: &str, returns: serde_json::Value) -> serde_json::Value {
    let money =
        |a: &str| serde_json::json!({ "shopMoney": { "amount": a, "currencyCode": "EUR" } });
    serde_json::json!({
        "id": "gid://shopify/Order/5001", "name": "#5001", "createdAt": "2026-11-20T09:00:00Z", "updatedAt": updated,
        "cancelledAt": null, "cancelReason": null, "currencyCode": "EUR",
        "displayFinancialStatus": "PAID", "displayFulfillmentStatus": "FULFILLED",
        "email": "erika@example.de", "phone": null, "tags": [],
        "customer": { "firstName": "Erika", "lastName": "Schulz", "email": "erika@example.de", "phone": null },
        "shippingAddress": { "name": "Erika Schulz", "company": null, "address1": "Ringstraße 9", "address2": null,
            "city": "Leipzig", "province": null, "provinceCode": null, "zip": "04109", "countryCodeV2": "DE", "phone": null },
        "shippingLine": { "title": "DHL Paket", "code": "dhl" },
        "currentShippingPriceSet": money("4.90"), "currentTotalTaxSet": money("0.00"), "currentTotalDiscountsSet": money("0.00"),
        "lineItems": { "pageInfo": { "hasNextPage": false }, "nodes": [
            { "id": "gid://shopify/LineItem/1", "sku": "TS-M", "name": "T-shirt M", "quantity": 2, "currentQuantity": 2,
              "originalUnitPriceSet": money("20.00") }
        ] },
        "returns": { "nodes": returns }
    })
}

#[tokio::test]
async fn returns_pulled_from_shopify_are_recorded_once() {
    use oms_app::domain::sync_views::{CredentialsInput, NewConnection};
    use wiremock::matchers::{body_string_contains, method};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let mut db = fresh().await;
    db.api.set_sync_policy(crate::sync::policy());
    let server = MockServer::start().await;
    let page = |node: serde_json::Value| {
        ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "data": { "orders": { "pageInfo": { "hasNextPage": false, "endCursor": null }, "nodes": [node] } },
            "extensions": { "cost": { "requestedQueryCost": 10, "actualQueryCost": 10,
                "throttleStatus": { "maximumAvailable": 2000, "currentlyAvailable": 1990, "restoreRate": 100 } } }
        }))
    };
    let ret = serde_json::json!([{ "id": "gid://shopify/Return/77", "status": "OPEN", "returnLineItems": { "nodes": [
        { "quantity": 1, "returnReason": "SIZE_TOO_SMALL", "customerNote": "too tight",
          "fulfillmentLineItem": { "lineItem": { "sku": "TS-M" } } }] } }]);
    Mock::given(method("POST"))
        .and(body_string_contains("query Orders"))
        .respond_with(page(shopify_order("2026-11-21T09:00:00Z", ret.clone())))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    // Pulled again after another change on the shop: the same return, no second RMA.
    Mock::given(method("POST"))
        .and(body_string_contains("query Orders"))
        .respond_with(page(shopify_order("2026-11-22T09:00:00Z", ret)))
        .with_priority(2)
        .mount(&server)
        .await;
    let api = &db.api;
    let conn = api
        .add_connection(&NewConnection {
            kind: ChannelKind::Shopify,
            name: "Shopify test".into(),
            base_url: server.uri(),
            api_version: None,
            page_size: Some(10),
            credentials: CredentialsInput {
                access_token: Some("shpat_test".into()),
                ..Default::default()
            },
        })
        .await
        .expect("connection")
        .id;
    let r = api.sync_connection(conn, &|_| {}).await.expect("pull");
    assert_eq!((r.imported, r.returns), (1, 1), "{r:?}");
    let id = api
        .list_orders(&OrderQuery::default())
        .await
        .expect("list")
        .rows[0]
        .id;
    let rets = api.returns_of(id).await.expect("returns");
    assert_eq!(rets.len(), 1);
    let x = &rets[0];
    assert_eq!(
        (
            x.source.as_str(),
            x.status.as_str(),
            x.channel_return_id.as_deref()
        ),
        ("channel", "approved", Some("gid://shopify/Return/77"))
    );
    assert_eq!(
        (x.lines[0].reason.as_str(), x.lines[0].comment.as_deref()),
        ("too_small", Some("too tight"))
    );
    db.api.reset_sync_cursor(conn, None).await.expect("reset");
    let r = api
        .sync_connection(conn, &|_| {})
        .await
        .expect("pull again");
    assert_eq!((r.updated, r.returns), (1, 0), "{r:?}");
    assert_eq!(api.returns_of(id).await.expect("returns").len(), 1);
}
