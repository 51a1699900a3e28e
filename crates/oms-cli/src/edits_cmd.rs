//! `oms edit`, `oms cancel-lines` and `oms exchange`: order edits, cancelling some lines and
//! exchanges through the application API (issue 7). Amounts are typed in the order's currency
//! ("12.50").

use crate::ops::json;
use anyhow::{bail, Context, Result};
use clap::Subcommand;
use oms_app::domain::edit_views::*;
use oms_app::domain::{parse_decimal_minor, AddressView, Currency, OrderId};
use oms_app::Api;
use std::io::Write;

#[derive(Subcommand)]
pub enum EditOps {
    /// Edit an unshipped order: --qty LINE:UNITS (0 removes), --add SKU:UNITS:PRICE, the
    /// ship-to address, the shipping service. The order is checked and routed again.
    Edit {
        order: i64,
        #[arg(long = "qty")]
        quantities: Vec<String>,
        #[arg(long = "add")]
        add: Vec<String>,
        /// Ship-to as "NAME|STREET|POSTAL CODE|CITY|COUNTRY".
        #[arg(long)]
        ship_to: Option<String>,
        #[arg(long)]
        service: Option<String>,
        #[arg(long, default_value = "")]
        comment: String,
        #[arg(long)]
        json: bool,
    },
    /// Cancel units of some lines before they ship (LINE:UNITS); the shop is told.
    CancelLines {
        order: i64,
        #[arg(long = "line", required = true)]
        lines: Vec<String>,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        json: bool,
    },
    /// An exchange for lines of a return: LINE:SKU:UNITS[:PRICE] (no price: an even swap).
    Exchange {
        return_id: i64,
        #[arg(long = "line", required = true)]
        lines: Vec<String>,
        #[arg(long)]
        json: bool,
    },
}

fn pair(s: &str, what: &str) -> Result<LineQuantityInput> {
    let (l, q) = s
        .split_once(':')
        .with_context(|| format!("{what} {s:?}: LINE:UNITS"))?;
    Ok(LineQuantityInput {
        line_no: l
            .trim()
            .parse()
            .with_context(|| format!("{what} {s:?}: line number"))?,
        quantity: q
            .trim()
            .parse()
            .with_context(|| format!("{what} {s:?}: units"))?,
    })
}

pub async fn run(api: &Api, cmd: EditOps, out: &mut impl Write) -> Result<()> {
    match cmd {
        EditOps::Edit {
            order,
            quantities,
            add,
            ship_to,
            service,
            comment,
            json: j,
        } => {
            let d = api.get_order(order).await?;
            let exp = Currency::parse(&d.order.currency)?.exponent();
            let mut new = Vec::new();
            for a in &add {
                let p: Vec<&str> = a.split(':').map(str::trim).collect();
                let [sku, units, price] = p[..] else {
                    bail!("--add {a:?}: SKU:UNITS:PRICE");
                };
                new.push(NewLineInput {
                    sku: sku.to_owned(),
                    title: None,
                    quantity: units
                        .parse()
                        .with_context(|| format!("--add {a:?}: units"))?,
                    unit_price: parse_decimal_minor(price, exp)
                        .map_err(|e| anyhow::anyhow!("--add {a:?}: {}", e.reason))?,
                });
            }
            let ship_to = match ship_to {
                Some(s) => {
                    let p: Vec<&str> = s.split('|').map(str::trim).collect();
                    let [name, line1, postal, city, country] = p[..] else {
                        bail!("--ship-to {s:?}: NAME|STREET|POSTAL CODE|CITY|COUNTRY");
                    };
                    let before = d.ship_to.clone();
                    Some(AddressView {
                        name: name.to_owned(),
                        company: before.as_ref().and_then(|b| b.company.clone()),
                        line1: line1.to_owned(),
                        line2: None,
                        city: city.to_owned(),
                        region: None,
                        postal_code: (!postal.is_empty()).then(|| postal.to_owned()),
                        country: country.to_owned(),
                        phone: before.and_then(|b| b.phone),
                    })
                }
                None => None,
            };
            let r = api
                .edit_order(&OrderEdit {
                    order_id: OrderId::new(order)?.get(),
                    quantities: quantities
                        .iter()
                        .map(|q| pair(q, "--qty"))
                        .collect::<Result<_>>()?,
                    add: new,
                    ship_to,
                    shipping_service: service,
                    comment,
                })
                .await?;
            if j {
                return json(out, &r);
            }
            for c in &r.changes {
                writeln!(out, "{c}")?;
            }
            writeln!(out, "status: {}", r.status)?;
        }
        EditOps::CancelLines {
            order,
            lines,
            reason,
            json: j,
        } => {
            let said = api
                .cancel_lines(&CancelLinesInput {
                    order_id: order,
                    lines: lines
                        .iter()
                        .map(|q| pair(q, "--line"))
                        .collect::<Result<_>>()?,
                    reason,
                })
                .await?;
            if j {
                return json(out, &said);
            }
            writeln!(out, "{said}")?;
        }
        EditOps::Exchange {
            return_id,
            lines,
            json: j,
        } => {
            let r = api.return_view(return_id).await?;
            let exp = Currency::parse(&r.currency)?.exponent();
            let mut parsed = Vec::new();
            for l in &lines {
                let p: Vec<&str> = l.split(':').map(str::trim).collect();
                if !(3..=4).contains(&p.len()) {
                    bail!("--line {l:?}: LINE:SKU:UNITS[:PRICE]");
                }
                parsed.push(ExchangeLineInput {
                    line_no: p[0]
                        .parse()
                        .with_context(|| format!("--line {l:?}: line"))?,
                    sku: p[1].to_owned(),
                    quantity: p[2]
                        .parse()
                        .with_context(|| format!("--line {l:?}: units"))?,
                    unit_price: p
                        .get(3)
                        .map(|v| {
                            parse_decimal_minor(v, exp)
                                .map_err(|e| anyhow::anyhow!("--line {l:?}: {}", e.reason))
                        })
                        .transpose()?,
                });
            }
            let x = api
                .create_exchange(&ExchangeInput {
                    return_id,
                    lines: parsed,
                })
                .await?;
            if j {
                return json(out, &x);
            }
            writeln!(
                out,
                "exchange order {} (id {}): {}, {} to collect, {} to refund (minor units of {})",
                x.order_number, x.order_id, x.status, x.to_collect, x.to_refund, x.currency
            )?;
        }
    }
    Ok(())
}
