"""Writes wait for a closed file, never overwrite a user's newer edit, and survive a crash at any step."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from conftest import BOOK, Book, good_row, request_report, run_cli

from processors.engine.books.local import flush_now, tmp_path_for
from processors.faults import CRASH_EXIT_CODE
from processors.passes import run_pass
from processors.status_view import render_status
from processors.workspace import Workspace


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("lock_name", [f".~lock.{BOOK}#", f"~${BOOK}", f".~{BOOK}"])
def test_open_workbook_is_not_written_until_closed(ws: Workspace, book: Book, lock_name: str) -> None:
    book.put_rows([good_row(), good_row(quantity=0)])
    lock = book.path.with_name(lock_name)
    lock.write_text("someone,host,2026-11-29")
    before = digest(book.path)
    report = run_pass(ws)
    assert digest(book.path) == before
    assert request_report(report).waiting == 2
    status = render_status(ws)
    assert "文件被占用" in status and lock_name in status
    # numbered and routed now (checked against what it depends on now), but nobody is mailed to sign a
    # row that does not show its number yet
    assert ws.store.record("PR-2026-0001") is not None
    assert _mail_states(ws) == {"held"}
    lock.unlink()
    run_pass(ws, set())                                   # what the watcher does when the lock goes
    assert book.system(2)["key"] == "PR-2026-0001"
    assert _mail_states(ws) == {"sent"}
    assert book.system(3)["status"] == "无效"
    assert "（无）" in render_status(ws).split("== 待写入 ==")[1]


def _mail_states(ws: Workspace) -> set[str]:
    return {r[0] for r in ws.store.conn.execute("SELECT state FROM outbox WHERE record_key = 'PR-2026-0001'")}


def test_saves_while_open_are_validated_and_the_last_one_is_written(ws: Workspace, book: Book) -> None:
    book.put_rows([good_row(quantity=0)])
    lock = book.path.with_name(f"~${BOOK}")
    lock.write_text("x")
    run_pass(ws)
    book.set(2, "quantity", 5)                            # saved again, still open
    run_pass(ws)
    lock.unlink()
    run_pass(ws, set())
    assert book.system(2)["key"] == "PR-2026-0001"
    assert book.system(2)["status"] == "待部门负责人签批"


def test_keyless_row_changed_after_read_is_not_written(ws: Workspace, book: Book) -> None:
    book.put_rows([good_row()])
    lock = book.path.with_name(f"~${BOOK}")
    lock.write_text("x")
    run_pass(ws)                                          # decided: number this row
    lock.unlink()
    book.set(2, "item", "改了")                            # but the user changed it before we could write
    result = flush_now(ws, ws.forms["purchase_request"], book.path)
    assert result.numbered == [] and result.stale == 1
    assert book.system(2)["key"] == ""
    assert _mail_states(ws) == {"held"}                   # nobody was asked to sign the old content
    run_pass(ws)                                          # the next pass handles the new content
    assert book.system(2)["key"] == "PR-2026-0001"        # and takes the number over: no gap, none twice
    assert [r.key for r in ws.store.records()] == ["PR-2026-0001"]
    assert ws.store.record("PR-2026-0001").data["item"] == "改了"


def test_cell_changed_after_read_is_never_overwritten(ws: Workspace, book: Book) -> None:
    book.put_rows([good_row()])
    run_pass(ws)
    book.set(2, "quantity", 0)
    lock = book.path.with_name(f"~${BOOK}")
    lock.write_text("x")
    run_pass(ws)                                          # decided: mark PR-2026-0001 invalid
    lock.unlink()
    book.set(2, "message", "我的备注")                      # user typed into the message cell meanwhile
    result = flush_now(ws, ws.forms["purchase_request"], book.path)
    assert result.written == 0
    assert book.system(2)["message"] == "我的备注"


def test_rows_inserted_between_read_and_write_get_their_own_status(ws: Workspace, book: Book) -> None:
    book.put_rows([good_row(item="甲"), good_row(item="乙", quantity=0)])
    lock = book.path.with_name(f"~${BOOK}")
    lock.write_text("x")
    run_pass(ws)
    lock.unlink()
    book.edit(lambda sheet: sheet.insert_rows(2, amount=2))   # rows move down before the write
    flush_now(ws, ws.forms["purchase_request"], book.path)
    assert book.cell(4, "item") == "甲" and book.system(4)["key"] == "PR-2026-0001"
    assert book.cell(5, "item") == "乙" and book.system(5)["status"] == "无效"
    assert book.system(2)["key"] == "" and book.system(2)["status"] == ""


def _crash_run(root: Path, point: str) -> None:
    proc = run_cli("run", "-w", str(root), env={"SHEETFLOW_CRASH_AT": point})
    assert proc.returncode == CRASH_EXIT_CODE, proc.stdout + proc.stderr


def test_crash_before_rename_leaves_old_file_and_the_numbers_land_on_restart(ws: Workspace, book: Book) -> None:
    book.put_rows([good_row(), good_row(item="乙")])
    before = digest(book.path)
    ws.close()
    _crash_run(ws.root, "write_before_rename")
    assert digest(book.path) == before                     # the old file is intact
    assert tmp_path_for(book.path).exists()                # the half-done write was beside it, not over it
    proc = run_cli("run", "-w", str(ws.root))
    assert proc.returncode == 0, proc.stderr
    assert book.keys() == ["PR-2026-0001", "PR-2026-0002"]


def test_crash_after_rename_before_commit_adopts_written_numbers(ws: Workspace, book: Book) -> None:
    book.put_rows([good_row(), good_row(item="乙")])
    ws.close()
    _crash_run(ws.root, "write_after_rename")
    assert book.keys() == ["PR-2026-0001", "PR-2026-0002"]    # in the file, not yet in the store
    book.put_rows([good_row(item="丙")], start=4)
    proc = run_cli("run", "-w", str(ws.root))
    assert proc.returncode == 0, proc.stderr
    assert book.keys() == ["PR-2026-0001", "PR-2026-0002", "PR-2026-0003"]
    assert all(book.system(r)["status"] == "待部门负责人签批" for r in (2, 3, 4))
    reopened = Workspace(ws.root)
    try:
        assert [r.key for r in reopened.store.records()] == ["PR-2026-0001", "PR-2026-0002", "PR-2026-0003"]
        assert reopened.store.pending() == []
    finally:
        reopened.close()
