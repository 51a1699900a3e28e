//! Writes to the channels (the outbox's pushes) against local stand-ins (wiremock on
//! 127.0.0.1) answering in the shapes of the vendors' documentation: Shopify's
//! `fulfillmentCreate`, `fulfillmentEventCreate`, `orderCancel`, `refundCreate` and `inventorySetQuantities`;
//! WooCommerce's orders,
//! order notes, the Shipment Tracking extension's endpoint and the batch endpoints.

#![allow(clippy::unwrap_used)]

use oms_domain::ChannelKind;
use oms_sync::http::{Http, RetryPolicy};
use oms_sync::push::{
    CancelPush, DeliveryPush, FulfilmentPush, Outcome, Push, RefundPush, StockPush, StockTarget,
};
use oms_sync::{Connector, Credentials, Endpoint, SyncErrorKind};
use serde_json::{json, Value};
use std::time::Duration;
use wiremock::matchers::{body_string_contains, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const GQL: &str = "/admin/api/2026-10/graphql.json";

fn policy() -> RetryPolicy {
    RetryPolicy {
        attempts: 3,
        base_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
        max_retry_after: Duration::from_secs(2),
        timeout: Duration::from_millis(800),
    }
}

fn endpoint(server: &MockServer) -> Endpoint {
    Endpoint {
        name: "test".into(),
        base_url: server.uri(),
        api_version: None,
        page_size: None,
    }
}

fn shopify(server: &MockServer) -> Connector {
    Connector::new(
        ChannelKind::Shopify,
        endpoint(server),
        Credentials::ShopifyToken {
            access_token: "shpat_test".into(),
        },
        Http::new(policy()).unwrap(),
    )
    .unwrap()
}

fn woo(server: &MockServer) -> Connector {
    Connector::new(
        ChannelKind::Woocommerce,
        endpoint(server),
        Credentials::WooKeys {
            key: "ck_test".into(),
            secret: "cs_test".into(),
        },
        Http::new(policy()).unwrap(),
    )
    .unwrap()
}

fn ok(v: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(v)
}

fn gql(data: Value) -> ResponseTemplate {
    ok(
        json!({ "data": data, "extensions": { "cost": { "requestedQueryCost": 10,
        "throttleStatus": { "maximumAvailable": 2000, "currentlyAvailable": 1990, "restoreRate": 100 } } } }),
    )
}

async fn bodies(server: &MockServer) -> Vec<(String, String, Value)> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r: &Request| {
            (
                r.method.to_string(),
                r.url.path().to_owned(),
                serde_json::from_slice(&r.body).unwrap_or(Value::Null),
            )
        })
        .collect()
}

fn fulfilment(shipped: &[(&str, i64)], complete: bool) -> Push {
    Push::Fulfilment(FulfilmentPush {
        order: "450789469".into(),
        carrier: "DHL".into(),
        service: Some("Paket".into()),
        tracking_number: Some("00340434161094042557".into()),
        shipped: shipped.iter().map(|(s, q)| ((*s).to_owned(), *q)).collect(),
        complete,
        notify_customer: true,
    })
}

/// An order with two fulfilment orders (two locations): MUG-1 ×3 (one already fulfilled)
/// and TEA-9 ×1 at the first, a line without a SKU at the second.
fn shopify_order(fulfilled_tracking: Option<&str>) -> Value {
    json!({ "order": {
        "id": "gid://shopify/Order/450789469", "cancelledAt": null,
        "fulfillments": match fulfilled_tracking {
            Some(n) => json!([{ "id": "gid://shopify/Fulfillment/255858046", "trackingInfo": [{ "number": n }] }]),
            None => json!([{ "id": "gid://shopify/Fulfillment/1", "trackingInfo": [{ "number": "EARLIER" }] }]),
        },
        "fulfillmentOrders": { "nodes": [
            { "id": "gid://shopify/FulfillmentOrder/1046000778", "status": "IN_PROGRESS", "lineItems": { "nodes": [
                { "id": "gid://shopify/FulfillmentOrderLineItem/1", "totalQuantity": 3, "remainingQuantity": 2,
                  "lineItem": { "id": "gid://shopify/LineItem/11", "sku": "MUG-1" } },
                { "id": "gid://shopify/FulfillmentOrderLineItem/2", "totalQuantity": 1, "remainingQuantity": 1,
                  "lineItem": { "id": "gid://shopify/LineItem/12", "sku": "TEA-9" } } ] } },
            { "id": "gid://shopify/FulfillmentOrder/1046000779", "status": "OPEN", "lineItems": { "nodes": [
                { "id": "gid://shopify/FulfillmentOrderLineItem/3", "totalQuantity": 1, "remainingQuantity": 1,
                  "lineItem": { "id": "gid://shopify/LineItem/13", "sku": null } } ] } },
            { "id": "gid://shopify/FulfillmentOrder/1046000780", "status": "CLOSED", "lineItems": { "nodes": [] } }
        ] }
    } })
}

