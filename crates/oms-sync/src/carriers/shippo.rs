//! Shippo: a shipment with rates (a customs declaration made first for another country),
//! buying one rate (a transaction), tracks, refunds. `Authorization: ShippoToken <key>`, the
//! API version pinned with `SHIPPO-API-VERSION`. Parcels go in grams and centimetres and money
//! comes and goes as decimal text. Buying is safe to retry: it looks for a transaction of the
//! rate before it buys (`GET /transactions/?rate=…`), so a purchase whose answer was lost after
//! Shippo charged is found instead of bought a second time.
//!
//! Shippo refuses a request with a Django REST framework body (`{"address_to": ["This field
//! is required."]}`, `{"detail": "…"}`); errors carry those words as "address_to: This field
//! is required.".

use super::{
    refusal, Label, ParcelSpec, PostalAddress, Quote, RateRequest, Rates, TrackEvent, TrackStatus,
    Tracking, VoidOutcome,
};
use crate::http::{vendor_message, Http};
use crate::money::{minor, text};
use crate::{base, SyncError};
use oms_domain::{format_minor, parse_instant, Currency};
use serde_json::{json, Map, Value};

/// The API version every request asks for: the shapes read here are this version's
/// (`estimated_days`, `servicelevel.name`), whatever the account's default is.
pub const API_VERSION: &str = "2018-02-08";

/// The label file every purchase asks for.
const LABEL_FILE_TYPE: &str = "PDF";

pub struct Shippo {
    base: String,
    key: String,
    http: Http,
}

fn put(m: &mut Map<String, Value>, key: &str, value: Option<&str>) {
    if let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) {
        m.insert(key.to_owned(), json!(v));
    }
}

/// An address with only the fields we have (Shippo refuses nulls).
fn address(a: &PostalAddress) -> Value {
    let mut m = Map::new();
    put(&mut m, "name", Some(&a.name));
    put(&mut m, "company", a.company.as_deref());
    put(&mut m, "street1", Some(&a.street1));
    put(&mut m, "street2", a.street2.as_deref());
    put(&mut m, "city", Some(&a.city));
    put(&mut m, "state", a.state.as_deref());
    put(&mut m, "zip", a.zip.as_deref());
    put(&mut m, "country", Some(&a.country));
    put(&mut m, "phone", a.phone.as_deref());
    put(&mut m, "email", a.email.as_deref());
    Value::Object(m)
}

/// Millimetres as the exact centimetres Shippo reads ("25.4", "20").
fn cm(mm: u32) -> String {
    if mm.is_multiple_of(10) {
        (mm / 10).to_string()
    } else {
        format!("{}.{}", mm / 10, mm % 10)
    }
}

/// Grams as they are, and centimetres when all three dimensions are known (Shippo takes
/// dimensions as a set; without them it says what it lacks).
fn parcel(p: &ParcelSpec) -> Value {
    let mut v = json!({ "weight": p.weight_g.to_string(), "mass_unit": "g" });
    if let (Some(l), Some(w), Some(h)) = (p.length_mm, p.width_mm, p.height_mm) {
        v["length"] = json!(cm(l));
        v["width"] = json!(cm(w));
        v["height"] = json!(cm(h));
        v["distance_unit"] = json!("cm");
    }
    v
}

fn json_of(body: &[u8]) -> Result<Value, SyncError> {
    serde_json::from_slice(body).map_err(|e| {
        SyncError::bad_response(format!(
            "Shippo's answer is not JSON ({e}): {}",
            vendor_message(body)
        ))
    })
}

fn list<'a>(v: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    v.get(key).and_then(Value::as_array).into_iter().flatten()
}

/// A Django REST framework error body as sentences: "address_to.zip: Enter a valid ZIP.".
fn flatten(v: &Value, path: &str, out: &mut Vec<String>) {
    match v {
        Value::String(s) if path.is_empty() => out.push(s.clone()),
        Value::String(s) => out.push(format!("{path}: {s}")),
        Value::Array(items) => items.iter().for_each(|i| flatten(i, path, out)),
        Value::Object(fields) => {
            for (k, v) in fields {
                let p = match (k.as_str(), path) {
                    ("__all__" | "non_field_errors" | "detail", _) => path.to_owned(),
                    (_, "") => k.clone(),
                    (_, _) => format!("{path}.{k}"),
                };
                flatten(v, &p, out);
            }
        }
        Value::Null => {}
        other if path.is_empty() => out.push(other.to_string()),
        other => out.push(format!("{path}: {other}")),
    }
}

