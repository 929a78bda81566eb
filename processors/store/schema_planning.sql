-- The monthly purchase plans and fund-use plans (REQUIREMENTS.md R5): processors/store/planning.py holds the SQL,
-- processors/planning/ what it means. The plan rows are records (forms monthly_plan, fund_plan) holding their
-- current figures; every version they went through is kept here, the approved one last.
CREATE TABLE IF NOT EXISTS plan_versions (
    plan     TEXT NOT NULL,             -- MP-2026-12, FP-2026-12
    version  INTEGER NOT NULL,          -- 1, 2 … in the order the figures changed
    digest   TEXT NOT NULL,             -- of the figures (serial.digest): a new one is a new version
    at       TEXT NOT NULL,             -- when sheetflow computed it
    summary  TEXT NOT NULL DEFAULT '{}', -- JSON: lines, quantities, amounts, for the versions sheet
    data     TEXT NOT NULL DEFAULT '{}', -- JSON: the record's derived values of that version
    PRIMARY KEY (plan, version)
);
