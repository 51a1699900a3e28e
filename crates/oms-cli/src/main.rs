//! `oms`: the command line over the application API. Same database as the app by default
//! (`--db` or `OMS_DB` to choose another). `--json` output is stable: it is the serde form of
//! the read models in crates/oms-domain/src/views.rs (documented in docs/cli.md).

mod bench;
mod bench_labels;
mod carriers_cmd;
mod edits_cmd;
mod fake_channel;
mod fulfil_cmd;
mod mail_cmd;
mod ops;
mod outbox_cmd;
mod refunds_cmd;
mod returns_cmd;
mod sync_cmd;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use oms_app::domain::{parse_instant, OrderQuery, OrderSort, OrderStatus, PaymentStatus, SortDir};
use oms_app::{Actor, Api, ImportMode, Progress};
use std::io::Write;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "oms",
    version,
    about = "Desktop Order Management System: command line"
)]
struct Cli {
    /// Database file (default: the desktop app's own database).
    #[arg(long, env = "OMS_DB", global = true)]
    db: Option<PathBuf>,
    #[command(subcommand)]
    cmd: Cmd,
}

// Parsed once per process: the size of the variants does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Cmd {
    /// Create the database (or upgrade it) and print where it is.
    Init,
    /// Load deterministic demo orders.
    Demo {
        #[arg(long, default_value_t = 2000)]
        orders: u64,
    },
    /// Import orders.
    Import {
        #[command(subcommand)]
        what: ImportCmd,
    },
    /// Export orders.
    Export {
        #[command(subcommand)]
        what: ExportCmd,
    },
    /// List or show orders.
    Orders {
        #[command(subcommand)]
        what: OrdersCmd,
    },
    /// Search orders by number, name, e-mail, phone, SKU, tracking number or note text.
    Search {
        text: String,
        #[arg(long, default_value_t = 20)]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
    /// Build a database of demo orders and measure import, list, count and search latency
    /// (`--process` measures the pipeline instead).
    Bench(bench::BenchArgs),
    #[command(flatten)]
    Ops(ops::Ops),
    #[command(flatten)]
    Sync(sync_cmd::SyncOps),
    #[command(flatten)]
    Push(outbox_cmd::PushOps),
    #[command(flatten)]
    Carrier(carriers_cmd::CarrierOps),
    #[command(flatten)]
    Fulfil(fulfil_cmd::FulfilOps),
    #[command(flatten)]
    Mail(mail_cmd::MailOps),
    #[command(flatten)]
    Refund(refunds_cmd::RefundOps),
    #[command(flatten)]
    Edit(edits_cmd::EditOps),
    /// Returns (RMAs): open, approve, label, receive, inspect, refund, close, scan.
    #[command(subcommand)]
    Return(returns_cmd::ReturnCmd),
}

#[derive(Subcommand)]
enum ImportCmd {
    /// Import a CSV file (format: docs/csv-format.md). Nothing is imported if any row is bad,
    /// unless --good-rows-only.
    Csv {
        file: PathBuf,
        #[arg(long)]
        good_rows_only: bool,
    },
}

#[derive(Subcommand)]
enum ExportCmd {
    /// Export the orders matching the filters as CSV (the import format).
    Csv {
        #[arg(long, short)]
        out: PathBuf,
        #[command(flatten)]
        filter: Filter,
    },
}

#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum OrdersCmd {
    /// One page of orders; pass the printed cursor to --cursor for the next page.
    List {
        #[command(flatten)]
        filter: Filter,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long)]
        cursor: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// One order with its lines, addresses and timeline.
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args, Default)]
struct Filter {
    #[arg(long)]
    status: Option<String>,
    #[arg(long)]
    connection: Option<i64>,
    /// Placed at or after (RFC 3339 or YYYY-MM-DD, UTC).
    #[arg(long)]
    from: Option<String>,
    /// Placed before (RFC 3339 or YYYY-MM-DD, UTC).
    #[arg(long)]
    to: Option<String>,
    #[arg(long)]
    country: Option<String>,
    #[arg(long)]
    payment: Option<String>,
    #[arg(long)]
    tag: Option<String>,
    #[arg(long)]
    search: Option<String>,
    /// placed_at | grand_total | order_number | priority
    #[arg(long, default_value = "placed_at")]
    sort: String,
    /// asc | desc
    #[arg(long, default_value = "desc")]
    dir: String,
}

