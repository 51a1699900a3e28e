//! Storage tests on real SQLite files: migrations, counters kept by triggers, versioned upserts.

use oms_domain::*;
use oms_store::{Importer, Store};

fn order(ext: &str, status: OrderStatus, updated_at: i64, qty: i64) -> NewOrder {
    NewOrder {
        channel: ChannelKind::Shopify,
        connection_name: "Shop".into(),
        external_id: ext.into(),
        order_number: format!("#{ext}"),
        placed_at: 1_790_000_000_000,
        updated_at: Some(updated_at),
        currency: Currency::of("EUR"),
        shipping_total: 0,
        tax_total: 0,
        discount_total: 0,
        payment_status: PaymentStatus::Paid,
        status,
        priority: 0,
        tags: vec![Tag::parse("vip").expect("tag")],
        customer_name: "Ada Lovelace".into(),
        email: Some(Email::parse("ada@example.com").expect("email")),
        phone: None,
        ship_to: None,
        bill_to: None,
        shipping_service: None,
        ship_by: None,
        lines: vec![NewOrderLine {
            sku: Sku::parse("A-1").expect("sku"),
            title: "Thing".into(),
            quantity: Quantity::new(qty).expect("qty"),
            unit_price: 100,
        }],
    }
}

async fn real_count(store: &Store, status: OrderStatus) -> i64 {
    store
        .list_orders(&OrderQuery {
            status: Some(status),
            limit: 1000,
            ..Default::default()
        })
        .await
        .expect("list")
        .rows
        .len() as i64
}

#[tokio::test]
async fn counters_follow_inserts_and_status_changes_and_old_versions_are_ignored() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("s.sqlite");
    let store = Store::open(&path).await.expect("open");
    let mut imp = Importer::new(&store, "test");
    let b = imp
        .write(&[
            order("1", OrderStatus::Pending, 10, 1),
            order("2", OrderStatus::Pending, 10, 1),
        ])
        .await
        .expect("write");
    assert_eq!((b.inserted, b.updated, b.skipped), (2, 0, 0));
    // A newer version changes status and lines; an older one is ignored.
    let b = imp
        .write(&[
            order("1", OrderStatus::Shipped, 20, 3),
            order("2", OrderStatus::Cancelled, 5, 9),
        ])
        .await
        .expect("write");
    assert_eq!((b.inserted, b.updated, b.skipped), (0, 1, 1));
    let counts = store.status_counts().await.expect("counts");
    for c in &counts {
        assert_eq!(
            c.count,
            real_count(&store, c.status).await,
            "{:?}",
            c.status
        );
    }
    let detail = store
        .get_order(OrderId::new(1).expect("id"))
        .await
        .expect("order");
    assert_eq!(detail.lines.len(), 1);
    assert_eq!(detail.lines[0].quantity, 3);
    assert_eq!(
        detail
            .timeline
            .iter()
            .map(|e| e.kind.as_str())
            .collect::<Vec<_>>(),
        vec!["updated", "imported"]
    );
    assert_eq!(store.tags().await.expect("tags"), vec!["vip".to_owned()]);
    store.close().await;
    // Reopening applies no migration twice and keeps everything.
    let store = Store::open(&path).await.expect("reopen");
    assert_eq!(store.total_orders().await.expect("total"), 2);
    assert_eq!(store.search("ada", 10).await.expect("search").len(), 2);
}

#[tokio::test]
async fn a_batch_with_an_invalid_order_writes_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let store = Store::open(&dir.path().join("s.sqlite"))
        .await
        .expect("open");
    let mut bad = order("2", OrderStatus::Pending, 1, 1);
    bad.lines.clear();
    let err = Importer::new(&store, "test")
        .write(&[order("1", OrderStatus::Pending, 1, 1), bad])
        .await
        .expect_err("invalid");
    assert!(err.to_string().contains("lines"), "{err}");
    assert_eq!(store.total_orders().await.expect("total"), 0);
}

#[tokio::test]
async fn a_local_note_does_not_hide_a_later_channel_update() {
    let dir = tempfile::tempdir().expect("dir");
    let store = Store::open(&dir.path().join("s.sqlite"))
        .await
        .expect("open");
    let mut imp = Importer::new(&store, "test");
    imp.write(&[order("1", OrderStatus::Pending, 1_790_000_000_000, 1)])
        .await
        .expect("write");
    store
        .add_note(
            OrderId::new(1).expect("id"),
            "user:a",
            "called the customer",
        )
        .await
        .expect("note");
    // The channel's next version is newer than its last one, whatever the local clock says.
    let b = imp
        .write(&[order("1", OrderStatus::Cancelled, 1_790_000_000_001, 1)])
        .await
        .expect("write");
    assert_eq!(b.updated, 1);
    let d = store
        .get_order(OrderId::new(1).expect("id"))
        .await
        .expect("order");
    assert_eq!(d.order.status, OrderStatus::Cancelled);
    assert!(
        d.timeline
            .iter()
            .any(|e| e.detail.as_deref() == Some("called the customer")),
        "notes survive updates"
    );
}
