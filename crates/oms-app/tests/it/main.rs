//! Application-API tests on real SQLite files in temporary directories. One test binary for the
//! crate (modules per area) keeps link time down.

mod bindings;
mod carriers;
mod csv;
mod edits;
mod flows;
mod fulfilment;
mod invariants;
mod mail;
mod orders;
mod outbox;
mod pipeline;
mod refunds;
mod returns;
mod routing;
mod sync;

use oms_app::{Actor, Api};

pub struct TestDb {
    pub api: Api,
    pub dir: tempfile::TempDir,
}

pub async fn fresh() -> TestDb {
    let dir = tempfile::tempdir().expect("temp dir");
    let api = Api::open(&dir.path().join("oms.sqlite"), Actor::user("tester"))
        .await
        .expect("open");
    TestDb { api, dir }
}

pub const ANCHOR: i64 = 1_795_000_000_000; // 2026-11-18

pub async fn with_demo(n: u64) -> TestDb {
    let db = fresh().await;
    db.api.load_demo_at(n, ANCHOR, &|_| {}).await.expect("demo");
    db
}
