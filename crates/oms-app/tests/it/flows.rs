//! Buy online, pick up in store; drop-ship and 3PL hand-offs; pre-orders — through the
//! application API on real SQLite files.

use crate::fresh;
use crate::pipeline::{order, place, receive};
use oms_app::domain::*;
use oms_app::Api;

async fn only_order(api: &Api) -> i64 {
    api.list_orders(&OrderQuery::default())
        .await
        .expect("list")
        .rows[0]
        .id
}

async fn on_hand(api: &Api, sku: &str, location: i64) -> i64 {
    api.inventory(&InventoryQuery {
        search: Some(sku.into()),
        limit: 100,
        ..Default::default()
    })
    .await
    .expect("inventory")
    .rows
    .iter()
    .find(|r| r.location_id == location)
    .map(|r| r.on_hand)
    .unwrap_or(0)
}

#[tokio::test]
async fn a_pickup_order_reserves_at_its_store_and_goes_ready_then_picked_up() {
    for routing in [false, true] {
        let db = fresh().await;
        let api = &db.api;
        let mut s = api.pipeline_settings().await.expect("s");
        s.routing.enabled = routing;
        api.save_pipeline_settings(&s).await.expect("save");
        let warehouse = place(api, LocationKind::Warehouse, "Warehouse", None).await;
        let store = place(api, LocationKind::Store, "Store Mitte", None).await;
        receive(api, "MUG", warehouse, 50).await;
        receive(api, "MUG", store, 2).await;
        api.import_orders(&[order("1", "anna@example.de", &[("MUG", 2)])], "test")
            .await
            .expect("import");
        api.process_pending(&|_| {}).await.expect("process");
        let id = only_order(api).await;
        let d = api.get_order(id).await.expect("d");
        assert_eq!(
            d.lines[0].reservations[0].location_name, "Warehouse",
            "most stock / nearest"
        );
        assert!(d.pickup.is_none());

        let out = api
            .set_pickup_location(id, Some(store))
            .await
            .expect("pickup");
        assert_eq!(out.status, OrderStatus::Allocated);
        let d = api.get_order(id).await.expect("d");
        assert_eq!(d.lines[0].reservations.len(), 1);
        assert_eq!(
            d.lines[0].reservations[0].location_name, "Store Mitte",
            "routing={routing}"
        );
        let p = d.pickup.expect("pickup info");
        assert_eq!(
            (p.location_name.as_str(), p.state),
            ("Store Mitte", PickupState::ToPrepare)
        );
        let q = api.pickup_queue(store).await.expect("queue");
        assert_eq!(q.len(), 1);
        assert_eq!(q[0].state, PickupState::ToPrepare);

        // Not ready yet: picking up is refused.
        let r = api.mark_picked_up(&[id], &|_| {}).await.expect("bulk");
        assert_eq!(r.failed_count, 1);
        assert!(r.failed[0].message.contains("not ready"), "{:?}", r.failed);
        let r = api
            .mark_ready_for_pickup(&[id], &|_| {})
            .await
            .expect("ready");
        assert_eq!(r.changed, 1, "{r:?}");
        assert_eq!(
            api.pickup_queue(store).await.expect("q")[0].state,
            PickupState::Ready
        );
        let r = api.mark_picked_up(&[id], &|_| {}).await.expect("picked up");
        assert_eq!(r.changed, 1, "{r:?}");
        let d = api.get_order(id).await.expect("d");
        assert_eq!(d.order.status, OrderStatus::Delivered);
        assert_eq!(d.pickup.map(|p| p.state), Some(PickupState::PickedUp));
        assert_eq!(
            on_hand(api, "MUG", store).await,
            0,
            "the units left the store"
        );
        assert_eq!(on_hand(api, "MUG", warehouse).await, 50);
        assert!(d
            .timeline
            .iter()
            .any(|e| e.summary.contains("Ready for pickup at Store Mitte")));
        assert!(d.timeline.iter().any(|e| e.summary.contains("Picked up")));
        assert!(api.check_inventory().await.expect("check").is_empty());
    }
}

#[tokio::test]
async fn a_pickup_order_without_stock_at_its_store_waits_and_cannot_be_set_ready() {
    let db = fresh().await;
    let api = &db.api;
    let warehouse = place(api, LocationKind::Warehouse, "Warehouse", None).await;
    let store = place(api, LocationKind::Store, "Store", None).await;
    receive(api, "MUG", warehouse, 50).await;
    api.import_orders(&[order("1", "anna@example.de", &[("MUG", 1)])], "test")
        .await
        .expect("import");
    let id = only_order(api).await;
    api.set_pickup_location(id, Some(store))
        .await
        .expect("pickup");
    let d = api.get_order(id).await.expect("d");
    assert!(
        d.lines[0].reservations.is_empty(),
        "never from the warehouse: {:?}",
        d.lines[0].reservations
    );
    assert_eq!(d.pickup.map(|p| p.state), Some(PickupState::Waiting));
    let r = api
        .mark_ready_for_pickup(&[id], &|_| {})
        .await
        .expect("bulk");
    assert_eq!(r.failed_count, 1);
    // Stock arrives at the store: the order is reserved there.
    receive(api, "MUG", store, 1).await;
    let d = api.get_order(id).await.expect("d");
    assert_eq!(d.lines[0].quantities.reserved, 1);
    assert_eq!(d.pickup.map(|p| p.state), Some(PickupState::ToPrepare));
}

