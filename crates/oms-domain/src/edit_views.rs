//! Order edits, line cancellations and exchanges (issue 7): what an agent asks for, and what
//! changed as the timeline shows it (before → after).

use crate::views::AddressView;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A line's new number of units (what the customer gets; 0 removes the line's unshipped
/// units). Never below what shipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LineQuantityInput {
    #[ts(type = "number")]
    pub line_no: i64,
    #[ts(type = "number")]
    pub quantity: i64,
}

/// A line added to an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct NewLineInput {
    pub sku: String,
    #[serde(default)]
    pub title: Option<String>,
    #[ts(type = "number")]
    pub quantity: i64,
    /// Minor units of the order's currency.
    #[ts(type = "number")]
    pub unit_price: i64,
}

/// An edit of an unshipped order: quantities, new lines, the ship-to address, the shipping
/// service. Fields left empty stay as they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct OrderEdit {
    #[ts(type = "number")]
    pub order_id: i64,
    #[serde(default)]
    pub quantities: Vec<LineQuantityInput>,
    #[serde(default)]
    pub add: Vec<NewLineInput>,
    #[serde(default)]
    pub ship_to: Option<AddressView>,
    #[serde(default)]
    pub shipping_service: Option<String>,
    #[serde(default)]
    pub comment: String,
}

/// What an edit changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct EditResult {
    #[ts(type = "number")]
    pub order_id: i64,
    /// "MUG: 2 → 3 units", "ship-to: … → …", one per change.
    pub changes: Vec<String>,
    pub currency: String,
    #[ts(type = "number")]
    pub total_before: i64,
    #[ts(type = "number")]
    pub total_after: i64,
    /// Positive: to collect from the customer; negative: to give back (a paid order).
    #[ts(type = "number")]
    pub balance: i64,
    /// The order's status after it was checked and routed again.
    pub status: String,
}

/// Units of lines to cancel before they ship.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CancelLinesInput {
    #[ts(type = "number")]
    pub order_id: i64,
    pub lines: Vec<LineQuantityInput>,
    pub reason: String,
}

/// One line of an exchange: the returned line and what the customer gets instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ExchangeLineInput {
    /// The line of the original order being exchanged.
    #[ts(type = "number")]
    pub line_no: i64,
    pub sku: String,
    #[ts(type = "number")]
    pub quantity: i64,
    /// The new item's unit price; None: the same as the returned line's (an even swap).
    #[serde(default)]
    #[ts(type = "number | null")]
    pub unit_price: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ExchangeInput {
    #[ts(type = "number")]
    pub return_id: i64,
    pub lines: Vec<ExchangeLineInput>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ExchangeResult {
    #[ts(type = "number")]
    pub order_id: i64,
    pub order_number: String,
    /// What the new order costs the customer (the price differences above the returned items).
    #[ts(type = "number")]
    pub to_collect: i64,
    /// What the customer gets back (the new items cost less); refund it from the original.
    #[ts(type = "number")]
    pub to_refund: i64,
    pub currency: String,
    pub status: String,
}

/// The text of an address on one line, for a before → after diff.
pub fn address_line(a: &AddressView) -> String {
    let mut parts = vec![a.name.clone(), a.line1.clone()];
    if let Some(l2) = a.line2.as_deref().filter(|s| !s.is_empty()) {
        parts.push(l2.to_owned());
    }
    let city = match a.postal_code.as_deref().filter(|s| !s.is_empty()) {
        Some(p) => format!("{p} {}", a.city),
        None => a.city.clone(),
    };
    parts.push(city);
    parts.push(a.country.clone());
    parts.join(", ")
}

/// Money per currency (a customer may buy in more than one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CurrencyAmount {
    pub currency: String,
    #[ts(type = "number")]
    pub amount: i64,
}

/// One internal note, with the order it is on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct NoteView {
    #[ts(type = "number")]
    pub order_id: i64,
    pub order_number: String,
    #[ts(type = "number")]
    pub at: i64,
    pub actor: String,
    pub body: String,
}

/// The customer-service view of one customer: every order across the channels (matched by
/// e-mail, then by phone for orders without one), returns, refunds, notes and what they are
/// worth.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CustomerPage {
    #[ts(type = "number | null")]
    pub customer_id: Option<i64>,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub tags: Vec<String>,
    /// Newest first.
    pub orders: Vec<crate::views::OrderRow>,
    /// Orders matched by phone only (no e-mail on them).
    #[ts(type = "number")]
    pub by_phone: i64,
    /// What the orders are worth (not cancelled nor merged) less what was refunded.
    pub lifetime_value: Vec<CurrencyAmount>,
    pub refunded: Vec<CurrencyAmount>,
    pub returns: Vec<crate::return_views::ReturnRow>,
    pub refunds: Vec<crate::refund_views::RefundView>,
    /// Newest first.
    pub notes: Vec<NoteView>,
}
