//! Order edits, line cancellations and exchanges through the application API on real SQLite
//! files: every change on the timeline before → after, reservations given back and taken again,
//! refusals after shipping, the paid amount kept for refunds, and exchange orders linked both
//! ways and routed like any other.

use crate::fresh;
use crate::pipeline::{location, order, receive};
use oms_app::domain::edit_views::*;
use oms_app::domain::return_views::{ReturnInput, ReturnLineInput};
use oms_app::domain::*;
use oms_app::Api;

async fn only_order(api: &Api) -> i64 {
    api.list_orders(&OrderQuery::default())
        .await
        .expect("list")
        .rows[0]
        .id
}

fn reserved(d: &OrderDetail, line: usize) -> u32 {
    d.lines[line].quantities.reserved
}

#[tokio::test]
async fn an_unshipped_order_is_edited_checked_and_routed_again_with_a_diff() {
    let db = fresh().await;
    let api = &db.api;
    let loc = location(api, "Main").await;
    receive(api, "MUG", loc, 5).await;
    receive(api, "TEA", loc, 5).await;
    api.import_orders(&[order("1", "anna@example.de", &[("MUG", 2)])], "test")
        .await
        .expect("import");
    api.process_pending(&|_| {}).await.expect("process");
    let id = only_order(api).await;
    assert_eq!(reserved(&api.get_order(id).await.expect("d"), 0), 2);

    let mut to = api
        .get_order(id)
        .await
        .expect("d")
        .ship_to
        .expect("ship-to");
    to.line1 = "Ringstraße 9".into();
    to.postal_code = Some("04109".into());
    to.city = "Leipzig".into();
    let r = api
        .edit_order(&OrderEdit {
            order_id: id,
            quantities: vec![LineQuantityInput {
                line_no: 1,
                quantity: 3,
            }],
            add: vec![NewLineInput {
                sku: "TEA".into(),
                title: Some("Green tea".into()),
                quantity: 1,
                unit_price: 500,
            }],
            ship_to: Some(to),
            shipping_service: Some("DHL Express".into()),
            comment: "customer called".into(),
        })
        .await
        .expect("edit");
    assert_eq!(
        (r.total_before, r.total_after, r.balance),
        (2_000, 3_500, 1_500),
        "{r:?}"
    );
    for want in [
        "MUG (line 1): 2 → 3 units",
        "TEA (line 2): added, 1 × 5.00 EUR",
        "→ Anna Schmidt, Ringstraße 9, 04109 Leipzig, DE",
        "shipping service: DHL Paket → DHL Express",
        "total: 20.00 EUR → 35.00 EUR",
        "15.00 EUR to collect from the customer",
    ] {
        assert!(
            r.changes.iter().any(|c| c.contains(want)),
            "{want}: {:#?}",
            r.changes
        );
    }
    assert_eq!(r.status, "allocated");
    let d = api.get_order(id).await.expect("d");
    assert_eq!((reserved(&d, 0), reserved(&d, 1)), (3, 1));
    assert_eq!(d.order.grand_total, 3_500);
    assert_eq!(d.ship_to.as_ref().map(|a| a.city.as_str()), Some("Leipzig"));
    assert_eq!(d.shipping_service.as_deref(), Some("DHL Express"));
    let ev = d
        .timeline
        .iter()
        .find(|e| e.kind == "edited")
        .expect("edit on the timeline");
    assert_eq!(ev.summary, "Order edited: 6 changes");
    assert!(ev
        .detail
        .as_deref()
        .unwrap_or("")
        .contains("customer called"));
    // Refunds stay limited by what was paid (20.00), not by the edited total.
    assert_eq!(api.refundable(id).await.expect("r").paid, 2_000);
    assert!(api.check_inventory().await.expect("check").is_empty());

    // Removing a line cancels its units and frees its stock.
    let r = api
        .edit_order(&OrderEdit {
            order_id: id,
            quantities: vec![LineQuantityInput {
                line_no: 2,
                quantity: 0,
            }],
            add: vec![],
            ship_to: None,
            shipping_service: None,
            comment: String::new(),
        })
        .await
        .expect("remove");
    assert!(
        r.changes[0].contains("TEA (line 2): removed (1 units)"),
        "{:?}",
        r.changes
    );
    let d = api.get_order(id).await.expect("d");
    assert_eq!(d.lines.len(), 1, "the added line is gone");
    assert_eq!(d.order.grand_total, 3_000);
    assert_eq!(d.order.status, OrderStatus::Allocated, "{:?}", d.holds);
    // Nothing to change, a bad quantity: clear errors.
    let e = api
        .edit_order(&OrderEdit {
            order_id: id,
            quantities: vec![LineQuantityInput {
                line_no: 9,
                quantity: 1,
            }],
            add: vec![],
            ship_to: None,
            shipping_service: None,
            comment: String::new(),
        })
        .await
        .expect_err("no line 9");
    assert!(e.message.contains("line 9: not a line"), "{}", e.message);

    // After shipping: refused, pointing to a return.
    api.ship_order(id, "DHL", "JJD1").await.expect("ship");
    let e = api
        .edit_order(&OrderEdit {
            order_id: id,
            quantities: vec![LineQuantityInput {
                line_no: 1,
                quantity: 1,
            }],
            add: vec![],
            ship_to: None,
            shipping_service: None,
            comment: String::new(),
        })
        .await
        .expect_err("shipped");
    assert!(
        e.message.contains("start a return instead"),
        "{}",
        e.message
    );
    assert_eq!(e.code, oms_app::ErrorCode::Conflict);
    // Cancelling a shipped order says the same.
    let r = api
        .cancel_orders(&[id], "too late", &|_| {})
        .await
        .expect("bulk");
    assert_eq!(r.failed_count, 1);
    assert!(
        r.failed[0]
            .message
            .contains("has shipped: it cannot be cancelled any more; start a return instead"),
        "{:?}",
        r.failed
    );
}

