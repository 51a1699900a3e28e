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
