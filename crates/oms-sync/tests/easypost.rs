//! The EasyPost connector against a stand-in on 127.0.0.1 answering in the shapes of EasyPost's
//! documentation and its published fixtures (`../shared/fixtures/easypost`, copied to
//! tests/fixtures): rates with a carrier that did not quote, an address error, buying (and a
//! purchase whose answer was lost after EasyPost charged), trackers going back and forth (and
//! one created for a tracking number), voiding a label.

#![allow(clippy::unwrap_used)]

use oms_domain::Currency;
use oms_sync::carriers::easypost::{self, EasyPost};
use oms_sync::carriers::{
    CarrierClient, CustomsLine, ParcelSpec, PostalAddress, RateRequest, TrackStatus, VoidOutcome,
};
use oms_sync::http::{Http, RetryPolicy};
use oms_sync::SyncErrorKind;
use serde_json::{json, Value};
use std::time::Duration;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

fn policy() -> RetryPolicy {
    RetryPolicy {
        attempts: 3,
        base_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
        max_retry_after: Duration::from_secs(2),
        timeout: Duration::from_millis(600),
    }
}

fn client(server: &MockServer) -> EasyPost {
    EasyPost::new(&server.uri(), "EZTK_test_key", Http::new(policy()).unwrap()).unwrap()
}

fn fixture(name: &str) -> Value {
    let p = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}")))
        .unwrap()
}

/// From the published fixtures: the two Californian addresses.
fn addresses() -> (PostalAddress, PostalAddress) {
    let f = fixture("easypost-client-library-fixtures.json");
    let a = |k: &str| {
        let v = &f["addresses"][k];
        let s = |f: &str| v[f].as_str().map(str::to_owned);
        PostalAddress {
            name: s("name").unwrap_or_default(),
            company: s("company"),
            street1: s("street1").unwrap_or_default(),
            street2: s("street2"),
            city: s("city").unwrap_or_default(),
            state: s("state"),
            zip: s("zip"),
            country: s("country").unwrap_or_default(),
            phone: s("phone"),
            email: s("email"),
        }
    };
    (a("ca_address_1"), a("ca_address_2"))
}

fn request(customs: Vec<CustomsLine>) -> RateRequest {
    let (from, to) = addresses();
    RateRequest {
        from,
        to,
        // The fixture's basic parcel is 10 × 8 × 4 in, 15.4 oz.
        parcel: ParcelSpec {
            weight_g: 436,
            length_mm: Some(254),
            width_mm: Some(203),
            height_mm: Some(102),
        },
        customs,
        reference: "1042".into(),
    }
}

fn rate(id: &str, carrier: &str, service: &str, amount: &str, days: Option<u64>) -> Value {
    json!({ "id": id, "object": "Rate", "carrier": carrier, "service": service, "rate": amount,
            "currency": "USD", "delivery_days": days, "shipment_id": "shp_1" })
}

fn shipment(bought: bool) -> Value {
    let mut s = json!({
        "id": "shp_1", "object": "Shipment", "mode": "test", "reference": "1042",
        "rates": [rate("rate_ups", "UPS", "Ground", "9.10", Some(3)), rate("rate_usps", "USPS", "GroundAdvantage", "5.93", Some(4)),
                  rate("rate_fedex", "FedEx", "FEDEX_2_DAY", "21.56", Some(2))],
        "messages": [{ "carrier": "DHLExpress", "type": "rate_error", "message": "No rates for this origin." }],
        "postage_label": null, "selected_rate": null, "tracking_code": null, "tracker": null,
    });
    if bought {
        s["selected_rate"] = rate("rate_usps", "USPS", "GroundAdvantage", "5.93", Some(4));
        s["tracking_code"] = json!("9400100000000000000000");
        s["postage_label"] = json!({ "object": "PostageLabel", "label_url": "https://easypost-files.example/label.pdf",
                                     "label_file_type": "application/pdf" });
        s["tracker"] = json!({ "id": "trk_1", "object": "Tracker" });
    }
    s
}