#[tokio::test]
async fn shopify_fulfils_only_what_the_shop_does_not_know_with_tracking() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(GQL))
        .and(body_string_contains("OrderFulfilment"))
        .respond_with(gql(shopify_order(None)))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(GQL))
        .and(body_string_contains("fulfillmentCreate"))
        .respond_with(gql(json!({ "fulfillmentCreate": {
            "fulfillment": { "id": "gid://shopify/Fulfillment/255858046", "status": "SUCCESS" }, "userErrors": [] } })))
        .mount(&server)
        .await;
    // Here: 3 MUG-1 shipped (the shop knows of 1), the SKU-less line; TEA-9 not yet.
    let done = shopify(&server)
        .push(&fulfilment(
            &[("MUG-1", 3), ("TEA-9", 0), ("shopify-line-13", 1)],
            false,
        ))
        .await
        .unwrap();
    assert_eq!(
        done.external_ref.as_deref(),
        Some("gid://shopify/Fulfillment/255858046")
    );
    assert!(done.note.contains("3 units"), "{}", done.note);
    let got = bodies(&server).await;
    assert_eq!(got.len(), 2);
    let f = &got[1].2["variables"]["f"];
    assert_eq!(
        f["lineItemsByFulfillmentOrder"],
        json!([
            { "fulfillmentOrderId": "gid://shopify/FulfillmentOrder/1046000778",
              "fulfillmentOrderLineItems": [{ "id": "gid://shopify/FulfillmentOrderLineItem/1", "quantity": 2 }] },
            { "fulfillmentOrderId": "gid://shopify/FulfillmentOrder/1046000779",
              "fulfillmentOrderLineItems": [{ "id": "gid://shopify/FulfillmentOrderLineItem/3", "quantity": 1 }] }
        ])
    );
    assert_eq!(
        f["trackingInfo"],
        json!({ "company": "DHL", "number": "00340434161094042557" })
    );
    assert_eq!(f["notifyCustomer"], json!(true));
    assert_eq!(
        got[0].2["variables"]["id"],
        json!("gid://shopify/Order/450789469")
    );
}

#[tokio::test]
async fn shopify_fulfilment_sent_twice_is_made_once() {
    let server = MockServer::start().await;
    // The first try's answer was lost; the shop has the fulfilment with our tracking number.
    Mock::given(method("POST"))
        .and(path(GQL))
        .and(body_string_contains("OrderFulfilment"))
        .respond_with(gql(shopify_order(Some("00340434161094042557"))))
        .mount(&server)
        .await;
    let done = shopify(&server)
        .push(&fulfilment(&[("MUG-1", 3)], true))
        .await
        .unwrap();
    assert_eq!(
        done.external_ref.as_deref(),
        Some("gid://shopify/Fulfillment/255858046")
    );
    let got = bodies(&server).await;
    assert_eq!(got.len(), 1, "no second fulfillmentCreate");
}

#[tokio::test]
async fn shopify_refusals_fail_with_the_shops_words_and_a_timeout_is_not_repeated() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(GQL))
        .and(body_string_contains("OrderFulfilment"))
        .respond_with(gql(shopify_order(None)))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(GQL))
        .and(body_string_contains("fulfillmentCreate"))
        .respond_with(gql(json!({ "fulfillmentCreate": { "fulfillment": null,
            "userErrors": [{ "field": ["fulfillment"], "message": "Fulfillment order 1046000778 has an unfulfillable status= closed." }] } })))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    let e = shopify(&server)
        .push(&fulfilment(&[("MUG-1", 3)], false))
        .await
        .unwrap_err();
    assert_eq!(e.kind, SyncErrorKind::Rejected);
    assert_eq!(e.outcome(), Outcome::Failed);
    assert!(e.message.contains("unfulfillable status"), "{}", e.message);

    // A mutation that times out is not sent again by the HTTP layer: the next outbox try
    // looks at the shop first.
    Mock::given(method("POST"))
        .and(path(GQL))
        .and(body_string_contains("fulfillmentCreate"))
        .respond_with(gql(json!({})).set_delay(Duration::from_secs(3)))
        .with_priority(2)
        .mount(&server)
        .await;
    let e = shopify(&server)
        .push(&fulfilment(&[("MUG-1", 3)], false))
        .await
        .unwrap_err();
    assert_eq!(e.outcome(), Outcome::Later, "{e:?}");
    let creates = bodies(&server)
        .await
        .iter()
        .filter(|b| {
            b.2["query"]
                .as_str()
                .unwrap_or("")
                .contains("fulfillmentCreate")
        })
        .count();
    assert_eq!(creates, 2, "one refused, one timed out: never repeated");
}

#[tokio::test]
async fn shopify_cancels_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(GQL))
        .and(body_string_contains("query Cancelled"))
        .respond_with(gql(
            json!({ "order": { "id": "gid://shopify/Order/450789469", "cancelledAt": null } }),
        ))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(GQL))
        .and(body_string_contains("query Cancelled"))
        .respond_with(gql(json!({ "order": { "id": "gid://shopify/Order/450789469", "cancelledAt": "2026-12-01T10:00:00Z" } })))
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(GQL))
        .and(body_string_contains("orderCancel"))
        .respond_with(gql(json!({ "orderCancel": { "job": { "id": "gid://shopify/Job/1" }, "orderCancelUserErrors": [] } })))
        .mount(&server)
        .await;
    let push = Push::Cancel(CancelPush {
        order: "450789469".into(),
        reason: "customer changed their mind".into(),
        notify_customer: false,
    });
    let mut c = shopify(&server);
    let first = c.push(&push).await.unwrap();
    assert_eq!(first.note, "order cancelled");
    let second = c.push(&push).await.unwrap();
    assert!(second.note.contains("already"), "{}", second.note);
    let got = bodies(&server).await;
    let cancels: Vec<&Value> = got
        .iter()
        .map(|b| &b.2)
        .filter(|b| b["query"].as_str().unwrap_or("").contains("orderCancel"))
        .collect();
    assert_eq!(cancels.len(), 1);
    assert_eq!(
        cancels[0]["variables"]["note"],
        json!("customer changed their mind")
    );
    let q = cancels[0]["query"].as_str().unwrap();
    assert!(
        q.contains("refundMethod") && q.contains("restock: false"),
        "{q}"
    );
}

