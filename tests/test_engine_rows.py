"""Rows others depend on, keys two rows claim, free columns, and row hints that follow the record."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from approvals_helpers import mails_to
from conftest import BOOK, NOW, TZ, Book, good_row, run_cli
from orders_flow import Flow, line_row
from orders_helpers import FormSheet

from processors.clock import Clock
from processors.passes import run_pass
from processors.status_view import render_status
from processors.workspace import Workspace


def _unit(no: str, area: float = 80) -> dict[str, object]:
    return {"unit_no": no, "floor": "1F", "area": area, "category": "餐饮"}


def test_two_new_rows_with_the_same_unit_number_both_name_the_other_and_neither_is_registered(ws: Workspace,
                                                                                              book: Book) -> None:
    units = FormSheet(ws, "unit")
    units.put([_unit("1F-01"), _unit("1F-02"), _unit("1f-01 ")])
    book.put_rows([good_row()])
    run_pass(ws)                                           # no IntegrityError, nothing stops
    assert "第 4 行" in units.cell(2, "message") and "第 2 行" in units.cell(4, "message")
    assert units.cell(2, "key") == "" and units.cell(4, "key") == ""
    assert units.cell(3, "key") == "1F-02"                 # the rest of the sheet went on
    assert book.system(2)["key"] == "PR-2026-0001"         # and the other workbooks
    assert ws.store.record("1F-01") is None
    units.set(4, unit_no="1F-03")                          # one of them corrected: both are decided again
    run_pass(ws)
    assert units.cell(2, "key") == "1F-01" and units.cell(4, "key") == "1F-03"
    assert "重复" not in units.cell(2, "message")


def test_a_copied_numbered_row_is_numbered_anew_and_both_rows_say_so(ws: Workspace, book: Book) -> None:
    book.put_rows([good_row()])
    run_pass(ws)
    copy = {name: book.cell(2, name) for name in ("applicant", "department", "project", "item", "spec", "unit",
                                                   "quantity", "unit_price", "needed_by", "item_type", "key")}
    book.put_rows([{**copy, "item": "石膏板（第二批）"}], start=3)
    run_pass(ws)
    assert book.system(3)["key"] == "PR-2026-0002" and "第 2 行" in book.system(3)["message"]
    assert "第 3 行" in book.system(2)["message"]


def test_a_remark_on_an_approved_request_restarts_nothing(tmp_path: Path) -> None:
    flow = Flow(tmp_path / "ws")
    try:
        flow.approved_requests()
        sent = len(flow.outbox())
        flow.requests.set(2, "remarks", "请送到三楼仓库")
        flow.run()
        record = flow.ws.store.record("PR-2026-0001")
        assert record is not None and record.state == "approved"
        assert record.data["remarks"] == "请送到三楼仓库"
        assert flow.requests.system(2)["status"] == "已批准"
        assert len(flow.outbox()) == sent                 # nobody was asked to sign again
    finally:
        flow.close()


def test_a_request_in_an_approved_plan_and_an_order_is_settled(tmp_path: Path) -> None:
    flow = Flow(tmp_path / "ws")
    try:
        flow.approved_requests()
        flow.approved_plan()
        flow.lines.put([line_row()])
        flow.run()
        flow.requests.set(2, "quantity", 999)
        flow.run()
        record = flow.ws.store.record("PR-2026-0001")
        assert record is not None and record.state == "approved" and record.data["quantity"] == "300"
        assert str(flow.requests.cell(2, "quantity")) == "300"   # what was signed is put back
        message = flow.requests.system(2)["message"]
        assert "PP-2026-0001" in message and "POL-2026-0001" in message and "不能再改" in message
        assert any("999" in t["reason"] for t in flow.ws.store.transitions("PR-2026-0001"))   # kept in history
        assert flow.ws.store.record("PP-2026-0001").state == "approved"                       # downstream intact
    finally:
        flow.close()


def test_a_line_saved_while_its_workbook_is_open_is_checked_and_numbered_at_once(tmp_path: Path) -> None:
    """R6 holds at the moment of the decision: a later line cannot take what a waiting one already took."""
    flow = Flow(tmp_path / "ws")
    try:
        flow.approved_requests()
        flow.approved_plan()
        lock = flow.lines.path.with_name("~$" + flow.lines.path.name)
        lock.write_text("x")
        flow.lines.put([line_row(quantity=300)])
        flow.run()
        assert flow.ws.store.record("POL-2026-0001") is not None   # numbered although not yet written
        flow.lines.put([line_row(quantity=1)], start=3)
        flow.run()
        lock.unlink()
        flow.run()
        assert flow.lines.row(2)["key"] == "POL-2026-0001"
        assert flow.lines.row(3)["key"] == "" and "0" in flow.lines.row(3)["message"]
    finally:
        flow.close()


def test_row_hints_in_mails_follow_the_record_after_a_sort(ws: Workspace, book: Book) -> None:
    book.put_rows([good_row(item="甲", quantity=0), good_row(item="乙")])
    run_pass(ws)
    assert book.system(3)["key"] == "PR-2026-0001"
    book.edit(lambda sheet: sheet.delete_rows(2))          # the invalid row goes: 乙 is in row 2 now
    run_pass(ws)
    assert ws.store.record("PR-2026-0001").row_hint == 2
    later = Workspace(ws.root, clock=Clock(TZ, (NOW + dt.timedelta(hours=25)).replace(tzinfo=TZ)))
    try:
        run_pass(later)                                    # the reminder names the row the record is in now
        reminder = [m for m in mails_to(later.cfg.outbox_dir, "wangfang") if "提醒" in m.subject or "催" in m.subject]
        assert reminder and "目前在第 2 行" in reminder[-1].text
    finally:
        later.close()


def test_an_orphaned_number_is_taken_over_by_the_next_new_row(ws: Workspace, book: Book) -> None:
    book.put_rows([good_row(item="甲")])
    lock = book.path.with_name(f"~${BOOK}")
    lock.write_text("x")
    run_pass(ws)                                           # numbered PR-2026-0001, waiting for the file
    book.edit(lambda sheet: sheet.delete_rows(2))          # the row goes before it could be written
    book.put_rows([good_row(item="乙")], start=2)
    lock.unlink()
    run_pass(ws)
    assert book.system(2)["key"] == "PR-2026-0001"
    assert ws.store.record("PR-2026-0001").data["item"] == "乙"
    assert [r.key for r in ws.store.records("purchase_request")] == ["PR-2026-0001"]


def test_a_broken_workspace_form_holds_that_form_alone(make_workspace: Callable[..., Workspace]) -> None:
    ws = make_workspace()
    ws.close()
    (ws.root / "forms").mkdir(exist_ok=True)
    bundled = (Path(__file__).resolve().parent.parent / "forms" / "unit.toml").read_text("utf-8")
    (ws.root / "forms" / "unit.toml").write_text(bundled.replace('prefix = "UNIT"', 'prefix = "unit"'), "utf-8")
    reopened = make_workspace()                           # opens: the other forms go on
    try:
        assert "unit" not in reopened.forms and "purchase_request" in reopened.forms
        book = Book(reopened.cfg.sheets_dir / BOOK)
        book.put_rows([good_row()])
        run_pass(reopened)
        assert book.system(2)["key"] == "PR-2026-0001"
        status = render_status(reopened)
        assert "unit.toml" in status and "numbering.prefix" in status
    finally:
        reopened.close()
    proc = run_cli("run", "-w", str(ws.root))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr   # said, and the others ran
    assert "unit.toml" in proc.stdout + proc.stderr


def test_a_misspelt_variable_in_a_workspace_mail_holds_only_the_rows_that_mail(ws: Workspace, book: Book) -> None:
    bundled = (Path(__file__).resolve().parent.parent / "templates" / "email" / "approval_request.zh.txt")
    override = ws.cfg.templates_dir / "email" / "approval_request.zh.txt"
    override.parent.mkdir(parents=True, exist_ok=True)
    override.write_text(bundled.read_text("utf-8").replace("{{ approver_name }}", "{{ approver_nmae }}"), "utf-8")
    units = FormSheet(ws, "unit")
    units.put([_unit("1F-01")])
    book.put_rows([good_row(), good_row(quantity=0)])
    run_pass(ws)                                          # no exit 70: the pass completes
    message = book.system(2)["message"]
    assert "approval_request.zh.txt" in message and "approver_nmae" in message and "第 3 行" in message
    assert book.system(2)["key"] == ""                    # nothing half-done: no number, no mail
    assert "「数量」" in book.system(3)["message"]          # the other rows were decided
    assert units.cell(2, "key") == "1F-01"                 # and the other workbooks written
    override.write_text(bundled.read_text("utf-8"), "utf-8")
    run_pass(ws)                                          # fixed: the held row goes through on the next pass
    assert book.system(2)["key"] == "PR-2026-0001"
    assert mails_to(ws.cfg.outbox_dir, "wangfang")
