//! Value types that are parsed once at the edge and trusted afterwards ("parse, don't validate").

use crate::ParseError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// An ISO 4217 currency code (three ASCII capitals).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    /// For codes written in the source: checked at compile time when used in a const.
    pub const fn of(code: &str) -> Currency {
        let b = code.as_bytes();
        assert!(
            b.len() == 3
                && b[0].is_ascii_uppercase()
                && b[1].is_ascii_uppercase()
                && b[2].is_ascii_uppercase(),
            "currency code must be three capitals"
        );
        Currency([b[0], b[1], b[2]])
    }
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let t = s.trim().to_ascii_uppercase();
        let b = t.as_bytes();
        if b.len() != 3 || !b.iter().all(u8::is_ascii_uppercase) {
            return Err(ParseError::new(
                "currency",
                format!("expected a 3-letter ISO 4217 code, got {s:?}"),
            ));
        }
        Ok(Self([b[0], b[1], b[2]]))
    }
    pub fn as_str(&self) -> &str {
        // Only ASCII capitals are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }
    /// Digits after the decimal point (ISO 4217 minor unit) for the currencies we know; 2 otherwise.
    pub fn exponent(&self) -> u32 {
        match self.as_str() {
            "JPY" | "KRW" | "ISK" | "CLP" | "VND" | "HUF" | "TWD" | "UGX" | "XAF" | "XOF" => 0,
            "BHD" | "KWD" | "OMR" | "JOD" | "TND" | "IQD" | "LYD" => 3,
            _ => 2,
        }
    }
}
impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
impl TryFrom<String> for Currency {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, ParseError> {
        Self::parse(&s)
    }
}
impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.as_str().to_owned()
    }
}

/// Money: integer minor units and a currency. Never floats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(minor: i64, currency: Currency) -> Self {
        Self { minor, currency }
    }
    pub fn zero(currency: Currency) -> Self {
        Self { minor: 0, currency }
    }
    /// Parses a decimal amount such as "12.50" or "-3" in the currency's minor units.
    /// More fraction digits than the currency has is an error, never a silent rounding.
    pub fn parse_decimal(s: &str, currency: Currency) -> Result<Self, ParseError> {
        let minor = parse_decimal_minor(s, currency.exponent())?;
        Ok(Self { minor, currency })
    }
    pub fn checked_add(self, other: Money) -> Result<Money, ParseError> {
        if self.currency != other.currency {
            return Err(ParseError::new(
                "money",
                format!("cannot add {} to {}", other.currency, self.currency),
            ));
        }
        self.minor
            .checked_add(other.minor)
            .map(|minor| Money {
                minor,
                currency: self.currency,
            })
            .ok_or_else(|| ParseError::new("money", "amount overflows"))
    }
    pub fn checked_mul(self, qty: i64) -> Result<Money, ParseError> {
        self.minor
            .checked_mul(qty)
            .map(|minor| Money {
                minor,
                currency: self.currency,
            })
            .ok_or_else(|| ParseError::new("money", "amount overflows"))
    }
    /// Formats as a plain decimal ("12.50"), the inverse of `parse_decimal`.
    pub fn to_decimal_string(self) -> String {
        format_minor(self.minor, self.currency.exponent())
    }
}

pub fn parse_decimal_minor(s: &str, exponent: u32) -> Result<i64, ParseError> {
    let t = s.trim();
    let err = |why: &str| ParseError::new("amount", format!("{why}: {s:?}"));
    if t.is_empty() {
        return Err(err("empty amount"));
    }
    let (neg, body) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (int_part, frac_part) = match body.split_once('.') {
        Some((i, f)) => (i, f),
        None => (body, ""),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return Err(err("not a number"));
    }
    if !int_part.bytes().all(|b| b.is_ascii_digit())
        || !frac_part.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(err("not a decimal number"));
    }
    if frac_part.len() > exponent as usize {
        return Err(err(&format!("more than {exponent} decimal places")));
    }
    let scale = 10i64.pow(exponent);
    let int: i64 = if int_part.is_empty() {
        0
    } else {
        int_part.parse().map_err(|_| err("amount too large"))?
    };
    let mut frac: i64 = if frac_part.is_empty() {
        0
    } else {
        frac_part.parse().map_err(|_| err("bad fraction"))?
    };
    frac *= 10i64.pow(exponent - frac_part.len() as u32);
    let v = int
        .checked_mul(scale)
        .and_then(|v| v.checked_add(frac))
        .ok_or_else(|| err("amount too large"))?;
    Ok(if neg { -v } else { v })
}

pub fn format_minor(minor: i64, exponent: u32) -> String {
    if exponent == 0 {
        return minor.to_string();
    }
    let scale = 10u64.pow(exponent);
    let abs = minor.unsigned_abs();
    let sign = if minor < 0 { "-" } else { "" };
    format!(
        "{sign}{}.{:0width$}",
        abs / scale,
        abs % scale,
        width = exponent as usize
    )
}

