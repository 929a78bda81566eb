"""The example workspace with a malformed row in every workbook: every pass completes, each bad row says what is
wrong, the other rows are decided and the mail goes out (issue 10's figures; `-s` prints them)."""

from __future__ import annotations

from pathlib import Path

from conftest import init_at, run_cli
from orders_helpers import FormSheet
from python_calamine import CalamineWorkbook

from processors.workspace import Workspace

BAD = {"integer": "很多", "decimal": "很多", "money": "¥很多", "date": "明年", "choice": "随便",
       "email": "不是邮箱", "signature": "查无此人", "text": "😀"}


def _rows(path: Path, sheet: str) -> int:
    wb = CalamineWorkbook.from_path(str(path))
    try:
        return len(wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False))
    finally:
        wb.close()


def _counts(root: Path) -> tuple[int, int, int]:
    ws = Workspace(root)
    try:
        records = len(ws.store.records())
        sent = ws.store.conn.execute("SELECT count(*) FROM outbox WHERE state = 'sent'").fetchone()[0]
        faults = len(ws.store.faults())
    finally:
        ws.close()
    return records, sent, faults


def test_a_malformed_row_in_every_workbook_stops_nothing(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    init_at(root, sample=True)
    first = run_cli("run", "-w", str(root))
    assert first.returncode == 0, first.stderr
    records0, sent0, _ = _counts(root)
    ws = Workspace(root)
    added: dict[str, tuple[FormSheet, int]] = {}
    try:
        for form in ws.forms.values():
            sheet = FormSheet(ws, form.id)
            row = _rows(sheet.path, form.sheet) + 1
            sheet.put([{f.name: BAD[f.type] for f in form.content_fields if f.type in BAD}], start=row)
            added[form.id] = (sheet, row)
        requests, row = added["purchase_request"]   # beside the bad rows, one good new request
        requests.put([{"applicant": "李强", "department": "工程部", "project": "万达广场", "item": "石膏板",
                       "spec": "9.5mm", "unit": "张", "quantity": 10, "unit_price": 28.5, "needed_by": "2026-12-20",
                       "item_type": "常规"}], start=row + 1)
        good_row = row + 1
        units = FormSheet(ws, "unit")      # and something deeper: two new units claiming one number
        at = _rows(units.path, "铺位") + 1
        units.put([{"unit_no": "9F-01", "floor": "9F", "area": 50, "category": "餐饮"}] * 2, start=at)
    finally:
        ws.close()
    second = run_cli("run", "-w", str(root))
    assert second.returncode == 0, second.stderr
    assert "Traceback" not in second.stderr + second.stdout
    for form_id, (sheet, row) in added.items():
        message = sheet.cell(row, "message")
        assert message and "「" in message, f"{form_id} row {row}: {message!r}"   # names the field
        assert sheet.cell(row, "key") == ""
    assert "重复" in units.cell(at, "message") and "重复" in units.cell(at + 1, "message")
    assert requests.cell(good_row, "key").startswith("PR-2026-")
    records1, sent1, faults = _counts(root)
    assert records1 == records0 + 1 and sent1 > sent0   # the good row was numbered and its approver mailed
    assert faults == 0                      # bad input is a row message, never a fault of ours
    status = run_cli("status", "-w", str(root))
    assert status.returncode == 0 and "Traceback" not in status.stderr
    print(f"\nworkbooks with a malformed row: {len(added)}; passes completed: 2 of 2; records before/after: "
          f"{records0}/{records1}; mails sent before/after: {sent0}/{sent1}")
