-- Carriers (issue 6): accounts with a carrier platform (EasyPost first; the API key lives in the
-- OS keyring, keyed by account id) and what a bought label adds to a shipment.
CREATE TABLE carrier_accounts (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,          -- easypost
    name        TEXT NOT NULL UNIQUE,
    base_url    TEXT NOT NULL,
    enabled     INTEGER NOT NULL DEFAULT 1,
    created_at  INTEGER NOT NULL
);

ALTER TABLE shipments ADD COLUMN carrier_account_id INTEGER REFERENCES carrier_accounts(id);
-- The carrier platform's shipment (bought against; looked up again on a retry).
ALTER TABLE shipments ADD COLUMN carrier_shipment_id TEXT;
ALTER TABLE shipments ADD COLUMN service_cost INTEGER;     -- minor units of cost_currency
ALTER TABLE shipments ADD COLUMN cost_currency TEXT;
-- The label file kept beside the database (labels/…), and its format (PDF, PNG, ZPL).
ALTER TABLE shipments ADD COLUMN label_path TEXT;
ALTER TABLE shipments ADD COLUMN label_format TEXT;
ALTER TABLE shipments ADD COLUMN tracker_id TEXT;
CREATE UNIQUE INDEX shipments_carrier_shipment ON shipments (carrier_account_id, carrier_shipment_id)
    WHERE carrier_shipment_id IS NOT NULL;
