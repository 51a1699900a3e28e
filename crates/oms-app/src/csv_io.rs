//! CSV import and export of orders: one row per order line, order fields repeated on each of its
//! rows (the format is documented in docs/csv-format.md). Export writes the same columns, so an
//! export imports back unchanged.

use crate::error::{ApiError, ErrorCode, FieldError};
use oms_domain::*;
use std::collections::HashSet;

pub const COLUMNS: &[&str] = &[
    "channel",
    "connection",
    "external_id",
    "order_number",
    "placed_at",
    "updated_at",
    "currency",
    "status",
    "payment_status",
    "priority",
    "tags",
    "customer_name",
    "email",
    "phone",
    "ship_name",
    "ship_company",
    "ship_line1",
    "ship_line2",
    "ship_city",
    "ship_region",
    "ship_postal_code",
    "ship_country",
    "bill_name",
    "bill_company",
    "bill_line1",
    "bill_line2",
    "bill_city",
    "bill_region",
    "bill_postal_code",
    "bill_country",
    "shipping_service",
    "ship_by",
    "shipping_total",
    "tax_total",
    "discount_total",
    "grand_total",
    "sku",
    "title",
    "quantity",
    "unit_price",
];
pub const REQUIRED: &[&str] = &[
    "external_id",
    "order_number",
    "placed_at",
    "currency",
    "customer_name",
    "sku",
    "quantity",
    "unit_price",
];

/// At most this many row errors are reported in detail; all are counted.
pub const MAX_DETAILS: usize = 200;

pub(crate) struct Header {
    idx: Vec<Option<usize>>, // by COLUMNS position
}

impl Header {
    pub fn parse(h: &csv::StringRecord) -> Result<Self, ApiError> {
        let mut idx = vec![None; COLUMNS.len()];
        let mut details = Vec::new();
        for (i, name) in h.iter().enumerate() {
            let n = name
                .trim()
                .trim_start_matches('\u{feff}')
                .to_ascii_lowercase();
            match COLUMNS.iter().position(|c| *c == n) {
                Some(p) if idx[p].is_some() => details.push(FieldError {
                    row: Some(0),
                    column: Some(n.clone()),
                    message: "column appears twice".into(),
                }),
                Some(p) => idx[p] = Some(i),
                None => details.push(FieldError {
                    row: Some(0),
                    column: Some(n.clone()),
                    message: "unknown column".into(),
                }),
            }
        }
        for r in REQUIRED {
            if COLUMNS
                .iter()
                .position(|c| c == r)
                .and_then(|p| idx[p])
                .is_none()
            {
                details.push(FieldError {
                    row: Some(0),
                    column: Some((*r).into()),
                    message: "required column is missing".into(),
                });
            }
        }
        if details.is_empty() {
            Ok(Self { idx })
        } else {
            Err(ApiError {
                code: ErrorCode::CsvInvalid,
                message: "the header row is not an order CSV header".into(),
                details,
            })
        }
    }
    fn get<'r>(&self, rec: &'r csv::StringRecord, col: &str) -> Option<&'r str> {
        let p = COLUMNS.iter().position(|c| *c == col)?;
        self.idx[p]
            .and_then(|i| rec.get(i))
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }
}

/// Row-level parse result: the order fields (only taken from an order's first row) and the line.
struct RowParse {
    key: (String, String, String),
    order: NewOrder,
    grand_total: Option<i64>,
}

fn row_err(row: u32, column: &str, message: impl Into<String>) -> FieldError {
    FieldError {
        row: Some(row),
        column: Some(column.into()),
        message: message.into(),
    }
}