async fn posts(server: &MockServer, p: &str) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r: &&Request| r.method.as_str() == "POST" && r.url.path() == p)
        .map(|r| serde_json::from_slice(&r.body).unwrap_or(Value::Null))
        .collect()
}

#[tokio::test]
async fn quotes_every_carrier_cheapest_first_and_says_who_did_not_quote() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/shipments"))
        .respond_with(ResponseTemplate::new(201).set_body_json(shipment(false)))
        .mount(&server)
        .await;
    let customs = vec![CustomsLine {
        description: "Ceramic mug".into(),
        quantity: 2,
        value_minor: 2325,
        currency: Currency::parse("USD").unwrap(),
        weight_g: 312,
        hs_code: Some("691200".into()),
        origin_country: Some("DE".into()),
    }];
    let r = client(&server).rates(&request(customs)).await.unwrap();
    assert_eq!(r.shipment_id, "shp_1");
    let got: Vec<(&str, i64, Option<u32>)> = r
        .quotes
        .iter()
        .map(|q| (q.carrier.as_str(), q.amount_minor, q.delivery_days))
        .collect();
    assert_eq!(
        got,
        vec![
            ("USPS", 593, Some(4)),
            ("UPS", 910, Some(3)),
            ("FedEx", 2156, Some(2))
        ]
    );
    assert_eq!(
        r.problems,
        vec!["DHLExpress: No rates for this origin.".to_owned()]
    );

    let sent = &posts(&server, "/v2/shipments").await[0]["shipment"];
    // Our grams and millimetres in EasyPost's ounces and inches, rounded up to a tenth.
    assert_eq!(
        sent["parcel"],
        json!({ "weight": 15.4, "length": 10.0, "width": 8.0, "height": 4.1 })
    );
    assert_eq!(sent["to_address"]["street1"], json!("179 N Harbor Dr"));
    assert_eq!(sent["reference"], json!("1042"));
    let item = &sent["customs_info"]["customs_items"][0];
    assert_eq!(
        (item["value"].clone(), item["hs_tariff_number"].clone()),
        (json!("23.25"), json!("691200"))
    );
    // The API key is the Basic user name.
    let auth = server.received_requests().await.unwrap()[0]
        .headers
        .get("authorization")
        .map(|v| v.to_str().unwrap_or("").to_owned())
        .unwrap_or_default();
    assert!(auth.starts_with("Basic "), "{auth}");
}

#[tokio::test]
async fn an_address_the_carrier_cannot_use_fails_with_easyposts_words() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/shipments"))
        .respond_with(ResponseTemplate::new(422).set_body_json(json!({ "error": {
            "code": "ADDRESS.VERIFY.FAILURE", "message": "Unable to verify address.",
            "errors": [{ "field": "address", "message": "Address not found" }] } })))
        .mount(&server)
        .await;
    let e = client(&server).rates(&request(vec![])).await.unwrap_err();
    assert_eq!(e.kind, SyncErrorKind::Rejected);
    assert!(
        e.message
            .ends_with("Unable to verify address. [ADDRESS.VERIFY.FAILURE]"),
        "{}",
        e.message
    );
}

