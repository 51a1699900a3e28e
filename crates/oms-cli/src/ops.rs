//! Pipeline, holds, merge, priority, stock and rules commands. Every command goes through the
//! application API; `--json` prints the serde form of its result.

use anyhow::{bail, Result};
use clap::Subcommand;
use oms_app::domain::{
    parse_instant, AddressView, HoldReason, InventoryQuery, LocationKind, LocationRouting,
    MovementKind,
};
use oms_app::engine::PipelineSettings;
use oms_app::{Api, ImportMode, NewLocation, Progress, StockChangeInput};
use std::io::Write;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum RatesCmd {
    /// Replace the rate table with a CSV file: location,country,postal_prefix,max_weight_g,
    /// cost,currency,transit_days (country `*` = everywhere else). Nothing changes if any row
    /// is bad, unless --good-rows-only.
    Import {
        file: PathBuf,
        #[arg(long)]
        good_rows_only: bool,
        #[arg(long)]
        json: bool,
    },
    /// The rate table.
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum Ops {
    /// Run the pipeline (validate → screen → hold/release → merge → prioritise → reserve) on the
    /// orders waiting for it, or again on the given orders.
    Process {
        ids: Vec<i64>,
        #[arg(long)]
        json: bool,
    },
    /// Put orders on hold (reservations stay).
    Hold {
        #[arg(required = true)]
        ids: Vec<i64>,
        /// payment | address | risk | stock | validation | manual | merge_candidate
        #[arg(long, default_value = "manual")]
        reason: String,
        #[arg(long, default_value = "")]
        comment: String,
        #[arg(long)]
        json: bool,
    },
    /// Release the holds of orders (a comment is required) and process them again.
    Release {
        #[arg(required = true)]
        ids: Vec<i64>,
        #[arg(long)]
        comment: String,
        #[arg(long)]
        json: bool,
    },
    /// Cancel orders: reservations are released, open units cancelled.
    Cancel {
        #[arg(required = true)]
        ids: Vec<i64>,
        #[arg(long, default_value = "")]
        comment: String,
        #[arg(long)]
        json: bool,
    },
    /// Ship what is reserved for the orders (no carrier label yet). With --carrier and
    /// --tracking (one order): the parcel's tracking number, sent on to the order's channel.
    Ship {
        #[arg(required = true)]
        ids: Vec<i64>,
        #[arg(long, requires = "tracking")]
        carrier: Option<String>,
        #[arg(long, requires = "carrier")]
        tracking: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Merge orders of one customer to one address into the oldest of them.
    Merge {
        #[arg(required = true, num_args = 2..)]
        ids: Vec<i64>,
        #[arg(long)]
        json: bool,
    },
    /// Route orders again under the current routing rules (their reservations are given back
    /// first) and print each new decision's explanation.
    Route {
        #[arg(required = true)]
        ids: Vec<i64>,
        #[arg(long)]
        json: bool,
    },
    /// Set a priority by hand, or --auto to hand it back to the rules.
    Priority {
        #[arg(required = true)]
        ids: Vec<i64>,
        #[arg(long, allow_negative_numbers = true, conflicts_with = "auto")]
        set: Option<i32>,
        #[arg(long)]
        auto: bool,
    },
    /// Orders on hold with their open holds.
    Review {
        #[arg(long)]
        reason: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
    /// Show the pipeline's rules as JSON, or replace them from a JSON file.
    Rules {
        /// A JSON file with the settings (fields left out keep their defaults).
        #[arg(long)]
        set: Option<PathBuf>,
    },
    /// The shipping rate table the routing rules estimate cost and transit from.
    Rates {
        #[command(subcommand)]
        what: RatesCmd,
    },
    /// Replay past orders through changed routing rules and the current ones, without touching
    /// them, and compare: shipments, split rate, estimated cost, distance, transit, unrouted
    /// orders and the load per location.
    Backtest {
        /// A JSON file with the changed routing rules (`{"strategies": [...], "fallback": {...}}`,
        /// the `routing.rules` part of `oms rules`).
        #[arg(long)]
        strategy: PathBuf,
        /// Compare with these rules instead of the current ones.
        #[arg(long)]
        baseline: Option<PathBuf>,
        /// Orders placed from this day or instant (2026-11-01 or RFC 3339, UTC).
        #[arg(long)]
        from: Option<String>,
        /// Orders placed before this day or instant.
        #[arg(long)]
        to: Option<String>,
        /// The orders of a saved view (name or id) instead of a date range.
        #[arg(long, conflicts_with_all = ["from", "to"])]
        view: Option<String>,
        /// stocked (every location that carries a SKU can ship it) | on-hand (today's stock, used up)
        #[arg(long, default_value = "stocked")]
        stock: String,
        /// Also write the comparison as CSV.
        #[arg(long)]
        csv: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Stock locations.
    Locations {
        #[command(subcommand)]
        what: LocationsCmd,
    },
    /// Stock per SKU and location, its ledger and changes to it.
    Inventory {
        #[command(subcommand)]
        what: InventoryCmd,
    },
    /// Add or change a catalogue product.
    Product {
        sku: String,
        #[arg(long)]
        title: Option<String>,
        #[arg(long)]
        active: Option<bool>,
        /// Allow backorders (orders wait without a stock hold).
        #[arg(long)]
        backorder: Option<bool>,
        /// A release date (2026-12-24 or RFC 3339, UTC): a pre-order until then, its orders
        /// wait for the expected stock; `none` clears it.
        #[arg(long)]
        release: Option<String>,
    },
    /// Buy online, pick up in store: set an order's pickup store, the store's queue, ready and
    /// picked up.
    Pickup {
        #[command(subcommand)]
        what: PickupCmd,
    },
    /// Drop-ship and 3PL hand-offs: list, write out as CSV and JSON, confirm, ship with tracking.
    Handoffs {
        #[command(subcommand)]
        what: HandoffsCmd,
    },
    /// Tag a customer by e-mail (e.g. vip): their open orders are prioritised again.
    TagCustomer { email: String, tag: String },
}

#[derive(Subcommand)]
pub enum PickupCmd {
    /// Make an order a pickup order at a store (its id or name), or `--none` to ship it again.
    Set {
        order: i64,
        #[arg(long, conflicts_with = "none")]
        at: Option<String>,
        #[arg(long)]
        none: bool,
        #[arg(long)]
        json: bool,
    },
    /// A store's pickup queue: to prepare, ready, waiting, picked up (last 7 days).
    Queue {
        location: String,
        #[arg(long)]
        json: bool,
    },
    /// Orders set aside: ready for the customer.
    Ready {
        #[arg(required = true)]
        ids: Vec<i64>,
        #[arg(long)]
        json: bool,
    },
    /// The customers collected these orders.
    Done {
        #[arg(required = true)]
        ids: Vec<i64>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum HandoffsCmd {
    /// Open hand-offs (pending, sent, confirmed), or those of one status.
    List {
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Write the pending hand-offs (or these) as JSON and CSV and mark them sent.
    Export {
        ids: Vec<i64>,
        /// The folder (default: outbox/ beside the database).
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Import a supplier's confirmations as CSV: reference (HO-12), supplier_ref, carrier,
    /// tracking_number. A row with a tracking number ships the hand-off. A bad row changes
    /// nothing unless --good-rows-only.
    Import {
        file: PathBuf,
        #[arg(long)]
        good_rows_only: bool,
        #[arg(long)]
        json: bool,
    },
    /// The supplier confirmed (with its reference).
    Confirm {
        id: i64,
        #[arg(long = "ref")]
        supplier_ref: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The supplier shipped: the order's units at that location ship with this tracking number.
    Ship {
        id: i64,
        #[arg(long)]
        carrier: String,
        #[arg(long)]
        tracking: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum LocationsCmd {
    List {
        #[arg(long)]
        json: bool,
    },
    Add {
        name: String,
        #[command(flatten)]
        place: Place,
    },
    /// Change a location (every field is given again, as for `add`); `--paused` stops it
    /// taking new reservations.
    Update {
        /// The location's id or current name.
        key: String,
        name: String,
        #[command(flatten)]
        place: Place,
        #[arg(long)]
        paused: bool,
    },
}

#[derive(clap::Args)]
pub struct Place {
    /// warehouse | store | 3pl | drop_ship
    #[arg(long, default_value = "warehouse")]
    kind: String,
    /// Street and number (with --city and --country, the address).
    #[arg(long)]
    line1: Option<String>,
    #[arg(long)]
    postal: Option<String>,
    #[arg(long)]
    city: Option<String>,
    /// Two letters, e.g. DE.
    #[arg(long)]
    country: Option<String>,
    #[arg(long, allow_negative_numbers = true)]
    lat: Option<f64>,
    #[arg(long, allow_negative_numbers = true)]
    lon: Option<f64>,
    /// Routing: higher is preferred by the "location priority" ranking.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    priority: i32,
    /// Routing: the countries it ships to, e.g. "DE AT CH" (default: everywhere).
    #[arg(long)]
    ships_to: Option<String>,
    /// Routing: orders per day.
    #[arg(long)]
    capacity_orders: Option<u32>,
    /// Routing: units per day.
    #[arg(long)]
    capacity_units: Option<u32>,
    /// Routing: daily cut-off, HH:MM in UTC.
    #[arg(long)]
    cutoff: Option<String>,
}

impl Place {
    fn location(self, name: String) -> Result<NewLocation> {
        let address = match (self.line1, self.city, self.country) {
            (Some(line1), Some(city), Some(country)) => Some(AddressView {
                name: name.clone(),
                company: None,
                line1,
                line2: None,
                city,
                region: None,
                postal_code: self.postal,
                country: country.to_ascii_uppercase(),
                phone: None,
            }),
            (None, None, None) => None,
            _ => bail!("address: give --line1, --city and --country together"),
        };
        let cutoff_minute_utc = match self.cutoff.as_deref() {
            None => None,
            Some(t) => {
                let (h, m) = t
                    .split_once(':')
                    .ok_or_else(|| anyhow::anyhow!("--cutoff: HH:MM (UTC), got {t:?}"))?;
                Some(h.trim().parse::<u32>()? * 60 + m.trim().parse::<u32>()?)
            }
        };
        Ok(NewLocation {
            kind: LocationKind::parse(&self.kind)?,
            name,
            address,
            lat: self.lat,
            lon: self.lon,
            routing: LocationRouting {
                priority: self.priority,
                ships_to: self
                    .ships_to
                    .unwrap_or_default()
                    .split(|c: char| c == ',' || c.is_whitespace())
                    .filter(|c| !c.is_empty())
                    .map(str::to_ascii_uppercase)
                    .collect(),
                capacity_orders: self.capacity_orders,
                capacity_units: self.capacity_units,
                cutoff_minute_utc,
            },
        })
    }
}

#[derive(Subcommand)]
pub enum InventoryCmd {
    List {
        #[arg(long)]
        search: Option<String>,
        #[arg(long)]
        location: Option<String>,
        #[arg(long)]
        low: bool,
        #[arg(long, default_value_t = 200)]
        limit: u32,
        #[arg(long)]
        cursor: Option<String>,
        #[arg(long)]
        json: bool,
    },
    Ledger {
        sku: String,
        #[arg(long)]
        location: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
    /// Stock arrived (then waiting orders are reserved in priority order).
    Receive {
        sku: String,
        #[arg(long)]
        location: String,
        #[arg(long)]
        qty: i64,
        #[arg(long)]
        reason: Option<String>,
    },
    /// A signed correction with a reason.
    Adjust {
        sku: String,
        #[arg(long)]
        location: String,
        #[arg(long, allow_negative_numbers = true)]
        qty: i64,
        #[arg(long)]
        reason: String,
    },
    /// Returned units back to stock.
    Restock {
        sku: String,
        #[arg(long)]
        location: String,
        #[arg(long)]
        qty: i64,
        #[arg(long)]
        reason: Option<String>,
    },
    Transfer {
        sku: String,
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
        #[arg(long)]
        qty: i64,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Safety stock of a SKU at a location.
    Safety {
        sku: String,
        #[arg(long)]
        location: String,
        #[arg(long)]
        qty: i64,
    },
    /// Stock on its way (shown on backordered lines).
    Incoming {
        sku: String,
        #[arg(long)]
        location: String,
        #[arg(long)]
        qty: i64,
        /// RFC 3339 or YYYY-MM-DD (UTC).
        #[arg(long)]
        at: Option<String>,
    },
    /// Import stock counts from CSV: sku,location,on_hand[,safety_stock].
    Import {
        file: PathBuf,
        #[arg(long)]
        good_rows_only: bool,
    },
    /// Compare the ledger with the balances and reservations.
    Check,
}

#[allow(clippy::print_stderr)]
fn progress(p: Progress) {
    if p.total > 0 {
        eprint!("\r{}: {}/{}", p.task, p.done, p.total);
        if p.done >= p.total {
            eprintln!();
        }
    }
}

pub(crate) fn json<T: serde::Serialize>(out: &mut impl Write, v: &T) -> Result<()> {
    serde_json::to_writer_pretty(&mut *out, v)?;
    writeln!(out)?;
    Ok(())
}

fn bulk(out: &mut impl Write, as_json: bool, r: &oms_app::domain::BulkResult) -> Result<()> {
    if as_json {
        return json(out, r);
    }
    writeln!(
        out,
        "{} changed, {} unchanged, {} failed",
        r.changed, r.unchanged, r.failed_count
    )?;
    for f in &r.failed {
        writeln!(out, "  order {}: {}", f.order_id, f.message)?;
    }
    Ok(())
}

async fn location(api: &Api, key: &str) -> Result<i64> {
    Ok(api.find_location(key).await?.id)
}

pub async fn run(api: &Api, cmd: Ops, out: &mut impl Write) -> Result<()> {
    match cmd {
        Ops::Process { ids, json: j } => {
            let s = if ids.is_empty() {
                api.process_pending(&progress).await?
            } else {
                api.process_orders(&ids, &progress).await?
            };
            if j {
                json(out, &s)?;
            } else {
                writeln!(
                    out,
                    "processed {}: {} allocated, {} backordered, {} on hold, {} merged, {} skipped, {} failed",
                    s.processed, s.allocated, s.backordered, s.on_hold, s.merged, s.skipped, s.failed_count
                )?;
            }
        }
        Ops::Hold {
            ids,
            reason,
            comment,
            json: j,
        } => {
            let r = api
                .hold_orders(&ids, HoldReason::parse(&reason)?, &comment, &progress)
                .await?;
            bulk(out, j, &r)?;
        }
        Ops::Release {
            ids,
            comment,
            json: j,
        } => {
            let r = api.release_orders(&ids, &comment, &progress).await?;
            bulk(out, j, &r)?;
        }
        Ops::Cancel {
            ids,
            comment,
            json: j,
        } => {
            let r = api.cancel_orders(&ids, &comment, &progress).await?;
            bulk(out, j, &r)?;
        }
        Ops::Ship {
            ids,
            carrier: Some(carrier),
            tracking: Some(tracking),
            json: j,
        } => {
            let [id] = ids[..] else {
                anyhow::bail!("--carrier and --tracking go with one order");
            };
            let units = api.ship_order(id, &carrier, &tracking).await?;
            if j {
                json(
                    out,
                    &serde_json::json!({ "order_id": id, "units": units, "carrier": carrier, "tracking": tracking }),
                )?;
            } else {
                writeln!(
                    out,
                    "order {id}: {units} units shipped with {carrier} {tracking}"
                )?;
            }
        }
        Ops::Ship { ids, json: j, .. } => {
            let r = api.mark_shipped(&ids, &progress).await?;
            bulk(out, j, &r)?;
        }
        Ops::Route { ids, json: j } => {
            let r = api.reroute_orders(&ids, &progress).await?;
            let mut views = Vec::new();
            for id in &ids {
                if let Ok(d) = api.get_order(*id).await {
                    views.push((d.order.id, d.order.order_number, d.order.status, d.routing));
                }
            }
            if j {
                json(
                    out,
                    &serde_json::json!({ "result": r, "orders": views.iter().map(|(id, n, st, v)| serde_json::json!({
                        "order_id": id, "order_number": n, "status": st, "routing": v })).collect::<Vec<_>>() }),
                )?;
            } else {
                for (_, n, st, v) in &views {
                    match v {
                        Some(v) => writeln!(out, "{n} ({st}): {}", v.explanation)?,
                        None => writeln!(out, "{n} ({st}): not routed by the routing rules (are they enabled? `oms rules`)")?,
                    }
                }
                for f in &r.failed {
                    writeln!(out, "order {}: {}", f.order_id, f.message)?;
                }
            }
        }
        Ops::Merge { ids, json: j } => {
            let o = api.merge_orders(&ids).await?;
            if j {
                json(out, &o)?;
            } else {
                writeln!(
                    out,
                    "merged into {} (id {}): {}",
                    o.order_number, o.order_id, o.status
                )?;
            }
        }
        Ops::Priority { ids, set, auto } => {
            if set.is_none() && !auto {
                bail!("give --set N or --auto");
            }
            let n = api.set_priority(&ids, set).await?;
            writeln!(out, "{n} orders changed")?;
        }
        Ops::Review {
            reason,
            limit,
            json: j,
        } => {
            let reason = reason.as_deref().map(HoldReason::parse).transpose()?;
            let rows = api.review_queue(reason, limit).await?;
            if j {
                json(out, &rows)?;
            } else {
                for r in &rows {
                    writeln!(
                        out,
                        "{:>8}  {:<14} {:<24} risk {}",
                        r.order.id,
                        r.order.order_number,
                        r.order.customer_name,
                        r.risk_score.unwrap_or(0)
                    )?;
                    for h in &r.holds {
                        writeln!(out, "          {:<16} {}", h.reason.as_str(), h.message)?;
                    }
                }
            }
        }
        Ops::Rules { set } => {
            if let Some(path) = set {
                let text = std::fs::read_to_string(&path)?;
                let s: PipelineSettings = serde_json::from_str(&text)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
                api.save_pipeline_settings(&s).await?;
                writeln!(out, "rules saved")?;
            } else {
                json(out, &api.pipeline_settings().await?)?;
            }
        }
        Ops::Rates {
            what:
                RatesCmd::Import {
                    file,
                    good_rows_only,
                    json: j,
                },
        } => {
            let mode = if good_rows_only {
                ImportMode::GoodRowsOnly
            } else {
                ImportMode::AllOrNothing
            };
            let r = api.import_rates_csv(&file, mode).await?;
            if j {
                json(out, &r)?;
            } else {
                for e in &r.errors {
                    writeln!(
                        out,
                        "row {}, {}: {}",
                        e.row.unwrap_or(0),
                        e.column.as_deref().unwrap_or(""),
                        e.message
                    )?;
                }
                if r.committed {
                    writeln!(
                        out,
                        "{} rates imported (the table was replaced); {} rows skipped",
                        r.imported, r.skipped_rows
                    )?;
                } else {
                    writeln!(
                        out,
                        "nothing imported: {} errors (--good-rows-only imports the good rows)",
                        r.error_count
                    )?;
                }
            }
            if !r.committed {
                bail!("the rate table was not changed");
            }
        }
        Ops::Rates {
            what: RatesCmd::List { json: j },
        } => {
            let r = api.list_rates().await?;
            if j {
                json(out, &r)?;
            } else {
                writeln!(
                    out,
                    "location\tcountry\tpostal prefix\tmax weight g\tcost\ttransit days"
                )?;
                for x in &r {
                    writeln!(
                        out,
                        "{}\t{}\t{}\t{}\t{}\t{}",
                        x.location_name,
                        x.country,
                        x.postal_prefix,
                        x.max_weight_g.map(|w| w.to_string()).unwrap_or_default(),
                        crate::money(x.cost_minor, &x.currency),
                        x.transit_days
                    )?;
                }
            }
        }
        Ops::Backtest {
            strategy,
            baseline,
            from,
            to,
            view,
            stock,
            csv,
            json: j,
        } => {
            let read = |p: &PathBuf| -> Result<oms_app::engine::route::RoutingSettings> {
                let text = std::fs::read_to_string(p)?;
                serde_json::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))
            };
            let mut query = match &view {
                Some(v) => {
                    let views = api.list_views().await?;
                    match views
                        .into_iter()
                        .find(|x| x.name.eq_ignore_ascii_case(v) || x.id.to_string() == *v)
                    {
                        Some(x) => x.query,
                        None => bail!("no saved view named {v:?}"),
                    }
                }
                None => oms_app::domain::OrderQuery::default(),
            };
            if let Some(f) = &from {
                query.placed_from = Some(parse_instant(f)?);
            }
            if let Some(t) = &to {
                query.placed_to = Some(parse_instant(t)?);
            }
            let stock = match stock.as_str() {
                "stocked" => oms_app::engine::route::StockModel::Stocked,
                "on-hand" | "on_hand" => oms_app::engine::route::StockModel::OnHandNow,
                other => bail!("--stock: {other:?} is not stocked or on-hand"),
            };
            let req = oms_app::BacktestRequest {
                query,
                candidate: read(&strategy)?,
                baseline: baseline.as_ref().map(read).transpose()?,
                stock,
            };
            let r = api.backtest(&req, &progress).await?;
            if let Some(p) = &csv {
                api.export_backtest_csv(&r, p).await?;
            }
            if j {
                json(out, &r)?;
            } else {
                write!(out, "{}", oms_app::backtest_csv(&r).replace(',', "\t"))?;
                writeln!(
                    out,
                    "\n{} orders replayed twice in {:.1} s{}",
                    r.orders,
                    r.seconds,
                    if r.truncated {
                        " (the newest; more matched)"
                    } else {
                        ""
                    }
                )?;
            }
        }
        Ops::Locations {
            what: LocationsCmd::List { json: j },
        } => {
            let l = api.list_locations().await?;
            if j {
                json(out, &l)?;
            } else {
                for l in &l {
                    writeln!(out, "{:>4}  {:<28} {}", l.id, l.name, l.kind.as_str())?;
                }
            }
        }
        Ops::Locations {
            what: LocationsCmd::Add { name, place },
        } => {
            let l = api.create_location(&place.location(name)?).await?;
            writeln!(out, "location {} created (id {})", l.name, l.id)?;
        }
        Ops::Locations {
            what:
                LocationsCmd::Update {
                    key,
                    name,
                    place,
                    paused,
                },
        } => {
            let id = api.find_location(&key).await?.id;
            let l = api
                .update_location(id, &place.location(name)?, !paused)
                .await?;
            writeln!(
                out,
                "location {} updated (id {}){}",
                l.name,
                l.id,
                if l.active { "" } else { ", paused" }
            )?;
        }
        Ops::Inventory { what } => inventory(api, what, out).await?,
        Ops::Product {
            sku,
            title,
            active,
            backorder,
            release,
        } => {
            let id = api
                .upsert_product(&sku, title.as_deref(), active, backorder)
                .await?;
            if let Some(r) = release {
                let at = if r == "none" {
                    None
                } else {
                    Some(parse_instant(&r)?)
                };
                api.set_release_date(&sku, at).await?;
            }
            writeln!(out, "product {sku} (id {id}) saved")?;
        }
        Ops::Pickup { what } => match what {
            PickupCmd::Set {
                order,
                at,
                none,
                json: j,
            } => {
                let loc = match (&at, none) {
                    (Some(a), _) => Some(api.find_location(a).await?.id),
                    (None, true) => None,
                    (None, false) => bail!("say --at STORE or --none"),
                };
                let o = api.set_pickup_location(order, loc).await?;
                if j {
                    json(out, &o)?;
                } else {
                    writeln!(
                        out,
                        "{}: {} ({} units reserved)",
                        o.order_number, o.status, o.reserved_units
                    )?;
                }
            }
            PickupCmd::Queue { location, json: j } => {
                let l = api.find_location(&location).await?;
                let q = api.pickup_queue(l.id).await?;
                if j {
                    json(out, &q)?;
                } else {
                    for r in &q {
                        writeln!(
                            out,
                            "{}\t{:?}\t{}\t{} units\t{}",
                            r.order_number, r.state, r.customer_name, r.units, r.status
                        )?;
                    }
                }
            }
            PickupCmd::Ready { ids, json: j } => {
                let r = api.mark_ready_for_pickup(&ids, &progress).await?;
                bulk(out, j, &r)?;
            }
            PickupCmd::Done { ids, json: j } => {
                let r = api.mark_picked_up(&ids, &progress).await?;
                bulk(out, j, &r)?;
            }
        },
        Ops::Handoffs { what } => match what {
            HandoffsCmd::List { status, json: j } => {
                let h = api.list_handoffs(status.as_deref()).await?;
                if j {
                    json(out, &h)?;
                } else {
                    for x in &h {
                        writeln!(
                            out,
                            "HO-{}\t{}\t{}\t{}\t{} units\t{}",
                            x.id, x.status, x.order_number, x.location_name, x.units, x.kind
                        )?;
                    }
                }
            }
            HandoffsCmd::Export {
                ids,
                out: dir,
                json: j,
            } => {
                let only = (!ids.is_empty()).then_some(ids.as_slice());
                let r = api.export_handoffs(only, dir.as_deref()).await?;
                if j {
                    json(out, &r)?;
                } else {
                    writeln!(
                        out,
                        "{} hand-offs written to {} and marked sent",
                        r.handoffs, r.folder
                    )?;
                }
            }
            HandoffsCmd::Confirm {
                id,
                supplier_ref,
                json: j,
            } => {
                let h = api.confirm_handoff(id, supplier_ref.as_deref()).await?;
                if j {
                    json(out, &h)?;
                } else {
                    writeln!(out, "HO-{}: {}", h.id, h.status)?;
                }
            }
            HandoffsCmd::Import {
                file,
                good_rows_only,
                json: j,
            } => {
                let mode = if good_rows_only {
                    oms_app::ImportMode::GoodRowsOnly
                } else {
                    oms_app::ImportMode::AllOrNothing
                };
                let r = api.import_handoff_csv(&file, mode).await?;
                if j {
                    json(out, &r)?;
                } else {
                    writeln!(
                        out,
                        "{} confirmed, {} shipped, {} rows skipped{}",
                        r.confirmed,
                        r.shipped,
                        r.skipped_rows,
                        if r.committed { "" } else { "; nothing changed" }
                    )?;
                    for e in &r.errors {
                        writeln!(
                            out,
                            "  row {}: {}: {}",
                            e.row.unwrap_or(0),
                            e.column.as_deref().unwrap_or(""),
                            e.message
                        )?;
                    }
                }
            }
            HandoffsCmd::Ship {
                id,
                carrier,
                tracking,
                json: j,
            } => {
                let h = api.ship_handoff(id, &carrier, &tracking).await?;
                if j {
                    json(out, &h)?;
                } else {
                    writeln!(out, "HO-{}: {} ({} {})", h.id, h.status, carrier, tracking)?;
                }
            }
        },
        Ops::TagCustomer { email, tag } => {
            api.tag_customer(&email, &tag).await?;
            writeln!(
                out,
                "customer {email} tagged {tag}; their open orders are queued for processing"
            )?;
        }
    }
    Ok(())
}

async fn change(
    api: &Api,
    sku: String,
    loc: &str,
    kind: MovementKind,
    qty: i64,
    reason: Option<String>,
) -> Result<u64> {
    let location_id = location(api, loc).await?;
    Ok(api
        .change_stock(&[StockChangeInput {
            sku,
            location_id,
            kind,
            quantity: qty,
            reason,
        }])
        .await?)
}

async fn inventory(api: &Api, cmd: InventoryCmd, out: &mut impl Write) -> Result<()> {
    match cmd {
        InventoryCmd::List {
            search,
            location: loc,
            low,
            limit,
            cursor,
            json: j,
        } => {
            let location_id = match loc {
                Some(l) => Some(location(api, &l).await?),
                None => None,
            };
            let page = api
                .inventory(&InventoryQuery {
                    search,
                    location_id,
                    low_only: low,
                    cursor,
                    limit,
                })
                .await?;
            if j {
                json(out, &page)?;
            } else {
                writeln!(
                    out,
                    "{:<18} {:<22} {:>8} {:>8} {:>9} {:>7} {:>8}",
                    "sku", "location", "on hand", "reserved", "available", "safety", "waiting"
                )?;
                for r in &page.rows {
                    writeln!(
                        out,
                        "{:<18} {:<22} {:>8} {:>8} {:>9} {:>7} {:>8}{}",
                        r.sku,
                        r.location_name,
                        r.on_hand,
                        r.reserved,
                        r.available,
                        r.safety_stock,
                        r.backordered,
                        if r.low { "  LOW" } else { "" }
                    )?;
                }
                if let Some(c) = page.next_cursor {
                    writeln!(out, "next page: --cursor {c}")?;
                }
            }
        }
        InventoryCmd::Ledger {
            sku,
            location: loc,
            limit,
            json: j,
        } => {
            let location_id = match loc {
                Some(l) => Some(location(api, &l).await?),
                None => None,
            };
            let rows = api.ledger(&sku, location_id, limit).await?;
            if j {
                json(out, &rows)?;
            } else {
                for m in &rows {
                    writeln!(
                        out,
                        "{}  {:<15} on hand {:+}  reserved {:+}  {}{}",
                        oms_app::domain::format_instant(m.at),
                        m.kind.as_str(),
                        m.on_hand_change,
                        m.reserved_change,
                        m.order_number.as_deref().unwrap_or(""),
                        m.reason
                            .as_deref()
                            .map(|r| format!(" ({r})"))
                            .unwrap_or_default()
                    )?;
                }
            }
        }
        InventoryCmd::Receive {
            sku,
            location: l,
            qty,
            reason,
        } => {
            let n = change(api, sku, &l, MovementKind::Receipt, qty, reason).await?;
            writeln!(out, "received; {n} waiting orders processed")?;
        }
        InventoryCmd::Adjust {
            sku,
            location: l,
            qty,
            reason,
        } => {
            let n = change(api, sku, &l, MovementKind::Adjustment, qty, Some(reason)).await?;
            writeln!(out, "adjusted; {n} waiting orders processed")?;
        }
        InventoryCmd::Restock {
            sku,
            location: l,
            qty,
            reason,
        } => {
            let n = change(api, sku, &l, MovementKind::ReturnRestock, qty, reason).await?;
            writeln!(out, "restocked; {n} waiting orders processed")?;
        }
        InventoryCmd::Transfer {
            sku,
            from,
            to,
            qty,
            reason,
        } => {
            let (f, t) = (location(api, &from).await?, location(api, &to).await?);
            let n = api
                .transfer_stock(&sku, f, t, qty, reason.as_deref())
                .await?;
            writeln!(out, "transferred; {n} waiting orders processed")?;
        }
        InventoryCmd::Safety {
            sku,
            location: l,
            qty,
        } => {
            api.set_safety_stock(&sku, location(api, &l).await?, qty)
                .await?;
            writeln!(out, "safety stock set")?;
        }
        InventoryCmd::Incoming {
            sku,
            location: l,
            qty,
            at,
        } => {
            let at = at.as_deref().map(parse_instant).transpose()?;
            api.set_incoming(&sku, location(api, &l).await?, qty, at)
                .await?;
            writeln!(out, "incoming stock recorded")?;
        }
        InventoryCmd::Import {
            file,
            good_rows_only,
        } => {
            let mode = if good_rows_only {
                ImportMode::GoodRowsOnly
            } else {
                ImportMode::AllOrNothing
            };
            let r = api.import_stock_csv(&file, mode).await?;
            for e in &r.errors {
                writeln!(
                    out,
                    "row {}, column {}: {}",
                    e.row.unwrap_or(0),
                    e.column.as_deref().unwrap_or("-"),
                    e.message
                )?;
            }
            if !r.committed && r.error_count > 0 {
                bail!(
                    "nothing imported: {} bad rows; fix them or use --good-rows-only",
                    r.skipped_rows
                );
            }
            writeln!(
                out,
                "imported {} stock counts; skipped {} rows",
                r.imported_lines, r.skipped_rows
            )?;
        }
        InventoryCmd::Check => {
            let problems = api.check_inventory().await?;
            for p in &problems {
                writeln!(out, "{p}")?;
            }
            if !problems.is_empty() {
                bail!("{} inconsistencies", problems.len());
            }
            writeln!(out, "ledger, balances and reservations agree")?;
        }
    }
    Ok(())
}
