//! Shopify writes: fulfilments with tracking through the order's fulfilment orders, where the
//! parcel is as fulfilment events (`fulfillmentEventCreate`), order cancellation, stock through `inventorySetQuantities` (absolute, with an idempotency key,
//! required since API 2026-04).

use super::{legacy_id, Shopify};
use crate::money::text;
use crate::push::{
    CancelPush, DeliveryPush, FulfilmentPush, LineCancelPush, PushDone, RefundPush, StockPush,
    StockTarget,
};
use crate::SyncError;
use oms_domain::{format_instant, format_minor, parse_instant};
use serde_json::{json, Value};
use std::collections::BTreeMap;

const ORDER_FULFILMENT: &str = r#"query OrderFulfilment($id: ID!) {
  order(id: $id) {
    id cancelledAt
    fulfillments(first: 50) { id trackingInfo(first: 5) { number } }
    fulfillmentOrders(first: 20) {
      nodes { id status lineItems(first: 100) { nodes { id totalQuantity remainingQuantity lineItem { id sku } } } }
    }
  }
}"#;

const FULFILMENT_CREATE: &str = r#"mutation Fulfil($f: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $f) { fulfillment { id status } userErrors { field message } }
}"#;

const ORDER_DELIVERY: &str = r#"query OrderDelivery($id: ID!) {
  order(id: $id) {
    id
    fulfillments(first: 20) {
      id trackingInfo(first: 5) { number }
      events(first: 20, sortKey: HAPPENED_AT, reverse: true) { nodes { id status happenedAt } }
    }
  }
}"#;

const EVENT_CREATE: &str = r#"mutation Delivery($e: FulfillmentEventInput!) {
  fulfillmentEventCreate(fulfillmentEvent: $e) { fulfillmentEvent { id status happenedAt } userErrors { field message } }
}"#;

const ORDER_CANCELLED: &str = "query Cancelled($id: ID!) { order(id: $id) { id cancelledAt } }";

const ORDER_CANCEL: &str = r#"mutation Cancel($id: ID!, $note: String, $notify: Boolean) {
  orderCancel(orderId: $id, reason: OTHER, staffNote: $note, notifyCustomer: $notify, restock: false,
              refundMethod: { originalPaymentMethodsRefund: false }) {
    job { id }
    orderCancelUserErrors { code field message }
  }
}"#;

const ORDER_REFUNDS: &str = r#"query OrderRefunds($id: ID!) {
  order(id: $id) {
    id
    refunds(first: 50) { id note }
    transactions(first: 20) { id gateway kind status }
    lineItems(first: 100) { nodes { id sku } }
  }
}"#;

const REFUND_CREATE: &str = r#"mutation Refund($input: RefundInput!) {
  refundCreate(input: $input) { refund { id } userErrors { field message } }
}"#;

const EDIT_BEGIN: &str = r#"mutation EditBegin($id: ID!) {
  orderEditBegin(id: $id) {
    calculatedOrder { id lineItems(first: 100) { nodes { id sku quantity } } }
    userErrors { field message }
  }
}"#;

const EDIT_SET_QUANTITY: &str = r#"mutation EditSetQuantity($id: ID!, $line: ID!, $quantity: Int!) {
  orderEditSetQuantity(id: $id, lineItemId: $line, quantity: $quantity, restock: false) {
    calculatedLineItem { id quantity }
    userErrors { field message }
  }
}"#;

const EDIT_COMMIT: &str = r#"mutation EditCommit($id: ID!, $note: String) {
  orderEditCommit(id: $id, notifyCustomer: false, staffNote: $note) {
    order { id }
    userErrors { field message }
  }
}"#;

const VARIANT_BY_SKU: &str = r#"query Variant($q: String!) {
  productVariants(first: 5, query: $q) { nodes { id sku inventoryItem { id } } }
}"#;

const FIRST_LOCATION: &str = "query { locations(first: 1) { nodes { id } } }";

const SET_QUANTITIES: &str = r#"mutation SetStock($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { id }
    userErrors { code field message }
  }
}"#;

/// Stock quantities per `inventorySetQuantities` call (the API takes 250).
pub const STOCK_BATCH: usize = 250;

fn order_gid(id: &str) -> String {
    if id.starts_with("gid://") {
        id.to_owned()
    } else {
        format!("gid://shopify/Order/{id}")
    }
}

