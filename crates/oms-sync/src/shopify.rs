//! Shopify through the GraphQL Admin API (the REST Admin API is legacy), at a pinned,
//! configurable version. Authenticated with an Admin API access token, or with a Dev Dashboard
//! app's client id and secret exchanged for a token (client-credentials grant; the token lives
//! in memory and is fetched again when it expires).
//!
//! Rate limits: every response's `extensions.cost.throttleStatus` says how many cost points
//! are left and how fast they come back; before a query that would not fit, the connector waits
//! for the points. A THROTTLED error waits the same way and asks again; a query over the
//! single-query limit (MAX_COST_EXCEEDED) is asked again with half the page.

use crate::http::{vendor_message, Http};
use crate::money::{address, minor, sku, tags, text};
use crate::{base, Credentials, Endpoint, MapError, Page, PageToken, Raw, SyncError};
use oms_domain::{
    format_instant, parse_instant, ChannelKind, Currency, Email, NewOrder, NewOrderLine,
    OrderStatus, PaymentStatus, Quantity,
};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// The API version used unless the connection names another.
pub const DEFAULT_API_VERSION: &str = "2026-10";
/// Orders per page by default (the nested line items make each order cost points).
pub const DEFAULT_PAGE: u32 = 50;
/// Line items fetched per order; an order with more is quarantined rather than cut short.
const LINES_PER_ORDER: u32 = 100;
/// THROTTLED answers in a row before the run gives up.
const MAX_THROTTLED: u32 = 20;

const ORDERS_QUERY: &str = r#"query Orders($first: Int!, $after: String, $query: String, $lines: Int!) {
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id name createdAt updatedAt cancelledAt cancelReason
      currencyCode displayFinancialStatus displayFulfillmentStatus
      email phone tags
      customer { firstName lastName email phone }
      shippingAddress { name company address1 address2 city province provinceCode zip countryCodeV2 phone }
      shippingLine { title code }
      currentShippingPriceSet { shopMoney { amount currencyCode } }
      currentTotalTaxSet { shopMoney { amount currencyCode } }
      currentTotalDiscountsSet { shopMoney { amount currencyCode } }
      lineItems(first: $lines) {
        pageInfo { hasNextPage }
        nodes { id sku name quantity currentQuantity originalUnitPriceSet { shopMoney { amount currencyCode } } }
      }
      returns(first: 10) {
        nodes {
          id status
          returnLineItems(first: 50) {
            nodes { quantity returnReason customerNote ... on ReturnLineItem { fulfillmentLineItem { lineItem { sku } } } }
          }
        }
      }
    }
  }
}"#;

mod push;
pub use push::STOCK_BATCH;

const SHOP_QUERY: &str = "query { shop { name myshopifyDomain currencyCode } }";

pub struct Shopify {
    endpoint: Endpoint,
    base: String,
    version: String,
    credentials: Credentials,
    http: Http,
    page: u32,
    /// A token from the client-credentials grant and when it stops working.
    token: Option<(String, Instant)>,
    /// Points needed and available after the last answer, and points restored per second.
    budget: Option<(f64, f64, f64)>,
    /// The shop's first location, where stock goes when no location is mapped.
    first_location: Option<String>,
}

impl Shopify {
    pub fn new(
        endpoint: Endpoint,
        credentials: Credentials,
        http: Http,
    ) -> Result<Self, SyncError> {
        match credentials {
            Credentials::ShopifyToken { .. } | Credentials::ShopifyClient { .. } => {}
            Credentials::WooKeys { .. } => {
                return Err(SyncError::config(
                    "a Shopify connection needs an access token or a client id and secret".into(),
                ))
            }
        }
        check_version(endpoint.api_version.as_deref())?;
        let version = endpoint
            .api_version
            .clone()
            .unwrap_or_else(|| DEFAULT_API_VERSION.into());
        Ok(Self {
            base: base(&endpoint.base_url)?,
            page: endpoint.page_size.unwrap_or(DEFAULT_PAGE).clamp(1, 250),
            endpoint,
            version,
            credentials,
            http,
            token: None,
            budget: None,
            first_location: None,
        })
    }

