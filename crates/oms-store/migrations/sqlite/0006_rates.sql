-- Shipping rates per location and destination zone, imported from CSV: the routing rules'
-- cost and transit estimates (live carrier rates plug into the same seam later).
CREATE TABLE shipping_rates (
    id            INTEGER PRIMARY KEY,
    location_id   INTEGER NOT NULL REFERENCES locations(id) ON DELETE CASCADE,
    -- ISO country code; '*' for every other destination.
    country       TEXT NOT NULL,
    -- Postal codes starting with this (normalised: letters and digits, upper case); '' for all.
    postal_prefix TEXT NOT NULL DEFAULT '',
    -- Parcels up to this weight; NULL: any weight.
    max_weight_g  INTEGER CHECK (max_weight_g IS NULL OR max_weight_g > 0),
    cost_minor    INTEGER NOT NULL CHECK (cost_minor >= 0),
    currency      TEXT NOT NULL,
    transit_days  INTEGER NOT NULL CHECK (transit_days >= 0),
    CHECK (country <> '*' OR postal_prefix = '')
);
CREATE INDEX shipping_rates_by_location ON shipping_rates (location_id);
