//! A Shopify stand-in on 127.0.0.1 for `oms bench --sync` and `oms fake-channel`: the GraphQL
//! Admin API's `orders` connection (cursor pages, `extensions.cost`) over demo orders, answered
//! from pages built up front so that the server costs next to nothing.

use oms_app::domain::NewOrder;
use serde_json::{json, Value};
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// Amount in minor units as the API writes it ("12.50").
fn amount(minor: i64, exponent: u32) -> String {
    oms_app::domain::format_minor(minor, exponent)
}

fn money(minor: i64, o: &NewOrder) -> Value {
    json!({ "shopMoney": { "amount": amount(minor, o.currency.exponent()), "currencyCode": o.currency.as_str() } })
}

/// One demo order as a GraphQL `Order` node of the fields our query asks for.
pub fn shopify_node(o: &NewOrder, id: u64) -> Value {
    let a = o.ship_to.as_ref();
    json!({
        "id": format!("gid://shopify/Order/{id}"),
        "name": format!("#{}", 1000 + id),
        "createdAt": oms_app::domain::format_instant(o.placed_at),
        "updatedAt": oms_app::domain::format_instant(o.updated_at.unwrap_or(o.placed_at)),
        "cancelledAt": null, "cancelReason": null,
        "currencyCode": o.currency.as_str(),
        "displayFinancialStatus": "PAID",
        "displayFulfillmentStatus": "UNFULFILLED",
        "email": o.email.as_ref().map(|e| e.as_str()),
        "phone": o.phone,
        "tags": o.tags.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
        "customer": { "firstName": o.customer_name, "lastName": "", "email": o.email.as_ref().map(|e| e.as_str()), "phone": null },
        "shippingAddress": a.map(|a| json!({
            "name": a.name, "company": a.company, "address1": a.line1, "address2": a.line2, "city": a.city,
            "province": a.region, "provinceCode": a.region, "zip": a.postal_code,
            "countryCodeV2": a.country.as_str(), "phone": a.phone
        })),
        "shippingLine": o.shipping_service.as_ref().map(|s| json!({ "title": s, "code": s })),
        "currentShippingPriceSet": money(o.shipping_total, o),
        "currentTotalTaxSet": money(o.tax_total, o),
        "currentTotalDiscountsSet": money(o.discount_total, o),
        "lineItems": {
            "pageInfo": { "hasNextPage": false },
            "nodes": o.lines.iter().enumerate().map(|(i, l)| json!({
                "id": format!("gid://shopify/LineItem/{}", id * 100 + i as u64),
                "sku": l.sku.as_str(), "name": l.title,
                "quantity": l.quantity.get(), "currentQuantity": l.quantity.get(),
                "originalUnitPriceSet": money(l.unit_price, o)
            })).collect::<Vec<_>>()
        }
    })
}

/// The pages of `orders`, each a whole response body; page `n`'s end cursor is `c{n+1}`.
pub fn shopify_pages(orders: &[NewOrder], per_page: usize) -> Vec<String> {
    let chunks: Vec<&[NewOrder]> = orders.chunks(per_page.max(1)).collect();
    let n = chunks.len();
    chunks
        .iter()
        .enumerate()
        .map(|(p, chunk)| {
            let nodes: Vec<Value> = chunk
                .iter()
                .enumerate()
                .map(|(i, o)| shopify_node(o, (p * per_page + i + 1) as u64))
                .collect();
            json!({
                "data": { "orders": {
                    "pageInfo": { "hasNextPage": p + 1 < n, "endCursor": format!("c{}", p + 1) },
                    "nodes": nodes
                }},
                "extensions": { "cost": {
                    "requestedQueryCost": 252, "actualQueryCost": 252,
                    "throttleStatus": { "maximumAvailable": 20000.0, "currentlyAvailable": 19748, "restoreRate": 1000.0 }
                }}
            })
            .to_string()
        })
        .collect()
}

/// Answers each GraphQL request with the page its `after` cursor names.
struct Pages(Vec<String>);

impl Respond for Pages {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let v: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        if v.get("query")
            .and_then(Value::as_str)
            .is_some_and(|q| q.contains("shop {"))
        {
            return ResponseTemplate::new(200).set_body_json(json!({
                "data": { "shop": { "name": "Bench shop", "myshopifyDomain": "bench.myshopify.com", "currencyCode": "EUR" } }
            }));
        }
        let page = v
            .pointer("/variables/after")
            .and_then(Value::as_str)
            .and_then(|c| c.strip_prefix('c'))
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(0);
        match self.0.get(page) {
            Some(body) => ResponseTemplate::new(200)
                .insert_header("content-type", "application/json")
                .set_body_raw(body.clone().into_bytes(), "application/json"),
            None => ResponseTemplate::new(400).set_body_string("no such page"),
        }
    }
}

/// Starts the stand-in; its `uri()` is the connection's base URL.
pub async fn serve_shopify(pages: Vec<String>) -> MockServer {
    // Not recording requests: a long run would keep every body in memory.
    let server = MockServer::builder()
        .disable_request_recording()
        .start()
        .await;
    Mock::given(method("POST"))
        .and(path_regex(r"^/admin/api/[0-9a-z-]+/graphql\.json$"))
        .respond_with(Pages(pages))
        .mount(&server)
        .await;
    server
}
