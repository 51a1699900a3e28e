-- Returns (issue 7): the RMA lifecycle per return, its lines with reason, comment, what came
-- back, the condition found and what was done with it. Returns made in the app and returns
-- pulled from a channel share this model; a channel's return id is unique per order.
ALTER TABLE returns ADD COLUMN rma TEXT;
ALTER TABLE returns ADD COLUMN source TEXT NOT NULL DEFAULT 'app';   -- app | channel
ALTER TABLE returns ADD COLUMN channel_return_id TEXT;
ALTER TABLE returns ADD COLUMN note TEXT;
ALTER TABLE returns ADD COLUMN carrier TEXT;
ALTER TABLE returns ADD COLUMN tracking_number TEXT;
ALTER TABLE returns ADD COLUMN label_path TEXT;
ALTER TABLE returns ADD COLUMN created_by TEXT;
ALTER TABLE returns ADD COLUMN updated_at INTEGER;
ALTER TABLE returns ADD COLUMN closed_at INTEGER;
ALTER TABLE returns ADD COLUMN exchange_order_id INTEGER REFERENCES orders(id);
CREATE UNIQUE INDEX returns_rma ON returns (rma) WHERE rma IS NOT NULL;
CREATE UNIQUE INDEX returns_channel ON returns (order_id, channel_return_id) WHERE channel_return_id IS NOT NULL;
CREATE INDEX returns_by_status ON returns (status, created_at);
CREATE INDEX returns_by_tracking ON returns (tracking_number) WHERE tracking_number IS NOT NULL;

CREATE TABLE return_lines (
    return_id    INTEGER NOT NULL REFERENCES returns(id),
    line_no      INTEGER NOT NULL,
    quantity     INTEGER NOT NULL CHECK (quantity > 0),
    reason       TEXT NOT NULL,
    comment      TEXT,
    received     INTEGER NOT NULL DEFAULT 0 CHECK (received >= 0 AND received <= quantity),
    condition    TEXT,             -- as_new | opened | damaged | defective
    disposition  TEXT,             -- restock | b_stock | quarantine | scrap | return_to_vendor
    location_id  INTEGER REFERENCES locations(id),
    restocked    INTEGER NOT NULL DEFAULT 0 CHECK (restocked >= 0 AND restocked <= received),
    PRIMARY KEY (return_id, line_no)
) WITHOUT ROWID;

-- Exchanges: the new order made for a returned line points at the order it replaces.
ALTER TABLE orders ADD COLUMN exchange_of INTEGER REFERENCES orders(id);
CREATE INDEX orders_exchange_of ON orders (exchange_of) WHERE exchange_of IS NOT NULL;

-- Refunds made for a return point at it.
ALTER TABLE refunds ADD COLUMN return_id INTEGER REFERENCES returns(id);

-- What the customer paid, once an edit changed the order's total after payment (NULL: the
-- grand total). Refunds are limited by what was paid, not by the edited total.
ALTER TABLE orders ADD COLUMN paid_amount INTEGER;

-- The customer page matches orders without an e-mail by phone (only those are indexed: a
-- phone index over every order cost 24 MiB at a million orders); notes are searched for
-- @mentions of an operator.
CREATE INDEX orders_phone ON orders (phone) WHERE customer_id IS NULL;
CREATE INDEX timeline_notes ON timeline_events (at) WHERE kind = 'note';
