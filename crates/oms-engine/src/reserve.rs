//! Where an order's units are reserved. The policy is one seam: the routing issue replaces
//! `MostAvailable` with its rules engine without touching the store or the pipeline.

use std::collections::BTreeMap;

/// What a line still needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineNeed {
    pub line_no: u32,
    pub product_id: i64,
    pub quantity: u32,
}

/// Available units per (product, location), as read inside the reserving transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stock {
    levels: BTreeMap<(i64, i64), i64>,
}

impl Stock {
    pub fn set(&mut self, product_id: i64, location_id: i64, available: i64) {
        self.levels.insert((product_id, location_id), available);
    }
    pub fn available(&self, product_id: i64, location_id: i64) -> i64 {
        self.levels
            .get(&(product_id, location_id))
            .copied()
            .unwrap_or(0)
    }
    fn take(&mut self, product_id: i64, location_id: i64, n: u32) {
        if let Some(v) = self.levels.get_mut(&(product_id, location_id)) {
            *v -= i64::from(n);
        }
    }
    /// Locations holding this product with something available, most available first (ties:
    /// the lower location id).
    fn ranked(&self, product_id: i64) -> Vec<(i64, i64)> {
        let mut v: Vec<(i64, i64)> = self
            .levels
            .range((product_id, i64::MIN)..=(product_id, i64::MAX))
            .filter(|(_, a)| **a > 0)
            .map(|((_, l), a)| (*l, *a))
            .collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allocation {
    pub line_no: u32,
    pub product_id: i64,
    pub location_id: i64,
    pub quantity: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReservationPlan {
    pub allocations: Vec<Allocation>,
    /// (line, units) that no location can supply now.
    pub short: Vec<(u32, u32)>,
    /// Why the plan is what it is, one sentence per line, for the timeline.
    pub reasons: Vec<String>,
}

pub trait ReservationPolicy: Send + Sync {
    fn name(&self) -> &'static str;
    /// Never plans more than `stock` says is available.
    fn plan(&self, needs: &[LineNeed], stock: &Stock) -> ReservationPlan;
}

/// The simple policy: each line from the one location with the most available stock that can
/// fill it; split across locations (most available first) only when no single one can.
#[derive(Debug, Clone, Copy, Default)]
pub struct MostAvailable;

impl ReservationPolicy for MostAvailable {
    fn name(&self) -> &'static str {
        "most-available"
    }

    fn plan(&self, needs: &[LineNeed], stock: &Stock) -> ReservationPlan {
        let mut stock = stock.clone();
        let mut plan = ReservationPlan::default();
        for need in needs.iter().filter(|n| n.quantity > 0) {
            let ranked = stock.ranked(need.product_id);
            let whole = ranked.iter().find(|(_, a)| *a >= i64::from(need.quantity));
            if let Some(&(loc, avail)) = whole {
                stock.take(need.product_id, loc, need.quantity);
                plan.allocations.push(Allocation {
                    line_no: need.line_no,
                    product_id: need.product_id,
                    location_id: loc,
                    quantity: need.quantity,
                });
                plan.reasons.push(format!(
                    "line {}: {} from location {loc} (most available: {avail})",
                    need.line_no, need.quantity
                ));
                continue;
            }
            let mut left = need.quantity;
            let mut from = Vec::new();
            for (loc, avail) in ranked {
                if left == 0 {
                    break;
                }
                let n = left.min(u32::try_from(avail).unwrap_or(u32::MAX));
                stock.take(need.product_id, loc, n);
                plan.allocations.push(Allocation {
                    line_no: need.line_no,
                    product_id: need.product_id,
                    location_id: loc,
                    quantity: n,
                });
                from.push(format!("{n} from location {loc}"));
                left -= n;
            }
            if left > 0 {
                plan.short.push((need.line_no, left));
            }
            plan.reasons.push(match (from.is_empty(), left) {
                (true, _) => format!(
                    "line {}: no stock anywhere; {left} backordered",
                    need.line_no
                ),
                (false, 0) => format!(
                    "line {}: no single location has {}; split: {}",
                    need.line_no,
                    need.quantity,
                    from.join(", ")
                ),
                (false, _) => format!(
                    "line {}: {}; {left} backordered",
                    need.line_no,
                    from.join(", ")
                ),
            });
        }
        plan
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn need(line_no: u32, product_id: i64, quantity: u32) -> LineNeed {
        LineNeed {
            line_no,
            product_id,
            quantity,
        }
    }

    #[test]
    fn a_line_comes_whole_from_the_location_with_the_most() {
        let mut s = Stock::default();
        s.set(1, 10, 5);
        s.set(1, 11, 9);
        let p = MostAvailable.plan(&[need(1, 1, 4)], &s);
        assert_eq!(p.allocations.len(), 1);
        assert_eq!(p.allocations[0].location_id, 11);
        assert!(p.short.is_empty());
    }

    #[test]
    fn a_line_is_split_only_when_no_location_can_fill_it() {
        let mut s = Stock::default();
        s.set(1, 10, 3);
        s.set(1, 11, 4);
        let p = MostAvailable.plan(&[need(1, 1, 6)], &s);
        let got: Vec<(i64, u32)> = p
            .allocations
            .iter()
            .map(|a| (a.location_id, a.quantity))
            .collect();
        assert_eq!(got, [(11, 4), (10, 2)]);
        assert!(p.reasons[0].contains("split"));
    }

    #[test]
    fn what_no_location_has_is_short() {
        let mut s = Stock::default();
        s.set(1, 10, 2);
        let p = MostAvailable.plan(&[need(1, 1, 5), need(2, 2, 1)], &s);
        assert_eq!(p.short, [(1, 3), (2, 1)]);
    }

    #[test]
    fn two_lines_of_one_sku_do_not_count_the_same_stock_twice() {
        let mut s = Stock::default();
        s.set(1, 10, 3);
        let p = MostAvailable.plan(&[need(1, 1, 2), need(2, 1, 2)], &s);
        let reserved: u32 = p.allocations.iter().map(|a| a.quantity).sum();
        assert_eq!(reserved, 3);
        assert_eq!(p.short, [(2, 1)]);
    }

    proptest! {
        #[test]
        fn never_plans_more_than_available_and_accounts_for_every_unit(
            levels in proptest::collection::vec((1i64..4, 1i64..4, 0i64..20), 0..12),
            needs in proptest::collection::vec((1i64..4, 1u32..15), 1..6),
        ) {
            let mut s = Stock::default();
            for (p, l, a) in &levels { s.set(*p, *l, *a); }
            let needs: Vec<LineNeed> = needs.iter().enumerate()
                .map(|(i, (p, q))| need(i as u32 + 1, *p, *q)).collect();
            let plan = MostAvailable.plan(&needs, &s);
            let mut used: BTreeMap<(i64, i64), i64> = BTreeMap::new();
            for a in &plan.allocations {
                *used.entry((a.product_id, a.location_id)).or_default() += i64::from(a.quantity);
            }
            for ((p, l), u) in &used {
                prop_assert!(*u <= s.available(*p, *l));
            }
            for n in &needs {
                let got: u32 = plan.allocations.iter().filter(|a| a.line_no == n.line_no).map(|a| a.quantity).sum();
                let short: u32 = plan.short.iter().filter(|s| s.0 == n.line_no).map(|s| s.1).sum();
                prop_assert_eq!(got + short, n.quantity);
            }
        }
    }
}
