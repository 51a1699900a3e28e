//! Fulfilment through the application API on real SQLite files: a location's queue, a pick
//! batch and its pick list (by bin), packing slips (screen and PDF), packing with
//! scan-to-verify, a partial shipment, a label for a packed parcel (its preset's size sent),
//! tracking that goes back and forth to delivered, a voided label, rate rules.

use crate::carriers::{located, shipment_id};
use crate::fresh;
use crate::pipeline::{order, receive};
use crate::sync::policy;
use oms_app::domain::carrier_views::*;
use oms_app::domain::fulfil_views::*;
use oms_app::domain::*;
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn id_of(api: &oms_app::Api, number: &str) -> i64 {
    api.list_orders(&OrderQuery::default())
        .await
        .expect("list")
        .rows
        .into_iter()
        .find(|r| r.order_number == number)
        .expect("order")
        .id
}

fn scan(code: &str, q: i64) -> Scan {
    Scan {
        code: code.into(),
        quantity: q,
    }
}

fn pack(order: i64, loc: i64, scans: Vec<Scan>, partial: bool) -> PackInput {
    PackInput {
        order_id: order,
        location_id: loc,
        scans,
        partial,
        preset_id: None,
        weight_g: None,
        batch_id: None,
    }
}

/// An EasyPost account at the stand-in (its key goes to the real keyring).
pub(crate) async fn easypost(api: &oms_app::Api, base: &str) {
    api.add_carrier_account(&NewCarrierAccount {
        kind: "easypost".into(),
        name: "EP".into(),
        base_url: base.into(),
        api_key: "EZTK_k".into(),
    })
    .await
    .expect("account");
}

/// The stand-in's answers for one carrier shipment: made, looked at, bought, its label file.
pub(crate) async fn mount_shipment(server: &MockServer, base: &str, id: &str) {
    Mock::given(method("POST"))
        .and(path("/v2/shipments"))
        .respond_with(ResponseTemplate::new(201).set_body_json(shipment_id(base, id, false)))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v2/shipments/{id}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(shipment_id(base, id, false)))
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/v2/shipments/{id}/buy")))
        .respond_with(ResponseTemplate::new(200).set_body_json(shipment_id(base, id, true)))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/files/{id}.pdf")))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(b"%PDF".to_vec()))
        .mount(server)
        .await;
}

