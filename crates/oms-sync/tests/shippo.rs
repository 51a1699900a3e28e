//! The Shippo connector against a stand-in on 127.0.0.1 answering in the shapes of Shippo's
//! API (version 2018-02-08): rates with carriers that did not quote, address errors, a customs
//! declaration for another country, buying (and a purchase whose answer was lost after Shippo
//! charged), a failed purchase, tracks going back and forth, refunds.
//!
//! Where the payloads in tests/fixtures come from:
//! - `shippo-shipment.json`: the recorded answer to `POST /shipments/` in
//!   goshippo/shippo-python-client `shippo/test/fixtures/shipment/test_create` (MIT), rates cut
//!   to four and duplicate messages dropped, `days` renamed `estimated_days` as API version
//!   2018-02-08 names it; plus two identical DHL Express `carrier_timeout` messages (ours, in
//!   the words of the docs' rate example, docs.goshippo.com/api-reference/rates).
//! - `shippo-shipment-400.json`: a 400 body recorded in goshippo/shippo-ruby-client issue #28
//!   (addresses without all their fields), unchanged.
//! - `shippo-shipment-invalid-address.json`: ours, a shipment in the recorded shape above
//!   without rates, whose `address_to` carries the `validation_results` recorded in
//!   shippo-python-client `address/test_invalid_validate`.
//! - `shippo-customs-declaration.json`: the recorded answer to `POST /customs/declarations/`
//!   in shippo-python-client `customs-declaration/test_create`, unchanged.
//! - `shippo-transaction.json`: the example answer of "Create a shipping label"
//!   (docs.goshippo.com/api-reference/transactions/create-a-shipping-label), its `<string>`
//!   placeholders filled in and its rate made the USPS Priority Mail rate of the shipment.
//! - `shippo-transactions.json`: the recorded `GET /transactions/` page in shippo-python-client
//!   `transaction/test_list_all`, its three transactions made a label of another rate first (as
//!   if the `rate` filter were not applied), a failed try of the USPS rate (ERROR, recorded
//!   words) and the purchase of the USPS rate (SUCCESS).
//! - `shippo-rate.json`: the example answer of "Retrieve a rate"
//!   (docs.goshippo.com/api-reference/rates/retrieve-a-rate) with the USPS rate's values.
//! - `shippo-transaction-error.json`: the recorded ERROR transaction of
//!   shippo-python-client `transaction/test_list_all`, unchanged.
//! - `shippo-track.json`: the recorded `GET /tracks/usps/…` answer of shippo-python-client
//!   `track/test_get_status` with the `substatus` objects of the docs' track example
//!   (docs.goshippo.com/api-reference/tracking-status); its history is ours: a delivery
//!   attempt that failed between two transit scans, sent out of order, one scan without a time.
//! - `shippo-refund.json`: the example answer of "Create a refund"
//!   (docs.goshippo.com/api-reference/refunds/create-a-refund), unchanged.

#![allow(clippy::unwrap_used)]

use oms_domain::Currency;
use oms_sync::carriers::shippo::{self, Shippo};
use oms_sync::carriers::{
    CarrierClient, CustomsLine, ParcelSpec, PostalAddress, RateRequest, TrackStatus, VoidOutcome,
};
use oms_sync::http::{Http, RetryPolicy};
use oms_sync::SyncErrorKind;
use serde_json::{json, Value};
use std::time::Duration;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const KEY: &str = "shippo_test_key";
/// The USPS Priority Mail rate of `shippo-shipment.json`.
const USPS_RATE: &str = "3073d1f95ce644fa927f29a681817a80";
const SHIPMENT: &str = "c315f92166b640839ba2469bb1cc9f85";
const TRANSACTION: &str = "915d94940ea54c3a80cbfa328722f5a1";

fn policy() -> RetryPolicy {
    RetryPolicy {
        attempts: 3,
        base_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
        max_retry_after: Duration::from_secs(2),
        timeout: Duration::from_millis(600),
    }
}

fn client(server: &MockServer) -> Shippo {
    Shippo::new(&server.uri(), KEY, Http::new(policy()).unwrap()).unwrap()
}

fn fixture(name: &str) -> Value {
    let p = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}")))
        .unwrap()
}

