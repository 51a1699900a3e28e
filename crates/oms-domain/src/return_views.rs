//! Returns (issue 7): the RMA, its lines, what an order can still send back, and the checks
//! that keep every return within what was shipped: a line is never returned beyond its
//! shipped units minus the units already returned or on their way back, and nothing is
//! restocked that did not come back.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The reasons offered when none are configured (setting `returns.reasons`).
pub const DEFAULT_REASONS: &[&str] = &[
    "too_small",
    "too_large",
    "not_as_described",
    "damaged",
    "defective",
    "wrong_item",
    "changed_mind",
    "arrived_late",
    "other",
];

crate::lifecycle::text_enum!(
    /// What the returned unit looked like on inspection.
    ItemCondition, "condition" {
        AsNew = "as_new",
        Opened = "opened",
        Damaged = "damaged",
        Defective = "defective",
    }
);

crate::lifecycle::text_enum!(
    /// What happens to returned units: back on the shelf (at a chosen location), on the shelf
    /// as B-stock (the SKU with "-B"), set aside, thrown away, or sent back to the vendor.
    Disposition, "disposition" {
        Restock = "restock",
        BStock = "b_stock",
        Quarantine = "quarantine",
        Scrap = "scrap",
        ReturnToVendor = "return_to_vendor",
    }
);

impl Disposition {
    /// Puts units back into stock (and so needs a location).
    pub fn restocks(self) -> bool {
        matches!(self, Disposition::Restock | Disposition::BStock)
    }
}

/// The SKU B-stock of `sku` is kept under.
pub fn b_stock_sku(sku: &str) -> String {
    format!("{sku}-B")
}

/// One line of an order as a return sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ReturnableLine {
    #[ts(type = "number")]
    pub line_no: i64,
    pub sku: String,
    pub title: String,
    #[ts(type = "number")]
    pub unit_price: i64,
    #[ts(type = "number")]
    pub shipped: i64,
    /// Units received back already.
    #[ts(type = "number")]
    pub returned: i64,
    /// Units in open returns not received yet.
    #[ts(type = "number")]
    pub expected: i64,
}