#[tokio::test]
async fn cancelling_some_lines_releases_their_stock_and_all_of_them_cancels_the_order() {
    let db = fresh().await;
    let api = &db.api;
    let loc = location(api, "Main").await;
    receive(api, "MUG", loc, 2).await;
    receive(api, "TEA", loc, 1).await;
    api.import_orders(
        &[order("1", "anna@example.de", &[("MUG", 2), ("TEA", 1)])],
        "test",
    )
    .await
    .expect("import");
    api.process_pending(&|_| {}).await.expect("process");
    let id = only_order(api).await;
    let e = api
        .cancel_lines(&CancelLinesInput {
            order_id: id,
            lines: vec![LineQuantityInput {
                line_no: 1,
                quantity: 3,
            }],
            reason: "out of stock at the supplier".into(),
        })
        .await
        .expect_err("too many");
    assert!(
        e.message.contains("3 units asked, 2 not shipped"),
        "{}",
        e.message
    );
    let said = api
        .cancel_lines(&CancelLinesInput {
            order_id: id,
            lines: vec![LineQuantityInput {
                line_no: 1,
                quantity: 1,
            }],
            reason: "customer changed their mind".into(),
        })
        .await
        .expect("cancel one");
    assert_eq!(said, "Cancelled before shipping: 1 × MUG");
    let d = api.get_order(id).await.expect("d");
    assert_eq!(
        (
            d.lines[0].quantities.cancelled,
            reserved(&d, 0),
            reserved(&d, 1)
        ),
        (1, 1, 1)
    );
    assert_eq!(d.order.status, OrderStatus::Allocated);
    let inv = api
        .inventory(&InventoryQuery {
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("inventory");
    let mug = inv.rows.iter().find(|r| r.sku == "MUG").expect("MUG");
    assert_eq!((mug.on_hand, mug.reserved), (2, 1));
    api.cancel_lines(&CancelLinesInput {
        order_id: id,
        lines: vec![
            LineQuantityInput {
                line_no: 1,
                quantity: 1,
            },
            LineQuantityInput {
                line_no: 2,
                quantity: 1,
            },
        ],
        reason: "customer changed their mind".into(),
    })
    .await
    .expect("cancel the rest");
    let d = api.get_order(id).await.expect("d");
    assert_eq!(d.order.status, OrderStatus::Cancelled);
    assert!(api.check_inventory().await.expect("check").is_empty());
}

#[tokio::test]
async fn an_exchange_is_a_linked_order_routed_like_any_other() {
    let db = fresh().await;
    let api = &db.api;
    let loc = location(api, "Main").await;
    receive(api, "MUG", loc, 2).await;
    receive(api, "MUG-RED", loc, 1).await;
    receive(api, "MUG-XL", loc, 1).await;
    api.import_orders(&[order("1", "anna@example.de", &[("MUG", 2)])], "test")
        .await
        .expect("import");
    api.process_pending(&|_| {}).await.expect("process");
    let id = only_order(api).await;
    api.ship_order(id, "DHL", "JJD1").await.expect("ship");
    let ret = api
        .create_return(&ReturnInput {
            order_id: id,
            lines: vec![ReturnLineInput {
                line_no: 1,
                quantity: 2,
                reason: "wrong_item".into(),
                comment: None,
            }],
            note: None,
            approve: true,
        })
        .await
        .expect("return");
    // An even swap for one mug: a zero-priced, paid order, allocated at once.
    let x = api
        .create_exchange(&ExchangeInput {
            return_id: ret.id,
            lines: vec![ExchangeLineInput {
                line_no: 1,
                sku: "MUG-RED".into(),
                quantity: 1,
                unit_price: None,
            }],
        })
        .await
        .expect("exchange");
    assert_eq!(
        (x.to_collect, x.to_refund, x.status.as_str()),
        (0, 0, "allocated"),
        "{x:?}"
    );
    assert_eq!(x.order_number, "#1-X1");
    let nd = api.get_order(x.order_id).await.expect("new");
    assert_eq!(nd.order.grand_total, 0);
    assert_eq!(nd.order.payment_status, PaymentStatus::Paid);
    assert_eq!(nd.exchange_of.as_ref().map(|o| o.id), Some(id));
    assert_eq!(nd.ship_to.as_ref().map(|a| a.city.as_str()), Some("Berlin"));
    assert_eq!(nd.lines[0].sku, "MUG-RED");
    let od = api.get_order(id).await.expect("original");
    assert_eq!(od.exchanges.len(), 1);
    assert!(od
        .timeline
        .iter()
        .any(|e| e.summary.contains("Exchange for return") && e.summary.contains("#1-X1")));
    assert_eq!(
        api.return_view(ret.id).await.expect("r").exchange_order_id,
        Some(x.order_id)
    );
    // A dearer item: the difference is to collect and the order waits for payment.
    let x2 = api
        .create_exchange(&ExchangeInput {
            return_id: ret.id,
            lines: vec![ExchangeLineInput {
                line_no: 1,
                sku: "MUG-XL".into(),
                quantity: 1,
                unit_price: Some(1_500),
            }],
        })
        .await
        .expect("second");
    assert_eq!((x2.to_collect, x2.order_number.as_str()), (500, "#1-X2"));
    let d2 = api.get_order(x2.order_id).await.expect("x2");
    assert_eq!(
        (d2.order.grand_total, d2.order.payment_status),
        (500, PaymentStatus::Pending)
    );
    let e = api
        .create_exchange(&ExchangeInput {
            return_id: ret.id,
            lines: vec![ExchangeLineInput {
                line_no: 1,
                sku: "MUG-RED".into(),
                quantity: 3,
                unit_price: None,
            }],
        })
        .await
        .expect_err("more than returned");
    assert!(e.message.contains("the return has 2"), "{}", e.message);
}

#[tokio::test]
async fn the_customer_page_gathers_orders_by_email_then_phone_with_value_and_notes() {
    let db = fresh().await;
    let api = &db.api;
    let mut a = order("1", "anna@example.de", &[("MUG", 2)]);
    a.phone = Some("+49 30 1234".into());
    let mut b = order("22", "anna@example.de", &[("TEA", 1)]);
    b.connection_name = "Woo".into();
    b.channel = ChannelKind::Woocommerce;
    // A shop order without an e-mail, same phone: hers too.
    let mut c = order("333", "x@example.de", &[("CUP", 1)]);
    c.email = None;
    c.phone = Some("+49 30 1234".into());
    c.channel = ChannelKind::Pos;
    c.connection_name = "Shop till".into();
    let other = order("4444", "bert@example.de", &[("MUG", 1)]);
    api.import_orders(&[a, b, c, other], "test")
        .await
        .expect("import");
    let rows = api
        .list_orders(&OrderQuery {
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("list")
        .rows;
    let first = rows.iter().find(|r| r.order_number == "#1").expect("#1").id;
    api.add_note(first, "called about the mug, @tester please check")
        .await
        .expect("note");
    let p = api.customer_page(first).await.expect("page");
    let numbers: Vec<&str> = p.orders.iter().map(|o| o.order_number.as_str()).collect();
    assert_eq!(p.orders.len(), 3, "{numbers:?}");
    assert!(!numbers.contains(&"#4444"));
    assert_eq!(p.by_phone, 1);
    assert_eq!(p.email.as_deref(), Some("anna@example.de"));
    assert_eq!(
        p.lifetime_value,
        vec![CurrencyAmount {
            currency: "EUR".into(),
            amount: 4_000
        }]
    );
    assert_eq!(p.notes.len(), 1);
    // The operator sees the notes that mention them.
    let m = api.mentions(None).await.expect("mentions");
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].order_number, "#1");
    assert!(api.mentions(Some("nobody")).await.expect("none").is_empty());
}
