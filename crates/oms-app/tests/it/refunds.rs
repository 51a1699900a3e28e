//! Refunds through the application API on real SQLite files: per line, shipping and any
//! amount within what was paid, the payment status following, approval above an amount, and
//! a property: whatever refunds are asked for, together they never exceed the payment and no
//! line is refunded beyond its units.

use crate::fresh;
use crate::pipeline::order;
use oms_app::domain::refund_views::{RefundInput, RefundLineInput};
use oms_app::domain::*;
use proptest::prelude::*;

async fn paid_order(api: &oms_app::Api) -> i64 {
    // Two lines: 2 × 10.00 and 1 × 10.00, shipping 0 in the helper; set shipping on the order.
    let mut o = order("1", "anna@example.de", &[("MUG", 2), ("TEA", 1)]);
    o.shipping_total = 490;
    api.import_orders(&[o], "test").await.expect("import");
    api.list_orders(&OrderQuery::default())
        .await
        .expect("list")
        .rows[0]
        .id
}

fn refund(order: i64, lines: &[(i64, i64)], shipping: i64, extra: i64) -> RefundInput {
    RefundInput {
        order_id: order,
        lines: lines
            .iter()
            .map(|&(line_no, quantity)| RefundLineInput { line_no, quantity })
            .collect(),
        shipping,
        extra,
        reason: "arrived damaged".into(),
        return_id: None,
    }
}

#[tokio::test]
async fn refunds_stay_within_the_payment_and_the_status_follows() {
    let db = fresh().await;
    let api = &db.api;
    let id = paid_order(api).await;
    let r = api.refundable(id).await.expect("refundable");
    assert_eq!(
        (r.paid, r.left, r.shipping_total),
        (3_490, 3_490, 490),
        "{r:?}"
    );
    // One mug and the shipping, without a return.
    let f = api
        .create_refund(&refund(id, &[(1, 1)], 490, 0))
        .await
        .expect("refund");
    assert_eq!((f.amount, f.status.as_str()), (1_490, "approved"));
    assert_eq!(f.lines[0].sku, "MUG");
    let d = api.get_order(id).await.expect("detail");
    assert_eq!(d.order.payment_status, PaymentStatus::PartiallyRefunded);
    assert!(d
        .timeline
        .iter()
        .any(|e| e.summary == "Refund of 1490 EUR approved"));
    // The limits, each named.
    let e = api
        .create_refund(&refund(id, &[(1, 2)], 0, 0))
        .await
        .expect_err("too many mugs");
    assert!(
        e.message.contains("line 1 (MUG): 2 units asked, 1 left"),
        "{}",
        e.message
    );
    let e = api
        .create_refund(&refund(id, &[], 1, 0))
        .await
        .expect_err("shipping twice");
    assert!(
        e.message.starts_with("shipping: 1 asked, 0 left"),
        "{}",
        e.message
    );
    let e = api
        .create_refund(&refund(id, &[], 0, 2_001))
        .await
        .expect_err("more than paid");
    assert!(
        e.message.starts_with("2001 asked, 2000 left"),
        "{}",
        e.message
    );
    assert_eq!(e.code, oms_app::ErrorCode::InvalidInput);
    // The rest: the order is refunded.
    api.create_refund(&refund(id, &[(1, 1), (2, 1)], 0, 0))
        .await
        .expect("rest");
    assert_eq!(
        api.get_order(id).await.expect("d").order.payment_status,
        PaymentStatus::Refunded
    );
    assert_eq!(api.refundable(id).await.expect("r").left, 0);
}

#[tokio::test]
async fn refunds_above_an_amount_wait_for_approval_and_count_meanwhile() {
    let db = fresh().await;
    let api = &db.api;
    let id = paid_order(api).await;
    api.set_refund_approval_above(Some(1_000))
        .await
        .expect("setting");
    let small = api
        .create_refund(&refund(id, &[], 0, 500))
        .await
        .expect("small");
    assert_eq!(small.status, "approved");
    let big = api
        .create_refund(&refund(id, &[(1, 2)], 0, 0))
        .await
        .expect("big");
    assert_eq!(big.status, "pending_approval");
    assert_eq!(api.refunds(None).await.expect("waiting").len(), 1);
    // Waiting money is not given out twice.
    let e = api
        .create_refund(&refund(id, &[], 0, 1_000))
        .await
        .expect_err("limit");
    assert!(e.message.contains("990 left"), "{}", e.message);
    let ok = api.decide_refund(big.id, true).await.expect("approve");
    assert_eq!(ok.status, "approved");
    assert!(
        api.decide_refund(big.id, true).await.is_err(),
        "decided already"
    );
    // A declined refund frees its amount again.
    api.set_refund_approval_above(Some(100))
        .await
        .expect("setting");
    let third = api
        .create_refund(&refund(id, &[], 0, 500))
        .await
        .expect("third");
    assert_eq!(third.status, "pending_approval");
    api.decide_refund(third.id, false).await.expect("decline");
    assert_eq!(
        api.refundable(id).await.expect("r").left,
        3_490 - 500 - 2_000
    );
    assert_eq!(api.refunds(Some(id)).await.expect("all").len(), 3);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn refunds_never_exceed_the_payment_nor_a_lines_units(
        asks in proptest::collection::vec((0i64..4, 0i64..3, 0i64..600, 0i64..2_000, any::<bool>()), 1..8),
        threshold in proptest::option::of(0i64..3_000),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(async {
            let db = fresh().await;
            let api = &db.api;
            let id = paid_order(api).await;
            api.set_refund_approval_above(threshold).await.expect("setting");
            for (mugs, teas, shipping, extra, approve) in asks {
                let mut lines = Vec::new();
                if mugs > 0 { lines.push((1, mugs)); }
                if teas > 0 { lines.push((2, teas)); }
                if let Ok(f) = api.create_refund(&refund(id, &lines, shipping, extra)).await {
                    if f.status == "pending_approval" {
                        api.decide_refund(f.id, approve).await.expect("decide");
                    }
                }
                let all = api.refunds(Some(id)).await.expect("refunds");
                let counting: Vec<_> = all.iter().filter(|f| f.status != "failed").collect();
                let total: i64 = counting.iter().map(|f| f.amount).sum();
                assert!(total <= 3_490, "refunded {total} of 3490");
                let shipped: i64 = counting.iter().map(|f| f.shipping).sum();
                assert!(shipped <= 490, "shipping refunded {shipped} of 490");
                for (line, units) in [(1i64, 2i64), (2, 1)] {
                    let n: i64 = counting.iter().flat_map(|f| &f.lines).filter(|l| l.line_no == line).map(|l| l.quantity).sum();
                    assert!(n <= units, "line {line}: {n} of {units} refunded");
                }
                let r = api.refundable(id).await.expect("refundable");
                assert_eq!(r.left, 3_490 - total);
            }
        });
    }
}
