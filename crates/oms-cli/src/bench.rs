//! `oms bench`: builds a fresh database of demo orders and measures what the UI depends on.
//! Figures are printed as a table and, with --json, as JSON.

use anyhow::Result;
use clap::Args;
use oms_app::domain::{OrderQuery, OrderSort, OrderStatus, PaymentStatus, SortDir};
use oms_app::{Actor, Api};
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args)]
pub struct BenchArgs {
    #[arg(long, default_value_t = 1_000_000)]
    orders: u64,
    /// Where to build the database (replaced if it exists).
    #[arg(long, default_value = "target/bench/oms-bench.sqlite")]
    out: PathBuf,
    /// Repetitions per measured query.
    #[arg(long, default_value_t = 200)]
    reps: usize,
    /// Reuse an existing database at --out instead of rebuilding it.
    #[arg(long)]
    reuse: bool,
    #[arg(long)]
    json: bool,
    /// Measure the processing pipeline instead: import this many open demo orders into a
    /// fresh database with stock, then validate + screen + reserve them all.
    #[arg(long)]
    process: Option<u64>,
    /// With --process: route with the routing rules across 20 locations (3 demo locations and
    /// 17 more warehouses with stock of every SKU) instead of the most-available policy.
    #[arg(long)]
    routing: bool,
    /// Measure channel sync instead: pull this many orders from a Shopify stand-in on
    /// 127.0.0.1 (250 per page) into a fresh database, then pull them again unchanged.
    /// Needs the OS keyring (see scripts/with-keyring.sh).
    #[arg(long)]
    sync: Option<u64>,
    /// Measure label buying instead: this many allocated orders rate shopped and labelled
    /// against an EasyPost stand-in on 127.0.0.1 answering after --latency-ms. Needs the OS
    /// keyring (see scripts/with-keyring.sh).
    #[arg(long)]
    labels: Option<u64>,
    #[arg(long, default_value_t = 50)]
    latency_ms: u64,
    /// With --labels: orders at a time.
    #[arg(long, default_value_t = oms_app::LABEL_CONCURRENCY)]
    concurrency: usize,
}