/// 2026-12-02 10:30:15.250 UTC.
const SCANNED: i64 = 1_796_207_415_250;

fn delivery(order: &str, number: &str, status: &str, at: i64, message: Option<&str>) -> Push {
    Push::Delivery(DeliveryPush {
        order: order.into(),
        carrier: "DeutschePost".into(),
        tracking_number: number.into(),
        status: status.into(),
        happened_at: at,
        message: message.map(str::to_owned),
    })
}

/// An order with two fulfilments: an earlier parcel, and ours with the events given.
fn shopify_fulfilments(events: Value) -> Value {
    json!({ "order": { "id": "gid://shopify/Order/450789469", "fulfillments": [
        { "id": "gid://shopify/Fulfillment/1", "trackingInfo": [{ "number": "EARLIER" }],
          "events": { "nodes": [{ "id": "gid://shopify/FulfillmentEvent/1", "status": "DELIVERED",
                                  "happenedAt": "2026-11-20T08:00:00Z" }] } },
        { "id": "gid://shopify/Fulfillment/255858046", "trackingInfo": [{ "number": "JJD0001" }],
          "events": { "nodes": events } }
    ] } })
}

fn event_created(id: &str, status: &str) -> ResponseTemplate {
    gql(json!({ "fulfillmentEventCreate": {
        "fulfillmentEvent": { "id": id, "status": status, "happenedAt": "2026-12-02T10:30:15Z" },
        "userErrors": [] } }))
}

fn event_creates(got: &[(String, String, Value)]) -> Vec<Value> {
    got.iter()
        .filter(|b| {
            b.2["query"]
                .as_str()
                .unwrap_or("")
                .contains("fulfillmentEventCreate")
        })
        .map(|b| b.2["variables"]["e"].clone())
        .collect()
}

#[tokio::test]
async fn shopify_delivered_makes_one_event_on_the_fulfilment_with_our_tracking() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(GQL))
        .and(body_string_contains("OrderDelivery"))
        .respond_with(gql(shopify_fulfilments(json!([
            { "id": "gid://shopify/FulfillmentEvent/7", "status": "IN_TRANSIT", "happenedAt": "2026-12-01T18:00:00Z" }
        ]))))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(GQL))
        .and(body_string_contains("fulfillmentEventCreate"))
        .respond_with(event_created(
            "gid://shopify/FulfillmentEvent/944956395",
            "DELIVERED",
        ))
        .mount(&server)
        .await;
    let done = shopify(&server)
        .push(&delivery(
            "450789469",
            "JJD0001",
            "delivered",
            SCANNED,
            None,
        ))
        .await
        .unwrap();
    assert_eq!(
        done.external_ref.as_deref(),
        Some("gid://shopify/FulfillmentEvent/944956395")
    );
    assert!(done.note.contains("DELIVERED"), "{}", done.note);
    let got = bodies(&server).await;
    assert_eq!(got.len(), 2, "one look, one write");
    assert_eq!(
        got[0].2["variables"]["id"],
        json!("gid://shopify/Order/450789469")
    );
    let q = got[0].2["query"].as_str().unwrap();
    assert!(q.contains("trackingInfo") && q.contains("events("), "{q}");
    assert_eq!(
        event_creates(&got),
        vec![json!({
            "fulfillmentId": "gid://shopify/Fulfillment/255858046",
            "status": "DELIVERED",
            "happenedAt": "2026-12-02T10:30:15Z",
        })]
    );
}

#[tokio::test]
async fn shopify_delivery_sent_twice_is_created_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(GQL))
        .and(body_string_contains("OrderDelivery"))
        .respond_with(gql(shopify_fulfilments(json!([]))))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    // After the first push the shop has the event.
    Mock::given(method("POST"))
        .and(path(GQL))
        .and(body_string_contains("OrderDelivery"))
        .respond_with(gql(shopify_fulfilments(json!([
            { "id": "gid://shopify/FulfillmentEvent/944956395", "status": "DELIVERED", "happenedAt": "2026-12-02T10:30:15Z" }
        ]))))
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(GQL))
        .and(body_string_contains("fulfillmentEventCreate"))
        .respond_with(event_created(
            "gid://shopify/FulfillmentEvent/944956395",
            "DELIVERED",
        ))
        .mount(&server)
        .await;
    let push = delivery("450789469", "JJD0001", "delivered", SCANNED, None);
    let mut c = shopify(&server);
    let first = c.push(&push).await.unwrap();
    let second = c.push(&push).await.unwrap();
    assert!(second.note.contains("already"), "{}", second.note);
    assert_eq!(second.external_ref, first.external_ref);
    let got = bodies(&server).await;
    assert_eq!(got.len(), 3, "look, write, look");
    assert_eq!(event_creates(&got).len(), 1, "no second event");
}

