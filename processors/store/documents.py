"""The documents table: what was decided to be issued, and how far its file got.

A row is written in the transaction that decides the document (with the
context it is rendered from and the day it is dated) and moves on after the
commit: pending → written once the file holds the rendered bytes, or failed
when it cannot be made (a template fault, a different file standing at its
path). Each move after the first is its own short transaction, because it
follows a file the outside world can see.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, fields

from .db import Store

PENDING, WRITTEN, FAILED = "pending", "written", "failed"


@dataclass(frozen=True)
class Document:
    key: str
    record_key: str
    template: str
    context: str            # JSON as effects.context wrote it
    issued_on: str
    path: str               # workspace-relative
    state: str
    sha256: str
    error: str
    blocked_by: str
    created_at: str
    updated_at: str


def _document(row: sqlite3.Row) -> Document:
    return Document(**{f.name: row[f.name] for f in fields(Document)})


def get(store: Store, key: str) -> Document | None:
    row = store.conn.execute("SELECT * FROM documents WHERE key = ?", (key,)).fetchone()
    return _document(row) if row else None


def by_paths(store: Store, paths: list[str]) -> dict[str, Document]:
    """The documents among these workspace-relative paths (a mail's attachments), by path."""
    if not paths:
        return {}
    rows = store.conn.execute(f"SELECT * FROM documents WHERE path IN ({','.join('?' * len(paths))})", paths)
    return {r["path"]: _document(r) for r in rows}


def record(store: Store, *, key: str, record_key: str, template: str, context: str, issued_on: str, path: str,
           at: str) -> Document:
    """Insert inside the caller's transaction; a key recorded before keeps its row (and its context) as it is."""
    assert store.conn.in_transaction, "record a document in the transaction that decides it"
    store.conn.execute(
        "INSERT INTO documents (key, record_key, template, context, issued_on, path, created_at, updated_at) "
        "VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (key) DO NOTHING",
        (key, record_key, template, context, issued_on, path, at, at))
    found = get(store, key)
    assert found is not None
    return found


def unsettled(store: Store) -> list[Document]:
    """Pending and failed documents, oldest first (the partial index keeps this cheap when there are none)."""
    rows = store.conn.execute("SELECT * FROM documents WHERE state != 'written' ORDER BY created_at, key")
    return [_document(r) for r in rows]


def mark_written(store: Store, key: str, *, sha256: str, at: str) -> None:
    with store.transaction() as conn:
        conn.execute("UPDATE documents SET state = 'written', sha256 = ?, error = '', blocked_by = '', "
                     "updated_at = ? WHERE key = ?", (sha256, at, key))


def mark_failed(store: Store, doc: Document, *, error: str, sha256: str, blocked_by: str, notice: str,
                at: str) -> None:
    """Failed, and its record's row says why (the same transaction), so nothing is swallowed."""
    with store.transaction() as conn:
        conn.execute("UPDATE documents SET state = 'failed', sha256 = ?, error = ?, blocked_by = ?, updated_at = ? "
                     "WHERE key = ?", (sha256, error, blocked_by, at, doc.key))
        store.flag_record(doc.record_key, notice)


def note_error(store: Store, key: str, *, error: str, at: str) -> None:
    """A passing trouble (the output folder unwritable): stays pending, tried again on the next pass."""
    with store.transaction() as conn:
        conn.execute("UPDATE documents SET error = ?, updated_at = ? WHERE key = ?", (error, at, key))


def reopen(store: Store, key: str, *, at: str) -> None:
    """A written document whose file is gone: make it again from its stored context (the same bytes)."""
    with store.transaction() as conn:
        conn.execute("UPDATE documents SET state = 'pending', error = '', blocked_by = '', updated_at = ? "
                     "WHERE key = ? AND state = 'written'", (at, key))