macro_rules! string_newtype {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);
        impl $name {
            pub fn as_str(&self) -> &str { &self.0 }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(&self.0) }
        }
        impl TryFrom<String> for $name {
            type Error = ParseError;
            fn try_from(s: String) -> Result<Self, ParseError> { Self::parse(&s) }
        }
        impl From<$name> for String {
            fn from(v: $name) -> String { v.0 }
        }
    };
}

string_newtype!(
    /// A stock-keeping unit: 1–64 visible characters, no spaces. Compared case-sensitively,
    /// as channels do.
    Sku
);
impl Sku {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let t = s.trim();
        if t.is_empty() || t.chars().count() > 64 {
            return Err(ParseError::new(
                "sku",
                format!("must be 1 to 64 characters, got {s:?}"),
            ));
        }
        if t.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ParseError::new(
                "sku",
                format!("must not contain spaces, got {s:?}"),
            ));
        }
        Ok(Self(t.to_owned()))
    }
}

string_newtype!(
    /// An e-mail address, trimmed and with the domain lower-cased.
    Email
);
impl Email {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let t = s.trim();
        let bad = |why: &str| ParseError::new("email", format!("{why}: {s:?}"));
        let (local, domain) = t.rsplit_once('@').ok_or_else(|| bad("missing @"))?;
        if local.is_empty() || local.len() > 64 {
            return Err(bad("empty or too long local part"));
        }
        if domain.len() < 3
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
        {
            return Err(bad("domain must look like example.com"));
        }
        if t.chars().any(|c| c.is_whitespace() || c.is_control()) || domain.contains('@') {
            return Err(bad("contains spaces or a second @"));
        }
        Ok(Self(format!("{local}@{}", domain.to_ascii_lowercase())))
    }
}

string_newtype!(
    /// An ISO 3166-1 alpha-2 country code, upper case.
    CountryCode
);
impl CountryCode {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let t = s.trim().to_ascii_uppercase();
        if t.len() != 2 || !t.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(ParseError::new(
                "country",
                format!("expected a 2-letter ISO 3166 code, got {s:?}"),
            ));
        }
        Ok(Self(t))
    }
}

string_newtype!(
    /// An order tag: lower case, 1–40 characters of letters, digits, '-', '_' or ':'.
    Tag
);
impl Tag {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let t = s.trim().to_lowercase();
        let ok = !t.is_empty()
            && t.chars().count() <= 40
            && t.chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ':'));
        if !ok {
            return Err(ParseError::new(
                "tag",
                format!("use 1-40 letters, digits, '-', '_' or ':', got {s:?}"),
            ));
        }
        Ok(Self(t))
    }
}