#[tokio::test]
async fn shopify_delivery_statuses_map_and_a_status_that_comes_back_is_sent_again() {
    let server = MockServer::start().await;
    // The shop has: in transit at 09:00, a failure at 10:00 (our exception, sent before).
    Mock::given(method("POST"))
        .and(path(GQL))
        .and(body_string_contains("OrderDelivery"))
        .respond_with(gql(shopify_fulfilments(json!([
            { "id": "gid://shopify/FulfillmentEvent/3", "status": "FAILURE", "happenedAt": "2026-12-02T10:00:00Z" },
            { "id": "gid://shopify/FulfillmentEvent/2", "status": "IN_TRANSIT", "happenedAt": "2026-12-02T09:00:00Z" }
        ]))))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(GQL))
        .and(body_string_contains("fulfillmentEventCreate"))
        .respond_with(event_created(
            "gid://shopify/FulfillmentEvent/9",
            "IN_TRANSIT",
        ))
        .mount(&server)
        .await;
    let hour = 3_600_000;
    let at_10 = SCANNED - 30 * 60_000 - 15_250; // 10:00:00
    let mut c = shopify(&server);
    // The exception again (its answer was lost): there already.
    let again = c
        .push(&delivery(
            "450789469",
            "JJD0001",
            "exception",
            at_10,
            Some("Address incomplete"),
        ))
        .await
        .unwrap();
    assert!(again.note.contains("already"), "{}", again.note);
    assert_eq!(
        again.external_ref.as_deref(),
        Some("gid://shopify/FulfillmentEvent/3")
    );
    // In transit again after the failure, out for delivery, returned to the sender.
    for (status, at, words) in [
        ("in_transit", at_10 + hour, None),
        ("out_for_delivery", at_10 + 2 * hour, Some("  ")),
        (
            "returned_to_sender",
            at_10 + 3 * hour,
            Some("Refused by the recipient"),
        ),
        ("returned_to_sender", at_10 + 4 * hour, None),
        ("exception", at_10 + 5 * hour, Some("Parcel damaged")),
    ] {
        c.push(&delivery("450789469", "JJD0001", status, at, words))
            .await
            .unwrap();
    }
    // Not a status the shop is told about: nothing sent.
    let none = c
        .push(&delivery(
            "450789469",
            "JJD0001",
            "pre_transit",
            at_10,
            None,
        ))
        .await
        .unwrap();
    assert!(none.note.contains("not told"), "{}", none.note);
    let sent: Vec<(Value, Value, Option<Value>)> = event_creates(&bodies(&server).await)
        .into_iter()
        .map(|e| {
            (
                e["status"].clone(),
                e["happenedAt"].clone(),
                e.get("message").cloned(),
            )
        })
        .collect();
    assert_eq!(
        sent,
        vec![
            (json!("IN_TRANSIT"), json!("2026-12-02T11:00:00Z"), None),
            (
                json!("OUT_FOR_DELIVERY"),
                json!("2026-12-02T12:00:00Z"),
                None
            ),
            (
                json!("FAILURE"),
                json!("2026-12-02T13:00:00Z"),
                Some(json!("Returned to sender — Refused by the recipient"))
            ),
            (
                json!("FAILURE"),
                json!("2026-12-02T14:00:00Z"),
                Some(json!("Returned to sender"))
            ),
            (
                json!("FAILURE"),
                json!("2026-12-02T15:00:00Z"),
                Some(json!("Parcel damaged"))
            ),
        ]
    );
}

#[tokio::test]
async fn shopify_delivery_before_the_fulfilment_reached_the_shop_is_tried_later() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(GQL))
        .and(body_string_contains("OrderDelivery"))
        .respond_with(gql(json!({ "order": { "id": "gid://shopify/Order/450789469", "fulfillments": [
            { "id": "gid://shopify/Fulfillment/1", "trackingInfo": [{ "number": "EARLIER" }], "events": { "nodes": [] } },
            { "id": "gid://shopify/Fulfillment/2", "trackingInfo": [], "events": { "nodes": [] } }
        ] } })))
        .mount(&server)
        .await;
    let e = shopify(&server)
        .push(&delivery(
            "450789469",
            "JJD0001",
            "delivered",
            SCANNED,
            None,
        ))
        .await
        .unwrap_err();
    assert_eq!(e.outcome(), Outcome::Later, "{e:?}");
    assert_eq!(e.kind, SyncErrorKind::Network);
    assert!(e.message.contains("JJD0001"), "{}", e.message);
    let got = bodies(&server).await;
    assert_eq!(got.len(), 1, "nothing written");
    assert!(event_creates(&got).is_empty());
}

