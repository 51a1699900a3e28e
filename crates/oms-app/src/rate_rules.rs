//! Choosing a rate by rule (issue 6): a preferred carrier for the destination and weight when
//! it quotes, else the cheapest, the fastest, or the cheapest that arrives in time. The reason
//! is said in words; it goes on the order's timeline with the label.

use oms_domain::carrier_views::{QuoteView, RatePick, RateRule, RateRules};

const DAY_MS: i64 = 86_400_000;

fn cheapest<'a>(qs: impl Iterator<Item = &'a QuoteView>) -> Option<&'a QuoteView> {
    qs.min_by(|a, b| {
        a.amount_minor.cmp(&b.amount_minor).then(
            a.delivery_days
                .unwrap_or(u32::MAX)
                .cmp(&b.delivery_days.unwrap_or(u32::MAX)),
        )
    })
}

/// "5.49 EUR" (the currency's own decimals; an unknown code gets two).
fn money(q: &QuoteView) -> String {
    let exponent = oms_domain::Currency::parse(&q.currency).map_or(2, |c| c.exponent());
    format!(
        "{} {}",
        oms_domain::format_minor(q.amount_minor, exponent),
        q.currency
    )
}

/// Picks a rate for a parcel to `country` weighing `weight_g`. `ship_by`: the order's date
/// (UTC ms) when it has one; `now` otherwise counts. None when there is no quote.
pub fn pick(
    quotes: &[QuoteView],
    rules: &RateRules,
    country: &str,
    weight_g: i64,
    ship_by: Option<i64>,
    now: i64,
) -> Option<RatePick> {
    if quotes.is_empty() {
        return None;
    }
    for p in &rules.preferred {
        let country_ok =
            p.countries.is_empty() || p.countries.iter().any(|c| c.eq_ignore_ascii_case(country));
        let weight_ok = p.max_weight_g.is_none_or(|m| weight_g <= i64::from(m));
        if !(country_ok && weight_ok) {
            continue;
        }
        if let Some(q) = cheapest(
            quotes
                .iter()
                .filter(|q| q.carrier.eq_ignore_ascii_case(p.carrier.trim())),
        ) {
            let mut why = format!("preferred carrier {}", q.carrier);
            if !p.countries.is_empty() {
                why.push_str(&format!(" for {}", p.countries.join(", ")));
            }
            if let Some(m) = p.max_weight_g {
                why.push_str(&format!(" up to {m} g"));
            }
            why.push_str(&format!(": {} {} at {}", q.carrier, q.service, money(q)));
            return Some(RatePick {
                quote: q.clone(),
                reason: why,
            });
        }
    }
    let n = quotes.len();
    match rules.rule {
        RateRule::Cheapest => cheapest(quotes.iter()).map(|q| RatePick {
            quote: q.clone(),
            reason: format!(
                "cheapest of {n} rates: {} {} at {}",
                q.carrier,
                q.service,
                money(q)
            ),
        }),
        RateRule::Fastest => {
            let fastest = quotes.iter().filter_map(|q| q.delivery_days).min();
            let q = match fastest {
                Some(d) => cheapest(quotes.iter().filter(|q| q.delivery_days == Some(d))),
                None => cheapest(quotes.iter()),
            }?;
            Some(RatePick {
                quote: q.clone(),
                reason: match q.delivery_days {
                    Some(d) => format!(
                        "fastest of {n} rates ({d} days): {} {} at {}",
                        q.carrier,
                        q.service,
                        money(q)
                    ),
                    None => format!(
                        "no rate says its delivery days; cheapest: {} {} at {}",
                        q.carrier,
                        q.service,
                        money(q)
                    ),
                },
            })
        }
        RateRule::CheapestOnTime => {
            let allowed = i64::from(rules.deliver_within_days.unwrap_or(3));
            let start = ship_by.unwrap_or(now).max(now);
            // Whole days from now until the latest arrival.
            let budget = (start - now).div_euclid(DAY_MS) + allowed;
            let on_time = quotes
                .iter()
                .filter(|q| q.delivery_days.is_some_and(|d| i64::from(d) <= budget));
            if let Some(q) = cheapest(on_time) {
                return Some(RatePick {
                    quote: q.clone(),
                    reason: format!(
                        "cheapest arriving within {budget} days: {} {} at {} ({} days)",
                        q.carrier,
                        q.service,
                        money(q),
                        q.delivery_days.unwrap_or(0)
                    ),
                });
            }
            let mut p = pick(
                quotes,
                &RateRules {
                    rule: RateRule::Fastest,
                    deliver_within_days: None,
                    preferred: Vec::new(),
                },
                country,
                weight_g,
                ship_by,
                now,
            )?;
            p.reason = format!("none arrives within {budget} days; {}", p.reason);
            Some(p)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oms_domain::carrier_views::PreferredCarrier;

    fn q(carrier: &str, amount: i64, days: Option<u32>) -> QuoteView {
        QuoteView {
            account_id: 1,
            account: "EP".into(),
            carrier_shipment_id: "shp".into(),
            rate_id: format!("{carrier}-{amount}"),
            carrier: carrier.into(),
            service: "Std".into(),
            amount_minor: amount,
            currency: "EUR".into(),
            delivery_days: days,
        }
    }

    fn quotes() -> Vec<QuoteView> {
        vec![
            q("DHL", 700, Some(1)),
            q("DPD", 450, Some(3)),
            q("GLS", 450, Some(2)),
            q("Post", 300, Some(6)),
        ]
    }

    #[test]
    fn cheapest_breaks_ties_by_speed() {
        let p = pick(&quotes(), &RateRules::default(), "DE", 500, None, 0).expect("a pick");
        assert_eq!(p.quote.carrier, "Post");
        assert_eq!(p.reason, "cheapest of 4 rates: Post Std at 3.00 EUR");
        let mut qs = quotes();
        qs.retain(|x| x.carrier != "Post");
        assert_eq!(
            pick(&qs, &RateRules::default(), "DE", 500, None, 0)
                .expect("pick")
                .quote
                .carrier,
            "GLS"
        );
    }

    #[test]
    fn fastest_and_on_time() {
        let fast = RateRules {
            rule: RateRule::Fastest,
            ..Default::default()
        };
        assert_eq!(
            pick(&quotes(), &fast, "DE", 500, None, 0)
                .expect("pick")
                .quote
                .carrier,
            "DHL"
        );
        let on_time = RateRules {
            rule: RateRule::CheapestOnTime,
            deliver_within_days: Some(2),
            preferred: vec![],
        };
        let p = pick(&quotes(), &on_time, "DE", 500, None, 0).expect("pick");
        assert_eq!(p.quote.carrier, "GLS", "{}", p.reason);
        // Ship-by four days out: the budget grows and the slow, cheap one fits.
        let p = pick(&quotes(), &on_time, "DE", 500, Some(4 * DAY_MS), 0).expect("pick");
        assert_eq!(p.quote.carrier, "Post", "{}", p.reason);
        // Nothing fast enough: the fastest, and the reason says so.
        let tight = RateRules {
            rule: RateRule::CheapestOnTime,
            deliver_within_days: Some(0),
            preferred: vec![],
        };
        let p = pick(&quotes(), &tight, "DE", 500, None, 0).expect("pick");
        assert_eq!(p.quote.carrier, "DHL");
        assert!(
            p.reason.starts_with("none arrives within 0 days"),
            "{}",
            p.reason
        );
    }

    #[test]
    fn a_preferred_carrier_wins_within_its_countries_and_weight() {
        let rules = RateRules {
            rule: RateRule::Cheapest,
            deliver_within_days: None,
            preferred: vec![PreferredCarrier {
                carrier: "dhl".into(),
                countries: vec!["AT".into()],
                max_weight_g: Some(2000),
            }],
        };
        let p = pick(&quotes(), &rules, "at", 1500, None, 0).expect("pick");
        assert_eq!(p.quote.carrier, "DHL");
        assert_eq!(
            p.reason,
            "preferred carrier DHL for AT up to 2000 g: DHL Std at 7.00 EUR"
        );
        assert_eq!(
            pick(&quotes(), &rules, "AT", 2500, None, 0)
                .expect("pick")
                .quote
                .carrier,
            "Post"
        );
        assert_eq!(
            pick(&quotes(), &rules, "DE", 1500, None, 0)
                .expect("pick")
                .quote
                .carrier,
            "Post"
        );
    }

    #[test]
    fn no_quotes_no_pick() {
        assert!(pick(&[], &RateRules::default(), "DE", 1, None, 0).is_none());
    }
}
