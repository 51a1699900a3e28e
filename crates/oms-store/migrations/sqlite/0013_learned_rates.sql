-- Live carrier rates for the routing rules (issue 6): the cheapest quote seen per location,
-- destination country and weight band. The routing rules use them where the imported rate
-- table has no row for that location and country.
CREATE TABLE carrier_rate_samples (
    location_id   INTEGER NOT NULL REFERENCES locations(id) ON DELETE CASCADE,
    country       TEXT NOT NULL,
    max_weight_g  INTEGER NOT NULL,
    cost_minor    INTEGER NOT NULL CHECK (cost_minor >= 0),
    currency      TEXT NOT NULL,
    transit_days  INTEGER NOT NULL CHECK (transit_days >= 0),
    carrier       TEXT NOT NULL,
    service       TEXT NOT NULL,
    seen_at       INTEGER NOT NULL,
    PRIMARY KEY (location_id, country, max_weight_g)
) WITHOUT ROWID;

-- Label purchases (issue 6), recorded before the carrier is asked: a purchase whose answer was
-- lost (a timeout, a crash) stays pending, and the next purchase for the order finishes it —
-- the carrier is looked at first — instead of buying another label.
-- pending | done | failed
CREATE TABLE label_purchases (
    id                   INTEGER PRIMARY KEY,
    order_id             INTEGER NOT NULL REFERENCES orders(id),
    account_id           INTEGER NOT NULL REFERENCES carrier_accounts(id),
    carrier_shipment_id  TEXT NOT NULL,
    rate_id              TEXT NOT NULL,
    reason               TEXT,
    status               TEXT NOT NULL,
    error                TEXT,
    created_at           INTEGER NOT NULL,
    finished_at          INTEGER
);
-- One purchase under way per order at a time.
CREATE UNIQUE INDEX label_purchases_pending ON label_purchases (order_id) WHERE status = 'pending';

-- A voided label's carrier shipment may be bought again (another rate of it).
DROP INDEX shipments_carrier_shipment;
CREATE UNIQUE INDEX shipments_carrier_shipment ON shipments (carrier_account_id, carrier_shipment_id)
    WHERE carrier_shipment_id IS NOT NULL AND voided_at IS NULL;