#[tokio::test]
async fn shopify_delivery_refused_fails_with_the_shops_words() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(GQL))
        .and(body_string_contains("OrderDelivery"))
        .respond_with(gql(shopify_fulfilments(json!([]))))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(GQL))
        .and(body_string_contains("fulfillmentEventCreate"))
        .respond_with(gql(json!({ "fulfillmentEventCreate": { "fulfillmentEvent": null,
            "userErrors": [{ "field": ["fulfillmentEvent", "fulfillmentId"], "message": "Fulfillment is cancelled" }] } })))
        .mount(&server)
        .await;
    let e = shopify(&server)
        .push(&delivery(
            "450789469",
            "JJD0001",
            "out_for_delivery",
            SCANNED,
            None,
        ))
        .await
        .unwrap_err();
    assert_eq!(e.kind, SyncErrorKind::Rejected);
    assert_eq!(e.outcome(), Outcome::Failed);
    assert!(
        e.message.contains("Fulfillment is cancelled"),
        "{}",
        e.message
    );
    assert_eq!(event_creates(&bodies(&server).await).len(), 1, "sent once");
}

fn stock(sku: &str, q: i64, key: &str, known: Option<&str>) -> StockPush {
    StockPush {
        channel_sku: sku.into(),
        known: known.map(|id| StockTarget {
            id: id.into(),
            parent: None,
        }),
        quantities: vec![(None, q)],
        idempotency_key: key.into(),
    }
}

#[tokio::test]
async fn shopify_sets_stock_in_one_call_with_an_idempotency_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(GQL))
        .and(body_string_contains("productVariants"))
        .and(body_string_contains("MUG-1"))
        .respond_with(gql(json!({ "productVariants": { "nodes": [
            { "id": "gid://shopify/ProductVariant/1", "sku": "MUG-1", "inventoryItem": { "id": "gid://shopify/InventoryItem/30322695" } } ] } })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(GQL))
        .and(body_string_contains("productVariants"))
        .and(body_string_contains("GONE-1"))
        .respond_with(gql(json!({ "productVariants": { "nodes": [] } })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(GQL))
        .and(body_string_contains("locations(first: 1)"))
        .respond_with(gql(
            json!({ "locations": { "nodes": [{ "id": "gid://shopify/Location/124656943" }] } }),
        ))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(GQL))
        .and(body_string_contains("inventorySetQuantities"))
        .respond_with(gql(json!({ "inventorySetQuantities": {
            "inventoryAdjustmentGroup": { "id": "gid://shopify/InventoryAdjustmentGroup/1" }, "userErrors": [] } })))
        .mount(&server)
        .await;
    let items = vec![
        stock("MUG-1", 7, "stock-1-1-a", None),
        stock(
            "TEA-9",
            0,
            "stock-1-2-a",
            Some("gid://shopify/InventoryItem/44"),
        ),
        stock("GONE-1", 3, "stock-1-3-a", None),
    ];
    let mut c = shopify(&server);
    let r = c.push_stock(&items).await;
    assert_eq!(r.len(), 3);
    let mug = r[0].as_ref().unwrap();
    assert_eq!(
        mug.target,
        Some(StockTarget {
            id: "gid://shopify/InventoryItem/30322695".into(),
            parent: None
        })
    );
    assert!(r[1].is_ok());
    assert!(r[2].as_ref().unwrap().not_listed);
    let got = bodies(&server).await;
    let set: Vec<&Value> = got
        .iter()
        .map(|b| &b.2)
        .filter(|b| {
            b["query"]
                .as_str()
                .unwrap_or("")
                .contains("inventorySetQuantities")
        })
        .collect();
    assert_eq!(set.len(), 1, "one call for the SKUs the shop lists");
    assert!(set[0]["query"]
        .as_str()
        .unwrap()
        .contains("@idempotent(key: $key)"));
    let key = set[0]["variables"]["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with("stock-set-"), "{key}");
    assert_eq!(
        set[0]["variables"]["input"],
        json!({ "name": "available", "reason": "correction", "quantities": [
            { "inventoryItemId": "gid://shopify/InventoryItem/30322695", "locationId": "gid://shopify/Location/124656943", "quantity": 7, "changeFromQuantity": null },
            { "inventoryItemId": "gid://shopify/InventoryItem/44", "locationId": "gid://shopify/Location/124656943", "quantity": 0, "changeFromQuantity": null }
        ] })
    );
    // The same rows again: the same key (the shop answers from its record, nothing twice).
    let _ = c.push_stock(&items[..2]).await;
    let got = bodies(&server).await;
    let keys: Vec<&str> = got
        .iter()
        .filter(|b| {
            b.2["query"]
                .as_str()
                .unwrap_or("")
                .contains("inventorySetQuantities")
        })
        .filter_map(|b| b.2["variables"]["key"].as_str())
        .collect();
    assert_eq!(keys, vec![key.as_str(), key.as_str()]);
}

#[tokio::test]
async fn shopify_stock_refused_for_one_sku_fails_that_sku_alone() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(GQL))
        .and(body_string_contains("inventorySetQuantities"))
        .respond_with(gql(json!({ "inventorySetQuantities": { "inventoryAdjustmentGroup": null, "userErrors": [
            { "code": "INVALID_INVENTORY_ITEM", "field": ["input", "quantities", "1", "inventoryItemId"],
              "message": "The specified inventory item could not be found." } ] } })))
        .mount(&server)
        .await;
    let items = vec![
        StockPush {
            quantities: vec![(Some("gid://shopify/Location/1".into()), 5)],
            ..stock("A", 5, "k-a", Some("gid://shopify/InventoryItem/1"))
        },
        StockPush {
            quantities: vec![(Some("gid://shopify/Location/1".into()), 6)],
            ..stock("B", 6, "k-b", Some("gid://shopify/InventoryItem/2"))
        },
    ];
    let r = shopify(&server).push_stock(&items).await;
    let a = r[0].as_ref().unwrap_err();
    let b = r[1].as_ref().unwrap_err();
    assert_eq!(a.outcome(), Outcome::Later, "sent again without B: {a:?}");
    assert_eq!(b.outcome(), Outcome::Failed);
    assert!(
        b.message.contains("INVALID_INVENTORY_ITEM"),
        "{}",
        b.message
    );
}

