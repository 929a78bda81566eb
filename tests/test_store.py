"""The SQLite store: upgrades in place, and survives the workspace folder being moved."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from conftest import Book, good_row

from processors.passes import run_pass
from processors.store import Store
from processors.workspace import Workspace


def test_store_from_schema_version_1_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript("CREATE TABLE records (id INTEGER PRIMARY KEY, form TEXT, key TEXT UNIQUE, series TEXT, "
                       "number INTEGER, state TEXT, data TEXT, content_hash TEXT, message TEXT DEFAULT '', "
                       "file TEXT, row_hint INTEGER, created_at TEXT, updated_at TEXT);"
                       "INSERT INTO records VALUES (1,'purchase_request','PR-2026-0001','PR-2026',1,'submitted',"
                       "'{}','h','','sheets/a.xlsx',2,'t','t'); PRAGMA user_version=1;")
    conn.close()
    store = Store(path)
    try:
        assert store.meta("rules_hash") is None             # the table exists now
        assert store.record("PR-2026-0001").state == "submitted"   # and nothing was lost
        indexes = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"records_form_content", "row_view_file_fp"} <= indexes
    finally:
        store.close()


def test_moved_workspace_is_not_revalidated(make_workspace, tmp_path: Path) -> None:
    ws = make_workspace("before")
    Book(ws.cfg.sheets_dir / "采购申请.xlsx").put_rows([good_row(), good_row(quantity=0)])
    run_pass(ws)
    ws.close()
    shutil.move(tmp_path / "before", tmp_path / "after")
    moved = Workspace(tmp_path / "after")
    try:
        assert not moved.revalidate_if_rules_changed()
    finally:
        moved.close()
