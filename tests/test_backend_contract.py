"""The behaviour staff see, run once per backend: a local workbook and a Google spreadsheet tab.

One suite, parametrized by backend, so the two cannot drift apart. Each test
edits the sheet as a person would (openpyxl on the workbook; the fake's browser
edits on the tab) and runs real passes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from approvals_helpers import mails_to
from backends import GoogleSheet, XlsxSheet, make_google_workspace
from conftest import NOW, good_row
from google_fake import FakeGoogle

from processors import faults
from processors.workspace import Workspace

Sheet = XlsxSheet | GoogleSheet


@pytest.fixture(params=["xlsx", "google"])
def sheet(request: pytest.FixtureRequest, tmp_path: Path, make_workspace: Callable[..., Workspace],
          fake_google: FakeGoogle) -> Iterator[Sheet]:
    if request.param == "xlsx":
        yield XlsxSheet(make_workspace())
        return
    ws, sid = make_google_workspace(tmp_path / "gws", fake_google, NOW)
    try:
        yield GoogleSheet(ws, fake_google, sid)
    finally:
        ws.close()


def record_item(sheet: Sheet, row: int) -> str:
    """The item of the record whose number a row shows: what ties a status to the right row."""
    record = sheet.ws.store.record(sheet.cell(row, "key"))
    assert record is not None, f"row {row} shows no known number"
    return str(record.data["item"])


def test_valid_rows_numbered_invalid_row_explained(sheet: Sheet) -> None:
    sheet.put_rows([good_row(), good_row(quantity=0), good_row(item="龙骨")])
    sheet.run()
    assert [sheet.cell(r, "key") for r in (2, 3, 4)] == ["PR-2026-0001", "", "PR-2026-0002"]
    assert sheet.cell(2, "status") == "待部门负责人签批"
    assert sheet.cell(2, "updated") == "2026-11-29 10:32"
    assert sheet.cell(3, "status") == "无效"
    assert "「数量」" in sheet.cell(3, "message") and "大于 0" in sheet.cell(3, "message")


def test_a_pass_with_nothing_new_writes_nothing(sheet: Sheet) -> None:
    sheet.put_rows([good_row(), good_row(quantity=0)])
    sheet.run()
    again = sheet.run()
    assert sum(f.written for f in again.files) == 0
    assert sheet.cell(2, "key") == "PR-2026-0001"


def test_fixed_row_is_numbered_after_the_fix(sheet: Sheet) -> None:
    sheet.put_rows([good_row(quantity=0)])
    sheet.run()
    sheet.set(2, "quantity", 5)
    sheet.run()
    assert sheet.cell(2, "key") == "PR-2026-0001"
    assert sheet.cell(2, "message") != "" and "数量" not in sheet.cell(2, "message")


def test_row_inserted_between_read_and_write_gets_no_other_rows_status(sheet: Sheet) -> None:
    sheet.put_rows([good_row(item="石膏板"), good_row(item="龙骨")])
    with faults.hooked("after_sync", lambda: sheet.insert_row(2, good_row(item="瓷砖"))):
        sheet.run()
    # the newcomer is either untouched (not read this pass) or numbered as itself, never given a neighbour's number
    assert sheet.cell(2, "key") == "" or record_item(sheet, 2) == "瓷砖"
    assert (record_item(sheet, 3), record_item(sheet, 4)) == ("石膏板", "龙骨")
    sheet.run()                                     # and the next pass takes it in
    assert record_item(sheet, 2) == "瓷砖"


def test_rows_sorted_between_read_and_write_keep_their_own_status(sheet: Sheet) -> None:
    sheet.put_rows([good_row(item="甲板"), good_row(item="乙板", quantity=0), good_row(item="丙板")])
    sheet.run()
    sheet.put_rows([good_row(item="丁板")], start=5)
    sheet.set(3, "quantity", 3)                     # the invalid row fixed: it will be numbered
    with faults.hooked("after_sync", lambda: sheet.sort_rows("item")):
        sheet.run()
    sheet.run()
    items = {record_item(sheet, r): r for r in (2, 3, 4, 5)}
    assert sorted(items) == ["丁板", "丙板", "乙板", "甲板"]
    for row in (2, 3, 4, 5):
        assert sheet.cell(row, "status") == "待部门负责人签批"


def test_status_typed_over_by_a_person_is_put_back(sheet: Sheet) -> None:
    sheet.put_rows([good_row()])
    sheet.run()
    sheet.set(2, "status", "已批准")
    sheet.run()
    assert sheet.cell(2, "status") == "待部门负责人签批"


def test_cleared_number_is_restored_not_reissued(sheet: Sheet) -> None:
    sheet.put_rows([good_row()])
    sheet.run()
    sheet.set(2, "key", "")
    sheet.run()
    assert sheet.cell(2, "key") == "PR-2026-0001"
    assert "恢复" in sheet.cell(2, "message")


def test_copied_numbered_row_is_not_a_second_record(sheet: Sheet) -> None:
    sheet.put_rows([good_row()])
    sheet.run()
    sheet.put_rows([{**good_row(item="龙骨"), "key": "PR-2026-0001"}], start=3)
    sheet.run()
    assert sheet.cell(2, "key") == "PR-2026-0001"
    assert sheet.cell(3, "key") == "PR-2026-0002"
    assert "PR-2026-0001" in sheet.cell(3, "message")


def test_edit_after_numbering_invalidates_and_says_why(sheet: Sheet) -> None:
    sheet.put_rows([good_row()])
    sheet.run()
    sheet.set(2, "needed_by", "下周")
    sheet.run()
    assert sheet.cell(2, "key") == "PR-2026-0001"
    assert sheet.cell(2, "status") == "无效"
    assert "「需用日期」" in sheet.cell(2, "message")


def test_department_head_signs_with_the_mailed_code(sheet: Sheet) -> None:
    sheet.put_rows([good_row()])
    sheet.run()
    [mail] = mails_to(sheet.ws.cfg.outbox_dir, "wangfang@")
    sheet.set(2, "dept_head", f"同意 {mail.code}")
    sheet.run()
    assert sheet.cell(2, "dept_head").startswith("✔ 王芳")
    assert sheet.cell(2, "status") == "待采购专员审核"


def test_wrong_code_is_refused_in_the_row(sheet: Sheet) -> None:
    sheet.put_rows([good_row()])
    sheet.run()
    sheet.set(2, "dept_head", "同意 ZZZZZZ")
    sheet.run()
    assert sheet.cell(2, "status") == "待部门负责人签批"
    assert "验证码" in sheet.cell(2, "message")


def test_config_change_rechecks_every_row(sheet: Sheet) -> None:
    sheet.put_rows([good_row(applicant="吴军")])
    sheet.run()
    assert sheet.cell(2, "status") == "无效"
    path = sheet.ws.root / "config.toml"
    text = path.read_text(encoding="utf-8")
    text = text.replace('roles = ["executive_director"]', 'roles = ["executive_director", "requester"]', 1)
    path.write_text(text, encoding="utf-8")
    fresh = _reopen(sheet)
    fresh.run()
    assert fresh.cell(2, "key") == "PR-2026-0001"


def _reopen(sheet: Sheet) -> Any:
    from processors.clock import Clock

    ws = Workspace(sheet.ws.root, clock=Clock(sheet.ws.clock.tz, sheet.ws.clock.now()))
    if isinstance(sheet, GoogleSheet):
        ws.use_google_client(sheet.ws.google_client())
        return GoogleSheet(ws, sheet.fake, sheet.sid)
    return XlsxSheet(ws)
