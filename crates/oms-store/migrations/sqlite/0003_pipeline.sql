-- Processing pipeline and the inventory ledger.

-- Statuses added by the pipeline: backordered (waiting for stock) and merged (lines moved to
-- another order).
INSERT INTO order_status_counts (status, n) VALUES ('backordered', 0), ('merged', 0);

ALTER TABLE orders ADD COLUMN merged_into INTEGER REFERENCES orders(id);
ALTER TABLE orders ADD COLUMN risk_score INTEGER;
-- When the pipeline last ran on this order (NULL: never; the order waits in the queue).
ALTER TABLE orders ADD COLUMN processed_at INTEGER;
-- A priority someone set by hand; the pipeline's rules do not override it.
ALTER TABLE orders ADD COLUMN priority_manual INTEGER;
CREATE INDEX orders_customer ON orders (customer_id, placed_at);
CREATE INDEX orders_postal ON orders (ship_postal, placed_at);
CREATE INDEX orders_unprocessed ON orders (priority DESC, placed_at) WHERE processed_at IS NULL;

-- Late-to-ship covers backordered orders too.
DROP INDEX orders_open_ship_by;
CREATE INDEX orders_open_ship_by ON orders (ship_by)
    WHERE ship_by IS NOT NULL AND status IN ('pending', 'on_hold', 'ready', 'backordered', 'allocated', 'partially_shipped');

-- Line quantities; reserved = the sum of the line's open reservations.
ALTER TABLE order_lines ADD COLUMN reserved INTEGER NOT NULL DEFAULT 0;
ALTER TABLE order_lines ADD COLUMN backordered INTEGER NOT NULL DEFAULT 0;
ALTER TABLE order_lines ADD COLUMN shipped INTEGER NOT NULL DEFAULT 0;
ALTER TABLE order_lines ADD COLUMN cancelled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE order_lines ADD COLUMN returned INTEGER NOT NULL DEFAULT 0;
-- The order the line was bought on, when it came to this order by a merge.
ALTER TABLE order_lines ADD COLUMN origin_order_id INTEGER REFERENCES orders(id);
CREATE INDEX order_lines_waiting ON order_lines (product_id) WHERE backordered > 0;

-- Products: in the catalogue (not only seen on an order), backorders allowed, customer tags.
ALTER TABLE products ADD COLUMN catalogued INTEGER NOT NULL DEFAULT 0;
ALTER TABLE products ADD COLUMN allow_backorder INTEGER NOT NULL DEFAULT 0;
-- The products that existed before this migration were the catalogue.
UPDATE products SET catalogued = 1;
ALTER TABLE customers ADD COLUMN tags TEXT NOT NULL DEFAULT '';

-- Stored balances per SKU and location, moved only together with a ledger row in one
-- transaction. available = on_hand - reserved.
CREATE TABLE inventory_levels (
    product_id    INTEGER NOT NULL REFERENCES products(id),
    location_id   INTEGER NOT NULL REFERENCES locations(id),
    on_hand       INTEGER NOT NULL DEFAULT 0,
    reserved      INTEGER NOT NULL DEFAULT 0,
    safety_stock  INTEGER NOT NULL DEFAULT 0,
    incoming      INTEGER NOT NULL DEFAULT 0,     -- expected (e.g. a purchase order)
    incoming_at   INTEGER,                        -- when the incoming stock is expected
    PRIMARY KEY (product_id, location_id),
    CHECK (on_hand >= 0),
    CHECK (reserved >= 0),
    CHECK (safety_stock >= 0),
    CHECK (incoming >= 0)
) WITHOUT ROWID;
CREATE INDEX inventory_levels_by_location ON inventory_levels (location_id, product_id);

-- The last line of defence against overselling: no balance may leave available below zero
-- unless the product allows backorders. The application checks first and says which SKU.
CREATE TRIGGER inventory_never_oversold_insert BEFORE INSERT ON inventory_levels
    WHEN NEW.on_hand - NEW.reserved < 0
     AND (SELECT allow_backorder FROM products WHERE id = NEW.product_id) = 0 BEGIN
    SELECT RAISE(ABORT, 'oversell: available would fall below zero');
END;
CREATE TRIGGER inventory_never_oversold_update BEFORE UPDATE ON inventory_levels
    WHEN NEW.on_hand - NEW.reserved < 0
     AND (SELECT allow_backorder FROM products WHERE id = NEW.product_id) = 0 BEGIN
    SELECT RAISE(ABORT, 'oversell: available would fall below zero');
END;

-- inventory_movements (from 0001) is the ledger; these are its readers' indexes.
CREATE INDEX inventory_movements_by_order ON inventory_movements (order_id) WHERE order_id IS NOT NULL;
ALTER TABLE inventory_movements ADD COLUMN actor TEXT;

-- Reservations of order lines at locations. reserved of a level = the sum of its open ones.
CREATE TABLE reservations (
    id           INTEGER PRIMARY KEY,
    order_id     INTEGER NOT NULL REFERENCES orders(id),
    line_no      INTEGER NOT NULL,
    product_id   INTEGER NOT NULL REFERENCES products(id),
    location_id  INTEGER NOT NULL REFERENCES locations(id),
    quantity     INTEGER NOT NULL CHECK (quantity > 0),
    status       TEXT NOT NULL,       -- open, released, shipped
    created_at   INTEGER NOT NULL,
    closed_at    INTEGER
);
CREATE INDEX reservations_open_by_order ON reservations (order_id) WHERE status = 'open';
CREATE INDEX reservations_open_by_item ON reservations (product_id, location_id) WHERE status = 'open';

-- Holds: typed reason, the check that raised it, and how it ended.
CREATE TABLE order_holds (
    id               INTEGER PRIMARY KEY,
    order_id         INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    reason           TEXT NOT NULL,
    check_code       TEXT NOT NULL,
    message          TEXT NOT NULL,
    placed_at        INTEGER NOT NULL,
    placed_by        TEXT NOT NULL,
    released_at      INTEGER,
    released_by      TEXT,
    release_comment  TEXT
);
CREATE INDEX order_holds_by_order ON order_holds (order_id);
CREATE INDEX order_holds_open ON order_holds (reason, placed_at) WHERE released_at IS NULL;

-- Settings documents (JSON), e.g. the pipeline's rules.
CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
