"""The daily backup of order data (issue 15, C3): consistent while the store is written, checked by restoring it,
taken once a day from 18:00, pruned, private, and a failure that costs the backup alone.

Real workspaces (tmp_path), a real SQLite store and real .xlsx workbooks; a backup is damaged by changing its
files on disk as a failing disk or a tidy colleague would.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sqlite3
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import BOOK, TZ, Book, good_row

from processors import faults
from processors.backup import (
    LAST,
    ORDER_DATA,
    BackupSet,
    Manifest,
    backups_root,
    daily_backup_due,
    generations,
    is_verified,
    mark_verified,
    prune,
    set_folder,
    take_backup,
    verify,
)
from processors.errors import BackupError, ConfigError
from processors.passes import run_pass
from processors.privacy import secure
from processors.status_view import render_status
from processors.store.snapshot import check_copy
from processors.workspace import Workspace

#: the purchase requests stand in for order data here: a set with a form whose workbook init lays out
REQUESTS = BackupSet("test", forms=("purchase_request",))
DAY = dt.date(2026, 11, 29)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TZ)


def set_clock(ws: Workspace, when: dt.datetime) -> None:
    ws.clock.fixed = when


@pytest.fixture
def filled(make_workspace: Callable[..., Workspace]) -> Workspace:
    """A workspace with two purchase requests numbered and stored, at 10:32 on 2026-11-29."""
    ws = make_workspace()
    Book(ws.cfg.sheets_dir / BOOK).put_rows([good_row(), good_row(item="龙骨")])
    run_pass(ws)
    assert len(ws.store.records()) == 2
    return ws


def orders_taken(ws: Workspace) -> list[Path]:
    return [path for _, path in generations(ws.cfg, ORDER_DATA)]


# -- consistency ------------------------------------------------------------------------------------------------

@pytest.fixture
def writer(filled: Workspace) -> Iterator[sqlite3.Connection]:
    """Another connection to the store holding a write transaction with changes not committed."""
    conn = sqlite3.connect(filled.cfg.state_path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("DELETE FROM records")
    conn.execute("INSERT INTO meta (key, value) VALUES ('uncommitted', 'x')")
    yield conn
    conn.execute("ROLLBACK")
    conn.close()


def test_a_backup_beside_an_open_write_transaction_holds_the_last_commit(filled: Workspace,
                                                                         writer: sqlite3.Connection) -> None:
    folder = take_backup(filled, REQUESTS)
    manifest = verify(folder)
    assert manifest.records == {"purchase_request": 2}
    _, counts = check_copy(folder / manifest.store.path)
    assert counts.tables["meta"] == manifest.tables["meta"]
    assert counts.records == {"purchase_request": 2}   # the deletion was never committed: not in the copy


def test_a_backup_while_a_pass_is_committing_holds_the_last_commit(filled: Workspace) -> None:
    book = Book(filled.cfg.sheets_dir / BOOK)
    book.put_rows([good_row(item="瓷砖"), good_row(item="水泥")], start=4)
    taken: list[Path] = []

    def backup_mid_pass(row: int, **_: object) -> None:
        if row == 5:   # row 4's record is inserted, row 5's too: neither committed yet
            taken.append(take_backup(filled, REQUESTS))

    with faults.hooked("decide_row", backup_mid_pass, once=False):
        run_pass(filled)
    assert len(filled.store.records()) == 4 and len(taken) == 1
    manifest = verify(taken[0])
    assert manifest.records == {"purchase_request": 2}
    assert verify(take_backup(filled, REQUESTS)).records == {"purchase_request": 4}


# -- verify -----------------------------------------------------------------------------------------------------

def test_a_good_backup_verifies_and_names_every_file(filled: Workspace) -> None:
    folder = take_backup(filled, REQUESTS)
    manifest = verify(folder)
    assert {(f.part, f.path) for f in manifest.files} == {("store", "store/sheetflow.db"),
                                                           ("sheet", f"sheets/{BOOK}")}
    assert {f.source for f in manifest.files} == {"sheetflow.db", f"sheets/{BOOK}"}
    assert manifest.records == {"purchase_request": 2} and manifest.tables["records"] == 2
    assert json.loads((folder / "manifest.json").read_text("utf-8"))["set"] == "test"
    assert (folder / "sheets" / BOOK).read_bytes() == (filled.cfg.sheets_dir / BOOK).read_bytes()


def _truncate(folder: Path, m: Manifest) -> None:
    path = folder / m.store.path
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _flip(folder: Path, m: Manifest, rel: str) -> None:
    path = folder / rel
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def _rewrite(folder: Path, m: Manifest, **changes: object) -> None:
    data = json.loads((folder / "manifest.json").read_text("utf-8"))
    data.update(changes)
    (folder / "manifest.json").write_text(json.dumps(data), "utf-8")


def _truncate_and_cover_up(folder: Path, m: Manifest) -> None:
    """Truncated, and the manifest made to match: only reading the restored store finds it."""
    _truncate(folder, m)
    path = folder / m.store.path
    files = [dict(f.__dict__) for f in m.files]
    for f in files:
        if f["part"] == "store":
            f["size"], f["sha256"] = path.stat().st_size, hashlib.sha256(path.read_bytes()).hexdigest()
    _rewrite(folder, m, files=files)


DAMAGE = {
    "truncated store": (_truncate, "size_mismatch", "store/sheetflow.db"),
    "flipped byte in the store": (lambda f, m: _flip(f, m, m.store.path), "hash_mismatch", "store/sheetflow.db"),
    "flipped byte in a workbook": (lambda f, m: _flip(f, m, f"sheets/{BOOK}"), "hash_mismatch", BOOK),
    "missing workbook": (lambda f, m: (f / "sheets" / BOOK).unlink(), "missing_file", BOOK),
    "missing manifest": (lambda f, m: (f / "manifest.json").unlink(), "no_manifest", "manifest.json"),
    "manifest count": (lambda f, m: _rewrite(f, m, records={"purchase_request": 3}), "records_mismatch",
                       "purchase_request"),
    "truncated, manifest to match": (_truncate_and_cover_up, "store_damaged", "integrity"),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_verify_refuses_a_damaged_or_incomplete_backup(filled: Workspace, damage: str) -> None:
    harm, code, named = DAMAGE[damage]
    folder = take_backup(filled, REQUESTS)
    harm(folder, verify(folder))
    with pytest.raises(BackupError) as caught:
        verify(folder)
    err = caught.value
    assert err.code == code and err.folder == str(folder)
    assert named in str(err) and str(folder) in str(err)
    zh, en = str(err).split(" / ", 1)
    assert zh.startswith("备份 ") and en.startswith("backup ")     # Chinese first, then English


# -- the 18:00 schedule -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("first", [dt.time(18, 0), dt.time(19, 0)], ids=["watch at 18:00", "run at 19:00"])
def test_the_order_data_backup_is_taken_once_a_day_from_order_data_at(filled: Workspace, first: dt.time) -> None:
    set_clock(filled, at(DAY, 17, 59))
    run_pass(filled)
    assert orders_taken(filled) == []
    set_clock(filled, dt.datetime.combine(DAY, first, tzinfo=TZ))
    run_pass(filled)
    assert len(orders_taken(filled)) == 1
    set_clock(filled, at(DAY, 23, 30))
    run_pass(filled)
    assert len(orders_taken(filled)) == 1
    set_clock(filled, at(DAY + dt.timedelta(days=1), 17, 0))
    run_pass(filled)
    assert len(orders_taken(filled)) == 1
    set_clock(filled, at(DAY + dt.timedelta(days=1), 18, 0))
    run_pass(filled)
    taken = orders_taken(filled)
    assert len(taken) == 2 and all(is_verified(p) for p in taken)
    note = json.loads(filled.store.meta(LAST))
    assert note["day"] == "2026-11-30" and note["records"] == 2
    assert note["folder"] == filled.rel(taken[-1])


def test_watch_is_told_to_wake_for_the_backup_at_its_time_then_for_tomorrows(filled: Workspace) -> None:
    set_clock(filled, at(DAY, 17, 59))
    run_pass(filled)
    assert filled.next_due == at(DAY, 18, 0)
    set_clock(filled, at(DAY, 18, 0))
    run_pass(filled)
    assert len(orders_taken(filled)) == 1
    assert filled.next_due == at(DAY + dt.timedelta(days=1), 18, 0)


def test_the_order_data_set_copies_the_store_and_skips_absent_sales_forms(filled: Workspace) -> None:
    set_clock(filled, at(DAY, 18))
    folder = daily_backup_due(filled)
    assert folder is not None and daily_backup_due(filled) is None
    manifest = verify(folder)
    sales = {f.form for f in manifest.files if f.part == "sheet"}
    assert sales == {fid for fid in ("customer_order", "sales_contract", "contract_movement", "feedback")
                     if fid in filled.forms and any(p.is_file() for p in filled.files_of(filled.forms[fid]))}
    assert manifest.records["purchase_request"] == 2   # the store is all of it


def configured(make_workspace: Callable[..., Workspace], **backup: str) -> Workspace:
    """The workspace again after its config.toml's [backup] section (as init wrote it) was changed by hand."""
    path = make_workspace("ws").cfg.root / "config.toml"
    head, section = path.read_text("utf-8").split("[backup]\n", 1)
    body, rest = section.split("\n\n", 1)
    lines = [line for line in body.splitlines() if line.split(" ", 1)[0] not in backup]
    lines += [f"{key} = {value}" for key, value in backup.items()]
    path.write_text(head + "[backup]\n" + "\n".join(lines) + "\n\n" + rest, "utf-8")
    return make_workspace("ws")


