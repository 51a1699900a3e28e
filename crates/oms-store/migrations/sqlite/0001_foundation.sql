-- Foundation schema. Shared column types only: integers, text, reals, blobs.
-- Instants are integer epoch milliseconds (UTC); money is integer minor units; booleans 0/1.

CREATE TABLE connections (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    enabled     INTEGER NOT NULL DEFAULT 1,
    base_url    TEXT,
    created_at  INTEGER NOT NULL,
    UNIQUE (kind, name)
);

CREATE TABLE locations (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL UNIQUE,
    address     TEXT NOT NULL,          -- JSON of the domain Address
    lat         REAL,
    lon         REAL,
    active      INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE products (
    id              INTEGER PRIMARY KEY,
    sku             TEXT NOT NULL UNIQUE,
    title           TEXT NOT NULL,
    weight_g        INTEGER,
    length_mm       INTEGER,
    width_mm        INTEGER,
    height_mm       INTEGER,
    hs_code         TEXT,
    origin_country  TEXT,
    gtin            TEXT,
    active          INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE customers (
    id      INTEGER PRIMARY KEY,
    name    TEXT NOT NULL,
    email   TEXT UNIQUE,
    phone   TEXT
);

CREATE TABLE orders (
    id               INTEGER PRIMARY KEY,
    connection_id    INTEGER NOT NULL REFERENCES connections(id),
    external_id      TEXT NOT NULL,
    order_number     TEXT NOT NULL,
    placed_at        INTEGER NOT NULL,
    updated_at       INTEGER,                    -- the channel's version; NULL when it equals placed_at
    currency         TEXT NOT NULL,
    shipping_total   INTEGER NOT NULL,
    tax_total        INTEGER NOT NULL,
    discount_total   INTEGER NOT NULL,
    grand_total      INTEGER NOT NULL,           -- lines + shipping + tax - discount (the subtotal is derived)
    payment_status   TEXT NOT NULL,
    status           TEXT NOT NULL,
    priority         INTEGER NOT NULL DEFAULT 0,
    tags             TEXT NOT NULL DEFAULT '',   -- space-separated, for display; order_tags is the index
    customer_id      INTEGER REFERENCES customers(id),
    customer_name    TEXT NOT NULL,               -- the e-mail is the customer's (customers.email)
    phone            TEXT,
    -- Ship-to address in columns (a JSON object cost ~170 bytes an order); the name and phone
    -- are NULL when they equal the order's customer name and phone.
    ship_name        TEXT,
    ship_company     TEXT,
    ship_line1       TEXT,
    ship_line2       TEXT,
    ship_city        TEXT,
    ship_region      TEXT,
    ship_postal      TEXT,
    ship_country     TEXT,
    ship_phone       TEXT,
    bill_to          TEXT,                       -- JSON of the domain Address; NULL when the same as the ship-to
    shipping_service TEXT,
    ship_by          INTEGER,
    item_count       INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,           -- when this database first stored the order
    created_by       TEXT NOT NULL,              -- who or what stored it ("import:csv", "demo" …)
    UNIQUE (connection_id, external_id)
);

-- One index per filter the order list offers, each ending in the default sort key so a page is
-- an index range scan; plus one per sort.
CREATE INDEX orders_placed       ON orders (placed_at);
CREATE INDEX orders_status       ON orders (status, placed_at);
CREATE INDEX orders_connection   ON orders (connection_id, placed_at);
CREATE INDEX orders_country      ON orders (ship_country, placed_at);
CREATE INDEX orders_payment      ON orders (payment_status, placed_at);
CREATE INDEX orders_total        ON orders (grand_total);
CREATE INDEX orders_number       ON orders (order_number);
CREATE INDEX orders_priority     ON orders (priority);
CREATE INDEX orders_open_ship_by ON orders (ship_by)
    WHERE ship_by IS NOT NULL AND status IN ('pending', 'on_hold', 'ready', 'allocated', 'partially_shipped');

CREATE TABLE order_lines (
    order_id    INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    line_no     INTEGER NOT NULL,
    product_id  INTEGER NOT NULL REFERENCES products(id),
    title       TEXT,            -- NULL when the same as the product's title
    quantity    INTEGER NOT NULL,
    unit_price  INTEGER NOT NULL,
    PRIMARY KEY (order_id, line_no)
) WITHOUT ROWID;

CREATE TABLE order_tags (
    tag        TEXT NOT NULL,
    placed_at  INTEGER NOT NULL,
    order_id   INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    PRIMARY KEY (tag, placed_at, order_id)
) WITHOUT ROWID;

CREATE TABLE timeline_events (
    id        INTEGER PRIMARY KEY,
    order_id  INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    at        INTEGER NOT NULL,
    kind      TEXT NOT NULL,
    actor     TEXT NOT NULL,
    summary   TEXT NOT NULL,
    detail    TEXT
);
CREATE INDEX timeline_by_order ON timeline_events (order_id, at);

-- Counters kept by triggers so status counts and the per-day chart never scan orders.
CREATE TABLE order_status_counts (
    status  TEXT PRIMARY KEY,
    n       INTEGER NOT NULL
);
INSERT INTO order_status_counts (status, n) VALUES
    ('pending', 0), ('on_hold', 0), ('ready', 0), ('allocated', 0), ('partially_shipped', 0),
    ('shipped', 0), ('delivered', 0), ('cancelled', 0), ('returned', 0);

CREATE TABLE order_day_counts (
    day  INTEGER PRIMARY KEY,    -- placed_at / 86400000 (UTC day number)
    n    INTEGER NOT NULL
);

CREATE TRIGGER orders_count_insert AFTER INSERT ON orders BEGIN
    UPDATE order_status_counts SET n = n + 1 WHERE status = NEW.status;
    INSERT INTO order_day_counts (day, n) VALUES (NEW.placed_at / 86400000, 1)
        ON CONFLICT (day) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER orders_count_delete AFTER DELETE ON orders BEGIN
    UPDATE order_status_counts SET n = n - 1 WHERE status = OLD.status;
    UPDATE order_day_counts SET n = n - 1 WHERE day = OLD.placed_at / 86400000;
END;
CREATE TRIGGER orders_count_status AFTER UPDATE OF status ON orders
    WHEN OLD.status <> NEW.status BEGIN
    UPDATE order_status_counts SET n = n - 1 WHERE status = OLD.status;
    UPDATE order_status_counts SET n = n + 1 WHERE status = NEW.status;
END;
CREATE TRIGGER orders_count_day AFTER UPDATE OF placed_at ON orders
    WHEN OLD.placed_at / 86400000 <> NEW.placed_at / 86400000 BEGIN
    UPDATE order_day_counts SET n = n - 1 WHERE day = OLD.placed_at / 86400000;
    INSERT INTO order_day_counts (day, n) VALUES (NEW.placed_at / 86400000, 1)
        ON CONFLICT (day) DO UPDATE SET n = n + 1;
END;

CREATE TABLE saved_views (
    id     INTEGER PRIMARY KEY,
    name   TEXT NOT NULL UNIQUE,
    query  TEXT NOT NULL          -- JSON of the order query
);

-- Later lifecycle records: laid down now so their issues fill in behaviour.
CREATE TABLE inventory_movements (
    id           INTEGER PRIMARY KEY,
    product_id   INTEGER NOT NULL REFERENCES products(id),
    location_id  INTEGER NOT NULL REFERENCES locations(id),
    kind         TEXT NOT NULL,
    quantity     INTEGER NOT NULL,
    order_id     INTEGER REFERENCES orders(id),
    reason       TEXT,
    at           INTEGER NOT NULL
);
CREATE INDEX inventory_movements_by_item ON inventory_movements (product_id, location_id, id);

CREATE TABLE shipments (
    id               INTEGER PRIMARY KEY,
    order_id         INTEGER NOT NULL REFERENCES orders(id),
    location_id      INTEGER REFERENCES locations(id),
    carrier          TEXT NOT NULL,
    service          TEXT,
    tracking_number  TEXT,
    status           TEXT NOT NULL,
    created_at       INTEGER NOT NULL
);
CREATE INDEX shipments_by_order ON shipments (order_id);
CREATE INDEX shipments_by_tracking ON shipments (tracking_number);

CREATE TABLE returns (
    id          INTEGER PRIMARY KEY,
    order_id    INTEGER NOT NULL REFERENCES orders(id),
    status      TEXT NOT NULL,
    lines       TEXT NOT NULL,     -- JSON of the return lines
    created_at  INTEGER NOT NULL
);
CREATE INDEX returns_by_order ON returns (order_id);

CREATE TABLE refunds (
    id                 INTEGER PRIMARY KEY,
    order_id           INTEGER NOT NULL REFERENCES orders(id),
    amount             INTEGER NOT NULL,
    currency           TEXT NOT NULL,
    reason             TEXT NOT NULL,
    status             TEXT NOT NULL,
    channel_refund_id  TEXT,
    created_at         INTEGER NOT NULL
);
CREATE INDEX refunds_by_order ON refunds (order_id);

CREATE TABLE inbox (
    id             INTEGER PRIMARY KEY,
    connection_id  INTEGER NOT NULL REFERENCES connections(id),
    external_id    TEXT NOT NULL,
    version        TEXT,
    fetched_at     INTEGER NOT NULL,
    content_hash   TEXT NOT NULL,
    payload        TEXT NOT NULL,
    error          TEXT,
    UNIQUE (connection_id, external_id, content_hash)
);

CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    connection_id    INTEGER REFERENCES connections(id),
    order_id         INTEGER REFERENCES orders(id),
    kind             TEXT NOT NULL,
    idempotency_key  TEXT NOT NULL UNIQUE,
    payload          TEXT NOT NULL,
    status           TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT,
    next_attempt_at  INTEGER NOT NULL
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

-- Distinct tags with their use count, for the tag filter (kept by triggers, never a scan).
CREATE TABLE tag_counts (
    tag  TEXT PRIMARY KEY,
    n    INTEGER NOT NULL
);
CREATE TRIGGER order_tags_count_insert AFTER INSERT ON order_tags BEGIN
    INSERT INTO tag_counts (tag, n) VALUES (NEW.tag, 1) ON CONFLICT (tag) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER order_tags_count_delete AFTER DELETE ON order_tags BEGIN
    UPDATE tag_counts SET n = n - 1 WHERE tag = OLD.tag;
END;
