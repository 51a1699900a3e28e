//! `oms carriers`, `oms quote` and `oms label`: carrier accounts (EasyPost; the API key goes to
//! the OS keyring), rate shopping an order and buying its label.

use crate::ops::json;
use anyhow::{bail, Result};
use clap::Subcommand;
use oms_app::domain::carrier_views::NewCarrierAccount;
use oms_app::Api;
use std::io::Write;

#[derive(Subcommand)]
pub enum CarrierOps {
    /// Carrier accounts: add, list.
    Carriers {
        #[command(subcommand)]
        what: CarriersCmd,
    },
    /// Every carrier account's rates for an order's reserved units, cheapest first.
    Quote {
        order: i64,
        #[arg(long)]
        json: bool,
    },
    /// Buy a label for an order (a quoted rate, or the cheapest) and ship it with it.
    Label {
        order: i64,
        /// From `oms quote`: the account, the carrier's shipment and the rate.
        #[arg(long, requires_all = ["shipment", "rate"], conflicts_with = "cheapest")]
        account: Option<i64>,
        #[arg(long)]
        shipment: Option<String>,
        #[arg(long)]
        rate: Option<String>,
        /// Quote now and buy the cheapest rate.
        #[arg(long)]
        cheapest: bool,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum CarriersCmd {
    /// Add an EasyPost account (the key from --api-key or OMS_CARRIER_API_KEY).
    Add {
        #[arg(long, default_value = "easypost")]
        kind: String,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "https://api.easypost.com")]
        base_url: String,
        #[arg(long, env = "OMS_CARRIER_API_KEY", hide_env_values = true)]
        api_key: String,
        #[arg(long)]
        json: bool,
    },
    List {
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(api: &Api, cmd: CarrierOps, out: &mut impl Write) -> Result<()> {
    match cmd {
        CarrierOps::Carriers { what } => match what {
            CarriersCmd::Add {
                kind,
                name,
                base_url,
                api_key,
                json: j,
            } => {
                let a = api
                    .add_carrier_account(&NewCarrierAccount {
                        kind,
                        name,
                        base_url,
                        api_key,
                    })
                    .await?;
                if j {
                    json(out, &a)?;
                } else {
                    writeln!(
                        out,
                        "{:>4}  {}  {}  {} (key in the keyring)",
                        a.id, a.kind, a.name, a.base_url
                    )?;
                }
            }
            CarriersCmd::List { json: j } => {
                let list = api.list_carrier_accounts().await?;
                if j {
                    json(out, &list)?;
                } else if list.is_empty() {
                    writeln!(out, "no carrier accounts; add one with `oms carriers add`")?;
                } else {
                    for a in &list {
                        writeln!(
                            out,
                            "{:>4}  {}  {}  {}{}",
                            a.id,
                            a.kind,
                            a.name,
                            a.base_url,
                            if a.has_key {
                                ""
                            } else {
                                "  [no key in the keyring]"
                            }
                        )?;
                    }
                }
            }
        },
        CarrierOps::Quote { order, json: j } => {
            let q = api.quote_order(order).await?;
            if j {
                json(out, &q)?;
            } else {
                writeln!(
                    out,
                    "order {order}: {} g{}",
                    q.weight_g,
                    if q.unweighed.is_empty() {
                        String::new()
                    } else {
                        format!(" (no weight for {}: 500 g each)", q.unweighed.join(", "))
                    }
                )?;
                for x in &q.quotes {
                    writeln!(
                        out,
                        "  {:>10} {}  {} {}  {}  --account {} --shipment {} --rate {}",
                        x.amount_minor,
                        x.currency,
                        x.carrier,
                        x.service,
                        x.delivery_days
                            .map(|d| format!("{d} days"))
                            .unwrap_or_else(|| "-".into()),
                        x.account_id,
                        x.carrier_shipment_id,
                        x.rate_id
                    )?;
                }
                for p in &q.problems {
                    writeln!(out, "  no rate: {p}")?;
                }
            }
        }
        CarrierOps::Label {
            order,
            account,
            shipment,
            rate,
            cheapest,
            json: j,
        } => {
            let (account, shipment, rate) = match (account, shipment, rate, cheapest) {
                (Some(a), Some(s), Some(r), false) => (a, s, r),
                (None, None, None, true) => {
                    let q = api.quote_order(order).await?;
                    let Some(best) = q.quotes.into_iter().next() else {
                        bail!("no carrier quoted order {order}: {}", q.problems.join("; "));
                    };
                    (best.account_id, best.carrier_shipment_id, best.rate_id)
                }
                _ => {
                    bail!("give --account, --shipment and --rate (from `oms quote`), or --cheapest")
                }
            };
            let l = api.buy_label(order, account, &shipment, &rate).await?;
            if j {
                json(out, &l)?;
            } else {
                writeln!(
                    out,
                    "order {order}: {} units shipped with {} {}, tracking {}; label {}{}",
                    l.units,
                    l.carrier,
                    l.service,
                    l.tracking_number,
                    l.label_path,
                    if l.new_purchase {
                        ""
                    } else {
                        " (bought before: not charged again)"
                    }
                )?;
            }
        }
    }
    Ok(())
}