/// The sender and recipient of Shippo's own examples.
fn sender() -> PostalAddress {
    PostalAddress {
        name: "Laura Behrens Wu".into(),
        company: Some("Shippo".into()),
        street1: "215 Clayton St.".into(),
        street2: None,
        city: "San Francisco".into(),
        state: Some("CA".into()),
        zip: Some("94117".into()),
        country: "US".into(),
        phone: Some("+1 555 341 9393".into()),
        email: None,
    }
}

fn recipient() -> PostalAddress {
    PostalAddress {
        name: "John Smith".into(),
        company: Some("Initech".into()),
        street1: "965 Mission Street".into(),
        street2: Some("Ste 480".into()),
        city: "San Francisco".into(),
        state: Some("CA".into()),
        zip: Some("94103".into()),
        country: "US".into(),
        phone: Some("+1 630 333 7333".into()),
        email: Some("john@initech.example".into()),
    }
}

fn request(to: PostalAddress, customs: Vec<CustomsLine>) -> RateRequest {
    RateRequest {
        from: sender(),
        to,
        parcel: ParcelSpec {
            weight_g: 436,
            length_mm: Some(254),
            width_mm: Some(203),
            height_mm: Some(100),
        },
        customs,
        reference: "1042".into(),
    }
}

async fn requests(server: &MockServer, verb: &str, p: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.method.as_str() == verb && r.url.path() == p)
        .collect()
}

fn body(r: &Request) -> Value {
    serde_json::from_slice(&r.body).unwrap_or(Value::Null)
}

fn header(r: &Request, name: &str) -> Option<String> {
    r.headers
        .get(name)
        .map(|v| v.to_str().unwrap_or("").to_owned())
}

async fn mount(server: &MockServer, verb: &str, p: &str, status: u16, answer: Value) {
    Mock::given(method(verb))
        .and(path(p))
        .respond_with(ResponseTemplate::new(status).set_body_json(answer))
        .mount(server)
        .await;
}

fn no_transactions() -> Value {
    json!({ "next": null, "previous": null, "results": [] })
}

