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
