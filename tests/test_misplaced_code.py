"""A live code typed into another record's row stops signing anything; its addressee gets a fresh one (issue 11).

The sheet is shared: whoever opens it after the approver pasted PR-0001's code into PR-0002's
row has seen a valid code. Real saves of the request workbook, real passes, the .eml outbox.
"""

from __future__ import annotations

from approvals_helpers import cell, mails_to, sign
from conftest import BOOK, Book, good_row

from processors.passes import run_pass
from processors.workspace import Workspace

WANG = "wangfang@example.com"     # head of 工程部: both requests wait for her


def two_waiting(ws: Workspace) -> tuple[Book, list[str]]:
    book = Book(ws.cfg.sheets_dir / BOOK)
    book.put_rows([good_row(item="石膏板"), good_row(item="龙骨")])
    run_pass(ws)
    codes = [m.code for m in mails_to(ws.cfg.outbox_dir, WANG)]
    assert len(codes) == 2
    return book, codes          # row 2's code, row 3's code (mails in the order the rows were numbered)


def code_for(ws: Workspace, key: str) -> list[str]:
    return [m.code for m in mails_to(ws.cfg.outbox_dir, WANG) if key in m.subject]


def test_a_code_typed_in_the_wrong_row_is_voided_and_replaced(ws: Workspace) -> None:
    book, _ = two_waiting(ws)
    first, second = str(book.cell(2, "key")), str(book.cell(3, "key"))
    [code1] = code_for(ws, first)
    sign(book, 3, "dept_head", f"同意 {code1}")          # PR-0001's code in PR-0002's row
    run_pass(ws)
    assert cell(book, 3, "dept_head") == ""               # no longer on show in the shared sheet
    message = str(book.cell(3, "message"))
    assert f"这是 {first} 的验证码" in message and "作废" in message and "新的验证码已发给 王芳" in message
    assert ws.store.record(second).state == "awaiting:dept_head"      # nothing signed here
    old, fresh = code_for(ws, first)
    assert old == code1 and fresh != code1                # a fresh code went to 王芳 for PR-0001
    sign(book, 2, "dept_head", f"同意 {code1}")            # whoever copied the shown code cannot use it
    run_pass(ws)
    assert ws.store.record(first).state == "awaiting:dept_head"
    assert "作废" in str(book.cell(2, "message"))
    sign(book, 2, "dept_head", f"同意 {fresh}")            # the fresh one signs
    run_pass(ws)
    assert ws.store.record(first).state != "awaiting:dept_head"
    assert cell(book, 2, "dept_head").startswith("✔ 王芳")


def test_a_misplaced_code_is_not_counted_as_a_guess(ws: Workspace) -> None:
    book, _ = two_waiting(ws)
    first, second = str(book.cell(2, "key")), str(book.cell(3, "key"))
    record = ws.store.record(second)
    [code1] = code_for(ws, first)
    sign(book, 3, "dept_head", f"同意 {code1}")
    run_pass(ws)
    assert ws.store.wrong_tries(record.id, "dept_head", record.route_version) == 0
    [code2] = code_for(ws, second)
    sign(book, 3, "dept_head", f"同意 {code2}")            # the row's own code still signs it
    run_pass(ws)
    assert ws.store.record(second).state != "awaiting:dept_head"


def test_a_plain_wrong_code_is_still_a_wrong_code(ws: Workspace) -> None:
    book, codes = two_waiting(ws)
    sign(book, 3, "dept_head", "同意 ABCDEF")
    run_pass(ws)
    assert "作废" not in str(book.cell(3, "message")) and "还可再试 4 次" in str(book.cell(3, "message"))
    assert sorted(m.code for m in mails_to(ws.cfg.outbox_dir, WANG)) == sorted(codes)   # no mail for it