#[tokio::test]
async fn batch_pick_pack_and_a_partial_shipment() {
    let db = fresh().await;
    let api = &db.api;
    let wh = located(api, "Leipzig", "Leipzig").await;
    for (sku, n) in [("MUG-1", 10), ("TEE-M", 10), ("CAP-1", 10)] {
        receive(api, sku, wh, n).await;
    }
    api.set_bin("TEE-M", wh, Some("A-01")).await.expect("bin");
    api.set_bin("MUG-1", wh, Some("B-07")).await.expect("bin");
    api.import_orders(
        &[
            order("1", "anna@example.de", &[("MUG-1", 2), ("TEE-M", 1)]),
            order("22", "ben@example.de", &[("TEE-M", 2), ("CAP-1", 1)]),
            order("333", "cem@example.de", &[("CAP-1", 1)]),
        ],
        "test",
    )
    .await
    .expect("import");
    api.process_pending(&|_| {}).await.expect("process");
    let (a, b, c) = (
        id_of(api, "#1").await,
        id_of(api, "#22").await,
        id_of(api, "#333").await,
    );

    let q = api.fulfilment_queue(wh, false, None).await.expect("queue");
    assert_eq!(q.total, 3);
    assert_eq!(q.rows.iter().map(|r| r.units).sum::<i64>(), 7);

    // A batch of two; the third stays in the queue.
    let batch = api.create_batch(wh, &[a, b], None).await.expect("batch");
    assert_eq!(batch.orders.len(), 2);
    assert_eq!(batch.status, "open");
    let q = api.fulfilment_queue(wh, false, None).await.expect("queue");
    assert_eq!(
        q.rows.iter().map(|r| r.order_id).collect::<Vec<_>>(),
        vec![c]
    );
    let e = api.create_batch(wh, &[a], None).await.expect_err("twice");
    assert!(e.message.contains("already in batch"), "{}", e.message);

    // The pick list walks the bins, products without a bin last, and sums per product.
    let p = api.pick_list(batch.id).await.expect("pick list");
    let rows: Vec<(Option<&str>, &str, i64)> = p
        .rows
        .iter()
        .map(|r| (r.bin.as_deref(), r.sku.as_str(), r.quantity))
        .collect();
    assert_eq!(
        rows,
        vec![
            (Some("A-01"), "TEE-M", 3),
            (Some("B-07"), "MUG-1", 2),
            (None, "CAP-1", 1)
        ]
    );
    assert_eq!(p.rows[0].orders.len(), 2);
    assert_eq!(p.units, 6);
    let file = api
        .save_pick_list_pdf(batch.id, "de", None)
        .await
        .expect("pdf");
    let bytes = std::fs::read(&file).expect("read pdf");
    assert!(bytes.starts_with(b"%PDF-1.4"));
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("(Pickliste B"), "German title");
    assert!(text.contains("(A-01) Tj"));
    let slips = api
        .save_packing_slips_pdf(Some(batch.id), None, "en", None)
        .await
        .expect("slips");
    let bytes = std::fs::read(&slips).expect("read");
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("/Count 2"), "one page per order");
    assert!(text.contains("(Packing slip #1) Tj"));

    // Scan-to-verify: a wrong code and too many are flagged and nothing is packed.
    let r = api
        .pack_order(&pack(a, wh, vec![scan("MUG-1", 3), scan("HAT", 1)], false))
        .await
        .expect("check");
    assert!(r.parcel.is_none());
    assert!(!r.check.ok);
    assert_eq!(r.check.unknown_codes, vec!["HAT".to_owned()]);
    assert!(
        r.check
            .problems
            .iter()
            .any(|p| p == "MUG-1: 3 scanned, 2 to pack"),
        "{:?}",
        r.check.problems
    );
    // Missing units: not packed unless asked for a partial parcel.
    let r = api
        .pack_order(&pack(a, wh, vec![scan("mug-1", 2)], false))
        .await
        .expect("check");
    assert!(r.parcel.is_none() && r.check.partial_ok);
    let r = api
        .pack_order(&pack(a, wh, vec![scan("mug-1", 2)], true))
        .await
        .expect("pack");
    let parcel = r.parcel.expect("parcel");
    assert_eq!(parcel.units, 2);
    assert_eq!(
        api.batch(batch.id).await.expect("b").orders[0].state,
        "packed"
    );

    // Ship the packed parcel with a tracking number typed in: a partial shipment.
    let units = api
        .ship_parcel(parcel.id, "DPD", Some("0123456789"))
        .await
        .expect("ship");
    assert_eq!(units, 2);
    let d = api.get_order(a).await.expect("detail");
    assert_eq!(d.order.status, OrderStatus::PartiallyShipped);
    let tee = d.lines.iter().find(|l| l.sku == "TEE-M").expect("tee");
    assert_eq!(
        tee.reservations.iter().map(|r| r.quantity).sum::<i64>(),
        1,
        "the rest stays reserved"
    );
    let ships = api.shipments(a).await.expect("shipments");
    assert_eq!(ships.len(), 1);
    assert_eq!((ships[0].units, ships[0].carrier.as_str()), (2, "DPD"));
    assert!(ships[0]
        .tracking_url
        .as_deref()
        .is_some_and(|u| u.contains("0123456789")));
    assert!(
        d.timeline
            .iter()
            .any(|e| e.summary == "Packed 2 units (parcel 1)"),
        "{:?}",
        d.timeline.iter().map(|e| &e.summary).collect::<Vec<_>>()
    );
    // The order left the batch; the rest ships later from the queue.
    assert_eq!(
        api.batch(batch.id).await.expect("b").orders[0].state,
        "shipped"
    );
    let slip = api.packing_slip(a, wh).await.expect("slip");
    assert_eq!(slip.lines.len(), 1);
    assert_eq!(
        (slip.lines[0].sku.as_str(), slip.lines[0].quantity),
        ("TEE-M", 1)
    );

    // Second parcel: everything left, by barcode-less SKU.
    let r = api
        .pack_order(&pack(a, wh, vec![scan("TEE-M", 1)], false))
        .await
        .expect("pack 2");
    let p2 = r.parcel.expect("parcel 2");
    api.ship_parcel(p2.id, "DPD", Some("0123456790"))
        .await
        .expect("ship 2");
    assert_eq!(
        api.get_order(a).await.expect("d").order.status,
        OrderStatus::Shipped
    );

    // The other order packs complete; unpacking puts it back.
    let r = api
        .pack_order(&pack(
            b,
            wh,
            vec![scan("TEE-M", 2), scan("CAP-1", 1)],
            false,
        ))
        .await
        .expect("pack b");
    let pb = r.parcel.expect("parcel b");
    api.unpack_parcel(pb.id).await.expect("unpack");
    assert_eq!(
        api.batch(batch.id).await.expect("b").orders[1].state,
        "waiting"
    );
    api.close_batch(batch.id).await.expect("close");
    let q = api.fulfilment_queue(wh, false, None).await.expect("queue");
    assert_eq!(
        q.rows.len(),
        2,
        "closing a batch puts its unshipped orders back"
    );
    assert_eq!(
        api.check_inventory().await.expect("check"),
        Vec::<String>::new()
    );
}

