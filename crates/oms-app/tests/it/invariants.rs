//! The inventory invariants under random interleavings (property test) and under concurrent
//! reservations, on real SQLite files. After every step: no available quantity below zero where
//! backorders are off; reserved equals the open reservations; on-hand equals the ledger sum; no
//! order line reserved more than once or beyond its quantity (`Api::check_inventory`).

use crate::pipeline::{location, order, receive};
use oms_app::domain::*;
use oms_app::{Actor, Api, StockChangeInput};
use proptest::prelude::*;
use std::cell::RefCell;

const SKUS: [&str; 3] = ["MUG", "TEA", "CUP"];

#[derive(Debug, Clone)]
enum Step {
    Order {
        channel: u8,
        lines: Vec<(usize, i64)>,
    },
    Cancel(usize),
    Ship(usize),
    Receive {
        sku: usize,
        loc: usize,
        n: i64,
    },
    Adjust {
        sku: usize,
        loc: usize,
        delta: i64,
    },
    ReturnRestock {
        sku: usize,
        loc: usize,
        n: i64,
    },
    Transfer {
        sku: usize,
        from: usize,
        to: usize,
        n: i64,
    },
    Hold(usize),
    Release(usize),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0u8..3, proptest::collection::vec((0usize..3, 1i64..4), 1..3))
            .prop_map(|(channel, lines)| Step::Order { channel, lines }),
        1 => (0usize..50).prop_map(Step::Cancel),
        2 => (0usize..50).prop_map(Step::Ship),
        2 => (0usize..3, 0usize..2, 1i64..8).prop_map(|(sku, loc, n)| Step::Receive { sku, loc, n }),
        1 => (0usize..3, 0usize..2, -6i64..6).prop_map(|(sku, loc, delta)| Step::Adjust { sku, loc, delta }),
        1 => (0usize..3, 0usize..2, 1i64..3).prop_map(|(sku, loc, n)| Step::ReturnRestock { sku, loc, n }),
        1 => (0usize..3, 0usize..2, 0usize..2, 1i64..4).prop_map(|(sku, from, to, n)| Step::Transfer { sku, from, to, n }),
        1 => (0usize..50).prop_map(Step::Hold),
        1 => (0usize..50).prop_map(Step::Release),
    ]
}

/// One database serves many cases (a fresh one every `CASES_PER_DB`), so ten thousand cases
/// run in reasonable time while each still starts from a consistent state.
struct World {
    api: Api,
    locs: [i64; 2],
    orders: Vec<i64>,
    next_ext: u64,
    cases: u32,
    _dir: tempfile::TempDir,
}

const CASES_PER_DB: u32 = 250;

thread_local! {
    static RT: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    static WORLD: RefCell<Option<World>> = const { RefCell::new(None) };
}

async fn new_world() -> World {
    let dir = tempfile::tempdir().expect("dir");
    let api = Api::open(&dir.path().join("p.sqlite"), Actor::user("prop"))
        .await
        .expect("open");
    let a = location(&api, "A").await;
    let b = location(&api, "B").await;
    for (i, s) in SKUS.iter().enumerate() {
        // CUP allows backorders; MUG and TEA do not.
        api.upsert_product(s, None, Some(true), Some(i == 2))
            .await
            .expect("product");
        receive(&api, s, a, 3).await;
    }
    World {
        api,
        locs: [a, b],
        orders: Vec::new(),
        next_ext: 0,
        cases: 0,
        _dir: dir,
    }
}