fn user_errors(v: Option<&Value>) -> Vec<(Option<usize>, String)> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|e| {
                    // ["input", "quantities", "3", "locationId"]: the fourth quantity.
                    let index = e
                        .get("field")
                        .and_then(Value::as_array)
                        .and_then(|f| f.get(2))
                        .and_then(|i| {
                            i.as_str()
                                .and_then(|s| s.parse().ok())
                                .or(i.as_u64().map(|n| n as usize))
                        });
                    let code = text(e, "code")
                        .map(|c| format!("{c}: "))
                        .unwrap_or_default();
                    (
                        index,
                        format!("{code}{}", text(e, "message").unwrap_or("refused")),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Our normalised tracking status as a `FulfillmentEventStatus`; `None`: the shop is not told.
/// A delivery exception is a `FAILURE` (the carrier's words say what went wrong): not every
/// exception is a delivery attempt (customs, damage, an address problem).
fn event_status(status: &str) -> Option<&'static str> {
    match status {
        "in_transit" => Some("IN_TRANSIT"),
        "out_for_delivery" => Some("OUT_FOR_DELIVERY"),
        "delivered" => Some("DELIVERED"),
        "exception" | "returned_to_sender" => Some("FAILURE"),
        _ => None,
    }
}

/// A line's key as our orders know it: its SKU, or the stand-in for a line without one.
fn line_key(li: &Value) -> String {
    match li
        .get("lineItem")
        .and_then(|l| text(l, "sku"))
        .filter(|s| !s.trim().is_empty())
    {
        Some(s) => s.trim().to_owned(),
        None => format!(
            "shopify-line-{}",
            li.get("lineItem")
                .and_then(|l| text(l, "id"))
                .map(legacy_id)
                .unwrap_or("0")
        ),
    }
}

impl Shopify {
    pub(crate) async fn fulfil(&mut self, f: &FulfilmentPush) -> Result<PushDone, SyncError> {
        let data = self
            .query(ORDER_FULFILMENT, json!({ "id": order_gid(&f.order) }))
            .await?;
        let order = data
            .get("order")
            .filter(|o| !o.is_null())
            .ok_or_else(|| SyncError::rejected(format!("order {} is not on the shop", f.order)))?;
        // Sent before (a retry after the answer was lost): the shop has the tracking number.
        if let Some(number) = f.tracking_number.as_deref() {
            let existing = order
                .get("fulfillments")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .find(|ful| {
                    ful.get("trackingInfo")
                        .and_then(Value::as_array)
                        .is_some_and(|t| t.iter().any(|i| text(i, "number") == Some(number)))
                });
            if let Some(ful) = existing {
                return Ok(PushDone {
                    external_ref: text(ful, "id").map(str::to_owned),
                    note: format!("the shop has the fulfilment with tracking {number} already"),
                    ..Default::default()
                });
            }
        }
        let fos: Vec<&Value> = order
            .pointer("/fulfillmentOrders/nodes")
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        // What the shop counts as fulfilled per line, and what is left to tell it.
        let mut done: BTreeMap<String, i64> = BTreeMap::new();
        for fo in &fos {
            for li in fo
                .pointer("/lineItems/nodes")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let total = li.get("totalQuantity").and_then(Value::as_i64).unwrap_or(0);
                let left = li
                    .get("remainingQuantity")
                    .and_then(Value::as_i64)
                    .unwrap_or(0);
                *done.entry(line_key(li)).or_default() += total - left;
            }
        }
        let mut want: BTreeMap<String, i64> = f
            .shipped
            .iter()
            .map(|(sku, q)| (sku.clone(), q - done.get(sku).copied().unwrap_or(0)))
            .filter(|(_, q)| *q > 0)
            .collect();
        let mut by_fo = Vec::new();
        let mut units = 0i64;
        for fo in &fos {
            let status = text(fo, "status").unwrap_or("");
            if !matches!(status, "OPEN" | "IN_PROGRESS") {
                continue;
            }
            let mut items = Vec::new();
            for li in fo
                .pointer("/lineItems/nodes")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let left = li
                    .get("remainingQuantity")
                    .and_then(Value::as_i64)
                    .unwrap_or(0);
                if let Some(w) = want.get_mut(&line_key(li)) {
                    let q = left.min(*w);
                    if q > 0 {
                        *w -= q;
                        units += q;
                        items.push(json!({ "id": text(li, "id"), "quantity": q }));
                    }
                }
            }
            if !items.is_empty() {
                by_fo.push(json!({ "fulfillmentOrderId": text(fo, "id"), "fulfillmentOrderLineItems": items }));
            }
        }
        if by_fo.is_empty() {
            return Ok(PushDone {
                note: "nothing left to fulfil on the shop".into(),
                ..Default::default()
            });
        }
        let mut input = json!({
            "lineItemsByFulfillmentOrder": by_fo,
            "notifyCustomer": f.notify_customer,
        });
        if let Some(number) = f.tracking_number.as_deref() {
            input["trackingInfo"] = json!({ "company": f.carrier, "number": number });
        }
        let data = self
            .mutation(FULFILMENT_CREATE, json!({ "f": input }))
            .await?;
        let r = data.get("fulfillmentCreate");
        let errors = user_errors(r.and_then(|r| r.get("userErrors")));
        if !errors.is_empty() {
            let all: Vec<String> = errors.into_iter().map(|e| e.1).collect();
            return Err(SyncError::rejected(format!(
                "the shop refused the fulfilment: {}",
                all.join("; ")
            )));
        }
        let id = r
            .and_then(|r| r.get("fulfillment"))
            .and_then(|f| text(f, "id"))
            .map(str::to_owned);
        Ok(PushDone {
            external_ref: id,
            note: match f.tracking_number.as_deref() {
                Some(n) => format!("fulfilled {units} units, {} {n}", f.carrier),
                None => format!("fulfilled {units} units, {}", f.carrier),
            },
            ..Default::default()
        })
    }

    pub(crate) async fn deliver(&mut self, d: &DeliveryPush) -> Result<PushDone, SyncError> {
        let Some(status) = event_status(&d.status) else {
            return Ok(d.not_told());
        };
        let number = d.tracking_number.as_str();
        let data = self
            .query(ORDER_DELIVERY, json!({ "id": order_gid(&d.order) }))
            .await?;
        let order = data
            .get("order")
            .filter(|o| !o.is_null())
            .ok_or_else(|| SyncError::rejected(format!("order {} is not on the shop", d.order)))?;
        let ful = order
            .get("fulfillments")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|ful| {
                ful.get("trackingInfo")
                    .and_then(Value::as_array)
                    .is_some_and(|t| t.iter().any(|i| text(i, "number") == Some(number)))
            })
            // The fulfilment push may not have reached the shop yet: the next try looks again.
            .ok_or_else(|| {
                SyncError::network(format!(
                    "the shop has no fulfilment with tracking {number} yet"
                ))
            })?;
        let fulfillment_id = text(ful, "id")
            .ok_or_else(|| SyncError::bad_response("a fulfilment without an id".into()))?;
        // Sent before (a retry after the answer was lost): the shop has the status from this
        // scan or a later one. A status can come back (in transit after an exception), so an
        // older event of it does not count; delivered is delivered.
        let at = d.happened_at.div_euclid(1000) * 1000;
        let seen = ful
            .pointer("/events/nodes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|e| {
                text(e, "status") == Some(status)
                    && (status == "DELIVERED"
                        || text(e, "happenedAt")
                            .and_then(|t| parse_instant(t).ok())
                            .is_none_or(|t| t >= at))
            });
        if let Some(e) = seen {
            return Ok(PushDone {
                external_ref: text(e, "id").map(str::to_owned),
                note: format!("the shop has {status} for tracking {number} already"),
                ..Default::default()
            });
        }
        let message = match (d.status.as_str(), d.words()) {
            ("returned_to_sender", Some(m)) => Some(format!("Returned to sender — {m}")),
            ("returned_to_sender", None) => Some("Returned to sender".to_owned()),
            (_, m) => m.map(str::to_owned),
        };
        let mut input = json!({
            "fulfillmentId": fulfillment_id,
            "status": status,
            "happenedAt": format_instant(d.happened_at),
        });
        if let Some(m) = &message {
            input["message"] = json!(m);
        }
        let data = self.mutation(EVENT_CREATE, json!({ "e": input })).await?;
        let r = data.get("fulfillmentEventCreate");
        let errors = user_errors(r.and_then(|r| r.get("userErrors")));
        if !errors.is_empty() {
            let all: Vec<String> = errors.into_iter().map(|e| e.1).collect();
            return Err(SyncError::rejected(format!(
                "the shop refused the delivery status: {}",
                all.join("; ")
            )));
        }
        Ok(PushDone {
            external_ref: r
                .and_then(|r| r.get("fulfillmentEvent"))
                .and_then(|e| text(e, "id"))
                .map(str::to_owned),
            note: format!("delivery status {status}, {} {number}", d.carrier),
            ..Default::default()
        })
    }

    pub(crate) async fn cancel(&mut self, c: &CancelPush) -> Result<PushDone, SyncError> {
        let id = order_gid(&c.order);
        let data = self.query(ORDER_CANCELLED, json!({ "id": id })).await?;
        let order = data
            .get("order")
            .filter(|o| !o.is_null())
            .ok_or_else(|| SyncError::rejected(format!("order {} is not on the shop", c.order)))?;
        if order.get("cancelledAt").is_some_and(|v| !v.is_null()) {
            return Ok(PushDone {
                note: "the shop has the order cancelled already".into(),
                ..Default::default()
            });
        }
        let note = (!c.reason.trim().is_empty()).then(|| c.reason.trim().to_owned());
        let data = self
            .mutation(
                ORDER_CANCEL,
                json!({ "id": id, "note": note, "notify": c.notify_customer }),
            )
            .await?;
        let r = data.get("orderCancel");
        let errors = user_errors(r.and_then(|r| r.get("orderCancelUserErrors")));
        if !errors.is_empty() {
            let all: Vec<String> = errors.into_iter().map(|e| e.1).collect();
            return Err(SyncError::rejected(format!(
                "the shop refused the cancellation: {}",
                all.join("; ")
            )));
        }
        Ok(PushDone {
            external_ref: r
                .and_then(|r| r.get("job"))
                .and_then(|j| text(j, "id"))
                .map(str::to_owned),
            note: "order cancelled".into(),
            ..Default::default()
        })
    }

    /// A refund (`refundCreate`): the lines by SKU without restocking (the app's ledger owns
    /// stock), the shipping, and the money through the order's successful sale or capture. A
    /// refund whose note carries our reference is there already and is not made again.
    pub(crate) async fn refund(&mut self, r: &RefundPush) -> Result<PushDone, SyncError> {
        let id = order_gid(&r.order);
        let data = self.query(ORDER_REFUNDS, json!({ "id": id })).await?;
        let order = data
            .get("order")
            .filter(|o| !o.is_null())
            .ok_or_else(|| SyncError::rejected(format!("order {} is not on the shop", r.order)))?;
        let made = order
            .get("refunds")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|x| text(x, "note").is_some_and(|n| n.contains(&r.reference)));
        if let Some(x) = made {
            return Ok(PushDone {
                external_ref: text(x, "id").map(str::to_owned),
                note: "the shop has this refund already".into(),
                ..Default::default()
            });
        }
        let exp = r.currency.exponent();
        let mut lines = Vec::new();
        for (sku, quantity, _) in &r.lines {
            let item = order
                .pointer("/lineItems/nodes")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .find(|l| text(l, "sku").map(str::trim) == Some(sku.trim()))
                .and_then(|l| text(l, "id"))
                .ok_or_else(|| {
                    SyncError::rejected(format!(
                        "SKU {sku} is not a line of order {} on the shop",
                        r.order
                    ))
                })?;
            lines.push(
                json!({ "lineItemId": item, "quantity": quantity, "restockType": "NO_RESTOCK" }),
            );
        }
        let parent = order
            .get("transactions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|t| {
                matches!(text(t, "kind"), Some("SALE" | "CAPTURE"))
                    && text(t, "status") == Some("SUCCESS")
            });
        let mut input = json!({
            "orderId": id,
            "note": r.note(),
            "notify": r.notify_customer,
            "refundLineItems": lines,
        });
        if r.shipping_minor > 0 {
            input["shipping"] = json!({ "amount": format_minor(r.shipping_minor, exp) });
        }
        if let Some(t) = parent {
            input["transactions"] = json!([{
                "orderId": id,
                "parentId": text(t, "id"),
                "gateway": text(t, "gateway").unwrap_or(""),
                "kind": "REFUND",
                "amount": format_minor(r.amount_minor, exp),
            }]);
        }
        let data = self
            .mutation(REFUND_CREATE, json!({ "input": input }))
            .await?;
        let out = data.get("refundCreate");
        let errors = user_errors(out.and_then(|o| o.get("userErrors")));
        if !errors.is_empty() {
            let all: Vec<String> = errors.into_iter().map(|e| e.1).collect();
            return Err(SyncError::rejected(format!(
                "the shop refused the refund: {}",
                all.join("; ")
            )));
        }
        Ok(PushDone {
            external_ref: out
                .and_then(|o| o.get("refund"))
                .and_then(|f| text(f, "id"))
                .map(str::to_owned),
            note: format!(
                "refund of {} {}{}",
                format_minor(r.amount_minor, exp),
                r.currency.as_str(),
                if parent.is_none() {
                    " recorded (no payment to refund through)"
                } else {
                    ""
                }
            ),
            ..Default::default()
        })
    }

    /// Cancelled units through an order edit (`orderEditBegin`, `orderEditSetQuantity`
    /// without restocking, `orderEditCommit`): each SKU's line goes down to the units not
    /// cancelled here. Nothing to lower: nothing is committed.
    pub(crate) async fn cancel_lines(&mut self, c: &LineCancelPush) -> Result<PushDone, SyncError> {
        let id = order_gid(&c.order);
        let refused = |what: &str, v: Option<&Value>| -> Result<(), SyncError> {
            let errors = user_errors(v.and_then(|r| r.get("userErrors")));
            if errors.is_empty() {
                return Ok(());
            }
            let all: Vec<String> = errors.into_iter().map(|e| e.1).collect();
            Err(SyncError::rejected(format!(
                "the shop refused {what}: {}",
                all.join("; ")
            )))
        };
        let data = self.mutation(EDIT_BEGIN, json!({ "id": id })).await?;
        let begin = data.get("orderEditBegin");
        refused("the order edit", begin)?;
        let calc = begin
            .and_then(|b| b.get("calculatedOrder"))
            .ok_or_else(|| SyncError::bad_response("orderEditBegin: no calculated order".into()))?;
        let calc_id = text(calc, "id")
            .ok_or_else(|| {
                SyncError::bad_response("orderEditBegin: no calculated order id".into())
            })?
            .to_owned();
        let items: Vec<Value> = calc
            .pointer("/lineItems/nodes")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut told = Vec::new();
        for (sku, ordered, cancelled) in &c.lines {
            let want = ordered - cancelled;
            let Some(item) = items
                .iter()
                .find(|l| text(l, "sku").map(str::trim) == Some(sku.trim()))
            else {
                continue;
            };
            let have = item.get("quantity").and_then(Value::as_i64).unwrap_or(0);
            if have <= want {
                continue;
            }
            let data = self
                .mutation(
                    EDIT_SET_QUANTITY,
                    json!({ "id": calc_id, "line": text(item, "id"), "quantity": want }),
                )
                .await?;
            refused("the quantity", data.get("orderEditSetQuantity"))?;
            told.push(format!("{sku} {have} → {want}"));
        }
        if told.is_empty() {
            return Ok(PushDone {
                note: "the shop has these units cancelled already".into(),
                ..Default::default()
            });
        }
        let note = (!c.reason.trim().is_empty()).then(|| c.reason.trim().to_owned());
        let data = self
            .mutation(EDIT_COMMIT, json!({ "id": calc_id, "note": note }))
            .await?;
        refused("the order edit", data.get("orderEditCommit"))?;
        Ok(PushDone {
            note: format!("cancelled units: {}", told.join(", ")),
            ..Default::default()
        })
    }

    /// The inventory item of a SKU, or `None` when no variant has exactly that SKU.
    async fn inventory_item(&mut self, sku: &str) -> Result<Option<String>, SyncError> {
        let q = format!("sku:\"{}\"", sku.replace('\\', "\\\\").replace('"', "\\\""));
        let data = self.query(VARIANT_BY_SKU, json!({ "q": q })).await?;
        Ok(data
            .pointer("/productVariants/nodes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|v| text(v, "sku").map(str::trim) == Some(sku.trim()))
            .and_then(|v| v.pointer("/inventoryItem/id"))
            .and_then(Value::as_str)
            .map(str::to_owned))
    }

    async fn location(&mut self) -> Result<String, SyncError> {
        if let Some(l) = &self.first_location {
            return Ok(l.clone());
        }
        let data = self.query(FIRST_LOCATION, json!({})).await?;
        let id = data
            .pointer("/locations/nodes/0/id")
            .and_then(Value::as_str)
            .ok_or_else(|| SyncError::rejected("the shop has no active location for stock".into()))?
            .to_owned();
        self.first_location = Some(id.clone());
        Ok(id)
    }

    /// Sets the stock of several SKUs in one call; one result per item, in order. An item the
    /// shop refuses fails alone (the others are sent again without it).
    pub async fn push_stock(&mut self, items: &[StockPush]) -> Vec<Result<PushDone, SyncError>> {
        let mut results: Vec<Option<Result<PushDone, SyncError>>> = vec![None; items.len()];
        // (item, inventory item, location, quantity)
        let mut quantities: Vec<(usize, String, String, i64)> = Vec::new();
        let mut found: Vec<Option<StockTarget>> = vec![None; items.len()];
        for (i, it) in items.iter().enumerate() {
            let item = match &it.known {
                Some(t) => t.id.clone(),
                None => match self.inventory_item(&it.channel_sku).await {
                    Ok(Some(id)) => {
                        found[i] = Some(StockTarget {
                            id: id.clone(),
                            parent: None,
                        });
                        id
                    }
                    Ok(None) => {
                        results[i] = Some(Ok(PushDone::not_listed(&it.channel_sku)));
                        continue;
                    }
                    Err(e) => {
                        results[i] = Some(Err(e));
                        continue;
                    }
                },
            };
            for (loc, q) in &it.quantities {
                let loc = match loc {
                    Some(l) => l.clone(),
                    None => match self.location().await {
                        Ok(l) => l,
                        Err(e) => {
                            results[i] = Some(Err(e));
                            break;
                        }
                    },
                };
                quantities.push((i, item.clone(), loc, *q));
            }
        }
        quantities.retain(|q| results[q.0].is_none());
        if !quantities.is_empty() {
            // One key per set of rows: the same rows sent again carry the same key.
            let mut keys: Vec<&str> = quantities
                .iter()
                .map(|q| items[q.0].idempotency_key.as_str())
                .collect();
            keys.sort_unstable();
            keys.dedup();
            let key = if keys.len() == 1 {
                keys[0].to_owned()
            } else {
                format!("stock-set-{}", crate::money::short_hash(&keys.join(",")))
            };
            let input = json!({
                "name": "available",
                "reason": "correction",
                "quantities": quantities.iter().map(|(_, item, loc, q)| json!({
                    "inventoryItemId": item, "locationId": loc, "quantity": q, "changeFromQuantity": null,
                })).collect::<Vec<_>>(),
            });
            match self
                .mutation(SET_QUANTITIES, json!({ "input": input, "key": key }))
                .await
            {
                Err(e) => {
                    for q in &quantities {
                        results[q.0] = Some(Err(e.clone()));
                    }
                }
                Ok(data) => {
                    let r = data.get("inventorySetQuantities");
                    let errors = user_errors(r.and_then(|r| r.get("userErrors")));
                    if errors.is_empty() {
                        let group = r
                            .and_then(|r| r.get("inventoryAdjustmentGroup"))
                            .and_then(|g| text(g, "id"))
                            .map(str::to_owned);
                        for q in &quantities {
                            let total: i64 = items[q.0].quantities.iter().map(|x| x.1).sum();
                            results[q.0] = Some(Ok(PushDone {
                                external_ref: group.clone(),
                                note: format!(
                                    "{} set to {total} available",
                                    items[q.0].channel_sku
                                ),
                                target: found[q.0].clone(),
                                ..Default::default()
                            }));
                        }
                    } else {
                        let whole: Vec<String> = errors
                            .iter()
                            .filter(|e| e.0.is_none())
                            .map(|e| e.1.clone())
                            .collect();
                        for (n, q) in quantities.iter().enumerate() {
                            let own: Vec<&String> = errors
                                .iter()
                                .filter(|e| e.0 == Some(n))
                                .map(|e| &e.1)
                                .collect();
                            let err = if !own.is_empty() {
                                SyncError::rejected(format!(
                                    "the shop refused the stock of {}: {}",
                                    items[q.0].channel_sku,
                                    own.iter()
                                        .map(|s| s.as_str())
                                        .collect::<Vec<_>>()
                                        .join("; ")
                                ))
                            } else if !whole.is_empty() {
                                SyncError::rejected(format!(
                                    "the shop refused the stock update: {}",
                                    whole.join("; ")
                                ))
                            } else {
                                // Refused because of another SKU of the set: sent again alone.
                                SyncError::network(
                                    "sent again without the SKUs the shop refused".into(),
                                )
                            };
                            if results[q.0].as_ref().is_none_or(|r| r.is_ok()) {
                                results[q.0] = Some(Err(err));
                            }
                        }
                    }
                }
            }
        }
        crate::push::each_answered(results)
    }
}