def test_the_order_data_time_comes_from_config(make_workspace: Callable[..., Workspace]) -> None:
    ws = configured(make_workspace, order_data_at='"07:30"')
    set_clock(ws, at(DAY, 7, 29))
    assert daily_backup_due(ws) is None
    set_clock(ws, at(DAY, 7, 30))
    assert daily_backup_due(ws) is not None


# -- pruning ----------------------------------------------------------------------------------------------------

def _taken_on(ws: Workspace, day: dt.date, *, good: bool = True) -> Path:
    set_clock(ws, at(day, 18))
    folder = take_backup(ws, ORDER_DATA)
    if good:
        mark_verified(folder, at(day, 18))
    return folder


def test_pruning_keeps_keep_days_days(filled: Workspace) -> None:
    days = [DAY - dt.timedelta(days=n) for n in (40, 31, 30, 1, 0)]
    made = {day: _taken_on(filled, day) for day in days}
    removed = prune(filled.cfg, ORDER_DATA, 30, DAY)
    assert removed == [made[days[0]], made[days[1]]]
    assert orders_taken(filled) == [made[d] for d in days[2:]]


def test_pruning_never_removes_the_newest_good_backup(filled: Workspace) -> None:
    old_good = _taken_on(filled, DAY - dt.timedelta(days=35))
    older_good = _taken_on(filled, DAY - dt.timedelta(days=40))
    failed_old = _taken_on(filled, DAY - dt.timedelta(days=33), good=False)
    recent_failed = _taken_on(filled, DAY - dt.timedelta(days=1), good=False)
    half_made = set_folder(filled.cfg, ORDER_DATA) / ".partial-20261020-180000-123"
    half_made.mkdir()
    removed = prune(filled.cfg, ORDER_DATA, 30, DAY)
    assert set(removed) == {older_good, failed_old, half_made}
    assert orders_taken(filled) == [old_good, recent_failed]


