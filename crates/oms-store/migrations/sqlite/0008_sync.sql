-- Channel sync (issue 5): a connection's settings, cursor and state; each inbox payload's outcome.
-- Secrets are never here: they live in the OS keyring, keyed by connection id.

-- JSON: {"api_version": "2026-10", "page_size": 250, "overlap_s": 300, "initial_days": 30}
ALTER TABLE connections ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';
-- The newest channel change (epoch ms) of a committed page; the next pull starts there minus
-- the overlap window.
ALTER TABLE connections ADD COLUMN sync_cursor INTEGER;
ALTER TABLE connections ADD COLUMN paused INTEGER NOT NULL DEFAULT 0;
ALTER TABLE connections ADD COLUMN last_sync_at INTEGER;
ALTER TABLE connections ADD COLUMN last_success_at INTEGER;
ALTER TABLE connections ADD COLUMN last_error TEXT;
ALTER TABLE connections ADD COLUMN last_error_code TEXT;
-- Failed runs in a row: the circuit opens at 3 (runs wait longer; the UI shows it).
ALTER TABLE connections ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE connections ADD COLUMN orders_pulled INTEGER NOT NULL DEFAULT 0;

-- mapped | quarantined | dismissed
ALTER TABLE inbox ADD COLUMN status TEXT NOT NULL DEFAULT 'mapped';
CREATE INDEX inbox_quarantined ON inbox (connection_id, id) WHERE status = 'quarantined';
-- Lookups by (connection, external id) use the UNIQUE index of 0001.
