//! Carriers through the application API: an EasyPost account (the key in the real keyring),
//! rate shopping an allocated order, buying a label that ships it, and a second purchase that
//! buys nothing — against an EasyPost stand-in on 127.0.0.1.

use crate::fresh;
use crate::pipeline::{order, receive};
use crate::sync::policy;
use oms_app::domain::carrier_views::NewCarrierAccount;
use oms_app::domain::*;
use oms_app::{ErrorCode, NewLocation};
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn rate(id: &str, carrier: &str, service: &str, amount: &str, days: u64) -> Value {
    json!({ "id": id, "object": "Rate", "carrier": carrier, "service": service, "rate": amount,
            "currency": "EUR", "delivery_days": days, "shipment_id": "shp_1" })
}

fn shipment(base: &str, bought: bool) -> Value {
    shipment_id(base, "shp_1", bought)
}

pub fn shipment_id(base: &str, id: &str, bought: bool) -> Value {
    let mut s = json!({
        "id": id, "object": "Shipment", "mode": "test",
        "rates": [rate("rate_dhl", "DHLExpress", "DomesticExpress", "14.20", 1), rate("rate_dp", "DeutschePost", "Paket", "5.49", 2)],
        "messages": [{ "carrier": "UPS", "type": "rate_error", "message": "No service to this postal code." }],
        "postage_label": null, "selected_rate": null, "tracking_code": null, "tracker": null,
    });
    if bought {
        s["selected_rate"] = rate("rate_dp", "DeutschePost", "Paket", "5.49", 2);
        s["tracking_code"] = json!(if id == "shp_1" {
            "JJD0001234567".to_owned()
        } else {
            format!("JJD-{id}")
        });
        s["postage_label"] = json!({ "label_url": format!("{base}/files/{id}.pdf"), "label_file_type": "application/pdf" });
        s["tracker"] = json!({ "id": "trk_1" });
    }
    s
}

#[tokio::test]
async fn an_order_is_rate_shopped_and_shipped_with_a_bought_label_once() {
    let mut db = fresh().await;
    db.api.set_sync_policy(policy());
    let api = &db.api;
    let server = MockServer::start().await;
    let base = server.uri();
    let wh = located(api, "Leipzig", "Leipzig").await;
    receive(api, "MUG-1", wh, 10).await;
    api.import_orders(&[order("77", "anna@example.de", &[("MUG-1", 2)])], "test")
        .await
        .expect("import");
    api.process_pending(&|_| {}).await.expect("process");
    let id = api
        .list_orders(&OrderQuery::default())
        .await
        .expect("list")
        .rows[0]
        .id;

    let acct = api
        .add_carrier_account(&NewCarrierAccount {
            kind: "easypost".into(),
            name: "EasyPost test".into(),
            base_url: base.clone(),
            api_key: "EZTK_secret_key".into(),
        })
        .await
        .expect("account");
    assert!(acct.has_key);
    assert!(
        !format!("{:?}", api.list_carrier_accounts().await.expect("list"))
            .contains("EZTK_secret_key")
    );

    Mock::given(method("POST"))
        .and(path("/v2/shipments"))
        .respond_with(ResponseTemplate::new(201).set_body_json(shipment(&base, false)))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/shipments/shp_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(shipment(&base, false)))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/shipments/shp_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(shipment(&base, true)))
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2/shipments/shp_1/buy"))
        .respond_with(ResponseTemplate::new(200).set_body_json(shipment(&base, true)))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/files/shp_1.pdf"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(b"%PDF-1.4 label".to_vec()))
        .mount(&server)
        .await;

    let q = api.quote_order(id).await.expect("quotes");
    let got: Vec<(&str, i64)> = q
        .quotes
        .iter()
        .map(|x| (x.carrier.as_str(), x.amount_minor))
        .collect();
    assert_eq!(
        got,
        vec![("DeutschePost", 549), ("DHLExpress", 1420)],
        "cheapest first"
    );
    assert_eq!(
        q.problems,
        vec!["EasyPost test: UPS: No service to this postal code.".to_owned()]
    );
    // No weight on the product: 500 g a unit, and the screen says so.
    assert_eq!(
        (q.weight_g, q.unweighed.clone()),
        (1000, vec!["MUG-1".to_owned()])
    );
    let sent: Value =
        serde_json::from_slice(&server.received_requests().await.expect("requests")[0].body)
            .expect("json");
    assert_eq!(
        sent["shipment"]["parcel"]["weight"],
        json!(35.3),
        "1,000 g in ounces"
    );
    assert_eq!(sent["shipment"]["from_address"]["city"], json!("Leipzig"));
    assert!(
        sent["shipment"].get("customs_info").is_none(),
        "DE to DE: no customs"
    );

    let best = &q.quotes[0];
    let label = api
        .buy_label(
            id,
            best.account_id,
            &best.carrier_shipment_id,
            &best.rate_id,
        )
        .await
        .expect("buy");
    assert!(label.new_purchase);
    assert_eq!(
        (label.units, label.tracking_number.as_str()),
        (2, "JJD0001234567")
    );
    assert_eq!(
        std::fs::read(&label.label_path).expect("label file"),
        b"%PDF-1.4 label"
    );
    let d = api.get_order(id).await.expect("detail");
    assert_eq!(d.order.status, OrderStatus::Shipped);
    assert!(d
        .timeline
        .iter()
        .any(|e| e.summary == "Label bought: DeutschePost Paket, tracking JJD0001234567"));

    // Again (a double click, a retry): the carrier is asked first, nothing is bought twice,
    // and nothing is left to ship.
    let again = api
        .buy_label(
            id,
            best.account_id,
            &best.carrier_shipment_id,
            &best.rate_id,
        )
        .await
        .expect_err("nothing left");
    assert_eq!(again.code, ErrorCode::Conflict);
    let buys = server
        .received_requests()
        .await
        .expect("requests")
        .iter()
        .filter(|r| r.url.path() == "/v2/shipments/shp_1/buy")
        .count();
    assert_eq!(buys, 1);
}