/// The error with Shippo's words made readable (its body is the JSON at the end of the
/// message the HTTP client wrote); a body cut short or not JSON stays as it was.
fn words(e: SyncError) -> SyncError {
    let Some((head, tail)) = e.message.split_once("): ") else {
        return e;
    };
    let Ok(v) = serde_json::from_str::<Value>(tail) else {
        return e;
    };
    let mut said = Vec::new();
    flatten(&v, "", &mut said);
    if said.is_empty() {
        return e;
    }
    SyncError {
        message: format!("{head}): {}", said.join("; ")),
        ..e
    }
}

/// What an object's `messages` say: "USPS: …; …", or `None` when they say nothing.
fn said(v: &Value) -> Option<String> {
    let all: Vec<String> = list(v, "messages")
        .filter_map(|m| {
            let t = text(m, "text")?;
            Some(match text(m, "source") {
                Some(s) => format!("{s}: {t}"),
                None => t.to_owned(),
            })
        })
        .collect();
    (!all.is_empty()).then(|| all.join("; "))
}

fn money(v: &Value, amount: &str, currency: &str) -> Result<(i64, Currency), SyncError> {
    let code = text(v, currency)
        .ok_or_else(|| SyncError::bad_response(format!("an amount without {currency}")))?;
    let c =
        Currency::parse(code).map_err(|e| SyncError::bad_response(format!("{currency}: {e}")))?;
    let m = minor(v.get(amount), c, amount).map_err(|e| SyncError::bad_response(e.0))?;
    Ok((m, c))
}

/// A carrier's name reduced for comparing ("DHL Express", "DHLExpress", "dhl_express" alike).
fn same_carrier(a: &str, b: &str) -> bool {
    let key = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    key(a) == key(b)
}

/// Shippo's carrier token for a carrier's name as its rates give it (`provider`): "USPS" →
/// "usps", "DHL Express" → "dhl_express", "FedEx" → "fedex"; a token stays as it is. Names
/// whose token is not their words (a non-ASCII letter, "Asendia" → `asendia_us`) need the
/// token itself.
pub fn carrier_token(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_end_matches('_').to_owned()
}

