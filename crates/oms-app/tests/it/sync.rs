//! Channel sync through the application API, against a WooCommerce stand-in on 127.0.0.1
//! (wiremock) and the real OS keyring (the test command runs these inside a D-Bus session with
//! an unlocked GNOME Keyring; see scripts/test.sh).

use crate::fresh;
use oms_app::domain::sync_views::{CredentialsInput, NewConnection};
use oms_app::domain::{ChannelKind, OrderQuery, OrderStatus};
use oms_app::{ErrorCode, RetryPolicy};
use serde_json::{json, Value};
use std::time::Duration;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "cs_7f3a9c1e0b5d4f2a8e6c1b9d0a3f5e7c";

pub(crate) fn policy() -> RetryPolicy {
    RetryPolicy {
        attempts: 3,
        base_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
        max_retry_after: Duration::from_secs(2),
        timeout: Duration::from_secs(2),
    }
}

/// A WooCommerce order as the REST API v3 lists it (the documented shape, trimmed).
pub(crate) fn woo_order(id: i64, modified: &str, status: &str, city: &str) -> Value {
    json!({
        "id": id, "number": id.to_string(), "status": status, "currency": "EUR",
        "date_created_gmt": "2026-11-20T09:00:00", "date_modified_gmt": modified,
        "discount_total": "0.00", "shipping_total": "4.90", "total": "24.80", "total_tax": "3.97",
        "billing": {"first_name": "Jürgen", "last_name": "Müller", "address_1": "Hauptstraße 5", "address_2": "",
                    "city": city, "state": "", "postcode": "04109", "country": "DE",
                    "email": "juergen@example.de", "phone": "+49 341 000"},
        "shipping": {"first_name": "Jürgen", "last_name": "Müller", "company": "", "address_1": "Hauptstraße 5",
                     "address_2": "", "city": city, "state": "", "postcode": "04109", "country": "DE"},
        "line_items": [{"id": id * 10, "name": "Mug &amp; Saucer", "product_id": 93, "variation_id": 0,
                        "quantity": 2, "subtotal": "9.95", "total": "9.95", "sku": "MUG-1", "price": 4.975}],
        "shipping_lines": [{"method_title": "DHL Paket"}],
        "refunds": []
    })
}

pub(crate) async fn woo_server(pages: Vec<Vec<Value>>) -> MockServer {
    let server = MockServer::start().await;
    let total = pages.len();
    for (i, p) in pages.into_iter().enumerate() {
        Mock::given(method("GET"))
            .and(path("/wp-json/wc/v3/orders"))
            .and(query_param("page", (i + 1).to_string()))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("X-WP-TotalPages", total.to_string().as_str())
                    .set_body_json(Value::Array(p)),
            )
            .mount(&server)
            .await;
    }
    server
}

pub(crate) async fn connect(db: &crate::TestDb, server: &MockServer) -> i64 {
    db.api
        .add_connection(&NewConnection {
            kind: ChannelKind::Woocommerce,
            name: "Woo test shop".into(),
            base_url: server.uri(),
            api_version: None,
            page_size: Some(2),
            credentials: CredentialsInput {
                consumer_key: Some("ck_test".into()),
                consumer_secret: Some(SECRET.into()),
                ..Default::default()
            },
        })
        .await
        .expect("add connection")
        .id
}

async fn order_count(db: &crate::TestDb) -> i64 {
    db.api
        .count_orders(&OrderQuery::default())
        .await
        .expect("count")
}

