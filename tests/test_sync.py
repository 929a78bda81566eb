"""A pass over a real workbook: validation messages, numbering, history, rows found by key."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import COLS, NOW, Book, good_row, request_report

from processors.clock import Clock
from processors.passes import run_pass
from processors.workspace import Workspace


def test_valid_rows_get_gap_free_numbers_and_status(ws: Workspace, book: Book) -> None:
    book.put_rows([good_row(), good_row(item="龙骨"), good_row(quantity=0), good_row(item="瓷砖")])
    run_pass(ws)
    assert [book.cell(r, "key") for r in (2, 3, 4, 5)] == ["PR-2026-0001", "PR-2026-0002", "", "PR-2026-0003"]
    assert book.cell(2, "status") == "待部门负责人签批"
    assert "王芳（部门负责人）" in book.cell(2, "message")
    assert book.cell(2, "updated") == "2026-11-29 10:32"
    assert book.cell(4, "status") == "无效"


def test_store_keeps_transition_with_time_actor_reason(ws: Workspace, book: Book) -> None:
    book.put_rows([good_row()])
    run_pass(ws)
    [t] = ws.store.transitions("PR-2026-0001")
    assert (t["from_state"], t["to_state"], t["actor"]) == (None, "awaiting:dept_head", "李强")
    assert t["at"].startswith("2026-11-29T10:32")
    assert t["reason"]


@pytest.mark.parametrize(("changes", "field_label", "hint"), [
    ({"applicant": None}, "申请人", "签名"),                           # R1
    ({"applicant": "吴军"}, "申请人", "不是登记的申请人"),               # a person without the requester role
    ({"applicant": "钱多多"}, "申请人", "不是登记的申请人"),             # nobody config.toml knows
    ({"item_type": "非常规"}, "附带文件说明", "R3"),                    # R3
    ({"quantity": 0}, "数量", "大于 0"),
    ({"quantity": "十个"}, "数量", "不是数字"),
    ({"needed_by": "下周"}, "需用日期", "不是日期"),
    ({"needed_by": "2026-02-30"}, "需用日期", "不是日期"),
    ({"unit_price": -1}, "预估单价", "不能小于 0"),
    ({"department": "市场部"}, "部门", "下拉列表"),
    ({"item": None}, "物料名称", "未填写"),
])
def test_invalid_row_names_field_and_what_to_do(ws: Workspace, book: Book, changes: dict, field_label: str,
                                                 hint: str) -> None:
    book.put_rows([good_row(**changes), good_row()])
    run_pass(ws)
    message = book.cell(2, "message")
    assert book.cell(2, "status") == "无效"
    assert book.cell(2, "key") == ""
    assert f"「{field_label}」" in message
    assert hint in message
    # the rest of the sheet goes on
    assert book.cell(3, "key") == "PR-2026-0001"


def test_messages_in_english_workspace(make_workspace) -> None:
    ws = make_workspace(language="en")
    book = Book(ws.cfg.sheets_dir / "采购申请.xlsx")
    book.put_rows([good_row(applicant=None, quantity=0)])
    run_pass(ws)
    message = book.cell(2, "message")
    assert book.cell(2, "status") == "invalid"
    assert "“Quantity” is 0: it must be more than 0" in message
    assert "“Applicant” is not signed: the applicant writes their name here" in message


def test_nonstandard_item_with_description_is_valid(ws: Workspace, book: Book) -> None:
    book.put_rows([good_row(item_type="non-standard", attachment="黄铜骨架，LED 3000K")])
    run_pass(ws)
    assert book.cell(2, "key") == "PR-2026-0001"


def test_fixed_row_is_validated_again(ws: Workspace, book: Book) -> None:
    book.put_rows([good_row(applicant=None)])
    run_pass(ws)
    assert book.cell(2, "status") == "无效"
    book.set(2, "applicant", "李强")
    run_pass(ws)
    assert book.system(2)["key"] == "PR-2026-0001"
    assert book.cell(2, "status") == "待部门负责人签批"


def test_numbered_row_edited_invalid_then_fixed_keeps_its_number(ws: Workspace, book: Book) -> None:
    book.put_rows([good_row()])
    run_pass(ws)
    book.set(2, "quantity", 0)
    run_pass(ws)
    assert book.system(2)["key"] == "PR-2026-0001"
    assert book.cell(2, "status") == "无效"
    assert ws.store.record("PR-2026-0001").state == "invalid"
    book.set(2, "quantity", 12)
    run_pass(ws)
    assert book.cell(2, "status") == "待部门负责人签批"
    states = [(t["from_state"], t["to_state"]) for t in ws.store.transitions("PR-2026-0001")]
    awaiting = "awaiting:dept_head"
    assert states == [(None, awaiting), (awaiting, "invalid"), ("invalid", awaiting)]
    assert ws.store.record("PR-2026-0001").data["quantity"] == "12"


def test_rows_are_found_by_key_after_insert_sort_and_delete(ws: Workspace, book: Book) -> None:
    book.put_rows([good_row(item=f"物料{i}") for i in range(1, 5)])
    run_pass(ws)
    assert book.keys() == ["PR-2026-0001", "PR-2026-0002", "PR-2026-0003", "PR-2026-0004"]

    def reshuffle(sheet) -> None:
        sheet.delete_rows(3)          # 物料2 goes
        sheet.insert_rows(2)          # an empty row on top
        rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=3, max_row=5)]
        rows.reverse()                # sort descending
        for r, values in enumerate(rows, start=3):
            for c, v in enumerate(values, start=1):
                sheet.cell(row=r, column=c).value = v
        sheet.cell(row=3, column=COLS["quantity"], value=99)   # and edit 物料4's quantity
    book.edit(reshuffle)
    run_pass(ws)
    items = {book.cell(r, "item"): book.system(r) for r in range(3, 6)}
    assert items["物料4"]["key"] == "PR-2026-0004"
    assert items["物料3"]["key"] == "PR-2026-0003"
    assert items["物料1"]["key"] == "PR-2026-0001"
    assert all(v["status"] == "待部门负责人签批" for v in items.values())
    assert ws.store.record("PR-2026-0004").data["quantity"] == "99"
    assert ws.store.record("PR-2026-0002") is not None  # deleting the row loses nothing in the store


def test_unchanged_sheet_is_not_rewritten(ws: Workspace, book: Book) -> None:
    book.put_rows([good_row(), good_row(quantity=0)])
    run_pass(ws)
    before = book.path.stat().st_mtime_ns
    report = run_pass(ws)
    assert book.path.stat().st_mtime_ns == before
    assert request_report(report).written == 0


def test_copied_numbered_row_is_numbered_anew(ws: Workspace, book: Book) -> None:
    book.put_rows([good_row()])
    run_pass(ws)
    row = [c for c in book.grid()[1]]

    def paste(sheet) -> None:
        for c, v in enumerate(row, start=1):
            sheet.cell(row=3, column=c).value = v if v != "" else None
        sheet.cell(row=3, column=COLS["item"], value="龙骨")
    book.edit(paste)
    run_pass(ws)
    assert book.system(2)["key"] == "PR-2026-0001"
    assert book.system(3)["key"] == "PR-2026-0002"
    assert "PR-2026-0001" in book.system(3)["message"]


def test_cleared_number_is_restored_not_reissued(ws: Workspace, book: Book) -> None:
    book.put_rows([good_row()])
    run_pass(ws)
    book.set(2, "key", None)
    run_pass(ws)
    assert book.system(2)["key"] == "PR-2026-0001"
    assert ws.store.next_number("PR-2026") == 2


def test_typed_in_number_is_refused(ws: Workspace, book: Book) -> None:
    book.put_rows([good_row(key="PR-2026-0042")])
    run_pass(ws)
    assert book.cell(2, "status") == "无效"
    assert "不是系统发出的" in book.cell(2, "message")
    assert ws.store.next_number("PR-2026") == 1


def test_system_cell_overwritten_by_user_is_restored(ws: Workspace, book: Book) -> None:
    book.put_rows([good_row()])
    run_pass(ws)
    book.set(2, "status", "已批准")   # someone types over the status
    run_pass(ws)
    assert book.cell(2, "status") == "待部门负责人签批"


def test_numbers_restart_each_year(make_workspace) -> None:
    ws = make_workspace()
    book = Book(ws.cfg.sheets_dir / "采购申请.xlsx")
    book.put_rows([good_row()])
    run_pass(ws)
    ws.clock = Clock(ws.clock.tz, dt.datetime(2027, 1, 2, 9, 0, tzinfo=ws.clock.tz))
    book.put_rows([good_row(item="新年")], start=3)
    run_pass(ws)
    assert book.keys() == ["PR-2026-0001", "PR-2027-0001"]


def test_cleared_row_content_clears_its_status(ws: Workspace, book: Book) -> None:
    book.put_rows([good_row(quantity=0)])
    run_pass(ws)
    assert book.cell(2, "status") == "无效"

    def clear(sheet) -> None:
        for c in range(1, 14):
            sheet.cell(row=2, column=c).value = None
    book.edit(clear)
    run_pass(ws)
    assert book.system(2) == {"key": "", "status": "", "message": "", "updated": ""}


def test_now_is_the_workspace_clock(ws: Workspace) -> None:
    assert ws.clock.now().replace(tzinfo=None) == NOW


def test_config_change_revalidates_unchanged_rows(make_workspace) -> None:
    ws = make_workspace()
    book = Book(ws.cfg.sheets_dir / "采购申请.xlsx")
    book.put_rows([good_row(applicant="钱多多")])
    run_pass(ws)
    assert "不是登记的申请人" in book.cell(2, "message")
    ws.close()
    with (ws.root / "config.toml").open("a", encoding="utf-8") as fh:
        fh.write('\n[people.qian]\nname = "钱多多"\ndepartment = "工程部"\nroles = ["requester"]\n')
    ws2 = make_workspace()            # same folder, config re-read: the row is checked again
    run_pass(ws2)
    assert book.system(2)["key"] == "PR-2026-0001"


def test_state_is_sqlite_wal_inside_the_workspace(ws: Workspace, book: Book) -> None:
    book.put_rows([good_row()])
    run_pass(ws)
    assert ws.cfg.state_path == ws.root / "sheetflow.db"
    assert ws.store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert (ws.root / "sheetflow.db-wal").exists()


def test_two_rows_with_the_same_typed_number_both_hear_about_it(ws: Workspace, book: Book) -> None:
    book.put_rows([good_row(key="PR-2026-0099"), good_row(item="乙", key="PR-2026-0099")])
    run_pass(ws)
    assert "不是系统发出的" in book.cell(2, "message")
    assert "不是系统发出的" in book.cell(3, "message")


def test_updated_time_of_a_record_is_put_back(ws: Workspace, book: Book) -> None:
    book.put_rows([good_row()])
    run_pass(ws)
    book.set(2, "updated", "昨天")
    run_pass(ws)
    assert book.cell(2, "updated") == "2026-11-29 10:32"