async fn apply(w: &mut World, s: &Step) {
    let api = &w.api;
    let pick = |i: usize| (!w.orders.is_empty()).then(|| w.orders[i % w.orders.len()]);
    match s {
        Step::Order { channel, lines } => {
            w.next_ext += 1;
            let ext = format!("p{}", w.next_ext);
            let lines: Vec<(&str, i64)> = lines.iter().map(|(k, q)| (SKUS[*k], *q)).collect();
            let mut o = order(&ext, &format!("c{}@example.de", w.next_ext % 7), &lines);
            o.connection_name = format!("Channel {channel}");
            // Distinct SKUs per order line (the channels never repeat a SKU on two lines).
            o.lines.dedup_by(|a, b| a.sku == b.sku);
            api.import_orders(&[o], "prop").await.expect("import");
            let s = api.process_pending(&|_| {}).await.expect("process");
            assert_eq!(s.failed_count, 0, "{:?}", s.failed);
            let page = api
                .list_orders(&OrderQuery {
                    limit: 1,
                    ..Default::default()
                })
                .await
                .expect("list");
            w.orders.push(page.rows[0].id);
        }
        Step::Cancel(i) => {
            if let Some(id) = pick(*i) {
                let _ = api
                    .cancel_orders(&[id], "prop", &|_| {})
                    .await
                    .expect("bulk result");
            }
        }
        Step::Ship(i) => {
            if let Some(id) = pick(*i) {
                let _ = api.mark_shipped(&[id], &|_| {}).await.expect("bulk result");
            }
        }
        Step::Receive { sku, loc, n } => receive(api, SKUS[*sku], w.locs[*loc], *n).await,
        Step::Adjust { sku, loc, delta } => {
            if *delta != 0 {
                // May be refused (would oversell or go below zero): that is the point.
                let _ = api
                    .change_stock(&[StockChangeInput {
                        sku: SKUS[*sku].into(),
                        location_id: w.locs[*loc],
                        kind: MovementKind::Adjustment,
                        quantity: *delta,
                        reason: Some("count".into()),
                    }])
                    .await;
            }
        }
        Step::ReturnRestock { sku, loc, n } => {
            api.change_stock(&[StockChangeInput {
                sku: SKUS[*sku].into(),
                location_id: w.locs[*loc],
                kind: MovementKind::ReturnRestock,
                quantity: *n,
                reason: Some("returned".into()),
            }])
            .await
            .expect("restock");
        }
        Step::Transfer { sku, from, to, n } => {
            let _ = api
                .transfer_stock(SKUS[*sku], w.locs[*from], w.locs[*to], *n, None)
                .await;
        }
        Step::Hold(i) => {
            if let Some(id) = pick(*i) {
                let _ = api
                    .hold_orders(&[id], HoldReason::Manual, "prop", &|_| {})
                    .await
                    .expect("bulk");
            }
        }
        Step::Release(i) => {
            if let Some(id) = pick(*i) {
                let _ = api
                    .release_orders(&[id], "prop release", &|_| {})
                    .await
                    .expect("bulk");
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10_000, max_shrink_iters: 200, ..ProptestConfig::default() })]
    #[test]
    fn inventory_invariants_hold_after_every_step(steps in proptest::collection::vec(step(), 1..5)) {
        RT.with(|rt| {
            rt.block_on(async {
                let mut w = match WORLD.with(|c| c.borrow_mut().take()) {
                    Some(w) if w.cases < CASES_PER_DB => w,
                    _ => new_world().await,
                };
                w.cases += 1;
                for s in &steps {
                    apply(&mut w, s).await;
                    let problems = w.api.check_inventory().await.expect("check");
                    assert!(problems.is_empty(), "after {s:?}: {problems:#?}");
                }
                WORLD.with(|c| *c.borrow_mut() = Some(w));
            })
        });
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_reservations_of_one_sku_never_oversell() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("c.sqlite");
    let api = Api::open(&path, Actor::user("setup")).await.expect("open");
    let a = location(&api, "A").await;
    api.upsert_product("MUG", None, Some(true), Some(false))
        .await
        .expect("product");
    receive(&api, "MUG", a, 10).await;
    let mut tasks = Vec::new();
    for t in 0..8 {
        // Separate handles (own connection pools) on one file, like the app and the CLI.
        let api = Api::open(&path, Actor::user(&format!("t{t}")))
            .await
            .expect("open");
        tasks.push(tokio::spawn(async move {
            for k in 0..3 {
                let ext = format!("t{t}-{k}");
                api.import_orders(
                    &[order(&ext, &format!("{ext}@example.de"), &[("MUG", 1)])],
                    "conc",
                )
                .await
                .expect("import");
                api.process_pending(&|_| {}).await.expect("process");
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    assert!(api.check_inventory().await.expect("check").is_empty());
    let inv = api
        .inventory(&InventoryQuery::default())
        .await
        .expect("inv");
    assert_eq!(
        (inv.rows[0].on_hand, inv.rows[0].reserved),
        (10, 10),
        "all 10 reserved, none twice"
    );
    let allocated = api
        .count_orders(&OrderQuery {
            status: Some(OrderStatus::Allocated),
            ..Default::default()
        })
        .await
        .expect("count");
    let held = api
        .count_orders(&OrderQuery {
            status: Some(OrderStatus::OnHold),
            ..Default::default()
        })
        .await
        .expect("count");
    assert_eq!(
        (allocated, held),
        (10, 14),
        "10 got stock, 14 wait on a stock hold"
    );
}