/// A positive count of units (1 ..= 1,000,000).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Quantity(u32);
impl Quantity {
    pub const MAX: u32 = 1_000_000;
    pub fn new(n: i64) -> Result<Self, ParseError> {
        if n >= 1 && n <= i64::from(Self::MAX) {
            Ok(Self(n as u32))
        } else {
            Err(ParseError::new(
                "quantity",
                format!("must be between 1 and {}, got {n}", Self::MAX),
            ))
        }
    }
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let n: i64 = s
            .trim()
            .parse()
            .map_err(|_| ParseError::new("quantity", format!("not a whole number: {s:?}")))?;
        Self::new(n)
    }
    pub fn get(self) -> u32 {
        self.0
    }
}
impl TryFrom<i64> for Quantity {
    type Error = ParseError;
    fn try_from(n: i64) -> Result<Self, ParseError> {
        Self::new(n)
    }
}
impl From<Quantity> for i64 {
    fn from(q: Quantity) -> i64 {
        i64::from(q.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn eur() -> Currency {
        Currency::parse("eur").expect("valid")
    }

    #[test]
    fn decimal_amounts_parse_exactly() {
        assert_eq!(
            Money::parse_decimal("12.5", eur()).map(|m| m.minor),
            Ok(1250)
        );
        assert_eq!(
            Money::parse_decimal("-0.01", eur()).map(|m| m.minor),
            Ok(-1)
        );
        assert_eq!(Money::parse_decimal("7", eur()).map(|m| m.minor), Ok(700));
        assert!(
            Money::parse_decimal("1.234", eur()).is_err(),
            "no silent rounding"
        );
        assert!(Money::parse_decimal("1,50", eur()).is_err());
        assert!(Money::parse_decimal("", eur()).is_err());
        let jpy = Currency::parse("JPY").expect("valid");
        assert_eq!(Money::parse_decimal("1500", jpy).map(|m| m.minor), Ok(1500));
        assert!(Money::parse_decimal("1500.5", jpy).is_err());
    }

    #[test]
    fn adding_different_currencies_is_an_error() {
        let usd = Currency::parse("USD").expect("valid");
        assert!(Money::new(1, eur())
            .checked_add(Money::new(1, usd))
            .is_err());
    }

    #[test]
    fn value_types_reject_bad_input() {
        assert!(Sku::parse("A B").is_err());
        assert!(Sku::parse("").is_err());
        assert_eq!(
            Email::parse(" Anna@Example.COM ").map(String::from),
            Ok("Anna@example.com".into())
        );
        assert!(Email::parse("anna.example.com").is_err());
        assert!(Email::parse("anna@localhost").is_err());
        assert!(CountryCode::parse("DEU").is_err());
        assert_eq!(Tag::parse(" VIP ").map(String::from), Ok("vip".into()));
        assert!(Tag::parse("two words").is_err());
        assert!(Quantity::parse("0").is_err());
        assert!(Quantity::parse("2.5").is_err());
    }

    proptest! {
        #[test]
        fn decimal_round_trips(minor in -10_000_000_000i64..10_000_000_000i64, exp in 0u32..4) {
            let s = format_minor(minor, exp);
            prop_assert_eq!(parse_decimal_minor(&s, exp), Ok(minor));
        }

        #[test]
        fn sums_are_exact(a in -1_000_000_000i64..1_000_000_000, b in -1_000_000_000i64..1_000_000_000) {
            let m = Money::new(a, eur()).checked_add(Money::new(b, eur())).map(|m| m.minor);
            prop_assert_eq!(m, Ok(a + b));
        }
    }
}

/// Parses an instant as RFC 3339 (`2026-11-24T10:15:00Z`, `…+01:00`, optional fraction) or a
/// plain date (`2026-11-24`, midnight UTC) into epoch milliseconds UTC.
pub fn parse_instant(s: &str) -> Result<i64, ParseError> {
    let t = s.trim();
    let bad = || {
        ParseError::new(
            "time",
            format!(
                "expected RFC 3339 like 2026-11-24T10:15:00Z or a date like 2026-11-24, got {s:?}"
            ),
        )
    };
    let num = |a: usize, b: usize| -> Result<i64, ParseError> {
        let part = t.get(a..b).ok_or_else(bad)?;
        if !part.bytes().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        part.parse().map_err(|_| bad())
    };
    if t.len() < 10 || t.as_bytes().get(4) != Some(&b'-') || t.as_bytes().get(7) != Some(&b'-') {
        return Err(bad());
    }
    let (y, mo, d) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo as u32) {
        return Err(bad());
    }
    let day = crate::views::days_from_civil(y, mo as u32, d as u32);
    if t.len() == 10 {
        return Ok(day * 86_400_000);
    }
    let sep = t.as_bytes()[10];
    if !(sep == b'T' || sep == b't' || sep == b' ')
        || t.len() < 19
        || t.as_bytes()[13] != b':'
        || t.as_bytes()[16] != b':'
    {
        return Err(bad());
    }
    let (h, mi, sec) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    if h > 23 || mi > 59 || sec > 60 {
        return Err(bad());
    }
    let mut rest = &t[19..];
    let mut millis = 0i64;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(bad());
        }
        let ms_part: String = frac[..digits]
            .chars()
            .chain("000".chars())
            .take(3)
            .collect();
        millis = ms_part.parse().map_err(|_| bad())?;
        rest = &frac[digits..];
    }
    let offset_min = match rest {
        "Z" | "z" => 0,
        r if (r.starts_with('+') || r.starts_with('-'))
            && r.len() == 6
            && r.as_bytes()[3] == b':' =>
        {
            let oh: i64 = r[1..3].parse().map_err(|_| bad())?;
            let om: i64 = r[4..6].parse().map_err(|_| bad())?;
            let v = oh * 60 + om;
            if r.starts_with('-') {
                -v
            } else {
                v
            }
        }
        _ => return Err(bad()),
    };
    Ok(day * 86_400_000 + ((h * 60 + mi - offset_min) * 60 + sec) * 1000 + millis)
}

fn days_in_month(y: i64, m: u32) -> i64 {
    match m {
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// Formats epoch milliseconds as RFC 3339 UTC (`2026-11-24T10:15:00Z`).
pub fn format_instant(ms: i64) -> String {
    let day = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000) / 1000;
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        crate::views::day_to_iso(day),
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod instant_tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_offsets_and_dates() {
        assert_eq!(parse_instant("1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(parse_instant("1970-01-01T01:00:00+01:00"), Ok(0));
        assert_eq!(parse_instant("1970-01-02"), Ok(86_400_000));
        assert_eq!(
            parse_instant("2026-11-24T10:15:00.5Z").map(|v| v % 1000),
            Ok(500)
        );
        assert!(parse_instant("2026-02-30").is_err());
        assert!(parse_instant("24.11.2026").is_err());
        assert!(
            parse_instant("2026-11-24T10:15:00").is_err(),
            "a time without a zone is ambiguous"
        );
    }

    proptest! {
        #[test]
        fn format_parse_round_trip(secs in -2_000_000_000i64..4_000_000_000) {
            let ms = secs * 1000;
            prop_assert_eq!(parse_instant(&format_instant(ms)), Ok(ms));
        }
    }
}
