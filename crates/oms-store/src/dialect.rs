//! Everything that differs between SQLite and PostgreSQL: pragmas, the full-text index and
//! how a list of ids is passed. A PostgreSQL store replaces this module (tsvector/pg_trgm,
//! `= ANY($1)`), and nothing else.

use crate::StoreError;
use sqlx::{Sqlite, SqlitePool, Transaction};

/// Starts a transaction that takes the write lock at once (SQLite: BEGIN IMMEDIATE; on
/// PostgreSQL a plain BEGIN with row locks does the same job).
pub(crate) const BEGIN_WRITE: &str = "BEGIN IMMEDIATE";

pub(crate) async fn checkpoint(pool: &SqlitePool) -> Result<(), StoreError> {
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(pool)
        .await?;
    Ok(())
}

/// Copies what it can of the write-ahead log without waiting for anyone; returns the log's
/// frames and those copied (PostgreSQL: nothing to do).
pub(crate) async fn passive_checkpoint(pool: &SqlitePool) -> Result<(i64, i64), StoreError> {
    let (_busy, log, copied): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
        .fetch_one(pool)
        .await?;
    Ok((log, copied))
}

/// `expr IN (…)` for a list of ids passed as one parameter `$n` holding a JSON array
/// (see `id_list`). PostgreSQL: `expr = ANY($n)` with an array parameter.
pub(crate) fn in_id_list(expr: &str, n: usize) -> String {
    format!("{expr} IN (SELECT value FROM json_each(${n}))")
}

/// The parameter value for `in_id_list`.
pub(crate) fn id_list(ids: &[i64]) -> String {
    let mut s = String::with_capacity(ids.len() * 8 + 2);
    s.push('[');
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&id.to_string());
    }
    s.push(']');
    s
}

/// Refreshes the planner's statistics after bulk loads.
pub(crate) async fn analyze(pool: &SqlitePool) -> Result<(), StoreError> {
    sqlx::query("ANALYZE").execute(pool).await?;
    sqlx::query("PRAGMA optimize").execute(pool).await?;
    Ok(())
}

/// `expr IN (…)` with the list as the next anonymous parameter (`?`), for `Script`.
pub(crate) fn in_id_list_next(expr: &str) -> String {
    format!("{expr} IN (SELECT value FROM json_each(?))")
}

/// One parameter of a `Script`.
pub(crate) enum Arg<'q> {
    Null,
    Int(i64),
    Text(std::borrow::Cow<'q, str>),
    Blob(&'q [u8]),
}

impl From<i64> for Arg<'_> {
    fn from(v: i64) -> Self {
        Arg::Int(v)
    }
}
impl From<i32> for Arg<'_> {
    fn from(v: i32) -> Self {
        Arg::Int(i64::from(v))
    }
}
impl<'q> From<&'q str> for Arg<'q> {
    fn from(v: &'q str) -> Self {
        Arg::Text(std::borrow::Cow::Borrowed(v))
    }
}
impl From<String> for Arg<'_> {
    fn from(v: String) -> Self {
        Arg::Text(std::borrow::Cow::Owned(v))
    }
}
impl<'q> From<&'q [u8]> for Arg<'q> {
    fn from(v: &'q [u8]) -> Self {
        Arg::Blob(v)
    }
}
impl<'q, T: Into<Arg<'q>>> From<Option<T>> for Arg<'q> {
    fn from(v: Option<T>) -> Self {
        v.map_or(Arg::Null, Into::into)
    }
}

impl rusqlite::ToSql for Arg<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self {
            Arg::Null => ValueRef::Null,
            Arg::Int(v) => ValueRef::Integer(*v),
            Arg::Text(v) => ValueRef::Text(v.as_bytes()),
            Arg::Blob(v) => ValueRef::Blob(v),
        }))
    }
}

/// Many statements and their parameters, run one after the other on the connection's handle
/// (see `raw.rs`: no round trip per statement). The statements use anonymous `?` placeholders
/// only: the arguments are consumed in order across the statements. PostgreSQL: a pipeline of
/// the same statements.
pub(crate) struct Script<'q> {
    /// Each statement and the index of its first argument.
    statements: Vec<(String, usize)>,
    args: Vec<Arg<'q>>,
}