#[tokio::test]
async fn pulls_every_page_keeps_secrets_in_the_keyring_and_a_second_run_changes_nothing() {
    let mut db = fresh().await;
    db.api.set_sync_policy(policy());
    let server = woo_server(vec![
        vec![
            woo_order(1, "2026-11-20T10:00:00", "processing", "Leipzig"),
            woo_order(2, "2026-11-20T10:01:00", "processing", "Leipzig"),
        ],
        vec![
            woo_order(3, "2026-11-20T10:02:00", "on-hold", "Berlin"),
            // The same order again on the next page (it changed while paging): kept once.
            woo_order(2, "2026-11-20T10:01:00", "processing", "Leipzig"),
        ],
        vec![woo_order(4, "2026-11-20T10:03:00", "cancelled", "Köln")],
    ])
    .await;
    let id = connect(&db, &server).await;
    let c = db.api.connection(id).await.expect("connection");
    assert_eq!(c.credentials, vec!["consumer_key", "consumer_secret"]);

    // The secret reads back from the keyring and is used: the test call carries it.
    Mock::given(method("GET"))
        .and(path("/wp-json/wc/v3/system_status"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"environment": {"site_url": "https://shop.example", "version": "9.4.0"}}),
        ))
        .mount(&server)
        .await;
    let t = db.api.test_connection(id).await.expect("test");
    assert!(t.ok, "{t:?}");
    assert!(t.message.contains("shop.example"), "{}", t.message);
    let auth = server
        .received_requests()
        .await
        .expect("requests")
        .iter()
        .find_map(|r| {
            r.headers
                .get("authorization")
                .map(|v| v.to_str().unwrap_or("").to_owned())
        })
        .expect("basic auth sent");
    assert!(auth.starts_with("Basic "), "{auth}");

    let r = db.api.sync_connection(id, &|_| {}).await.expect("sync");
    assert_eq!(r.pages, 3);
    assert_eq!(r.fetched, 5);
    assert_eq!(r.imported, 4, "{r:?}");
    assert_eq!(r.quarantined, 0);
    assert_eq!(order_count(&db).await, 4);
    let page = db
        .api
        .list_orders(&OrderQuery::default())
        .await
        .expect("list");
    let cancelled = page
        .rows
        .iter()
        .find(|o| o.order_number == "4")
        .expect("order 4");
    assert_eq!(cancelled.status, OrderStatus::Cancelled);
    let c = db.api.connection(id).await.expect("connection");
    assert_eq!(
        c.cursor,
        Some(oms_app::domain::parse_instant("2026-11-20T10:03:00Z").expect("t"))
    );
    assert!(c.last_error.is_none());
    assert_eq!(c.orders, 4);

    // Again: every payload was seen, nothing changes.
    let again = db
        .api
        .sync_connection(id, &|_| {})
        .await
        .expect("sync again");
    assert_eq!((again.imported, again.updated), (0, 0), "{again:?}");
    assert_eq!(again.unchanged, 5);
    assert_eq!(order_count(&db).await, 4);

    // No secret in the database file.
    let path = db.api.db_path().to_owned();
    db.api.clone().close().await;
    let mut bytes = std::fs::read(&path).expect("db");
    if let Ok(wal) = std::fs::read(path.with_extension("sqlite-wal")) {
        bytes.extend(wal);
    }
    assert!(
        !bytes.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()),
        "the secret is in the database"
    );
    db.api = oms_app::Api::open(&path, oms_app::Actor::user("tester"))
        .await
        .expect("reopen");
    db.api
        .remove_connection(id)
        .await
        .expect_err("has orders: refused");
}

#[tokio::test]
async fn a_bad_record_is_quarantined_and_the_rest_imported_then_retried() {
    let mut db = fresh().await;
    db.api.set_sync_policy(policy());
    let mut broken = woo_order(11, "2026-11-21T08:00:00", "processing", "Leipzig");
    broken["currency"] = json!("EURO");
    let server = woo_server(vec![vec![
        woo_order(10, "2026-11-21T07:59:00", "processing", "Leipzig"),
        broken,
        json!({"status": "processing"}),
    ]])
    .await;
    let id = connect(&db, &server).await;
    let r = db.api.sync_connection(id, &|_| {}).await.expect("sync");
    assert_eq!((r.imported, r.quarantined), (1, 2), "{r:?}");
    let q = db.api.quarantined(Some(id)).await.expect("quarantine");
    assert_eq!(q.len(), 2);
    assert!(
        q.iter()
            .any(|x| x.external_id == "11" && x.error.contains("currency")),
        "{q:?}"
    );
    assert!(q.iter().any(|x| x.error.contains("without an id")), "{q:?}");
    // Retrying does not help a payload that is still wrong; dismissing clears the queue.
    let bad = q.iter().find(|x| x.external_id == "11").expect("11");
    let retry = db.api.retry_quarantined(bad.id).await.expect("retry");
    assert!(!retry.imported);
    db.api
        .dismiss_quarantined(&q.iter().map(|x| x.id).collect::<Vec<_>>())
        .await
        .expect("dismiss");
    assert!(db.api.quarantined(Some(id)).await.expect("q").is_empty());
    assert_eq!(order_count(&db).await, 1);
}