fn tracker(status: &str, details: &[(&str, &str, &str)]) -> Value {
    json!({
        "id": "trk_1", "object": "Tracker", "tracking_code": "JJD-shp_t", "carrier": "DeutschePost",
        "status": status, "est_delivery_date": "2026-11-21T00:00:00Z",
        "tracking_details": details.iter().map(|(at, st, msg)| json!({
            "datetime": at, "status": st, "message": msg,
            "tracking_location": { "city": "Leipzig", "country": "DE" }
        })).collect::<Vec<_>>(),
    })
}

#[tokio::test]
async fn a_packed_parcel_gets_its_label_and_is_tracked_to_delivery() {
    let mut db = fresh().await;
    db.api.set_sync_policy(policy());
    let api = &db.api;
    let server = MockServer::start().await;
    let base = server.uri();
    let wh = located(api, "Leipzig", "Leipzig").await;
    receive(api, "MUG-1", wh, 10).await;
    api.import_orders(&[order("7", "anna@example.de", &[("MUG-1", 2)])], "test")
        .await
        .expect("import");
    api.process_pending(&|_| {}).await.expect("process");
    let id = id_of(api, "#7").await;
    easypost(api, &base).await;
    let presets = api
        .save_parcel_preset(&ParcelPreset {
            id: 0,
            name: "Box S".into(),
            length_mm: 250,
            width_mm: 175,
            height_mm: 100,
            tare_g: 150,
            max_g: None,
        })
        .await
        .expect("preset");
    let batch = api.create_batch(wh, &[id], None).await.expect("batch");
    assert!(
        api.save_batch_labels(batch.id, None).await.is_err(),
        "no labels yet"
    );
    let mut input = pack(id, wh, vec![scan("MUG-1", 2)], false);
    input.preset_id = Some(presets[0].id);
    input.batch_id = Some(batch.id);
    let parcel = api
        .pack_order(&input)
        .await
        .expect("pack")
        .parcel
        .expect("parcel");

    mount_shipment(&server, &base, "shp_t").await;
    // Rules: prefer DHL Express for Germany, up to 2 kg.
    api.save_rate_rules(&RateRules {
        rule: RateRule::Cheapest,
        deliver_within_days: None,
        preferred: vec![PreferredCarrier {
            carrier: "DHLExpress".into(),
            countries: vec!["de".into()],
            max_weight_g: Some(2000),
        }],
    })
    .await
    .expect("rules");
    let (q, pick) = api.pick_rate(id).await.expect("pick");
    // 2 × 500 g (no weight on the product) + the box's 150 g.
    assert_eq!(q.weight_g, 1150);
    let pick = pick.expect("a pick");
    assert_eq!(pick.quote.carrier, "DHLExpress");
    let sent: Value = serde_json::from_slice(&server.received_requests().await.expect("r")[0].body)
        .expect("json");
    assert_eq!(
        sent["shipment"]["parcel"]["length"],
        json!(9.9),
        "250 mm in inches, rounded up"
    );
    let l = api.buy_label_by_rule(id).await.expect("label");
    assert_eq!(l.units, 2);
    let d = api.get_order(id).await.expect("detail");
    assert_eq!(d.order.status, OrderStatus::Shipped);
    let ev = d
        .timeline
        .iter()
        .find(|e| e.summary.starts_with("Label bought"))
        .expect("label event");
    assert!(
        ev.detail
            .as_deref()
            .is_some_and(|x| x.starts_with("preferred carrier DHLExpress for DE up to 2000 g")),
        "{:?}",
        ev.detail
    );
    assert_eq!(
        api.parcel(parcel.id).await.expect("parcel").status,
        "shipped"
    );

    // Tracking goes back and forth: in transit, an exception, in transit again, delivered.
    let steps = [
        (
            "in_transit",
            vec![
                ("2026-11-19T08:00:00Z", "pre_transit", "Label created"),
                ("2026-11-19T18:00:00Z", "in_transit", "Picked up"),
            ],
        ),
        (
            "failure",
            vec![
                ("2026-11-19T18:00:00Z", "in_transit", "Picked up"),
                ("2026-11-20T07:00:00Z", "failure", "Address not found"),
            ],
        ),
        (
            "in_transit",
            vec![
                ("2026-11-20T07:00:00Z", "failure", "Address not found"),
                ("2026-11-20T12:00:00Z", "in_transit", "Address corrected"),
            ],
        ),
        (
            "delivered",
            vec![
                ("2026-11-21T10:30:00Z", "delivered", "Delivered"),
                ("2026-11-20T12:00:00Z", "in_transit", "Address corrected"),
            ],
        ),
    ];
    let mut statuses = Vec::new();
    for (i, (st, details)) in steps.iter().enumerate() {
        server.reset().await;
        Mock::given(method("GET"))
            .and(path("/v2/trackers/trk_1"))
            .respond_with(ResponseTemplate::new(200).set_body_json(tracker(st, details)))
            .mount(&server)
            .await;
        let r = api.poll_tracking(true).await.expect("poll");
        assert_eq!((r.asked, r.failed), (1, 0), "{:?}", r.problems);
        let s = &api.shipments(id).await.expect("s")[0];
        statuses.push(s.tracking_status.clone().unwrap_or_default());
        if i == 1 {
            assert_eq!(r.exceptions, 1);
            let problems = api.tracking_problems(None).await.expect("problems");
            assert_eq!(problems.len(), 1, "the exception surfaces");
        }
        if i == 3 {
            assert_eq!(r.delivered, 1);
        }
    }
    assert_eq!(
        statuses,
        vec!["in_transit", "exception", "in_transit", "delivered"]
    );
    let s = &api.shipments(id).await.expect("s")[0];
    let scans: Vec<&str> = s.events.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        scans,
        vec![
            "Label created",
            "Picked up",
            "Address not found",
            "Address corrected",
            "Delivered"
        ],
        "each scan once, oldest first"
    );
    let d = api.get_order(id).await.expect("detail");
    assert_eq!(d.order.status, OrderStatus::Delivered);
    assert!(api.tracking_problems(None).await.expect("p").is_empty());
    // Delivered: no more polling.
    assert_eq!(api.poll_tracking(true).await.expect("poll").asked, 0);
}