impl<'q> Script<'q> {
    pub(crate) fn new() -> Self {
        Self {
            statements: Vec::new(),
            args: Vec::new(),
        }
    }

    /// Appends one statement (without its `;`).
    pub(crate) fn push(&mut self, statement: &str) {
        self.statements
            .push((statement.to_owned(), self.args.len()));
    }

    /// Binds the next `?`.
    pub(crate) fn bind(&mut self, value: impl Into<Arg<'q>>) -> Result<&mut Self, StoreError> {
        self.args.push(value.into());
        Ok(self)
    }

    /// Runs every statement in order; the first failing one stops the rest (the caller's
    /// transaction is rolled back then).
    pub(crate) fn execute(self, c: &rusqlite::Connection) -> Result<(), StoreError> {
        let n = self.statements.len();
        for (i, (sql, from)) in self.statements.iter().enumerate() {
            let to = self
                .statements
                .get(i + 1)
                .map_or(self.args.len(), |next| next.1);
            let args = self.args.get(*from..to).unwrap_or_default();
            let mut st = c.prepare_cached(sql)?;
            if st.parameter_count() != args.len() {
                return Err(StoreError::Invalid(format!(
                    "statement {} of {n} takes {} parameters, {} given",
                    i + 1,
                    st.parameter_count(),
                    args.len()
                )));
            }
            for (k, a) in args.iter().enumerate() {
                st.raw_bind_parameter(k + 1, a)?;
            }
            st.raw_execute()?;
        }
        Ok(())
    }
}

/// `VALUES` rows for a bulk statement: `(?,?,…),(?,?,…)`. SQLite gets anonymous placeholders
/// because its lookup of a named parameter (`$N`) walks a linear list: binding the 12,500
/// parameters of a 500-order upsert by name is quadratic (measured: ≈900 orders/s with `$N`,
/// ≈29,000 with `?`). PostgreSQL would emit `$N` here. Statements built with this take no
/// other parameters.
pub(crate) fn values_rows(rows: usize, cols: usize) -> String {
    let mut one = String::with_capacity(cols * 2 + 1);
    one.push('(');
    for c in 0..cols {
        if c > 0 {
            one.push(',');
        }
        one.push('?');
    }
    one.push(')');
    let mut s = String::with_capacity(rows * (one.len() + 1));
    for r in 0..rows {
        if r > 0 {
            s.push(',');
        }
        s.push_str(&one);
    }
    s
}

/// SQL fragment that matches `order_id_expr` against the search index; binds one text parameter
/// (the output of `match_expression`) as `$n`.
pub(crate) fn search_filter(order_id_expr: &str, n: usize) -> String {
    format!("{order_id_expr} IN (SELECT rowid FROM order_search WHERE order_search MATCH ${n})")
}

/// FROM clause that reads a page from the newest `$cap` search matches (`$m` is the match
/// expression) and joins each to its order: at most `cap` primary-key lookups, whatever the
/// sort. SQLite's CROSS JOIN keeps the planner from scanning the orders first.
pub(crate) fn search_driver(alias: &str, m: usize, cap: usize) -> String {
    format!(
        "(SELECT rowid AS id FROM order_search WHERE order_search MATCH ${m} ORDER BY rowid DESC LIMIT ${cap}) s \
         CROSS JOIN orders {alias} ON {alias}.id = s.id"
    )
}

/// FROM clause that reads a tag's orders from `order_tags (tag, placed_at, order_id)`, already
/// in placed-at order.
pub(crate) fn tag_driver(alias: &str) -> String {
    format!("order_tags t CROSS JOIN orders {alias} ON {alias}.id = t.order_id")
}

/// Top-N search by recency (rowid order), for the palette.
pub(crate) fn search_top_ids(n: usize, limit_param: usize) -> String {
    format!("SELECT rowid FROM order_search WHERE order_search MATCH ${n} ORDER BY rowid DESC LIMIT ${limit_param}")
}

/// Turns what a user typed into an FTS5 query. The text is split into words the way the index
/// tokenizer splits it (letters and digits; "anna.schmidt@example.com" is four words); every word
/// must match exactly except the last, which is a prefix, because people type left to right.
/// Words of one character are ignored (a one-letter prefix would match everything). Only
/// letters and digits reach the query, so user input can never form FTS5 syntax.
pub(crate) fn match_expression(text: &str) -> Option<String> {
    let text = split_letters_from_digits(text);
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 2)
        .map(str::to_lowercase)
        .collect();
    let (last, rest) = words.split_last()?;
    let mut terms: Vec<String> = rest.iter().map(|w| format!("\"{w}\"")).collect();
    terms.push(format!("\"{last}\"*"));
    Some(terms.join(" AND "))
}

