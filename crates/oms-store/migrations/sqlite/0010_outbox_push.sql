-- Writes to the channels (issue 5): fulfilments with tracking, cancellations and stock levels go
-- through the outbox, each row sent with retries until the channel has it. Rows are added in
-- the same transaction as the change they report, so none is lost to a crash or days offline.

-- pending (due at next_attempt_at) | sent | failed (needs a person: retry or dismiss) | dismissed
ALTER TABLE outbox ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN sent_at INTEGER;
-- What the channel calls the thing it made (its fulfilment id, …), once sent.
ALTER TABLE outbox ADD COLUMN external_ref TEXT;
-- Stock rows not yet tried are merged per (connection, product): a burst of changes sends one
-- update with the newest quantity. Once tried, a row keeps its payload (its idempotency key was
-- used with it) and a newer change makes a new row.
ALTER TABLE outbox ADD COLUMN coalesce_key TEXT;
CREATE UNIQUE INDEX outbox_coalesce ON outbox (coalesce_key)
    WHERE status = 'pending' AND attempts = 0 AND coalesce_key IS NOT NULL;
CREATE INDEX outbox_by_connection ON outbox (connection_id, status, id);
CREATE INDEX outbox_by_order ON outbox (order_id) WHERE order_id IS NOT NULL;

-- Stock sync per connection: on or off, units held back from the channel, an optional cap.
ALTER TABLE connections ADD COLUMN push_stock INTEGER NOT NULL DEFAULT 0;
ALTER TABLE connections ADD COLUMN stock_buffer INTEGER NOT NULL DEFAULT 0;
ALTER TABLE connections ADD COLUMN stock_cap INTEGER;
-- Tell the channel about our shipments and cancellations (off when another tool does).
ALTER TABLE connections ADD COLUMN push_fulfilments INTEGER NOT NULL DEFAULT 1;

-- The channel's SKUs as seen in its orders or looked up for stock, mapped to our products.
-- product_id NULL: not known here (flagged in the UI, never dropped: the order keeps the line).
CREATE TABLE channel_skus (
    connection_id      INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    channel_sku        TEXT NOT NULL,
    product_id         INTEGER REFERENCES products(id),
    -- set by a person: the mapping is not changed by what the channel sends
    manual             INTEGER NOT NULL DEFAULT 0,
    -- the channel's ids for stock: Shopify inventory item; WooCommerce product or variation
    -- (with its parent product)
    external_id        TEXT,
    external_parent_id TEXT,
    -- 1: the channel has the SKU; 0: looked up and not listed there (stock is not pushed);
    -- NULL: not looked up yet
    listed             INTEGER,
    first_seen_at      INTEGER NOT NULL,
    last_seen_at       INTEGER NOT NULL,
    pushed_quantity    INTEGER,
    pushed_at          INTEGER,
    PRIMARY KEY (connection_id, channel_sku)
);
CREATE INDEX channel_skus_by_product ON channel_skus (product_id, connection_id);

-- Which of our locations feed a connection's stock, and (Shopify) into which of its locations.
-- No rows: every active location of ours, into the channel's first location.
CREATE TABLE channel_locations (
    connection_id         INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    location_id           INTEGER NOT NULL REFERENCES locations(id) ON DELETE CASCADE,
    external_location_id  TEXT,
    PRIMARY KEY (connection_id, location_id)
);

-- Products whose available stock changed since the last stock step, while any connection
-- pushes stock. Cheap in the hot path: one probe of a tiny table per changed level.
CREATE TABLE stock_dirty (product_id INTEGER PRIMARY KEY);
CREATE TRIGGER stock_dirty_insert AFTER INSERT ON inventory_levels
WHEN EXISTS (SELECT 1 FROM connections WHERE push_stock = 1 AND enabled = 1)
BEGIN
    INSERT OR IGNORE INTO stock_dirty (product_id) VALUES (NEW.product_id);
END;
CREATE TRIGGER stock_dirty_update AFTER UPDATE OF on_hand, reserved, safety_stock ON inventory_levels
WHEN (NEW.on_hand != OLD.on_hand OR NEW.reserved != OLD.reserved OR NEW.safety_stock != OLD.safety_stock)
  AND EXISTS (SELECT 1 FROM connections WHERE push_stock = 1 AND enabled = 1)
BEGIN
    INSERT OR IGNORE INTO stock_dirty (product_id) VALUES (NEW.product_id);
END;

-- A shipment of an order that came from a shop is reported to that shop (with its tracking).
CREATE TRIGGER outbox_on_shipment AFTER INSERT ON shipments
BEGIN
    INSERT OR IGNORE INTO outbox (connection_id, order_id, kind, idempotency_key, payload, status,
                                  next_attempt_at, created_at)
    SELECT o.connection_id, o.id, 'fulfilment', 'fulfilment-' || NEW.id,
           json_object('shipment_id', NEW.id, 'external_id', o.external_id,
                       'carrier', NEW.carrier, 'service', NEW.service,
                       'tracking_number', NEW.tracking_number),
           'pending', NEW.created_at, NEW.created_at
    FROM orders o JOIN connections c ON c.id = o.connection_id
    WHERE o.id = NEW.order_id AND c.kind IN ('shopify', 'woocommerce')
      AND c.push_fulfilments = 1 AND COALESCE(c.base_url, '') != '';
END;
