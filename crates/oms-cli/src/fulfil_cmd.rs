//! `oms queue`, `oms batch`, `oms picklist`, `oms slip`, `oms pack`, `oms ship-parcel`,
//! `oms presets`, `oms bin`, `oms track` and `oms shipments`: fulfilment at a location through
//! the application API, for scripts.

use crate::ops::json;
use anyhow::{bail, Context, Result};
use clap::Subcommand;
use oms_app::domain::fulfil_views::{PackInput, ParcelPreset, Scan};
use oms_app::Api;
use std::io::Write;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum FulfilOps {
    /// Orders with units reserved at a location, waiting to be picked and packed.
    Queue {
        /// Location name or id.
        location: String,
        /// Include orders already in a batch.
        #[arg(long)]
        all: bool,
        #[arg(long, default_value_t = 100)]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
    /// Pick batches: create, list, show, remove an order, close.
    Batch {
        #[command(subcommand)]
        what: BatchCmd,
    },
    /// A batch's pick list, sorted by bin and SKU (--pdf saves it for the printer).
    Picklist {
        batch: i64,
        #[arg(long)]
        pdf: Option<PathBuf>,
        #[arg(long, default_value = "en")]
        lang: String,
        #[arg(long)]
        json: bool,
    },
    /// Packing slips: of an order at a location, or of every order of a batch (--batch).
    Slip {
        #[arg(required_unless_present = "batch")]
        order: Option<i64>,
        #[arg(long, required_unless_present = "batch")]
        location: Option<String>,
        #[arg(long, conflicts_with_all = ["order", "location"])]
        batch: Option<i64>,
        #[arg(long)]
        pdf: Option<PathBuf>,
        #[arg(long, default_value = "en")]
        lang: String,
        #[arg(long)]
        json: bool,
    },
    /// Pack an order at a location: each --scan is a SKU or barcode, optionally CODE:QTY. The
    /// scans are checked against the order; only a match (or --partial) makes a parcel.
    Pack {
        order: i64,
        #[arg(long)]
        location: String,
        #[arg(long = "scan", required = true)]
        scans: Vec<String>,
        #[arg(long)]
        partial: bool,
        #[arg(long)]
        preset: Option<i64>,
        /// Grams, weighed at the bench.
        #[arg(long)]
        weight: Option<i64>,
        #[arg(long)]
        batch: Option<i64>,
        #[arg(long)]
        json: bool,
    },
    /// Undo packing of a parcel not shipped yet.
    Unpack { parcel: i64 },
    /// Ship a packed parcel with a carrier and tracking number typed in (any carrier).
    ShipParcel {
        parcel: i64,
        #[arg(long, default_value = "")]
        carrier: String,
        #[arg(long)]
        tracking: Option<String>,
    },
    /// Parcel presets (boxes): list, add or change, delete.
    Presets {
        #[command(subcommand)]
        what: PresetCmd,
    },
    /// Set the bin of a SKU at a location (pick lists walk the bins in order).
    Bin {
        sku: String,
        location: String,
        /// Empty clears it.
        bin: String,
    },
    /// One tracking pass over shipments not delivered (--force: ask about all of them now).
    Track {
        #[arg(long)]
        force: bool,
        #[arg(long)]
        json: bool,
    },
    /// An order's shipments with their tracking scans; --problems: parcels that need a look.
    Shipments {
        #[arg(required_unless_present = "problems")]
        order: Option<i64>,
        #[arg(long)]
        problems: bool,
        /// With --problems: days without a scan.
        #[arg(long)]
        days: Option<u32>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum BatchCmd {
    /// A batch of the given orders, or of the next --take in the location's queue.
    Create {
        location: String,
        orders: Vec<i64>,
        #[arg(long)]
        take: Option<u32>,
        #[arg(long)]
        json: bool,
    },
    List {
        #[arg(long)]
        location: Option<String>,
        /// Finished batches too.
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    Remove {
        id: i64,
        order: i64,
    },
    Close {
        id: i64,
    },
}

#[derive(Subcommand)]
pub enum PresetCmd {
    List {
        #[arg(long)]
        json: bool,
    },
    /// Add or change (by name): outer size in millimetres, the box's own weight in grams.
    Add {
        name: String,
        length_mm: u32,
        width_mm: u32,
        height_mm: u32,
        #[arg(long, default_value_t = 0)]
        tare: u32,
        #[arg(long)]
        max: Option<u32>,
    },
    Delete {
        id: i64,
    },
}

fn scan_of(s: &str) -> Result<Scan> {
    let (code, q) = match s.rsplit_once(':') {
        Some((c, q)) if q.chars().all(|d| d.is_ascii_digit()) && !q.is_empty() => {
            (c, q.parse::<i64>().context("quantity")?)
        }
        _ => (s, 1),
    };
    if code.trim().is_empty() {
        bail!("--scan {s:?}: no code");
    }
    Ok(Scan {
        code: code.to_owned(),
        quantity: q,
    })
}

fn print_batch(out: &mut impl Write, b: &oms_app::domain::fulfil_views::BatchView) -> Result<()> {
    writeln!(
        out,
        "batch {} {:?} at {}: {} ({} orders)",
        b.id,
        b.name,
        b.location,
        b.status,
        b.orders.len()
    )?;
    for o in &b.orders {
        writeln!(
            out,
            "  {:>8}  {:<8}  {} units",
            o.order_number, o.state, o.units
        )?;
    }
    Ok(())
}

pub async fn run(api: &Api, cmd: FulfilOps, out: &mut impl Write) -> Result<()> {
    match cmd {
        FulfilOps::Queue {
            location,
            all,
            limit,
            json: j,
        } => {
            let loc = api.find_location(&location).await?;
            let q = api.fulfilment_queue(loc.id, all, Some(limit)).await?;
            if j {
                return json(out, &q);
            }
            writeln!(out, "{}: {} orders waiting", loc.name, q.total)?;
            for r in &q.rows {
                writeln!(
                    out,
                    "  {:>6}  {:<10} {:<24} {:>3} units {:>2} lines  {}{}{}",
                    r.order_id,
                    r.order_number,
                    r.customer.as_deref().unwrap_or(""),
                    r.units,
                    r.lines,
                    r.status,
                    r.batch_id
                        .map(|b| format!("  batch {b}"))
                        .unwrap_or_default(),
                    r.parcel_id
                        .map(|p| format!("  packed (parcel {p})"))
                        .unwrap_or_default(),
                )?;
            }
        }
        FulfilOps::Batch { what } => match what {
            BatchCmd::Create {
                location,
                orders,
                take,
                json: j,
            } => {
                let loc = api.find_location(&location).await?;
                let b = api.create_batch(loc.id, &orders, take).await?;
                if j {
                    return json(out, &b);
                }
                print_batch(out, &b)?;
            }
            BatchCmd::List {
                location,
                all,
                json: j,
            } => {
                let loc = match location {
                    Some(l) => Some(api.find_location(&l).await?.id),
                    None => None,
                };
                let list = api.list_batches(loc, !all).await?;
                if j {
                    return json(out, &list);
                }
                if list.is_empty() {
                    writeln!(out, "no batches")?;
                }
                for b in &list {
                    print_batch(out, b)?;
                }
            }
            BatchCmd::Show { id, json: j } => {
                let b = api.batch(id).await?;
                if j {
                    return json(out, &b);
                }
                print_batch(out, &b)?;
            }
            BatchCmd::Remove { id, order } => {
                let b = api.remove_from_batch(id, order).await?;
                print_batch(out, &b)?;
            }
            BatchCmd::Close { id } => {
                let b = api.close_batch(id).await?;
                print_batch(out, &b)?;
            }
        },
        FulfilOps::Picklist {
            batch,
            pdf,
            lang,
            json: j,
        } => {
            if let Some(p) = pdf {
                let f = api.save_pick_list_pdf(batch, &lang, Some(&p)).await?;
                writeln!(out, "pick list saved to {f}")?;
                return Ok(());
            }
            let p = api.pick_list(batch).await?;
            if j {
                return json(out, &p);
            }
            writeln!(
                out,
                "pick list {} at {}: {} units",
                p.batch, p.location, p.units
            )?;
            for r in &p.rows {
                let orders: Vec<String> = r
                    .orders
                    .iter()
                    .map(|o| format!("{}×{}", o.order_number, o.quantity))
                    .collect();
                writeln!(
                    out,
                    "  {:<8} {:<14} {:>4}  {}  [{}]",
                    r.bin.as_deref().unwrap_or("-"),
                    r.sku,
                    r.quantity,
                    r.title,
                    orders.join(", ")
                )?;
            }
        }
        FulfilOps::Slip {
            order,
            location,
            batch,
            pdf,
            lang,
            json: j,
        } => {
            let target = match (order, location) {
                (Some(o), Some(l)) => Some((o, api.find_location(&l).await?.id)),
                _ => None,
            };
            if let Some(p) = pdf {
                let f = api
                    .save_packing_slips_pdf(batch, target, &lang, Some(&p))
                    .await?;
                writeln!(out, "packing slips saved to {f}")?;
                return Ok(());
            }
            let slips = match (batch, target) {
                (Some(b), _) => api.batch_slips(b).await?,
                (None, Some((o, l))) => vec![api.packing_slip(o, l).await?],
                _ => bail!("an order with --location, or --batch"),
            };
            if j {
                return json(out, &slips);
            }
            for s in &slips {
                writeln!(out, "packing slip {} from {}", s.order_number, s.location)?;
                for l in &s.lines {
                    writeln!(
                        out,
                        "  [ ] {:<14} {:>3}  {}  {}",
                        l.sku,
                        l.quantity,
                        l.title,
                        l.bin.as_deref().unwrap_or("")
                    )?;
                }
            }
        }
        FulfilOps::Pack {
            order,
            location,
            scans,
            partial,
            preset,
            weight,
            batch,
            json: j,
        } => {
            let loc = api.find_location(&location).await?;
            let scans = scans
                .iter()
                .map(|s| scan_of(s))
                .collect::<Result<Vec<_>>>()?;
            let r = api
                .pack_order(&PackInput {
                    order_id: order,
                    location_id: loc.id,
                    scans,
                    partial,
                    preset_id: preset,
                    weight_g: weight,
                    batch_id: batch,
                })
                .await?;
            if j {
                return json(out, &r);
            }
            for l in &r.check.lines {
                writeln!(out, "  {:<14} {}/{}", l.sku, l.scanned, l.expected)?;
            }
            for p in &r.check.problems {
                writeln!(out, "  ! {p}")?;
            }
            match &r.parcel {
                Some(p) => writeln!(out, "packed: parcel {} with {} units", p.id, p.units)?,
                None => bail!("not packed: the scans do not match the order (--partial packs what was scanned)"),
            }
        }
        FulfilOps::Unpack { parcel } => {
            api.unpack_parcel(parcel).await?;
            writeln!(out, "parcel {parcel} unpacked")?;
        }
        FulfilOps::ShipParcel {
            parcel,
            carrier,
            tracking,
        } => {
            let units = api
                .ship_parcel(parcel, &carrier, tracking.as_deref())
                .await?;
            writeln!(out, "parcel {parcel}: {units} units shipped")?;
        }
        FulfilOps::Presets { what } => match what {
            PresetCmd::List { json: j } => {
                let list = api.parcel_presets().await?;
                if j {
                    return json(out, &list);
                }
                for p in &list {
                    writeln!(
                        out,
                        "{:>4}  {:<20} {}×{}×{} mm  tare {} g{}",
                        p.id,
                        p.name,
                        p.length_mm,
                        p.width_mm,
                        p.height_mm,
                        p.tare_g,
                        p.max_g.map(|m| format!("  max {m} g")).unwrap_or_default()
                    )?;
                }
            }
            PresetCmd::Add {
                name,
                length_mm,
                width_mm,
                height_mm,
                tare,
                max,
            } => {
                let list = api
                    .save_parcel_preset(&ParcelPreset {
                        id: 0,
                        name: name.clone(),
                        length_mm,
                        width_mm,
                        height_mm,
                        tare_g: tare,
                        max_g: max,
                    })
                    .await?;
                let id = list
                    .iter()
                    .find(|p| p.name == name.trim())
                    .map_or(0, |p| p.id);
                writeln!(out, "preset {id} {name:?} saved")?;
            }
            PresetCmd::Delete { id } => {
                api.delete_parcel_preset(id).await?;
                writeln!(out, "preset {id} deleted")?;
            }
        },
        FulfilOps::Bin { sku, location, bin } => {
            let loc = api.find_location(&location).await?;
            api.set_bin(&sku, loc.id, Some(bin.as_str())).await?;
            writeln!(out, "{sku} at {}: bin {bin:?}", loc.name)?;
        }
        FulfilOps::Track { force, json: j } => {
            let r = api.poll_tracking(force).await?;
            if j {
                return json(out, &r);
            }
            writeln!(
                out,
                "tracking: {} asked, {} changed, {} delivered, {} exceptions, {} failed",
                r.asked, r.changed, r.delivered, r.exceptions, r.failed
            )?;
            for p in &r.problems {
                writeln!(out, "  ! {p}")?;
            }
        }
        FulfilOps::Shipments {
            order,
            problems,
            days,
            json: j,
        } => {
            let list = match (problems, order) {
                (true, _) => api.tracking_problems(days).await?,
                (false, Some(o)) => api.shipments(o).await?,
                (false, None) => bail!("an order, or --problems"),
            };
            if j {
                return json(out, &list);
            }
            for s in &list {
                writeln!(
                    out,
                    "{:>6}  {:<8} {} {} {}  {}  {} units{}",
                    s.id,
                    s.order_number,
                    s.carrier,
                    s.service.as_deref().unwrap_or(""),
                    s.tracking_number.as_deref().unwrap_or("-"),
                    s.tracking_status.as_deref().unwrap_or("not tracked"),
                    s.units,
                    if s.voided { "  voided" } else { "" }
                )?;
                for e in &s.events {
                    writeln!(
                        out,
                        "          {}  {:<16} {}  {}",
                        e.at,
                        e.status,
                        e.message,
                        e.location.as_deref().unwrap_or("")
                    )?;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn scans_take_an_optional_quantity() {
        assert_eq!(scan_of("TEE-M").unwrap().quantity, 1);
        let s = scan_of("TEE-M:3").unwrap();
        assert_eq!((s.code.as_str(), s.quantity), ("TEE-M", 3));
        // A code with a colon and no number stays whole.
        assert_eq!(scan_of("urn:x").unwrap().code, "urn:x");
        assert!(scan_of(":2").is_err());
    }
}
