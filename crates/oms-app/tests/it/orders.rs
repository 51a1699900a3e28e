use crate::{fresh, with_demo, ANCHOR};
use oms_app::domain::*;
use oms_app::ErrorCode;

#[tokio::test]
async fn demo_data_fills_lists_counts_and_dashboard() {
    let db = with_demo(3_000).await;
    let info = db.api.app_info().await.expect("info");
    assert_eq!(info.order_count, 3_000);
    assert!(!info.first_run);
    let counts = db.api.status_counts().await.expect("counts");
    assert_eq!(counts.iter().map(|c| c.count).sum::<i64>(), 3_000);
    // Counters agree with a real count for every status.
    for c in &counts {
        let n = db
            .api
            .count_orders(&OrderQuery {
                status: Some(c.status),
                country: Some("DE".into()),
                ..Default::default()
            })
            .await
            .expect("count");
        assert!(n <= c.count);
    }
    let conns = db.api.list_connections().await.expect("connections");
    assert_eq!(conns.len(), 8);
    assert!(db
        .api
        .list_tags()
        .await
        .expect("tags")
        .contains(&"vip".to_owned()));
}

#[tokio::test]
async fn a_fresh_database_is_a_first_run() {
    let db = fresh().await;
    assert!(db.api.app_info().await.expect("info").first_run);
    assert_eq!(
        db.api
            .list_orders(&OrderQuery::default())
            .await
            .expect("list")
            .rows
            .len(),
        0
    );
}

#[tokio::test]
async fn keyset_pages_cover_every_order_once_in_every_sort() {
    let db = with_demo(1_200).await;
    for sort in [
        OrderSort::PlacedAt,
        OrderSort::GrandTotal,
        OrderSort::OrderNumber,
        OrderSort::Priority,
    ] {
        for dir in [SortDir::Asc, SortDir::Desc] {
            let mut q = OrderQuery {
                sort,
                dir,
                limit: 137,
                ..Default::default()
            };
            let mut seen = std::collections::HashSet::new();
            let mut prev: Option<OrderRow> = None;
            loop {
                let page = db.api.list_orders(&q).await.expect("page");
                for r in &page.rows {
                    assert!(
                        seen.insert(r.id),
                        "order {} twice in {sort:?} {dir:?}",
                        r.id
                    );
                    if let Some(p) = &prev {
                        let ord = match sort {
                            OrderSort::PlacedAt => p.placed_at.cmp(&r.placed_at),
                            OrderSort::GrandTotal => p.grand_total.cmp(&r.grand_total),
                            OrderSort::OrderNumber => p.order_number.cmp(&r.order_number),
                            OrderSort::Priority => p.priority.cmp(&r.priority),
                        };
                        let ord = ord.then(p.id.cmp(&r.id));
                        let want = if dir == SortDir::Asc {
                            std::cmp::Ordering::Less
                        } else {
                            std::cmp::Ordering::Greater
                        };
                        assert_eq!(ord, want, "{sort:?} {dir:?} out of order");
                    }
                    prev = Some(r.clone());
                }
                match page.next_cursor {
                    Some(c) => q.cursor = Some(c),
                    None => break,
                }
            }
            assert_eq!(seen.len(), 1_200, "{sort:?} {dir:?}");
        }
    }
}

#[tokio::test]
async fn every_filter_returns_only_matching_orders() {
    let db = with_demo(2_000).await;
    let conn = db.api.list_connections().await.expect("c")[0].clone();
    let from = ANCHOR - 10 * 86_400_000;
    let q = OrderQuery {
        status: Some(OrderStatus::Delivered),
        limit: 1000,
        ..Default::default()
    };
    let rows = db.api.list_orders(&q).await.expect("l").rows;
    assert!(!rows.is_empty() && rows.iter().all(|r| r.status == OrderStatus::Delivered));
    let rows = db
        .api
        .list_orders(&OrderQuery {
            connection_id: Some(conn.id),
            limit: 1000,
            ..Default::default()
        })
        .await
        .expect("l")
        .rows;
    assert!(!rows.is_empty() && rows.iter().all(|r| r.connection_name == conn.name));
    let rows = db
        .api
        .list_orders(&OrderQuery {
            placed_from: Some(from),
            placed_to: Some(ANCHOR),
            limit: 1000,
            ..Default::default()
        })
        .await
        .expect("l")
        .rows;
    assert!(
        !rows.is_empty()
            && rows
                .iter()
                .all(|r| r.placed_at >= from && r.placed_at < ANCHOR)
    );
    let rows = db
        .api
        .list_orders(&OrderQuery {
            country: Some("gb".into()),
            limit: 1000,
            ..Default::default()
        })
        .await
        .expect("l")
        .rows;
    assert!(!rows.is_empty() && rows.iter().all(|r| r.ship_country.as_deref() == Some("GB")));
    let rows = db
        .api
        .list_orders(&OrderQuery {
            payment_status: Some(PaymentStatus::Refunded),
            limit: 1000,
            ..Default::default()
        })
        .await
        .expect("l")
        .rows;
    assert!(
        !rows.is_empty()
            && rows
                .iter()
                .all(|r| r.payment_status == PaymentStatus::Refunded)
    );
    let rows = db
        .api
        .list_orders(&OrderQuery {
            tag: Some("VIP".into()),
            limit: 1000,
            ..Default::default()
        })
        .await
        .expect("l")
        .rows;
    assert!(!rows.is_empty() && rows.iter().all(|r| r.tags.contains(&"vip".to_owned())));
    let n = db
        .api
        .count_orders(&OrderQuery {
            tag: Some("vip".into()),
            ..Default::default()
        })
        .await
        .expect("count");
    assert_eq!(n as usize, rows.len());
    let err = db
        .api
        .list_orders(&OrderQuery {
            country: Some("Germany".into()),
            ..Default::default()
        })
        .await
        .expect_err("bad country");
    assert_eq!(err.code, ErrorCode::InvalidInput);
    let err = db
        .api
        .list_orders(&OrderQuery {
            cursor: Some("garbage".into()),
            ..Default::default()
        })
        .await
        .expect_err("bad cursor");
    assert_eq!(err.code, ErrorCode::InvalidInput);
}

