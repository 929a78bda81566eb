"""`sheetflow adopt` on real workbooks and a real store: historic rows recorded as their sheet shows them.

Numbers kept and series continued, states read from the status column (zh or en) or from the columns that show
them, refused rows saying why (in the row and in the report), nothing sent, nothing issued, and the pass after
adoption finding nothing to do for adopted rows, even when it is made to re-check every row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import good_row
from orders_flow import line_row, order_row
from orders_helpers import FormSheet

from processors.adopt import commands
from processors.adopt.book import AdoptError
from processors.cli import _parser
from processors.errors import FormDefinitionError
from processors.forms.definition import load_form
from processors.forms.rules import RULES
from processors.passes import run_pass
from processors.workspace import Workspace

APPROVED = {"dept_head": "✔ 王芳 2026-03-02 09:10", "purchasing_review": "✔ 赵敏 2026-03-03 14:00"}


def adopt(ws: Workspace, file: Path, *extra: str) -> int:
    """The command as the CLI parses and runs it, on the test's workspace (its fixed clock)."""
    return commands.run(ws, _parser().parse_args(["adopt", str(file), "--by", "管理员", *extra]))


def requests(ws: Workspace) -> FormSheet:
    return FormSheet(ws, "purchase_request")


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def count(ws: Workspace, table: str) -> int:
    return int(ws.store.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def report_rows(ws: Workspace) -> list[tuple[Any, ...]]:
    [path] = sorted(ws.cfg.output_dir.glob("接管报告-*.xlsx"))
    sheet = openpyxl.load_workbook(path).active
    return [r for r in sheet.iter_rows(min_row=2, values_only=True) if isinstance(r[0], int)]


# (key cell, status cell, other cells) -> (adopted?, key the row ends with, status shown, words in the message)
CASES = [
    ("PR-2026-0007", "已批准", APPROVED, True, "PR-2026-0007", "已批准", ""),
    ("PR-2026-0008", "approved", APPROVED, True, "PR-2026-0008", "已批准", ""),
    ("PR-2026-0009", "审批通过", {}, True, "PR-2026-0009", "已批准", ""),
    ("PR-2026-0010", "", {}, True, "PR-2026-0010", "已批准", ""),
    ("PR-2026-0011", "已驳回", {"dept_head": "✘ 王芳 2026-03-02 09:10 驳回：规格不清"}, True, "PR-2026-0011",
     "已驳回", ""),
    ("pr-2026-12", "已批准", {}, True, "PR-2026-0012", "已批准", ""),
    ("", "已批准", {}, True, "PR-2026-0001", "已批准", ""),
    ("", "", {"needed_by": dt.date(2025, 6, 1)}, True, "PR-2025-0001", "已批准", ""),
    ("REQ-1", "已批准", {}, False, "REQ-1", "已批准", "REQ-1"),          # refused: the status stays as it was
    ("PO-2026-0001", "已批准", {}, False, "PO-2026-0001", "已批准", "PO-2026-0001"),
    ("PR-2026-0013", "待部门负责人签批", {}, False, "PR-2026-0013", "待部门负责人签批", "不能接管"),
    ("PR-2026-0014", "进行中", {}, False, "PR-2026-0014", "进行中", "无法识别"),
    ("PR-2026-0015", "已批准", {"quantity": 0}, False, "PR-2026-0015", "已批准", "「数量」"),
    ("", "", {"applicant": "张三丰"}, False, "", "", "「申请人」"),
]


@pytest.mark.parametrize(("key", "status", "cells", "adopted", "final", "shown", "words"), CASES)
def test_one_historic_row(make_workspace: Callable[..., Workspace], capsys: pytest.CaptureFixture[str], key: str,
                          status: str, cells: dict[str, Any], adopted: bool, final: str, shown: str,
                          words: str) -> None:
    ws = make_workspace()
    sheet = requests(ws)
    sheet.put([{**good_row(needed_by=dt.date(2026, 4, 1)), **cells, "key": key, "status": status}])
    assert adopt(ws, sheet.path) == 0
    row = sheet.row(2)
    assert (row["key"], row["status"]) == (final, shown)
    record = ws.store.record(final) if adopted else None
    assert (record is not None) == adopted
    [line] = report_rows(ws)
    assert line[0] == 2 and (line[1] or "") == final
    if adopted:
        assert record is not None and ws.store.transitions(final)[-1]["actor"] == "管理员"
        assert [t["reason"][:2] for t in ws.store.transitions(final)] == ["接管"]
        assert line[2].startswith("已接管") and line[3] == shown
    else:
        assert words in row["message"] and words in line[5]
        assert line[2] == "未接管"
        assert f"第 2 行未接管：{row['message']}" in capsys.readouterr().out


def test_numbers_are_kept_and_series_continue_after_the_highest(ws: Workspace) -> None:
    sheet = requests(ws)
    sheet.put([{**good_row(), "key": "", "status": "已批准"},
               {**good_row(item="龙骨"), "key": "PR-2026-0005", "status": "已批准"},
               {**good_row(item="钉"), "key": "PR-2026-0012", "status": "已批准"},
               {**good_row(item="胶"), "key": "", "status": ""}])
    adopt(ws, sheet.path)
    assert [sheet.cell(r, "key") for r in (2, 3, 4, 5)] == ["PR-2026-0013", "PR-2026-0005", "PR-2026-0012",
                                                          "PR-2026-0014"]
    assert ws.store.next_number("PR-2026") == 15
    sheet.put([good_row(item="新申请")], start=6)          # typed after adoption: numbered as usual
    run_pass(ws)
    assert sheet.cell(6, "key") == "PR-2026-0015"
    assert ws.store.record("PR-2026-0015").state == "awaiting:dept_head"


def test_nothing_sent_issued_or_coded_and_the_next_pass_changes_nothing(ws: Workspace) -> None:
    sheet = requests(ws)
    sheet.put([{**good_row(item=f"物料{i}"), **APPROVED, "key": f"PR-2026-{i:04d}" if i % 2 else "",
                "status": "已批准"} for i in range(1, 21)])
    adopt(ws, sheet.path)
    written = sha(sheet.path)
    history = count(ws, "transitions")
    report = run_pass(ws)
    assert sha(sheet.path) == written and report.files
    assert all(f.written == 0 for f in report.files)
    with ws.store.transaction():
        ws.store.forget_views()              # as when config.toml changes: every row of every sheet re-checked
    run_pass(ws)
    assert sha(sheet.path) == written
    assert count(ws, "transitions") == history
    assert list((ws.root / "outbox").glob("*.eml")) == []
    assert count(ws, "outbox") == count(ws, "codes") == count(ws, "documents") == 0
    assert [p.name for p in ws.cfg.output_dir.glob("*.pdf")] == []
    assert {r.state for r in ws.store.records("purchase_request")} == {"approved"}
    assert sheet.cell(2, "dept_head") == APPROVED["dept_head"]     # historic sign-offs kept as they were


def test_adopting_the_same_file_twice_does_nothing_the_second_time(ws: Workspace,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    sheet = requests(ws)
    sheet.put([{**good_row(), "key": "PR-2026-0003"}, {**good_row(item="龙骨"), "key": ""},
               {**good_row(quantity=0), "key": ""}])
    adopt(ws, sheet.path)
    capsys.readouterr()
    before, history = sha(sheet.path), count(ws, "transitions")
    adopt(ws, sheet.path)
    assert "没有需要接管的新行：2 行此前已接管（或已由系统处理），1 行此前未接管" in capsys.readouterr().out
    assert sha(sheet.path) == before and count(ws, "transitions") == history
    lines = report_rows(ws)
    assert [line[2] for line in lines] == ["此前已接管", "此前已接管", "此前未接管（未修改）"]
    assert "「数量」" in lines[2][5]


def test_a_duplicate_number_is_refused_naming_the_other_row(ws: Workspace) -> None:
    sheet = requests(ws)
    sheet.put([{**good_row(), "key": "PR-2026-0003"}, {**good_row(item="龙骨"), "key": "PR-2026-0003"}])
    adopt(ws, sheet.path)
    assert sheet.row(2)["status"] == "已批准"
    assert ws.store.record("PR-2026-0003").row_hint == 2 and "第 2 行重复" in sheet.row(3)["message"]


def test_a_refused_row_fixed_is_adopted_by_the_next_adopt_with_its_number(ws: Workspace) -> None:
    sheet = requests(ws)
    sheet.put([{**good_row(quantity=0), "key": "PR-2026-0004", "status": "已批准"}])
    adopt(ws, sheet.path)
    assert ws.store.record("PR-2026-0004") is None
    sheet.set(2, quantity=4)
    adopt(ws, sheet.path)
    assert sheet.row(2)["status"] == "已批准" and ws.store.record("PR-2026-0004").state == "approved"


def test_writes_wait_while_the_workbook_is_open(ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    sheet = requests(ws)
    sheet.put([{**good_row(), "key": ""}])
    lock = sheet.path.with_name(f"~${sheet.path.name}")
    lock.write_text("someone")
    before = sha(sheet.path)
    adopt(ws, sheet.path)
    assert "文件正被打开（~$采购申请.xlsx）" in capsys.readouterr().out
    assert sha(sheet.path) == before and ws.store.pending()      # decided, recorded, waiting
    assert ws.store.record("PR-2026-0001").state == "approved"
    lock.unlink()
    run_pass(ws)
    assert sheet.row(2)["key"] == "PR-2026-0001" and sheet.row(2)["status"] == "已批准"
    assert count(ws, "outbox") == 0


def test_a_dry_run_changes_nothing(ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    sheet = requests(ws)
    sheet.put([{**good_row(), "key": ""}])
    before = sha(sheet.path)
    adopt(ws, sheet.path, "--dry-run")
    assert "试运行" in capsys.readouterr().out
    assert sha(sheet.path) == before and ws.store.records() == [] and not ws.store.pending()


def historic_book(path: Path, headers: list[str], rows: list[list[Any]], title: str = "采购申请") -> Path:
    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.title = title
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    wb.save(path)
    return path


HEADERS = ["Request No.", "Status", "Message", "Applicant", "Department", "Project", "Item", "Spec / model",
           "Unit", "Quantity", "Est. unit price", "Needed by", "Item type", "Dept. head sign-off",
           "Purchasing review", "GM approval"]


def test_a_workbook_from_outside_is_found_by_its_headers_and_brought_in(ws: Workspace, tmp_path: Path) -> None:
    requests(ws).path.unlink()             # a department starting with sheetflow: no request sheet yet
    old = historic_book(tmp_path / "2025年申请.xlsx", HEADERS, [
        ["PR-2025-0031", "approved", "", "李强", "工程部", "万达广场", "石膏板", "9.5mm", "张", 10, 28.5,
         dt.date(2025, 12, 1), "常规", "王芳", "赵敏", ""]])
    adopt(ws, old)
    target = requests(ws).path
    assert target.exists() and ws.store.record("PR-2025-0031").file == ws.rel(target)
    assert "接管报告-采购申请-2026-11-29.xlsx" in [p.name for p in ws.cfg.output_dir.iterdir()]
    with pytest.raises(AdoptError, match="已经存在"):
        adopt(ws, old)                     # never merged into a sheet sheetflow keeps already


@pytest.mark.parametrize(("form", "words"), [
    ("order_line", ["订单明细不能单独接管", "随其订单一同接管", "sheetflow adopt sheets/采购订单.xlsx"]),
])
def test_orders_and_their_lines_are_refused_with_the_reason(ws: Workspace, form: str, words: list[str]) -> None:
    sheet = FormSheet(ws, form)
    before = sha(sheet.path)
    with pytest.raises(AdoptError) as refused:
        adopt(ws, sheet.path)
    assert all(w in str(refused.value) for w in words), str(refused.value)
    assert count(ws, "records") == 0 and sha(sheet.path) == before
    assert not list(ws.cfg.output_dir.glob("接管报告-*.xlsx"))


@pytest.mark.parametrize("status", ["@已批准", "+通过", "-", "＝同意"])
def test_the_report_shows_what_the_sheet_said_as_text_never_a_formula(ws: Workspace, status: str) -> None:
    sheet = requests(ws)
    sheet.put([{**good_row(), "key": "PR-2026-0003", "status": status}])
    adopt(ws, sheet.path)
    [path] = sorted(ws.cfg.output_dir.glob("接管报告-*.xlsx"))
    book = openpyxl.load_workbook(path).active
    cells = [c for row in book.iter_rows() for c in row if c.value is not None]
    assert cells and all(c.data_type != "f" for c in cells)
    assert book.freeze_panes == "A2" and book.column_dimensions["F"].width == 90
    [line] = report_rows(ws)
    assert line[:3] == (2, "PR-2026-0003", "未接管") and line[4] == "'" + status
    assert f"状态“{status}”无法识别" in line[5]
    assert sheet.cell(2, "status") == status       # the sheet keeps what it said


UNITS = [{"unit_no": "1F-01", "floor": "1F", "area": 120, "category": "餐饮"},
         {"unit_no": "1F-02", "floor": "1F", "area": 80, "category": "服装"}]


def lease(**changes: Any) -> dict[str, Any]:
    row = {"tenant": "味道餐饮有限公司", "category": "餐饮", "contact": "陈先生", "email": "chen@weidao.example.com",
           "unit": "1F-01", "start": dt.date(2026, 1, 1), "end": dt.date(2027, 12, 31), "rent_basis": "按面积",
           "rent": 300, "cycle": "月付", "due_day": 5}
    return {**row, **changes}


@pytest.mark.parametrize(("status", "cells", "state"), [
    ("", {"signed_copy": "档案室 2025-12 合同"}, "active"),
    ("履约中", {}, "active"),
    ("in force", {}, "active"),
    ("", {"signed_copy": "档案室", "terminate_on": dt.date(2026, 6, 30)}, "terminated"),
])
def test_a_lease_in_force_is_billed_from_the_day_of_adoption(make_workspace: Callable[..., Workspace], status: str,
                                                             cells: dict[str, Any], state: str) -> None:
    ws = make_workspace()
    FormSheet(ws, "unit").put(UNITS)
    run_pass(ws)                            # units have no route and send nothing
    leases = FormSheet(ws, "lease")
    leases.put([{**lease(**cells), "key": "LC-2026-0002", "status": status}])
    adopt(ws, leases.path)
    record = ws.store.record("LC-2026-0002")
    assert record is not None and record.state == state
    bills = ws.store.bill_rows("LC-2026-0002")
    if state == "active":
        before = [b for b in bills if b["due_date"] < "2026-11-29"]
        after = [b for b in bills if b["due_date"] >= "2026-11-29"]
        assert len(before) == 11 and all(b["paid"] == b["amount"] for b in before)
        assert after and all(b["paid"] == "0" for b in after)
        assert ws.store.record("1F-01").state == "leased"
    else:
        assert bills == []
    shown = leases.row(2)
    run_pass(ws)
    assert leases.row(2) == shown
    assert count(ws, "documents") == 0
    assert not [p for p in (ws.root / "outbox").glob("*.eml") if "催缴" in p.read_text(errors="ignore")]


def test_a_lease_not_yet_in_force_is_not_adopted(ws: Workspace) -> None:
    FormSheet(ws, "unit").put(UNITS)
    run_pass(ws)
    leases = FormSheet(ws, "lease")
    leases.put([{**lease(), "key": ""}])
    adopt(ws, leases.path)
    assert leases.row(2)["status"] == "" and "状态为空" in leases.row(2)["message"]
    assert ws.store.records("lease") == []


def test_a_lease_adopted_in_force_then_terminated_bills_nothing_from_before(ws: Workspace) -> None:
    FormSheet(ws, "unit").put(UNITS)
    run_pass(ws)
    leases = FormSheet(ws, "lease")
    leases.put([{**lease(deposit=50000), "key": "LC-2026-0001", "status": "履约中"}])
    adopt(ws, leases.path)
    leases.set(2, terminate_on=dt.date(2026, 11, 30), terminate_reason="商户撤店")
    run_pass(ws)
    record = ws.store.record("LC-2026-0001")
    assert record is not None and record.state == "terminated"
    assert record.data["deposit_refund"] == "50000"        # nothing owed: the bills before adoption were settled
    assert all(b["paid"] == b["amount"] for b in ws.store.bill_rows("LC-2026-0001")
               if b["due_date"] < "2026-11-29" and not b["void"])


@pytest.mark.parametrize(("table", "key"), [
    ('states = ["approved", "paid"]', "adopt.states"),
    ('states = ["approved"]\nblank = "rejected"', "adopt.blank"),
    ('states = ["approved"]\nyear_from = "project"', "adopt.year_from"),
    ('states = ["approved"]\nfilled = { nothing = "approved" }', "adopt.filled.nothing"),
    ('states = ["approved"]\naliases = { rejected = ["驳回"] }', "adopt.aliases.rejected"),
    ('states = ["approved"]\nhow = 1', "adopt.how"),
])
def test_a_wrong_adopt_table_is_refused_at_start(tmp_path: Path, table: str, key: str) -> None:
    text = (Path(__file__).parent.parent / "forms" / "purchase_request.toml").read_text(encoding="utf-8")
    start = text.index("\n[adopt]\n")
    end = text.find("\n[", start + 9)
    path = tmp_path / "purchase_request.toml"
    path.write_text(text[:start] + "\n[adopt]\n" + table + "\n" + (text[end:] if end != -1 else ""), encoding="utf-8")
    with pytest.raises(FormDefinitionError, match=key.replace(".", r"\.")):
        load_form(path, set(RULES))


# -- historic purchase orders, adopted with their lines -------------------------------------------------------------
def adopted_requests(ws: Workspace) -> None:
    """Requests PR-2026-0001/0002 adopted approved (in no plan: historic)."""
    sheet = requests(ws)
    sheet.put([{**good_row(quantity=300), **APPROVED, "key": "PR-2026-0001", "status": "已批准"},
               {**good_row(item="龙骨", unit="根", quantity=50), **APPROVED, "key": "PR-2026-0002",
                "status": "已批准"}])
    adopt(ws, sheet.path)


def historic_order(ws: Workspace, status: str, *, key: str = "PO-2026-0007", lines: int = 2,
                   request: str = "PR-2026-0002", **order: Any) -> tuple[FormSheet, FormSheet]:
    orders, lines_sheet = FormSheet(ws, "purchase_order"), FormSheet(ws, "order_line")
    rows = [line_row(key, "PR-2026-0001"), line_row(key, request, item="龙骨", unit="根", quantity=20)][:lines]
    lines_sheet.put(rows)
    orders.put([{**order_row(**{"draft": "万达-石膏板", "delivery_date": dt.date(2027, 3, 1), **order}), "key": key,
                 "status": status, "buyer_sign": "✔ 孙丽 2026-02-01", "executive_sign": "✔ 吴军 2026-02-02"}])
    return orders, lines_sheet


@pytest.mark.parametrize(("status", "changes", "state", "line_state"), [
    ("已下单", {}, "placed", "ordered"),
    ("已签批", {}, "placed", "ordered"),
    ("placed", {"delivery_date": dt.date(2026, 10, 1)}, "overdue", "ordered"),
    ("已到货验收", {}, "received", "received"),
    ("已申请付款", {}, "payment_requested", "settled"),
    ("已销单", {"paid_on": dt.date(2026, 5, 1)}, "closed", "settled"),
])
def test_a_historic_order_comes_in_with_its_lines_and_the_next_pass_sends_nothing(
        make_workspace: Callable[..., Workspace], status: str, changes: dict[str, Any], state: str,
        line_state: str) -> None:
    ws = make_workspace()
    adopted_requests(ws)
    orders, lines = historic_order(ws, status, **changes)
    assert adopt(ws, orders.path) == 0
    order = ws.store.record("PO-2026-0007")
    assert order is not None and order.state == state, orders.row(2)
    assert [r.state for r in ws.store.records("order_line")] == [line_state, line_state], lines.row(2)
    assert [lines.cell(r, "key") for r in (2, 3)] == ["POL-2026-0001", "POL-2026-0002"]
    assert "historic order, placed before sheetflow" in ws.store.transitions("POL-2026-0001")[-1]["reason"]
    assert order.data["total"] == "3240.00" and len(json.loads(order.data["lines"])) == 2
    assert {p.name for p in ws.cfg.output_dir.glob("接管报告-*.xlsx")} == {
        "接管报告-采购申请-2026-11-29.xlsx", "接管报告-采购订单-2026-11-29.xlsx", "接管报告-订单明细-2026-11-29.xlsx"}
    written = {p: sha(p) for p in (orders.path, lines.path, requests(ws).path)}
    history = count(ws, "transitions")
    run_pass(ws)
    with ws.store.transaction():
        ws.store.forget_views()              # as when config.toml changes: every row of every sheet re-checked
    run_pass(ws)
    assert {p: sha(p) for p in written} == written
    assert count(ws, "transitions") == history
    orders.set(2, delivery_note="SH-0815")    # the sheet read again: a received order still asks no payment
    run_pass(ws)
    assert ws.store.record("PO-2026-0007").state == state
    assert list((ws.root / "outbox").glob("*.eml")) == []
    assert count(ws, "outbox") == count(ws, "codes") == count(ws, "documents") == 0
    assert [p.name for p in ws.cfg.output_dir.glob("*.pdf")] == []


@pytest.mark.parametrize(("lines", "names", "words"), [
    (2, "PR-2026-0099", ["PR-2026-0099", "请先接管采购申请表"]),
    (0, "PR-2026-0002", ["还没有「所属订单」为"]),
])
def test_an_order_whose_lines_cannot_come_in_is_refused_and_so_are_its_lines(
        make_workspace: Callable[..., Workspace], lines: int, names: str, words: list[str]) -> None:
    ws = make_workspace()
    adopted_requests(ws)
    orders, lines_sheet = historic_order(ws, "已下单", lines=lines, request=names)
    adopt(ws, orders.path)
    assert ws.store.record("PO-2026-0007") is None and ws.store.records("order_line") == []
    message = orders.row(2)["message"]
    assert all(w in message for w in words), message
    assert orders.row(2)["status"] == "已下单"             # its status stays as the sheet had it
    if lines:
        assert "PO-2026-0007" in lines_sheet.row(2)["message"] and "未接管" in lines_sheet.row(2)["message"]


def test_order_numbers_are_kept_and_the_series_continues(ws: Workspace) -> None:
    adopted_requests(ws)
    orders, lines = FormSheet(ws, "purchase_order"), FormSheet(ws, "order_line")
    lines.put([line_row("PO-2026-0012", quantity=10), line_row("旧单-2", quantity=10)])
    orders.put([{**order_row(draft="旧单-1"), "key": "PO-2026-0012", "status": "已销单"},
                {**order_row(draft="旧单-2"), "key": "", "status": "已销单"}])
    before = (sha(orders.path), sha(lines.path))
    adopt(ws, orders.path, "--dry-run")
    assert (sha(orders.path), sha(lines.path)) == before and ws.store.records("purchase_order") == []
    assert ws.store.records("order_line") == []
    adopt(ws, orders.path)
    assert [orders.cell(r, "key") for r in (2, 3)] == ["PO-2026-0012", "PO-2026-0013"]
    assert ws.store.next_number("PO-2026") == 14
    history, before = count(ws, "transitions"), (sha(orders.path), sha(lines.path))
    adopt(ws, orders.path)                 # again: nothing new
    assert count(ws, "transitions") == history and (sha(orders.path), sha(lines.path)) == before
    with pytest.raises(AdoptError, match="随其订单一同接管"):
        adopt(ws, lines.path)              # the lines workbook alone is still refused