#[tokio::test]
async fn quotes_every_carrier_cheapest_first_and_names_who_did_not_quote() {
    let server = MockServer::start().await;
    mount(
        &server,
        "POST",
        "/shipments/",
        201,
        fixture("shippo-shipment.json"),
    )
    .await;
    let r = client(&server)
        .rates(&request(recipient(), vec![]))
        .await
        .unwrap();
    assert_eq!(r.shipment_id, SHIPMENT);
    let got: Vec<(&str, &str, i64, Option<u32>)> = r
        .quotes
        .iter()
        .map(|q| {
            (
                q.carrier.as_str(),
                q.service.as_str(),
                q.amount_minor,
                q.delivery_days,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("USPS", "Priority Mail", 909, Some(1)),
            ("FedEx", "Ground", 1305, Some(1)),
            ("UPS", "Ground", 1480, Some(6)),
            ("UPS", "Next Day Air®", 3598, Some(1)),
        ]
    );
    assert_eq!(r.quotes[0].rate_id, USPS_RATE);
    assert_eq!(r.quotes[0].currency, Currency::parse("USD").unwrap());
    // UPS quoted, so its warnings are not problems; the two that did not quote are named once.
    assert_eq!(
        r.problems,
        vec![
            "Uber: Request failed. Please try again or contact Shippo support at support@goshippo.com."
                .to_owned(),
            "DHL Express: DHL Express API did not respond. Please try again in a few minutes."
                .to_owned(),
        ]
    );

    let sent = requests(&server, "POST", "/shipments/").await;
    assert_eq!(sent.len(), 1);
    let s = body(&sent[0]);
    // Grams as they are, millimetres as exact centimetres, all as text.
    assert_eq!(
        s["parcels"],
        json!([{ "weight": "436", "mass_unit": "g", "length": "25.4", "width": "20.3",
                 "height": "10", "distance_unit": "cm" }])
    );
    assert_eq!(
        s["address_to"],
        json!({ "name": "John Smith", "company": "Initech", "street1": "965 Mission Street",
                "street2": "Ste 480", "city": "San Francisco", "state": "CA", "zip": "94103",
                "country": "US", "phone": "+1 630 333 7333", "email": "john@initech.example" })
    );
    // Nothing unknown is sent as null.
    assert_eq!(s["address_from"].get("street2"), None);
    assert_eq!(s["async"], json!(false));
    assert_eq!(s["metadata"], json!("1042"));
    assert_eq!(s.get("customs_declaration"), None, "a domestic parcel");
    assert!(requests(&server, "POST", "/customs/declarations/")
        .await
        .is_empty());
    assert_eq!(
        header(&sent[0], "authorization").as_deref(),
        Some("ShippoToken shippo_test_key")
    );
    assert_eq!(
        header(&sent[0], "shippo-api-version").as_deref(),
        Some(shippo::API_VERSION)
    );
}

#[tokio::test]
async fn an_address_shippo_refuses_fails_with_shippos_words() {
    let server = MockServer::start().await;
    mount(
        &server,
        "POST",
        "/shipments/",
        400,
        fixture("shippo-shipment-400.json"),
    )
    .await;
    let e = client(&server)
        .rates(&request(recipient(), vec![]))
        .await
        .unwrap_err();
    assert_eq!(e.kind, SyncErrorKind::Rejected);
    assert_eq!(e.status, Some(400));
    assert!(
        e.message.ends_with(
            "(400): address_from: For an Address to be PURCHASE'able, all information must be \
             provided.; address_to: For an Address to be PURCHASE'able, all information must be \
             provided."
        ),
        "{}",
        e.message
    );
    assert_eq!(
        requests(&server, "POST", "/shipments/").await.len(),
        1,
        "a refusal is not repeated"
    );
}

#[tokio::test]
async fn a_ship_to_address_shippo_cannot_validate_is_refused_in_its_words() {
    let server = MockServer::start().await;
    mount(
        &server,
        "POST",
        "/shipments/",
        201,
        fixture("shippo-shipment-invalid-address.json"),
    )
    .await;
    let e = client(&server)
        .rates(&request(recipient(), vec![]))
        .await
        .unwrap_err();
    assert_eq!(e.kind, SyncErrorKind::Rejected);
    assert_eq!(
        e.message,
        "Shippo cannot use the ship-to address: USPS: The address as submitted could not be \
         found. Please check for excessive abbreviations in the street address line or in the \
         City name."
    );
}

#[tokio::test]
async fn an_international_parcel_declares_customs_first_with_exact_decimal_money() {
    let server = MockServer::start().await;
    mount(
        &server,
        "POST",
        "/customs/declarations/",
        201,
        fixture("shippo-customs-declaration.json"),
    )
    .await;
    mount(
        &server,
        "POST",
        "/shipments/",
        201,
        fixture("shippo-shipment.json"),
    )
    .await;
    let to = PostalAddress {
        name: "Jürgen Müller".into(),
        company: None,
        street1: "Königstraße 1".into(),
        street2: None,
        city: "Stuttgart".into(),
        state: None,
        zip: Some("70173".into()),
        country: "DE".into(),
        phone: None,
        email: None,
    };
    let usd = Currency::parse("USD").unwrap();
    let customs = vec![
        CustomsLine {
            description: "Ceramic mug".into(),
            quantity: 2,
            value_minor: 2325,
            currency: usd,
            weight_g: 312,
            hs_code: Some("691200".into()),
            origin_country: Some("DE".into()),
        },
        // Ten cents: a float would send 0.1 or 0.09999999.
        CustomsLine {
            description: "Gift card".into(),
            quantity: 1,
            value_minor: 10,
            currency: usd,
            weight_g: 5,
            hs_code: None,
            origin_country: None,
        },
    ];
    client(&server)
        .rates(&request(to.clone(), customs))
        .await
        .unwrap();

    let declared = requests(&server, "POST", "/customs/declarations/").await;
    assert_eq!(declared.len(), 1);
    let d = body(&declared[0]);
    assert_eq!(
        d["items"],
        json!([
            { "description": "Ceramic mug", "quantity": 2, "net_weight": "312", "mass_unit": "g",
              "value_amount": "23.25", "value_currency": "USD", "origin_country": "DE",
              "tariff_number": "691200" },
            { "description": "Gift card", "quantity": 1, "net_weight": "5", "mass_unit": "g",
              "value_amount": "0.10", "value_currency": "USD" }
        ])
    );
    for (k, v) in [
        ("certify", json!(true)),
        ("certify_signer", json!("Laura Behrens Wu")),
        ("contents_type", json!("MERCHANDISE")),
        ("non_delivery_option", json!("RETURN")),
        ("eel_pfc", json!("NOEEI_30_37_a")),
    ] {
        assert_eq!(d[k], v, "{k}");
    }
    // The shipment names the declaration Shippo made, and comes after it.
    let shipments = requests(&server, "POST", "/shipments/").await;
    assert_eq!(
        body(&shipments[0])["customs_declaration"],
        json!("d94c98d1b31d4b61a6bb18acc2c98e06")
    );
    let order: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.url.path().to_owned())
        .collect();
    assert_eq!(order, vec!["/customs/declarations/", "/shipments/"]);

    // Yen have no minor unit: 1500 is "1500", not "15.00".
    let jpy = CustomsLine {
        description: "Tenugui".into(),
        quantity: 3,
        value_minor: 1500,
        currency: Currency::parse("JPY").unwrap(),
        weight_g: 90,
        hs_code: None,
        origin_country: Some("JP".into()),
    };
    client(&server)
        .rates(&request(to, vec![jpy]))
        .await
        .unwrap();
    let declared = requests(&server, "POST", "/customs/declarations/").await;
    let item = &body(&declared[1])["items"][0];
    assert_eq!(
        (item["value_amount"].clone(), item["value_currency"].clone()),
        (json!("1500"), json!("JPY"))
    );
}