/// A path segment, percent-encoded (tracking numbers and ids are ours to pass through).
fn segment(s: &str) -> String {
    let mut out = String::new();
    for b in s.trim().bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Shippo's tracking statuses (`PRE_TRANSIT` … `UNKNOWN`) and the substatus codes that say
/// more than their status (`out_for_delivery`, `delivery_attempted` …) in ours.
pub fn status(s: &str) -> TrackStatus {
    match s {
        "PRE_TRANSIT" | "information_received" => TrackStatus::PreTransit,
        "TRANSIT" => TrackStatus::InTransit,
        "out_for_delivery" => TrackStatus::OutForDelivery,
        "DELIVERED" | "delivered" => TrackStatus::Delivered,
        "RETURNED" | "return_to_sender" => TrackStatus::ReturnedToSender,
        "FAILURE"
        | "delivery_attempted"
        | "address_issue"
        | "contact_carrier"
        | "location_inaccessible"
        | "notice_left"
        | "pickup_available"
        | "package_damaged"
        | "package_lost"
        | "package_undeliverable"
        | "package_disposed" => TrackStatus::Exception,
        _ => TrackStatus::Unknown,
    }
}

/// A tracking status object's state: its status, refined by its substatus where that says
/// more (in transit but out for delivery, or a delivery attempt that failed).
fn state(s: &Value) -> TrackStatus {
    let main = status(text(s, "status").unwrap_or("UNKNOWN"));
    let sub = s
        .pointer("/substatus/code")
        .and_then(Value::as_str)
        .map(status)
        .unwrap_or(TrackStatus::Unknown);
    match (main, sub) {
        (_, TrackStatus::Unknown) => main,
        (TrackStatus::Unknown, sub) => sub,
        (
            TrackStatus::InTransit,
            sub @ (TrackStatus::OutForDelivery
            | TrackStatus::Exception
            | TrackStatus::ReturnedToSender),
        ) => sub,
        _ => main,
    }
}

fn location(s: &Value) -> Option<String> {
    let l = s.get("location").filter(|l| l.is_object())?;
    let joined = [
        text(l, "city"),
        text(l, "state"),
        text(l, "zip"),
        text(l, "country"),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    (!joined.is_empty()).then_some(joined)
}

/// A track (from `GET /tracks/CARRIER/NUMBER` or the `data` of a `track_updated` webhook).
pub fn tracking(t: &Value) -> Result<Tracking, SyncError> {
    let mut events = Vec::new();
    for s in list(t, "tracking_history") {
        // A scan without its time cannot be placed.
        let Some(at) = text(s, "status_date").and_then(|d| parse_instant(d).ok()) else {
            continue;
        };
        events.push(TrackEvent {
            at,
            status: state(s),
            message: text(s, "status_details")
                .or_else(|| s.pointer("/substatus/text").and_then(Value::as_str))
                .unwrap_or("")
                .to_owned(),
            location: location(s),
        });
    }
    // Shippo sends the history oldest first, carriers not always: sorted, ties kept in order.
    events.sort_by_key(|e| e.at);
    let current = t.get("tracking_status").filter(|s| s.is_object());
    let (status, raw_status) = match current {
        Some(s) => (state(s), text(s, "status").unwrap_or("UNKNOWN").to_owned()),
        None => (
            events.last().map_or(TrackStatus::Unknown, |e| e.status),
            "UNKNOWN".to_owned(),
        ),
    };
    Ok(Tracking {
        tracking_number: text(t, "tracking_number")
            .ok_or_else(|| SyncError::bad_response("a track without a tracking_number".into()))?
            .to_owned(),
        carrier: text(t, "carrier").unwrap_or("").to_owned(),
        status,
        raw_status,
        events,
        est_delivery: text(t, "eta").and_then(|s| parse_instant(s).ok()),
        tracker_id: None,
    })
}

/// "PDF_4x6" → "PDF", "PNG_2.3x7.5" → "PNG", "ZPLII" → "ZPL".
fn label_format(file_type: Option<&str>) -> String {
    let t = file_type.unwrap_or(LABEL_FILE_TYPE).to_ascii_uppercase();
    if t.starts_with("ZPL") {
        return "ZPL".into();
    }
    t.split('_').next().unwrap_or(LABEL_FILE_TYPE).to_owned()
}

/// Whether a transaction is of the rate (its `rate` is the id, or a rate object with it).
fn of_rate(t: &Value, rate_id: &str) -> bool {
    match t.get("rate") {
        Some(Value::String(id)) => id == rate_id,
        Some(r) => r.get("object_id").and_then(Value::as_str) == Some(rate_id),
        None => false,
    }
}

/// A shipment without rates whose address Shippo found incomplete or invalid, in its words.
fn unusable_address(shipment: &Value) -> Option<SyncError> {
    for (key, name) in [
        ("address_to", "the ship-to address"),
        ("address_from", "the ship-from address"),
    ] {
        let Some(a) = shipment.get(key).filter(|a| a.is_object()) else {
            continue;
        };
        let results = a.get("validation_results").unwrap_or(&Value::Null);
        let invalid = results.get("is_valid").and_then(Value::as_bool) == Some(false);
        let incomplete = a.get("is_complete").and_then(Value::as_bool) == Some(false);
        if invalid || incomplete {
            let why = said(results).unwrap_or_else(|| {
                if invalid {
                    "Shippo could not validate it".into()
                } else {
                    "Shippo says it is incomplete".into()
                }
            });
            return Some(SyncError::rejected(format!(
                "Shippo cannot use {name}: {why}"
            )));
        }
    }
    None
}

impl Shippo {
    pub fn new(base_url: &str, api_key: &str, http: Http) -> Result<Self, SyncError> {
        if api_key.trim().is_empty() {
            return Err(SyncError::config(
                "a Shippo connection needs an API token".into(),
            ));
        }
        Ok(Self {
            base: base(base_url)?,
            key: api_key.trim().to_owned(),
            http,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{path}", self.base)
    }

    fn auth(&self, b: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        b.header("Authorization", format!("ShippoToken {}", self.key))
            .header("SHIPPO-API-VERSION", API_VERSION)
    }

    async fn get(&self, path: &str) -> Result<Value, SyncError> {
        let url = self.url(path);
        let r = self
            .http
            .send(|c| self.auth(c.get(&url)))
            .await
            .map_err(words)?;
        json_of(&r.body)
    }

    /// The customs declaration of an international parcel (`POST /customs/declarations/`):
    /// merchandise, returned if undeliverable, certified by the sender, NOEEI 30.37(a). Making
    /// one costs nothing, so it is sent again after a timeout.
    async fn declare(&self, r: &RateRequest) -> Result<String, SyncError> {
        let items: Vec<Value> = r
            .customs
            .iter()
            .map(|c| {
                let mut i = json!({
                    "description": c.description, "quantity": c.quantity,
                    "net_weight": c.weight_g.to_string(), "mass_unit": "g",
                    "value_amount": format_minor(c.value_minor, c.currency.exponent()),
                    "value_currency": c.currency.as_str(),
                });
                if let Some(m) = i.as_object_mut() {
                    put(m, "origin_country", c.origin_country.as_deref());
                    put(m, "tariff_number", c.hs_code.as_deref());
                }
                i
            })
            .collect();
        let signer = Some(r.from.name.trim())
            .filter(|n| !n.is_empty())
            .or(r.from.company.as_deref())
            .unwrap_or("");
        let body = json!({
            "certify": true, "certify_signer": signer, "contents_type": "MERCHANDISE",
            "non_delivery_option": "RETURN", "eel_pfc": "NOEEI_30_37_a", "items": items,
            "metadata": r.reference,
        });
        let url = self.url("customs/declarations/");
        let resp = self
            .http
            .send(|c| self.auth(c.post(&url)).json(&body))
            .await
            .map_err(words)?;
        Ok(text(&json_of(&resp.body)?, "object_id")
            .ok_or_else(|| {
                SyncError::bad_response("a customs declaration without an object_id".into())
            })?
            .to_owned())
    }

    /// A shipment for the parcel with every connected carrier's rates, cheapest first;
    /// `problems` names each carrier that did not quote with what it said (a carrier's
    /// warnings beside its quotes are left out). A shipment Shippo cannot rate because an
    /// address is incomplete or invalid is a `Rejected` error in Shippo's words.
    pub async fn rates(&self, r: &RateRequest) -> Result<Rates, SyncError> {
        let mut shipment = json!({
            "address_from": address(&r.from),
            "address_to": address(&r.to),
            "parcels": [parcel(&r.parcel)],
            "metadata": r.reference,
            "async": false,
        });
        if !r.customs.is_empty() {
            shipment["customs_declaration"] = json!(self.declare(r).await?);
        }
        let url = self.url("shipments/");
        // Creating a shipment buys nothing: repeating it after a timeout costs nothing.
        let resp = self
            .http
            .send(|c| self.auth(c.post(&url)).json(&shipment))
            .await
            .map_err(words)?;
        let v = json_of(&resp.body)?;
        let id = text(&v, "object_id")
            .ok_or_else(|| SyncError::bad_response("a shipment without an object_id".into()))?
            .to_owned();
        let mut quotes = Vec::new();
        for q in list(&v, "rates") {
            // A rate without an id cannot be bought.
            let Some(rate_id) = text(q, "object_id") else {
                continue;
            };
            let (amount_minor, currency) = money(q, "amount", "currency")?;
            quotes.push(Quote {
                rate_id: rate_id.to_owned(),
                carrier: text(q, "provider").unwrap_or("").to_owned(),
                service: q
                    .pointer("/servicelevel/name")
                    .or_else(|| q.pointer("/servicelevel/token"))
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
                amount_minor,
                currency,
                // `days` before API version 2018-02-08.
                delivery_days: q
                    .get("estimated_days")
                    .or_else(|| q.get("days"))
                    .and_then(Value::as_u64)
                    .and_then(|d| u32::try_from(d).ok()),
            });
        }
        quotes.sort_by_key(|q| q.amount_minor);
        if quotes.is_empty() {
            if let Some(e) = unusable_address(&v) {
                return Err(e);
            }
        }
        // One line per carrier without a quote, its distinct messages joined.
        let mut silent: Vec<(String, Vec<String>)> = Vec::new();
        for m in list(&v, "messages") {
            let source = text(m, "source").unwrap_or("Shippo");
            if quotes.iter().any(|q| same_carrier(&q.carrier, source)) {
                continue;
            }
            let said = text(m, "text").unwrap_or("no rate").to_owned();
            match silent.iter_mut().find(|(s, _)| same_carrier(s, source)) {
                Some((_, all)) if all.contains(&said) => {}
                Some((_, all)) => all.push(said),
                None => silent.push((source.to_owned(), vec![said])),
            }
        }
        Ok(Rates {
            shipment_id: id,
            quotes,
            problems: silent
                .into_iter()
                .map(|(s, all)| format!("{s}: {}", all.join("; ")))
                .collect(),
        })
    }

    /// A transaction as it is now.
    pub async fn transaction(&self, transaction_id: &str) -> Result<Value, SyncError> {
        self.get(&format!("transactions/{}", segment(transaction_id)))
            .await
    }

    /// The rate's transaction that bought (or is buying) a label, if there is one: a
    /// successful one first, else one still queued. A failed transaction bought nothing and
    /// is passed over. Reads the first page of `GET /transactions/?rate=ID` (a rate has few).
    async fn earlier(&self, rate_id: &str) -> Result<Option<Value>, SyncError> {
        let url = self.url("transactions/");
        let r = self
            .http
            .send(|c| self.auth(c.get(&url)).query(&[("rate", rate_id)]))
            .await
            .map_err(words)?;
        let v = json_of(&r.body)?;
        let mut queued = None;
        for t in list(&v, "results").filter(|t| of_rate(t, rate_id)) {
            match text(t, "status") {
                // A refund the carrier turned down leaves the label bought.
                Some("SUCCESS" | "REFUNDREJECTED") => return Ok(Some(t.clone())),
                Some("QUEUED" | "WAITING") if queued.is_none() => queued = Some(t.clone()),
                _ => {}
            }
        }
        Ok(queued)
    }

    /// The label of a transaction: waits (a bounded number of looks) while Shippo is still
    /// making it; a failed one is a `Rejected` error in Shippo's words.
    async fn settle(
        &self,
        shipment_id: &str,
        rate_id: &str,
        mut t: Value,
        new_purchase: bool,
    ) -> Result<Label, SyncError> {
        let looks = self.http.policy.attempts.max(1);
        for look in 1..=looks {
            match text(&t, "status").unwrap_or("") {
                "SUCCESS" | "REFUNDREJECTED" => {
                    return self.label_of(shipment_id, rate_id, &t, new_purchase).await
                }
                "ERROR" => {
                    return Err(SyncError::rejected(format!(
                        "Shippo could not buy the label: {}",
                        said(&t).unwrap_or_else(|| "no reason given".into())
                    )))
                }
                "QUEUED" | "WAITING" if look < looks => {
                    tokio::time::sleep(self.http.backoff(look)).await;
                    let id = text(&t, "object_id").ok_or_else(|| {
                        SyncError::bad_response("a transaction without an object_id".into())
                    })?;
                    t = self.transaction(id).await?;
                }
                "QUEUED" | "WAITING" => {}
                other => {
                    return Err(SyncError::bad_response(format!(
                        "a purchase answered with status {other:?}"
                    )))
                }
            }
        }
        Err(SyncError::network(format!(
            "Shippo is still making the label (transaction {}); ask again later, it will not \
             be bought twice",
            text(&t, "object_id").unwrap_or("?")
        )))
    }

    async fn label_of(
        &self,
        shipment_id: &str,
        rate_id: &str,
        t: &Value,
        new_purchase: bool,
    ) -> Result<Label, SyncError> {
        // The transaction names its rate, as an id or (lately) a short rate object.
        let rate = match t.get("rate") {
            Some(r) if r.get("amount").is_some() => r.clone(),
            Some(Value::String(id)) => self.get(&format!("rates/{}", segment(id))).await?,
            _ => self.get(&format!("rates/{}", segment(rate_id))).await?,
        };
        let (amount_minor, currency) = money(&rate, "amount", "currency")?;
        let missing =
            |what: &str| SyncError::bad_response(format!("a bought label without {what}"));
        Ok(Label {
            shipment_id: shipment_id.to_owned(),
            tracking_number: text(t, "tracking_number")
                .ok_or_else(|| missing("a tracking number"))?
                .to_owned(),
            carrier: text(&rate, "provider").unwrap_or("").to_owned(),
            service: rate
                .pointer("/servicelevel/name")
                .and_then(Value::as_str)
                .or_else(|| text(&rate, "servicelevel_name"))
                .unwrap_or("")
                .to_owned(),
            amount_minor,
            currency,
            label_url: text(t, "label_url")
                .ok_or_else(|| missing("a label_url"))?
                .to_owned(),
            label_format: label_format(text(t, "label_file_type")),
            tracker_id: None,
            label_id: text(t, "object_id")
                .ok_or_else(|| missing("an object_id"))?
                .to_owned(),
            new_purchase,
        })
    }

    /// Buys a rate (`POST /transactions/`, a PDF label, answered when done). Never buys
    /// twice: it looks for the rate's transaction first, and the purchase itself is sent once
    /// — a timeout is returned as it is, and the next call finds what Shippo made of it. A
    /// refused purchase looks once more (another purchase of the rate may have won the race).
    pub async fn buy(&self, shipment_id: &str, rate_id: &str) -> Result<Label, SyncError> {
        if let Some(t) = self.earlier(rate_id).await? {
            return self.settle(shipment_id, rate_id, t, false).await;
        }
        let url = self.url("transactions/");
        let body = json!({ "rate": rate_id, "label_file_type": LABEL_FILE_TYPE, "async": false });
        match self
            .http
            .send_once(|c| self.auth(c.post(&url)).json(&body))
            .await
        {
            Ok(r) => {
                self.settle(shipment_id, rate_id, json_of(&r.body)?, true)
                    .await
            }
            Err(e) if e.kind == crate::SyncErrorKind::Rejected => {
                match self.earlier(rate_id).await? {
                    Some(t) => self.settle(shipment_id, rate_id, t, false).await,
                    None => Err(words(e)),
                }
            }
            Err(e) => Err(words(e)),
        }
    }

    /// A label file (Shippo's label URLs are signed and need no token; none is sent to
    /// another host).
    pub async fn download(&self, url: &str) -> Result<Vec<u8>, SyncError> {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(SyncError::bad_response(format!(
                "label URL {url:?} is not a web address"
            )));
        }
        Ok(self.http.send(|c| c.get(url)).await?.body)
    }

    /// Where a parcel is: `GET /tracks/CARRIER/NUMBER`, the carrier as Shippo's token or as
    /// the name its rates gave (see `carrier_token`).
    pub async fn track(&self, carrier: &str, tracking_number: &str) -> Result<Tracking, SyncError> {
        let v = self
            .get(&format!(
                "tracks/{}/{}",
                segment(&carrier_token(carrier)),
                segment(tracking_number)
            ))
            .await?;
        tracking(&v)
    }

    /// Voids a label and asks for its postage back (`POST /refunds/` with the transaction).
    /// Looks first: a transaction already refunded (or being refunded) is not asked about
    /// again, and the request itself is sent once. SUCCESS is `Voided`, QUEUED and PENDING
    /// are `Pending`, ERROR and a 400/409/422 refusal are `Refused` with Shippo's words.
    pub async fn void(&self, transaction_id: &str) -> Result<VoidOutcome, SyncError> {
        match text(&self.transaction(transaction_id).await?, "status") {
            Some("REFUNDED") => return Ok(VoidOutcome::Voided),
            Some("REFUNDPENDING") => return Ok(VoidOutcome::Pending),
            _ => {}
        }
        let url = self.url("refunds/");
        let body = json!({ "transaction": transaction_id, "async": false });
        let r = match self
            .http
            .send_once(|c| self.auth(c.post(&url)).json(&body))
            .await
        {
            Ok(r) => r,
            Err(e) => {
                let e = words(e);
                return refusal(&e).map(VoidOutcome::Refused).ok_or(e);
            }
        };
        let v = json_of(&r.body)?;
        match text(&v, "status") {
            Some("SUCCESS") => Ok(VoidOutcome::Voided),
            Some("QUEUED" | "PENDING") => Ok(VoidOutcome::Pending),
            Some("ERROR") => {
                Ok(VoidOutcome::Refused(said(&v).unwrap_or_else(|| {
                    "Shippo refused the refund (ERROR)".into()
                })))
            }
            other => Err(SyncError::bad_response(format!(
                "a refund with status {other:?}"
            ))),
        }
    }
}