#[derive(serde::Serialize)]
struct Figure {
    name: String,
    p50_ms: f64,
    p95_ms: f64,
    max_ms: f64,
    rows: usize,
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn measure<F, Fut>(name: &str, reps: usize, mut f: F) -> Result<Figure>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = Result<usize>>,
{
    // Warm once: the first run of a statement pays for preparing it.
    let rows = f(0).await?;
    let mut times = Vec::with_capacity(reps);
    for i in 0..reps {
        let t = Instant::now();
        f(i).await?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    Ok(Figure {
        name: name.to_owned(),
        p50_ms: pct(&times, 0.5),
        p95_ms: pct(&times, 0.95),
        max_ms: times.last().copied().unwrap_or(0.0),
        rows,
    })
}

#[allow(clippy::print_stderr)]
pub async fn run(a: &BenchArgs) -> Result<()> {
    if let Some(n) = a.labels {
        return crate::bench_labels::labels(&a.out, n, a.latency_ms, a.concurrency, a.json).await;
    }
    if let Some(n) = a.sync {
        return sync(a, n).await;
    }
    if let Some(n) = a.process {
        return process(a, n).await;
    }
    let mut out = std::io::stdout().lock();
    if !a.reuse {
        for ext in ["", "-wal", "-shm"] {
            let p = PathBuf::from(format!("{}{ext}", a.out.display()));
            if p.exists() {
                std::fs::remove_file(&p)?;
            }
        }
    }
    let api = Api::open(&a.out, Actor::user("bench")).await?;
    let mut import_rate = None;
    if !a.reuse {
        let t = Instant::now();
        let report = api
            .load_demo_at(a.orders, oms_app::now_ms(), &|p| {
                if p.done % 100_000 == 0 || p.done == p.total {
                    eprint!("\rimport: {}/{}", p.done, p.total);
                }
            })
            .await?;
        let secs = t.elapsed().as_secs_f64();
        eprintln!();
        let rate = a.orders as f64 / secs;
        writeln!(out, "import: {} orders, {} lines in {secs:.1} s = {rate:.0} orders/s (goal >= 12000; indexes, counters and search index kept current; includes ANALYZE)", report.imported_orders, report.imported_lines)?;
        import_rate = Some(rate);
    }
    api.checkpoint().await?;
    let mut db_bytes = 0u64;
    for ext in ["", "-wal"] {
        if let Ok(m) = std::fs::metadata(format!("{}{ext}", a.out.display())) {
            db_bytes += m.len();
        }
    }
    writeln!(
        out,
        "database size: {:.1} MiB (goal < 500 MiB)",
        db_bytes as f64 / 1048576.0
    )?;

    let mut figures = Vec::new();
    let base = OrderQuery {
        limit: 200,
        ..Default::default()
    };
    let conn_id = api.list_connections().await?.first().map(|c| c.id);
    let now = oms_app::now_ms();
    let mut lists: Vec<(String, OrderQuery)> =
        vec![("list: all, newest first".into(), base.clone())];
    for s in [
        OrderStatus::Pending,
        OrderStatus::OnHold,
        OrderStatus::Shipped,
        OrderStatus::Delivered,
        OrderStatus::Cancelled,
    ] {
        lists.push((
            format!("list: status={}", s.as_str()),
            OrderQuery {
                status: Some(s),
                ..base.clone()
            },
        ));
    }
    lists.push((
        "list: channel".into(),
        OrderQuery {
            connection_id: conn_id,
            ..base.clone()
        },
    ));
    lists.push((
        "list: last 30 days".into(),
        OrderQuery {
            placed_from: Some(now - 30 * 86_400_000),
            placed_to: Some(now),
            ..base.clone()
        },
    ));
    lists.push((
        "list: country=GB".into(),
        OrderQuery {
            country: Some("GB".into()),
            ..base.clone()
        },
    ));
    lists.push((
        "list: payment=refunded".into(),
        OrderQuery {
            payment_status: Some(PaymentStatus::Refunded),
            ..base.clone()
        },
    ));
    lists.push((
        "list: tag=vip".into(),
        OrderQuery {
            tag: Some("vip".into()),
            ..base.clone()
        },
    ));
    lists.push((
        "list: status=on_hold + country=DE".into(),
        OrderQuery {
            status: Some(OrderStatus::OnHold),
            country: Some("DE".into()),
            ..base.clone()
        },
    ));
    for sort in [
        OrderSort::PlacedAt,
        OrderSort::GrandTotal,
        OrderSort::OrderNumber,
        OrderSort::Priority,
    ] {
        for dir in [SortDir::Asc, SortDir::Desc] {
            lists.push((
                format!("list: sort {sort:?} {dir:?}"),
                OrderQuery {
                    sort,
                    dir,
                    ..base.clone()
                },
            ));
        }
    }
    for (name, q) in &lists {
        figures.push(
            measure(&format!("{name} (first page)"), a.reps, |_| async {
                Ok(api.list_orders(q).await?.rows.len())
            })
            .await?,
        );
        // A page deep in the list, reached by the cursor (what scrolling does).
        let mut deep = q.clone();
        for _ in 0..25 {
            match api.list_orders(&deep).await?.next_cursor {
                Some(c) => deep.cursor = Some(c),
                None => break,
            }
        }
        figures.push(
            measure(&format!("{name} (page 26)"), a.reps, |_| async {
                Ok(api.list_orders(&deep).await?.rows.len())
            })
            .await?,
        );
    }
    figures.push(
        measure("status counts", a.reps * 5, |_| async {
            Ok(api.status_counts().await?.len())
        })
        .await?,
    );
    figures.push(
        measure("dashboard", a.reps, |_| async {
            Ok(api.dashboard().await?.exceptions.len())
        })
        .await?,
    );

    // Search-as-you-type: prefixes of 2–6 characters of real names, e-mails, numbers and SKUs.
    let sample = api
        .list_orders(&OrderQuery {
            limit: 50,
            ..Default::default()
        })
        .await?
        .rows;
    let mut words: Vec<String> = Vec::new();
    for r in &sample {
        words.push(
            r.customer_name
                .split(' ')
                .next()
                .unwrap_or("")
                .to_lowercase(),
        );
        words.push(
            r.customer_name
                .split(' ')
                .next_back()
                .unwrap_or("")
                .to_lowercase(),
        );
        words.push(r.email.clone().unwrap_or_default());
        words.push(r.order_number.trim_start_matches('#').to_owned());
    }
    words.push("mug-cer".into());
    words.push("hood-gry".into());
    words.retain(|w| w.chars().count() >= 6);
    for len in 2..=6usize {
        let prefixes: Vec<String> = words
            .iter()
            .map(|w| w.chars().take(len).collect())
            .collect();
        figures.push(
            measure(&format!("search palette, {len}-char prefix"), a.reps, |i| {
                let p = prefixes[i % prefixes.len()].clone();
                let api = &api;
                async move { Ok(api.search(&p, 20).await?.len()) }
            })
            .await?,
        );
        figures.push(
            measure(
                &format!("list with search, {len}-char prefix"),
                a.reps,
                |i| {
                    let q = OrderQuery {
                        search: Some(prefixes[i % prefixes.len()].clone()),
                        ..base.clone()
                    };
                    let api = &api;
                    async move { Ok(api.list_orders(&q).await?.rows.len()) }
                },
            )
            .await?,
        );
    }
    // Customer service: a customer's page from an order (orders by e-mail, then phone), and
    // the returns queue once returns exist (made on shipped orders, up to 2,000).
    let ids: Vec<i64> = sample.iter().map(|r| r.id).collect();
    figures.push(
        measure(
            "customer page (orders by e-mail, then phone)",
            a.reps,
            |i| {
                let id = ids[i % ids.len()];
                let api = &api;
                async move { Ok(api.customer_page(id).await?.orders.len()) }
            },
        )
        .await?,
    );
    let shipped = api
        .list_orders(&OrderQuery {
            status: Some(OrderStatus::Shipped),
            limit: 2_000,
            ..Default::default()
        })
        .await?
        .rows;
    let mut made = 0usize;
    if api.return_queue(None, None, 1).await?.rows.is_empty() {
        for r in &shipped {
            let d = api.get_order(r.id).await?;
            let input = oms_app::domain::return_views::ReturnInput {
                order_id: r.id,
                lines: vec![oms_app::domain::return_views::ReturnLineInput {
                    line_no: i64::from(d.lines[0].line_no),
                    quantity: 1,
                    reason: "damaged".into(),
                    comment: None,
                }],
                note: None,
                approve: made.is_multiple_of(2),
            };
            if api.create_return(&input).await.is_ok() {
                made += 1;
            }
        }
    }
    figures.push(
        measure("returns queue: open (newest 200)", a.reps, |_| async {
            Ok(api.return_queue(None, None, 200).await?.rows.len())
        })
        .await?,
    );
    figures.push(
        measure("returns queue: search a SKU", a.reps, |_| async {
            Ok(api.return_queue(None, Some("mug"), 200).await?.rows.len())
        })
        .await?,
    );
    let rma = api
        .return_queue(None, None, 1)
        .await?
        .rows
        .first()
        .map(|r| r.rma.clone())
        .unwrap_or_default();
    figures.push(
        measure("returns desk: scan an RMA", a.reps, |_| {
            let rma = rma.clone();
            let api = &api;
            async move { Ok(api.scan_return(&rma).await?.len()) }
        })
        .await?,
    );
    figures.push(
        measure("count: status=shipped (counters)", a.reps, |_| async {
            Ok(api
                .count_orders(&OrderQuery {
                    status: Some(OrderStatus::Shipped),
                    ..Default::default()
                })
                .await? as usize)
        })
        .await?,
    );
    figures.push(
        measure("count: country=GB", 20, |_| async {
            Ok(api
                .count_orders(&OrderQuery {
                    country: Some("GB".into()),
                    ..Default::default()
                })
                .await? as usize)
        })
        .await?,
    );

    writeln!(
        out,
        "{:<52} {:>9} {:>9} {:>9} {:>6}",
        "query", "p50 ms", "p95 ms", "max ms", "rows"
    )?;
    for f in &figures {
        writeln!(
            out,
            "{:<52} {:>9.3} {:>9.3} {:>9.3} {:>6}",
            f.name, f.p50_ms, f.p95_ms, f.max_ms, f.rows
        )?;
    }
    if a.json {
        let j = serde_json::json!({ "orders": a.orders, "import_orders_per_s": import_rate, "db_mib": db_bytes as f64 / 1048576.0, "figures": figures });
        writeln!(out, "{}", serde_json::to_string_pretty(&j)?)?;
    }
    drop(out);
    api.close().await;
    Ok(())
}

/// `oms bench --process N`: the pipeline over N open orders (goal: >= 1,500 orders/s, p99 per
/// order < 20 ms), each order in its own write transaction with its timeline event.
#[allow(clippy::print_stderr)]
async fn process(a: &BenchArgs, n: u64) -> Result<()> {
    let mut out = std::io::stdout().lock();
    for ext in ["", "-wal", "-shm"] {
        let p = PathBuf::from(format!("{}{ext}", a.out.display()));
        if p.exists() {
            std::fs::remove_file(&p)?;
        }
    }
    let api = Api::open(&a.out, Actor::user("bench")).await?;
    let anchor = oms_app::now_ms();
    // Open orders of the last days, as a shop has them waiting in the morning.
    let mut orders = Vec::with_capacity(n as usize);
    for i in 0..n {
        let mut o = oms_app::demo::demo_order(i, n, anchor);
        o.status = OrderStatus::Pending;
        o.placed_at = anchor - ((n - i) as i64 * 600);
        o.ship_by = Some(o.placed_at + 2 * 86_400_000);
        orders.push(o);
    }
    api.import_orders(&orders, "bench").await?;
    drop(orders);
    oms_app::demo::seed_inventory(&api, n).await?;
    if a.routing {
        let cities = [
            ("Hamburg", 53.55, 9.99),
            ("Munich", 48.14, 11.58),
            ("Cologne", 50.94, 6.96),
            ("Frankfurt", 50.11, 8.68),
            ("Stuttgart", 48.78, 9.18),
            ("Dresden", 51.05, 13.74),
            ("Hanover", 52.37, 9.74),
            ("Nuremberg", 49.45, 11.08),
            ("Vienna", 48.21, 16.37),
            ("Zurich", 47.38, 8.54),
            ("Amsterdam", 52.37, 4.90),
            ("Paris", 48.86, 2.35),
            ("Lyon", 45.76, 4.84),
            ("Milan", 45.46, 9.19),
            ("Madrid", 40.42, -3.70),
            ("Warsaw", 52.23, 21.01),
            ("Copenhagen", 55.68, 12.57),
        ];
        for (i, (name, lat, lon)) in cities.iter().enumerate() {
            let l = api
                .create_location(&oms_app::NewLocation {
                    kind: oms_app::domain::LocationKind::Warehouse,
                    name: format!("{name} warehouse"),
                    address: None,
                    lat: Some(*lat),
                    lon: Some(*lon),
                    routing: oms_app::domain::LocationRouting {
                        priority: (i % 3) as i32,
                        capacity_orders: Some((n / 20).max(10) as u32),
                        ..Default::default()
                    },
                })
                .await?;
            let changes: Vec<oms_app::StockChangeInput> = oms_app::demo::skus()
                .map(|sku| oms_app::StockChangeInput {
                    sku: sku.into(),
                    location_id: l.id,
                    kind: oms_app::domain::MovementKind::Receipt,
                    quantity: (n / 40).max(5) as i64,
                    reason: Some("bench: opening stock".into()),
                })
                .collect();
            api.change_stock(&changes).await?;
        }
        let mut s = api.pipeline_settings().await?;
        s.routing.enabled = true;
        api.save_pipeline_settings(&s).await?;
    }
    // Stock receipts already processed what waited for it; measure the rest from scratch.
    api.analyze().await?;
    let mut times: Vec<f64> = Vec::with_capacity(n as usize);
    let t = Instant::now();
    let summary = api
        .process_pending_timed(
            &|p| {
                if p.done % 10_000 == 0 || p.done == p.total {
                    eprint!("\rprocess: {}/{}", p.done, p.total);
                }
            },
            &mut |d| times.push(d.as_secs_f64() * 1000.0),
        )
        .await?;
    let secs = t.elapsed().as_secs_f64();
    eprintln!();
    times.sort_by(f64::total_cmp);
    let rate = times.len() as f64 / secs;
    writeln!(
        out,
        "process: {} orders in {secs:.1} s = {rate:.0} orders/s (goal >= 1500); per order p50 {:.2} ms, p99 {:.2} ms (goal < 20), max {:.1} ms",
        times.len(),
        pct(&times, 0.5),
        pct(&times, 0.99),
        times.last().copied().unwrap_or(0.0)
    )?;
    writeln!(
        out,
        "outcome: {} allocated, {} backordered, {} on hold, {} merged, {} skipped, {} failed",
        summary.allocated,
        summary.backordered,
        summary.on_hold,
        summary.merged,
        summary.skipped,
        summary.failed_count
    )?;
    let problems = api.check_inventory().await?;
    writeln!(out, "inventory check: {} inconsistencies", problems.len())?;
    if a.routing {
        writeln!(
            out,
            "routing: {} locations, decisions stored with their candidates and explanation",
            api.list_locations().await?.len()
        )?;
    }
    if a.json {
        serde_json::to_writer_pretty(
            &mut out,
            &serde_json::json!({
                "orders": times.len(), "seconds": secs, "orders_per_s": rate,
                "p50_ms": pct(&times, 0.5), "p99_ms": pct(&times, 0.99),
                "summary": summary, "inconsistencies": problems.len(),
            }),
        )?;
        writeln!(out)?;
    }
    api.close().await;
    Ok(())
}

/// The process's resident memory now, in MiB (Linux; 0 elsewhere).
fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

#[allow(clippy::print_stderr)]
async fn sync(a: &BenchArgs, n: u64) -> Result<()> {
    use oms_app::domain::sync_views::{CredentialsInput, NewConnection};
    let mut out = std::io::stdout().lock();
    if let Some(dir) = a.out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", a.out.display()));
    }
    let api = Api::open(&a.out, Actor::user("bench")).await?;
    let anchor = oms_app::now_ms();
    let orders: Vec<_> = (0..n)
        .map(|i| {
            let mut o = oms_app::demo::demo_order(i, n, anchor);
            // Oldest change first, as the API sorts them; all within the first run's reach.
            o.placed_at = anchor - (n - i) as i64 * 1000;
            o.updated_at = Some(o.placed_at);
            o
        })
        .collect();
    let pages = crate::fake_channel::shopify_pages(&orders, 250);
    drop(orders);
    let page_count = pages.len();
    let server = crate::fake_channel::serve_shopify(pages).await;
    let c = api
        .add_connection(&NewConnection {
            kind: oms_app::domain::ChannelKind::Shopify,
            name: "Bench shop".into(),
            base_url: server.uri(),
            api_version: None,
            page_size: Some(250),
            credentials: CredentialsInput {
                access_token: Some("shpat_bench_0000".into()),
                ..Default::default()
            },
        })
        .await?;
    let samples = std::sync::Mutex::new(Vec::<(u64, f64)>::new());
    let rss_start = rss_mib();
    let t = Instant::now();
    let r = api
        .sync_connection(c.id, &|p| {
            if p.done % 10_000 < 250 {
                if let Ok(mut s) = samples.lock() {
                    s.push((p.done, rss_mib()));
                }
                eprint!("\rsync: {}/{n}", p.done);
            }
        })
        .await?;
    let secs = t.elapsed().as_secs_f64();
    eprintln!();
    writeln!(
        out,
        "sync: {} orders in {secs:.1} s = {:.0} orders/s (goal >= 1500); {} pages of 250; {} new, {} quarantined",
        r.fetched,
        r.fetched as f64 / secs,
        page_count,
        r.imported,
        r.quarantined
    )?;
    api.reset_sync_cursor(c.id, None).await?;
    let t = Instant::now();
    let again = api
        .sync_connection(c.id, &|p| {
            if p.done % 10_000 < 250 {
                if let Ok(mut s) = samples.lock() {
                    s.push((n + p.done, rss_mib()));
                }
            }
        })
        .await?;
    let secs2 = t.elapsed().as_secs_f64();
    writeln!(
        out,
        "re-sync unchanged: {} orders in {secs2:.1} s = {:.0} orders/s (goal >= 10000); {} new, {} updated, {} unchanged",
        again.fetched,
        again.fetched as f64 / secs2,
        again.imported,
        again.updated,
        again.unchanged
    )?;
    let stored = api
        .count_orders(&oms_app::domain::OrderQuery::default())
        .await?;
    writeln!(out, "orders stored: {stored} (expected {n})")?;
    let s = samples.lock().map(|s| s.clone()).unwrap_or_default();
    let trace: Vec<String> = s.iter().map(|(d, m)| format!("{d}:{m:.0}")).collect();
    writeln!(
        out,
        "memory (MiB resident): {rss_start:.0} before; at orders pulled {}",
        trace.join(", ")
    )?;
    if a.json {
        serde_json::to_writer_pretty(
            &mut out,
            &serde_json::json!({
                "orders": r.fetched, "seconds": secs, "orders_per_s": r.fetched as f64 / secs,
                "resync_seconds": secs2, "resync_orders_per_s": again.fetched as f64 / secs2,
                "stored": stored, "rss_mib": s,
            }),
        )?;
        writeln!(out)?;
    }
    api.close().await;
    Ok(())
}
