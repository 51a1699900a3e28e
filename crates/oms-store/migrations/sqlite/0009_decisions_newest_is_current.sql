-- An order's newest routing decision is its current one; older ones stay for the timeline.
-- The flag that said so had to be cleared on every earlier row each time an order was routed,
-- an index probe per order in the hot path, for a fact the ids already carry.
-- (Rebuilt rather than ALTER … DROP COLUMN: SQLite cannot drop a last column followed by a
-- comment in the CREATE TABLE text.)
CREATE TABLE routing_decisions_new (
    id           INTEGER PRIMARY KEY,
    order_id     INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    at           INTEGER NOT NULL,
    strategy     TEXT NOT NULL,
    explanation  TEXT NOT NULL,
    -- the engine's RouteDecision as JSON, deflate-compressed
    -- (20 candidates are about 4 KB of JSON, 0.6 KB compressed)
    decision     BLOB NOT NULL
);
INSERT INTO routing_decisions_new (id, order_id, at, strategy, explanation, decision)
    SELECT id, order_id, at, strategy, explanation, decision FROM routing_decisions;
DROP TABLE routing_decisions;
ALTER TABLE routing_decisions_new RENAME TO routing_decisions;
CREATE INDEX routing_decisions_by_order ON routing_decisions (order_id, id);
