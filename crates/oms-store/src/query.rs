//! Builds the order-list SQL for a query: filters, keyset cursor and sort. Each filter maps to an
//! index (see the migration), so a page is a bounded index range scan.

use crate::dialect;
use crate::StoreError;
use oms_domain::{OrderQuery, OrderSort, SortDir};

pub(crate) enum Arg {
    I(i64),
    S(String),
}

pub(crate) struct Built {
    pub where_sql: String,
    pub args: Vec<Arg>,
}

pub(crate) const ROW_COLUMNS: &str = "o.id, o.order_number, c.kind, c.name, o.placed_at, o.customer_name, cu.email, \
     o.ship_country, o.currency, o.grand_total, o.status, o.payment_status, o.priority, o.tags, o.item_count, o.ship_by";

/// Joins every query selecting `ROW_COLUMNS` needs (after `FROM orders o` or a driver).
pub(crate) const ROW_JOINS: &str =
    "JOIN connections c ON c.id = o.connection_id LEFT JOIN customers cu ON cu.id = o.customer_id";

/// The WHERE clause for the filters (not the cursor). Returns None when a filter can match
/// nothing (a search made only of punctuation still matches everything: it is ignored).
pub(crate) fn filters(q: &OrderQuery) -> Result<Built, StoreError> {
    filters_except(q, Driver::Orders)
}

/// Which table a page is read from. Reading from the search matches or the tag index instead
/// of filtering the order list keeps selective filters fast.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Driver {
    Orders,
    /// The newest `SEARCH_CAP` search matches, then sorted.
    Search,
    /// `order_tags (tag, placed_at, order_id)`, already in placed-at order.
    Tag,
}

/// A page with search text shows the newest this-many matches (sorted as asked); typing more
/// narrows it. Counting still counts every match.
pub(crate) const SEARCH_CAP: i64 = 1000;

fn filters_except(q: &OrderQuery, driver: Driver) -> Result<Built, StoreError> {
    let mut conds: Vec<String> = Vec::new();
    let mut args: Vec<Arg> = Vec::new();
    let mut push = |cond: &dyn Fn(usize) -> String, a: Arg, args: &mut Vec<Arg>| {
        args.push(a);
        conds.push(cond(args.len()));
    };
    if let Some(s) = q.status {
        push(
            &|n| format!("o.status = ${n}"),
            Arg::S(s.as_str().into()),
            &mut args,
        );
    }
    if let Some(c) = q.connection_id {
        push(&|n| format!("o.connection_id = ${n}"), Arg::I(c), &mut args);
    }
    if let Some(f) = q.placed_from {
        push(&|n| format!("o.placed_at >= ${n}"), Arg::I(f), &mut args);
    }
    if let Some(t) = q.placed_to {
        push(&|n| format!("o.placed_at < ${n}"), Arg::I(t), &mut args);
    }
    if let Some(c) = q
        .country
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        let c = c.to_ascii_uppercase();
        if c.len() != 2 || !c.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(StoreError::Invalid(format!(
                "country: expected a 2-letter code, got {c:?}"
            )));
        }
        push(&|n| format!("o.ship_country = ${n}"), Arg::S(c), &mut args);
    }
    if let Some(p) = q.payment_status {
        push(
            &|n| format!("o.payment_status = ${n}"),
            Arg::S(p.as_str().into()),
            &mut args,
        );
    }
    if let Some(t) = q
        .tag
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty() && driver != Driver::Tag)
    {
        push(
            &|n| format!("o.id IN (SELECT order_id FROM order_tags WHERE tag = ${n})"),
            Arg::S(t.to_lowercase()),
            &mut args,
        );
    }
    if let Some(m) = q
        .search
        .as_deref()
        .and_then(dialect::match_expression)
        .filter(|_| driver != Driver::Search)
    {
        push(&|n| dialect::search_filter("o.id", n), Arg::S(m), &mut args);
    }
    let where_sql = if conds.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conds.join(" AND "))
    };
    Ok(Built { where_sql, args })
}