#[tokio::test]
async fn a_voided_label_puts_the_units_back() {
    let mut db = fresh().await;
    db.api.set_sync_policy(policy());
    let api = &db.api;
    let server = MockServer::start().await;
    let base = server.uri();
    let wh = located(api, "Leipzig", "Leipzig").await;
    receive(api, "MUG-1", wh, 3).await;
    api.import_orders(&[order("9", "anna@example.de", &[("MUG-1", 2)])], "test")
        .await
        .expect("import");
    api.process_pending(&|_| {}).await.expect("process");
    let id = id_of(api, "#9").await;
    easypost(api, &base).await;
    for (m, p, body) in [
        (
            "POST",
            "/v2/shipments".to_owned(),
            shipment_id(&base, "shp_v", false),
        ),
        (
            "GET",
            "/v2/shipments/shp_v".to_owned(),
            shipment_id(&base, "shp_v", false),
        ),
        (
            "POST",
            "/v2/shipments/shp_v/buy".to_owned(),
            shipment_id(&base, "shp_v", true),
        ),
    ] {
        Mock::given(method(m))
            .and(path(p))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path("/files/shp_v.pdf"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(b"%PDF".to_vec()))
        .mount(&server)
        .await;
    api.buy_label_by_rule(id).await.expect("label");
    let s = api.shipments(id).await.expect("s")[0].clone();
    Mock::given(method("POST"))
        .and(path("/v2/shipments/shp_v/refund"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "id": "shp_v", "refund_status": "submitted" })),
        )
        .expect(1)
        .mount(&server)
        .await;
    let v = api.void_label(s.id).await.expect("void");
    assert_eq!((v.units, v.refund.as_str()), (2, "pending"));
    let d = api.get_order(id).await.expect("detail");
    assert_eq!(d.order.status, OrderStatus::Allocated);
    assert_eq!(d.lines[0].quantities.shipped, 0);
    assert_eq!(
        d.lines[0]
            .reservations
            .iter()
            .map(|r| r.quantity)
            .sum::<i64>(),
        2
    );
    assert!(d
        .timeline
        .iter()
        .any(|e| e.summary.starts_with("Label voided")));
    assert!(api.shipments(id).await.expect("s")[0].voided);
    assert_eq!(
        api.check_inventory().await.expect("check"),
        Vec::<String>::new()
    );
    let again = api.void_label(s.id).await.expect_err("twice");
    assert_eq!(again.code, oms_app::ErrorCode::Conflict);
    // It can ship again.
    assert_eq!(
        api.fulfilment_queue(wh, false, None)
            .await
            .expect("q")
            .total,
        1
    );
}