#[tokio::test]
async fn a_newer_version_updates_and_a_restart_before_the_cursor_moved_duplicates_nothing() {
    let mut db = fresh().await;
    db.api.set_sync_policy(policy());
    let server = woo_server(vec![vec![
        woo_order(21, "2026-11-22T08:00:00", "processing", "Leipzig"),
        woo_order(22, "2026-11-22T08:01:00", "processing", "Leipzig"),
    ]])
    .await;
    let id = connect(&db, &server).await;
    db.api.sync_connection(id, &|_| {}).await.expect("sync");
    // The app stopped after importing but before the cursor moved: the page comes again.
    db.api.reset_sync_cursor(id, None).await.expect("reset");
    let again = db.api.sync_connection(id, &|_| {}).await.expect("again");
    assert_eq!((again.imported, again.updated, again.unchanged), (0, 0, 2));
    assert_eq!(order_count(&db).await, 2);

    // The customer changed the address on the shop; an older copy arrives as well.
    server.reset().await;
    let newer = woo_order(21, "2026-11-22T09:00:00", "processing", "Dresden");
    let older = woo_order(22, "2026-11-22T07:00:00", "cancelled", "Leipzig");
    let server2 = woo_server(vec![vec![newer, older]]).await;
    db.api
        .update_connection(
            id,
            &oms_app::ConnectionPatch {
                base_url: Some(server2.uri()),
                ..Default::default()
            },
        )
        .await
        .expect("base url");
    let r = db
        .api
        .sync_connection(id, &|_| {})
        .await
        .expect("sync changes");
    assert_eq!((r.imported, r.updated), (0, 1), "{r:?}");
    let rows = db
        .api
        .list_orders(&OrderQuery::default())
        .await
        .expect("list")
        .rows;
    let o21 = rows.iter().find(|o| o.order_number == "21").expect("21");
    let o22 = rows.iter().find(|o| o.order_number == "22").expect("22");
    let detail = db.api.get_order(o21.id).await.expect("detail");
    assert_eq!(
        detail.ship_to.as_ref().map(|a| a.city.as_str()),
        Some("Dresden")
    );
    let summaries: Vec<&String> = detail.timeline.iter().map(|e| &e.summary).collect();
    assert!(
        summaries.iter().any(|e| e.contains("newer version")
            && e.contains("ship-to now Hauptstraße 5, 04109 Dresden")),
        "{summaries:?}"
    );
    assert_ne!(
        o22.status,
        OrderStatus::Cancelled,
        "an older version never overwrites"
    );

    // Retention: older payloads go, the newest of each order stays; the page again changes
    // nothing.
    assert_eq!(db.api.prune_inbox(0).await.expect("prune"), 2);
    assert_eq!(db.api.prune_inbox(0).await.expect("prune again"), 0);
    db.api.reset_sync_cursor(id, None).await.expect("reset");
    let r = db.api.sync_connection(id, &|_| {}).await.expect("again");
    assert_eq!((r.imported, r.updated, r.unchanged), (0, 0, 2), "{r:?}");
    assert!(db.api.prune_inbox(-1).await.is_err());
}

#[tokio::test]
async fn a_failing_server_is_recorded_on_the_connection_and_the_circuit_opens() {
    let mut db = fresh().await;
    db.api.set_sync_policy(policy());
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).set_body_string("maintenance"))
        .mount(&server)
        .await;
    let id = connect(&db, &server).await;
    for _ in 0..3 {
        let e = db.api.sync_connection(id, &|_| {}).await.expect_err("503");
        assert_eq!(e.code, ErrorCode::ChannelUnavailable);
        assert!(e.message.contains("503"), "{}", e.message);
    }
    let c = db.api.connection(id).await.expect("connection");
    assert_eq!(c.circuit, "open");
    assert_eq!(c.failures, 3);
    assert!(c
        .last_error
        .as_deref()
        .unwrap_or("")
        .contains("maintenance"));
    // 3 tries per run, 3 runs: bounded.
    assert_eq!(server.received_requests().await.expect("r").len(), 9);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_supervisor_pulls_each_enabled_connection_and_stops_its_worker_when_paused() {
    let mut db = fresh().await;
    db.api.set_sync_policy(policy());
    let server = woo_server(vec![vec![
        woo_order(31, "2026-11-23T08:00:00", "processing", "Leipzig"),
        woo_order(32, "2026-11-23T08:01:00", "processing", "Leipzig"),
    ]])
    .await;
    let id = connect(&db, &server).await;
    let sup = oms_app::SyncSupervisor::start(
        db.api.clone(),
        oms_app::SupervisorTiming {
            interval: Duration::from_millis(100),
            retry: Duration::from_millis(100),
            open_circuit: Duration::from_millis(500),
            reconcile: Duration::from_millis(30),
            outbox: Duration::from_millis(50),
        },
    );
    // Bounded: at most 10 s for two runs.
    for _ in 0..200 {
        if sup.runs(id) >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(sup.runs(id) >= 2, "runs: {}", sup.runs(id));
    assert_eq!(order_count(&db).await, 2);
    assert_eq!(sup.running(), vec![id]);

    db.api
        .update_connection(
            id,
            &oms_app::ConnectionPatch {
                paused: Some(true),
                ..Default::default()
            },
        )
        .await
        .expect("pause");
    for _ in 0..100 {
        if sup.running().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        sup.running().is_empty(),
        "a paused connection has no worker"
    );
    let n = sup.runs(id);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(sup.runs(id), n, "no run while paused");
    sup.stop(Duration::from_secs(2)).await;
    assert!(sup.running().is_empty());
    assert_eq!(order_count(&db).await, 2, "nothing pulled twice");
}
