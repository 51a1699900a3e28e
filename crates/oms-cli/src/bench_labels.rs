//! `oms bench --labels N`: N allocated orders through rate shopping and label purchase against
//! an EasyPost stand-in on 127.0.0.1 that answers every request after a fixed latency, with a
//! bounded number of orders at a time; progress on stderr, the figures on stdout.

use anyhow::{bail, Result};
use oms_app::domain::carrier_views::NewCarrierAccount;
use oms_app::domain::OrderStatus;
use oms_app::{Actor, Api};
use serde_json::{json, Value};
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

fn rate(id: &str, shp: &str, carrier: &str, service: &str, amount: &str, days: u64) -> Value {
    json!({ "id": id, "object": "Rate", "carrier": carrier, "service": service, "rate": amount,
            "currency": "EUR", "delivery_days": days, "shipment_id": shp })
}

fn shipment(base: &str, id: &str, bought: bool) -> Value {
    let mut s = json!({
        "id": id, "object": "Shipment", "mode": "test",
        "rates": [rate(&format!("rate_{id}_a"), id, "DHLExpress", "Express", "14.20", 1),
                  rate(&format!("rate_{id}_b"), id, "DeutschePost", "Paket", "5.49", 2)],
        "messages": [], "postage_label": null, "selected_rate": null, "tracking_code": null, "tracker": null,
    });
    if bought {
        s["selected_rate"] = rate(
            &format!("rate_{id}_b"),
            id,
            "DeutschePost",
            "Paket",
            "5.49",
            2,
        );
        s["tracking_code"] = json!(format!("JJD{id}"));
        s["postage_label"] = json!({ "label_url": format!("{base}/files/{id}.png"), "label_file_type": "image/png" });
        s["tracker"] = json!({ "id": format!("trk_{id}") });
    }
    s
}

/// POST /v2/shipments: a new shipment id each time.
struct Create {
    base: String,
    next: AtomicU64,
    delay: Duration,
}

impl Respond for Create {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        ResponseTemplate::new(201)
            .set_body_json(shipment(&self.base, &format!("shp_{n}"), false))
            .set_delay(self.delay)
    }
}

/// GET /v2/shipments/ID (not bought yet) and POST /v2/shipments/ID/buy (bought).
struct Get {
    base: String,
    bought: bool,
    delay: Duration,
}

impl Respond for Get {
    fn respond(&self, r: &Request) -> ResponseTemplate {
        let id = r
            .url
            .path()
            .trim_start_matches("/v2/shipments/")
            .trim_end_matches("/buy")
            .to_owned();
        ResponseTemplate::new(200)
            .set_body_json(shipment(&self.base, &id, self.bought))
            .set_delay(self.delay)
    }
}

#[allow(clippy::print_stderr)]
pub async fn labels(
    db: &Path,
    n: u64,
    latency_ms: u64,
    concurrency: usize,
    json_out: bool,
) -> Result<()> {
    let mut out = std::io::stdout().lock();
    if let Some(dir) = db.parent() {
        std::fs::create_dir_all(dir)?;
    }
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", db.display()));
    }
    let _ = std::fs::remove_dir_all(db.parent().map(|p| p.join("labels")).unwrap_or_default());
    let api = Api::open(db, Actor::user("bench")).await?;
    let anchor = oms_app::now_ms();
    // Demo orders as a shop has them (some go on hold or wait for stock): twice as many as
    // the labels to buy, and the first `n` allocated ones are labelled.
    let made = n * 2;
    let mut orders = Vec::with_capacity(made as usize);
    for i in 0..made {
        let mut o = oms_app::demo::demo_order(i, made, anchor);
        o.status = OrderStatus::Pending;
        o.placed_at = anchor - ((made - i) as i64 * 600);
        orders.push(o);
    }
    api.import_orders(&orders, "bench").await?;
    drop(orders);
    oms_app::demo::seed_inventory(&api, made).await?;
    api.process_pending(&|_| {}).await?;
    let mut ids: Vec<i64> = api
        .matching_order_ids(&oms_app::domain::OrderQuery {
            status: Some(OrderStatus::Allocated),
            ..Default::default()
        })
        .await?;
    ids.truncate(usize::try_from(n).unwrap_or(usize::MAX));
    if (ids.len() as u64) < n {
        bail!("only {} of {n} demo orders were allocated", ids.len());
    }

    let delay = Duration::from_millis(latency_ms);
    let server = MockServer::start().await;
    let base = server.uri();
    Mock::given(method("POST"))
        .and(path("/v2/shipments"))
        .respond_with(Create {
            base: base.clone(),
            next: AtomicU64::new(1),
            delay,
        })
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex(r"^/v2/shipments/[^/]+/buy$"))
        .respond_with(Get {
            base: base.clone(),
            bought: true,
            delay,
        })
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/v2/shipments/[^/]+$"))
        .respond_with(Get {
            base: base.clone(),
            bought: false,
            delay,
        })
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/files/"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_bytes(b"\x89PNG\r\n\x1a\n label".to_vec())
                .set_delay(delay),
        )
        .mount(&server)
        .await;
    api.add_carrier_account(&NewCarrierAccount {
        kind: "easypost".into(),
        name: "Bench EasyPost".into(),
        base_url: base,
        api_key: "EZTK_bench_0000".into(),
    })
    .await?;

    let last = Arc::new(std::sync::Mutex::new(Instant::now()));
    let progress = move |done: u32, total: u32| {
        if let Ok(mut l) = last.lock() {
            if l.elapsed() >= Duration::from_secs(1) || done == total {
                eprintln!("labels {done} / {total}");
                *l = Instant::now();
            }
        }
    };
    let t = Instant::now();
    let r = api.buy_labels(&ids, Some(concurrency), &progress).await?;
    let secs = t.elapsed().as_secs_f64();
    let requests = server.received_requests().await.map_or(0, |r| r.len());
    if json_out {
        serde_json::to_writer_pretty(
            &mut out,
            &json!({ "orders": ids.len(), "bought": r.bought, "reused": r.reused, "failed": r.failed,
                     "seconds": secs, "latency_ms": latency_ms, "concurrency": concurrency,
                     "carrier_requests": requests, "problems": r.problems.iter().take(5).collect::<Vec<_>>() }),
        )?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "labels: {} orders in {secs:.1} s ({} bought, {} failed; {requests} carrier requests at {latency_ms} ms each, {concurrency} orders at a time); goal < 30 s",
            ids.len(),
            r.bought,
            r.failed
        )?;
        for p in r.problems.iter().take(5) {
            writeln!(out, "  ! {p}")?;
        }
    }
    if r.failed > 0 {
        bail!("{} orders got no label", r.failed);
    }
    Ok(())
}