#[tokio::test]
async fn routing_to_a_drop_ship_supplier_writes_a_handoff_that_is_confirmed_and_shipped() {
    let db = fresh().await;
    let api = &db.api;
    let mut s = api.pipeline_settings().await.expect("s");
    s.routing.enabled = true;
    api.save_pipeline_settings(&s).await.expect("save");
    let supplier = place(api, LocationKind::DropShipSupplier, "Nordic Mugs Ltd", None).await;
    receive(api, "MUG", supplier, 100).await;
    api.import_orders(&[order("1", "anna@example.de", &[("MUG", 3)])], "test")
        .await
        .expect("import");
    api.process_pending(&|_| {}).await.expect("process");
    let id = only_order(api).await;
    let open = api.list_handoffs(None).await.expect("handoffs");
    assert_eq!(open.len(), 1);
    let h = &open[0];
    assert_eq!(
        (h.kind.as_str(), h.status.as_str(), h.units),
        ("purchase_order", "pending", 3)
    );
    assert_eq!(h.location_name, "Nordic Mugs Ltd");
    let doc: serde_json::Value = serde_json::from_str(&h.document).expect("json");
    assert_eq!(doc["ship_to"]["postal_code"], "10115");
    assert_eq!(doc["lines"][0]["sku"], "MUG");

    let dir = tempfile::tempdir().expect("dir");
    let out = api
        .export_handoffs(None, Some(dir.path()))
        .await
        .expect("export");
    assert_eq!(out.handoffs, 1);
    assert_eq!(out.files.len(), 2);
    let csv = std::fs::read_to_string(out.files.iter().find(|f| f.ends_with(".csv")).expect("csv"))
        .expect("read");
    assert!(
        csv.lines()
            .nth(1)
            .is_some_and(|l| l.contains(",MUG,3,") && l.contains("10115")),
        "{csv}"
    );
    assert_eq!(
        api.list_handoffs(Some("sent")).await.expect("sent").len(),
        1
    );
    // Writing out again writes nothing new: it was sent.
    assert_eq!(
        api.export_handoffs(None, Some(dir.path()))
            .await
            .expect("again")
            .handoffs,
        0
    );

    let c = api
        .confirm_handoff(h.id, Some("PO-778"))
        .await
        .expect("confirm");
    assert_eq!(
        (c.status.as_str(), c.supplier_ref.as_deref()),
        ("confirmed", Some("PO-778"))
    );
    assert!(
        api.ship_handoff(h.id, "DHL", "bad/number").await.is_err(),
        "refused"
    );
    let shipped = api
        .ship_handoff(h.id, "DHL", "00340434161094042557")
        .await
        .expect("ship");
    assert_eq!(shipped.status, "shipped");
    let d = api.get_order(id).await.expect("d");
    assert_eq!(d.order.status, OrderStatus::Shipped);
    assert_eq!(d.handoffs.len(), 1);
    assert!(d
        .timeline
        .iter()
        .any(|e| e.detail.as_deref() == Some("DHL 00340434161094042557")));
    assert!(api.check_inventory().await.expect("check").is_empty());
    // A shipped hand-off cannot be shipped again.
    assert!(api.ship_handoff(h.id, "DHL", "1").await.is_err());
}

