-- Refunds (issue 7): per line, shipping and any other amount, within what was paid; an
-- approval step above an amount (setting refunds.approval_above, minor units).
ALTER TABLE refunds ADD COLUMN shipping INTEGER NOT NULL DEFAULT 0;
ALTER TABLE refunds ADD COLUMN extra INTEGER NOT NULL DEFAULT 0;
ALTER TABLE refunds ADD COLUMN created_by TEXT;
ALTER TABLE refunds ADD COLUMN approved_by TEXT;
ALTER TABLE refunds ADD COLUMN decided_at INTEGER;

CREATE TABLE refund_lines (
    refund_id  INTEGER NOT NULL REFERENCES refunds(id),
    line_no    INTEGER NOT NULL,
    quantity   INTEGER NOT NULL CHECK (quantity > 0),
    amount     INTEGER NOT NULL CHECK (amount >= 0),
    PRIMARY KEY (refund_id, line_no)
) WITHOUT ROWID;