impl Filter {
    fn query(&self) -> Result<OrderQuery> {
        Ok(OrderQuery {
            status: self.status.as_deref().map(OrderStatus::parse).transpose()?,
            connection_id: self.connection,
            placed_from: self.from.as_deref().map(parse_instant).transpose()?,
            placed_to: self.to.as_deref().map(parse_instant).transpose()?,
            country: self.country.clone(),
            payment_status: self.payment.as_deref().map(PaymentStatus::parse).transpose()?,
            tag: self.tag.clone(),
            search: self.search.clone(),
            sort: match self.sort.as_str() {
                "placed_at" => OrderSort::PlacedAt,
                "grand_total" => OrderSort::GrandTotal,
                "order_number" => OrderSort::OrderNumber,
                "priority" => OrderSort::Priority,
                other => bail!("--sort: unknown {other:?}; use placed_at, grand_total, order_number or priority"),
            },
            dir: match self.dir.as_str() {
                "asc" => SortDir::Asc,
                "desc" => SortDir::Desc,
                other => bail!("--dir: unknown {other:?}; use asc or desc"),
            },
            cursor: None,
            limit: 100,
        })
    }
}

#[allow(clippy::print_stderr)]
fn progress_printer(label: &'static str) -> impl Fn(Progress) + Send + Sync {
    move |p: Progress| {
        eprint!("\r{label}: {}/{}", p.done, p.total);
        if p.done >= p.total {
            eprintln!();
        }
    }
}

fn print_json<T: serde::Serialize>(v: &T) -> Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, v)?;
    writeln!(out)?;
    Ok(())
}