#[tokio::test]
async fn live_quotes_feed_the_routing_rules_cost_estimates() {
    use wiremock::matchers::body_string_contains;
    let mut db = fresh().await;
    db.api.set_sync_policy(policy());
    let api = &db.api;
    let server = MockServer::start().await;
    let base = server.uri();
    let leipzig = located(api, "Leipzig", "Leipzig").await;
    let berlin = located(api, "Berlin", "Berlin").await;
    easypost(api, &base).await;
    // The stand-in quotes by where the parcel leaves from: Berlin is cheaper.
    for (city, id, amount) in [("Berlin", "shp_b", "3.10"), ("Leipzig", "shp_l", "5.49")] {
        let mut body = shipment_id(&base, id, false);
        body["rates"] = json!([{ "id": format!("rate_{id}"), "object": "Rate", "carrier": "DeutschePost", "service": "Paket",
                                 "rate": amount, "currency": "EUR", "delivery_days": 2, "shipment_id": id }]);
        Mock::given(method("POST"))
            .and(path("/v2/shipments"))
            .and(body_string_contains(format!(
                "\"from_address\":{{\"city\":\"{city}\""
            )))
            .respond_with(ResponseTemplate::new(201).set_body_json(body))
            .mount(&server)
            .await;
    }
    receive(api, "MUG-1", leipzig, 2).await;
    api.import_orders(&[order("1", "a@example.de", &[("MUG-1", 2)])], "test")
        .await
        .expect("import");
    api.process_pending(&|_| {}).await.expect("process");
    let q = api
        .quote_order(id_of(api, "#1").await)
        .await
        .expect("quote leipzig");
    assert_eq!(q.quotes[0].amount_minor, 549);
    receive(api, "TEA-1", berlin, 2).await;
    api.import_orders(&[order("22", "b@example.de", &[("TEA-1", 2)])], "test")
        .await
        .expect("import");
    api.process_pending(&|_| {}).await.expect("process");
    let q = api
        .quote_order(id_of(api, "#22").await)
        .await
        .expect("quote berlin");
    assert_eq!(q.quotes[0].amount_minor, 310);

    // Now both have the mug; the lowest-cost rule has no imported rates, only the live quotes.
    receive(api, "MUG-1", leipzig, 2).await;
    receive(api, "MUG-1", berlin, 2).await;
    let mut s = api.pipeline_settings().await.expect("settings");
    s.routing.enabled = true;
    s.routing.rules.fallback.rank = vec![oms_app::engine::route::Ranker::LowestCost];
    api.save_pipeline_settings(&s).await.expect("save");
    api.import_orders(&[order("333", "c@example.de", &[("MUG-1", 2)])], "test")
        .await
        .expect("import");
    api.process_pending(&|_| {}).await.expect("process");
    let d = api
        .get_order(id_of(api, "#333").await)
        .await
        .expect("detail");
    assert_eq!(
        d.lines[0].reservations[0].location_name, "Berlin",
        "cheaper by the live quote"
    );
    let r = d.routing.expect("routing");
    assert_eq!(r.cost_minor, Some(310), "{}", r.explanation);
}

