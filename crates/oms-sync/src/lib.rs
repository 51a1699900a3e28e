//! Channel connectors. Each one turns the vendor's API into pages of raw order payloads
//! (kept as the vendor sent them, for the inbox) and maps one payload to a `NewOrder`. The
//! sync engine in oms-app stores the payloads, maps them, imports them and moves the cursor;
//! nothing here touches the database.
//!
//! A connector pulls incrementally: every order updated at or after `since` (epoch ms, the
//! caller subtracts its overlap window), oldest change first, one page per call, so that the
//! caller can commit a page and move its cursor to the page's last change.

pub mod carriers;
pub mod http;
mod money;
pub mod push;
pub mod shopify;
pub mod woo;

use oms_domain::NewOrder;
use std::time::Duration;

/// What went wrong talking to a channel, with a machine code and the vendor's words.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct SyncError {
    pub kind: SyncErrorKind,
    pub message: String,
    /// How long the server asked us to wait, if it did.
    pub retry_after: Option<Duration>,
    /// The HTTP status of a refused request.
    pub status: Option<u16>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncErrorKind {
    /// The connection's settings are incomplete or wrong (no request was made).
    Config,
    /// The server refused the credentials (401/403, or a GraphQL access error).
    Unauthorized,
    /// Rate limited beyond what a retry could wait for.
    RateLimited,
    /// 5xx after every retry.
    Server,
    /// No connection, a timeout or a broken-off answer, after every retry.
    Network,
    /// Another 4xx: the request itself was refused.
    Rejected,
    /// The answer was not what the API documents (malformed or truncated JSON).
    BadResponse,
}

impl SyncErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SyncErrorKind::Config => "config",
            SyncErrorKind::Unauthorized => "unauthorized",
            SyncErrorKind::RateLimited => "rate_limited",
            SyncErrorKind::Server => "server",
            SyncErrorKind::Network => "network",
            SyncErrorKind::Rejected => "rejected",
            SyncErrorKind::BadResponse => "bad_response",
        }
    }
}

impl SyncError {
    fn new(kind: SyncErrorKind, message: String) -> Self {
        Self {
            kind,
            message,
            retry_after: None,
            status: None,
        }
    }
    pub fn config(m: String) -> Self {
        Self::new(SyncErrorKind::Config, m)
    }
    pub fn unauthorized(m: String) -> Self {
        Self::new(SyncErrorKind::Unauthorized, m)
    }
    pub fn rate_limited(m: String, after: Option<Duration>) -> Self {
        Self {
            retry_after: after,
            ..Self::new(SyncErrorKind::RateLimited, m)
        }
    }
    pub fn server(m: String) -> Self {
        Self::new(SyncErrorKind::Server, m)
    }
    pub fn network(m: String) -> Self {
        Self::new(SyncErrorKind::Network, m)
    }
    pub fn rejected(m: String) -> Self {
        Self::new(SyncErrorKind::Rejected, m)
    }
    pub fn bad_response(m: String) -> Self {
        Self::new(SyncErrorKind::BadResponse, m)
    }
    fn after_attempts(mut self, n: u32) -> Self {
        self.message = format!("{} (after {n} tries)", self.message);
        self
    }
}

/// Why a payload could not be mapped to an order, naming the field ("currencyCode: missing").
/// It goes with the payload to the quarantine.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MapError(pub String);

impl From<&str> for MapError {
    fn from(s: &str) -> Self {
        MapError(s.to_owned())
    }
}

impl From<String> for MapError {
    fn from(s: String) -> Self {
        MapError(s)
    }
}

/// A return the channel reports with an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelReturn {
    /// The channel's id of the return.
    pub id: String,
    /// The channel's word for where it stands (Shopify: REQUESTED, OPEN, CLOSED, DECLINED,
    /// CANCELED).
    pub status: String,
    pub lines: Vec<ChannelReturnLine>,
}

/// One returned line as the channel says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelReturnLine {
    pub sku: String,
    pub quantity: i64,
    /// The channel's reason code (Shopify: SIZE_TOO_SMALL, DEFECTIVE, …).
    pub reason: String,
    pub note: Option<String>,
}

/// One order as a channel sent it.
#[derive(Debug, Clone)]
pub struct Raw {
    /// The channel's id of the order.
    pub external_id: String,
    /// The channel's last change of it (epoch ms): the version.
    pub updated_at: i64,
    /// The order's JSON exactly as it came in the page.
    pub payload: String,
}

/// Where the next page starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageToken {
    /// GraphQL cursor (Shopify).
    After(String),
    /// Page number (WooCommerce).
    Page(u32),
}

