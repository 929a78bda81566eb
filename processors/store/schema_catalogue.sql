-- The shop's catalogue (REQUIREMENTS.md P1–P4): processors/store/catalogue.py holds the SQL, processors/catalogue/
-- what it means. The catalogue sheet's own rows are records (form catalogue); these tables keep what sheetflow
-- decides about each SKU beyond the row: its price, promotion and how it came off sale, and every price it had.
CREATE TABLE IF NOT EXISTS catalogue_items (
    key           TEXT PRIMARY KEY,            -- the catalogue record, SP-2026-0001
    sku           TEXT NOT NULL UNIQUE,
    price         TEXT NOT NULL DEFAULT '',    -- the price in force (decimal yuan as text)
    promo         TEXT NOT NULL DEFAULT '',    -- what the 促销 cell says ('' = none running)
    delisted_how  TEXT NOT NULL DEFAULT '',    -- auto (zero stock) | manual (by request) | ''
    listing       TEXT NOT NULL DEFAULT '',    -- the listing state sheetflow last set (kept through an invalid row)
    shown         TEXT NOT NULL DEFAULT '{}'   -- JSON: the owned cells as the sheet shows them, as far as known
);

CREATE TABLE IF NOT EXISTS catalogue_prices (
    id         INTEGER PRIMARY KEY,
    sku        TEXT NOT NULL,
    price      TEXT NOT NULL,
    was        TEXT NOT NULL DEFAULT '',        -- the price it replaced ('' for the first)
    effective  TEXT NOT NULL,                   -- the day it took effect (ISO date)
    source     TEXT NOT NULL,                   -- PC-2026-0001, or the catalogue record for the first price
    by         TEXT NOT NULL DEFAULT '',        -- who approved it
    at         TEXT NOT NULL,                   -- when sheetflow applied it
    UNIQUE (sku, source)
);
CREATE INDEX IF NOT EXISTS catalogue_prices_sku ON catalogue_prices (sku, id);