// ---------------------------------------------------------------------------------------------
// WooCommerce
// ---------------------------------------------------------------------------------------------

const ORDER: &str = "/wp-json/wc/v3/orders/727";
const TRACKING: &str = "/wp-json/wc-shipment-tracking/v3/orders/727/shipment-trackings";

fn woo_fulfilment(complete: bool) -> Push {
    Push::Fulfilment(FulfilmentPush {
        order: "727".into(),
        carrier: "DHL".into(),
        service: None,
        tracking_number: Some("JJD0099".into()),
        shipped: vec![("MUG-1".into(), 2)],
        complete,
        notify_customer: true,
    })
}

#[tokio::test]
async fn woo_adds_a_tracking_item_when_the_extension_is_there_and_completes_the_order() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(ORDER))
        .respond_with(ok(json!({ "id": 727, "status": "processing" })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(TRACKING))
        .respond_with(ok(json!([])))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(TRACKING))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "tracking_id": "7f4978c390ee633c6294ae0f258656f9", "tracking_provider": "DHL",
            "tracking_number": "JJD0099", "date_shipped": "2026-12-01" })))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(ORDER))
        .respond_with(ok(json!({ "id": 727, "status": "completed" })))
        .mount(&server)
        .await;
    let done = woo(&server).push(&woo_fulfilment(true)).await.unwrap();
    assert_eq!(
        done.external_ref.as_deref(),
        Some("7f4978c390ee633c6294ae0f258656f9")
    );
    let got = bodies(&server).await;
    let writes: Vec<(&str, &str, &Value)> = got
        .iter()
        .filter(|b| b.0 != "GET")
        .map(|b| (b.0.as_str(), b.1.as_str(), &b.2))
        .collect();
    assert_eq!(
        writes,
        vec![
            (
                "POST",
                TRACKING,
                &json!({ "custom_tracking_provider": "DHL", "tracking_number": "JJD0099" })
            ),
            ("PUT", ORDER, &json!({ "status": "completed" })),
        ]
    );
}

#[tokio::test]
async fn woo_without_the_extension_writes_one_customer_note() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(ORDER))
        .respond_with(ok(json!({ "id": 727, "status": "processing" })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(TRACKING))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "code": "rest_no_route", "message": "No route was found matching the URL and request method.", "data": { "status": 404 } })))
        .mount(&server)
        .await;
    // The note is there after the first push.
    Mock::given(method("GET"))
        .and(path(format!("{ORDER}/notes")))
        .respond_with(ok(json!([])))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{ORDER}/notes")))
        .respond_with(ok(json!([{ "id": 281, "note": "Shipped with DHL: tracking number JJD0099", "customer_note": true }])))
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{ORDER}/notes")))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({ "id": 281 })))
        .mount(&server)
        .await;
    let mut c = woo(&server);
    let first = c.push(&woo_fulfilment(false)).await.unwrap();
    assert_eq!(first.external_ref.as_deref(), Some("281"));
    let second = c.push(&woo_fulfilment(false)).await.unwrap();
    assert!(second.note.contains("already"), "{}", second.note);
    let got = bodies(&server).await;
    let posts: Vec<&Value> = got.iter().filter(|b| b.0 == "POST").map(|b| &b.2).collect();
    assert_eq!(
        posts,
        vec![
            &json!({ "note": "Shipped with DHL: tracking number JJD0099", "customer_note": true })
        ]
    );
    assert!(
        got.iter().all(|b| b.0 != "PUT"),
        "not complete: the status stays"
    );
}

#[tokio::test]
async fn woo_cancel_and_a_refusal() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(ORDER))
        .respond_with(ok(json!({ "id": 727, "status": "on-hold" })))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(ORDER))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "code": "woocommerce_rest_shop_order_invalid_status", "message": "Invalid order status.", "data": { "status": 400 } })))
        .mount(&server)
        .await;
    let e = woo(&server)
        .push(&Push::Cancel(CancelPush {
            order: "727".into(),
            reason: String::new(),
            notify_customer: false,
        }))
        .await
        .unwrap_err();
    assert_eq!(e.outcome(), Outcome::Failed);
    assert!(e.message.contains("Invalid order status"), "{}", e.message);
}

const NOTES: &str = "/wp-json/wc/v3/orders/727/notes";

fn note_posts(got: &[(String, String, Value)]) -> Vec<Value> {
    got.iter()
        .filter(|b| b.0 == "POST" && b.1 == NOTES)
        .map(|b| b.2.clone())
        .collect()
}

