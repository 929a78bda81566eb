"""What a restore keeps from the store it replaces, so an older backup never breaks the promises already kept.

A backup is a moment; the workspace went on after it. Put back as it was, the
older store would number again what it numbered since, send again what it
sent since, and issue again (with today's date, other bytes) what it issued
since. So before the restored store goes live, this file carries over from the
current one, in one transaction on the restored copy:

- series: each series' high-water mark, the higher of the two (numbers issued since are never issued again);
- outbox: a mail the current store has as sent, unknown, failed or replaced stays so, including one the backup
  has queued (it went out after the backup was taken: marked sent, its codes masked as the current row is);
  mails without codes queued and sent since the backup are carried over as sent, so the same event does not
  mail again; code mails made since are not (their codes are not in the restored store: a step that opens
  again sends a fresh code, a new mail, not the old one again);
- documents: a document the current store has as written stays written, with its sha256 (its file stays in
  output/ and is not issued again with other bytes);
- meta `backup:*`: the schedule's notes (the last backups) are the current ones.

SQL lives here because the store package is the one place that speaks SQL.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

#: outbox states the current store's row wins with: the mail has left (or a person decided about it)
SETTLED = ("sent", "unknown", "failed", "replaced")
_SETTLED = "('sent', 'unknown', 'failed', 'replaced')"
_IN_FLIGHT = "('queued', 'sending', 'data_end')"
_OUTBOX_COLS = ("key", "message_id", "record_key", "recipients", "subject", "body_text", "body_html", "secrets",
                "secret_count", "attachments", "state", "attempts", "next_attempt_at", "last_error", "created_at",
                "sent_at")
_DOC_COLS = ("key", "record_key", "template", "context", "issued_on", "path", "state", "sha256", "error",
             "blocked_by", "created_at", "updated_at")


@dataclass
class Merged:
    """What was taken over from the current store, for the restore's report."""

    series: list[tuple[str, int, int]] = field(default_factory=list)   # (series, backup's last, current's last)
    newer_records: list[str] = field(default_factory=list)             # numbered since the backup
    mails_settled: list[str] = field(default_factory=list)             # queued in the backup, sent since
    mails_carried: int = 0                                             # sent since, without codes
    documents_kept: list[str] = field(default_factory=list)            # issued since (or settled since)


def merge_current(restored: Path, current: Path) -> Merged:
    """Carry the current store's promises into the restored copy (both closed by everyone else)."""
    out = Merged()
    if not current.is_file():
        return out
    conn = sqlite3.connect(restored.resolve().as_uri(), uri=True, isolation_level=None)
    try:
        conn.execute("ATTACH DATABASE ? AS cur", (f"{current.resolve().as_uri()}?mode=ro",))
        conn.execute("BEGIN IMMEDIATE")
        _series(conn, out)
        _outbox(conn, out)
        _documents(conn, out)
        conn.execute("INSERT INTO main.meta (key, value) SELECT key, value FROM cur.meta WHERE key LIKE 'backup:%' "
                     "ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        conn.execute("COMMIT")
        conn.execute("DETACH DATABASE cur")
    finally:
        conn.close()
    return out


def _series(conn: sqlite3.Connection, out: Merged) -> None:
    out.series = [(str(r[0]), int(r[1]), int(r[2])) for r in conn.execute(
        "SELECT c.name, coalesce(m.last, 0), c.last FROM cur.series c LEFT JOIN main.series m ON m.name = c.name "
        "WHERE c.last > coalesce(m.last, 0) ORDER BY c.name")]
    conn.execute("INSERT INTO main.series (name, last) SELECT name, last FROM cur.series WHERE true "
                 "ON CONFLICT (name) DO UPDATE SET last = max(last, excluded.last)")
    out.newer_records = [str(r[0]) for r in conn.execute(
        "SELECT key FROM cur.records WHERE key NOT IN (SELECT key FROM main.records) ORDER BY id")]


def _outbox(conn: sqlite3.Connection, out: Merged) -> None:
    settled = [c for c in _OUTBOX_COLS if c != "key"]
    out.mails_settled = [str(r[0]) for r in conn.execute(
        f"SELECT m.key FROM main.outbox m JOIN cur.outbox c ON c.key = m.key WHERE m.state IN {_IN_FLIGHT} "
        f"AND c.state IN {_SETTLED} ORDER BY m.id")]
    for key in out.mails_settled:
        conn.execute(f"UPDATE main.outbox SET ({', '.join(settled)}) = "
                     f"(SELECT {', '.join(settled)} FROM cur.outbox WHERE key = ?) WHERE key = ?", (key, key))
    cols = ", ".join(_OUTBOX_COLS)
    out.mails_carried = conn.execute(
        f"INSERT INTO main.outbox ({cols}) SELECT {cols} FROM cur.outbox WHERE state IN ('sent', 'unknown') "
        "AND secret_count = 0 AND key NOT IN (SELECT key FROM main.outbox) ORDER BY id "
        "ON CONFLICT DO NOTHING").rowcount


def _documents(conn: sqlite3.Connection, out: Merged) -> None:
    cols = ", ".join(_DOC_COLS)
    updated = [str(r[0]) for r in conn.execute(
        "SELECT m.key FROM main.documents m JOIN cur.documents c ON c.key = m.key "
        "WHERE c.state = 'written' AND (m.state != 'written' OR m.sha256 != c.sha256)")]
    for key in updated:
        conn.execute("UPDATE main.documents SET (state, sha256, error, blocked_by, updated_at) = "
                     "(SELECT state, sha256, error, blocked_by, updated_at FROM cur.documents WHERE key = ?) "
                     "WHERE key = ?", (key, key))
    carried = [str(r[0]) for r in conn.execute(
        "SELECT key FROM cur.documents WHERE state = 'written' AND key NOT IN (SELECT key FROM main.documents) "
        "ORDER BY created_at, key")]
    conn.execute(f"INSERT INTO main.documents ({cols}) SELECT {cols} FROM cur.documents WHERE state = 'written' "
                 "AND key NOT IN (SELECT key FROM main.documents) ON CONFLICT DO NOTHING")
    out.documents_kept = updated + carried


def written_documents(store: Path) -> dict[str, str]:
    """{workspace-relative path: sha256} of the documents the store at `store` has as written."""
    conn = sqlite3.connect(f"{store.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
    try:
        rows = conn.execute("SELECT path, sha256 FROM documents WHERE state = 'written'")
        return {str(r[0]): str(r[1]) for r in rows}
    finally:
        conn.close()


def checkpoint(path: Path) -> None:
    """Fold the WAL into the main file and empty it, so the file alone is the store (before it is replaced)."""
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
