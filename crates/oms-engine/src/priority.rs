//! Priority: points from the requested service, the ship-by date, VIP tags, the channel and the
//! order's age. The order list sorts by it and the next-to-process queue follows it.

use crate::settings::contains_any;
use crate::{OrderFacts, PrioritySettings};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriorityPart {
    pub rule: &'static str,
    pub points: i32,
    pub reason: String,
}

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

/// The priority of an order at `now` with the parts it is made of.
pub fn prioritise(o: &OrderFacts, s: &PrioritySettings, now: i64) -> (i32, Vec<PriorityPart>) {
    let mut parts = Vec::new();
    let mut add = |rule: &'static str, points: i32, reason: String| {
        if points != 0 {
            parts.push(PriorityPart {
                rule,
                points,
                reason,
            });
        }
    };
    if let Some(service) = &o.shipping_service {
        if let Some(w) = contains_any(service, &s.express_services) {
            add(
                "express",
                s.express_points,
                format!("express service {service:?} ({w})"),
            );
        }
    }
    if let Some(by) = o.ship_by {
        if by < now {
            add("overdue", s.overdue_points, "past its ship-by date".into());
        } else if by - now <= i64::from(s.ship_by_due_hours) * HOUR {
            add(
                "ship_by_due",
                s.ship_by_due_points,
                format!("ship-by within {} h", s.ship_by_due_hours),
            );
        }
    }
    if let Some(t) = o
        .tags
        .iter()
        .find(|t| s.vip_tags.iter().any(|v| v.trim().eq_ignore_ascii_case(t)))
    {
        add("vip", s.vip_points, format!("tagged {t}"));
    }
    if let Some(c) = s
        .channel_points
        .iter()
        .find(|c| c.channel.eq_ignore_ascii_case(&o.channel))
    {
        add("channel", c.points, format!("channel {}", o.channel));
    }
    let days = ((now - o.placed_at) / DAY).max(0);
    let age = (days.min(1000) as i32)
        .saturating_mul(s.points_per_day_of_age)
        .min(s.max_age_points);
    add("age", age, format!("waiting {days} d"));
    let total = parts
        .iter()
        .map(|p| p.points)
        .fold(0i32, i32::saturating_add);
    (total, parts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::tests::good;

    fn rules(o: &OrderFacts, now: i64) -> Vec<&'static str> {
        prioritise(o, &PrioritySettings::default(), now)
            .1
            .into_iter()
            .map(|p| p.rule)
            .collect()
    }

    #[test]
    fn a_fresh_standard_order_has_no_priority() {
        let o = good();
        assert_eq!(
            prioritise(&o, &PrioritySettings::default(), o.placed_at).0,
            0
        );
    }

    #[test]
    fn express_ship_by_vip_channel_and_age_each_add_points() {
        let mut o = good();
        let now = o.placed_at;
        o.shipping_service = Some("UPS Express Saver".into());
        assert_eq!(rules(&o, now), ["express"]);
        o.ship_by = Some(now + 2 * HOUR);
        assert_eq!(rules(&o, now), ["express", "ship_by_due"]);
        o.ship_by = Some(now - 1);
        assert_eq!(rules(&o, now), ["express", "overdue"]);
        o.ship_by = Some(now + 3 * DAY);
        assert_eq!(rules(&o, now), ["express"], "ship-by far away adds nothing");
        o.tags = vec!["VIP".into()];
        o.channel = "amazon".into();
        let (p, _) = prioritise(&o, &PrioritySettings::default(), now + 3 * DAY);
        assert_eq!(p, 100 + 50 + 40 + 10 + 15);
    }

    #[test]
    fn age_points_are_capped() {
        let o = good();
        let (p, _) = prioritise(&o, &PrioritySettings::default(), o.placed_at + 400 * DAY);
        assert_eq!(p, 50);
    }
}