#[derive(Debug)]
pub struct Page {
    pub records: Vec<Raw>,
    /// Records of the page that are not even an order object (no id): kept for the inbox
    /// as (position in the page, text, why).
    pub unreadable: Vec<(usize, String, String)>,
    /// `None` at the end.
    pub next: Option<PageToken>,
}

/// A connection's secrets, as the keyring holds them (never stored elsewhere).
#[derive(Clone)]
pub enum Credentials {
    /// Shopify: an Admin API access token (`shpat_…`, from a custom app).
    ShopifyToken { access_token: String },
    /// Shopify: a Dev Dashboard app's client id and secret (client-credentials grant).
    ShopifyClient {
        client_id: String,
        client_secret: String,
    },
    /// WooCommerce: a REST API key pair (`ck_…`/`cs_…`).
    WooKeys { key: String, secret: String },
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secret itself.
        f.write_str(match self {
            Credentials::ShopifyToken { .. } => "ShopifyToken(…)",
            Credentials::ShopifyClient { .. } => "ShopifyClient(…)",
            Credentials::WooKeys { .. } => "WooKeys(…)",
        })
    }
}

/// A connector ready to talk to one connection.
pub enum Connector {
    Shopify(shopify::Shopify),
    Woo(woo::Woo),
}

/// The connector's settings besides its secrets.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// The connection's display name (the orders' `connection_name`).
    pub name: String,
    /// e.g. `https://my-shop.myshopify.com` or `https://shop.example/`: sandbox, proxy or a
    /// local test double all go here.
    pub base_url: String,
    /// Shopify's pinned API version (`2026-10`); ignored by WooCommerce.
    pub api_version: Option<String>,
    /// Orders per page (the vendors' maximum by default: 250 Shopify, 100 WooCommerce).
    pub page_size: Option<u32>,
}

impl Connector {
    pub fn new(
        kind: oms_domain::ChannelKind,
        endpoint: Endpoint,
        credentials: Credentials,
        http: http::Http,
    ) -> Result<Self, SyncError> {
        use oms_domain::ChannelKind;
        match kind {
            ChannelKind::Shopify => Ok(Connector::Shopify(shopify::Shopify::new(
                endpoint,
                credentials,
                http,
            )?)),
            ChannelKind::Woocommerce => {
                Ok(Connector::Woo(woo::Woo::new(endpoint, credentials, http)?))
            }
            other => Err(SyncError::config(format!(
                "no connector for {} yet",
                other.as_str()
            ))),
        }
    }

    /// Checks a connection's settings before anything is stored: a connector for the kind, a
    /// usable base URL, a well-formed API version. No request, no client.
    pub fn check(kind: oms_domain::ChannelKind, endpoint: &Endpoint) -> Result<(), SyncError> {
        use oms_domain::ChannelKind;
        base(&endpoint.base_url)?;
        match kind {
            ChannelKind::Shopify => shopify::check_version(endpoint.api_version.as_deref()),
            ChannelKind::Woocommerce => Ok(()),
            other => Err(SyncError::config(format!(
                "no connector for {} yet",
                other.as_str()
            ))),
        }
    }

    /// One page of orders changed at or after `since`.
    pub async fn fetch(
        &mut self,
        since: i64,
        token: Option<&PageToken>,
    ) -> Result<Page, SyncError> {
        match self {
            Connector::Shopify(c) => c.fetch(since, token).await,
            Connector::Woo(c) => c.fetch(since, token).await,
        }
    }

    /// The returns the channel reports with an order (Shopify's returns; WooCommerce has none).
    pub fn returns_of(&self, raw: &Raw) -> Vec<ChannelReturn> {
        match self {
            Connector::Shopify(c) => c.returns_of(raw),
            Connector::Woo(_) => Vec::new(),
        }
    }

    /// Maps one payload; the error says which field is wrong.
    pub fn map(&self, raw: &Raw) -> Result<NewOrder, MapError> {
        match self {
            Connector::Shopify(c) => c.map(raw),
            Connector::Woo(c) => c.map(raw),
        }
    }

    /// Checks the credentials with the cheapest call there is; says what the shop is called.
    pub async fn test(&mut self) -> Result<String, SyncError> {
        match self {
            Connector::Shopify(c) => c.test().await,
            Connector::Woo(c) => c.test().await,
        }
    }
}

/// `base_url` without a trailing slash, or a config error naming the problem.
fn base(url: &str) -> Result<String, SyncError> {
    let u = url.trim().trim_end_matches('/');
    if !(u.starts_with("https://") || u.starts_with("http://")) {
        return Err(SyncError::config(format!(
            "base URL {url:?}: must start with https:// (or http:// for a local test server)"
        )));
    }
    Ok(u.to_owned())
}