#[tokio::test]
async fn supplier_confirmations_import_from_csv_and_a_bad_row_changes_nothing() {
    let db = fresh().await;
    let api = &db.api;
    let mut s = api.pipeline_settings().await.expect("s");
    s.routing.enabled = true;
    api.save_pipeline_settings(&s).await.expect("save");
    let supplier = place(api, LocationKind::DropShipSupplier, "Nordic Mugs Ltd", None).await;
    receive(api, "MUG", supplier, 100).await;
    api.import_orders(
        &[
            order("1", "anna@example.de", &[("MUG", 1)]),
            order("22", "ben@example.de", &[("MUG", 2)]),
        ],
        "test",
    )
    .await
    .expect("import");
    api.process_pending(&|_| {}).await.expect("process");
    let open = api.list_handoffs(None).await.expect("handoffs");
    assert_eq!(open.len(), 2);
    let (a, b) = (open[0].id, open[1].id);
    let dir = tempfile::tempdir().expect("dir");
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        format!("reference,supplier_ref,carrier,tracking_number\nHO-{a},PO-1,DHL,00340434161094042557\nHO-{b},,,bad/number\nHO-999,,,\n"),
    )
    .expect("write");
    let r = api
        .import_handoff_csv(&bad, oms_app::ImportMode::AllOrNothing)
        .await
        .expect("checked");
    assert!(!r.committed);
    let cols: Vec<(Option<u32>, Option<&str>)> = r
        .errors
        .iter()
        .map(|e| (e.row, e.column.as_deref()))
        .collect();
    assert_eq!(
        cols,
        vec![
            (Some(2), Some("carrier")),
            (Some(2), Some("tracking_number")),
            (Some(3), Some("reference"))
        ],
        "{:?}",
        r.errors
    );
    assert_eq!(
        api.list_handoffs(Some("pending")).await.expect("p").len(),
        2,
        "nothing changed"
    );

    let good = dir.path().join("good.csv");
    std::fs::write(&good, format!("reference,supplier_ref,carrier,tracking_number\nHO-{a},PO-1,DHL,00340434161094042557\n{b},PO-2,,\n")).expect("write");
    let r = api
        .import_handoff_csv(&good, oms_app::ImportMode::AllOrNothing)
        .await
        .expect("import");
    assert_eq!((r.confirmed, r.shipped, r.committed), (2, 1, true));
    let all = api.list_handoffs(Some("shipped")).await.expect("shipped");
    assert_eq!(all.len(), 1);
    assert_eq!(
        all[0].tracking_number.as_deref(),
        Some("00340434161094042557")
    );
    let confirmed = api
        .list_handoffs(Some("confirmed"))
        .await
        .expect("confirmed");
    assert_eq!(confirmed[0].supplier_ref.as_deref(), Some("PO-2"));
    assert_eq!(
        api.get_order(all[0].order_id)
            .await
            .expect("d")
            .order
            .status,
        OrderStatus::Shipped
    );
    assert!(api.check_inventory().await.expect("check").is_empty());
}

#[tokio::test]
async fn cancelling_an_order_calls_off_its_handoff() {
    let db = fresh().await;
    let api = &db.api;
    let tpl = place(api, LocationKind::ThirdPartyLogistics, "3PL Hub", None).await;
    receive(api, "MUG", tpl, 10).await;
    api.import_orders(&[order("1", "anna@example.de", &[("MUG", 1)])], "test")
        .await
        .expect("import");
    api.process_pending(&|_| {}).await.expect("process");
    let id = only_order(api).await;
    let h = api.list_handoffs(None).await.expect("h");
    assert_eq!(
        h.first().map(|h| h.kind.as_str()),
        Some("fulfilment_request")
    );
    api.cancel_orders(&[id], "customer changed their mind", &|_| {})
        .await
        .expect("cancel");
    assert!(api.list_handoffs(None).await.expect("open").is_empty());
    assert_eq!(
        api.list_handoffs(Some("cancelled")).await.expect("c").len(),
        1
    );
}

#[tokio::test]
async fn a_preorder_waits_for_its_release_and_the_expected_stock() {
    let db = fresh().await;
    let api = &db.api;
    let warehouse = place(api, LocationKind::Warehouse, "Warehouse", None).await;
    receive(api, "MUG", warehouse, 5).await;
    api.set_release_date("MUG", Some(oms_app::now_ms() + 7 * 86_400_000))
        .await
        .expect("release");
    api.import_orders(&[order("1", "anna@example.de", &[("MUG", 2)])], "test")
        .await
        .expect("import");
    api.process_pending(&|_| {}).await.expect("process");
    let id = only_order(api).await;
    let d = api.get_order(id).await.expect("d");
    assert_eq!(
        d.order.status,
        OrderStatus::Backordered,
        "not from the stock on hand before release"
    );
    assert_eq!(
        (
            d.lines[0].quantities.reserved,
            d.lines[0].quantities.backordered
        ),
        (0, 2)
    );
    assert!(d.lines[0].release_at.is_some());
    assert_eq!(
        d.lines[0].preorder_covered,
        Some(false),
        "nothing expected yet"
    );
    api.set_incoming("MUG", warehouse, 1, None)
        .await
        .expect("incoming");
    let d = api.get_order(id).await.expect("d");
    assert_eq!(
        d.lines[0].preorder_covered,
        Some(false),
        "1 expected, 2 pre-ordered"
    );
    api.set_incoming("MUG", warehouse, 10, None)
        .await
        .expect("incoming");
    let d = api.get_order(id).await.expect("d");
    assert_eq!(d.lines[0].preorder_covered, Some(true));
    assert!(
        d.holds.iter().all(|h| h.released_at.is_some()),
        "a pre-order is not held for stock: {:?}",
        d.holds
    );
    assert!(d
        .timeline
        .iter()
        .any(|e| e.detail.as_deref().is_some_and(|x| x.contains("Pre-order"))));
    // Receiving more before the release still leaves it waiting.
    receive(api, "MUG", warehouse, 5).await;
    assert_eq!(
        api.get_order(id).await.expect("d").lines[0]
            .quantities
            .reserved,
        0
    );
    // The release date comes (here: it is moved to now): the order is placed.
    api.set_release_date("MUG", Some(oms_app::now_ms() - 1000))
        .await
        .expect("released");
    let d = api.get_order(id).await.expect("d");
    assert_eq!(d.order.status, OrderStatus::Allocated);
    assert_eq!(d.lines[0].quantities.reserved, 2);
}