/// "schulz17" → "schulz 17", "WC11996" → "WC 11996": e-mail names with a number glued on
/// would otherwise each be a word of their own, and a prefix would have to merge them all.
pub(crate) fn split_letters_from_digits(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut prev: Option<char> = None;
    for c in s.chars() {
        if let Some(p) = prev {
            if (p.is_alphabetic() && c.is_ascii_digit())
                || (p.is_ascii_digit() && c.is_alphabetic())
            {
                out.push(' ');
            }
        }
        out.push(c);
        prev = Some(c);
    }
    out
}

/// The text indexed for one order: what a customer or agent quotes (order number, name, e-mail,
/// phone, SKUs, tracking numbers, notes). The channel's internal id is left out: nobody reads it
/// out, and as a unique token per order it cost the index more than any other field. Phone numbers are also indexed as bare digits and order
/// numbers without their prefix, because that is how customers read them out.
pub(crate) fn search_doc(parts: &SearchParts<'_>) -> String {
    let mut doc = String::with_capacity(128);
    let mut push = |s: &str| {
        if !s.is_empty() {
            doc.push_str(s);
            doc.push(' ');
        }
    };
    push(parts.order_number);
    let digits: String = parts
        .order_number
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    if digits.len() != parts.order_number.len() {
        push(&digits);
    }
    push(parts.customer_name);
    if let Some(e) = parts.email {
        push(e);
    }
    if let Some(p) = parts.phone {
        let d: String = p.chars().filter(char::is_ascii_digit).collect();
        push(&d);
    }
    for s in parts.skus {
        push(s);
    }
    for s in parts.tracking {
        push(s);
    }
    for s in parts.notes {
        push(s);
    }
    split_letters_from_digits(&doc)
}

pub(crate) struct SearchParts<'a> {
    pub order_number: &'a str,
    pub customer_name: &'a str,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub skus: &'a [&'a str],
    pub tracking: &'a [&'a str],
    pub notes: &'a [&'a str],
}

/// Removes the index entries of these orders (before re-indexing them).
pub(crate) async fn unindex(
    tx: &mut Transaction<'_, Sqlite>,
    ids: &[i64],
) -> Result<(), StoreError> {
    for chunk in ids.chunks(500) {
        sqlx::query(&format!(
            "DELETE FROM order_search WHERE {}",
            in_id_list("rowid", 1)
        ))
        .bind(id_list(chunk))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Adds index entries: one multi-row statement per chunk.
pub(crate) async fn index(
    tx: &mut Transaction<'_, Sqlite>,
    docs: &[(i64, String)],
) -> Result<(), StoreError> {
    for chunk in docs.chunks(500) {
        let sql = format!(
            "INSERT INTO order_search (rowid, doc) VALUES {}",
            values_rows(chunk.len(), 2)
        );
        let mut q = sqlx::query(&sql);
        for (id, doc) in chunk {
            q = q.bind(*id).bind(doc.as_str());
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_text_cannot_inject_fts_syntax() {
        assert_eq!(match_expression("  "), None);
        assert_eq!(
            match_expression("Anna schm"),
            Some("\"anna\" AND \"schm\"*".into())
        );
        assert_eq!(
            match_expression("\"ab\" OR cd*"),
            Some("\"ab\" AND \"or\" AND \"cd\"*".into())
        );
        assert_eq!(match_expression("#1042"), Some("\"1042\"*".into()));
        assert_eq!(
            match_expression("anna.s"),
            Some("\"anna\"*".into()),
            "one-letter words are ignored"
        );
        assert_eq!(
            match_expression("Jörg.Weiß@example.com"),
            Some("\"jörg\" AND \"weiß\" AND \"example\" AND \"com\"*".into())
        );
        assert_eq!(match_expression("-- . x"), None);
        assert_eq!(
            match_expression("schulz17@exa"),
            Some("\"schulz\" AND \"17\" AND \"exa\"*".into())
        );
    }
}
