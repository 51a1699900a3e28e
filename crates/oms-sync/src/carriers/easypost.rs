//! EasyPost (`/v2`): a shipment with rates, buying one rate, trackers, refunds. HTTP Basic
//! auth with the API key as the user name. Parcels go in inches and ounces, money comes as
//! decimal strings. Buying is safe to retry: a purchase whose answer was lost finds the label
//! on the shipment instead of buying a second one.

use super::{
    refusal, Label, ParcelSpec, PostalAddress, Quote, RateRequest, Rates, TrackEvent, TrackStatus,
    Tracking, VoidOutcome,
};
use crate::http::{vendor_message, Http};
use crate::money::{minor, text};
use crate::{base, SyncError, SyncErrorKind};
use oms_domain::{parse_instant, Currency};
use serde_json::{json, Value};

pub struct EasyPost {
    base: String,
    key: String,
    http: Http,
}

fn address(a: &PostalAddress) -> Value {
    json!({
        "name": a.name, "company": a.company, "street1": a.street1, "street2": a.street2,
        "city": a.city, "state": a.state, "zip": a.zip, "country": a.country,
        "phone": a.phone, "email": a.email,
    })
}

/// Grams → ounces and millimetres → inches, rounded up to a tenth (never under-declared).
fn parcel(p: &ParcelSpec) -> Value {
    let tenth_up = |x: f64| (x * 10.0).ceil() / 10.0;
    let mut v = json!({ "weight": tenth_up(f64::from(p.weight_g) / 28.349_523_125) });
    for (k, mm) in [
        ("length", p.length_mm),
        ("width", p.width_mm),
        ("height", p.height_mm),
    ] {
        if let Some(mm) = mm {
            v[k] = json!(tenth_up(f64::from(mm) / 25.4));
        }
    }
    v
}

/// Minor units as the decimal text EasyPost reads ("23.25"), exact.
fn decimal(minor: i64, exponent: u32) -> String {
    if exponent == 0 {
        return minor.to_string();
    }
    let unit = 10i64.pow(exponent);
    let sign = if minor < 0 { "-" } else { "" };
    let m = minor.unsigned_abs();
    let unit = unit.unsigned_abs();
    format!("{sign}{}.{:0w$}", m / unit, m % unit, w = exponent as usize)
}

fn json_of(body: &[u8]) -> Result<Value, SyncError> {
    serde_json::from_slice(body).map_err(|e| {
        SyncError::bad_response(format!(
            "EasyPost's answer is not JSON ({e}): {}",
            vendor_message(body)
        ))
    })
}

/// A refusal with this EasyPost error code (`vendor_message` keeps it as "… [CODE]").
fn has_code(e: &SyncError, code: &str) -> bool {
    e.kind == SyncErrorKind::Rejected && e.message.contains(&format!("[{code}]"))
}

/// EasyPost's tracker statuses in ours.
pub fn status(s: &str) -> TrackStatus {
    match s {
        "pre_transit" => TrackStatus::PreTransit,
        "in_transit" => TrackStatus::InTransit,
        "out_for_delivery" => TrackStatus::OutForDelivery,
        "delivered" => TrackStatus::Delivered,
        "return_to_sender" => TrackStatus::ReturnedToSender,
        "failure" | "error" | "cancelled" | "available_for_pickup" => TrackStatus::Exception,
        _ => TrackStatus::Unknown,
    }
}

fn money(v: &Value, amount: &str, currency: &str) -> Result<(i64, Currency), SyncError> {
    let c = Currency::parse(text(v, currency).unwrap_or("USD"))
        .map_err(|e| SyncError::bad_response(format!("{currency}: {e}")))?;
    let m = minor(v.get(amount), c, amount).map_err(|e| SyncError::bad_response(e.0))?;
    Ok((m, c))
}

/// A tracker object (from `GET /trackers/ID` or the `result` of a `tracker.updated` event).
pub fn tracking(t: &Value) -> Result<Tracking, SyncError> {
    let raw = text(t, "status").unwrap_or("unknown").to_owned();
    let mut events = Vec::new();
    for d in t
        .get("tracking_details")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(at) = text(d, "datetime").and_then(|s| parse_instant(s).ok()) else {
            continue;
        };
        let location = d.get("tracking_location").map(|l| {
            [
                text(l, "city"),
                text(l, "state"),
                text(l, "zip"),
                text(l, "country"),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ")
        });
        events.push(TrackEvent {
            at,
            status: status(text(d, "status").unwrap_or("")),
            message: text(d, "message").unwrap_or("").to_owned(),
            location: location.filter(|l| !l.is_empty()),
        });
    }
    // Carriers send scans out of order now and then: oldest first.
    events.sort_by_key(|e| e.at);
    Ok(Tracking {
        tracking_number: text(t, "tracking_code")
            .ok_or_else(|| SyncError::bad_response("a tracker without a tracking_code".into()))?
            .to_owned(),
        carrier: text(t, "carrier").unwrap_or("").to_owned(),
        status: status(&raw),
        raw_status: raw,
        events,
        est_delivery: text(t, "est_delivery_date").and_then(|s| parse_instant(s).ok()),
        tracker_id: text(t, "id").map(str::to_owned),
    })
}