pub async fn located(api: &oms_app::Api, name: &str, city: &str) -> i64 {
    api.create_location(&NewLocation {
        kind: LocationKind::Warehouse,
        name: name.into(),
        address: Some(AddressView {
            name: "Shop GmbH".into(),
            company: None,
            line1: "Lager 1".into(),
            line2: None,
            city: city.into(),
            region: None,
            postal_code: Some("04109".into()),
            country: "DE".into(),
            phone: None,
        }),
        lat: None,
        lon: None,
        routing: Default::default(),
    })
    .await
    .expect("location")
    .id
}

#[tokio::test]
async fn a_split_order_gets_a_label_per_location() {
    let mut db = fresh().await;
    db.api.set_sync_policy(policy());
    let api = &db.api;
    let server = MockServer::start().await;
    let base = server.uri();
    let a = located(api, "Leipzig", "Leipzig").await;
    let b = located(api, "Berlin", "Berlin").await;
    receive(api, "MUG-1", a, 5).await;
    receive(api, "TEA-1", b, 5).await;
    api.import_orders(
        &[order("88", "ben@example.de", &[("MUG-1", 1), ("TEA-1", 1)])],
        "test",
    )
    .await
    .expect("import");
    api.process_pending(&|_| {}).await.expect("process");
    let id = api
        .list_orders(&OrderQuery::default())
        .await
        .expect("list")
        .rows[0]
        .id;
    let acct = api
        .add_carrier_account(&NewCarrierAccount {
            kind: "easypost".into(),
            name: "EP".into(),
            base_url: base.clone(),
            api_key: "EZTK_k".into(),
        })
        .await
        .expect("account")
        .id;
    for (n, sid) in [(1u64, "shp_a"), (2, "shp_b")] {
        Mock::given(method("POST"))
            .and(path("/v2/shipments"))
            .respond_with(ResponseTemplate::new(201).set_body_json(shipment_id(&base, sid, false)))
            .up_to_n_times(1)
            .with_priority(n as u8)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(format!("/v2/shipments/{sid}")))
            .respond_with(ResponseTemplate::new(200).set_body_json(shipment_id(&base, sid, false)))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path(format!("/v2/shipments/{sid}/buy")))
            .respond_with(ResponseTemplate::new(200).set_body_json(shipment_id(&base, sid, true)))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(format!("/files/{sid}.pdf")))
            .respond_with(ResponseTemplate::new(200).set_body_bytes(b"%PDF".to_vec()))
            .mount(&server)
            .await;
    }
    // First parcel: Leipzig's mug only (1 × 500 g).
    let q = api.quote_order(id).await.expect("quote a");
    assert_eq!(q.weight_g, 500);
    let l = api
        .buy_label(
            id,
            acct,
            &q.quotes[0].carrier_shipment_id,
            &q.quotes[0].rate_id,
        )
        .await
        .expect("a");
    assert_eq!(l.units, 1);
    assert_eq!(
        api.get_order(id).await.expect("d").order.status,
        OrderStatus::PartiallyShipped
    );
    // Second parcel: Berlin's tea.
    let q = api.quote_order(id).await.expect("quote b");
    assert_eq!(q.quotes[0].carrier_shipment_id, "shp_b");
    let sent: Value = serde_json::from_slice(
        &server
            .received_requests()
            .await
            .expect("r")
            .iter()
            .rev()
            .find(|r| r.url.path() == "/v2/shipments")
            .expect("post")
            .body,
    )
    .expect("json");
    assert_eq!(sent["shipment"]["from_address"]["city"], json!("Berlin"));
    let l = api
        .buy_label(id, acct, "shp_b", &q.quotes[0].rate_id)
        .await
        .expect("b");
    assert_eq!((l.units, l.tracking_number.as_str()), (1, "JJD-shp_b"));
    assert_eq!(
        api.get_order(id).await.expect("d").order.status,
        OrderStatus::Shipped
    );
}

#[tokio::test]
async fn a_carrier_account_needs_a_kind_we_know_and_a_key() {
    let db = fresh().await;
    let bad = |kind: &str, key: &str, url: &str| NewCarrierAccount {
        kind: kind.into(),
        name: "X".into(),
        base_url: url.into(),
        api_key: key.into(),
    };
    for (a, why) in [
        (bad("fedex", "k", "https://x.example"), "easypost or shippo"),
        (bad("easypost", " ", "https://x.example"), "api key"),
        (bad("easypost", "k", "ftp://x.example"), "https://"),
    ] {
        let e = db.api.add_carrier_account(&a).await.expect_err(why);
        assert_eq!(e.code, ErrorCode::InvalidInput);
        assert!(e.message.contains(why), "{}", e.message);
    }
    assert!(db
        .api
        .list_carrier_accounts()
        .await
        .expect("list")
        .is_empty());
}
