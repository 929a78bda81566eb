"""The store's side of a backup: a consistent copy through SQLite's online backup API, and checking a copy.

Why the backup API and never a file copy: the live store is in WAL mode, its
latest commits may sit in sheetflow.db-wal, and a pass may be writing while the
copy is made; a file copy can catch half a transaction. `Connection.backup`
reads one snapshot (a read transaction, which in WAL mode neither waits for
nor blocks a writer) and writes it into a file of its own. The copy is switched
to journal_mode=DELETE so that it is one self-contained file (no -wal to carry
along) that can be opened read-only for the check.

SQL lives here rather than in processors/backup/ because the store package is
the one place that speaks SQL (tests/test_code_shape.py holds that).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from ..filemodes import create_private


@dataclass(frozen=True)
class StoreCounts:
    """What a copy of the store holds: records per form, rows per table, the schema version."""

    records: dict[str, int]
    tables: dict[str, int]
    schema_version: int


def copy_store(source: Path, dest: Path) -> StoreCounts:
    """Copy the store at `source` into the new file `dest` (0600: it holds sign-off codes) and count it.

    A fresh connection of its own: the workspace's connection may be inside a transaction (a pass
    committing), and what is copied must be the last commit, never what that transaction has not committed.
    """
    create_private(dest)   # before SQLite opens it, so the copy is never readable by others, not even briefly
    src = sqlite3.connect(source, timeout=30, isolation_level=None)
    try:
        dst = sqlite3.connect(dest, isolation_level=None)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")
            return _counts(dst)
        finally:
            dst.close()
    finally:
        src.close()


def check_copy(path: Path) -> tuple[list[str], StoreCounts]:
    """Open a copy read-only, run PRAGMA integrity_check and count it: (problems, counts); no problem is []."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
    try:
        found = [str(r[0]) for r in conn.execute("PRAGMA integrity_check")]
        problems = [] if found == ["ok"] else found
        return problems, _counts(conn)
    finally:
        conn.close()


def _counts(conn: sqlite3.Connection) -> StoreCounts:
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    counted = {name: int(conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]) for name in tables}
    records = ({str(r[0]): int(r[1]) for r in conn.execute("SELECT form, count(*) FROM records GROUP BY form")}
               if "records" in counted else {})
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    return StoreCounts(records=records, tables=counted, schema_version=version)
