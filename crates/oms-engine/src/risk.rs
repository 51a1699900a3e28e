//! Risk screening: every rule that fires adds its points with a reason; at or above the
//! threshold the order is held for review.

use crate::settings::contains_any;
use crate::{OrderFacts, PrioritySettings, RiskSettings};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskHit {
    /// Stable rule code ("high_value", "country_mismatch" …).
    pub rule: &'static str,
    pub points: u32,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RiskOutcome {
    pub score: u32,
    pub hits: Vec<RiskHit>,
    pub hold: bool,
}

fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric() || *c == '@' || *c == '.')
        .flat_map(char::to_lowercase)
        .collect()
}

/// `express` tells which services count as express (the priority settings own that list).
pub fn screen(o: &OrderFacts, s: &RiskSettings, express: &PrioritySettings) -> RiskOutcome {
    let mut hits = Vec::new();
    if !s.enabled {
        return RiskOutcome::default();
    }
    let mut hit = |rule: &'static str, points: u32, reason: String| {
        if points > 0 {
            hits.push(RiskHit {
                rule,
                points,
                reason,
            });
        }
    };
    if o.grand_total >= s.high_value_minor && s.high_value_minor > 0 {
        hit(
            "high_value",
            s.high_value_points,
            format!(
                "order value {} {} is at or above {}",
                o.grand_total, o.currency, s.high_value_minor
            ),
        );
    }
    let ship_country = o.ship_to.as_ref().map(|a| a.country.as_str());
    if let (Some(b), Some(sc)) = (o.bill_country.as_deref(), ship_country) {
        if !b.eq_ignore_ascii_case(sc) {
            hit(
                "country_mismatch",
                s.country_mismatch_points,
                format!("billing country {b} differs from shipping country {sc}"),
            );
        }
    }
    let c = &o.context;
    if c.recent_same_email > s.velocity_max_orders {
        hit(
            "velocity_email",
            s.velocity_points,
            format!(
                "{} other orders from this e-mail in {} h",
                c.recent_same_email, s.velocity_window_hours
            ),
        );
    } else if c.recent_same_address > s.velocity_max_orders {
        hit(
            "velocity_address",
            s.velocity_points,
            format!(
                "{} other orders to this address in {} h",
                c.recent_same_address, s.velocity_window_hours
            ),
        );
    }
    if let Some(sc) = ship_country {
        if s.high_risk_countries
            .iter()
            .any(|h| h.trim().eq_ignore_ascii_case(sc))
        {
            hit(
                "high_risk_country",
                s.high_risk_country_points,
                format!("ships to {sc}, on the high-risk list"),
            );
        }
    }
    if c.customer_prior_orders == 0 {
        if let Some(service) = &o.shipping_service {
            if contains_any(service, &express.express_services).is_some() {
                hit(
                    "first_time_express",
                    s.first_time_express_points,
                    format!("first order from this customer, with express shipping ({service})"),
                );
            }
        }
    }
    if let Some(e) = &o.email {
        let e = norm(e);
        if s.deny_emails
            .iter()
            .any(|d| !d.trim().is_empty() && norm(d) == e)
        {
            hit(
                "deny_email",
                s.deny_points,
                format!("e-mail {e} is on the deny list"),
            );
        }
    }
    if let Some(a) = &o.ship_to {
        let here = norm(&format!(
            "{}{}",
            a.line1,
            a.postal_code.as_deref().unwrap_or("")
        ));
        if let Some(d) = s
            .deny_addresses
            .iter()
            .map(|d| norm(d))
            .find(|d| !d.is_empty() && here.contains(d.as_str()))
        {
            hit(
                "deny_address",
                s.deny_points,
                format!("ship-to address matches deny-list entry {d:?}"),
            );
        }
    }
    let score = hits.iter().map(|h| h.points).sum();
    RiskOutcome {
        score,
        hold: score >= s.hold_threshold && s.hold_threshold > 0,
        hits,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::tests::good;

    fn run(o: &OrderFacts, s: &RiskSettings) -> RiskOutcome {
        screen(o, s, &PrioritySettings::default())
    }
    fn rules(r: &RiskOutcome) -> Vec<&'static str> {
        r.hits.iter().map(|h| h.rule).collect()
    }
    fn known_customer() -> OrderFacts {
        let mut o = good();
        o.context.customer_prior_orders = 3;
        o
    }

    #[test]
    fn a_plain_order_scores_nothing() {
        let r = run(&known_customer(), &RiskSettings::default());
        assert_eq!((r.score, r.hold), (0, false));
    }

    #[test]
    fn high_value_fires_at_the_threshold_and_not_below() {
        let s = RiskSettings::default();
        let mut o = known_customer();
        o.grand_total = s.high_value_minor - 1;
        assert!(rules(&run(&o, &s)).is_empty());
        o.grand_total = s.high_value_minor;
        let r = run(&o, &s);
        assert_eq!(rules(&r), ["high_value"]);
        assert!(!r.hold, "30 points stay under the threshold of 50");
    }

    #[test]
    fn country_mismatch_fires_only_when_countries_differ() {
        let s = RiskSettings::default();
        let mut o = known_customer();
        o.bill_country = Some("DE".into());
        assert!(rules(&run(&o, &s)).is_empty());
        o.bill_country = Some("NG".into());
        assert_eq!(rules(&run(&o, &s)), ["country_mismatch"]);
    }

    #[test]
    fn velocity_fires_above_the_limit_by_email_or_address() {
        let s = RiskSettings::default();
        let mut o = known_customer();
        o.context.recent_same_email = s.velocity_max_orders;
        assert!(rules(&run(&o, &s)).is_empty());
        o.context.recent_same_email = s.velocity_max_orders + 1;
        assert_eq!(rules(&run(&o, &s)), ["velocity_email"]);
        o.context.recent_same_email = 0;
        o.context.recent_same_address = s.velocity_max_orders + 1;
        assert_eq!(rules(&run(&o, &s)), ["velocity_address"]);
    }

    #[test]
    fn high_risk_countries_come_from_the_settings() {
        let mut s = RiskSettings::default();
        let o = known_customer();
        assert!(rules(&run(&o, &s)).is_empty());
        s.high_risk_countries = vec!["de".into()];
        assert_eq!(rules(&run(&o, &s)), ["high_risk_country"]);
    }

    #[test]
    fn first_time_customer_with_express_fires_but_not_for_regulars_or_standard() {
        let s = RiskSettings::default();
        let mut o = good();
        assert!(
            rules(&run(&o, &s)).is_empty(),
            "first order, standard service"
        );
        o.shipping_service = Some("DHL Express".into());
        assert_eq!(rules(&run(&o, &s)), ["first_time_express"]);
        o.context.customer_prior_orders = 1;
        assert!(rules(&run(&o, &s)).is_empty());
    }

    #[test]
    fn deny_lists_hold_on_their_own() {
        let mut s = RiskSettings::default();
        let o = known_customer();
        s.deny_emails = vec!["ANNA@example.de ".into()];
        let r = run(&o, &s);
        assert_eq!(rules(&r), ["deny_email"]);
        assert!(r.hold);
        s.deny_emails.clear();
        s.deny_addresses = vec!["hauptstrasse 5".into()];
        assert!(
            rules(&run(&o, &s)).is_empty(),
            "ß is not ss: no fuzzy guessing"
        );
        s.deny_addresses = vec!["Hauptstraße 5, 10115".into()];
        assert_eq!(rules(&run(&o, &s)), ["deny_address"]);
    }

    #[test]
    fn points_add_up_to_a_hold_and_zero_points_turn_a_rule_off() {
        let mut s = RiskSettings::default();
        let mut o = known_customer();
        o.grand_total = s.high_value_minor;
        o.bill_country = Some("US".into());
        let r = run(&o, &s);
        assert_eq!(r.score, 55);
        assert!(r.hold);
        s.country_mismatch_points = 0;
        assert!(!run(&o, &s).hold);
        s.enabled = false;
        assert_eq!(run(&o, &s).score, 0);
    }
}
