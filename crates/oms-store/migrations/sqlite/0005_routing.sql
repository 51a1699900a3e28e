-- Routing: what a location offers the routing rules, what each location took on each day,
-- and every routing decision with its candidates and reasons.
ALTER TABLE locations ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
-- Space-separated ISO country codes the location ships to; empty: everywhere.
ALTER TABLE locations ADD COLUMN ships_to TEXT NOT NULL DEFAULT '';
ALTER TABLE locations ADD COLUMN capacity_orders INTEGER;
ALTER TABLE locations ADD COLUMN capacity_units INTEGER;
-- Minutes after 00:00 UTC after which the day's capacity is closed.
ALTER TABLE locations ADD COLUMN cutoff_minute INTEGER;

-- Orders and units routed to a location per UTC day (day = epoch days), kept by the pipeline
-- in the same transaction as the reservations; read by the capacity rules.
CREATE TABLE location_day_load (
    location_id  INTEGER NOT NULL REFERENCES locations(id) ON DELETE CASCADE,
    day          INTEGER NOT NULL,
    orders       INTEGER NOT NULL DEFAULT 0,
    units        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (location_id, day)
);

-- Every routing decision; the newest per order is current, older ones stay for the timeline.
CREATE TABLE routing_decisions (
    id           INTEGER PRIMARY KEY,
    order_id     INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    at           INTEGER NOT NULL,
    strategy     TEXT NOT NULL,
    explanation  TEXT NOT NULL,
    decision     BLOB NOT NULL,   -- the engine's RouteDecision as JSON, deflate-compressed
                                  -- (20 candidates are ≈4 KB of JSON, ≈0.6 KB compressed)
    current      INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX routing_decisions_by_order ON routing_decisions (order_id, id);
