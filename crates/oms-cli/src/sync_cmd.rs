//! `oms connections`, `oms sync` and `oms quarantine`: channel connections and pulls through
//! the application API. Secrets go to the OS keyring; pass them with the flags or, better, the
//! environment variables (OMS_ACCESS_TOKEN, OMS_CLIENT_ID, OMS_CLIENT_SECRET, OMS_CONSUMER_KEY,
//! OMS_CONSUMER_SECRET), which do not show up in the process list.

use crate::ops::json;
use anyhow::{bail, Result};
use clap::{Args, Subcommand};
use oms_app::domain::sync_views::{CredentialsInput, NewConnection, SyncConnectionView};
use oms_app::domain::{format_instant, ChannelKind};
use oms_app::{Api, ConnectionPatch, Progress};
use std::io::Write;

#[derive(Subcommand)]
pub enum SyncOps {
    /// Channel connections: add, list, show, test, change, remove.
    Connections {
        #[command(subcommand)]
        what: ConnectionsCmd,
    },
    /// Pull orders from every enabled connection (or one) once, to the end.
    Sync {
        /// Only this connection.
        #[arg(long)]
        connection: Option<i64>,
        /// Pull from the start again (`initial_days` back) instead of the cursor.
        #[arg(long)]
        from_start: bool,
        /// Keep running: the background supervisor (a worker per enabled connection, every
        /// --interval seconds) until Ctrl-C, then a clean stop.
        #[arg(long)]
        watch: bool,
        #[arg(long, default_value_t = 300)]
        interval: u64,
        #[arg(long)]
        json: bool,
    },
    /// Payloads that could not be mapped: list, retry, dismiss.
    Quarantine {
        #[command(subcommand)]
        what: QuarantineCmd,
    },
    /// Remove inbox payloads older than --days that were mapped or dismissed (the newest of
    /// each order stays; the app does this every hour with 30 days).
    PruneInbox {
        #[arg(long, default_value_t = oms_app::INBOX_KEEP_DAYS)]
        days: i64,
    },
}

#[derive(Args)]
pub struct SecretArgs {
    /// Shopify Admin API access token (shpat_…).
    #[arg(long, env = "OMS_ACCESS_TOKEN", hide_env_values = true)]
    access_token: Option<String>,
    /// Shopify Dev Dashboard app: client id and secret (client-credentials grant).
    #[arg(long, env = "OMS_CLIENT_ID", hide_env_values = true)]
    client_id: Option<String>,
    #[arg(long, env = "OMS_CLIENT_SECRET", hide_env_values = true)]
    client_secret: Option<String>,
    /// WooCommerce REST API consumer key and secret (ck_…, cs_…).
    #[arg(long, env = "OMS_CONSUMER_KEY", hide_env_values = true)]
    consumer_key: Option<String>,
    #[arg(long, env = "OMS_CONSUMER_SECRET", hide_env_values = true)]
    consumer_secret: Option<String>,
}

impl SecretArgs {
    fn input(&self) -> CredentialsInput {
        CredentialsInput {
            access_token: self.access_token.clone(),
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            consumer_key: self.consumer_key.clone(),
            consumer_secret: self.consumer_secret.clone(),
        }
    }
}