fn parse_row(h: &Header, rec: &csv::StringRecord, row: u32) -> Result<RowParse, Vec<FieldError>> {
    let mut errs = Vec::new();
    let mut req = |col: &str| -> String {
        match h.get(rec, col) {
            Some(v) => v.to_owned(),
            None => {
                errs.push(row_err(row, col, "required value is empty"));
                String::new()
            }
        }
    };
    let external_id = req("external_id");
    let order_number = req("order_number");
    let placed_raw = req("placed_at");
    let currency_raw = req("currency");
    let customer_name = req("customer_name");
    let sku_raw = req("sku");
    let qty_raw = req("quantity");
    let price_raw = req("unit_price");
    macro_rules! field {
        ($col:literal, $e:expr) => {
            match $e {
                Ok(v) => Some(v),
                Err(e) => {
                    errs.push(row_err(row, $col, e.reason));
                    None
                }
            }
        };
    }
    let channel = match h.get(rec, "channel") {
        Some(c) => field!("channel", ChannelKind::parse(&c.to_ascii_lowercase())),
        None => Some(ChannelKind::Csv),
    };
    let connection = h.get(rec, "connection").unwrap_or("CSV import").to_owned();
    let placed_at = if placed_raw.is_empty() {
        None
    } else {
        field!("placed_at", parse_instant(&placed_raw))
    };
    let updated_at = h
        .get(rec, "updated_at")
        .and_then(|v| field!("updated_at", parse_instant(v)));
    let currency = if currency_raw.is_empty() {
        None
    } else {
        field!("currency", Currency::parse(&currency_raw))
    };
    let status = match h.get(rec, "status") {
        Some(s) => field!("status", OrderStatus::parse(&s.to_ascii_lowercase())),
        None => Some(OrderStatus::Pending),
    };
    let payment_status = match h.get(rec, "payment_status") {
        Some(s) => field!(
            "payment_status",
            PaymentStatus::parse(&s.to_ascii_lowercase())
        ),
        None => Some(PaymentStatus::Pending),
    };
    let priority = match h.get(rec, "priority") {
        Some(p) => field!(
            "priority",
            p.parse::<i32>()
                .map_err(|_| ParseError::new("priority", format!("not a whole number: {p:?}")))
        ),
        None => Some(0),
    };
    let mut tags = Vec::new();
    for t in h
        .get(rec, "tags")
        .unwrap_or("")
        .split([' ', ';', ','])
        .filter(|t| !t.is_empty())
    {
        if let Some(t) = field!("tags", Tag::parse(t)) {
            if !tags.contains(&t) {
                tags.push(t);
            }
        }
    }
    let email = h
        .get(rec, "email")
        .and_then(|e| field!("email", Email::parse(e)));
    let ship_by = h
        .get(rec, "ship_by")
        .and_then(|v| field!("ship_by", parse_instant(v)));
    let cur = currency.unwrap_or(Currency::of("XXX"));
    let exp = cur.exponent();
    let money = |col: &'static str, errs: &mut Vec<FieldError>| -> i64 {
        match h.get(rec, col) {
            Some(v) => match parse_decimal_minor(v, exp) {
                Ok(m) => m,
                Err(e) => {
                    errs.push(row_err(row, col, e.reason));
                    0
                }
            },
            None => 0,
        }
    };
    let shipping_total = money("shipping_total", &mut errs);
    let tax_total = money("tax_total", &mut errs);
    let discount_total = money("discount_total", &mut errs);
    let grand_total = h
        .get(rec, "grand_total")
        .map(|_| money("grand_total", &mut errs));
    let unit_price = if price_raw.is_empty() {
        0
    } else {
        money("unit_price", &mut errs)
    };
    let sku = if sku_raw.is_empty() {
        None
    } else {
        field!("sku", Sku::parse(&sku_raw))
    };
    let quantity = if qty_raw.is_empty() {
        None
    } else {
        field!("quantity", Quantity::parse(&qty_raw))
    };
    let address = |p: &str, errs: &mut Vec<FieldError>| -> Option<Address> {
        let g = |c: &str| h.get(rec, &format!("{p}_{c}")).map(str::to_owned);
        let (line1, city, country) = (g("line1"), g("city"), g("country"));
        if line1.is_none() && city.is_none() && country.is_none() && g("name").is_none() {
            return None;
        }
        let country = match country.as_deref().map(CountryCode::parse) {
            Some(Ok(c)) => c,
            Some(Err(e)) => {
                errs.push(row_err(row, &format!("{p}_country"), e.reason));
                return None;
            }
            None => {
                errs.push(row_err(
                    row,
                    &format!("{p}_country"),
                    "required when an address is given",
                ));
                return None;
            }
        };
        Some(Address {
            name: g("name").unwrap_or_default(),
            company: g("company"),
            line1: line1.unwrap_or_default(),
            line2: g("line2"),
            city: city.unwrap_or_default(),
            region: g("region"),
            postal_code: g("postal_code"),
            country,
            phone: None,
        })
    };
    let mut ship_to = address("ship", &mut errs);
    let phone = h.get(rec, "phone").map(str::to_owned);
    if let Some(a) = ship_to.as_mut() {
        a.phone = phone.clone();
        if a.name.is_empty() {
            a.name = customer_name.clone();
        }
    }
    let bill_to = address("bill", &mut errs).or_else(|| ship_to.clone());
    let title = h
        .get(rec, "title")
        .map(str::to_owned)
        .unwrap_or_else(|| sku_raw.clone());

    match (
        channel,
        placed_at,
        currency,
        status,
        payment_status,
        priority,
        sku,
        quantity,
    ) {
        (
            Some(channel),
            Some(placed_at),
            Some(currency),
            Some(status),
            Some(payment_status),
            Some(priority),
            Some(sku),
            Some(quantity),
        ) if errs.is_empty() => Ok(RowParse {
            key: (
                channel.as_str().to_owned(),
                connection.clone(),
                external_id.clone(),
            ),
            grand_total,
            order: NewOrder {
                channel,
                connection_name: connection,
                external_id,
                order_number,
                placed_at,
                updated_at,
                currency,
                shipping_total,
                tax_total,
                discount_total,
                payment_status,
                status,
                priority,
                tags,
                customer_name,
                email,
                phone,
                ship_to,
                bill_to,
                shipping_service: h.get(rec, "shipping_service").map(str::to_owned),
                ship_by,
                lines: vec![NewOrderLine {
                    sku,
                    title,
                    quantity,
                    unit_price,
                }],
            },
        }),
        _ => Err(errs),
    }
}

