-- Full-text search (SQLite FTS5; the dialect module owns every statement that touches it).
-- Contentless: the text lives in orders/lines/events; only the index is kept. rowid = order id.
-- Plain unicode61 words: an e-mail, SKU or order number is several words, so a search for it is
-- an AND of exact words with a prefix on the last (dialect::match_expression). Keeping e-mails
-- whole made every address a term of its own, and a 4-6 character prefix merged hundreds of them.
CREATE VIRTUAL TABLE order_search USING fts5 (
    doc,
    content = '',
    contentless_delete = 1,
    detail = none,
    prefix = '2 3',
    tokenize = "unicode61 remove_diacritics 2"
);