    fn graphql_url(&self) -> String {
        format!("{}/admin/api/{}/graphql.json", self.base, self.version)
    }

    async fn access_token(&mut self) -> Result<String, SyncError> {
        match &self.credentials {
            Credentials::ShopifyToken { access_token } => Ok(access_token.clone()),
            Credentials::ShopifyClient {
                client_id,
                client_secret,
            } => {
                if let Some((t, until)) = &self.token {
                    if Instant::now() < *until {
                        return Ok(t.clone());
                    }
                }
                let url = format!("{}/admin/oauth/access_token", self.base);
                let body = json!({
                    "client_id": client_id,
                    "client_secret": client_secret,
                    "grant_type": "client_credentials",
                });
                let r = self.http.send(|c| c.post(&url).json(&body)).await?;
                let v: Value = serde_json::from_slice(&r.body).map_err(|e| {
                    SyncError::bad_response(format!("the token answer is not JSON: {e}"))
                })?;
                let token = text(&v, "access_token")
                    .ok_or_else(|| {
                        SyncError::unauthorized(format!(
                            "no access token in the answer: {}",
                            vendor_message(&r.body)
                        ))
                    })?
                    .to_owned();
                // Fetched again a minute before it runs out.
                let life = v.get("expires_in").and_then(Value::as_u64).unwrap_or(3_600);
                let until = Instant::now() + Duration::from_secs(life.saturating_sub(60).max(1));
                self.token = Some((token.clone(), until));
                Ok(token)
            }
            Credentials::WooKeys { .. } => Err(SyncError::config("wrong credentials".into())),
        }
    }

    /// One GraphQL request; returns `data`.
    async fn query(&mut self, query: &str, variables: Value) -> Result<Value, SyncError> {
        let body = self.request(query, variables, false).await?;
        data_of(&body)
    }

    /// One mutation, not repeated blindly after a timeout or a server error (the caller looks
    /// at the shop before it tries again); returns `data`.
    async fn mutation(&mut self, query: &str, variables: Value) -> Result<Value, SyncError> {
        let body = self.request(query, variables, true).await?;
        data_of(&body)
    }

    async fn query_raw(&mut self, query: &str, variables: Value) -> Result<Vec<u8>, SyncError> {
        self.request(query, variables, false).await
    }
}

fn data_of(body: &[u8]) -> Result<Value, SyncError> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| SyncError::bad_response(format!("the answer is not JSON ({e})")))?;
    v.get("data")
        .cloned()
        .ok_or_else(|| SyncError::bad_response("the answer has no data".into()))
}

