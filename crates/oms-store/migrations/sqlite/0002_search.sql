-- Full-text search (SQLite FTS5; the dialect module owns every statement that touches it).
-- Contentless: the text lives in orders/lines/events; only the index is kept. rowid = order id.
-- tokenchars keep e-mails, SKUs and order numbers whole so a prefix of any of them matches.
CREATE VIRTUAL TABLE order_search USING fts5 (
    doc,
    content = '',
    contentless_delete = 1,
    detail = none,
    prefix = '2 3',
    tokenize = "unicode61 remove_diacritics 2 tokenchars '@.-_+'"
);