fn money(minor: i64, currency: &str) -> String {
    let exp = oms_app::domain::Currency::parse(currency)
        .map(|c| c.exponent())
        .unwrap_or(2);
    format!("{} {currency}", oms_app::domain::format_minor(minor, exp))
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("oms: error: {e:#}");
            }
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<()> {
    let cli = Cli::parse();
    if let Cmd::Bench(args) = &cli.cmd {
        return bench::run(args).await;
    }
    let db = cli.db.clone().unwrap_or_else(oms_app::default_db_path);
    let api = Api::open(&db, Actor::local_user())
        .await
        .with_context(|| format!("opening {}", db.display()))?;
    let mut out = std::io::stdout().lock();
    match cli.cmd {
        Cmd::Init => {
            let info = api.app_info().await?;
            writeln!(
                out,
                "database: {} ({} orders)",
                info.db_path, info.order_count
            )?;
        }
        Cmd::Demo { orders } => {
            let t = std::time::Instant::now();
            let r = api.load_demo(orders, &progress_printer("demo")).await?;
            let s = t.elapsed().as_secs_f64();
            writeln!(
                out,
                "demo: {} orders ({} new, {} updated), {} lines in {s:.1} s ({:.0} orders/s)",
                orders,
                r.imported_orders,
                r.updated_orders,
                r.imported_lines,
                orders as f64 / s
            )?;
        }
        Cmd::Import {
            what:
                ImportCmd::Csv {
                    file,
                    good_rows_only,
                },
        } => {
            let mode = if good_rows_only {
                ImportMode::GoodRowsOnly
            } else {
                ImportMode::AllOrNothing
            };
            let r = api
                .import_csv(&file, mode, &progress_printer("import"))
                .await?;
            for e in &r.errors {
                writeln!(
                    out,
                    "row {}, column {}: {}",
                    e.row.map(|r| r.to_string()).unwrap_or_default(),
                    e.column.as_deref().unwrap_or("-"),
                    e.message
                )?;
            }
            if r.error_count > r.errors.len() as u64 {
                writeln!(
                    out,
                    "… and {} more errors",
                    r.error_count - r.errors.len() as u64
                )?;
            }
            if !r.committed && r.error_count > 0 {
                writeln!(
                    out,
                    "nothing imported: {} bad rows; fix them or use --good-rows-only",
                    r.skipped_rows
                )?;
                bail!("the file has bad rows");
            }
            writeln!(
                out,
                "imported {} new and {} updated orders ({} lines); skipped {} rows",
                r.imported_orders, r.updated_orders, r.imported_lines, r.skipped_rows
            )?;
        }
        Cmd::Export {
            what: ExportCmd::Csv { out: path, filter },
        } => {
            let q = filter.query()?;
            let r = api
                .export_csv(Some(&q), None, &path, &progress_printer("export"))
                .await?;
            writeln!(
                out,
                "exported {} orders ({} rows) to {}",
                r.orders, r.rows, r.path
            )?;
        }
        Cmd::Orders {
            what:
                OrdersCmd::List {
                    filter,
                    limit,
                    cursor,
                    json,
                },
        } => {
            let mut q = filter.query()?;
            q.limit = limit;
            q.cursor = cursor;
            let page = api.list_orders(&q).await?;
            if json {
                print_json(&page)?;
            } else {
                for r in &page.rows {
                    writeln!(
                        out,
                        "{:>8}  {:<14} {:<22} {}  {:<24} {:>2}  {:>14}  {:<17} {}",
                        r.id,
                        r.order_number,
                        r.connection_name,
                        oms_app::domain::format_instant(r.placed_at),
                        r.customer_name,
                        r.ship_country.as_deref().unwrap_or("-"),
                        money(r.grand_total, &r.currency),
                        r.status.as_str(),
                        r.payment_status.as_str()
                    )?;
                }
                if let Some(c) = page.next_cursor {
                    writeln!(out, "next page: --cursor {c}")?;
                }
            }
        }
        Cmd::Orders {
            what: OrdersCmd::Show { id, json },
        } => {
            let d = api.get_order(id).await?;
            if json {
                print_json(&d)?;
            } else {
                let o = &d.order;
                writeln!(
                    out,
                    "{} ({}, {})  {}  payment {}",
                    o.order_number,
                    o.connection_name,
                    d.external_id,
                    o.status.as_str(),
                    o.payment_status.as_str()
                )?;
                writeln!(
                    out,
                    "placed {}  customer {} <{}>",
                    oms_app::domain::format_instant(o.placed_at),
                    o.customer_name,
                    o.email.as_deref().unwrap_or("-")
                )?;
                for l in &d.lines {
                    writeln!(
                        out,
                        "  {:>3} × {:<16} {:<36} {:>12}",
                        l.quantity,
                        l.sku,
                        l.title,
                        money(l.line_total, &o.currency)
                    )?;
                }
                writeln!(out, "  total {}", money(o.grand_total, &o.currency))?;
                for e in &d.timeline {
                    writeln!(
                        out,
                        "  {}  {:<14} {:<20} {}{}",
                        oms_app::domain::format_instant(e.at),
                        e.kind,
                        e.actor,
                        e.summary,
                        e.detail
                            .as_deref()
                            .map(|d| format!(": {d}"))
                            .unwrap_or_default()
                    )?;
                }
            }
        }
        Cmd::Search { text, limit, json } => {
            let rows = api.search(&text, limit).await?;
            if json {
                print_json(&rows)?;
            } else {
                for r in &rows {
                    writeln!(
                        out,
                        "{:>8}  {:<14} {:<24} {:<32} {:>14}  {}",
                        r.id,
                        r.order_number,
                        r.customer_name,
                        r.email.as_deref().unwrap_or("-"),
                        money(r.grand_total, &r.currency),
                        r.status.as_str()
                    )?;
                }
            }
        }
        Cmd::Ops(cmd) => ops::run(&api, cmd, &mut out).await?,
        Cmd::Sync(cmd) => sync_cmd::run(&api, cmd, &mut out).await?,
        Cmd::Push(cmd) => outbox_cmd::run(&api, cmd, &mut out).await?,
        Cmd::Carrier(cmd) => carriers_cmd::run(&api, cmd, &mut out).await?,
        Cmd::Fulfil(cmd) => fulfil_cmd::run(&api, cmd, &mut out).await?,
        Cmd::Mail(cmd) => mail_cmd::run(&api, cmd, &mut out).await?,
        Cmd::Refund(cmd) => refunds_cmd::run(&api, cmd, &mut out).await?,
        Cmd::Edit(cmd) => edits_cmd::run(&api, cmd, &mut out).await?,
        Cmd::Return(cmd) => returns_cmd::run(&api, cmd, &mut out).await?,
        Cmd::Bench(_) => {}
    }
    drop(out);
    api.close().await;
    Ok(())
}
