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
    sheet_dirty   INTEGER NOT NULL DEFAULT 0, -- 1: rewrite the row's system cells on the next pass
    UNIQUE (series, number)
);
CREATE INDEX IF NOT EXISTS records_form_state ON records (form, state);
CREATE INDEX IF NOT EXISTS records_form_content ON records (form, content_hash);

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
    secrets          TEXT NOT NULL DEFAULT '[]',  -- JSON: strings blanked out of the bodies once sent
    state            TEXT NOT NULL DEFAULT 'queued',  -- queued|sending|data_end|sent|failed|unknown
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    last_error       TEXT NOT NULL DEFAULT '',
    created_at       TEXT NOT NULL,
    sent_at          TEXT
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, next_attempt_at);
