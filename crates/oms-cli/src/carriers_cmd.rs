//! `oms carriers`, `oms quote` and `oms label`: carrier accounts (EasyPost; the API key goes to
//! the OS keyring), rate shopping an order and buying its label.

use crate::ops::json;
use anyhow::{bail, Result};
use clap::Subcommand;
use oms_app::domain::carrier_views::{NewCarrierAccount, PreferredCarrier, RateRule, RateRules};
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
        #[arg(long, conflicts_with = "rule")]
        cheapest: bool,
        /// Quote now and buy the rate the shop's rules pick (`oms rate-rules`); the reason
        /// goes on the timeline.
        #[arg(long)]
        rule: bool,
        #[arg(long)]
        json: bool,
    },
    /// Buy labels for many orders by the shop's rules, some at a time, with progress.
    Labels {
        #[arg(required = true)]
        orders: Vec<i64>,
        #[arg(long)]
        concurrency: Option<usize>,
        #[arg(long)]
        json: bool,
    },
    /// Void a shipment's label with its carrier; its units go back on hand and reserved.
    Void {
        shipment: i64,
        #[arg(long)]
        json: bool,
    },
    /// How rates are chosen: show, or set the rule and preferred carriers.
    RateRules {
        /// cheapest, cheapest_on_time or fastest.
        #[arg(long)]
        rule: Option<String>,
        /// For cheapest_on_time: days after the ship-by date.
        #[arg(long)]
        within: Option<u32>,
        /// CARRIER[:COUNTRY,COUNTRY][:MAX_GRAMS], checked in order (replaces the list).
        #[arg(long = "prefer")]
        prefer: Vec<String>,
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
            rule,
            json: j,
        } => {
            if rule {
                let l = api.buy_label_by_rule(order).await?;
                if j {
                    json(out, &l)?;
                } else {
                    writeln!(
                        out,
                        "order {order}: {} units shipped with {} {}, tracking {}; label {}",
                        l.units, l.carrier, l.service, l.tracking_number, l.label_path
                    )?;
                }
                return Ok(());
            }
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
        CarrierOps::Labels {
            orders,
            concurrency,
            json: j,
        } => {
            #[allow(clippy::print_stderr)]
            let progress = |done: u32, total: u32| eprintln!("labels {done} / {total}");
            let r = api.buy_labels(&orders, concurrency, &progress).await?;
            if j {
                json(out, &r)?;
            } else {
                writeln!(
                    out,
                    "{} labels bought, {} bought before, {} failed in {} ms",
                    r.bought, r.reused, r.failed, r.elapsed_ms
                )?;
                for p in &r.problems {
                    writeln!(out, "  ! {p}")?;
                }
            }
        }
        CarrierOps::Void { shipment, json: j } => {
            let v = api.void_label(shipment).await?;
            if j {
                json(out, &v)?;
            } else {
                writeln!(
                    out,
                    "shipment {shipment} voided (refund {}): {} units back on hand and reserved{}",
                    v.refund,
                    v.units,
                    if v.channel_told {
                        "; the channel was told of it before: cancel its fulfilment there"
                    } else {
                        ""
                    }
                )?;
            }
        }
        CarrierOps::RateRules {
            rule,
            within,
            prefer,
            json: j,
        } => {
            let mut r = api.rate_rules().await?;
            if rule.is_some() || within.is_some() || !prefer.is_empty() {
                if let Some(x) = rule {
                    r.rule = match x.as_str() {
                        "cheapest" => RateRule::Cheapest,
                        "cheapest_on_time" => RateRule::CheapestOnTime,
                        "fastest" => RateRule::Fastest,
                        other => bail!("--rule {other:?}: cheapest, cheapest_on_time or fastest"),
                    };
                }
                if within.is_some() {
                    r.deliver_within_days = within;
                }
                if !prefer.is_empty() {
                    r.preferred = prefer
                        .iter()
                        .map(|p| preferred(p))
                        .collect::<Result<Vec<_>>>()?;
                }
                r = api.save_rate_rules(&r).await?;
            }
            if j {
                json(out, &r)?;
            } else {
                print_rules(out, &r)?;
            }
        }
    }
    Ok(())
}

/// CARRIER[:COUNTRY,COUNTRY][:MAX_GRAMS]
fn preferred(s: &str) -> Result<PreferredCarrier> {
    let mut parts = s.split(':');
    let carrier = parts.next().unwrap_or("").trim().to_owned();
    if carrier.is_empty() {
        bail!("--prefer {s:?}: CARRIER[:COUNTRIES][:MAX_GRAMS]");
    }
    let countries = parts
        .next()
        .map(|c| {
            c.split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let max_weight_g = match parts.next().map(str::trim).filter(|m| !m.is_empty()) {
        Some(m) => Some(
            m.parse::<u32>()
                .map_err(|_| anyhow::anyhow!("--prefer {s:?}: {m:?} is not grams"))?,
        ),
        None => None,
    };
    Ok(PreferredCarrier {
        carrier,
        countries,
        max_weight_g,
    })
}

fn print_rules(out: &mut impl Write, r: &RateRules) -> Result<()> {
    writeln!(
        out,
        "rule: {}{}",
        match r.rule {
            RateRule::Cheapest => "cheapest",
            RateRule::CheapestOnTime => "cheapest_on_time",
            RateRule::Fastest => "fastest",
        },
        r.deliver_within_days
            .map(|d| format!(" (within {d} days of ship-by)"))
            .unwrap_or_default()
    )?;
    for p in &r.preferred {
        writeln!(
            out,
            "  prefer {} for {}{}",
            p.carrier,
            if p.countries.is_empty() {
                "any country".to_owned()
            } else {
                p.countries.join(", ")
            },
            p.max_weight_g
                .map(|m| format!(" up to {m} g"))
                .unwrap_or_default()
        )?;
    }
    Ok(())
}