impl Shopify {
    /// One GraphQL request with the throttle handled; returns the whole body, checked to be
    /// JSON with data and without errors that stop it. `once`: a mutation, sent with
    /// `Http::send_once`.
    async fn request(
        &mut self,
        query: &str,
        mut variables: Value,
        once: bool,
    ) -> Result<Vec<u8>, SyncError> {
        let mut throttled = 0u32;
        let mut refreshed = false;
        loop {
            // Wait for the points the last query needed, if they are not there yet.
            if let Some((needed, available, rate)) = self.budget {
                if available < needed && rate > 0.0 {
                    let secs = ((needed - available) / rate).min(60.0);
                    tokio::time::sleep(Duration::from_secs_f64(secs)).await;
                }
            }
            let token = self.access_token().await?;
            let url = self.graphql_url();
            let body = json!({ "query": query, "variables": variables });
            let build = |c: &reqwest::Client| {
                c.post(&url)
                    .header("X-Shopify-Access-Token", &token)
                    .json(&body)
            };
            let sent = if once {
                self.http.send_once(build).await
            } else {
                self.http.send(build).await
            };
            let r = match sent {
                // A token from the grant that was revoked: fetch a new one, once.
                Err(e)
                    if e.kind == crate::SyncErrorKind::Unauthorized
                        && self.token.is_some()
                        && !refreshed =>
                {
                    self.token = None;
                    refreshed = true;
                    continue;
                }
                other => other?,
            };
            // Only the envelope: errors and cost; the data is skipped over, not built.
            let v: Envelope = serde_json::from_slice(&r.body).map_err(|e| {
                SyncError::bad_response(format!(
                    "the answer is not JSON ({e}); it starts: {}",
                    vendor_message(&r.body)
                ))
            })?;
            let v = json!({ "errors": v.errors, "extensions": v.extensions, "data": v.data.map(|_| true) });
            self.note_cost(&v);
            match error_code(&v) {
                Some("THROTTLED") => {
                    throttled += 1;
                    if throttled > MAX_THROTTLED {
                        return Err(SyncError::rate_limited(
                            format!("throttled {throttled} times in a row"),
                            None,
                        ));
                    }
                    // Without a cost report, a second and growing.
                    if self.budget.is_none() {
                        tokio::time::sleep(Duration::from_secs(u64::from(throttled.min(10)))).await;
                    } else if let Some(b) = self.budget.as_mut() {
                        // Make sure the wait above happens even if the answer said nothing new.
                        b.1 = b.1.min(b.0 - 1.0);
                    }
                    continue;
                }
                Some("ACCESS_DENIED") | Some("UNAUTHORIZED") => {
                    return Err(SyncError::unauthorized(first_message(&v)))
                }
                Some("MAX_COST_EXCEEDED") if self.page > 1 && variables.get("first").is_some() => {
                    self.page = (self.page / 2).max(1);
                    variables["first"] = json!(self.page);
                    continue;
                }
                Some(_) => return Err(SyncError::rejected(first_message(&v))),
                None => {}
            }
            if let Some(errors) = v.get("errors").filter(|e| !e.is_null()) {
                if v.get("data").is_none_or(Value::is_null) {
                    return Err(SyncError::rejected(format!("GraphQL errors: {errors}")));
                }
            }
            if v.get("data").is_none_or(Value::is_null) {
                return Err(SyncError::bad_response("the answer has no data".into()));
            }
            return Ok(r.body);
        }
    }

    fn note_cost(&mut self, v: &Value) {
        let cost = v.pointer("/extensions/cost");
        let needed = cost
            .and_then(|c| c.get("requestedQueryCost"))
            .and_then(Value::as_f64);
        let t = cost.and_then(|c| c.get("throttleStatus"));
        let available = t
            .and_then(|t| t.get("currentlyAvailable"))
            .and_then(Value::as_f64);
        let rate = t.and_then(|t| t.get("restoreRate")).and_then(Value::as_f64);
        if let (Some(n), Some(a), Some(r)) = (needed, available, rate) {
            self.budget = Some((n, a, r));
        }
    }