/// One order assembled from its consecutive rows, or the errors that make it unusable.
pub(crate) struct Parsed {
    pub order: Option<NewOrder>,
    pub first_row: u32,
    pub rows: u32,
    pub errors: Vec<FieldError>,
}

/// Reads orders from a CSV file, calling `each` per order in file order. Rows of one order must
/// be consecutive; order-level fields must agree across them.
pub(crate) fn read_orders(
    path: &std::path::Path,
    mut each: impl FnMut(Parsed) -> Result<(), ApiError>,
) -> Result<u32, ApiError> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(false)
        .from_path(path)
        .map_err(|e| ApiError::io(format!("{}: {e}", path.display())))?;
    let header = Header::parse(rdr.headers().map_err(|e| csv_err(&e, 0))?)?;
    let mut seen: HashSet<(String, String, String)> = HashSet::new();
    // The order being assembled: its external id, its parse (None once a row of it was bad).
    let mut current: Option<(String, Option<RowParse>, Parsed)> = None;
    let mut row: u32 = 0;
    let mut rec = csv::StringRecord::new();
    let finish = |cur: Option<(String, Option<RowParse>, Parsed)>,
                  each: &mut dyn FnMut(Parsed) -> Result<(), ApiError>|
     -> Result<(), ApiError> {
        let Some((_, rp, mut p)) = cur else {
            return Ok(());
        };
        if let (Some(rp), true) = (rp, p.errors.is_empty()) {
            match rp.order.totals() {
                Ok(t) => match rp.grand_total {
                    Some(g) if g != t.grand_total.minor => p.errors.push(row_err(
                        p.first_row,
                        "grand_total",
                        format!(
                            "is {} but the lines, shipping, tax and discount add up to {}",
                            format_minor(g, rp.order.currency.exponent()),
                            t.grand_total.to_decimal_string()
                        ),
                    )),
                    _ => p.order = Some(rp.order),
                },
                Err(e) => p.errors.push(row_err(p.first_row, e.field, e.reason)),
            }
        }
        each(p)
    };
    loop {
        let parsed = match rdr.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {
                row += 1;
                let ext = header.get(&rec, "external_id").unwrap_or("").to_owned();
                (ext, parse_row(&header, &rec, row))
            }
            Err(e) => {
                row += 1;
                // A malformed record (wrong field count, bad UTF-8) is an order of its own that
                // cannot be imported; it never spoils the others.
                let err = csv_err(&e, row)
                    .details
                    .into_iter()
                    .next()
                    .unwrap_or_else(|| row_err(row, "", "unreadable row"));
                (format!("\u{0}unreadable row {row}"), Err(vec![err]))
            }
        };
        let (ext, result) = parsed;
        // Consecutive rows with the same external id are one order; one bad row spoils it whole,
        // so an order is never imported with lines missing.
        let joins = current
            .as_ref()
            .is_some_and(|(e, _, _)| !ext.is_empty() && *e == ext);
        if joins {
            if let Some((_, rp, p)) = current.as_mut() {
                p.rows += 1;
                match result {
                    Ok(next) => {
                        if let Some(first) = rp.as_mut() {
                            if first.key != next.key {
                                p.errors.push(row_err(
                                    row,
                                    "connection",
                                    "differs from the order's first row",
                                ));
                            } else if let Some(col) = differs(&first.order, &next.order) {
                                p.errors.push(row_err(
                                    row,
                                    col,
                                    "differs from the order's first row",
                                ));
                            }
                            first.order.lines.extend(next.order.lines);
                        }
                    }
                    Err(errs) => {
                        *rp = None;
                        p.errors.extend(errs);
                    }
                }
            }
            continue;
        }
        finish(current.take(), &mut each)?;
        let mut p = Parsed {
            order: None,
            first_row: row,
            rows: 1,
            errors: Vec::new(),
        };
        let rp = match result {
            Ok(rp) => {
                if !seen.insert(rp.key.clone()) {
                    p.errors.push(row_err(
                        row,
                        "external_id",
                        format!("order {} appeared earlier in the file; keep the rows of one order together", rp.key.2),
                    ));
                }
                Some(rp)
            }
            Err(errs) => {
                p.errors.extend(errs);
                None
            }
        };
        current = Some((ext, rp, p));
    }
    finish(current.take(), &mut each)?;
    Ok(row)
}