#[tokio::test]
async fn woo_delivered_writes_one_private_note_and_leaves_the_status() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(NOTES))
        .respond_with(ok(json!([
            { "id": 280, "note": "Shipped with DeutschePost: tracking number JJD0001", "customer_note": true },
            { "id": 279, "note": "In transit: DeutschePost JJD0001 (2026-12-01 18:00 UTC)", "customer_note": false }
        ])))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(NOTES))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({ "id": 281 })))
        .mount(&server)
        .await;
    let done = woo(&server)
        .push(&delivery("727", "JJD0001", "delivered", SCANNED, None))
        .await
        .unwrap();
    assert_eq!(done.external_ref.as_deref(), Some("281"));
    let got = bodies(&server).await;
    assert_eq!(
        note_posts(&got),
        vec![
            json!({ "note": "Delivered: DeutschePost JJD0001 (2026-12-02 10:30 UTC)", "customer_note": false })
        ]
    );
    assert_eq!(got.len(), 2, "one look, one note: {got:?}");
    assert!(
        got.iter().all(|b| b.0 != "PUT" && b.1 != ORDER),
        "the order's status is not touched"
    );
}

#[tokio::test]
async fn woo_delivery_note_retried_is_written_once() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(NOTES))
        .respond_with(ok(json!([])))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    // The shop stored the note, but its answer never came back.
    Mock::given(method("GET"))
        .and(path(NOTES))
        .respond_with(ok(json!([
            { "id": 281, "note": "Delivered: DeutschePost JJD0001 (2026-12-02 10:30 UTC)", "customer_note": false }
        ])))
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(NOTES))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({ "id": 281 }))
                .set_delay(Duration::from_secs(3)),
        )
        .mount(&server)
        .await;
    let push = delivery("727", "JJD0001", "delivered", SCANNED, None);
    let mut c = woo(&server);
    let e = c.push(&push).await.unwrap_err();
    assert_eq!(e.outcome(), Outcome::Later, "{e:?}");
    let second = c.push(&push).await.unwrap();
    assert!(second.note.contains("already"), "{}", second.note);
    assert_eq!(second.external_ref.as_deref(), Some("281"));
    assert_eq!(
        note_posts(&bodies(&server).await).len(),
        1,
        "the timed-out note is not sent again"
    );
}

#[tokio::test]
async fn woo_delivery_problem_note_carries_the_carriers_words() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(NOTES))
        .respond_with(ok(json!([])))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(NOTES))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({ "id": 282 })))
        .mount(&server)
        .await;
    let mut c = woo(&server);
    c.push(&delivery(
        "727",
        "JJD0001",
        "exception",
        SCANNED,
        Some(" Address incomplete, parcel held at the depot "),
    ))
    .await
    .unwrap();
    c.push(&delivery(
        "727",
        "JJD0001",
        "returned_to_sender",
        SCANNED + 86_400_000,
        None,
    ))
    .await
    .unwrap();
    assert_eq!(
        note_posts(&bodies(&server).await),
        vec![
            json!({ "note": "Delivery problem: DeutschePost JJD0001 (2026-12-02 10:30 UTC) — Address incomplete, parcel held at the depot", "customer_note": false }),
            json!({ "note": "Returned to sender: DeutschePost JJD0001 (2026-12-03 10:30 UTC)", "customer_note": false }),
        ]
    );
}

