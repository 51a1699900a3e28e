//! Carrier connectors (issue 6): rates for a parcel, buying a label, tracking. Like the
//! channel connectors they only speak HTTP (the sync engine's retry policy) and never touch
//! the database. Units at this seam are ours — grams, millimetres, minor units — and each
//! connector converts to its API's. `CarrierClient` is one account's connector, whichever
//! platform it is.

pub mod easypost;
pub mod shippo;

use crate::http::Http;
use crate::{SyncError, SyncErrorKind};
use easypost::EasyPost;
use oms_domain::Currency;
use shippo::Shippo;

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
    /// What `CarrierClient::void` takes for this label: EasyPost's shipment id, Shippo's
    /// transaction id.
    pub label_id: String,
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
    /// EasyPost's tracker this came from (one created for a tracking number is new: keep it,
    /// so that the next look reads it instead of creating another); `None` for Shippo.
    pub tracker_id: Option<String>,
}

/// What voiding a label came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VoidOutcome {
    /// The label is void and its postage refunded.
    Voided,
    /// The refund is asked for; the carrier decides later (EasyPost "submitted", Shippo
    /// QUEUED or PENDING).
    Pending,
    /// The platform or the carrier said no, in its words; the label stays bought.
    Refused(String),
}

/// A refusal that answers a void (400, 409 or 422: the request was understood and turned
/// down), as the platform's words; `None` for every other failure.
pub(crate) fn refusal(e: &SyncError) -> Option<String> {
    (e.kind == SyncErrorKind::Rejected && matches!(e.status, Some(400 | 409 | 422))).then(|| {
        e.message
            .split_once("): ")
            .map_or_else(|| e.message.clone(), |(_, words)| words.to_owned())
    })
}

/// One carrier account's connector, whichever platform it is on.
pub enum CarrierClient {
    EasyPost(EasyPost),
    Shippo(Shippo),
}

impl CarrierClient {
    /// The connector for an account of `kind` ("easypost" or "shippo"); any other kind is a
    /// config error naming it. No request is made.
    pub fn new(kind: &str, base_url: &str, api_key: &str, http: Http) -> Result<Self, SyncError> {
        match kind.trim().to_ascii_lowercase().as_str() {
            "easypost" => Ok(Self::EasyPost(EasyPost::new(base_url, api_key, http)?)),
            "shippo" => Ok(Self::Shippo(Shippo::new(base_url, api_key, http)?)),
            _ => Err(SyncError::config(format!(
                "no carrier connector for {kind:?} (easypost or shippo)"
            ))),
        }
    }

    /// "easypost" or "shippo".
    pub fn kind(&self) -> &'static str {
        match self {
            Self::EasyPost(_) => "easypost",
            Self::Shippo(_) => "shippo",
        }
    }

    /// Every connected carrier's quotes for the parcel, cheapest first.
    pub async fn rates(&self, r: &RateRequest) -> Result<Rates, SyncError> {
        match self {
            Self::EasyPost(c) => c.rates(r).await,
            Self::Shippo(c) => c.rates(r).await,
        }
    }

    /// Buys a quoted rate; never twice (see each connector's `buy`).
    pub async fn buy(&self, shipment_id: &str, rate_id: &str) -> Result<Label, SyncError> {
        match self {
            Self::EasyPost(c) => c.buy(shipment_id, rate_id).await,
            Self::Shippo(c) => c.buy(shipment_id, rate_id).await,
        }
    }

    /// A label file from the URL a `Label` gave (no key is sent with it).
    pub async fn download(&self, url: &str) -> Result<Vec<u8>, SyncError> {
        match self {
            Self::EasyPost(c) => c.download(url).await,
            Self::Shippo(c) => c.download(url).await,
        }
    }

    /// Where a parcel is. EasyPost reads its tracker (`tracker_id`), or creates one for the
    /// tracking number when there is none; Shippo asks by carrier and tracking number and has
    /// no tracker id.
    pub async fn track(
        &self,
        tracker_id: Option<&str>,
        carrier: &str,
        tracking_number: &str,
    ) -> Result<Tracking, SyncError> {
        match self {
            Self::EasyPost(c) => match tracker_id.map(str::trim).filter(|t| !t.is_empty()) {
                Some(id) => c.tracker(id).await,
                None => c.create_tracker(carrier, tracking_number).await,
            },
            Self::Shippo(c) => c.track(carrier, tracking_number).await,
        }
    }

    /// Voids a bought label and asks for its postage back: `label_id` is the `Label`'s
    /// (EasyPost's shipment id, Shippo's transaction id).
    pub async fn void(&self, label_id: &str) -> Result<VoidOutcome, SyncError> {
        match self {
            Self::EasyPost(c) => c.void(label_id).await,
            Self::Shippo(c) => c.void(label_id).await,
        }
    }
}