    pub async fn fetch(
        &mut self,
        since: i64,
        token: Option<&PageToken>,
    ) -> Result<Page, SyncError> {
        let after = match token {
            Some(PageToken::After(c)) => Some(c.clone()),
            _ => None,
        };
        let query = format!("updated_at:>='{}'", format_instant(since));
        let first = self.page;
        let body = self
            .query_raw(
                ORDERS_QUERY,
                json!({ "first": first, "after": after, "query": query, "lines": LINES_PER_ORDER }),
            )
            .await?;
        // Each order is kept as the text the API sent (RawValue); only its id and updatedAt
        // are read here.
        let page: OrdersBody<'_> = serde_json::from_slice(&body).map_err(|e| {
            SyncError::bad_response(format!("the orders are not in the documented shape: {e}"))
        })?;
        let orders = page
            .data
            .and_then(|d| d.orders)
            .ok_or_else(|| SyncError::bad_response("the answer has no orders".into()))?;
        let nodes = orders
            .nodes
            .ok_or_else(|| SyncError::bad_response("the orders have no nodes".into()))?;
        let mut records = Vec::with_capacity(nodes.len());
        let mut unreadable = Vec::new();
        for (i, n) in nodes.iter().enumerate() {
            let payload = n.get().to_owned();
            let head: Head = serde_json::from_str(n.get()).unwrap_or_default();
            let at = head.updated_at.as_deref().map(parse_instant);
            match (head.id.as_deref().filter(|s| !s.is_empty()), at) {
                (Some(id), Some(Ok(at))) => records.push(Raw {
                    external_id: legacy_id(id).to_owned(),
                    updated_at: at,
                    payload,
                }),
                (None, _) => unreadable.push((i, payload, "an order without an id".into())),
                (Some(_), _) => {
                    unreadable.push((i, payload, "an order without a valid updatedAt".into()))
                }
            }
        }
        let info = orders.page_info.unwrap_or_default();
        let next = match info.end_cursor {
            Some(c) if info.has_next_page.unwrap_or(false) && !c.is_empty() => {
                Some(PageToken::After(c))
            }
            _ => None,
        };
        Ok(Page {
            records,
            unreadable,
            next,
        })
    }

    pub async fn test(&mut self) -> Result<String, SyncError> {
        let data = self.query(SHOP_QUERY, json!({})).await?;
        let shop = data
            .get("shop")
            .ok_or_else(|| SyncError::bad_response("the answer has no shop".into()))?;
        Ok(format!(
            "Connected to {} ({}), API {}",
            text(shop, "name").unwrap_or("the shop"),
            text(shop, "myshopifyDomain").unwrap_or(&self.base),
            self.version
        ))
    }

    /// The returns the shop has for an order (`returns` of the orders query): id, status
    /// (REQUESTED, OPEN, CLOSED, DECLINED, CANCELED) and per line the SKU, units, the shop's
    /// reason and the customer's note. A payload without returns has none.
    pub fn returns_of(&self, raw: &Raw) -> Vec<crate::ChannelReturn> {
        let Ok(o) = serde_json::from_str::<Value>(&raw.payload) else {
            return Vec::new();
        };
        o.pointer("/returns/nodes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|r| {
                let lines = r
                    .pointer("/returnLineItems/nodes")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|l| {
                        Some(crate::ChannelReturnLine {
                            sku: l
                                .pointer("/fulfillmentLineItem/lineItem/sku")
                                .and_then(Value::as_str)?
                                .trim()
                                .to_owned(),
                            quantity: l.get("quantity").and_then(Value::as_i64)?,
                            reason: l
                                .get("returnReason")
                                .and_then(Value::as_str)
                                .unwrap_or("OTHER")
                                .to_owned(),
                            note: l
                                .get("customerNote")
                                .and_then(Value::as_str)
                                .map(str::trim)
                                .filter(|n| !n.is_empty())
                                .map(str::to_owned),
                        })
                    })
                    .collect();
                Some(crate::ChannelReturn {
                    id: r.get("id").and_then(Value::as_str)?.to_owned(),
                    status: r
                        .get("status")
                        .and_then(Value::as_str)
                        .unwrap_or("OPEN")
                        .to_owned(),
                    lines,
                })
            })
            .collect()
    }

    pub fn map(&self, raw: &Raw) -> Result<NewOrder, MapError> {
        let o: Value = serde_json::from_str(&raw.payload).map_err(|e| format!("not JSON: {e}"))?;
        let currency = Currency::parse(text(&o, "currencyCode").ok_or("currencyCode: missing")?)
            .map_err(|e| e.to_string())?;
        let current_money = |field: &str, older: &str| {
            let at = |f: &str| o.pointer(&format!("/{f}/shopMoney/amount"));
            match at(field) {
                Some(v) => minor(Some(v), currency, field),
                None => minor(at(older), currency, older),
            }
        };
        let placed_at = parse_instant(text(&o, "createdAt").ok_or("createdAt: missing")?)
            .map_err(|e| format!("createdAt: {e}"))?;
        let customer = o.get("customer").filter(|c| !c.is_null());
        let ship = o.get("shippingAddress").filter(|a| !a.is_null());
        let person = |c: &Value| {
            let first = text(c, "firstName").unwrap_or_default();
            let last = text(c, "lastName").unwrap_or_default();
            format!("{first} {last}").trim().to_owned()
        };
        let customer_name = ship
            .and_then(|a| text(a, "name"))
            .map(str::to_owned)
            .or_else(|| customer.map(person).filter(|n| !n.is_empty()))
            .or_else(|| text(&o, "email").map(str::to_owned))
            .unwrap_or_else(|| "Shopify customer".into());
        let email = text(&o, "email")
            .or_else(|| customer.and_then(|c| text(c, "email")))
            .and_then(|e| Email::parse(e).ok());
        let ship_to = match ship {
            Some(a) => address(
                text(a, "name").unwrap_or(&customer_name).to_owned(),
                text(a, "company"),
                text(a, "address1"),
                text(a, "address2"),
                text(a, "city"),
                text(a, "provinceCode").or_else(|| text(a, "province")),
                text(a, "zip"),
                text(a, "countryCodeV2"),
                text(a, "phone"),
            )
            .map_err(|e| format!("shippingAddress: {e}"))?,
            None => None,
        };
        let items = o.pointer("/lineItems/nodes").and_then(Value::as_array);
        if o.pointer("/lineItems/pageInfo/hasNextPage")
            .and_then(Value::as_bool)
            == Some(true)
        {
            return Err(MapError(format!(
                "more than {LINES_PER_ORDER} line items: not imported, so that no line is lost"
            )));
        }
        let current = |li: &Value| {
            li.get("currentQuantity")
                .or_else(|| li.get("quantity"))
                .and_then(Value::as_i64)
                .unwrap_or(0)
        };
        // A line removed by an edit has a current quantity of 0 and is left out; when no line
        // is left (a cancelled or fully refunded order) the order keeps what was ordered, so
        // that the cancellation itself is imported.
        let none_left = items.into_iter().flatten().all(|li| current(li) <= 0);
        let mut lines = Vec::new();
        for (i, li) in items.into_iter().flatten().enumerate() {
            let qty = if none_left {
                li.get("quantity").and_then(Value::as_i64).unwrap_or(0)
            } else {
                current(li)
            };
            if qty <= 0 {
                continue;
            }
            let id = text(li, "id").map(legacy_id).unwrap_or("0");
            lines.push(NewOrderLine {
                sku: sku(text(li, "sku"), &format!("shopify-line-{id}"))
                    .map_err(|e| format!("lineItems[{i}].sku: {e}"))?,
                title: text(li, "name").unwrap_or_default().to_owned(),
                quantity: Quantity::new(qty).map_err(|e| format!("lineItems[{i}]: {e}"))?,
                unit_price: minor(
                    li.pointer("/originalUnitPriceSet/shopMoney/amount"),
                    currency,
                    &format!("lineItems[{i}].originalUnitPriceSet"),
                )?,
            });
        }
        let cancelled = o.get("cancelledAt").is_some_and(|c| !c.is_null());
        let status = if cancelled {
            OrderStatus::Cancelled
        } else {
            match text(&o, "displayFulfillmentStatus") {
                Some("FULFILLED") => OrderStatus::Shipped,
                Some("PARTIALLY_FULFILLED") => OrderStatus::PartiallyShipped,
                _ => OrderStatus::Pending,
            }
        };
        let payment_status = match text(&o, "displayFinancialStatus") {
            Some("PAID") => PaymentStatus::Paid,
            Some("AUTHORIZED") => PaymentStatus::Authorized,
            Some("PARTIALLY_REFUNDED") => PaymentStatus::PartiallyRefunded,
            Some("REFUNDED") => PaymentStatus::Refunded,
            Some("VOIDED") => PaymentStatus::Voided,
            Some("EXPIRED") => PaymentStatus::Failed,
            // PENDING, PARTIALLY_PAID and anything new: not paid in full yet.
            _ => PaymentStatus::Pending,
        };
        let tag_list: Vec<&str> = match o.get("tags") {
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
            Some(Value::String(s)) => s.split(',').collect(),
            _ => Vec::new(),
        };
        Ok(NewOrder {
            channel: ChannelKind::Shopify,
            connection_name: self.endpoint.name.clone(),
            external_id: raw.external_id.clone(),
            order_number: text(&o, "name").unwrap_or(&raw.external_id).to_owned(),
            placed_at,
            updated_at: Some(raw.updated_at),
            currency,
            // The current amounts (after edits and refunds), like the current line quantities.
            shipping_total: current_money("currentShippingPriceSet", "totalShippingPriceSet")?,
            tax_total: current_money("currentTotalTaxSet", "totalTaxSet")?,
            discount_total: current_money("currentTotalDiscountsSet", "totalDiscountsSet")?,
            payment_status,
            status,
            priority: 0,
            tags: tags(tag_list.into_iter()),
            customer_name,
            email,
            phone: text(&o, "phone")
                .or_else(|| customer.and_then(|c| text(c, "phone")))
                .map(str::to_owned),
            ship_to,
            bill_to: None,
            shipping_service: o
                .get("shippingLine")
                .and_then(|s| text(s, "title"))
                .map(str::to_owned),
            ship_by: None,
            lines,
        })
    }
}