#[tokio::test]
async fn woo_stock_goes_through_the_batch_endpoints() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/wp-json/wc/v3/products"))
        .and(query_param("sku", "MUG-1"))
        .respond_with(ok(
            json!([{ "id": 93, "sku": "MUG-1", "parent_id": 0, "type": "simple" }]),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/wp-json/wc/v3/products"))
        .and(query_param("sku", "TEE-M"))
        .respond_with(ok(
            json!([{ "id": 733, "sku": "TEE-M", "parent_id": 22, "type": "variation" }]),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/wp-json/wc/v3/products"))
        .and(query_param("sku", "NOPE"))
        .respond_with(ok(json!([])))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/wp-json/wc/v3/products/batch"))
        .respond_with(ok(json!({ "update": [
            { "id": 93, "stock_quantity": 4 },
            { "id": 94, "error": { "code": "woocommerce_rest_product_invalid_id", "message": "Invalid ID.", "data": { "status": 400 } } } ] })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/wp-json/wc/v3/products/22/variations/batch"))
        .respond_with(ok(
            json!({ "update": [{ "id": 733, "stock_quantity": 9 }] }),
        ))
        .mount(&server)
        .await;
    let items = vec![
        stock("MUG-1", 4, "k1", None),
        stock("TEE-M", 9, "k2", None),
        stock("NOPE", 1, "k3", None),
        stock("OLD-1", 2, "k4", Some("94")),
    ];
    let r = woo(&server).push_stock(&items).await;
    assert_eq!(
        r[0].as_ref().unwrap().target,
        Some(StockTarget {
            id: "93".into(),
            parent: None
        })
    );
    assert_eq!(
        r[1].as_ref().unwrap().target,
        Some(StockTarget {
            id: "733".into(),
            parent: Some("22".into())
        })
    );
    assert!(r[2].as_ref().unwrap().not_listed);
    let e = r[3].as_ref().unwrap_err();
    assert_eq!(e.outcome(), Outcome::Failed);
    assert!(e.message.contains("Invalid ID"), "{}", e.message);
    let got = bodies(&server).await;
    let batch: Vec<(&str, &Value)> = got
        .iter()
        .filter(|b| b.0 == "POST")
        .map(|b| (b.1.as_str(), &b.2))
        .collect();
    assert_eq!(
        batch,
        vec![
            (
                "/wp-json/wc/v3/products/batch",
                &json!({ "update": [
                { "id": 93, "manage_stock": true, "stock_quantity": 4 },
                { "id": 94, "manage_stock": true, "stock_quantity": 2 } ] })
            ),
            (
                "/wp-json/wc/v3/products/22/variations/batch",
                &json!({ "update": [
                { "id": 733, "manage_stock": true, "stock_quantity": 9 } ] })
            ),
        ]
    );
}

#[tokio::test]
async fn shopify_refunds_through_the_sale_once() {
    let server = MockServer::start().await;
    let order = |refunds: Value| {
        json!({ "order": {
            "id": "gid://shopify/Order/450789469",
            "refunds": refunds,
            "transactions": [
                { "id": "gid://shopify/OrderTransaction/1", "gateway": "shopify_payments", "kind": "AUTHORIZATION", "status": "SUCCESS" },
                { "id": "gid://shopify/OrderTransaction/2", "gateway": "shopify_payments", "kind": "CAPTURE", "status": "SUCCESS" }
            ],
            "lineItems": { "nodes": [
                { "id": "gid://shopify/LineItem/466157049", "sku": "MUG-1" },
                { "id": "gid://shopify/LineItem/518995019", "sku": "TEA-1" }
            ] }
        } })
    };
    Mock::given(method("POST"))
        .and(path(GQL))
        .and(body_string_contains("query OrderRefunds"))
        .respond_with(gql(order(json!([]))))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(GQL))
        .and(body_string_contains("query OrderRefunds"))
        .respond_with(gql(order(json!([{ "id": "gid://shopify/Refund/929361465", "note": "arrived broken (OMS refund 12)" }]))))
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(GQL))
        .and(body_string_contains("refundCreate"))
        .respond_with(gql(json!({ "refundCreate": { "refund": { "id": "gid://shopify/Refund/929361465" }, "userErrors": [] } })))
        .mount(&server)
        .await;
    let push = Push::Refund(RefundPush {
        order: "450789469".into(),
        reference: "OMS refund 12".into(),
        amount_minor: 1_490,
        currency: oms_domain::Currency::parse("EUR").unwrap(),
        shipping_minor: 490,
        lines: vec![("TEA-1".into(), 1, 1_000)],
        reason: "arrived broken".into(),
        notify_customer: true,
    });
    let mut c = shopify(&server);
    let first = c.push(&push).await.unwrap();
    assert_eq!(
        first.external_ref.as_deref(),
        Some("gid://shopify/Refund/929361465")
    );
    assert_eq!(first.note, "refund of 14.90 EUR");
    let again = c.push(&push).await.unwrap();
    assert!(again.note.contains("already"), "{}", again.note);
    let creates: Vec<Value> = bodies(&server)
        .await
        .into_iter()
        .map(|b| b.2)
        .filter(|b| b["query"].as_str().unwrap_or("").contains("refundCreate"))
        .collect();
    assert_eq!(creates.len(), 1, "never twice");
    let input = &creates[0]["variables"]["input"];
    assert_eq!(input["orderId"], json!("gid://shopify/Order/450789469"));
    assert_eq!(input["note"], json!("arrived broken (OMS refund 12)"));
    assert_eq!(input["shipping"], json!({ "amount": "4.90" }));
    assert_eq!(
        input["refundLineItems"],
        json!([{ "lineItemId": "gid://shopify/LineItem/518995019", "quantity": 1, "restockType": "NO_RESTOCK" }])
    );
    assert_eq!(
        input["transactions"],
        json!([{ "orderId": "gid://shopify/Order/450789469", "parentId": "gid://shopify/OrderTransaction/2",
                 "gateway": "shopify_payments", "kind": "REFUND", "amount": "14.90" }])
    );
}

#[tokio::test]
async fn shopify_refuses_a_refund_for_a_sku_it_does_not_have() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(GQL))
        .and(body_string_contains("query OrderRefunds"))
        .respond_with(gql(
            json!({ "order": { "id": "gid://shopify/Order/1", "refunds": [], "transactions": [],
            "lineItems": { "nodes": [{ "id": "gid://shopify/LineItem/1", "sku": "MUG-1" }] } } }),
        ))
        .mount(&server)
        .await;
    let e = shopify(&server)
        .push(&Push::Refund(RefundPush {
            order: "1".into(),
            reference: "OMS refund 3".into(),
            amount_minor: 500,
            currency: oms_domain::Currency::parse("EUR").unwrap(),
            shipping_minor: 0,
            lines: vec![("GONE-1".into(), 1, 500)],
            reason: String::new(),
            notify_customer: false,
        }))
        .await
        .unwrap_err();
    assert_eq!(e.outcome(), Outcome::Failed, "{e:?}");
    assert!(
        e.message.contains("SKU GONE-1 is not a line of order 1"),
        "{}",
        e.message
    );
}
