//! Read models and inputs of channel sync (issue 5). No secret ever appears in these.

use crate::ChannelKind;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A channel connection as the Connections screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SyncConnectionView {
    #[ts(type = "number")]
    pub id: i64,
    pub kind: ChannelKind,
    pub name: String,
    pub enabled: bool,
    pub paused: bool,
    pub base_url: Option<String>,
    pub api_version: Option<String>,
    pub page_size: Option<u32>,
    /// Which secrets the keyring holds (their names, never their values).
    pub credentials: Vec<String>,
    /// The newest channel change pulled (UTC epoch ms).
    #[ts(type = "number | null")]
    pub cursor: Option<i64>,
    #[ts(type = "number | null")]
    pub last_sync_at: Option<i64>,
    #[ts(type = "number | null")]
    pub last_success_at: Option<i64>,
    pub last_error: Option<String>,
    pub last_error_code: Option<String>,
    /// closed (working), open (three failed runs in a row: runs wait longer)
    pub circuit: String,
    #[ts(type = "number")]
    pub failures: i64,
    #[ts(type = "number")]
    pub orders_pulled: i64,
    #[ts(type = "number")]
    pub orders: i64,
    #[ts(type = "number")]
    pub quarantined: i64,
    #[ts(type = "number")]
    pub outbox_backlog: i64,
    /// Outbox rows the channel refused: they wait for a person (retry or dismiss).
    #[ts(type = "number")]
    pub outbox_failed: i64,
    /// Shipments and cancellations made here are sent to the channel.
    pub push_fulfilments: bool,
    /// Stock levels are sent to the channel.
    pub push_stock: bool,
    /// Units held back from the channel per SKU.
    #[ts(type = "number")]
    pub stock_buffer: i64,
    /// At most this many units are offered per SKU.
    #[ts(type = "number | null")]
    pub stock_cap: Option<i64>,
    /// Channel SKUs that match no stocked product of ours.
    #[ts(type = "number")]
    pub unknown_skus: i64,
}

/// Secrets for a connection: only those of its kind are used.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CredentialsInput {
    /// Shopify: an Admin API access token (`shpat_…`).
    pub access_token: Option<String>,
    /// Shopify: a Dev Dashboard app's client id and secret.
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    /// WooCommerce: REST API consumer key and secret.
    pub consumer_key: Option<String>,
    pub consumer_secret: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct NewConnection {
    pub kind: ChannelKind,
    pub name: String,
    pub base_url: String,
    pub api_version: Option<String>,
    pub page_size: Option<u32>,
    pub credentials: CredentialsInput,
}

/// What one sync run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SyncReport {
    #[ts(type = "number")]
    pub connection_id: i64,
    pub pages: u32,
    /// Payloads received.
    #[ts(type = "number")]
    pub fetched: u64,
    #[ts(type = "number")]
    pub imported: u64,
    #[ts(type = "number")]
    pub updated: u64,
    /// Payloads seen before (same content) or older than what is stored.
    #[ts(type = "number")]
    pub unchanged: u64,
    #[ts(type = "number")]
    pub quarantined: u64,
    /// Returns the channel reported that were new here.
    #[serde(default)]
    #[ts(type = "number")]
    pub returns: u64,
    #[ts(type = "number | null")]
    pub cursor: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct QuarantineView {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub connection_id: i64,
    pub connection: String,
    pub external_id: String,
    #[ts(type = "number")]
    pub fetched_at: i64,
    pub error: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ConnectionTest {
    pub ok: bool,
    /// The shop's name on success, the vendor's error in plain words otherwise.
    pub message: String,
    pub code: Option<String>,
}

/// One write to a channel, as the outbox keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct OutboxView {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub connection_id: i64,
    #[ts(type = "number | null")]
    pub order_id: Option<i64>,
    pub order_number: Option<String>,
    /// fulfilment | cancellation | stock
    pub kind: String,
    /// In plain words: what the row tells the channel.
    pub summary: String,
    /// pending | sent | failed | dismissed
    pub status: String,
    #[ts(type = "number")]
    pub attempts: i64,
    /// The channel's words for the last failure.
    pub last_error: Option<String>,
    #[ts(type = "number")]
    pub next_attempt_at: i64,
    #[ts(type = "number")]
    pub created_at: i64,
    #[ts(type = "number | null")]
    pub sent_at: Option<i64>,
    pub external_ref: Option<String>,
}

/// What one pass of the outbox did for a connection.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct OutboxReport {
    #[ts(type = "number")]
    pub connection_id: i64,
    #[ts(type = "number")]
    pub sent: u64,
    /// Failed for now; tried again later.
    #[ts(type = "number")]
    pub retrying: u64,
    /// Refused by the channel: waiting for a person.
    #[ts(type = "number")]
    pub failed: u64,
    /// Stock rows for SKUs the channel does not list.
    #[ts(type = "number")]
    pub not_listed: u64,
    /// Why the pass stopped early (credentials, settings), if it did.
    pub stopped: Option<String>,
}

/// A channel SKU and what it maps to here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ChannelSkuView {
    pub channel_sku: String,
    /// Our SKU it maps to (None: none).
    pub sku: Option<String>,
    pub title: Option<String>,
    /// Mapped by hand.
    pub manual: bool,
    /// mapped | unknown (no stocked product of ours) | not_listed (the channel lacks it)
    pub state: String,
    #[ts(type = "number")]
    pub last_seen_at: i64,
    #[ts(type = "number | null")]
    pub pushed_quantity: Option<i64>,
    #[ts(type = "number | null")]
    pub pushed_at: Option<i64>,
}

/// Stock settings of a connection; `None` leaves one as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PushSettings {
    pub push_fulfilments: Option<bool>,
    pub push_stock: Option<bool>,
    #[ts(type = "number | null")]
    pub stock_buffer: Option<i64>,
    /// A new cap (units per SKU at most).
    #[ts(type = "number | null")]
    pub stock_cap: Option<i64>,
    /// No cap any more.
    #[serde(default)]
    pub remove_cap: bool,
}

/// One of our locations and whether (and into which channel location) it feeds a connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ChannelLocationView {
    #[ts(type = "number")]
    pub location_id: i64,
    pub name: String,
    pub external_location_id: Option<String>,
}