#[tokio::test]
async fn search_finds_orders_by_everything_a_customer_says() {
    let db = with_demo(1_500).await;
    let d = db.api.get_order(700).await.expect("order");
    let email = d.order.email.clone().expect("email");
    let last = d
        .order
        .customer_name
        .split(' ')
        .next_back()
        .expect("last name")
        .to_owned();
    let digits = d
        .order
        .order_number
        .chars()
        .filter(char::is_ascii_digit)
        .collect::<String>();
    let phone: String = d
        .phone
        .clone()
        .expect("phone")
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let sku = d.lines[0].sku.clone();
    for text in [
        email[..6].to_owned(),
        email.clone(),
        last.clone(),
        digits.clone(),
        d.order.order_number.clone(),
        phone[..7].to_owned(),
        format!("{} {}", &last, &digits[..3]),
    ] {
        let hits = db.api.search(&text, 200).await.expect("search");
        assert!(
            hits.iter().any(|h| h.id == 700),
            "{text:?} did not find order 700"
        );
        let page = db
            .api
            .list_orders(&OrderQuery {
                search: Some(text.clone()),
                limit: 1000,
                ..Default::default()
            })
            .await
            .expect("list");
        assert!(
            page.rows.iter().any(|h| h.id == 700) || page.next_cursor.is_some(),
            "list search {text:?}"
        );
    }
    assert!(!db.api.search(&sku, 5).await.expect("sku").is_empty());
    assert!(db.api.search("zzzzqqq", 5).await.expect("none").is_empty());
    assert!(db
        .api
        .search("\"(*", 5)
        .await
        .expect("syntax is not an error")
        .is_empty());
}

#[tokio::test]
async fn notes_go_on_the_timeline_survive_reopening_and_are_searchable() {
    let db = with_demo(200).await;
    let ev = db
        .api
        .add_note(42, "Customer called: leave at the neighbour's (Nr. 7)")
        .await
        .expect("note");
    assert_eq!(ev.kind, "note");
    assert_eq!(ev.actor, "user:tester");
    let err = db.api.add_note(42, "   ").await.expect_err("empty note");
    assert_eq!(err.code, ErrorCode::InvalidInput);
    let err = db
        .api
        .add_note(999_999, "x")
        .await
        .expect_err("missing order");
    assert_eq!(err.code, ErrorCode::NotFound);
    let path = db.api.db_path().to_path_buf();
    db.api.clone().close().await;
    let api = oms_app::Api::open(&path, oms_app::Actor::user("other"))
        .await
        .expect("reopen");
    let d = api.get_order(42).await.expect("order");
    assert_eq!(
        d.timeline[0].detail.as_deref(),
        Some("Customer called: leave at the neighbour's (Nr. 7)")
    );
    assert!(d.timeline.iter().any(|e| e.kind == "imported"));
    let hits = api.search("neighbour", 10).await.expect("search");
    assert_eq!(hits.iter().map(|h| h.id).collect::<Vec<_>>(), vec![42]);
}

