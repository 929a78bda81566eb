"""The SQLite store: upgrades in place, and survives the workspace folder being moved."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
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


NAMING = [  # data of a stored record, the key asked for, whether it names it
    ({"requests": '["PR-2026-0001", "PR-2026-0002"]'}, "PR-2026-0002", True),   # a plan's list
    ({"requests": '["PR-2026-0001"]'}, "PR-2026-0002", False),
    ({"requests": '["PR-2026-00021"]'}, "PR-2026-0002", False),                  # no prefix match
    ({"requests": "PR-2026-0002"}, "PR-2026-0002", True),                        # one key as text
    ({"requests": "[not json"}, "PR-2026-0002", False),                          # a broken list is no match
    ({"requests": ""}, "PR-2026-0002", False),
    ({}, "PR-2026-0002", False),
]


@pytest.mark.parametrize(("data", "key", "named"), NAMING)
def test_records_naming_finds_a_key_in_a_list_or_as_the_value(tmp_path: Path, data: dict[str, str], key: str,
                                                              named: bool) -> None:
    store = Store(tmp_path / "s.db")
    try:
        with store.transaction():
            store.insert_record(form="purchase_plan", key="PL-2026-0001", series="PL-2026", number=1,
                                state="approved", data=data, content_hash="h", message="", file="", row=2,
                                at="2026-12-01T09:00:00+08:00")
        found = [r.key for r in store.records_naming("purchase_plan", "requests", key)]
        assert found == (["PL-2026-0001"] if named else [])
        assert store.records_naming("order_line", "requests", key) == []   # another form never matches
    finally:
        store.close()
