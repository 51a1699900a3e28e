//! `oms outbox`, `oms skus` and `oms push`: what goes to the channels (shipments with
//! tracking, cancellations, stock), the channel SKU mapping and the stock settings.

use crate::ops::json;
use anyhow::Result;
use clap::Subcommand;
use oms_app::domain::format_instant;
use oms_app::domain::sync_views::PushSettings;
use oms_app::Api;
use std::io::Write;

#[derive(Subcommand)]
pub enum PushOps {
    /// Writes to the channels: list, send now, retry failed rows, dismiss.
    Outbox {
        #[command(subcommand)]
        what: OutboxCmd,
    },
    /// A connection's SKUs and what they map to here; map one by hand.
    Skus {
        #[command(subcommand)]
        what: SkusCmd,
    },
    /// What a connection is told besides orders: shipments and cancellations, stock levels
    /// (less a buffer, at most a cap), and which of our locations feed its stock.
    Push {
        connection: i64,
        /// Send shipments (with tracking) and cancellations made here.
        #[arg(long)]
        fulfilments: Option<bool>,
        /// Send stock levels.
        #[arg(long)]
        stock: Option<bool>,
        /// Units held back per SKU.
        #[arg(long)]
        buffer: Option<i64>,
        /// At most this many units per SKU.
        #[arg(long, conflicts_with = "no_cap")]
        cap: Option<i64>,
        #[arg(long)]
        no_cap: bool,
        /// Our location (id) that feeds the connection's stock …
        #[arg(long)]
        location: Option<i64>,
        /// … into this channel location (Shopify: gid://shopify/Location/…).
        #[arg(long, requires = "location")]
        channel_location: Option<String>,
        /// Stop --location feeding the connection.
        #[arg(long, requires = "location")]
        remove: bool,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum OutboxCmd {
    List {
        #[arg(long)]
        connection: Option<i64>,
        /// pending, sent, failed or dismissed
        #[arg(long)]
        status: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: i64,
        #[arg(long)]
        json: bool,
    },
    /// Turn stock changes into rows and send every due row now.
    Send {
        #[arg(long)]
        json: bool,
    },
    /// Send failed rows again.
    Retry { ids: Vec<i64> },
    /// Take rows off the outbox (they are never sent).
    Dismiss { ids: Vec<i64> },
}

#[derive(Subcommand)]
pub enum SkusCmd {
    List {
        connection: i64,
        /// Only SKUs that match no stocked product here.
        #[arg(long)]
        unknown: bool,
        #[arg(long)]
        json: bool,
    },
    /// Map a channel SKU to one of ours (`--to` left out: back to the same SKU).
    Map {
        connection: i64,
        channel_sku: String,
        #[arg(long)]
        to: Option<String>,
    },
}

fn when(ms: Option<i64>) -> String {
    ms.map(format_instant).unwrap_or_else(|| "-".into())
}

pub async fn run(api: &Api, cmd: PushOps, out: &mut impl Write) -> Result<()> {
    match cmd {
        PushOps::Outbox { what } => match what {
            OutboxCmd::List {
                connection,
                status,
                limit,
                json: j,
            } => {
                let rows = api.outbox(connection, status.as_deref(), limit).await?;
                if j {
                    json(out, &rows)?;
                } else if rows.is_empty() {
                    writeln!(out, "the outbox is empty")?;
                } else {
                    for r in &rows {
                        writeln!(
                            out,
                            "{:>6}  {:<9} {:<12} {}  tries {}{}{}",
                            r.id,
                            r.status,
                            r.kind,
                            r.summary,
                            r.attempts,
                            r.sent_at
                                .map(|t| format!("; sent {}", format_instant(t)))
                                .unwrap_or_default(),
                            r.last_error
                                .as_deref()
                                .map(|e| format!("; {e}"))
                                .unwrap_or_default(),
                        )?;
                    }
                }
            }
            OutboxCmd::Send { json: j } => {
                let reports = api.dispatch_all().await?;
                if j {
                    json(out, &reports)?;
                } else {
                    for r in &reports {
                        writeln!(
                            out,
                            "connection {}: {} sent, {} to retry, {} failed, {} not listed{}",
                            r.connection_id,
                            r.sent,
                            r.retrying,
                            r.failed,
                            r.not_listed,
                            r.stopped
                                .as_deref()
                                .map(|s| format!("; stopped: {s}"))
                                .unwrap_or_default()
                        )?;
                    }
                }
            }
            OutboxCmd::Retry { ids } => {
                let n = api.retry_outbox(&ids).await?;
                writeln!(out, "{n} row(s) will be sent again")?;
            }
            OutboxCmd::Dismiss { ids } => {
                let n = api.dismiss_outbox(&ids).await?;
                writeln!(out, "dismissed {n}")?;
            }
        },
        PushOps::Skus { what } => match what {
            SkusCmd::List {
                connection,
                unknown,
                json: j,
            } => {
                let skus = api.channel_skus(connection, unknown).await?;
                if j {
                    json(out, &skus)?;
                } else if skus.is_empty() {
                    writeln!(out, "no SKUs seen on this connection yet")?;
                } else {
                    for s in &skus {
                        writeln!(
                            out,
                            "{:<24} → {:<24} {:<10}{} pushed {} at {}",
                            s.channel_sku,
                            s.sku.as_deref().unwrap_or("-"),
                            s.state,
                            if s.manual { " (by hand)" } else { "" },
                            s.pushed_quantity
                                .map(|q| q.to_string())
                                .unwrap_or_else(|| "-".into()),
                            when(s.pushed_at)
                        )?;
                    }
                }
            }
            SkusCmd::Map {
                connection,
                channel_sku,
                to,
            } => {
                api.map_channel_sku(connection, &channel_sku, to.as_deref())
                    .await?;
                match to {
                    Some(t) => writeln!(out, "{channel_sku} now maps to {t}")?,
                    None => writeln!(out, "{channel_sku} maps to the same SKU here")?,
                }
            }
        },
        PushOps::Push {
            connection,
            fulfilments,
            stock,
            buffer,
            cap,
            no_cap,
            location,
            channel_location,
            remove,
            json: j,
        } => {
            api.set_push_settings(
                connection,
                &PushSettings {
                    push_fulfilments: fulfilments,
                    push_stock: stock,
                    stock_buffer: buffer,
                    stock_cap: cap,
                    remove_cap: no_cap,
                },
            )
            .await?;
            if let Some(l) = location {
                api.set_channel_location(connection, l, channel_location.as_deref(), !remove)
                    .await?;
            }
            let c = api.connection(connection).await?;
            let locations = api.channel_locations(connection).await?;
            if j {
                json(
                    out,
                    &serde_json::json!({ "connection": c, "locations": locations }),
                )?;
            } else {
                writeln!(
                    out,
                    "connection {}: fulfilments {}, stock {} (buffer {}, cap {}), fed by {}",
                    c.id,
                    if c.push_fulfilments { "on" } else { "off" },
                    if c.push_stock { "on" } else { "off" },
                    c.stock_buffer,
                    c.stock_cap
                        .map(|c| c.to_string())
                        .unwrap_or_else(|| "none".into()),
                    if locations.is_empty() {
                        "every active location".to_owned()
                    } else {
                        locations
                            .iter()
                            .map(|l| match &l.external_location_id {
                                Some(x) => format!("{} → {x}", l.name),
                                None => l.name.clone(),
                            })
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                )?;
            }
        }
    }
    Ok(())
}