#[tokio::test]
async fn bulk_tag_and_note_write_the_timeline_once_per_order() {
    let db = with_demo(300).await;
    let n = db
        .api
        .bulk_add_tag(&[1, 2, 3], "Follow-up")
        .await
        .expect("tag");
    assert_eq!(n, 3);
    assert_eq!(
        db.api
            .bulk_add_tag(&[1, 2, 3], "follow-up")
            .await
            .expect("again"),
        0,
        "already tagged"
    );
    let tagged = db
        .api
        .list_orders(&OrderQuery {
            tag: Some("follow-up".into()),
            ..Default::default()
        })
        .await
        .expect("list");
    assert_eq!(tagged.rows.len(), 3);
    assert!(db
        .api
        .list_tags()
        .await
        .expect("tags")
        .contains(&"follow-up".to_owned()));
    assert_eq!(
        db.api
            .bulk_add_tag(&[1], "two words")
            .await
            .expect_err("bad")
            .code,
        ErrorCode::InvalidInput
    );
    assert_eq!(
        db.api
            .bulk_add_tag(&[1, 999_999], "x")
            .await
            .expect_err("missing")
            .code,
        ErrorCode::NotFound
    );
    assert_eq!(
        db.api
            .bulk_add_note(&[4, 5], "Checked stock")
            .await
            .expect("note"),
        2
    );
    let d = db.api.get_order(4).await.expect("o");
    assert_eq!(d.timeline.iter().filter(|e| e.kind == "note").count(), 1);
}

#[tokio::test]
async fn saved_views_round_trip_without_cursor() {
    let db = fresh().await;
    let q = OrderQuery {
        status: Some(OrderStatus::OnHold),
        country: Some("DE".into()),
        cursor: Some("i:1:1".into()),
        ..Default::default()
    };
    let v = db.api.save_view("German holds", &q).await.expect("save");
    let views = db.api.list_views().await.expect("list");
    assert_eq!(views.len(), 1);
    assert_eq!(views[0].query.status, Some(OrderStatus::OnHold));
    assert_eq!(views[0].query.cursor, None);
    db.api.delete_view(v.id).await.expect("delete");
    assert_eq!(
        db.api.delete_view(v.id).await.expect_err("gone").code,
        ErrorCode::NotFound
    );
    assert_eq!(
        db.api.save_view(" ", &q).await.expect_err("name").code,
        ErrorCode::InvalidInput
    );
}

#[tokio::test]
async fn dashboard_reports_holds_and_late_orders_from_real_queries() {
    let db = fresh().await;
    let now = oms_app::now_ms();
    db.api
        .load_demo_at(2_000, now, &|_| {})
        .await
        .expect("demo");
    db.api.process_pending(&|_| {}).await.expect("process");
    let dash = db.api.dashboard().await.expect("dashboard");
    assert_eq!(dash.total, 2_000);
    assert_eq!(dash.per_day.len(), 30);
    let held = db
        .api
        .count_orders(&OrderQuery {
            status: Some(OrderStatus::OnHold),
            ..Default::default()
        })
        .await
        .expect("n");
    assert_eq!(dash.on_hold, held);
    assert!(dash
        .exceptions
        .iter()
        .any(|e| e.kind == ExceptionKind::OnHold));
    for e in dash
        .exceptions
        .iter()
        .filter(|e| e.kind == ExceptionKind::LateToShip)
    {
        let d = db.api.get_order(e.order_id).await.expect("o");
        assert!(d.order.ship_by.is_some_and(|s| s < now) && d.order.status.is_open());
    }
}

#[tokio::test]
async fn demo_reload_is_idempotent() {
    let db = with_demo(500).await;
    let again = db
        .api
        .load_demo_at(500, ANCHOR, &|_| {})
        .await
        .expect("again");
    assert_eq!(again.imported_orders, 0);
    assert_eq!(
        again.updated_orders, 0,
        "the same version twice changes nothing"
    );
    assert_eq!(db.api.app_info().await.expect("info").order_count, 500);
}

#[tokio::test]
async fn tag_and_search_pages_cover_every_match_once() {
    let db = with_demo(1_500).await;
    for (label, base) in [
        (
            "tag",
            OrderQuery {
                tag: Some("vip".into()),
                ..Default::default()
            },
        ),
        (
            "search",
            OrderQuery {
                search: Some("an".into()),
                ..Default::default()
            },
        ),
        (
            "search+status",
            OrderQuery {
                search: Some("an".into()),
                status: Some(OrderStatus::Delivered),
                ..Default::default()
            },
        ),
    ] {
        for sort in [OrderSort::PlacedAt, OrderSort::GrandTotal] {
            let total = db.api.count_orders(&base).await.expect("count");
            assert!(total > 10, "{label}: too few matches to page ({total})");
            let mut q = OrderQuery {
                sort,
                limit: 37,
                ..base.clone()
            };
            let mut seen = std::collections::HashSet::new();
            let mut last: Option<(i64, i64)> = None;
            loop {
                let page = db.api.list_orders(&q).await.expect("page");
                for r in &page.rows {
                    assert!(seen.insert(r.id), "{label} {sort:?}: order {} twice", r.id);
                    let key = (
                        if sort == OrderSort::PlacedAt {
                            r.placed_at
                        } else {
                            r.grand_total
                        },
                        r.id,
                    );
                    if let Some(prev) = last {
                        assert!(key < prev, "{label} {sort:?}: not descending");
                    }
                    last = Some(key);
                }
                match page.next_cursor {
                    Some(c) => q.cursor = Some(c),
                    None => break,
                }
            }
            assert_eq!(seen.len() as i64, total, "{label} {sort:?}");
        }
    }
}