impl ReturnableLine {
    pub fn left(&self) -> i64 {
        (self.shipped - self.returned - self.expected).max(0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Returnable {
    #[ts(type = "number")]
    pub order_id: i64,
    pub currency: String,
    pub lines: Vec<ReturnableLine>,
    /// The reasons to choose from.
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ReturnLineInput {
    #[ts(type = "number")]
    pub line_no: i64,
    #[ts(type = "number")]
    pub quantity: i64,
    pub reason: String,
    #[serde(default)]
    pub comment: Option<String>,
}

/// A return asked for (by the customer through an agent, or pulled from a channel).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ReturnInput {
    #[ts(type = "number")]
    pub order_id: i64,
    pub lines: Vec<ReturnLineInput>,
    #[serde(default)]
    pub note: Option<String>,
    /// Approved at once (an agent who decided already).
    #[serde(default)]
    pub approve: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ReturnLineView {
    #[ts(type = "number")]
    pub line_no: i64,
    pub sku: String,
    pub title: String,
    #[ts(type = "number")]
    pub unit_price: i64,
    #[ts(type = "number")]
    pub quantity: i64,
    pub reason: String,
    pub comment: Option<String>,
    #[ts(type = "number")]
    pub received: i64,
    pub condition: Option<String>,
    pub disposition: Option<String>,
    #[ts(type = "number | null")]
    pub location_id: Option<i64>,
    pub location_name: Option<String>,
    #[ts(type = "number")]
    pub restocked: i64,
}

/// A return (RMA) as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ReturnView {
    #[ts(type = "number")]
    pub id: i64,
    pub rma: String,
    #[ts(type = "number")]
    pub order_id: i64,
    pub order_number: String,
    pub customer_name: String,
    pub currency: String,
    /// requested | approved | rejected | label_sent | in_transit | received | inspected | closed
    pub status: String,
    /// app | channel
    pub source: String,
    pub channel_return_id: Option<String>,
    pub note: Option<String>,
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
    pub label_path: Option<String>,
    pub lines: Vec<ReturnLineView>,
    /// The value of the returned lines at their prices (minor units).
    #[ts(type = "number")]
    pub value: i64,
    /// Refunded for this return so far (approved, sent or confirmed refunds).
    #[ts(type = "number")]
    pub refunded: i64,
    #[ts(type = "number | null")]
    pub exchange_order_id: Option<i64>,
    pub created_by: Option<String>,
    #[ts(type = "number")]
    pub created_at: i64,
    #[ts(type = "number | null")]
    pub updated_at: Option<i64>,
}

/// One row of the returns queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ReturnRow {
    #[ts(type = "number")]
    pub id: i64,
    pub rma: String,
    #[ts(type = "number")]
    pub order_id: i64,
    pub order_number: String,
    pub customer_name: String,
    pub status: String,
    pub source: String,
    #[ts(type = "number")]
    pub units: i64,
    #[ts(type = "number")]
    pub received: i64,
    pub skus: String,
    pub reasons: String,
    pub tracking_number: Option<String>,
    #[ts(type = "number")]
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ReturnQueue {
    pub rows: Vec<ReturnRow>,
    /// How many returns each status has.
    pub counts: Vec<ReturnCount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ReturnCount {
    pub status: String,
    #[ts(type = "number")]
    pub n: i64,
}

/// Units that came back, per line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ReceiveLine {
    #[ts(type = "number")]
    pub line_no: i64,
    #[ts(type = "number")]
    pub quantity: i64,
}

/// What was found and what is done with a received line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct InspectLine {
    #[ts(type = "number")]
    pub line_no: i64,
    pub condition: ItemCondition,
    pub disposition: Disposition,
    /// Where restocked units go (restock and B-stock only).
    #[ts(type = "number | null")]
    #[serde(default)]
    pub location_id: Option<i64>,
}

/// Why a return cannot be made as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReturnRefused {
    #[error("nothing to return: pick at least one line")]
    Nothing,
    #[error("line {line}: {units} units cannot be returned")]
    NoUnits { line: i64, units: i64 },
    #[error("line {0}: not a line of this order")]
    NotALine(i64),
    #[error("line {line}: a reason is needed (one of: {reasons})")]
    Reason { line: i64, reasons: String },
    #[error("line {line} ({sku}): nothing of it has shipped yet; cancel the line instead")]
    NotShipped { line: i64, sku: String },
    #[error("line {line} ({sku}): {asked} units asked, {left} can still come back ({shipped} shipped, {returned} returned, {expected} on their way)")]
    Units {
        line: i64,
        sku: String,
        asked: i64,
        left: i64,
        shipped: i64,
        returned: i64,
        expected: i64,
    },
}

/// Checks a return against what the order can still send back.
pub fn check_return(r: &Returnable, input: &ReturnInput) -> Result<(), ReturnRefused> {
    use ReturnRefused as E;
    if input.lines.is_empty() {
        return Err(E::Nothing);
    }
    let mut seen = std::collections::BTreeMap::<i64, i64>::new();
    for l in &input.lines {
        if l.quantity <= 0 {
            return Err(E::NoUnits {
                line: l.line_no,
                units: l.quantity,
            });
        }
        if !r.reasons.iter().any(|x| x == l.reason.trim()) {
            return Err(E::Reason {
                line: l.line_no,
                reasons: r.reasons.join(", "),
            });
        }
        *seen.entry(l.line_no).or_default() += l.quantity;
    }
    for (&line_no, &q) in &seen {
        let line = r
            .lines
            .iter()
            .find(|x| x.line_no == line_no)
            .ok_or(E::NotALine(line_no))?;
        if line.shipped == 0 {
            return Err(E::NotShipped {
                line: line_no,
                sku: line.sku.clone(),
            });
        }
        if q > line.left() {
            return Err(E::Units {
                line: line_no,
                sku: line.sku.clone(),
                asked: q,
                left: line.left(),
                shipped: line.shipped,
                returned: line.returned,
                expected: line.expected,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn returnable(shipped: i64, returned: i64, expected: i64) -> Returnable {
        Returnable {
            order_id: 1,
            currency: "EUR".into(),
            lines: vec![ReturnableLine {
                line_no: 1,
                sku: "MUG".into(),
                title: "Mug".into(),
                unit_price: 1_500,
                shipped,
                returned,
                expected,
            }],
            reasons: DEFAULT_REASONS.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    fn input(q: i64, reason: &str) -> ReturnInput {
        ReturnInput {
            order_id: 1,
            lines: vec![ReturnLineInput {
                line_no: 1,
                quantity: q,
                reason: reason.into(),
                comment: None,
            }],
            note: None,
            approve: false,
        }
    }

    #[test]
    fn a_return_stays_within_what_shipped_and_did_not_come_back() {
        assert_eq!(
            check_return(&returnable(3, 1, 1), &input(1, "damaged")),
            Ok(())
        );
        let e = check_return(&returnable(3, 1, 1), &input(2, "damaged"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "line 1 (MUG): 2 units asked, 1 can still come back (3 shipped, 1 returned, 1 on their way)"
        );
        let e = check_return(&returnable(0, 0, 0), &input(1, "damaged"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("cancel the line instead"), "{e}");
        let e = check_return(&returnable(3, 0, 0), &input(1, "bored"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("line 1: a reason is needed"), "{e}");
        assert!(check_return(&returnable(3, 0, 0), &input(0, "damaged")).is_err());
    }

    #[test]
    fn only_restock_and_b_stock_put_units_back() {
        assert!(Disposition::Restock.restocks());
        assert!(Disposition::BStock.restocks());
        assert!(!Disposition::Scrap.restocks());
        assert_eq!(
            Disposition::parse("return_to_vendor"),
            Ok(Disposition::ReturnToVendor)
        );
        assert_eq!(b_stock_sku("MUG"), "MUG-B");
    }
}