#[tokio::test]
async fn buys_once_even_when_the_first_answer_was_lost_after_easypost_charged() {
    let server = MockServer::start().await;
    // Before the purchase the shipment has no postage; after it, it has.
    Mock::given(method("GET"))
        .and(path("/v2/shipments/shp_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(shipment(false)))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/shipments/shp_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(shipment(true)))
        .with_priority(2)
        .mount(&server)
        .await;
    // EasyPost charges, then the answer never arrives in time.
    Mock::given(method("POST"))
        .and(path("/v2/shipments/shp_1/buy"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(shipment(true))
                .set_delay(Duration::from_secs(2)),
        )
        .mount(&server)
        .await;
    let ep = client(&server);
    let e = ep.buy("shp_1", "rate_usps").await.unwrap_err();
    assert_eq!(e.kind, SyncErrorKind::Network, "{e:?}");
    assert_eq!(
        posts(&server, "/v2/shipments/shp_1/buy").await.len(),
        1,
        "not repeated blindly"
    );

    // The retry looks first and finds the label: nothing bought again.
    let label = ep.buy("shp_1", "rate_usps").await.unwrap();
    assert!(!label.new_purchase);
    assert_eq!(label.tracking_number, "9400100000000000000000");
    assert_eq!((label.carrier.as_str(), label.amount_minor), ("USPS", 593));
    assert_eq!(label.label_format, "PDF");
    assert_eq!(label.tracker_id.as_deref(), Some("trk_1"));
    assert_eq!(label.label_id, "shp_1", "what a void takes");
    assert_eq!(
        posts(&server, "/v2/shipments/shp_1/buy").await.len(),
        1,
        "one purchase in all"
    );
}

#[tokio::test]
async fn a_purchase_refused_as_postage_exists_returns_the_label_bought_before() {
    let server = MockServer::start().await;
    // The first look races with another purchase: no postage yet; then EasyPost refuses.
    Mock::given(method("GET"))
        .and(path("/v2/shipments/shp_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(shipment(false)))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/shipments/shp_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(shipment(true)))
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2/shipments/shp_1/buy"))
        .respond_with(ResponseTemplate::new(422).set_body_json(json!({ "error": {
            "code": "SHIPMENT.POSTAGE.EXISTS", "message": "That shipment already has postage." } })))
        .mount(&server)
        .await;
    let label = client(&server).buy("shp_1", "rate_usps").await.unwrap();
    assert!(!label.new_purchase);
    assert_eq!(label.tracking_number, "9400100000000000000000");
}

#[tokio::test]
async fn the_published_tracker_event_normalises_and_scans_come_out_oldest_first() {
    let event = fixture("easypost-event-body.tracker.updated.json");
    let t = easypost::tracking(&event["result"]).unwrap();
    assert_eq!(t.carrier, "FedEx");
    assert_eq!(t.status, TrackStatus::InTransit);
    assert!(t.events.len() >= 2);
    assert!(t.events.windows(2).all(|w| w[0].at <= w[1].at));
    assert_eq!(t.events[0].status, TrackStatus::PreTransit);
    assert_eq!(t.events[1].location.as_deref(), Some("ORLANDO FL 32809 US"));
    assert!(t.est_delivery.is_some());
}

#[tokio::test]
async fn a_tracker_that_goes_back_and_forth_keeps_the_carriers_last_word() {
    let server = MockServer::start().await;
    // Out for delivery, then an exception (nobody home), then back in transit; sent unordered.
    Mock::given(method("GET"))
        .and(path("/v2/trackers/trk_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "trk_1", "object": "Tracker", "tracking_code": "9400100000000000000000", "carrier": "USPS",
            "status": "in_transit", "est_delivery_date": null,
            "tracking_details": [
                { "status": "failure", "message": "Delivery attempted, no access", "datetime": "2026-11-30T14:00:00Z", "tracking_location": { "city": "Leipzig", "country": "DE" } },
                { "status": "out_for_delivery", "message": "Out for delivery", "datetime": "2026-11-30T07:00:00Z" },
                { "status": "in_transit", "message": "Back at the depot", "datetime": "2026-11-30T18:00:00Z" },
                { "status": "in_transit", "message": "no time given" }
            ] })))
        .mount(&server)
        .await;
    let t = client(&server).tracker("trk_1").await.unwrap();
    assert_eq!(t.status, TrackStatus::InTransit);
    let seq: Vec<TrackStatus> = t.events.iter().map(|e| e.status).collect();
    assert_eq!(
        seq,
        vec![
            TrackStatus::OutForDelivery,
            TrackStatus::Exception,
            TrackStatus::InTransit
        ]
    );
    assert_eq!(t.events[1].location.as_deref(), Some("Leipzig DE"));
    assert_eq!(
        easypost::status("return_to_sender"),
        TrackStatus::ReturnedToSender
    );
    assert_eq!(easypost::status("something_new"), TrackStatus::Unknown);
}

#[tokio::test]
async fn no_api_key_is_a_config_error() {
    let e = match EasyPost::new(
        "https://api.easypost.com",
        " ",
        Http::new(policy()).unwrap(),
    ) {
        Ok(_) => panic!("accepted an empty key"),
        Err(e) => e,
    };
    assert_eq!(e.kind, SyncErrorKind::Config);
}

#[tokio::test]
async fn voiding_a_label_asks_easypost_for_the_postage_back() {
    for (refund_status, expected) in [
        ("submitted", VoidOutcome::Pending),
        ("refunded", VoidOutcome::Voided),
        (
            "rejected",
            VoidOutcome::Refused("the carrier rejected the refund (EasyPost: rejected)".into()),
        ),
        (
            "not_applicable",
            VoidOutcome::Refused(
                "the carrier bills on scan: nothing to refund (EasyPost: not_applicable)".into(),
            ),
        ),
    ] {
        let server = MockServer::start().await;
        let mut answer = shipment(true);
        answer["refund_status"] = json!(refund_status);
        Mock::given(method("POST"))
            .and(path("/v2/shipments/shp_1/refund"))
            .respond_with(ResponseTemplate::new(200).set_body_json(answer))
            .mount(&server)
            .await;
        let c = CarrierClient::new(
            "easypost",
            &server.uri(),
            "EZTK_test_key",
            Http::new(policy()).unwrap(),
        )
        .unwrap();
        assert_eq!(c.void("shp_1").await.unwrap(), expected, "{refund_status}");
        assert_eq!(
            posts(&server, "/v2/shipments/shp_1/refund").await.len(),
            1,
            "{refund_status}"
        );
    }

    // EasyPost refuses the request itself (ours, in its {error: {code, message}} shape): its
    // words.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/shipments/shp_1/refund"))
        .respond_with(ResponseTemplate::new(422).set_body_json(json!({ "error": {
            "code": "SHIPMENT.REFUND.UNAVAILABLE",
            "message": "Refunds are unavailable for this shipment." } })))
        .mount(&server)
        .await;
    assert_eq!(
        client(&server).void("shp_1").await.unwrap(),
        VoidOutcome::Refused(
            "Refunds are unavailable for this shipment. [SHIPMENT.REFUND.UNAVAILABLE]".into()
        )
    );
}

#[tokio::test]
async fn tracking_without_a_tracker_id_creates_one_and_with_one_reads_it() {
    let server = MockServer::start().await;
    let tracker = json!({
        "id": "trk_new", "object": "Tracker", "tracking_code": "9400100000000000000000",
        "carrier": "USPS", "status": "pre_transit", "est_delivery_date": null,
        "tracking_details": [
            { "status": "pre_transit", "message": "Shipping Label Created",
              "datetime": "2026-11-29T09:00:00Z" }
        ] });
    Mock::given(method("POST"))
        .and(path("/v2/trackers"))
        .respond_with(ResponseTemplate::new(201).set_body_json(tracker.clone()))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/trackers/trk_new"))
        .respond_with(ResponseTemplate::new(200).set_body_json(tracker))
        .mount(&server)
        .await;
    let c = CarrierClient::new(
        "easypost",
        &server.uri(),
        "EZTK_test_key",
        Http::new(policy()).unwrap(),
    )
    .unwrap();
    let t = c
        .track(None, "USPS", "9400100000000000000000")
        .await
        .unwrap();
    assert_eq!(
        t.tracker_id.as_deref(),
        Some("trk_new"),
        "kept for the next look"
    );
    assert_eq!(t.status, TrackStatus::PreTransit);
    assert_eq!(t.events.len(), 1);
    let created = posts(&server, "/v2/trackers").await;
    assert_eq!(
        created,
        vec![
            json!({ "tracker": { "tracking_code": "9400100000000000000000", "carrier": "USPS" } })
        ]
    );

    // With the id: the tracker is read, nothing created.
    let t = c
        .track(Some("trk_new"), "USPS", "9400100000000000000000")
        .await
        .unwrap();
    assert_eq!(t.tracking_number, "9400100000000000000000");
    assert_eq!(posts(&server, "/v2/trackers").await.len(), 1);
}