#[tokio::test]
async fn buys_a_rate_and_fetches_the_label_without_the_token() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/transactions/"))
        .and(query_param("rate", USPS_RATE))
        .respond_with(ResponseTemplate::new(200).set_body_json(no_transactions()))
        .mount(&server)
        .await;
    let mut bought = fixture("shippo-transaction.json");
    bought["label_url"] = json!(format!("{}/labels/915d.pdf", server.uri()));
    mount(&server, "POST", "/transactions/", 201, bought).await;
    Mock::given(method("GET"))
        .and(path("/labels/915d.pdf"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(b"%PDF-1.4 label".to_vec()))
        .mount(&server)
        .await;
    let sp = client(&server);
    let label = sp.buy(SHIPMENT, USPS_RATE).await.unwrap();
    assert!(label.new_purchase);
    assert_eq!(label.shipment_id, SHIPMENT);
    assert_eq!(label.label_id, TRANSACTION);
    assert_eq!(label.tracking_number, "9499907123456123456781");
    assert_eq!(
        (
            label.carrier.as_str(),
            label.service.as_str(),
            label.amount_minor
        ),
        ("USPS", "Priority Mail", 909)
    );
    assert_eq!(label.label_format, "PDF");
    assert_eq!(label.tracker_id, None);

    let posts = requests(&server, "POST", "/transactions/").await;
    assert_eq!(posts.len(), 1);
    assert_eq!(
        body(&posts[0]),
        json!({ "rate": USPS_RATE, "label_file_type": "PDF", "async": false })
    );
    // The transaction carried its rate: no second look needed.
    assert!(requests(&server, "GET", &format!("/rates/{USPS_RATE}"))
        .await
        .is_empty());

    let file = sp.download(&label.label_url).await.unwrap();
    assert_eq!(file, b"%PDF-1.4 label");
    let fetched = requests(&server, "GET", "/labels/915d.pdf").await;
    assert_eq!(header(&fetched[0], "authorization"), None);
}