fn differs(a: &NewOrder, b: &NewOrder) -> Option<&'static str> {
    if a.order_number != b.order_number {
        return Some("order_number");
    }
    if a.placed_at != b.placed_at {
        return Some("placed_at");
    }
    if a.currency != b.currency {
        return Some("currency");
    }
    if a.status != b.status {
        return Some("status");
    }
    if a.payment_status != b.payment_status {
        return Some("payment_status");
    }
    if a.customer_name != b.customer_name {
        return Some("customer_name");
    }
    if a.email != b.email {
        return Some("email");
    }
    if a.ship_to != b.ship_to {
        return Some("ship_country");
    }
    if (a.shipping_total, a.tax_total, a.discount_total)
        != (b.shipping_total, b.tax_total, b.discount_total)
    {
        return Some("shipping_total");
    }
    None
}

fn csv_err(e: &csv::Error, row: u32) -> ApiError {
    let msg = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("has {len} fields, the header has {expected_len}"),
        csv::ErrorKind::Utf8 { .. } => "is not valid UTF-8 text".to_owned(),
        _ => e.to_string(),
    };
    ApiError {
        code: ErrorCode::CsvInvalid,
        message: format!("row {row} {msg}"),
        details: vec![FieldError {
            row: Some(row),
            column: None,
            message: msg,
        }],
    }
}

/// Writes orders as CSV rows (one per line).
pub(crate) fn write_order<W: std::io::Write>(
    w: &mut csv::Writer<W>,
    d: &OrderDetail,
) -> Result<u64, ApiError> {
    let o = &d.order;
    let exp = Currency::parse(&o.currency)
        .map(|c| c.exponent())
        .unwrap_or(2);
    let m = |v: i64| format_minor(v, exp);
    let addr = |a: &Option<AddressView>| -> [String; 8] {
        match a {
            Some(a) => [
                a.name.clone(),
                a.company.clone().unwrap_or_default(),
                a.line1.clone(),
                a.line2.clone().unwrap_or_default(),
                a.city.clone(),
                a.region.clone().unwrap_or_default(),
                a.postal_code.clone().unwrap_or_default(),
                a.country.clone(),
            ],
            None => Default::default(),
        }
    };
    let ship = addr(&d.ship_to);
    let bill = addr(&d.bill_to);
    let mut n = 0;
    for l in &d.lines {
        let mut rec: Vec<String> = vec![
            o.channel.as_str().into(),
            o.connection_name.clone(),
            d.external_id.clone(),
            o.order_number.clone(),
            format_instant(o.placed_at),
            String::new(),
            o.currency.clone(),
            o.status.as_str().into(),
            o.payment_status.as_str().into(),
            o.priority.to_string(),
            o.tags.join(" "),
            o.customer_name.clone(),
            o.email.clone().unwrap_or_default(),
            d.phone.clone().unwrap_or_default(),
        ];
        rec.extend(ship.iter().cloned());
        rec.extend(bill.iter().cloned());
        rec.extend([
            d.shipping_service.clone().unwrap_or_default(),
            o.ship_by.map(format_instant).unwrap_or_default(),
            m(d.shipping_total),
            m(d.tax_total),
            m(d.discount_total),
            m(o.grand_total),
            l.sku.clone(),
            l.title.clone(),
            l.quantity.to_string(),
            m(l.unit_price),
        ]);
        w.write_record(&rec)
            .map_err(|e| ApiError::io(e.to_string()))?;
        n += 1;
    }
    Ok(n)
}
