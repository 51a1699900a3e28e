//! `oms return …`: returns (RMAs) through the application API (issue 7) — open, approve or
//! reject, label or in transit, receive (one, or many at once), inspect, refund, close, scan,
//! and the reason list. Every command takes `--json`.

use crate::ops::json;
use anyhow::{bail, Context, Result};
use clap::Subcommand;
use oms_app::domain::return_views::*;
use oms_app::domain::{format_minor, parse_decimal_minor, Currency};
use oms_app::Api;
use std::io::Write;

#[derive(Subcommand)]
pub enum ReturnCmd {
    /// Open a return: lines as LINE:UNITS:REASON. Without lines: what the order can still send
    /// back and the reasons to choose from.
    Create {
        order: i64,
        #[arg(long = "line")]
        lines: Vec<String>,
        #[arg(long)]
        note: Option<String>,
        /// Approve it at once.
        #[arg(long)]
        approve: bool,
        #[arg(long)]
        json: bool,
    },
    /// The returns queue (open ones unless --status), or an order's returns (--order).
    List {
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        search: Option<String>,
        #[arg(long)]
        order: Option<i64>,
        #[arg(long, default_value_t = 200)]
        limit: i64,
        #[arg(long)]
        json: bool,
    },
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    Approve {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    Reject {
        id: i64,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        json: bool,
    },
    /// The customer ships it back themselves (with their tracking number, if any).
    Transit {
        id: i64,
        #[arg(long)]
        carrier: Option<String>,
        #[arg(long)]
        tracking: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Buy a return label to a location through the cheapest carrier quote.
    Label {
        id: i64,
        #[arg(long)]
        location: i64,
        #[arg(long)]
        json: bool,
    },
    /// Receive units (LINE:UNITS); without --line every unit still expected, of every id.
    Receive {
        ids: Vec<i64>,
        #[arg(long = "line")]
        lines: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Inspect: LINE:CONDITION:DISPOSITION[:LOCATION] per received line. Conditions: as_new,
    /// opened, damaged, defective. Dispositions: restock, b_stock, quarantine, scrap,
    /// return_to_vendor (restock and b_stock need a location id).
    Inspect {
        id: i64,
        #[arg(long = "line")]
        lines: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Refund what came back (and shipping or any amount, typed like 4.90).
    Refund {
        id: i64,
        #[arg(long)]
        shipping: Option<String>,
        #[arg(long)]
        amount: Option<String>,
        #[arg(long, default_value = "")]
        reason: String,
        #[arg(long)]
        json: bool,
    },
    Close {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Find returns by RMA, tracking number or order number.
    Scan {
        code: String,
        #[arg(long)]
        json: bool,
    },
    /// The reasons to choose from; with values, set them.
    Reasons {
        set: Vec<String>,
        #[arg(long)]
        json: bool,
    },
}

fn parts<'a>(s: &'a str, what: &str, n: std::ops::RangeInclusive<usize>) -> Result<Vec<&'a str>> {
    let p: Vec<&str> = s.split(':').map(str::trim).collect();
    if !n.contains(&p.len()) {
        bail!("--line {s:?}: {what}");
    }
    Ok(p)
}

fn num(s: &str, whole: &str, what: &str) -> Result<i64> {
    s.parse()
        .with_context(|| format!("--line {whole:?}: {what} must be a number"))
}

fn print(out: &mut impl Write, r: &ReturnView) -> Result<()> {
    let exp = Currency::parse(&r.currency).map_or(2, |c| c.exponent());
    writeln!(
        out,
        "{}  order {} ({})  {}  {}  value {} {}, refunded {} {}",
        r.rma,
        r.order_number,
        r.customer_name,
        r.status.replace('_', " "),
        r.source,
        format_minor(r.value, exp),
        r.currency,
        format_minor(r.refunded, exp),
        r.currency
    )?;
    if let Some(t) = &r.tracking_number {
        writeln!(out, "  tracking {} {t}", r.carrier.as_deref().unwrap_or(""))?;
    }
    for l in &r.lines {
        writeln!(
            out,
            "  line {}  {:<14} {} asked, {} received, {} restocked  {}{}{}",
            l.line_no,
            l.sku,
            l.quantity,
            l.received,
            l.restocked,
            l.reason,
            l.condition
                .as_deref()
                .map(|c| format!("  found {c}"))
                .unwrap_or_default(),
            l.disposition
                .as_deref()
                .map(|d| format!(
                    " → {d}{}",
                    l.location_name
                        .as_deref()
                        .map(|n| format!(" at {n}"))
                        .unwrap_or_default()
                ))
                .unwrap_or_default()
        )?;
    }
    Ok(())
}

pub async fn run(api: &Api, cmd: ReturnCmd, out: &mut impl Write) -> Result<()> {
    match cmd {
        ReturnCmd::Create {
            order,
            lines,
            note,
            approve,
            json: j,
        } => {
            if lines.is_empty() {
                let r = api.returnable(order).await?;
                if j {
                    return json(out, &r);
                }
                for l in &r.lines {
                    writeln!(
                        out,
                        "line {}  {:<14} {} shipped, {} returned, {} on their way, {} can come back",
                        l.line_no,
                        l.sku,
                        l.shipped,
                        l.returned,
                        l.expected,
                        l.left()
                    )?;
                }
                writeln!(out, "reasons: {}", r.reasons.join(", "))?;
                return Ok(());
            }
            let mut parsed = Vec::new();
            for l in &lines {
                let p = parts(l, "LINE:UNITS:REASON", 3..=3)?;
                parsed.push(ReturnLineInput {
                    line_no: num(p[0], l, "line")?,
                    quantity: num(p[1], l, "units")?,
                    reason: p[2].to_owned(),
                    comment: None,
                });
            }
            let r = api
                .create_return(&ReturnInput {
                    order_id: order,
                    lines: parsed,
                    note,
                    approve,
                })
                .await?;
            if j {
                return json(out, &r);
            }
            print(out, &r)?;
        }
        ReturnCmd::List {
            status,
            search,
            order,
            limit,
            json: j,
        } => {
            if let Some(o) = order {
                let list = api.returns_of(o).await?;
                if j {
                    return json(out, &list);
                }
                for r in &list {
                    print(out, r)?;
                }
                return Ok(());
            }
            let q = api
                .return_queue(status.as_deref(), search.as_deref(), limit)
                .await?;
            if j {
                return json(out, &q);
            }
            let counts: Vec<String> = q
                .counts
                .iter()
                .map(|c| format!("{} {}", c.status, c.n))
                .collect();
            writeln!(out, "{}", counts.join(" · "))?;
            for r in &q.rows {
                writeln!(
                    out,
                    "{:>5}  {}  {:<8} {:<20} {:<11} {}/{}  {}  {}",
                    r.id,
                    r.rma,
                    r.order_number,
                    r.customer_name,
                    r.status,
                    r.received,
                    r.units,
                    r.skus,
                    r.reasons
                )?;
            }
        }
        ReturnCmd::Show { id, json: j } => {
            let r = api.return_view(id).await?;
            if j {
                return json(out, &r);
            }
            print(out, &r)?;
        }
        ReturnCmd::Approve { id, json: j } => {
            let r = api.decide_return(id, true, "").await?;
            if j {
                return json(out, &r);
            }
            print(out, &r)?;
        }
        ReturnCmd::Reject {
            id,
            reason,
            json: j,
        } => {
            let r = api.decide_return(id, false, &reason).await?;
            if j {
                return json(out, &r);
            }
            print(out, &r)?;
        }
        ReturnCmd::Transit {
            id,
            carrier,
            tracking,
            json: j,
        } => {
            let r = api
                .return_in_transit(id, carrier.as_deref(), tracking.as_deref())
                .await?;
            if j {
                return json(out, &r);
            }
            print(out, &r)?;
        }
        ReturnCmd::Label {
            id,
            location,
            json: j,
        } => {
            let r = api.send_return_label(id, location).await?;
            if j {
                return json(out, &r);
            }
            print(out, &r)?;
            if let Some(p) = &r.label_path {
                writeln!(out, "  label {p}")?;
            }
        }
        ReturnCmd::Receive {
            ids,
            lines,
            json: j,
        } => {
            if lines.is_empty() {
                let r = api.receive_returns(&ids, &|_| {}).await?;
                if j {
                    return json(out, &r);
                }
                writeln!(
                    out,
                    "{} received, {} had nothing left, {} failed",
                    r.changed, r.unchanged, r.failed_count
                )?;
                for f in &r.failed {
                    writeln!(out, "  return {}: {}", f.order_id, f.message)?;
                }
                return Ok(());
            }
            let [id] = ids[..] else {
                bail!("--line: name exactly one return");
            };
            let mut parsed = Vec::new();
            for l in &lines {
                let p = parts(l, "LINE:UNITS", 2..=2)?;
                parsed.push(ReceiveLine {
                    line_no: num(p[0], l, "line")?,
                    quantity: num(p[1], l, "units")?,
                });
            }
            let r = api.receive_return(id, &parsed).await?;
            if j {
                return json(out, &r);
            }
            print(out, &r)?;
        }
        ReturnCmd::Inspect { id, lines, json: j } => {
            let mut parsed = Vec::new();
            for l in &lines {
                let p = parts(l, "LINE:CONDITION:DISPOSITION[:LOCATION]", 3..=4)?;
                parsed.push(InspectLine {
                    line_no: num(p[0], l, "line")?,
                    condition: ItemCondition::parse(p[1])
                        .map_err(|e| anyhow::anyhow!("--line {l:?}: {e}"))?,
                    disposition: Disposition::parse(p[2])
                        .map_err(|e| anyhow::anyhow!("--line {l:?}: {e}"))?,
                    location_id: p.get(3).map(|s| num(s, l, "location")).transpose()?,
                });
            }
            let r = api.inspect_return(id, &parsed).await?;
            if j {
                return json(out, &r);
            }
            print(out, &r)?;
        }
        ReturnCmd::Refund {
            id,
            shipping,
            amount,
            reason,
            json: j,
        } => {
            let r = api.return_view(id).await?;
            let cur = Currency::parse(&r.currency)?;
            let parse = |s: &Option<String>, what: &str| -> Result<i64> {
                match s {
                    Some(v) => parse_decimal_minor(v, cur.exponent())
                        .map_err(|e| anyhow::anyhow!("--{what} {v:?}: {}", e.reason)),
                    None => Ok(0),
                }
            };
            let f = api
                .refund_return(
                    id,
                    parse(&shipping, "shipping")?,
                    parse(&amount, "amount")?,
                    &reason,
                )
                .await?;
            if j {
                return json(out, &f);
            }
            writeln!(
                out,
                "refund {}: {} {} ({})",
                f.id,
                format_minor(f.amount, cur.exponent()),
                f.currency,
                f.status.replace('_', " ")
            )?;
        }
        ReturnCmd::Close { id, json: j } => {
            let r = api.close_return(id).await?;
            if j {
                return json(out, &r);
            }
            print(out, &r)?;
        }
        ReturnCmd::Scan { code, json: j } => {
            let list = api.scan_return(&code).await?;
            if j {
                return json(out, &list);
            }
            if list.is_empty() {
                writeln!(out, "no return for {code:?}")?;
            }
            for r in &list {
                print(out, r)?;
            }
        }
        ReturnCmd::Reasons { set, json: j } => {
            if !set.is_empty() {
                api.set_return_reasons(&set).await?;
            }
            let r = api.return_reasons().await?;
            if j {
                return json(out, &r);
            }
            writeln!(out, "{}", r.join("\n"))?;
        }
    }
    Ok(())
}