/// A purchase whose answer is lost after the carrier charged, then the user buys again (the
/// app quotes a new carrier shipment): the first purchase is finished, nothing is bought twice.
#[tokio::test]
async fn a_lost_purchase_is_finished_by_the_next_not_bought_again() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Arc;
    use wiremock::{Request, Respond};
    struct Creates(AtomicUsize, String);
    impl Respond for Creates {
        fn respond(&self, _: &Request) -> ResponseTemplate {
            let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
            ResponseTemplate::new(201).set_body_json(shipment_id(
                &self.1,
                &format!("shp_{n}"),
                false,
            ))
        }
    }
    struct Get(Arc<AtomicBool>, String);
    impl Respond for Get {
        fn respond(&self, r: &Request) -> ResponseTemplate {
            let id = r.url.path().trim_start_matches("/v2/shipments/").to_owned();
            let bought = id == "shp_1" && self.0.load(Ordering::SeqCst);
            ResponseTemplate::new(200).set_body_json(shipment_id(&self.1, &id, bought))
        }
    }
    struct Buy(Arc<AtomicBool>, String);
    impl Respond for Buy {
        fn respond(&self, _: &Request) -> ResponseTemplate {
            // Charged, but the answer comes after the client gave up.
            self.0.store(true, Ordering::SeqCst);
            ResponseTemplate::new(200)
                .set_body_json(shipment_id(&self.1, "shp_1", true))
                .set_delay(std::time::Duration::from_secs(3))
        }
    }
    let mut db = fresh().await;
    db.api.set_sync_policy(policy());
    let api = &db.api;
    let server = MockServer::start().await;
    let base = server.uri();
    let wh = located(api, "Leipzig", "Leipzig").await;
    receive(api, "MUG-1", wh, 5).await;
    api.import_orders(&[order("5", "a@example.de", &[("MUG-1", 1)])], "test")
        .await
        .expect("import");
    api.process_pending(&|_| {}).await.expect("process");
    let id = id_of(api, "#5").await;
    easypost(api, &base).await;
    let bought = Arc::new(AtomicBool::new(false));
    Mock::given(method("POST"))
        .and(path("/v2/shipments"))
        .respond_with(Creates(AtomicUsize::new(0), base.clone()))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2/shipments/shp_1/buy"))
        .respond_with(Buy(bought.clone(), base.clone()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2/shipments/shp_2/buy"))
        .respond_with(ResponseTemplate::new(200).set_body_json(shipment_id(&base, "shp_2", true)))
        .expect(0)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(wiremock::matchers::path_regex(r"^/v2/shipments/shp_\d+$"))
        .respond_with(Get(bought.clone(), base.clone()))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(wiremock::matchers::path_regex(r"^/files/"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(b"%PDF".to_vec()))
        .mount(&server)
        .await;
    let e = api
        .buy_label_by_rule(id)
        .await
        .expect_err("the answer is lost");
    assert_eq!(
        e.code,
        oms_app::ErrorCode::ChannelUnavailable,
        "{}",
        e.message
    );
    assert_eq!(
        api.get_order(id).await.expect("d").order.status,
        OrderStatus::Allocated
    );
    // Again: the app quotes shp_2, but finishes the purchase of shp_1.
    let l = api.buy_label_by_rule(id).await.expect("finished");
    assert!(!l.new_purchase, "found bought, not bought again");
    assert_eq!(
        api.get_order(id).await.expect("d").order.status,
        OrderStatus::Shipped
    );
    assert_eq!(api.shipments(id).await.expect("s").len(), 1);
}

#[tokio::test]
async fn a_packed_order_cancelled_gets_no_label_and_leaves_its_batch() {
    let mut db = fresh().await;
    db.api.set_sync_policy(policy());
    let api = &db.api;
    let server = MockServer::start().await;
    let base = server.uri();
    let wh = located(api, "Leipzig", "Leipzig").await;
    receive(api, "MUG-1", wh, 5).await;
    api.import_orders(&[order("6", "a@example.de", &[("MUG-1", 1)])], "test")
        .await
        .expect("import");
    api.process_pending(&|_| {}).await.expect("process");
    let id = id_of(api, "#6").await;
    easypost(api, &base).await;
    Mock::given(method("POST"))
        .and(path("/v2/shipments"))
        .respond_with(ResponseTemplate::new(201).set_body_json(shipment_id(&base, "shp_c", false)))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/shipments/shp_c"))
        .respond_with(ResponseTemplate::new(200).set_body_json(shipment_id(&base, "shp_c", false)))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2/shipments/shp_c/buy"))
        .respond_with(ResponseTemplate::new(200).set_body_json(shipment_id(&base, "shp_c", true)))
        .expect(0)
        .mount(&server)
        .await;
    let batch = api.create_batch(wh, &[id], None).await.expect("batch");
    let mut input = pack(id, wh, vec![scan("MUG-1", 1)], false);
    input.batch_id = Some(batch.id);
    let parcel = api
        .pack_order(&input)
        .await
        .expect("pack")
        .parcel
        .expect("parcel");
    // A quote was taken, then the customer cancelled.
    let q = api.quote_order(id).await.expect("quote");
    let r = api
        .cancel_orders(&[id], "customer changed their mind", &|_| {})
        .await
        .expect("cancel");
    assert_eq!(r.failed_count, 0);
    assert_eq!(api.parcel(parcel.id).await.expect("p").status, "unpacked");
    assert_eq!(
        api.batch(batch.id).await.expect("b").orders[0].state,
        "removed"
    );
    let e = api
        .buy_label(
            id,
            q.quotes[0].account_id,
            &q.quotes[0].carrier_shipment_id,
            &q.quotes[0].rate_id,
        )
        .await
        .expect_err("no label for a cancelled order");
    assert_eq!(e.code, oms_app::ErrorCode::Conflict, "{}", e.message);
    assert!(e.message.contains("cancelled"), "{}", e.message);
    // Nothing was bought, so nothing is left pending: a later purchase is not blocked by it.
    assert!(api.shipments(id).await.expect("s").is_empty());
}
