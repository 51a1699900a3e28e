//! WooCommerce writes: a shipment becomes a tracking item (the Shipment Tracking extension's
//! endpoint, when the shop has it) or a customer note, and the order is completed once
//! everything shipped; where the parcel is afterwards becomes a private order note (WooCommerce
//! has no delivery status; the order's status stays); a cancellation sets the status; stock goes through the products' and
//! variations' batch endpoints.

use super::Woo;
use crate::money::text;
use crate::push::{
    minute_utc, CancelPush, DeliveryPush, FulfilmentPush, LineCancelPush, PushDone, RefundPush,
    StockPush, StockTarget,
};
use crate::SyncError;
use oms_domain::format_minor;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Items per batch request (the API's limit is 100).
pub const STOCK_BATCH: usize = 100;

fn json_of(body: &[u8], what: &str) -> Result<Value, SyncError> {
    serde_json::from_slice(body)
        .map_err(|e| SyncError::bad_response(format!("{what} is not JSON: {e}")))
}

/// A delivery note's first part, "Delivered: DHL JJD0001 (2026-12-02 10:30 UTC)"; `None`: the
/// shop is not told about this status.
fn delivery_head(d: &DeliveryPush) -> Option<String> {
    let what = match d.status.as_str() {
        "in_transit" => "In transit",
        "out_for_delivery" => "Out for delivery",
        "delivered" => "Delivered",
        "exception" => "Delivery problem",
        "returned_to_sender" => "Returned to sender",
        _ => return None,
    };
    Some(format!(
        "{what}: {} {} ({})",
        d.carrier,
        d.tracking_number,
        minute_utc(d.happened_at)
    ))
}

impl Woo {
    fn tracking_url(&self, order: &str) -> String {
        format!(
            "{}/wp-json/wc-shipment-tracking/v3/orders/{order}/shipment-trackings",
            self.base
        )
    }

    async fn get(&self, url: &str) -> Result<Value, SyncError> {
        let r = self
            .http
            .send(|c| c.get(url).basic_auth(&self.key, Some(&self.secret)))
            .await?;
        json_of(&r.body, "the answer")
    }

    /// A write that creates something: not repeated blindly (see `Http::send_once`).
    async fn write(
        &self,
        method: reqwest::Method,
        url: &str,
        body: &Value,
    ) -> Result<Value, SyncError> {
        let r = self
            .http
            .send_once(|c| {
                c.request(method.clone(), url)
                    .basic_auth(&self.key, Some(&self.secret))
                    .json(body)
            })
            .await?;
        json_of(&r.body, "the answer")
    }

    pub(crate) async fn fulfil(&mut self, f: &FulfilmentPush) -> Result<PushDone, SyncError> {
        let order = self.get(&self.url(&format!("orders/{}", f.order))).await?;
        let status = text(&order, "status").unwrap_or("").to_owned();
        let mut external_ref = None;
        let mut told = Vec::new();
        if let Some(number) = f.tracking_number.as_deref() {
            match self.get(&self.tracking_url(&f.order)).await {
                Ok(list) => {
                    let have = list
                        .as_array()
                        .into_iter()
                        .flatten()
                        .find(|t| text(t, "tracking_number") == Some(number));
                    match have {
                        Some(t) => external_ref = text(t, "tracking_id").map(str::to_owned),
                        None => {
                            let item = self
                                .write(
                                    reqwest::Method::POST,
                                    &self.tracking_url(&f.order),
                                    &json!({
                                        "custom_tracking_provider": f.carrier,
                                        "tracking_number": number,
                                    }),
                                )
                                .await?;
                            external_ref = text(&item, "tracking_id").map(str::to_owned);
                            told.push(format!("tracking {} {number}", f.carrier));
                        }
                    }
                }
                // No Shipment Tracking extension on this shop: a customer note instead.
                Err(e) if e.status == Some(404) => {
                    let note = format!("Shipped with {}: tracking number {number}", f.carrier);
                    let notes = self
                        .get(&self.url(&format!("orders/{}/notes", f.order)))
                        .await?;
                    let have = notes
                        .as_array()
                        .into_iter()
                        .flatten()
                        .any(|n| text(n, "note").is_some_and(|t| t.contains(number)));
                    if !have {
                        let n = self
                            .write(
                                reqwest::Method::POST,
                                &self.url(&format!("orders/{}/notes", f.order)),
                                &json!({ "note": note, "customer_note": f.notify_customer }),
                            )
                            .await?;
                        external_ref = n.get("id").map(|v| v.to_string());
                        told.push(format!("note \"{note}\""));
                    }
                }
                Err(e) => return Err(e),
            }
        }
        if f.complete && !matches!(status.as_str(), "completed" | "cancelled" | "refunded") {
            self.write(
                reqwest::Method::PUT,
                &self.url(&format!("orders/{}", f.order)),
                &json!({ "status": "completed" }),
            )
            .await?;
            told.push("status completed".into());
        }
        Ok(PushDone {
            external_ref,
            note: if told.is_empty() {
                "the shop had the shipment already".into()
            } else {
                told.join(", ")
            },
            ..Default::default()
        })
    }

    pub(crate) async fn deliver(&mut self, d: &DeliveryPush) -> Result<PushDone, SyncError> {
        let Some(head) = delivery_head(d) else {
            return Ok(d.not_told());
        };
        let note = match d.words() {
            Some(m) => format!("{head} — {m}"),
            None => head.clone(),
        };
        let url = self.url(&format!("orders/{}/notes", d.order));
        // Sent before (a retry after the answer was lost): the note is there.
        let notes = self.get(&url).await?;
        let have = notes
            .as_array()
            .into_iter()
            .flatten()
            .find(|n| text(n, "note").is_some_and(|t| t.trim().starts_with(&head)));
        if let Some(n) = have {
            return Ok(PushDone {
                external_ref: n.get("id").map(|v| v.to_string()),
                note: format!("the shop has the note \"{head}\" already"),
                ..Default::default()
            });
        }
        let n = self
            .write(
                reqwest::Method::POST,
                &url,
                &json!({ "note": note, "customer_note": false }),
            )
            .await?;
        Ok(PushDone {
            external_ref: n.get("id").map(|v| v.to_string()),
            note: format!("private note \"{note}\""),
            ..Default::default()
        })
    }

    pub(crate) async fn cancel(&mut self, c: &CancelPush) -> Result<PushDone, SyncError> {
        let url = self.url(&format!("orders/{}", c.order));
        let order = self.get(&url).await?;
        if text(&order, "status") == Some("cancelled") {
            return Ok(PushDone {
                note: "the shop has the order cancelled already".into(),
                ..Default::default()
            });
        }
        self.write(
            reqwest::Method::PUT,
            &url,
            &json!({ "status": "cancelled" }),
        )
        .await?;
        Ok(PushDone {
            note: "status cancelled".into(),
            ..Default::default()
        })
    }

    /// A refund through the order's payment gateway (`api_refund`), with its lines by SKU and
    /// the shipping line. A refund whose reason carries our reference is there already.
    pub(crate) async fn refund(&mut self, r: &RefundPush) -> Result<PushDone, SyncError> {
        let url = self.url(&format!("orders/{}/refunds", r.order));
        let id_of = |v: &Value| {
            v.get("id").filter(|i| !i.is_null()).map(|i| match i {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
        };
        let have = self.get(&url).await?;
        if let Some(x) = have
            .as_array()
            .into_iter()
            .flatten()
            .find(|x| text(x, "reason").is_some_and(|t| t.contains(&r.reference)))
        {
            return Ok(PushDone {
                external_ref: id_of(x),
                note: "the shop has this refund already".into(),
                ..Default::default()
            });
        }
        let order = self.get(&self.url(&format!("orders/{}", r.order))).await?;
        let exp = r.currency.exponent();
        let mut items = Vec::new();
        for (sku, quantity, amount) in &r.lines {
            let line = order
                .get("line_items")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .find(|l| text(l, "sku").map(str::trim) == Some(sku.trim()))
                .ok_or_else(|| {
                    SyncError::rejected(format!(
                        "SKU {sku} is not a line of order {} on the shop",
                        r.order
                    ))
                })?;
            items.push(json!({ "id": line.get("id"), "quantity": quantity, "refund_total": format_minor(*amount, exp) }));
        }
        if r.shipping_minor > 0 {
            if let Some(ship) = order
                .pointer("/shipping_lines/0/id")
                .filter(|i| !i.is_null())
            {
                items.push(
                    json!({ "id": ship, "refund_total": format_minor(r.shipping_minor, exp) }),
                );
            }
        }
        let made = self
            .write(
                reqwest::Method::POST,
                &url,
                &json!({
                    "amount": format_minor(r.amount_minor, exp),
                    "reason": r.note(),
                    "api_refund": true,
                    "line_items": items,
                }),
            )
            .await?;
        Ok(PushDone {
            external_ref: id_of(&made),
            note: format!(
                "refund of {} {}",
                format_minor(r.amount_minor, exp),
                r.currency.as_str()
            ),
            ..Default::default()
        })
    }

    /// Cancelled units as a private order note (WooCommerce has no partial cancellation; the
    /// items stay for the shop's totals). The same note is not written twice.
    pub(crate) async fn cancel_lines(&mut self, c: &LineCancelPush) -> Result<PushDone, SyncError> {
        let parts: Vec<String> = c
            .lines
            .iter()
            .filter(|l| l.2 > 0)
            .map(|(sku, ordered, cancelled)| format!("{cancelled} of {ordered} × {sku}"))
            .collect();
        if parts.is_empty() {
            return Ok(PushDone {
                note: "nothing cancelled".into(),
                ..Default::default()
            });
        }
        let mut note = format!("Cancelled before shipping: {}", parts.join(", "));
        if !c.reason.trim().is_empty() {
            note.push_str(&format!(" ({})", c.reason.trim()));
        }
        let url = self.url(&format!("orders/{}/notes", c.order));
        let have = self.get(&url).await?;
        let known = have
            .as_array()
            .into_iter()
            .flatten()
            .any(|n| text(n, "note") == Some(note.as_str()));
        if !known {
            self.write(
                reqwest::Method::POST,
                &url,
                &json!({ "note": note, "customer_note": false }),
            )
            .await?;
        }
        Ok(PushDone {
            note: if known {
                "the shop has this note already".into()
            } else {
                "private note: units cancelled".into()
            },
            ..Default::default()
        })
    }

    /// The product or variation with exactly this SKU.
    async fn find_sku(&self, sku: &str) -> Result<Option<StockTarget>, SyncError> {
        let url = self.url("products");
        let r = self
            .http
            .send(|c| {
                c.get(&url)
                    .basic_auth(&self.key, Some(&self.secret))
                    .query(&[("sku", sku), ("per_page", "5")])
            })
            .await?;
        let list = json_of(&r.body, "the product list")?;
        Ok(list
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| text(p, "sku") == Some(sku.trim()))
            .and_then(|p| {
                let id = p.get("id")?.as_i64()?;
                let parent = p
                    .get("parent_id")
                    .and_then(Value::as_i64)
                    .filter(|p| *p > 0);
                Some(StockTarget {
                    id: id.to_string(),
                    parent: parent.map(|p| p.to_string()),
                })
            }))
    }

    /// Sets the stock of several SKUs: one batch request per parent product (variations) and
    /// one for simple products. One result per item, in order; an item the shop refuses fails
    /// alone.
    pub async fn push_stock(&mut self, items: &[StockPush]) -> Vec<Result<PushDone, SyncError>> {
        let mut results: Vec<Option<Result<PushDone, SyncError>>> = vec![None; items.len()];
        let mut found: Vec<Option<StockTarget>> = vec![None; items.len()];
        // parent (None: simple products) → (item, id, quantity)
        let mut groups: BTreeMap<Option<String>, Vec<(usize, String, i64)>> = BTreeMap::new();
        for (i, it) in items.iter().enumerate() {
            let target = match &it.known {
                Some(t) => t.clone(),
                None => match self.find_sku(&it.channel_sku).await {
                    Ok(Some(t)) => {
                        found[i] = Some(t.clone());
                        t
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
            let q: i64 = it.quantities.iter().map(|x| x.1).sum();
            groups
                .entry(target.parent.clone())
                .or_default()
                .push((i, target.id, q));
        }
        for (parent, members) in groups {
            let url = match &parent {
                Some(p) => self.url(&format!("products/{p}/variations/batch")),
                None => self.url("products/batch"),
            };
            let body = json!({
                "update": members.iter().map(|(_, id, q)| json!({
                    "id": id.parse::<i64>().map(Value::from).unwrap_or_else(|_| Value::from(id.as_str())),
                    "manage_stock": true,
                    "stock_quantity": q,
                })).collect::<Vec<_>>(),
            });
            // Absolute quantities: sending the same batch twice changes nothing.
            let r = self
                .http
                .send(|c| {
                    c.post(&url)
                        .basic_auth(&self.key, Some(&self.secret))
                        .json(&body)
                })
                .await
                .and_then(|r| json_of(&r.body, "the batch answer"));
            match r {
                Err(e) => {
                    for m in &members {
                        results[m.0] = Some(Err(e.clone()));
                    }
                }
                Ok(v) => {
                    let answers: Vec<&Value> = v
                        .get("update")
                        .and_then(Value::as_array)
                        .map(|a| a.iter().collect())
                        .unwrap_or_default();
                    for (i, id, q) in &members {
                        let a = answers.iter().find(|a| {
                            a.get("id")
                                .map(|v| v.to_string().trim_matches('"').to_owned())
                                .as_deref()
                                == Some(id.as_str())
                        });
                        let res = match a {
                            Some(a) if a.get("error").is_some_and(|e| !e.is_null()) => {
                                let e = a.get("error").unwrap_or(&Value::Null);
                                Err(SyncError::rejected(format!(
                                    "the shop refused the stock of {}: {}",
                                    items[*i].channel_sku,
                                    text(e, "message").unwrap_or("refused")
                                )))
                            }
                            Some(_) => Ok(PushDone {
                                external_ref: Some(id.clone()),
                                note: format!("{} set to {q} in stock", items[*i].channel_sku),
                                target: found[*i].clone(),
                                ..Default::default()
                            }),
                            None => Err(SyncError::bad_response(format!(
                                "the batch answer does not mention {}",
                                items[*i].channel_sku
                            ))),
                        };
                        results[*i] = Some(res);
                    }
                }
            }
        }
        crate::push::each_answered(results)
    }
}
