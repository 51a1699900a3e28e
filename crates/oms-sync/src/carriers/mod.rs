//! Carrier connectors (issue 6): rates for a parcel, buying a label, tracking. Like the
//! channel connectors they only speak HTTP (the sync engine's retry policy) and never touch
//! the database. Units at this seam are ours — grams, millimetres, minor units — and each
//! connector converts to its API's.

pub mod easypost;

use oms_domain::Currency;

/// An address a parcel goes from or to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PostalAddress {
    pub name: String,
    pub company: Option<String>,
    pub street1: String,
    pub street2: Option<String>,
    pub city: String,
    pub state: Option<String>,
    pub zip: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// A parcel: weight always, dimensions when known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParcelSpec {
    pub weight_g: u32,
    pub length_mm: Option<u32>,
    pub width_mm: Option<u32>,
    pub height_mm: Option<u32>,
}

/// One line of a customs declaration (international parcels).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomsLine {
    pub description: String,
    pub quantity: u32,
    /// Value of all units of the line, minor units of `currency`.
    pub value_minor: i64,
    pub currency: Currency,
    pub weight_g: u32,
    pub hs_code: Option<String>,
    pub origin_country: Option<String>,
}

/// What to quote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateRequest {
    pub from: PostalAddress,
    pub to: PostalAddress,
    pub parcel: ParcelSpec,
    pub customs: Vec<CustomsLine>,
    /// Ours (the order number): shown on the carrier's side.
    pub reference: String,
}

/// One carrier service's price for the parcel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    pub rate_id: String,
    pub carrier: String,
    pub service: String,
    pub amount_minor: i64,
    pub currency: Currency,
    pub delivery_days: Option<u32>,
}

/// The quotes for one parcel, and what carriers said instead of quoting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rates {
    /// The carrier platform's shipment the quotes belong to (bought against later).
    pub shipment_id: String,
    pub quotes: Vec<Quote>,
    /// "USPS: …", one per carrier that did not quote.
    pub problems: Vec<String>,
}

/// A bought label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub shipment_id: String,
    pub tracking_number: String,
    pub carrier: String,
    pub service: String,
    pub amount_minor: i64,
    pub currency: Currency,
    /// Where the label file is (the app downloads and keeps it).
    pub label_url: String,
    /// PDF, PNG or ZPL.
    pub label_format: String,
    pub tracker_id: Option<String>,
    /// False when the label had been bought before (a retried purchase found it).
    pub new_purchase: bool,
}

/// A parcel's state, the same words for every carrier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TrackStatus {
    PreTransit,
    InTransit,
    OutForDelivery,
    Delivered,
    Exception,
    ReturnedToSender,
    Unknown,
}

/// One scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackEvent {
    /// UTC epoch ms.
    pub at: i64,
    pub status: TrackStatus,
    /// The carrier's words.
    pub message: String,
    pub location: Option<String>,
}

/// Where a parcel is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tracking {
    pub tracking_number: String,
    pub carrier: String,
    pub status: TrackStatus,
    /// The carrier's own status, kept.
    pub raw_status: String,
    /// Oldest first.
    pub events: Vec<TrackEvent>,
    pub est_delivery: Option<i64>,
}