fn sort_column(s: OrderSort) -> &'static str {
    match s {
        OrderSort::PlacedAt => "o.placed_at",
        OrderSort::GrandTotal => "o.grand_total",
        OrderSort::OrderNumber => "o.order_number",
        OrderSort::Priority => "o.priority",
    }
}

/// The keyset position after a row: its sort value and id.
pub(crate) enum Cursor {
    Int(i64, i64),
    Text(String, i64),
}

impl Cursor {
    pub fn encode(&self) -> String {
        match self {
            Cursor::Int(v, id) => format!("i:{v}:{id}"),
            Cursor::Text(v, id) => format!("s:{id}:{v}"),
        }
    }
    pub fn decode(s: &str) -> Result<Self, StoreError> {
        let bad = || StoreError::Invalid(format!("cursor: not a cursor from this list: {s:?}"));
        let mut parts = s.splitn(3, ':');
        match (parts.next(), parts.next(), parts.next()) {
            (Some("i"), Some(v), Some(id)) => Ok(Cursor::Int(
                v.parse().map_err(|_| bad())?,
                id.parse().map_err(|_| bad())?,
            )),
            (Some("s"), Some(id), Some(v)) => {
                Ok(Cursor::Text(v.to_owned(), id.parse().map_err(|_| bad())?))
            }
            _ => Err(bad()),
        }
    }
}

/// The full page query: filters, the cursor condition, the order and the limit (+1 to know
/// whether there is a next page).
pub(crate) fn page_sql(q: &OrderQuery) -> Result<Built, StoreError> {
    let search = q.search.as_deref().and_then(dialect::match_expression);
    let tag = q
        .tag
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase);
    let driver = match (&search, &tag, q.sort) {
        (Some(_), _, _) => Driver::Search,
        (None, Some(_), OrderSort::PlacedAt) => Driver::Tag,
        _ => Driver::Orders,
    };
    let mut b = filters_except(q, driver)?;
    let (from, col, id_col) = match driver {
        Driver::Orders => ("orders o".to_owned(), sort_column(q.sort), "o.id"),
        Driver::Search => {
            b.args.push(Arg::S(search.unwrap_or_default()));
            b.args.push(Arg::I(SEARCH_CAP));
            let n = b.args.len();
            (
                dialect::search_driver("o", n - 1, n),
                sort_column(q.sort),
                "o.id",
            )
        }
        Driver::Tag => {
            b.args.push(Arg::S(tag.unwrap_or_default()));
            let cond = format!("t.tag = ${}", b.args.len());
            b.where_sql = if b.where_sql.is_empty() {
                format!("WHERE {cond}")
            } else {
                format!("{} AND {cond}", b.where_sql)
            };
            (dialect::tag_driver("o"), "t.placed_at", "t.order_id")
        }
    };
    let (cmp, dir) = match q.dir {
        SortDir::Asc => (">", "ASC"),
        SortDir::Desc => ("<", "DESC"),
    };
    if let Some(c) = q.cursor.as_deref() {
        let cursor = Cursor::decode(c)?;
        let n = b.args.len();
        match (cursor, q.sort) {
            (Cursor::Text(v, id), OrderSort::OrderNumber) => {
                b.args.push(Arg::S(v));
                b.args.push(Arg::I(id));
            }
            (Cursor::Int(v, id), s) if s != OrderSort::OrderNumber => {
                b.args.push(Arg::I(v));
                b.args.push(Arg::I(id));
            }
            _ => {
                return Err(StoreError::Invalid(
                    "cursor: belongs to a different sort".into(),
                ))
            }
        }
        let cond = format!("({col}, {id_col}) {cmp} (${}, ${})", n + 1, n + 2);
        b.where_sql = if b.where_sql.is_empty() {
            format!("WHERE {cond}")
        } else {
            format!("{} AND {cond}", b.where_sql)
        };
    }
    let limit = q.limit.clamp(1, 1000);
    b.args.push(Arg::I(i64::from(limit) + 1));
    b.where_sql = format!(
        "SELECT {ROW_COLUMNS} FROM {from} {ROW_JOINS} {} ORDER BY {col} {dir}, {id_col} {dir} LIMIT ${}",
        b.where_sql,
        b.args.len()
    );
    Ok(b)
}
