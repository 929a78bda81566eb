-- sheetflow workspace state. Version in PRAGMA user_version; every statement is IF NOT EXISTS so that
-- running this file again upgrades an older store.
CREATE TABLE IF NOT EXISTS records (
    id            INTEGER PRIMARY KEY,
    form          TEXT NOT NULL,
    key           TEXT NOT NULL UNIQUE,      -- PR-2026-0001
    series        TEXT NOT NULL,             -- PR-2026
    number        INTEGER NOT NULL,
    state         TEXT NOT NULL,
    data          TEXT NOT NULL,             -- JSON of the typed values as text
    content_hash  TEXT NOT NULL,             -- hash of the user-owned cells
    message       TEXT NOT NULL DEFAULT '',
    file          TEXT NOT NULL,
    row_hint      INTEGER,                   -- last row it was seen in (display only)
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    notice        TEXT NOT NULL DEFAULT '',  -- news for the row from outside the sheet (a bounced mail …)
    route_version INTEGER NOT NULL DEFAULT 0, -- +1 each time the approval route (re)starts
    step_opened_at TEXT NOT NULL DEFAULT '',  -- when the step now awaited was opened (reminders count from it)
    remind_at     TEXT NOT NULL DEFAULT '',   -- UTC: when the next reminder for that step is due ('' = none)
    sheet_dirty   INTEGER NOT NULL DEFAULT 0, -- 1: rewrite the row's system cells on the next pass
    landed        INTEGER NOT NULL DEFAULT 1, -- 0: numbered in a pass whose write has not yet put the key in the sheet
    UNIQUE (series, number)
);
CREATE INDEX IF NOT EXISTS records_form_state ON records (form, state);
CREATE INDEX IF NOT EXISTS records_form_content ON records (form, content_hash);
CREATE INDEX IF NOT EXISTS records_remind_at ON records (remind_at) WHERE remind_at != '';
CREATE INDEX IF NOT EXISTS records_dirty ON records (file) WHERE sheet_dirty = 1;
CREATE INDEX IF NOT EXISTS records_unlanded ON records (file) WHERE landed = 0;

