-- Buy online, pick up in store: the store an order is collected from, and where it stands
-- there (NULL: still to prepare; 'ready': waiting for the customer; 'picked_up').
ALTER TABLE orders ADD COLUMN pickup_location_id INTEGER REFERENCES locations(id);
ALTER TABLE orders ADD COLUMN pickup_state TEXT CHECK (pickup_state IN ('ready', 'picked_up'));
ALTER TABLE orders ADD COLUMN pickup_at INTEGER;
CREATE INDEX orders_pickup ON orders (pickup_location_id, placed_at) WHERE pickup_location_id IS NOT NULL;

-- Pre-orders: a product's release date (UTC ms); until then its lines wait for the expected
-- receipt instead of taking stock on hand.
ALTER TABLE products ADD COLUMN release_at INTEGER;

-- Drop-ship and 3PL hand-offs: what routing to such a location asks of it (a purchase order to
-- a drop-ship supplier, a fulfilment request to a 3PL), written out as CSV and JSON, then
-- confirmed and shipped with tracking by the supplier.
CREATE TABLE handoffs (
    id               INTEGER PRIMARY KEY,
    order_id         INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    location_id      INTEGER NOT NULL REFERENCES locations(id),
    kind             TEXT NOT NULL CHECK (kind IN ('purchase_order', 'fulfilment_request')),
    status           TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'confirmed', 'shipped', 'cancelled')),
    document         TEXT NOT NULL,   -- JSON: the request as written out
    created_at       INTEGER NOT NULL,
    sent_at          INTEGER,
    confirmed_at     INTEGER,
    supplier_ref     TEXT,
    carrier          TEXT,
    tracking_number  TEXT,
    closed_at        INTEGER
);
CREATE INDEX handoffs_by_status ON handoffs (status, location_id, id);
CREATE INDEX handoffs_by_order ON handoffs (order_id);
