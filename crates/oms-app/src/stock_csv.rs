//! CSV of stock counts: `sku,location,on_hand[,safety_stock]` (location by name or id). Every
//! problem names its row (1-based, the header is row 0) and column.

use crate::error::{ApiError, ErrorCode, FieldError};
use oms_domain::Sku;
use std::path::Path;

pub const COLUMNS: &[&str] = &["sku", "location", "on_hand", "safety_stock"];

pub(crate) struct StockRow {
    pub row: u32,
    pub sku: Option<Sku>,
    pub location: Option<String>,
    pub on_hand: Option<i64>,
    pub safety_stock: Option<i64>,
    pub errors: Vec<FieldError>,
}

pub(crate) fn err(row: u32, column: &str, message: impl Into<String>) -> FieldError {
    FieldError {
        row: Some(row),
        column: Some(column.to_owned()),
        message: message.into(),
    }
}

/// Counts a left-out row and keeps its errors (the first 200 of the file are listed).
pub(crate) fn skip_row(
    errs: Vec<FieldError>,
    listed: &mut Vec<FieldError>,
    error_count: &mut u64,
    skipped_rows: &mut u64,
) {
    *skipped_rows += 1;
    *error_count += errs.len() as u64;
    for e in errs {
        if listed.len() < 200 {
            listed.push(e);
        }
    }
}

fn count(row: u32, column: &str, v: &str, errors: &mut Vec<FieldError>) -> Option<i64> {
    match v.trim().parse::<i64>() {
        Ok(n) if (0..=1_000_000_000).contains(&n) => Some(n),
        Ok(_) => {
            errors.push(err(row, column, "must be between 0 and 1000000000"));
            None
        }
        Err(_) => {
            errors.push(err(row, column, format!("{v:?} is not a whole number")));
            None
        }
    }
}

pub(crate) fn read(path: &Path) -> Result<Vec<StockRow>, ApiError> {
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| ApiError::io(format!("{}: {e}", path.display())))?;
    let headers = r
        .headers()
        .map_err(|e| ApiError::new(ErrorCode::CsvInvalid, format!("header: {e}")))?
        .clone();
    let idx = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (Some(i_sku), Some(i_loc), Some(i_on)) = (idx("sku"), idx("location"), idx("on_hand"))
    else {
        return Err(ApiError {
            code: ErrorCode::CsvInvalid,
            message: "the header must name the columns sku, location and on_hand".into(),
            details: ["sku", "location", "on_hand"]
                .iter()
                .filter(|c| idx(c).is_none())
                .map(|c| FieldError {
                    row: Some(0),
                    column: Some((*c).to_owned()),
                    message: "missing column".into(),
                })
                .collect(),
        });
    };
    let i_safety = idx("safety_stock");
    let mut out = Vec::new();
    for (n, rec) in r.records().enumerate() {
        let row = n as u32 + 1;
        let rec = match rec {
            Ok(rec) => rec,
            Err(e) => {
                out.push(StockRow {
                    row,
                    sku: None,
                    location: None,
                    on_hand: None,
                    safety_stock: None,
                    errors: vec![err(row, "", format!("unreadable row: {e}"))],
                });
                continue;
            }
        };
        let mut errors = Vec::new();
        let get = |i: usize| rec.get(i).unwrap_or("").trim();
        let sku = match Sku::parse(get(i_sku)) {
            Ok(s) => Some(s),
            Err(e) => {
                errors.push(err(row, "sku", e.reason));
                None
            }
        };
        let location = match get(i_loc) {
            "" => {
                errors.push(err(row, "location", "must not be empty"));
                None
            }
            l => Some(l.to_owned()),
        };
        let on_hand = count(row, "on_hand", get(i_on), &mut errors);
        let safety_stock = match i_safety.map(get) {
            None | Some("") => None,
            Some(v) => count(row, "safety_stock", v, &mut errors),
        };
        out.push(StockRow {
            row,
            sku,
            location,
            on_hand,
            safety_stock,
            errors,
        });
    }
    Ok(out)
}
