//! Refunds (issue 7): what an order can still give back, a refund asked for, and the rule that
//! keeps every refund within what was paid. Money in integer minor units of the order's
//! currency.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// One line of an order as a refund sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RefundableLine {
    #[ts(type = "number")]
    pub line_no: i64,
    pub sku: String,
    pub title: String,
    #[ts(type = "number")]
    pub unit_price: i64,
    #[ts(type = "number")]
    pub quantity: i64,
    /// Units refunded already.
    #[ts(type = "number")]
    pub refunded: i64,
}

/// What an order paid and what it can still get back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Refundable {
    #[ts(type = "number")]
    pub order_id: i64,
    pub currency: String,
    /// What the customer paid (0 while unpaid).
    #[ts(type = "number")]
    pub paid: i64,
    /// Refunded or waiting for approval.
    #[ts(type = "number")]
    pub refunded: i64,
    #[ts(type = "number")]
    pub left: i64,
    #[ts(type = "number")]
    pub shipping_total: i64,
    #[ts(type = "number")]
    pub shipping_refunded: i64,
    pub lines: Vec<RefundableLine>,
    /// Refunds above this (minor units) wait for approval; None: none do.
    #[ts(type = "number | null")]
    pub approval_above: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RefundLineInput {
    #[ts(type = "number")]
    pub line_no: i64,
    #[ts(type = "number")]
    pub quantity: i64,
}

/// A refund asked for: lines (at their unit price), shipping, and any other amount, with a
/// reason. A refund without a return is allowed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RefundInput {
    #[ts(type = "number")]
    pub order_id: i64,
    pub lines: Vec<RefundLineInput>,
    #[ts(type = "number")]
    pub shipping: i64,
    /// Any other amount (a goodwill gesture, a price adjustment).
    #[ts(type = "number")]
    pub extra: i64,
    pub reason: String,
    /// The return this refund is for, when it is for one.
    #[serde(default)]
    #[ts(type = "number | null")]
    pub return_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RefundLineView {
    #[ts(type = "number")]
    pub line_no: i64,
    pub sku: String,
    #[ts(type = "number")]
    pub quantity: i64,
    #[ts(type = "number")]
    pub amount: i64,
}

/// A refund as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RefundView {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub order_id: i64,
    #[ts(type = "number")]
    pub amount: i64,
    pub currency: String,
    pub reason: String,
    /// pending_approval | approved | sent | confirmed | failed
    pub status: String,
    #[ts(type = "number")]
    pub shipping: i64,
    #[ts(type = "number")]
    pub extra: i64,
    pub lines: Vec<RefundLineView>,
    pub created_by: Option<String>,
    pub approved_by: Option<String>,
    pub channel_refund_id: Option<String>,
    #[ts(type = "number")]
    pub created_at: i64,
}

/// Why a refund does not fit what the order can still give back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefundRefused {
    #[error("reason: say why the money goes back")]
    NoReason,
    #[error("shipping and other amount: not below zero")]
    Negative,
    #[error("line {line}: {units} units cannot be refunded")]
    NoUnits { line: i64, units: i64 },
    #[error("line {0}: not a line of this order")]
    NotALine(i64),
    #[error("line {line} ({sku}): {asked} units asked, {left} left to refund")]
    Units {
        line: i64,
        sku: String,
        asked: i64,
        left: i64,
    },
    #[error("shipping: {asked} asked, {left} left to refund")]
    Shipping { asked: i64, left: i64 },
    #[error("nothing to refund: pick lines, shipping or an amount")]
    Nothing,
    #[error("{asked} asked, {left} left of what was paid ({paid} paid, {refunded} refunded)")]
    OverPayment {
        asked: i64,
        left: i64,
        paid: i64,
        refunded: i64,
    },
    #[error("amount too large")]
    TooLarge,
}

/// Checks a refund against what the order can still give back and returns its amount. Says
/// what is wrong and where: a line refunded beyond its units, shipping beyond what was
/// charged, more than what is left of the payment.
pub fn check_refund(r: &Refundable, input: &RefundInput) -> Result<i64, RefundRefused> {
    use RefundRefused as E;
    if input.reason.trim().is_empty() {
        return Err(E::NoReason);
    }
    if input.shipping < 0 || input.extra < 0 {
        return Err(E::Negative);
    }
    let mut seen = std::collections::BTreeMap::<i64, i64>::new();
    for l in &input.lines {
        if l.quantity <= 0 {
            return Err(E::NoUnits {
                line: l.line_no,
                units: l.quantity,
            });
        }
        *seen.entry(l.line_no).or_default() += l.quantity;
    }
    let mut amount: i64 = 0;
    for (&line_no, &q) in &seen {
        let line = r
            .lines
            .iter()
            .find(|x| x.line_no == line_no)
            .ok_or(E::NotALine(line_no))?;
        let left = line.quantity - line.refunded;
        if q > left {
            return Err(E::Units {
                line: line_no,
                sku: line.sku.clone(),
                asked: q,
                left,
            });
        }
        amount = line
            .unit_price
            .checked_mul(q)
            .and_then(|v| amount.checked_add(v))
            .ok_or(E::TooLarge)?;
    }
    let shipping_left = r.shipping_total - r.shipping_refunded;
    if input.shipping > shipping_left {
        return Err(E::Shipping {
            asked: input.shipping,
            left: shipping_left,
        });
    }
    amount = amount
        .checked_add(input.shipping)
        .and_then(|a| a.checked_add(input.extra))
        .ok_or(E::TooLarge)?;
    if amount == 0 {
        return Err(E::Nothing);
    }
    if amount > r.left {
        return Err(E::OverPayment {
            asked: amount,
            left: r.left,
            paid: r.paid,
            refunded: r.refunded,
        });
    }
    Ok(amount)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn refundable() -> Refundable {
        Refundable {
            order_id: 1,
            currency: "EUR".into(),
            paid: 3_490,
            refunded: 0,
            left: 3_490,
            shipping_total: 490,
            shipping_refunded: 0,
            lines: vec![RefundableLine {
                line_no: 1,
                sku: "MUG".into(),
                title: "Mug".into(),
                unit_price: 1_500,
                quantity: 2,
                refunded: 0,
            }],
            approval_above: None,
        }
    }

    fn input(q: i64, shipping: i64, extra: i64) -> RefundInput {
        RefundInput {
            order_id: 1,
            lines: if q > 0 {
                vec![RefundLineInput {
                    line_no: 1,
                    quantity: q,
                }]
            } else {
                vec![]
            },
            shipping,
            extra,
            reason: "damaged".into(),
            return_id: None,
        }
    }

    #[test]
    fn lines_shipping_and_extra_add_up_within_the_payment() {
        assert_eq!(check_refund(&refundable(), &input(1, 490, 0)), Ok(1_990));
        assert_eq!(check_refund(&refundable(), &input(2, 490, 0)), Ok(3_490));
        let e = check_refund(&refundable(), &input(3, 0, 0))
            .unwrap_err()
            .to_string();
        assert_eq!(e, "line 1 (MUG): 3 units asked, 2 left to refund");
        let e = check_refund(&refundable(), &input(0, 500, 0))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("shipping: 500 asked, 490 left"), "{e}");
        let e = check_refund(&refundable(), &input(2, 490, 1))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("3491 asked, 3490 left"), "{e}");
        assert!(check_refund(&refundable(), &input(0, 0, 0)).is_err());
        let mut no_reason = input(1, 0, 0);
        no_reason.reason = " ".into();
        assert!(check_refund(&refundable(), &no_reason).is_err());
    }
}
