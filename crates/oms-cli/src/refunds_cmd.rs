//! `oms refund`, `oms refunds`, `oms refund-decide` and `oms refund-approval`: refunds through
//! the application API (issue 7). Amounts are typed in the order's currency ("4.90").

use crate::ops::json;
use anyhow::{bail, Context, Result};
use clap::Subcommand;
use oms_app::domain::refund_views::{RefundInput, RefundLineInput};
use oms_app::domain::{format_minor, parse_decimal_minor, Currency};
use oms_app::Api;
use std::io::Write;

#[derive(Subcommand)]
pub enum RefundOps {
    /// Refund an order: lines (LINE:UNITS), shipping, any other amount, with a reason.
    /// Without arguments but the order: what it can still give back.
    Refund {
        order: i64,
        #[arg(long = "line")]
        lines: Vec<String>,
        /// Shipping to give back, e.g. 4.90.
        #[arg(long)]
        shipping: Option<String>,
        /// Any other amount, e.g. 5.00.
        #[arg(long)]
        amount: Option<String>,
        #[arg(long)]
        reason: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// An order's refunds, or (without an order) those waiting for approval.
    Refunds {
        order: Option<i64>,
        #[arg(long)]
        json: bool,
    },
    /// Approve a refund waiting for approval (--decline to refuse it).
    RefundDecide {
        id: i64,
        #[arg(long)]
        decline: bool,
    },
    /// Refunds above this amount wait for approval (--off: none wait).
    RefundApproval {
        /// In minor units of the shop's currency, e.g. 10000 for 100.00.
        #[arg(long, conflicts_with = "off")]
        above: Option<i64>,
        #[arg(long)]
        off: bool,
    },
}

fn line_of(s: &str) -> Result<RefundLineInput> {
    let (l, q) = s
        .split_once(':')
        .with_context(|| format!("--line {s:?}: LINE:UNITS"))?;
    Ok(RefundLineInput {
        line_no: l
            .trim()
            .parse()
            .with_context(|| format!("--line {s:?}: line number"))?,
        quantity: q
            .trim()
            .parse()
            .with_context(|| format!("--line {s:?}: units"))?,
    })
}

pub async fn run(api: &Api, cmd: RefundOps, out: &mut impl Write) -> Result<()> {
    match cmd {
        RefundOps::Refund {
            order,
            lines,
            shipping,
            amount,
            reason,
            json: j,
        } => {
            let r = api.refundable(order).await?;
            let cur = Currency::parse(&r.currency)?;
            let money = |m: i64| format!("{} {}", format_minor(m, cur.exponent()), r.currency);
            if lines.is_empty() && shipping.is_none() && amount.is_none() {
                if j {
                    return json(out, &r);
                }
                writeln!(
                    out,
                    "order {order}: paid {}, refunded {}, left {}",
                    money(r.paid),
                    money(r.refunded),
                    money(r.left)
                )?;
                for l in &r.lines {
                    writeln!(
                        out,
                        "  line {}  {:<14} {} × {}  refunded {}",
                        l.line_no,
                        l.sku,
                        l.quantity,
                        money(l.unit_price),
                        l.refunded
                    )?;
                }
                writeln!(
                    out,
                    "  shipping {} (refunded {})",
                    money(r.shipping_total),
                    money(r.shipping_refunded)
                )?;
                return Ok(());
            }
            let Some(reason) = reason else {
                bail!("--reason: say why the money goes back");
            };
            let parse = |s: &Option<String>, what: &str| -> Result<i64> {
                match s {
                    Some(v) => parse_decimal_minor(v, cur.exponent())
                        .map_err(|e| anyhow::anyhow!("--{what} {v:?}: {}", e.reason)),
                    None => Ok(0),
                }
            };
            let f = api
                .create_refund(&RefundInput {
                    order_id: order,
                    lines: lines
                        .iter()
                        .map(|l| line_of(l))
                        .collect::<Result<Vec<_>>>()?,
                    shipping: parse(&shipping, "shipping")?,
                    extra: parse(&amount, "amount")?,
                    reason,
                    return_id: None,
                })
                .await?;
            if j {
                return json(out, &f);
            }
            writeln!(
                out,
                "refund {}: {} ({})",
                f.id,
                money(f.amount),
                f.status.replace('_', " ")
            )?;
        }
        RefundOps::Refunds { order, json: j } => {
            let list = api.refunds(order).await?;
            if j {
                return json(out, &list);
            }
            if list.is_empty() {
                writeln!(out, "no refunds")?;
            }
            for f in &list {
                let exp = Currency::parse(&f.currency).map_or(2, |c| c.exponent());
                writeln!(
                    out,
                    "{:>5}  order {:<6} {} {}  {:<16} {}",
                    f.id,
                    f.order_id,
                    format_minor(f.amount, exp),
                    f.currency,
                    f.status,
                    f.reason
                )?;
            }
        }
        RefundOps::RefundDecide { id, decline } => {
            let f = api.decide_refund(id, !decline).await?;
            writeln!(out, "refund {id}: {}", f.status)?;
        }
        RefundOps::RefundApproval { above, off } => {
            api.set_refund_approval_above(if off { None } else { above })
                .await?;
            match (off, above) {
                (false, Some(a)) => {
                    writeln!(out, "refunds above {a} (minor units) wait for approval")?
                }
                _ => writeln!(out, "refunds need no approval")?,
            }
        }
    }
    Ok(())
}
