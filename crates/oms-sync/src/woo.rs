//! WooCommerce through its REST API v3 (`/wp-json/wc/v3`), authenticated with a REST key pair
//! over HTTPS Basic auth. Orders are listed oldest change first (`orderby=modified`,
//! `modified_after`, GMT dates), a page at a time; `X-WP-TotalPages` says where the end is.

use crate::http::{vendor_message, Http};
use crate::money::{address, minor, sku, tags, text};
use crate::{base, Credentials, Endpoint, MapError, Page, PageToken, Raw, SyncError};
use oms_domain::{
    format_instant, parse_instant, ChannelKind, Currency, Email, NewOrder, NewOrderLine,
    OrderStatus, PaymentStatus, Quantity,
};
use serde_json::Value;

mod push;
pub use push::STOCK_BATCH;

/// The API's maximum page.
pub const DEFAULT_PAGE: u32 = 100;

pub struct Woo {
    endpoint: Endpoint,
    base: String,
    key: String,
    secret: String,
    http: Http,
    page: u32,
}

impl Woo {
    pub fn new(
        endpoint: Endpoint,
        credentials: Credentials,
        http: Http,
    ) -> Result<Self, SyncError> {
        let Credentials::WooKeys { key, secret } = credentials else {
            return Err(SyncError::config(
                "a WooCommerce connection needs a consumer key and secret".into(),
            ));
        };
        Ok(Self {
            base: base(&endpoint.base_url)?,
            page: endpoint.page_size.unwrap_or(DEFAULT_PAGE).clamp(1, 100),
            endpoint,
            key,
            secret,
            http,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}/wp-json/wc/v3/{path}", self.base)
    }

    pub async fn fetch(
        &mut self,
        since: i64,
        token: Option<&PageToken>,
    ) -> Result<Page, SyncError> {
        let page = match token {
            Some(PageToken::Page(n)) => *n,
            _ => 1,
        };
        let url = self.url("orders");
        // modified_after is exclusive and to the second: one second back.
        let after = format_instant(since - 1000);
        let after = after.trim_end_matches('Z').to_owned();
        let per_page = self.page.to_string();
        let page_s = page.to_string();
        let r = self
            .http
            .send(|c| {
                c.get(&url)
                    .basic_auth(&self.key, Some(&self.secret))
                    .query(&[
                        ("per_page", per_page.as_str()),
                        ("page", page_s.as_str()),
                        ("orderby", "modified"),
                        ("order", "asc"),
                        ("modified_after", after.as_str()),
                        ("dates_are_gmt", "true"),
                        ("status", "any"),
                    ])
            })
            .await?;
        // Each order is kept as the text the API sent; only its id and dates are read here.
        let list: Vec<&serde_json::value::RawValue> =
            serde_json::from_slice(&r.body).map_err(|e| {
                SyncError::bad_response(format!(
                    "the order list is not a JSON array ({e}); it starts: {}",
                    vendor_message(&r.body)
                ))
            })?;
        let total_pages: u32 = r
            .header("x-wp-totalpages")
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(page);
        let mut records = Vec::with_capacity(list.len());
        let mut unreadable = Vec::new();
        for (i, o) in list.iter().enumerate() {
            let payload = o.get().to_owned();
            let head: Head = serde_json::from_str(o.get()).unwrap_or_default();
            let at = head
                .date_modified_gmt
                .as_deref()
                .or(head.date_created_gmt.as_deref())
                .filter(|s| !s.is_empty())
                .map(gmt);
            match (head.id, at) {
                (Some(id), Some(Ok(at))) => records.push(Raw {
                    external_id: id.to_string(),
                    updated_at: at,
                    payload,
                }),
                (None, _) => unreadable.push((i, payload, "an order without an id".into())),
                (Some(_), _) => unreadable.push((
                    i,
                    payload,
                    "an order without a valid date_modified_gmt".into(),
                )),
            }
        }
        let next = (page < total_pages && !list.is_empty()).then_some(PageToken::Page(page + 1));
        Ok(Page {
            records,
            unreadable,
            next,
        })
    }

    pub async fn test(&mut self) -> Result<String, SyncError> {
        let url = self.url("system_status");
        let r = self
            .http
            .send(|c| c.get(&url).basic_auth(&self.key, Some(&self.secret)))
            .await?;
        let v: Value = serde_json::from_slice(&r.body)
            .map_err(|e| SyncError::bad_response(format!("the answer is not JSON: {e}")))?;
        let site = v
            .pointer("/environment/site_url")
            .and_then(Value::as_str)
            .unwrap_or(&self.base);
        let version = v
            .pointer("/environment/version")
            .and_then(Value::as_str)
            .unwrap_or("?");
        Ok(format!("Connected to {site} (WooCommerce {version})"))
    }

    pub fn map(&self, raw: &Raw) -> Result<NewOrder, MapError> {
        let o: Value = serde_json::from_str(&raw.payload).map_err(|e| format!("not JSON: {e}"))?;
        let currency = Currency::parse(text(&o, "currency").ok_or("currency: missing")?)
            .map_err(|e| e.to_string())?;
        let placed_at = gmt(text(&o, "date_created_gmt")
            .or_else(|| text(&o, "date_created"))
            .ok_or("date_created_gmt: missing")?)
        .map_err(|e| format!("date_created_gmt: {e}"))?;
        let empty = Value::Null;
        let billing = o.get("billing").unwrap_or(&empty);
        let shipping = o.get("shipping").unwrap_or(&empty);
        let full_name = |a: &Value| {
            format!(
                "{} {}",
                text(a, "first_name").unwrap_or_default(),
                text(a, "last_name").unwrap_or_default()
            )
            .trim()
            .to_owned()
        };
        let customer_name = [full_name(shipping), full_name(billing)]
            .into_iter()
            .find(|n| !n.is_empty())
            .or_else(|| text(billing, "email").map(str::to_owned))
            .unwrap_or_else(|| "WooCommerce customer".into());
        let addr = |a: &Value, what: &str| {
            let name = Some(full_name(a))
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| customer_name.clone());
            address(
                name,
                text(a, "company"),
                text(a, "address_1"),
                text(a, "address_2"),
                text(a, "city"),
                text(a, "state"),
                text(a, "postcode"),
                text(a, "country"),
                text(a, "phone"),
            )
            .map_err(|e| format!("{what}: {e}"))
        };
        let mut lines = Vec::new();
        for (i, li) in o
            .get("line_items")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let qty = li.get("quantity").and_then(Value::as_i64).unwrap_or(0);
            if qty <= 0 {
                continue;
            }
            let product = li
                .get("variation_id")
                .and_then(Value::as_i64)
                .filter(|v| *v > 0)
                .or_else(|| li.get("product_id").and_then(Value::as_i64))
                .unwrap_or(0);
            // `price` is a number and may be rounded; the line's subtotal over its quantity is
            // exact for what the customer was charged before discounts.
            let subtotal = minor(
                li.get("subtotal"),
                currency,
                &format!("line_items[{i}].subtotal"),
            )?;
            lines.push(NewOrderLine {
                sku: sku(text(li, "sku"), &format!("woo-product-{product}"))
                    .map_err(|e| format!("line_items[{i}].sku: {e}"))?,
                title: html_text(text(li, "name").unwrap_or_default()),
                quantity: Quantity::new(qty).map_err(|e| format!("line_items[{i}]: {e}"))?,
                // Rounded to the nearest minor unit (a subtotal that does not divide by the
                // quantity cannot be kept exactly with one unit price).
                unit_price: (subtotal + qty / 2).div_euclid(qty),
            });
        }
        let (status, payment_status) = match text(&o, "status").unwrap_or("pending") {
            "pending" => (OrderStatus::Pending, PaymentStatus::Pending),
            "processing" => (OrderStatus::Pending, PaymentStatus::Paid),
            "on-hold" => (OrderStatus::OnHold, PaymentStatus::Pending),
            "completed" => (OrderStatus::Shipped, PaymentStatus::Paid),
            "cancelled" => (OrderStatus::Cancelled, PaymentStatus::Voided),
            "refunded" => (OrderStatus::Cancelled, PaymentStatus::Refunded),
            "failed" => (OrderStatus::Cancelled, PaymentStatus::Failed),
            // Custom statuses from plugins: an open, unpaid order until told otherwise.
            _ => (OrderStatus::Pending, PaymentStatus::Pending),
        };
        let refunded: i64 = o
            .get("refunds")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|r| minor(r.get("total"), currency, "refunds").ok())
            .map(i64::abs)
            .sum();
        let payment_status = if refunded > 0 && payment_status == PaymentStatus::Paid {
            PaymentStatus::PartiallyRefunded
        } else {
            payment_status
        };
        let shipping_lines = o.get("shipping_lines").and_then(Value::as_array);
        let coupon_codes = o
            .get("coupon_lines")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|c| text(c, "code"))
            .map(|c| format!("coupon:{c}"))
            .collect::<Vec<_>>();
        let ship_to = addr(shipping, "shipping")?.or(addr(billing, "billing")?);
        let bill_to = addr(billing, "billing")?;
        Ok(NewOrder {
            channel: ChannelKind::Woocommerce,
            connection_name: self.endpoint.name.clone(),
            external_id: raw.external_id.clone(),
            order_number: text(&o, "number").unwrap_or(&raw.external_id).to_owned(),
            placed_at,
            updated_at: Some(raw.updated_at),
            currency,
            shipping_total: minor(o.get("shipping_total"), currency, "shipping_total")?,
            tax_total: minor(o.get("total_tax"), currency, "total_tax")?,
            discount_total: minor(o.get("discount_total"), currency, "discount_total")?,
            payment_status,
            status,
            priority: 0,
            tags: tags(coupon_codes.iter().map(String::as_str)),
            customer_name,
            email: text(billing, "email").and_then(|e| Email::parse(e).ok()),
            phone: text(billing, "phone").map(str::to_owned),
            ship_to,
            bill_to,
            shipping_service: shipping_lines
                .and_then(|s| s.first())
                .and_then(|s| text(s, "method_title"))
                .map(str::to_owned),
            ship_by: None,
            lines,
        })
    }
}

/// WooCommerce's GMT dates have no zone ("2017-03-22T19:28:08").
fn gmt(s: &str) -> Result<i64, oms_domain::ParseError> {
    let t = s.trim();
    if t.ends_with('Z') || t.contains('+') {
        parse_instant(t)
    } else {
        parse_instant(&format!("{t}Z"))
    }
}

/// Product names come HTML-escaped ("Ship Your Idea &ndash; Color: Black").
fn html_text(s: &str) -> String {
    // `&amp;` last: "&amp;lt;" is the text "&lt;", not "<".
    s.replace("&ndash;", "–")
        .replace("&mdash;", "—")
        .replace("&quot;", "\"")
        .replace("&#039;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// An order's id and dates, read without building the rest.
#[derive(serde::Deserialize, Default)]
struct Head {
    #[serde(default)]
    id: Option<i64>,
    #[serde(default)]
    date_modified_gmt: Option<String>,
    #[serde(default)]
    date_created_gmt: Option<String>,
}