# -- privacy ----------------------------------------------------------------------------------------------------

@pytest.fixture
def open_umask() -> Iterator[None]:
    before = os.umask(0)   # the worst case: whatever is not given a mode is created 0777 / 0666
    yield
    os.umask(before)


def test_backups_are_not_readable_by_group_or_others(filled: Workspace, open_umask: None) -> None:
    set_clock(filled, at(DAY, 18))
    assert daily_backup_due(filled) is not None
    take_backup(filled, REQUESTS)
    root = backups_root(filled.cfg)
    paths = [root, *root.rglob("*")]
    assert len(paths) > 6
    loose = [f"{p} {stat.S_IMODE(p.stat().st_mode):04o}" for p in paths if p.stat().st_mode & 0o077]
    assert loose == []
    assert secure(filled.cfg).tightened == []     # the start-up check finds nothing to tighten


def test_a_loosened_backup_is_tightened_and_its_codes_count_as_exposed(filled: Workspace) -> None:
    folder = take_backup(filled, REQUESTS)
    for path in [backups_root(filled.cfg), *backups_root(filled.cfg).rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    found = secure(filled.cfg)
    assert not found.loose and found.exposed
    codes = {f.path for f in found.tightened if f.showed_codes}
    assert codes == {folder / "store" / "sheetflow.db"}    # the workbook copies hold no codes
    assert not (folder / "store" / "sheetflow.db").stat().st_mode & 0o077


def test_a_backups_folder_inside_the_shared_sheets_is_refused(make_workspace: Callable[..., Workspace]) -> None:
    with pytest.raises(ConfigError, match=r"backup\.folder"):
        configured(make_workspace, folder='"sheets/backups"')


# -- a failing backup -------------------------------------------------------------------------------------------

def test_a_failing_backup_leaves_the_pass_done_and_is_tried_again(filled: Workspace) -> None:
    root = backups_root(filled.cfg)
    root.write_text("not a folder")        # the backups folder's path taken by a file
    mode = stat.S_IMODE(root.stat().st_mode)
    Book(filled.cfg.sheets_dir / BOOK).put_rows([good_row(item="瓷砖")], start=4)
    set_clock(filled, at(DAY, 18))
    report = run_pass(filled)
    assert "backup" in report.faults
    assert len(filled.store.records()) == 3                               # the row was taken all the same
    assert Book(filled.cfg.sheets_dir / BOOK).cell(4, "key")              # and written back
    fault = [f for f in filled.store.faults() if f["stage"] == "backup"]
    assert len(fault) == 1 and "backups" in fault[0]["error"] and "not a folder" in fault[0]["error"]
    assert stat.S_IMODE(root.stat().st_mode) == mode                       # someone else's file, left as it was
    shown = render_status(filled)
    assert "备份失败" in shown and "尚未做过订单数据备份，但已到备份时间" in shown
    root.unlink()
    report = run_pass(filled)
    assert "backup" not in report.faults
    assert len(orders_taken(filled)) == 1
    assert not [f for f in filled.store.faults() if f["stage"] == "backup"]
    shown = render_status(filled)
    assert "最近一次订单数据备份" in shown and "备份失败" not in shown


@pytest.mark.parametrize(("language", "before", "after"), [
    ("zh", "每天 18:00 自动备份", "已恢复并读取检查：正常"),
    ("en", "the first one is taken daily at 18:00", "restored and read back: OK"),
])
def test_status_shows_the_last_backup_or_none_yet(make_workspace: Callable[..., Workspace], language: str,
                                                   before: str, after: str) -> None:
    ws = make_workspace(language=language)
    assert before in render_status(ws)
    set_clock(ws, at(DAY, 18, 5))
    run_pass(ws)
    shown = render_status(ws)
    assert after in shown and "2026-11-29 18:05" in shown