#[tokio::test]
async fn buys_once_even_when_the_first_answer_was_lost_after_shippo_charged() {
    let server = MockServer::start().await;
    // Before the purchase the rate has no transaction; after it, it has.
    Mock::given(method("GET"))
        .and(path("/transactions/"))
        .and(query_param("rate", USPS_RATE))
        .respond_with(ResponseTemplate::new(200).set_body_json(no_transactions()))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/transactions/"))
        .and(query_param("rate", USPS_RATE))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("shippo-transactions.json")))
        .with_priority(2)
        .mount(&server)
        .await;
    // Shippo charges, then the answer never arrives in time.
    Mock::given(method("POST"))
        .and(path("/transactions/"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(fixture("shippo-transaction.json"))
                .set_delay(Duration::from_secs(2)),
        )
        .mount(&server)
        .await;
    mount(
        &server,
        "GET",
        &format!("/rates/{USPS_RATE}"),
        200,
        fixture("shippo-rate.json"),
    )
    .await;
    let sp = client(&server);
    let e = sp.buy(SHIPMENT, USPS_RATE).await.unwrap_err();
    assert_eq!(e.kind, SyncErrorKind::Network, "{e:?}");
    assert_eq!(
        requests(&server, "POST", "/transactions/").await.len(),
        1,
        "not repeated blindly"
    );

    // The retry looks first and finds the purchase: nothing bought again. The failed try of
    // the same rate and the other rate's label are passed over.
    let label = sp.buy(SHIPMENT, USPS_RATE).await.unwrap();
    assert!(!label.new_purchase);
    assert_eq!(label.label_id, TRANSACTION);
    assert_eq!(label.tracking_number, "9499907123456123456781");
    // The listed transaction names its rate by id: the rate says carrier and price.
    assert_eq!(
        (
            label.carrier.as_str(),
            label.service.as_str(),
            label.amount_minor
        ),
        ("USPS", "Priority Mail", 909)
    );
    assert_eq!(
        requests(&server, "POST", "/transactions/").await.len(),
        1,
        "one purchase in all"
    );
    assert_eq!(
        requests(&server, "GET", &format!("/rates/{USPS_RATE}"))
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn a_purchase_shippo_is_still_making_is_waited_for() {
    let server = MockServer::start().await;
    mount(&server, "GET", "/transactions/", 200, no_transactions()).await;
    let mut queued = fixture("shippo-transaction.json");
    queued["status"] = json!("QUEUED");
    queued["tracking_number"] = json!("");
    queued["label_url"] = json!("");
    mount(&server, "POST", "/transactions/", 201, queued).await;
    mount(
        &server,
        "GET",
        &format!("/transactions/{TRANSACTION}"),
        200,
        fixture("shippo-transaction.json"),
    )
    .await;
    let label = client(&server).buy(SHIPMENT, USPS_RATE).await.unwrap();
    assert!(label.new_purchase);
    assert_eq!(label.tracking_number, "9499907123456123456781");
    assert_eq!(requests(&server, "POST", "/transactions/").await.len(), 1);
    assert_eq!(
        requests(&server, "GET", &format!("/transactions/{TRANSACTION}"))
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn a_failed_purchase_says_what_shippo_said() {
    let server = MockServer::start().await;
    mount(&server, "GET", "/transactions/", 200, no_transactions()).await;
    mount(
        &server,
        "POST",
        "/transactions/",
        201,
        fixture("shippo-transaction-error.json"),
    )
    .await;
    let e = client(&server)
        .buy(SHIPMENT, "765d685232b94f729a3f4579b9d7800a")
        .await
        .unwrap_err();
    assert_eq!(e.kind, SyncErrorKind::Rejected);
    assert_eq!(
        e.message,
        "Shippo could not buy the label: USPS: The selected shipment date must be within 7 days \
         of 04/10/2017, 12:52AM CDT."
    );
}

#[tokio::test]
async fn a_track_going_back_and_forth_comes_out_oldest_first_and_normalised() {
    let server = MockServer::start().await;
    // Asked with the name the rates gave ("USPS"): Shippo's path takes its token.
    mount(
        &server,
        "GET",
        "/tracks/usps/9205590164917337534322",
        200,
        fixture("shippo-track.json"),
    )
    .await;
    let t = client(&server)
        .track("USPS", "9205590164917337534322")
        .await
        .unwrap();
    assert_eq!(t.carrier, "usps");
    assert_eq!(t.status, TrackStatus::Delivered);
    assert_eq!(t.raw_status, "DELIVERED");
    assert_eq!(t.tracker_id, None);
    assert!(t.est_delivery.is_some());
    assert!(t.events.windows(2).all(|w| w[0].at <= w[1].at));
    let seq: Vec<TrackStatus> = t.events.iter().map(|e| e.status).collect();
    assert_eq!(
        seq,
        vec![
            TrackStatus::PreTransit,
            TrackStatus::InTransit,
            TrackStatus::OutForDelivery,
            TrackStatus::Exception,
            TrackStatus::InTransit,
            TrackStatus::Delivered,
        ],
        "the scan without a time is left out"
    );
    assert_eq!(t.events[0].location, None);
    assert_eq!(
        t.events[3].message,
        "Delivery attempted: no access to the delivery location."
    );
    assert_eq!(
        t.events[3].location.as_deref(),
        Some("Berkeley CA 94705 US")
    );

    assert_eq!(
        shippo::status("out_for_delivery"),
        TrackStatus::OutForDelivery
    );
    assert_eq!(shippo::status("RETURNED"), TrackStatus::ReturnedToSender);
    assert_eq!(shippo::status("FAILURE"), TrackStatus::Exception);
    assert_eq!(shippo::status("something_new"), TrackStatus::Unknown);
    assert_eq!(shippo::carrier_token("DHL Express"), "dhl_express");
    assert_eq!(shippo::carrier_token("dhl_express"), "dhl_express");
}

#[tokio::test]
async fn voiding_a_label_refunds_its_transaction_once() {
    let server = MockServer::start().await;
    mount(
        &server,
        "GET",
        &format!("/transactions/{TRANSACTION}"),
        200,
        fixture("shippo-transaction.json"),
    )
    .await;
    mount(
        &server,
        "POST",
        "/refunds/",
        201,
        fixture("shippo-refund.json"),
    )
    .await;
    let outcome = client(&server).void(TRANSACTION).await.unwrap();
    assert_eq!(outcome, VoidOutcome::Voided);
    let posts = requests(&server, "POST", "/refunds/").await;
    assert_eq!(posts.len(), 1);
    assert_eq!(
        body(&posts[0]),
        json!({ "transaction": TRANSACTION, "async": false })
    );

    // A transaction already refunded (or being refunded) is not asked about again.
    let server = MockServer::start().await;
    let mut refunded = fixture("shippo-transaction.json");
    refunded["status"] = json!("REFUNDPENDING");
    mount(
        &server,
        "GET",
        &format!("/transactions/{TRANSACTION}"),
        200,
        refunded,
    )
    .await;
    mount(
        &server,
        "POST",
        "/refunds/",
        201,
        fixture("shippo-refund.json"),
    )
    .await;
    let outcome = client(&server).void(TRANSACTION).await.unwrap();
    assert_eq!(outcome, VoidOutcome::Pending);
    assert!(requests(&server, "POST", "/refunds/").await.is_empty());
}

#[tokio::test]
async fn a_refused_void_says_why() {
    // Shippo answers the refund with ERROR.
    let server = MockServer::start().await;
    mount(
        &server,
        "GET",
        &format!("/transactions/{TRANSACTION}"),
        200,
        fixture("shippo-transaction.json"),
    )
    .await;
    let mut error = fixture("shippo-refund.json");
    error["status"] = json!("ERROR");
    mount(&server, "POST", "/refunds/", 201, error).await;
    let outcome = client(&server).void(TRANSACTION).await.unwrap();
    assert_eq!(
        outcome,
        VoidOutcome::Refused("Shippo refused the refund (ERROR)".into())
    );

    // Shippo refuses the request itself, in its words.
    let server = MockServer::start().await;
    mount(
        &server,
        "GET",
        &format!("/transactions/{TRANSACTION}"),
        200,
        fixture("shippo-transaction.json"),
    )
    .await;
    mount(
        &server,
        "POST",
        "/refunds/",
        400,
        json!({ "transaction": ["This label has already been used and cannot be refunded."] }),
    )
    .await;
    let outcome = client(&server).void(TRANSACTION).await.unwrap();
    assert_eq!(
        outcome,
        VoidOutcome::Refused(
            "transaction: This label has already been used and cannot be refunded.".into()
        )
    );
    assert_eq!(requests(&server, "POST", "/refunds/").await.len(), 1);
}

#[tokio::test]
async fn the_carrier_client_picks_the_connector_by_kind() {
    let server = MockServer::start().await;
    mount(
        &server,
        "POST",
        "/shipments/",
        201,
        fixture("shippo-shipment.json"),
    )
    .await;
    let http = || Http::new(policy()).unwrap();
    let c = CarrierClient::new("shippo", &server.uri(), KEY, http()).unwrap();
    assert_eq!(c.kind(), "shippo");
    let r = c.rates(&request(recipient(), vec![])).await.unwrap();
    assert_eq!(r.quotes.len(), 4);
    assert_eq!(
        CarrierClient::new("EasyPost", &server.uri(), "EZTK", http())
            .unwrap()
            .kind(),
        "easypost"
    );
    for (kind, key) in [("ups", KEY), ("shippo", " ")] {
        match CarrierClient::new(kind, &server.uri(), key, http()) {
            Ok(_) => panic!("accepted {kind:?} with key {key:?}"),
            Err(e) => {
                assert_eq!(e.kind, SyncErrorKind::Config);
                if kind == "ups" {
                    assert!(e.message.contains("\"ups\""), "{}", e.message);
                }
            }
        }
    }
}
