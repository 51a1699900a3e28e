-- Fulfilment (issue 6): what each shipment carried, bins, pick batches, packed parcels,
-- parcel presets, tracking to delivery and customer e-mail.

-- The lines and units of each shipment (a partial shipment carries some of an order's units).
CREATE TABLE shipment_lines (
    shipment_id  INTEGER NOT NULL REFERENCES shipments(id),
    line_no      INTEGER NOT NULL,
    product_id   INTEGER NOT NULL REFERENCES products(id),
    quantity     INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (shipment_id, line_no)
) WITHOUT ROWID;

-- Where a product sits in a location (pick lists walk the bins in order).
ALTER TABLE inventory_levels ADD COLUMN bin TEXT;

-- The fulfilment queue of a location reads its open reservations.
CREATE INDEX reservations_open_by_location ON reservations (location_id, order_id) WHERE status = 'open';

-- A pick batch: orders of one location picked together from one pick list.
-- open (being picked and packed) | done (every order packed or shipped, or closed by hand)
CREATE TABLE pick_batches (
    id           INTEGER PRIMARY KEY,
    location_id  INTEGER NOT NULL REFERENCES locations(id),
    name         TEXT NOT NULL,
    status       TEXT NOT NULL,
    actor        TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    closed_at    INTEGER
);
CREATE INDEX pick_batches_by_location ON pick_batches (location_id, status, id);

-- waiting (to pick and pack) | packed | shipped | removed (taken out of the batch)
CREATE TABLE batch_orders (
    batch_id     INTEGER NOT NULL REFERENCES pick_batches(id),
    order_id     INTEGER NOT NULL REFERENCES orders(id),
    location_id  INTEGER NOT NULL REFERENCES locations(id),   -- the batch's
    position     INTEGER NOT NULL,
    state        TEXT NOT NULL,
    PRIMARY KEY (batch_id, order_id)
) WITHOUT ROWID;
-- An order is in at most one unfinished batch per location (a split order can be in one at
-- each of its locations).
CREATE UNIQUE INDEX batch_orders_active ON batch_orders (order_id, location_id) WHERE state IN ('waiting', 'packed');
CREATE INDEX batch_orders_by_order ON batch_orders (order_id, location_id);

-- Parcel presets: a box or envelope with its size and own weight.
CREATE TABLE parcel_presets (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    length_mm   INTEGER NOT NULL CHECK (length_mm > 0),
    width_mm    INTEGER NOT NULL CHECK (width_mm > 0),
    height_mm   INTEGER NOT NULL CHECK (height_mm > 0),
    tare_g      INTEGER NOT NULL DEFAULT 0 CHECK (tare_g >= 0),
    max_g       INTEGER
);

-- A packed parcel: units of one order at one location, verified at the packing bench, not
-- shipped yet. Buying its label (or entering a tracking number) ships exactly these units.
-- packed | shipped | unpacked
CREATE TABLE parcels (
    id           INTEGER PRIMARY KEY,
    order_id     INTEGER NOT NULL REFERENCES orders(id),
    location_id  INTEGER NOT NULL REFERENCES locations(id),
    batch_id     INTEGER REFERENCES pick_batches(id),
    preset_id    INTEGER REFERENCES parcel_presets(id),
    weight_g     INTEGER,            -- weighed at the bench; NULL: from the products
    status       TEXT NOT NULL,
    shipment_id  INTEGER REFERENCES shipments(id),
    actor        TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE UNIQUE INDEX parcels_packed ON parcels (order_id, location_id) WHERE status = 'packed';
CREATE INDEX parcels_by_batch ON parcels (batch_id) WHERE batch_id IS NOT NULL;
CREATE INDEX parcels_by_shipment ON parcels (shipment_id) WHERE shipment_id IS NOT NULL;
CREATE TABLE parcel_lines (
    parcel_id  INTEGER NOT NULL REFERENCES parcels(id),
    line_no    INTEGER NOT NULL,
    quantity   INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (parcel_id, line_no)
) WITHOUT ROWID;

-- Tracking: the normalised status (pre_transit, in_transit, out_for_delivery, delivered,
-- exception, returned_to_sender, unknown), the carrier's own word, and when it last moved.
ALTER TABLE shipments ADD COLUMN tracking_status TEXT;
ALTER TABLE shipments ADD COLUMN tracking_raw TEXT;
ALTER TABLE shipments ADD COLUMN tracked_at INTEGER;       -- last asked
ALTER TABLE shipments ADD COLUMN moved_at INTEGER;         -- newest scan
ALTER TABLE shipments ADD COLUMN est_delivery INTEGER;
ALTER TABLE shipments ADD COLUMN delivered_at INTEGER;
ALTER TABLE shipments ADD COLUMN voided_at INTEGER;
-- What voiding the label takes (EasyPost: its shipment; Shippo: its transaction).
ALTER TABLE shipments ADD COLUMN label_id TEXT;
-- Shipments the poller still follows.
CREATE INDEX shipments_tracking_open ON shipments (tracked_at)
    WHERE carrier_account_id IS NOT NULL AND delivered_at IS NULL AND voided_at IS NULL;
CREATE INDEX shipments_by_tracking_status ON shipments (tracking_status, moved_at);
-- Parcels in flight by their last movement (the "no movement for N days" list).
CREATE INDEX shipments_in_flight ON shipments (COALESCE(moved_at, created_at))
    WHERE carrier_account_id IS NOT NULL AND delivered_at IS NULL AND voided_at IS NULL;

-- The carrier's scans, each once.
CREATE TABLE tracking_events (
    shipment_id  INTEGER NOT NULL REFERENCES shipments(id),
    at           INTEGER NOT NULL,
    status       TEXT NOT NULL,
    message      TEXT NOT NULL,
    location     TEXT,
    PRIMARY KEY (shipment_id, at, message)
) WITHOUT ROWID;

-- Customer e-mail, sent through the shop's SMTP server with retries like the channel outbox.
-- kind: order_confirmed | shipped | delivered | exception.
-- status: pending | sent | failed (needs a person) | dismissed
CREATE TABLE mail_outbox (
    id               INTEGER PRIMARY KEY,
    order_id         INTEGER NOT NULL REFERENCES orders(id),
    shipment_id      INTEGER REFERENCES shipments(id),
    kind             TEXT NOT NULL,
    idempotency_key  TEXT NOT NULL UNIQUE,
    to_address       TEXT NOT NULL,
    lang             TEXT NOT NULL,
    status           TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT,
    next_attempt_at  INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    sent_at          INTEGER,
    message_id       TEXT,
    subject          TEXT                 -- as sent
);
CREATE INDEX mail_outbox_due ON mail_outbox (status, next_attempt_at);
CREATE INDEX mail_outbox_by_order ON mail_outbox (order_id);

-- Customer e-mail per channel (some channels send their own).
ALTER TABLE connections ADD COLUMN email_customers INTEGER NOT NULL DEFAULT 0;

-- Mail rows are added in the same transaction as what they tell (an order stored, a shipment
-- made), for connections that e-mail their customers and customers with an address. The
-- language is the shop's (setting mail.lang, English when unset). A confirmation is only for
-- an order stored within a day of being placed (an import of old orders sends none).
CREATE TRIGGER mail_on_order AFTER INSERT ON orders
    WHEN NEW.status = 'pending' AND NEW.placed_at >= NEW.created_at - 86400000
BEGIN
    INSERT OR IGNORE INTO mail_outbox (order_id, kind, idempotency_key, to_address, lang, status,
                                       next_attempt_at, created_at)
    SELECT NEW.id, 'order_confirmed', 'order_confirmed-' || NEW.id, cu.email,
           COALESCE((SELECT value FROM settings WHERE key = 'mail.lang'), 'en'),
           'pending', NEW.created_at, NEW.created_at
    FROM connections c JOIN customers cu ON cu.id = NEW.customer_id
    WHERE c.id = NEW.connection_id AND c.email_customers = 1 AND COALESCE(cu.email, '') != '';
END;

-- A shipment e-mail: not for orders collected in store, nor for orders placed more than 30
-- days before the shipment (recording old shipments in bulk mails no one).
CREATE TRIGGER mail_on_shipment AFTER INSERT ON shipments
BEGIN
    INSERT OR IGNORE INTO mail_outbox (order_id, shipment_id, kind, idempotency_key, to_address, lang,
                                       status, next_attempt_at, created_at)
    SELECT o.id, NEW.id, 'shipped', 'shipped-' || NEW.id, cu.email,
           COALESCE((SELECT value FROM settings WHERE key = 'mail.lang'), 'en'),
           'pending', NEW.created_at, NEW.created_at
    FROM orders o JOIN connections c ON c.id = o.connection_id JOIN customers cu ON cu.id = o.customer_id
    WHERE o.id = NEW.order_id AND c.email_customers = 1 AND COALESCE(cu.email, '') != ''
      AND o.pickup_location_id IS NULL AND o.placed_at >= NEW.created_at - 30 * 86400000;
END;