impl EasyPost {
    pub fn new(base_url: &str, api_key: &str, http: Http) -> Result<Self, SyncError> {
        if api_key.trim().is_empty() {
            return Err(SyncError::config(
                "an EasyPost connection needs an API key".into(),
            ));
        }
        Ok(Self {
            base: base(base_url)?,
            key: api_key.trim().to_owned(),
            http,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}/v2/{path}", self.base)
    }

    /// A shipment for the parcel with every connected carrier's rates.
    pub async fn rates(&self, r: &RateRequest) -> Result<Rates, SyncError> {
        let mut shipment = json!({
            "from_address": address(&r.from),
            "to_address": address(&r.to),
            "parcel": parcel(&r.parcel),
            "reference": r.reference,
        });
        if !r.customs.is_empty() {
            let items: Vec<Value> = r
                .customs
                .iter()
                .map(|c| {
                    json!({
                        "description": c.description, "quantity": c.quantity,
                        "value": decimal(c.value_minor, c.currency.exponent()),
                        "weight": (f64::from(c.weight_g) / 28.349_523_125 * 10.0).ceil() / 10.0,
                        "hs_tariff_number": c.hs_code, "origin_country": c.origin_country,
                        "currency": c.currency.as_str(),
                    })
                })
                .collect();
            shipment["customs_info"] = json!({
                "contents_type": "merchandise", "customs_certify": true,
                "customs_signer": r.from.name, "non_delivery_option": "return",
                "restriction_type": "none", "eel_pfc": "NOEEI 30.37(a)", "customs_items": items,
            });
        }
        let url = self.url("shipments");
        let body = json!({ "shipment": shipment });
        // Creating a shipment buys nothing: repeating it after a timeout costs nothing.
        let resp = self
            .http
            .send(|c| c.post(&url).basic_auth(&self.key, Some("")).json(&body))
            .await?;
        let v = json_of(&resp.body)?;
        let id = text(&v, "id")
            .ok_or_else(|| SyncError::bad_response("a shipment without an id".into()))?
            .to_owned();
        let mut quotes = Vec::new();
        for q in v
            .get("rates")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let (amount_minor, currency) = money(q, "rate", "currency")?;
            quotes.push(Quote {
                rate_id: text(q, "id").unwrap_or("").to_owned(),
                carrier: text(q, "carrier").unwrap_or("").to_owned(),
                service: text(q, "service").unwrap_or("").to_owned(),
                amount_minor,
                currency,
                delivery_days: q
                    .get("delivery_days")
                    .or_else(|| q.get("est_delivery_days"))
                    .and_then(Value::as_u64)
                    .and_then(|d| u32::try_from(d).ok()),
            });
        }
        quotes.sort_by_key(|q| q.amount_minor);
        let problems = v
            .get("messages")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|m| {
                format!(
                    "{}: {}",
                    text(m, "carrier").unwrap_or("carrier"),
                    text(m, "message").unwrap_or("no rate")
                )
            })
            .collect();
        Ok(Rates {
            shipment_id: id,
            quotes,
            problems,
        })
    }

    fn label_of(v: &Value, new_purchase: bool) -> Result<Label, SyncError> {
        let rate = v
            .get("selected_rate")
            .filter(|r| !r.is_null())
            .ok_or_else(|| {
                SyncError::bad_response("a bought shipment without a selected rate".into())
            })?;
        let (amount_minor, currency) = money(rate, "rate", "currency")?;
        let label = v.get("postage_label").unwrap_or(&Value::Null);
        Ok(Label {
            shipment_id: text(v, "id").unwrap_or("").to_owned(),
            tracking_number: text(v, "tracking_code")
                .ok_or_else(|| {
                    SyncError::bad_response("a bought shipment without a tracking code".into())
                })?
                .to_owned(),
            carrier: text(rate, "carrier").unwrap_or("").to_owned(),
            service: text(rate, "service").unwrap_or("").to_owned(),
            amount_minor,
            currency,
            label_url: text(label, "label_url")
                .ok_or_else(|| SyncError::bad_response("a bought shipment without a label".into()))?
                .to_owned(),
            label_format: text(label, "label_file_type")
                .map(|t| t.rsplit('/').next().unwrap_or(t).to_ascii_uppercase())
                .unwrap_or_else(|| "PDF".into()),
            tracker_id: v
                .pointer("/tracker/id")
                .and_then(Value::as_str)
                .map(str::to_owned),
            label_id: text(v, "id").unwrap_or("").to_owned(),
            new_purchase,
        })
    }

    /// The shipment as it is now.
    pub async fn shipment(&self, shipment_id: &str) -> Result<Value, SyncError> {
        let url = self.url(&format!("shipments/{shipment_id}"));
        let r = self
            .http
            .send(|c| c.get(&url).basic_auth(&self.key, Some("")))
            .await?;
        json_of(&r.body)
    }

    /// Buys a rate of a shipment. Never buys twice: when the answer to a purchase is lost (a
    /// timeout after EasyPost charged), the next call finds the postage on the shipment —
    /// either at once (it looks first) or from EasyPost's "postage exists" refusal.
    pub async fn buy(&self, shipment_id: &str, rate_id: &str) -> Result<Label, SyncError> {
        let before = self.shipment(shipment_id).await?;
        if before.get("postage_label").is_some_and(|l| !l.is_null()) {
            return Self::label_of(&before, false);
        }
        let url = self.url(&format!("shipments/{shipment_id}/buy"));
        let body = json!({ "rate": { "id": rate_id } });
        match self
            .http
            .send_once(|c| c.post(&url).basic_auth(&self.key, Some("")).json(&body))
            .await
        {
            Ok(r) => Self::label_of(&json_of(&r.body)?, true),
            Err(e) if has_code(&e, "SHIPMENT.POSTAGE.EXISTS") => {
                Self::label_of(&self.shipment(shipment_id).await?, false)
            }
            Err(e) => Err(e),
        }
    }

    /// A label file (EasyPost's label URLs need no key; none is sent to another host).
    pub async fn download(&self, url: &str) -> Result<Vec<u8>, SyncError> {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(SyncError::bad_response(format!(
                "label URL {url:?} is not a web address"
            )));
        }
        Ok(self.http.send(|c| c.get(url)).await?.body)
    }

    /// A tracker's state, by EasyPost's tracker id.
    pub async fn tracker(&self, tracker_id: &str) -> Result<Tracking, SyncError> {
        let url = self.url(&format!("trackers/{tracker_id}"));
        let r = self
            .http
            .send(|c| c.get(&url).basic_auth(&self.key, Some("")))
            .await?;
        tracking(&json_of(&r.body)?)
    }

    /// A tracker for a tracking code we have no tracker id of (a label bought elsewhere, or
    /// an id not kept): `POST /trackers`; the answer's `tracker_id` is the new tracker's.
    /// Sent once, since a tracker is an object EasyPost keeps: a lost answer fails and the
    /// next call asks again.
    pub async fn create_tracker(
        &self,
        carrier: &str,
        tracking_code: &str,
    ) -> Result<Tracking, SyncError> {
        let url = self.url("trackers");
        let body = json!({
            "tracker": { "tracking_code": tracking_code.trim(), "carrier": carrier.trim() }
        });
        let r = self
            .http
            .send_once(|c| c.post(&url).basic_auth(&self.key, Some("")).json(&body))
            .await?;
        tracking(&json_of(&r.body)?)
    }

    /// Voids a bought label: EasyPost asks the carrier for the postage back
    /// (`POST /shipments/ID/refund`) and says where that stands in the shipment's
    /// `refund_status` — "submitted" (pending), "refunded", "rejected" (asking again may
    /// succeed) or "not_applicable" (the carrier bills on scan). A 400/409/422 refusal is a
    /// `Refused` with EasyPost's words.
    pub async fn void(&self, shipment_id: &str) -> Result<VoidOutcome, SyncError> {
        let url = self.url(&format!("shipments/{shipment_id}/refund"));
        let r = match self
            .http
            .send_once(|c| c.post(&url).basic_auth(&self.key, Some("")))
            .await
        {
            Ok(r) => r,
            Err(e) => return refusal(&e).map(VoidOutcome::Refused).ok_or(e),
        };
        let v = json_of(&r.body)?;
        match text(&v, "refund_status") {
            Some("refunded") => Ok(VoidOutcome::Voided),
            Some("submitted") => Ok(VoidOutcome::Pending),
            Some("rejected") => Ok(VoidOutcome::Refused(
                "the carrier rejected the refund (EasyPost: rejected)".into(),
            )),
            Some("not_applicable") => Ok(VoidOutcome::Refused(
                "the carrier bills on scan: nothing to refund (EasyPost: not_applicable)".into(),
            )),
            other => Err(SyncError::bad_response(format!(
                "a refunded shipment with refund_status {other:?}"
            ))),
        }
    }
}