#[derive(Subcommand)]
pub enum ConnectionsCmd {
    /// Add a connection; its secrets go to the OS keyring.
    Add {
        /// shopify or woocommerce
        #[arg(long)]
        kind: String,
        #[arg(long)]
        name: String,
        /// e.g. https://my-shop.myshopify.com, https://shop.example, or a local test server.
        #[arg(long)]
        base_url: String,
        /// Shopify API version (default 2026-10).
        #[arg(long)]
        api_version: Option<String>,
        /// Orders per page (Shopify up to 250, WooCommerce up to 100).
        #[arg(long)]
        page_size: Option<u32>,
        #[command(flatten)]
        secrets: SecretArgs,
        #[arg(long)]
        json: bool,
    },
    /// Every connection with its sync state.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Ask the channel who it is with the stored credentials.
    Test {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Change a connection's base URL, API version, page size, secrets or state.
    Set {
        id: i64,
        #[arg(long)]
        base_url: Option<String>,
        #[arg(long)]
        api_version: Option<String>,
        #[arg(long)]
        page_size: Option<u32>,
        #[arg(long)]
        enabled: Option<bool>,
        #[arg(long)]
        paused: Option<bool>,
        #[command(flatten)]
        secrets: SecretArgs,
        #[arg(long)]
        json: bool,
    },
    /// Remove a connection without orders, and its secrets.
    Remove { id: i64 },
}

#[derive(Subcommand)]
pub enum QuarantineCmd {
    List {
        #[arg(long)]
        connection: Option<i64>,
        #[arg(long)]
        json: bool,
    },
    /// Map the payloads again and import those that map now.
    Retry { ids: Vec<i64> },
    /// Take payloads off the queue (they stay in the inbox).
    Dismiss { ids: Vec<i64> },
}

fn kind(s: &str) -> Result<ChannelKind> {
    match ChannelKind::parse(s)? {
        k @ (ChannelKind::Shopify | ChannelKind::Woocommerce) => Ok(k),
        other => bail!(
            "--kind: no connector for {} yet; use shopify or woocommerce",
            other.as_str()
        ),
    }
}

fn when(ms: Option<i64>) -> String {
    ms.map(format_instant).unwrap_or_else(|| "never".into())
}

fn line(out: &mut impl Write, c: &SyncConnectionView) -> Result<()> {
    writeln!(
        out,
        "{:>4}  {:<12} {:<24} {}{}{}",
        c.id,
        c.kind.as_str(),
        c.name,
        c.base_url.as_deref().unwrap_or("-"),
        if c.paused { "  [paused]" } else { "" },
        if c.enabled { "" } else { "  [disabled]" },
    )?;
    writeln!(
        out,
        "      orders {}, pulled {}, quarantined {}, outbox {} ({} failed), unknown SKUs {}; last success {}; cursor {}; circuit {}{}",
        c.orders,
        c.orders_pulled,
        c.quarantined,
        c.outbox_backlog,
        c.outbox_failed,
        c.unknown_skus,
        when(c.last_success_at),
        when(c.cursor),
        c.circuit,
        c.last_error
            .as_deref()
            .map(|e| format!("; last error: {e}"))
            .unwrap_or_default()
    )?;
    Ok(())
}

#[allow(clippy::print_stderr)]
fn progress(p: Progress) {
    eprint!("\rsync: {} orders", p.done);
}

pub async fn run(api: &Api, cmd: SyncOps, out: &mut impl Write) -> Result<()> {
    match cmd {
        SyncOps::Connections { what } => match what {
            ConnectionsCmd::Add {
                kind: k,
                name,
                base_url,
                api_version,
                page_size,
                secrets,
                json: j,
            } => {
                let c = api
                    .add_connection(&NewConnection {
                        kind: kind(&k)?,
                        name,
                        base_url,
                        api_version,
                        page_size,
                        credentials: secrets.input(),
                    })
                    .await?;
                if j {
                    json(out, &c)?;
                } else {
                    line(out, &c)?;
                }
            }
            ConnectionsCmd::List { json: j } => {
                let list = api.list_sync_connections().await?;
                if j {
                    json(out, &list)?;
                } else if list.is_empty() {
                    writeln!(out, "no connections; add one with `oms connections add`")?;
                } else {
                    for c in &list {
                        line(out, c)?;
                    }
                }
            }
            ConnectionsCmd::Test { id, json: j } => {
                let t = api.test_connection(id).await?;
                if j {
                    json(out, &t)?;
                } else if t.ok {
                    writeln!(out, "ok: {}", t.message)?;
                } else {
                    bail!("{}", t.message);
                }
            }
            ConnectionsCmd::Set {
                id,
                base_url,
                api_version,
                page_size,
                enabled,
                paused,
                secrets,
                json: j,
            } => {
                api.update_connection(
                    id,
                    &ConnectionPatch {
                        base_url,
                        api_version,
                        page_size,
                        enabled,
                        paused,
                    },
                )
                .await?;
                let c = api.set_connection_credentials(id, &secrets.input()).await?;
                if j {
                    json(out, &c)?;
                } else {
                    line(out, &c)?;
                }
            }
            ConnectionsCmd::Remove { id } => {
                api.remove_connection(id).await?;
                writeln!(out, "removed connection {id} and its secrets")?;
            }
        },
        SyncOps::Sync {
            watch: true,
            interval,
            ..
        } => {
            let sup = oms_app::SyncSupervisor::start(
                api.clone(),
                oms_app::SupervisorTiming {
                    interval: std::time::Duration::from_secs(interval.max(1)),
                    ..Default::default()
                },
            );
            writeln!(out, "syncing every {interval} s; Ctrl-C stops")?;
            out.flush()?;
            tokio::signal::ctrl_c().await?;
            sup.stop(std::time::Duration::from_secs(5)).await;
            writeln!(out, "stopped")?;
        }
        SyncOps::Sync {
            connection,
            from_start,
            json: j,
            ..
        } => {
            let ids: Vec<i64> = match connection {
                Some(id) => vec![id],
                None => api
                    .list_sync_connections()
                    .await?
                    .into_iter()
                    .filter(|c| c.enabled && !c.paused)
                    .map(|c| c.id)
                    .collect(),
            };
            let mut reports = Vec::new();
            let mut failed = 0;
            for id in ids {
                if from_start {
                    api.reset_sync_cursor(id, None).await?;
                }
                let t = std::time::Instant::now();
                let r = api.sync_connection(id, &progress).await;
                #[allow(clippy::print_stderr)]
                {
                    eprintln!();
                }
                match r {
                    Ok(r) => {
                        let s = t.elapsed().as_secs_f64();
                        if !j {
                            writeln!(
                                out,
                                "connection {id}: {} pages, {} fetched, {} new, {} updated, {} unchanged, {} quarantined, {} new returns in {s:.1} s ({:.0} orders/s)",
                                r.pages, r.fetched, r.imported, r.updated, r.unchanged, r.quarantined, r.returns,
                                r.fetched as f64 / s.max(1e-9)
                            )?;
                        }
                        reports.push(
                            serde_json::json!({"connection_id": id, "ok": true, "report": r}),
                        );
                    }
                    Err(e) => {
                        failed += 1;
                        if !j {
                            writeln!(out, "connection {id}: failed ({:?}): {}", e.code, e.message)?;
                        }
                        reports.push(
                            serde_json::json!({"connection_id": id, "ok": false, "error": e}),
                        );
                    }
                }
            }
            // Then what waits to go the other way: shipments, cancellations, stock.
            let pushed = api.dispatch_all().await?;
            if j {
                json(
                    out,
                    &serde_json::json!({ "pulls": reports, "outbox": pushed }),
                )?;
            } else {
                for r in &pushed {
                    if r.sent + r.retrying + r.failed + r.not_listed > 0 || r.stopped.is_some() {
                        writeln!(
                            out,
                            "connection {}: outbox {} sent, {} to retry, {} failed{}",
                            r.connection_id,
                            r.sent,
                            r.retrying,
                            r.failed,
                            r.stopped
                                .as_deref()
                                .map(|s| format!("; stopped: {s}"))
                                .unwrap_or_default()
                        )?;
                    }
                }
            }
            if failed > 0 {
                bail!("{failed} connection(s) failed");
            }
        }
        SyncOps::PruneInbox { days } => {
            let n = api.prune_inbox(days).await?;
            writeln!(out, "removed {n} payload(s) older than {days} days")?;
        }
        SyncOps::Quarantine { what } => match what {
            QuarantineCmd::List {
                connection,
                json: j,
            } => {
                let q = api.quarantined(connection).await?;
                if j {
                    json(out, &q)?;
                } else if q.is_empty() {
                    writeln!(out, "nothing quarantined")?;
                } else {
                    for x in &q {
                        writeln!(
                            out,
                            "{:>6}  {}  {}  {}: {}",
                            x.id,
                            format_instant(x.fetched_at),
                            x.connection,
                            x.external_id,
                            x.error
                        )?;
                    }
                }
            }
            QuarantineCmd::Retry { ids } => {
                for id in ids {
                    let r = api.retry_quarantined(id).await?;
                    match r.error {
                        None => writeln!(out, "{id}: imported")?,
                        Some(e) => writeln!(out, "{id}: still quarantined: {e}")?,
                    }
                }
            }
            QuarantineCmd::Dismiss { ids } => {
                api.dismiss_quarantined(&ids).await?;
                writeln!(out, "dismissed {}", ids.len())?;
            }
        },
    }
    Ok(())
}
