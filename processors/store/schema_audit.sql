-- The cell-level audit trail (issue 16, A3: every change is recorded). One row per changed user-visible field
-- of a record, written in the transaction that changes the record's data; state changes stay in `transitions`.
CREATE TABLE IF NOT EXISTS audit (
    id         INTEGER PRIMARY KEY,
    record_id  INTEGER NOT NULL REFERENCES records (id),
    field      TEXT NOT NULL,               -- the form's field name (its zh/en label comes from the form)
    old        TEXT,                        -- NULL: the field had no value yet (the record was created)
    new        TEXT,                        -- NULL: the field is gone from the record
    at         TEXT NOT NULL,               -- the store's time of the change (local ISO, seconds)
    who        TEXT NOT NULL DEFAULT '',    -- the person, as the source names them ('' = unknown)
    source     TEXT NOT NULL,               -- google | declared | row | sheetflow | unknown
    after_transition INTEGER NOT NULL DEFAULT 0  -- transitions.id written just before it: one order for both
);
CREATE INDEX IF NOT EXISTS audit_record ON audit (record_id, id);
CREATE INDEX IF NOT EXISTS audit_at ON audit (at);
