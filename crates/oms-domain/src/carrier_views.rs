//! Read models and inputs of carriers (issue 6). No API key ever appears in these.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A carrier account (EasyPost) as the screens show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CarrierAccountView {
    #[ts(type = "number")]
    pub id: i64,
    /// easypost
    pub kind: String,
    pub name: String,
    pub base_url: String,
    pub enabled: bool,
    /// The keyring holds its API key.
    pub has_key: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct NewCarrierAccount {
    pub kind: String,
    pub name: String,
    /// e.g. https://api.easypost.com (a local test server works too).
    pub base_url: String,
    /// Goes to the OS keyring only.
    pub api_key: String,
}

/// One carrier service's price for an order's parcel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct QuoteView {
    #[ts(type = "number")]
    pub account_id: i64,
    pub account: String,
    /// The carrier platform's shipment the quote belongs to (buy against it).
    pub carrier_shipment_id: String,
    pub rate_id: String,
    pub carrier: String,
    pub service: String,
    #[ts(type = "number")]
    pub amount_minor: i64,
    pub currency: String,
    pub delivery_days: Option<u32>,
}

/// Every connected carrier's quotes for an order, cheapest first, and what did not quote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Quotes {
    #[ts(type = "number")]
    pub order_id: i64,
    #[ts(type = "number")]
    pub weight_g: i64,
    /// SKUs without a weight (counted with the default weight).
    pub unweighed: Vec<String>,
    pub quotes: Vec<QuoteView>,
    /// "EasyPost: DHLExpress: …", one per carrier or account that did not quote.
    pub problems: Vec<String>,
}

/// A bought label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LabelView {
    #[ts(type = "number")]
    pub order_id: i64,
    pub carrier: String,
    pub service: String,
    pub tracking_number: String,
    #[ts(type = "number")]
    pub amount_minor: i64,
    pub currency: String,
    /// Where the label file is kept.
    pub label_path: String,
    pub label_format: String,
    #[ts(type = "number")]
    pub units: i64,
    /// False when a retried purchase found the label bought before (nothing charged twice).
    pub new_purchase: bool,
}

/// How a label's rate is chosen when nobody picks by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RateRule {
    /// The cheapest rate.
    #[default]
    Cheapest,
    /// The cheapest rate that arrives by the order's ship-by date plus the allowed days;
    /// the fastest when none does.
    CheapestOnTime,
    /// The fewest delivery days (the cheapest of those).
    Fastest,
}

/// A carrier preferred for some parcels: the cheapest of its rates wins when it quotes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PreferredCarrier {
    /// The carrier as quoted (e.g. "DHLExpress", "USPS"); matched without regard to case.
    pub carrier: String,
    /// Destination countries (ISO alpha-2); empty: any.
    pub countries: Vec<String>,
    /// Parcels up to this weight; None: any.
    pub max_weight_g: Option<u32>,
}

/// The shop's rules for choosing rates.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
pub struct RateRules {
    pub rule: RateRule,
    /// For cheapest_on_time: days a parcel may take after the order's ship-by date (or
    /// after today when it has none).
    pub deliver_within_days: Option<u32>,
    /// Checked in order before the rule.
    pub preferred: Vec<PreferredCarrier>,
}

/// A chosen rate and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RatePick {
    pub quote: QuoteView,
    /// "cheapest of 4 rates", "preferred carrier DHL for DE up to 2000 g", …
    pub reason: String,
}

/// What buying labels for many orders did.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
pub struct LabelBatchReport {
    pub bought: u32,
    /// Found bought before: nothing charged twice.
    pub reused: u32,
    pub failed: u32,
    /// "#1001: no carrier quoted (…)", per failure.
    pub problems: Vec<String>,
    pub labels: Vec<LabelView>,
    #[ts(type = "number")]
    pub elapsed_ms: u64,
}

/// What voiding a label did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct VoidView {
    #[ts(type = "number")]
    pub shipment_id: i64,
    #[ts(type = "number")]
    pub order_id: i64,
    /// Units back on hand and reserved.
    #[ts(type = "number")]
    pub units: i64,
    /// voided | pending (the carrier refunds later)
    pub refund: String,
    /// The channel had been told of the shipment; its fulfilment there stays.
    pub channel_told: bool,
}
