"""Guessing a sign-off code costs the guesser, not the approver's inbox (issue 11).

Every attempt is a real save of the request workbook followed by a real pass; what is
checked is what people see: the row's cells and the .eml files in outbox/.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from approvals_helpers import cell, mails_to, sign
from conftest import BOOK, TZ, Book, good_row

from processors.clock import Clock
from processors.errors import ConfigError
from processors.init_workspace import init_workspace
from processors.passes import run_pass
from processors.status_view import render_status
from processors.store import Store
from processors.workspace import Workspace

WANG = "wangfang@example.com"     # head of 工程部, signs the first step
LI = "liqiang@example.com"        # the applicant
WRONG = ["ABCDEF", "ABCDEG", "ABCDEH", "ABCDEJ", "ABCDEK", "ABCDEM", "ABCDEN"]
WAITING = "待部门负责人签批"


def later(ws: Workspace, **delta: float) -> None:
    ws.clock = Clock(TZ, ws.clock.now() + dt.timedelta(**delta))


def submit(ws: Workspace, **changes: object) -> Book:
    book = Book(ws.cfg.sheets_dir / BOOK)
    book.put_rows([good_row(**changes)])
    run_pass(ws)
    return book


def attempt(ws: Workspace, book: Book, text: str) -> str:
    """Type into the department head's cell, save, run a pass; the row's message."""
    sign(book, 2, "dept_head", text)
    run_pass(ws)
    return str(book.cell(2, "message"))


def lock_out(ws: Workspace, book: Book, codes: list[str] = WRONG[:5]) -> str:
    message = ""
    for code in codes:
        message = attempt(ws, book, f"同意 {code}")
    return message


def guessing_mails(ws: Workspace, address: str) -> list[str]:
    return [m.text for m in mails_to(ws.cfg.outbox_dir, address) if "验证码" in m.subject and "安全" in m.subject]


def code_mails(ws: Workspace) -> list[str]:
    return [m.code for m in mails_to(ws.cfg.outbox_dir, WANG) if "安全" not in m.subject]


# -- a wrong code counts once per distinct value ------------------------------------------------------------

F, G, H = "同意 ABCDEF", "同意 ABCDEG", "同意 ABCDEH"
COUNTING = [  # what is typed in the sign-off cell (or a save of another cell), in order → locked?, the row says
    ([F, *["remarks"] * 6], False, "还可再试 4 次"),         # one typo, then six saves elsewhere in the row
    ([F, "", F, "", F, "", F, "", F], False, "同一个错误验证码只计一次（还可再试 4 次）"),   # retyped again and again
    ([F, G, F, G, H], False, "还可再试 2 次"),
    ([F, "ABCDEF", "驳回 ABCDEF 不同意"], False, "同一个错误验证码只计一次（还可再试 4 次）"),  # other words
    ([f"同意 {c}" for c in WRONG[:4]], False, "还可再试 1 次"),
    ([f"同意 {c}" for c in WRONG[:5]], True, "已输错 5 个不同的验证码"),
    ([*(f"同意 {c}" for c in WRONG[:4]), F, "remarks", "同意 ABCDEK"], True, "已锁定至 2026-11-29 10:47"),
]


@pytest.mark.parametrize(("steps", "locks", "says"), COUNTING)
def test_a_wrong_code_counts_once_per_distinct_value(ws: Workspace, steps: list[str], locks: bool,
                                                    says: str) -> None:
    book = submit(ws)
    message = ""
    for n, step in enumerate(steps):
        if step == "remarks":
            book.set(2, "remarks", f"备注 {n}")
            run_pass(ws)
            message = str(book.cell(2, "message"))
        else:
            message = attempt(ws, book, step)
    assert says in message
    assert ("已锁定至" in message) is locks
    assert len(guessing_mails(ws, WANG)) == int(locks)
    assert book.cell(2, "status") == WAITING
    status = render_status(ws)                 # what an administrator asked "why can't I sign?" looks at
    assert ("== 锁定的签批步骤" in status) is locks
    if locks:
        [line] = [ln for ln in status.splitlines() if ln.startswith("PR-2026-0001") and "锁定至" in ln]
        assert "部门负责人" in line and "第 1 次" in line


def test_fingerprints_of_wrong_codes_are_salted_scrypt_per_record_and_step(ws: Workspace) -> None:
    """The same wrong code typed on two records leaves two unrelated fingerprints, and no code in the clear."""
    book = Book(ws.cfg.sheets_dir / BOOK)
    book.put_rows([good_row(), good_row(item="龙骨")])
    run_pass(ws)
    for row in (2, 3):
        sign(book, row, "dept_head", "同意 ABCDEF")
    run_pass(ws)
    rows = ws.store.conn.execute("SELECT typed, fingerprint FROM refusals WHERE reason = 'wrong_code'").fetchall()
    assert len(rows) == 2 and all(r["typed"] == "同意 ******" for r in rows)
    first, second = (bytes(r["fingerprint"]) for r in rows)
    assert len(first) == 32 and first != second
    dump = b"".join(bytes(line, "utf-8") for line in ws.store.conn.iterdump())
    assert b"ABCDEF" not in dump


# -- while locked: nothing counts, nothing is mailed ---------------------------------------------------------


@pytest.mark.parametrize(("typed", "says"), [
    ("同意 {code}", "锁定期间不核对验证码"),          # even the right code of the voided set
    ("驳回 {code} 数量过多", "锁定期间不核对验证码"),
    ("{code}", "锁定期间不核对验证码"),
    ("同意 ABCDEP", "锁定期间不核对验证码"),          # a new wrong code: not counted
    ("验证码", "锁定期间不发送新验证码"),
    ("new code", "锁定期间不发送新验证码"),
])
def test_while_locked_codes_and_requests_are_refused_uncounted(ws: Workspace, typed: str, says: str) -> None:
    book = submit(ws)
    [code] = code_mails(ws)
    lock_out(ws, book)
    mailed = len(mails_to(ws.cfg.outbox_dir, WANG))
    message = attempt(ws, book, typed.format(code=code))
    assert says in message
    assert "「部门负责人签批」已锁定至 2026-11-29 10:47" in message
    assert "输入“验证码”获取新验证码" in message
    assert cell(book, 2, "dept_head") == ""
    assert book.cell(2, "status") == WAITING
    assert len(mails_to(ws.cfg.outbox_dir, WANG)) == mailed
    later(ws, minutes=16)                               # after the lock, counting starts afresh
    assert "还可再试 4 次" in attempt(ws, book, "同意 ABCDEQ")


def test_after_the_lock_the_next_code_comes_only_on_request(ws: Workspace) -> None:
    book = submit(ws)
    lock_out(ws, book)
    later(ws, minutes=16)
    book.set(2, "remarks", "催一下")                     # the row is saved; time passes; passes run
    run_pass(ws)
    later(ws, hours=2)
    run_pass(ws)
    assert len(code_mails(ws)) == 1                     # no code went by itself
    assert "锁定已于 2026-11-29 10:47 结束" in book.cell(2, "message")
    assert "输入“验证码”获取新验证码" in book.cell(2, "message")
    message = attempt(ws, book, "验证码")
    assert "新验证码已发送" in message and "锁定" not in message
    fresh = code_mails(ws)
    assert len(fresh) == 2
    attempt(ws, book, f"同意 {fresh[-1]}")
    assert cell(book, 2, "dept_head") == "✔ 王芳 2026-11-29 12:48"
    assert book.cell(2, "status") == "待采购专员审核"


LOCKS = [  # lockout_minutes in config.toml → how long the 1st, 2nd, 3rd, 4th and 5th lockouts of a step last
    (None, [15, 60, 240, 960, 1440]),
    (30, [30, 120, 480, 1440, 1440]),
    (2000, [2000, 2000, 2000, 2000, 2000]),     # a base longer than a day is not cut
]


@pytest.mark.parametrize(("base", "minutes"), LOCKS)
def test_each_lockout_of_a_step_lasts_longer(tmp_path: Path, make_workspace: Callable[..., Workspace],
                                            base: int | None, minutes: list[int]) -> None:
    root = tmp_path / "ws"
    init_workspace(root)
    if base is not None:
        config = root / "config.toml"
        config.write_text(config.read_text("utf-8").replace("lockout_minutes = 15", f"lockout_minutes = {base}"),
                          "utf-8")
    ws = make_workspace("ws")
    book = submit(ws)
    guesses = iter(f"ABC{a}{b}{c}" for a in "DEF" for b in "GHJ" for c in "KMN")
    for length in minutes:
        message = lock_out(ws, book, [next(guesses) for _ in range(5)])
        until = ws.clock.now() + dt.timedelta(minutes=length)
        assert f"已锁定至 {until:%Y-%m-%d %H:%M}" in message
        ws.clock = Clock(TZ, until + dt.timedelta(minutes=1))
        assert "新验证码已发送" in attempt(ws, book, "验证码")
    assert len(guessing_mails(ws, WANG)) == 1           # told once, however often it is locked again


@pytest.mark.parametrize("value", ["0", "-15", '"15"', "true"])
def test_lockout_minutes_must_be_a_positive_number(tmp_path: Path, value: str) -> None:
    root = tmp_path / "w"
    init_workspace(root)
    config = root / "config.toml"
    config.write_text(config.read_text("utf-8").replace("lockout_minutes = 15", f"lockout_minutes = {value}"),
                      "utf-8")
    with pytest.raises(ConfigError) as info:
        Workspace(root)
    assert info.value.key == "approvals.lockout_minutes"
    assert "a positive number of minutes" in info.value.expected


# -- told once, with the row and the time -------------------------------------------------------------------


def test_the_approver_and_the_applicant_are_told_once(ws: Workspace) -> None:
    book = submit(ws)
    lock_out(ws, book)
    run_pass(ws)                                        # a pass with nothing new
    later(ws, minutes=20)
    attempt(ws, book, "验证码")
    lock_out(ws, book, WRONG[2:7])                      # locked a second time: only longer
    [to_wang] = guessing_mails(ws, WANG)
    [to_li] = guessing_mails(ws, LI)
    for text in (to_wang, to_li):
        assert "PR-2026-0001" in text and "采购申请.xlsx" in text and "第 2 行" in text
        assert "2026-11-29 10:32" in text and "锁定至 2026-11-29 10:47" in text
        assert "部门负责人签批" in text
    assert "如果不是您" in to_wang and "王芳" in to_li
    assert all(code not in to_wang for code in code_mails(ws))


def test_a_row_decided_again_after_a_fault_mails_once(ws: Workspace) -> None:
    from processors import faults

    book = submit(ws)
    lock_out(ws, book, WRONG[:4])
    sign(book, 2, "dept_head", f"同意 {WRONG[4]}")

    def fail(**ctx: object) -> None:
        raise RuntimeError("disk full")

    with faults.hooked("decide_row", fail):
        run_pass(ws)                                    # the lockout is decided, then rolled back with the row
    assert guessing_mails(ws, WANG) == []
    run_pass(ws)                                        # tried again: decided for good
    assert "已锁定至" in book.cell(2, "message")
    run_pass(ws)
    assert len(guessing_mails(ws, WANG)) == len(guessing_mails(ws, LI)) == 1


# -- what else sends a code while locked: nothing ------------------------------------------------------------


def test_a_reminder_due_while_locked_brings_no_code(ws: Workspace) -> None:
    book = submit(ws)
    later(ws, hours=23, minutes=50)
    lock_out(ws, book)
    later(ws, minutes=12)                               # 10:34 next day: the first reminder is due (10:32) …
    run_pass(ws)
    assert "已锁定至 2026-11-30 10:37" in book.cell(2, "message")     # … but the step is locked until 10:37
    later(ws, minutes=10)
    run_pass(ws)
    assert len(code_mails(ws)) == 1                     # no reminder carried a code, during the lock or after


def test_an_edit_while_locked_restarts_the_route_without_a_code(ws: Workspace) -> None:
    book = submit(ws)
    lock_out(ws, book)
    book.set(2, "quantity", 12)
    run_pass(ws)
    assert len(code_mails(ws)) == 1
    assert "已锁定至 2026-11-29 10:47" in book.cell(2, "message")
    later(ws, minutes=16)
    attempt(ws, book, "验证码")
    attempt(ws, book, f"同意 {code_mails(ws)[-1]}")
    assert book.cell(2, "status") == "待采购专员审核"


def test_many_guesses_cost_the_approver_two_mails(ws: Workspace) -> None:
    """60 guesses in a row (the bench makes 1,000): one lockout, one notice; before, 12 lockouts and 13 codes."""
    book = submit(ws)
    guesses = [f"{a}{b}{c}XYZ" for a in "ABC" for b in "DEFGH" for c in "JKMN"]
    for code in guesses:
        attempt(ws, book, f"同意 {code}")
    assert len(guesses) == 60
    assert len(code_mails(ws)) == 1 and len(guessing_mails(ws, WANG)) == 1
    assert ws.store.conn.execute("SELECT count(*) FROM refusals WHERE reason = 'too_many_wrong'").fetchone()[0] == 1
    assert "已锁定至 2026-11-29 10:47" in book.cell(2, "message")


# -- typed stamps never sign --------------------------------------------------------------------------------

STAMPS = [  # the sign-off column typed into, what is typed → what the row says, what the cell shows after
    ("dept_head", "✔ 吴军（代 王芳）", "不是系统记录的签批", ""),
    ("dept_head", "✔ 吴军（代 王芳） 2026-11-29 10:32", "不是系统记录的签批", ""),
    ("dept_head", "✘ 王芳 2026-11-29 10:32 驳回：数量过多", "不是系统记录的签批", ""),
    ("dept_head", "吴军（代 王芳）", "须用验证码签批", "吴军（代 王芳）"),        # without the mark: a name
    ("purchasing_review", "✔ 孙丽 2026-11-29 10:32", "未到签批顺序", ""),
    ("gm_signoff", "✔ 郑涛 2026-11-29 10:32", "不需要「总经理审批」", ""),
]


@pytest.mark.parametrize(("column", "typed", "says", "after"), STAMPS)
def test_a_typed_stamp_is_not_a_sign_off(ws: Workspace, column: str, typed: str, says: str, after: str) -> None:
    book = submit(ws)
    sign(book, 2, column, typed)
    run_pass(ws)
    message = str(book.cell(2, "message"))
    assert says in message
    assert cell(book, 2, column) == after
    assert book.cell(2, "status") == WAITING
    record = ws.store.record("PR-2026-0001")
    assert ws.store.signoffs(record.id, record.route_version) == []
    assert len(mails_to(ws.cfg.outbox_dir, "sunli@example.com")) == 0    # nobody was asked for the next step


def test_a_typed_stamp_before_the_number_is_cleared(ws: Workspace) -> None:
    book = Book(ws.cfg.sheets_dir / BOOK)
    book.put_rows([good_row(dept_head="✔ 吴军（代 王芳）")])
    run_pass(ws)
    assert "签批须在编号后、收到验证码时进行，本栏已清空" in book.cell(2, "message")
    assert cell(book, 2, "dept_head") == ""
    assert book.cell(2, "status") == WAITING


def test_a_signed_stamp_edited_to_another_name_is_put_back(ws: Workspace) -> None:
    book = submit(ws)
    [code] = code_mails(ws)
    attempt(ws, book, f"同意 {code}")
    attempt(ws, book, "✔ 吴军（代 王芳） 2026-11-29 10:32")
    assert "已签批，签批记录不能修改" in book.cell(2, "message")
    assert cell(book, 2, "dept_head") == "✔ 王芳 2026-11-29 10:32"


# -- the store -----------------------------------------------------------------------------------------------


def test_a_store_of_version_7_gains_fingerprints_and_locks(ws: Workspace) -> None:
    book = submit(ws)
    attempt(ws, book, "同意 ABCDEF")
    path = ws.cfg.root / "sheetflow.db"
    ws.store.close()
    conn = sqlite3.connect(path)
    conn.executescript("DROP TABLE step_locks; DROP INDEX refusals_record; ALTER TABLE refusals DROP COLUMN "
                       "fingerprint; PRAGMA user_version = 7;")
    conn.close()
    store = Store(path)
    try:
        columns = {r[1] for r in store.conn.execute("PRAGMA table_info(refusals)")}
        assert "fingerprint" in columns
        assert store.conn.execute("SELECT count(*) FROM refusals").fetchone()[0] == 1    # nothing lost
        assert store.step_lock(1, "dept_head") is None
    finally:
        store.close()
    again = Workspace(ws.cfg.root, clock=ws.clock)
    try:
        assert "还可再试 3 次" in attempt(again, book, "同意 ABCDEG")
    finally:
        again.close()