/// `gid://shopify/Order/450789469` → `450789469` (the id the admin shows).
fn legacy_id(gid: &str) -> &str {
    gid.rsplit('/').next().unwrap_or(gid)
}

/// An API version of the form YYYY-MM (or "unstable"); none means the default.
pub(crate) fn check_version(v: Option<&str>) -> Result<(), SyncError> {
    match v {
        Some(v) if !valid_version(v) => Err(SyncError::config(format!(
            "API version {v:?}: expected YYYY-MM, e.g. {DEFAULT_API_VERSION}"
        ))),
        _ => Ok(()),
    }
}

fn valid_version(v: &str) -> bool {
    let b = v.as_bytes();
    v == "unstable"
        || (b.len() == 7
            && b[4] == b'-'
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || c.is_ascii_digit()))
}

fn error_code(v: &Value) -> Option<&str> {
    v.get("errors")?
        .as_array()?
        .iter()
        .find_map(|e| e.pointer("/extensions/code").and_then(Value::as_str))
}

fn first_message(v: &Value) -> String {
    v.get("errors")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(|e| e.get("message"))
        .and_then(Value::as_str)
        .unwrap_or("the API refused the query")
        .to_owned()
}

/// The parts of a GraphQL answer the throttle and the error handling read.
#[derive(serde::Deserialize)]
struct Envelope {
    #[serde(default)]
    errors: Option<Value>,
    #[serde(default)]
    extensions: Option<Value>,
    #[serde(default)]
    data: Option<serde::de::IgnoredAny>,
}

#[derive(serde::Deserialize)]
struct OrdersBody<'a> {
    #[serde(borrow, default)]
    data: Option<OrdersData<'a>>,
}

#[derive(serde::Deserialize)]
struct OrdersData<'a> {
    #[serde(borrow, default)]
    orders: Option<OrdersConnection<'a>>,
}

#[derive(serde::Deserialize)]
struct OrdersConnection<'a> {
    #[serde(rename = "pageInfo", default)]
    page_info: Option<PageInfo>,
    #[serde(borrow, default)]
    nodes: Option<Vec<&'a serde_json::value::RawValue>>,
}

#[derive(serde::Deserialize, Default)]
struct PageInfo {
    #[serde(rename = "hasNextPage", default)]
    has_next_page: Option<bool>,
    #[serde(rename = "endCursor", default)]
    end_cursor: Option<String>,
}

/// An order's id and version, read without building the rest.
#[derive(serde::Deserialize, Default)]
struct Head {
    #[serde(default)]
    id: Option<String>,
    #[serde(rename = "updatedAt", default)]
    updated_at: Option<String>,
}
