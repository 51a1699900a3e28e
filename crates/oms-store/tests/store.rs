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

#[tokio::test]
async fn the_same_order_twice_in_one_batch_keeps_the_newest_version() {
    let dir = tempfile::tempdir().expect("dir");
    let store = Store::open(&dir.path().join("s.sqlite"))
        .await
        .expect("open");
    let b = Importer::new(&store, "test")
        .write(&[
            order("1", OrderStatus::Pending, 20, 1),
            order("1", OrderStatus::Cancelled, 10, 1),
            order("2", OrderStatus::Ready, 5, 1),
        ])
        .await
        .expect("write");
    assert_eq!((b.inserted, b.skipped), (2, 1));
    let d = store
        .get_order(OrderId::new(1).expect("id"))
        .await
        .expect("order");
    assert_eq!(
        d.order.status,
        OrderStatus::Pending,
        "the newer version wins"
    );
}

#[tokio::test]
async fn a_rolled_back_batch_does_not_poison_the_next_one() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("s.sqlite");
    let store = Store::open(&path).await.expect("open");
    // Make the database refuse one kind of line, so a batch fails inside its transaction,
    // after its new connection, product and customer were inserted.
    let raw = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .expect("raw");
    sqlx::query("CREATE TRIGGER refuse BEFORE INSERT ON order_lines WHEN NEW.quantity = 999 BEGIN SELECT RAISE(ABORT, 'refused'); END")
        .execute(&raw)
        .await
        .expect("trigger");
    let mut imp = Importer::new(&store, "test");
    let mut bad = order("1", OrderStatus::Pending, 1, 999);
    bad.connection_name = "New shop".into();
    bad.lines[0].sku = Sku::parse("NEW-SKU").expect("sku");
    bad.email = Some(Email::parse("new@example.com").expect("email"));
    imp.write(&[bad.clone()])
        .await
        .expect_err("refused by the trigger");
    assert_eq!(store.total_orders().await.expect("total"), 0);
    // The same importer, the same new connection, product and customer: they must be inserted
    // again, not taken from ids cached in the rolled-back transaction.
    bad.lines[0].quantity = Quantity::new(2).expect("qty");
    let b = imp.write(&[bad]).await.expect("second batch");
    assert_eq!(b.inserted, 1);
    let d = store
        .get_order(OrderId::new(1).expect("id"))
        .await
        .expect("order");
    assert_eq!(
        (
            d.order.connection_name.as_str(),
            d.lines[0].sku.as_str(),
            d.order.email.as_deref()
        ),
        ("New shop", "NEW-SKU", Some("new@example.com"))
    );
}
