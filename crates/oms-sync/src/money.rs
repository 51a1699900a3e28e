//! Mapping helpers shared by the connectors: amounts, addresses, tags, SKUs.

use crate::MapError;
use oms_domain::{parse_decimal_minor, Address, CountryCode, Currency, Sku, Tag};
use serde_json::Value;

/// A decimal amount ("12.50", or a JSON number) in the currency's minor units.
pub(crate) fn minor(v: Option<&Value>, currency: Currency, field: &str) -> Result<i64, MapError> {
    match v {
        None | Some(Value::Null) => Ok(0),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(0),
        Some(Value::String(s)) => parse_decimal_minor(&exact(s), currency.exponent())
            .map_err(|e| MapError(format!("{field}: {e}"))),
        Some(Value::Number(n)) => parse_decimal_minor(&exact(&n.to_string()), currency.exponent())
            .map_err(|e| MapError(format!("{field}: {e}"))),
        Some(other) => Err(MapError(format!(
            "{field}: expected an amount, got {other}"
        ))),
    }
}

/// Trailing zeros of the fraction say nothing: "1500.0" yen is 1500 (Shopify's Decimal always
/// has a fraction; a JPY amount would otherwise have more decimals than the currency).
fn exact(s: &str) -> String {
    let t = s.trim();
    match t.split_once('.') {
        Some((whole, frac)) => {
            let frac = frac.trim_end_matches('0');
            if frac.is_empty() {
                whole.to_owned()
            } else {
                format!("{whole}.{frac}")
            }
        }
        None => t.to_owned(),
    }
}

pub(crate) fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// Tags as the channel has them, made into ours: "VIP Customer" becomes "vip-customer";
/// what cannot be made one is left out.
pub(crate) fn tags<'a>(raw: impl Iterator<Item = &'a str>) -> Vec<Tag> {
    let mut out: Vec<Tag> = Vec::new();
    for t in raw {
        let cleaned: String = t
            .trim()
            .chars()
            .map(|c| if c.is_whitespace() { '-' } else { c })
            .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ':'))
            .take(40)
            .collect();
        if let Ok(tag) = Tag::parse(&cleaned) {
            if !out.contains(&tag) {
                out.push(tag);
            }
        }
    }
    out
}

/// The channel's SKU, or — for a line without one — a stand-in that names the channel's own
/// product id so the line is kept and shows up as unknown (never dropped).
pub(crate) fn sku(raw: Option<&str>, fallback: &str) -> Result<Sku, MapError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => {
            // Spaces are not allowed in ours; channels allow them.
            let s: String = s.split_whitespace().collect::<Vec<_>>().join("-");
            Sku::parse(&s).map_err(|e| MapError(e.to_string()))
        }
        None => Sku::parse(fallback).map_err(|e| MapError(e.to_string())),
    }
}

/// An address from its parts; `None` when there is no street or no country (a digital order).
#[allow(clippy::too_many_arguments)]
pub(crate) fn address(
    name: String,
    company: Option<&str>,
    line1: Option<&str>,
    line2: Option<&str>,
    city: Option<&str>,
    region: Option<&str>,
    postal: Option<&str>,
    country: Option<&str>,
    phone: Option<&str>,
) -> Result<Option<Address>, String> {
    let (Some(line1), Some(country)) = (line1, country) else {
        return Ok(None);
    };
    let country = CountryCode::parse(country).map_err(|e| e.to_string())?;
    Ok(Some(Address {
        name,
        company: company.map(str::to_owned),
        line1: line1.to_owned(),
        line2: line2.map(str::to_owned),
        city: city.unwrap_or_default().to_owned(),
        region: region.map(str::to_owned),
        postal_code: postal.map(str::to_owned),
        country,
        phone: phone.map(str::to_owned),
    }))
}

/// A short stable hash (FNV-1a, hex) for keys made of other keys.
pub(crate) fn short_hash(s: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}
