"""Access levels (A1): ordinary users read the published folder, back-office users edit within their remit
(on Google, setup protects each form's staff columns to their roles), the administrator owns the private part.

Real workspaces, real workbooks read back with openpyxl, the real fake-Google protocol spoken by gspread.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import openpyxl
import pytest
from approvals_helpers import mails_to, sign
from backends import make_google_workspace, paced_client
from conftest import NOW, TZ, Book, good_row, run_cli
from google_fake import FakeGoogle
from google_fake.constants import USER_EMAIL
from privacy_helpers import as_other_account, can_become_other

from processors.access import publish
from processors.access.levels import access_lines
from processors.clock import Clock
from processors.passes import run_pass
from processors.sheets.google.setup import describe, setup_spreadsheet
from processors.status_view import render_status
from processors.store import documents
from processors.workspace import Workspace

WANG = "wangfang@example.com"     # head of 工程部
SUN = "sunli@example.com"         # purchasing specialist
REQUESTERS = {"wangfang@example.com", "liqiang@example.com", "zhaomin@example.com", "liuyang@example.com",
              "chenchen@example.com", "sunli@example.com", "zhougang@example.com"}
PUBLISHED_BOOK = "采购申请.xlsx"


def published_rows(ws: Workspace, name: str = PUBLISHED_BOOK) -> list[dict[str, object]]:
    wb = openpyxl.load_workbook(ws.cfg.published_dir / name)
    sheet = wb.worksheets[0]
    grid = [[c.value for c in row] for row in sheet.iter_rows()]
    header = [str(h).replace("\n", " ") for h in grid[0]]              # a narrow column's header on two lines
    return [dict(zip(header, row, strict=False)) for row in grid[1:] if row[0]
            and re.fullmatch(r"[A-Z]+-\d{4}-\d+", str(row[0]))]


def files_state(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def code_for(ws: Workspace, to: str, key: str) -> str:
    return [m for m in mails_to(ws.cfg.outbox_dir, to) if key in m.subject][-1].code


def approve(ws: Workspace, book: Book, row: int, key: str = "PR-2026-0001") -> None:
    sign(book, row, "dept_head", f"同意 {code_for(ws, WANG, key)}")
    run_pass(ws)
    sign(book, row, "purchasing_review", f"同意 {code_for(ws, SUN, key)}")
    run_pass(ws)


# -- the published folder --------------------------------------------------------------------------

def test_published_folder_holds_only_approved_records_without_signoff_columns(ws: Workspace, book: Book) -> None:
    book.put_rows([good_row(), good_row(item="龙骨", quantity=3)])
    run_pass(ws)
    assert published_rows(ws) == []                                  # both wait for the department head
    approve(ws, book, 2)
    assert book.cell(2, "status") == "已批准" and book.cell(3, "status") == "待部门负责人签批"
    [row] = published_rows(ws)
    assert row["申请编号 Request No."] == "PR-2026-0001"
    assert row["状态 State"] == "已批准"
    assert row["物料名称 Item"] == "石膏板" and row["数量 Quantity"] == 10
    assert row["预估单价 Est. unit price"] == 28.5
    assert row["需用日期 Needed by"].date().isoformat() == "2026-12-20"     # a date, not text
    assert row["物料类别 Item type"] == "常规"                                # the choice's label
    assert row["更新时间 Updated"] is not None
    headers = " ".join(map(str, row))
    for signoff in ("签批", "审核", "审批"):                            # no sign-off column: no stamps, no codes
        assert signoff not in headers


def test_published_files_are_read_only_and_hold_no_formula(ws: Workspace, book: Book) -> None:
    book.put_rows([good_row(project="+SUM(万达广场)")])                  # text that a spreadsheet would evaluate
    run_pass(ws)
    approve(ws, book, 2)
    path = ws.cfg.published_dir / PUBLISHED_BOOK
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    wb = openpyxl.load_workbook(path)
    values = [c for row in wb.worksheets[0].iter_rows() for c in row]
    assert all(c.data_type != "f" for c in values)
    assert any(str(c.value).endswith("+SUM(万达广场)") and c.data_type == "s" for c in values)   # as text
    if can_become_other():       # another account (an ordinary user) cannot save over it, nor put a file beside
        def try_write() -> list[str]:
            refused = []
            for attempt in (lambda: open(path, "r+b"), lambda: open(path.with_name("mine.xlsx"), "wb")):  # noqa: SIM115
                try:
                    attempt().close()
                except PermissionError:
                    refused.append("refused")
            return refused
        assert as_other_account(try_write) == ["refused", "refused"]


def test_a_pass_that_changes_nothing_rewrites_nothing(ws: Workspace, book: Book) -> None:
    book.put_rows([good_row()])
    run_pass(ws)
    approve(ws, book, 2)
    folder = ws.cfg.published_dir
    before = files_state(folder)
    assert PUBLISHED_BOOK in before and "铺位.xlsx" in before        # every published form has its workbook
    assert "客户反馈.xlsx" not in before                               # feedback names no [publish]: none
    run_pass(ws)
    assert files_state(folder) == before
    book.put_rows([good_row(item="龙骨")], start=3)                     # a new request, waiting: nothing shown
    run_pass(ws)
    assert files_state(folder) == before                               # same content: same inode, same time
    os.chmod(folder / PUBLISHED_BOOK, 0o644)                           # someone loosened it
    book.set(3, "quantity", 4)
    run_pass(ws)
    assert stat.S_IMODE((folder / PUBLISHED_BOOK).stat().st_mode) == 0o444
    assert files_state(folder) == before


def test_a_record_that_leaves_its_approved_state_disappears(ws: Workspace, book: Book) -> None:
    book.put_rows([good_row()])
    run_pass(ws)
    approve(ws, book, 2)
    assert [r["申请编号 Request No."] for r in published_rows(ws)] == ["PR-2026-0001"]
    book.set(2, "quantity", 12)                                  # changed after approval: signed again from the start
    run_pass(ws)
    assert book.cell(2, "status") == "待部门负责人签批"
    assert published_rows(ws) == []
    sign(book, 2, "dept_head", f"驳回 {code_for(ws, WANG, 'PR-2026-0001')} 数量不对")
    run_pass(ws)
    assert book.cell(2, "status") == "已驳回"
    assert published_rows(ws) == []


def test_reports_are_copied_and_issued_documents_are_not(make_workspace) -> None:
    ws = make_workspace(sample=True)
    run_pass(ws)
    output, reports = ws.cfg.output_dir, ws.cfg.published_dir / publish.REPORTS
    made = sorted(p.name for p in output.iterdir() if p.suffix == ".xlsx")
    assert made, "the example writes generated workbooks"
    copied = sorted(p.name for p in reports.iterdir())
    assert [n for n in copied if n.endswith(".xlsx")] == made
    issued = documents.by_paths(ws.store, [ws.rel(p) for p in output.glob("*.pdf")])
    assert issued, "the example has issued documents"
    assert not {Path(path).name for path in issued} & set(copied)
    for name in copied:
        assert (reports / name).read_bytes() == (output / name).read_bytes()
        assert stat.S_IMODE((reports / name).stat().st_mode) == 0o444
    before = files_state(reports)
    run_pass(ws)
    assert files_state(reports) == before
    stale = reports / "旧报表.xlsx"                                    # a report no longer made: its copy goes
    stale.write_bytes((output / made[0]).read_bytes())
    run_pass(ws)
    assert not stale.exists()
    assert files_state(reports) == before


def test_a_failure_writing_the_folder_is_a_fault_and_the_pass_goes_on(ws: Workspace, book: Book) -> None:
    ws.cfg.published_dir.write_text("not a folder")                    # where the folder should be: a file
    book.put_rows([good_row()])
    report = run_pass(ws)
    assert "publish" in report.faults
    assert book.system(2)["key"] == "PR-2026-0001"                      # the sheet was decided and written
    assert mails_to(ws.cfg.outbox_dir, WANG)                           # and the mail went
    assert any(f["stage"] == "publish" for f in ws.store.faults())
    assert "publish" in render_status(ws)
    ws.cfg.published_dir.unlink()
    report = run_pass(ws)                                              # nothing else changed: tried again all the same
    assert "publish" not in report.faults
    assert (ws.cfg.published_dir / PUBLISHED_BOOK).exists()
    assert not any(f["stage"] == "publish" for f in ws.store.faults())


@pytest.mark.parametrize(("value", "ok"), [
    ("published", True), ("公开/只读", True), ("sheets", False), ("sheets/pub", False), ("output", False),
    (".", False),
])
def test_the_published_folder_is_a_folder_of_its_own(make_workspace, value: str, ok: bool) -> None:
    from processors.errors import ConfigError

    ws = make_workspace()
    root = ws.root
    ws.close()
    config = root / "config.toml"
    text = config.read_text("utf-8")
    config.write_text(text.replace("[paths]", f'[paths]\npublished = "{value}"', 1) if "[paths]" in text
                      else text + f'\n[paths]\npublished = "{value}"\n', "utf-8")
    if ok:
        make_workspace().close()
    else:
        with pytest.raises(ConfigError, match=r"paths\.published"):
            make_workspace()


# -- who is at which level -------------------------------------------------------------------------

@pytest.mark.parametrize(("language", "says"), [
    ("zh", ["数据库管理员", "sheetflow.db", "后台用户", "采购申请：员工栏目 12 栏，角色 requester",
            "李强 <liqiang@example.com>", "签批“部门负责人签批”（department_head）", "对 sheets/ 有写权限的人可以编辑",
            "普通用户", "阅读 published/",
            "采购申请：状态为 已批准 的记录"]),
    ("en", ["Administrator", "Back-office users", "Purchase requests: 12 staff columns, roles requester",
            "anyone with write access to sheets/ can edit every column", "read published/",
            "Purchase requests: the records that are approved"]),
])
def test_access_says_who_is_at_which_level(make_workspace, language: str, says: list[str]) -> None:
    ws = make_workspace(language=language)
    run_pass(ws)
    text = "\n".join(access_lines(ws.cfg, ws.forms, ws.t))
    for line in says:
        assert line in text
    proc = run_cli("access", "-w", str(ws.root))
    assert proc.returncode == 0, proc.stderr
    assert says[-1] in proc.stdout


# -- Google: staff columns protected to their roles ------------------------------------------------

def _protections(fake: FakeGoogle, sid: str) -> dict[str, list[str]]:
    return {p["description"]: sorted(p.get("editors", {}).get("users", []))
            for p in fake.protected_ranges(sid, "采购申请")}


def _setup_again(ws: Workspace) -> list[str]:
    lines = []
    for spreadsheet, tabs in ws.google_tabs().items():
        lines += describe(setup_spreadsheet(ws.google_client(), spreadsheet, tabs, ws.cfg, ws.t), ws.t)
    return lines


def test_setup_protects_staff_columns_to_their_roles_and_a_second_run_updates(tmp_path: Path,
                                                                            fake_google: FakeGoogle) -> None:
    ws, sid = make_google_workspace(tmp_path / "ws", fake_google, NOW)
    first = fake_google.protected_ranges(sid, "采购申请")
    found = _protections(fake_google, sid)
    staff = ["applicant", "department", "project", "item", "spec", "unit", "quantity", "unit_price", "needed_by",
             "item_type", "attachment", "remarks"]
    for name in staff:
        assert found[f"sheetflow:{name}"] == sorted({USER_EMAIL, *REQUESTERS})
    assert "sheetflow:dept_head" not in found                           # with codes, anyone may type a code
    assert found["sheetflow:key"] == [USER_EMAIL]
    assert "linxiao@example.com" not in found["sheetflow:item"]       # the leasing specialist is no requester
    lines = _setup_again(ws)
    assert any("员工栏目（12 栏）已保护" in line and "requester" in line for line in lines)
    again = fake_google.protected_ranges(sid, "采购申请")
    assert len(again) == len(first) == 4 + len(staff)                   # updated, not duplicated
    assert sorted(p["protectedRangeId"] for p in again) == sorted(p["protectedRangeId"] for p in first)
    ws.close()


@pytest.mark.parametrize(("edit", "applicant", "remarks"), [
    # a field naming its own roles: the remarks column to the purchasing specialist alone
    (lambda t: t.replace('name = "remarks"\n', 'name = "remarks"\nedit_roles = ["purchasing_specialist"]\n'),
     REQUESTERS, {SUN}),
    # a field left open on purpose
    (lambda t: t.replace('name = "remarks"\n', 'name = "remarks"\nedit_roles = []\n'), REQUESTERS, None),
    # a form naming no roles: no staff column protected, and an earlier setup's protections taken away
    (lambda t: re.sub(r"\nedit_roles = .*\n", "\n", t, count=1), None, None),
])
def test_edit_roles_decide_each_columns_editors(tmp_path: Path, fake_google: FakeGoogle, edit, applicant,
                                                remarks) -> None:
    ws, sid = make_google_workspace(tmp_path / "ws", fake_google, NOW)
    root = ws.root
    ws.close()
    bundled = Path(__file__).resolve().parent.parent / "forms" / "purchase_request.toml"
    (root / "forms").mkdir(exist_ok=True)
    (root / "forms" / "purchase_request.toml").write_text(edit(bundled.read_text("utf-8")), "utf-8")
    ws = Workspace(root, clock=Clock(TZ, NOW.replace(tzinfo=TZ)))
    ws.use_google_client(paced_client(fake_google))
    lines = _setup_again(ws)
    found = _protections(fake_google, sid)
    for name, wanted in (("applicant", applicant), ("remarks", remarks)):
        if wanted is None:
            assert f"sheetflow:{name}" not in found
        else:
            assert found[f"sheetflow:{name}"] == sorted({USER_EMAIL, *wanted})
    if applicant is None:
        assert set(found) == {"sheetflow:key", "sheetflow:status", "sheetflow:message", "sheetflow:updated"}
        assert any("员工栏目未保护" in line and "edit_roles" in line for line in lines)
    ws.close()