CREATE TABLE IF NOT EXISTS transitions (
    id          INTEGER PRIMARY KEY,
    record_id   INTEGER NOT NULL REFERENCES records (id),
    at          TEXT NOT NULL,
    from_state  TEXT,
    to_state    TEXT NOT NULL,
    actor       TEXT NOT NULL,
    reason      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS transitions_record ON transitions (record_id);

CREATE TABLE IF NOT EXISTS series (
    name  TEXT PRIMARY KEY,                  -- PR-2026
    last  INTEGER NOT NULL
);

-- What each row of a file looked like after the last pass, by fingerprint.
CREATE TABLE IF NOT EXISTS row_view (
    file     TEXT NOT NULL,
    fp       TEXT NOT NULL,
    row      INTEGER NOT NULL,
    key      TEXT NOT NULL DEFAULT '',
    state    TEXT NOT NULL DEFAULT '',
    message  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS row_view_file_fp ON row_view (file, fp);

-- Cell updates decided but not yet in the file (file open in an editor, or a crash).
CREATE TABLE IF NOT EXISTS pending_writes (
    id          INTEGER PRIMARY KEY,
    form        TEXT NOT NULL,
    file        TEXT NOT NULL,
    target      TEXT NOT NULL,               -- key:PR-2026-0001 | fp:<row fingerprint>:<n>
    cells       TEXT NOT NULL,               -- JSON {role: text}
    expected    TEXT NOT NULL,               -- JSON of the whole row as read
    new_record  TEXT,                        -- JSON: number this row when written
    reason      TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    UNIQUE (file, target)
);

CREATE TABLE IF NOT EXISTS file_status (
    file        TEXT PRIMARY KEY,
    form        TEXT NOT NULL,
    state       TEXT NOT NULL,               -- ok | problem | locked | retrying
    code        TEXT NOT NULL DEFAULT '',
    message     TEXT NOT NULL DEFAULT '',
    identity    TEXT NOT NULL DEFAULT '',    -- mtime/size/inode after our last pass
    since       TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS meta (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);

-- Every email, written in the transaction of the state change that causes it (issue 3).
-- key = record:event:version; it also makes the Message-ID, so a retry is the same message.
CREATE TABLE IF NOT EXISTS outbox (
    id               INTEGER PRIMARY KEY,
    key              TEXT NOT NULL UNIQUE,
    message_id       TEXT NOT NULL,
    record_key       TEXT,
    recipients       TEXT NOT NULL,          -- JSON list of "Name <addr>"
    subject          TEXT NOT NULL,
    body_text        TEXT NOT NULL,
    body_html        TEXT,
    secrets          TEXT NOT NULL DEFAULT '[]',  -- JSON: codes, blanked out of the bodies once sent, failed or unknown
    secret_count     INTEGER NOT NULL DEFAULT 0,  -- how many codes it carried when queued (kept once they are blanked)
    attachments      TEXT NOT NULL DEFAULT '[]',  -- JSON: workspace-relative paths of issued documents
    state            TEXT NOT NULL DEFAULT 'queued',  -- queued|sending|data_end|sent|failed|unknown|replaced
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    last_error       TEXT NOT NULL DEFAULT '',
    created_at       TEXT NOT NULL,
    sent_at          TEXT
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, next_attempt_at);
-- a record's mails, held until its number is in the sheet and released (or dropped) together
CREATE INDEX IF NOT EXISTS outbox_record ON outbox (record_key);

-- One-time sign-off codes (issue 3), stored only as salted scrypt hashes.
CREATE TABLE IF NOT EXISTS codes (
    id            INTEGER PRIMARY KEY,
    record_id     INTEGER NOT NULL REFERENCES records (id),
    step          TEXT NOT NULL,
    version       INTEGER NOT NULL,           -- records.route_version it was issued for
    person        TEXT NOT NULL,              -- person id the code was sent to
    on_behalf_of  TEXT,                       -- person id of the absent holder a deputy signs for
    content_hash  TEXT NOT NULL,              -- the record content the code is bound to
    salt          BLOB NOT NULL,
    hash          BLOB NOT NULL,
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    used_at       TEXT,
    voided_at     TEXT
);
CREATE INDEX IF NOT EXISTS codes_record ON codes (record_id, step);

-- Each sign-off given (or refused) on a step of a record's route.
CREATE TABLE IF NOT EXISTS signoffs (
    id            INTEGER PRIMARY KEY,
    record_id     INTEGER NOT NULL REFERENCES records (id),
    step          TEXT NOT NULL,
    version       INTEGER NOT NULL,
    action        TEXT NOT NULL,              -- approve | reject
    person        TEXT NOT NULL,
    on_behalf_of  TEXT,
    reason        TEXT NOT NULL DEFAULT '',
    content_hash  TEXT NOT NULL,
    stamp         TEXT NOT NULL,              -- what the sign-off cell shows
    at            TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS signoffs_record ON signoffs (record_id, version);

-- Refused sign-off attempts (wrong, reused, expired codes; out of order; no role), for the log and status.
CREATE TABLE IF NOT EXISTS refusals (
    id          INTEGER PRIMARY KEY,
    record_id   INTEGER NOT NULL REFERENCES records (id),
    step        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    reason      TEXT NOT NULL,              -- message key
    typed       TEXT NOT NULL,              -- what was in the cell (codes are not stored)
    at          TEXT NOT NULL,
    fingerprint BLOB                        -- wrong codes: scrypt of the typed code, salted per (record, step)
);
CREATE INDEX IF NOT EXISTS refusals_record ON refusals (record_id, step);

-- A step's defence against guessing (issue 11): the salt of its wrong-code fingerprints, how often it was
-- locked out, and until when. Kept across route versions, so a restart neither unlocks it nor resets the growth.
CREATE TABLE IF NOT EXISTS step_locks (
    record_id     INTEGER NOT NULL REFERENCES records (id),
    step          TEXT NOT NULL,
    salt          BLOB NOT NULL,
    lockouts      INTEGER NOT NULL DEFAULT 0,
    locked_at     TEXT NOT NULL DEFAULT '',  -- when the last lockout began
    locked_until  TEXT NOT NULL DEFAULT '',  -- when it ends ('' = never locked)
    PRIMARY KEY (record_id, step)
);

-- Lease bills (issue 6): one row per bill of the rent schedule, written when the lease comes into force,
-- so a bill once issued never changes (an amendment replaces only bills not yet due; a termination voids
-- the ones after it). Payments are applied oldest bill first.
CREATE TABLE IF NOT EXISTS bills (
    id            INTEGER PRIMARY KEY,
    lease         TEXT NOT NULL,              -- LC-2026-0001
    kind          TEXT NOT NULL,              -- rent | turnover
    period_start  TEXT NOT NULL,
    period_end    TEXT NOT NULL,
    due_date      TEXT NOT NULL,
    rent          TEXT NOT NULL,
    fee           TEXT NOT NULL,
    amount        TEXT NOT NULL,
    basis         TEXT NOT NULL,
    paid          TEXT NOT NULL DEFAULT '0',
    paid_on       TEXT NOT NULL DEFAULT '',   -- the day it was settled in full
    void          INTEGER NOT NULL DEFAULT 0, -- 1: dropped by a termination or replaced by an amendment
    created_at    TEXT NOT NULL,
    UNIQUE (lease, kind, period_start, void)
);
CREATE INDEX IF NOT EXISTS bills_lease ON bills (lease, due_date);

CREATE TABLE IF NOT EXISTS bill_payments (
    id        INTEGER PRIMARY KEY,
    payment   TEXT NOT NULL,                  -- RP-2026-0001
    bill_id   INTEGER NOT NULL REFERENCES bills (id),
    amount    TEXT NOT NULL,
    paid_on   TEXT NOT NULL
);

-- What went wrong while deciding one row, running one kind's hook or one stage of a pass (issue 10): the fault
-- rolled back that record alone; `sheetflow status` lists it until the row is decided cleanly again.
CREATE TABLE IF NOT EXISTS faults (
    id          INTEGER PRIMARY KEY,
    file        TEXT NOT NULL,              -- workbook or Google tab label; '' for a pass-wide stage
    form        TEXT NOT NULL DEFAULT '',
    row         INTEGER NOT NULL DEFAULT 0, -- 0: not one row's
    key         TEXT NOT NULL DEFAULT '',
    stage       TEXT NOT NULL,              -- decide | write | prepare | after_sync | timers | finish | outputs | ...
    error       TEXT NOT NULL,              -- exception class and text (the log has the traceback)
    at          TEXT NOT NULL,
    UNIQUE (file, stage, row, key)
);
-- Every document to issue (issue 10), recorded in the transaction that decides it, with the date it is
-- dated and the context it is rendered from; the file is produced after the commit from this row alone,
-- so a retry on another day renders the same bytes. A mail attaching it waits until it is `written`.
CREATE TABLE IF NOT EXISTS documents (
    key          TEXT PRIMARY KEY,           -- the document's name: PO-2026-0001, PO-2026-0001-付款申请
    record_key   TEXT NOT NULL,              -- the record it belongs to (flagged when it fails)
    template     TEXT NOT NULL,              -- documents/{template}.html
    context      TEXT NOT NULL,              -- JSON, Decimal/date/datetime tagged (effects.context)
    issued_on    TEXT NOT NULL,              -- the day it is dated
    path         TEXT NOT NULL UNIQUE,       -- workspace-relative, as mails attach it
    state        TEXT NOT NULL DEFAULT 'pending',  -- pending | written | failed
    sha256       TEXT NOT NULL DEFAULT '',   -- of the bytes rendered (the file a mail may carry)
    error        TEXT NOT NULL DEFAULT '',
    blocked_by   TEXT NOT NULL DEFAULT '',   -- failed: what it waits on to change (file:<sha> | templates:<fp>)
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_unsettled ON documents (state) WHERE state != 'written';
