"""Sign-off that cannot be forged: codes by mail, stamps in the sheet, every refusal in the row."""

from __future__ import annotations

import datetime as dt

import pytest
from approvals_helpers import cell, mails, mails_to, sign
from conftest import BOOK, TZ, Book, good_row

from processors.clock import Clock
from processors.passes import run_pass
from processors.workspace import Workspace

WANG = "wangfang@example.com"     # head of 工程部
SUN = "sunli@example.com"         # purchasing specialist
LI = "liqiang@example.com"        # the applicant


def later(ws: Workspace, **delta: float) -> None:
    ws.clock = Clock(TZ, ws.clock.now() + dt.timedelta(**delta))


def submit(ws: Workspace, **changes) -> Book:
    book = Book(ws.cfg.sheets_dir / BOOK)
    book.put_rows([good_row(**changes)])
    run_pass(ws)
    return book


def test_request_is_signed_by_dept_head_then_purchasing(ws: Workspace) -> None:
    book = submit(ws)
    assert book.system(2)["key"] == "PR-2026-0001"
    assert book.cell(2, "status") == "待部门负责人签批"
    assert "王芳（部门负责人）" in book.cell(2, "message")
    [to_wang] = mails_to(ws.cfg.outbox_dir, WANG)
    assert "PR-2026-0001" in to_wang.subject
    sign(book, 2, "dept_head", f"同意 {to_wang.code}")
    run_pass(ws)
    assert cell(book, 2, "dept_head") == "✔ 王芳 2026-11-29 10:32"
    assert book.cell(2, "status") == "待采购专员审核"
    [to_sun] = mails_to(ws.cfg.outbox_dir, SUN)
    sign(book, 2, "purchasing_review", f"approve {to_sun.code.lower()}")
    run_pass(ws)
    assert cell(book, 2, "purchasing_review") == "✔ 孙丽 2026-11-29 10:32"
    assert book.cell(2, "status") == "已批准"
    assert cell(book, 2, "gm_signoff") == ""                    # below the GM threshold: no GM step
    assert [m.subject for m in mails_to(ws.cfg.outbox_dir, LI)][-1].count("PR-2026-0001")
    history = [(t["to_state"], t["actor"]) for t in ws.store.transitions("PR-2026-0001")]
    assert history == [("awaiting:dept_head", "李强"), ("awaiting:purchasing_review", "王芳"), ("approved", "孙丽")]


def test_large_request_also_needs_the_general_manager(ws: Workspace) -> None:
    book = submit(ws, quantity=1000, unit_price=150)       # 150,000 > request_gm 100,000
    sign(book, 2, "dept_head", f"同意 {mails_to(ws.cfg.outbox_dir, WANG)[0].code}")
    run_pass(ws)
    sign(book, 2, "purchasing_review", f"同意 {mails_to(ws.cfg.outbox_dir, SUN)[0].code}")
    run_pass(ws)
    assert book.cell(2, "status") == "待总经理审批"
    [to_gm] = mails_to(ws.cfg.outbox_dir, "zhengtao@example.com")
    sign(book, 2, "gm_signoff", f"同意 {to_gm.code}")
    run_pass(ws)
    assert book.cell(2, "status") == "已批准"


@pytest.mark.parametrize(("typed", "fragment", "kept"), [
    ("同意 ABCDEF", "验证码不正确", True),                   # wrong code
    ("王芳", "须用验证码签批", True),                          # a name is not a signature
    ("同意", "无法识别", True),
    ("驳回 {code}", "驳回须写明理由", True),
    ("✔ 王芳 2026-11-29 09:00", "不是系统记录的签批", False),   # a typed stamp is removed
])
def test_refusals_are_explained_in_the_row(ws: Workspace, typed: str, fragment: str, kept: bool) -> None:
    book = submit(ws)
    code = mails_to(ws.cfg.outbox_dir, WANG)[0].code
    sign(book, 2, "dept_head", typed.format(code=code))
    run_pass(ws)
    assert fragment in book.cell(2, "message")
    assert book.cell(2, "status") == "待部门负责人签批"
    assert (cell(book, 2, "dept_head") == typed.format(code=code)) is kept
    refused = ws.store.conn.execute("SELECT typed FROM refusals").fetchall()
    assert refused and all(code not in r["typed"] for r in refused)   # codes never kept in the log


def test_signing_out_of_order_is_refused(ws: Workspace) -> None:
    book = submit(ws)
    sign(book, 2, "purchasing_review", "同意 ABCDEF")
    run_pass(ws)
    assert "未到签批顺序" in book.cell(2, "message")
    assert cell(book, 2, "purchasing_review") == ""
    assert book.cell(2, "status") == "待部门负责人签批"


def test_code_of_another_approver_step_or_record_does_not_sign(ws: Workspace) -> None:
    book = Book(ws.cfg.sheets_dir / BOOK)
    book.put_rows([good_row(), good_row(item="龙骨")])
    run_pass(ws)
    first, second = mails_to(ws.cfg.outbox_dir, WANG)
    codes = {m.text.count("PR-2026-0001") > 0: m.code for m in (first, second)}
    sign(book, 2, "dept_head", f"同意 {codes[False]}")       # PR-0002's code typed into PR-0001
    run_pass(ws)
    assert ws.store.record("PR-2026-0001").state == "awaiting:dept_head"     # it does not sign here
    assert "这是 PR-2026-0002 的验证码" in book.cell(2, "message")          # and is voided (test_misplaced_code)


def test_reused_code_is_refused(ws: Workspace) -> None:
    book = submit(ws)
    code = mails_to(ws.cfg.outbox_dir, WANG)[0].code
    sign(book, 2, "dept_head", f"同意 {code}")
    run_pass(ws)
    book.set(2, "quantity", 11)                      # content changes: route restarts
    run_pass(ws)
    sign(book, 2, "dept_head", f"同意 {code}")       # the old, used code
    run_pass(ws)
    assert "已使用过" in book.cell(2, "message")


def test_code_for_other_content_is_refused(ws: Workspace) -> None:
    book = submit(ws)
    old = mails_to(ws.cfg.outbox_dir, WANG)[0].code
    book.set(2, "quantity", 11)
    run_pass(ws)
    sign(book, 2, "dept_head", f"同意 {old}")
    run_pass(ws)
    assert "修改前的内容" in book.cell(2, "message")
    new = mails_to(ws.cfg.outbox_dir, WANG)[-1].code
    assert new != old
    sign(book, 2, "dept_head", f"同意 {new}")
    run_pass(ws)
    assert book.cell(2, "status") == "待采购专员审核"


def test_expired_code_is_refused_and_a_new_one_sent(ws: Workspace) -> None:
    book = submit(ws)
    code = mails_to(ws.cfg.outbox_dir, WANG)[0].code
    later(ws, hours=73)
    sign(book, 2, "dept_head", f"同意 {code}")
    run_pass(ws)
    assert "已过期" in book.cell(2, "message")
    fresh = mails_to(ws.cfg.outbox_dir, WANG)[-1].code
    assert fresh != code
    sign(book, 2, "dept_head", f"同意 {fresh}")
    run_pass(ws)
    assert book.cell(2, "status") == "待采购专员审核"


def test_too_many_wrong_codes_void_the_step_codes(ws: Workspace) -> None:
    """The lock itself (what counts, how long, who is told) is in test_guessing.py."""
    book = submit(ws)
    code = mails_to(ws.cfg.outbox_dir, WANG)[0].code
    for wrong in ("ABCDEF", "ABCDEG", "ABCDEH", "ABCDEJ", "ABCDEK"):
        sign(book, 2, "dept_head", f"同意 {wrong}")
        run_pass(ws)
    assert "已锁定至 2026-11-29 10:47" in book.cell(2, "message")
    later(ws, minutes=16)
    sign(book, 2, "dept_head", f"同意 {code}")
    run_pass(ws)
    assert "已作废" in book.cell(2, "message")
    sign(book, 2, "dept_head", "验证码")
    run_pass(ws)
    sign(book, 2, "dept_head", f"同意 {mails_to(ws.cfg.outbox_dir, WANG)[-1].code}")
    run_pass(ws)
    assert book.cell(2, "status") == "待采购专员审核"


def test_new_code_on_request(ws: Workspace) -> None:
    book = submit(ws)
    sign(book, 2, "dept_head", "验证码")
    run_pass(ws)
    assert len(mails_to(ws.cfg.outbox_dir, WANG)) == 2
    assert cell(book, 2, "dept_head") == ""
    assert "新验证码已发送" in book.cell(2, "message")


def test_new_codes_on_request_are_capped_per_day_so_nobody_floods_the_approver(ws: Workspace) -> None:
    book = submit(ws)                                        # the first code: 1 of the day's 5
    for _ in range(6):
        sign(book, 2, "dept_head", "验证码")
        run_pass(ws)
    assert len(mails_to(ws.cfg.outbox_dir, WANG)) == 5
    assert cell(book, 2, "dept_head") == ""
    assert "24 小时内已为「部门负责人签批」发送 5 次验证码" in book.cell(2, "message")
    latest = mails_to(ws.cfg.outbox_dir, WANG)[-1].code
    later(ws, hours=25)                                      # a day on: the reminder falls due (a code) …
    sign(book, 2, "dept_head", "验证码")
    run_pass(ws)                                             # … and the request is honoured again
    assert len(mails_to(ws.cfg.outbox_dir, WANG)) == 7 and "新验证码已发送" in book.cell(2, "message")
    sign(book, 2, "dept_head", f"同意 {mails_to(ws.cfg.outbox_dir, WANG)[-1].code}")
    run_pass(ws)
    assert book.cell(2, "status") == "待采购专员审核" and latest != mails_to(ws.cfg.outbox_dir, WANG)[-1].code


def test_content_change_after_signing_restarts_the_route(ws: Workspace) -> None:
    book = submit(ws)
    sign(book, 2, "dept_head", f"同意 {mails_to(ws.cfg.outbox_dir, WANG)[0].code}")
    run_pass(ws)
    book.set(2, "quantity", 500)
    run_pass(ws)
    assert cell(book, 2, "dept_head") == ""                          # the stamp no longer covers it
    assert book.cell(2, "status") == "待部门负责人签批"
    assert "已修改" in book.cell(2, "message") or "重新送签" in book.cell(2, "message")
    told = [m for m in mails_to(ws.cfg.outbox_dir, WANG) if "PR-2026-0001" in m.subject]
    assert len(told) == 3            # the first code, "your sign-off no longer covers it", the new code
    assert ws.store.record("PR-2026-0001").route_version == 2


def test_rejection_goes_back_to_the_applicant_and_resubmission_restarts(ws: Workspace) -> None:
    book = submit(ws)
    sign(book, 2, "dept_head", f"驳回 {mails_to(ws.cfg.outbox_dir, WANG)[0].code} 数量偏多，请核实")
    run_pass(ws)
    assert cell(book, 2, "dept_head") == "✘ 王芳 2026-11-29 10:32 驳回：数量偏多，请核实"
    assert book.cell(2, "status") == "已驳回"
    [to_li] = mails_to(ws.cfg.outbox_dir, LI)
    assert "数量偏多，请核实" in to_li.text
    book.set(2, "quantity", 6)                                       # fixed and saved: resubmitted
    run_pass(ws)
    assert book.cell(2, "status") == "待部门负责人签批"
    assert cell(book, 2, "dept_head") == ""
    first_code, told, new_code = mails_to(ws.cfg.outbox_dir, WANG)   # told: what she rejected came back changed
    assert new_code.code != first_code.code and "PR-2026-0001" in told.subject


def test_clearing_the_rejection_resubmits_unchanged(ws: Workspace) -> None:
    book = submit(ws)
    sign(book, 2, "dept_head", f"驳回 {mails_to(ws.cfg.outbox_dir, WANG)[0].code} 请补充说明")
    run_pass(ws)
    sign(book, 2, "dept_head", None)
    run_pass(ws)
    assert book.cell(2, "status") == "待部门负责人签批"


def test_absent_approver_deputy_signs_and_stamp_says_so(make_workspace) -> None:
    ws = make_workspace(config_extra="")
    config = ws.root / "config.toml"
    text = config.read_text("utf-8").replace('deputy = "zhougang"',
                                             'deputy = "zhougang"\nabsent = [{ from = 2026-11-28, to = 2026-12-02 }]')
    config.write_text(text, "utf-8")
    ws.close()
    ws = make_workspace()
    book = submit(ws)
    sign(book, 2, "dept_head", f"同意 {mails_to(ws.cfg.outbox_dir, WANG)[0].code}")
    run_pass(ws)
    assert mails_to(ws.cfg.outbox_dir, SUN) == []                    # 孙丽 is away
    [to_zhou] = mails_to(ws.cfg.outbox_dir, "zhougang@example.com")
    assert "孙丽" in to_zhou.text
    sign(book, 2, "purchasing_review", f"同意 {to_zhou.code}")
    run_pass(ws)
    assert cell(book, 2, "purchasing_review") == "✔ 周刚（代 孙丽） 2026-11-29 10:32"


def test_applicant_who_heads_the_department_is_signed_for_by_their_superior(ws: Workspace) -> None:
    book = submit(ws, applicant="王芳")
    assert mails_to(ws.cfg.outbox_dir, WANG) == []                   # never a code for one's own request
    [to_wu] = mails_to(ws.cfg.outbox_dir, "wujun@example.com")
    sign(book, 2, "dept_head", f"同意 {to_wu.code}")
    run_pass(ws)
    assert cell(book, 2, "dept_head") == "✔ 吴军（代 王芳） 2026-11-29 10:32"


def test_dept_head_of_another_department_gets_no_code(ws: Workspace) -> None:
    submit(ws)
    assert mails_to(ws.cfg.outbox_dir, "liuyang@example.com") == []   # head of 设计部


def test_codes_are_stored_only_as_hashes(ws: Workspace) -> None:
    book = submit(ws)
    code = mails_to(ws.cfg.outbox_dir, WANG)[0].code
    ws.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for path in ws.root.glob("sheetflow.db*"):
        assert code.encode() not in path.read_bytes()
    assert cell(book, 2, "dept_head") == ""


@pytest.fixture
def ws_names(make_workspace) -> Workspace:
    ws = make_workspace()
    config = ws.root / "config.toml"
    config.write_text(config.read_text("utf-8").replace("codes = true", "codes = false"), "utf-8")
    ws.close()
    return make_workspace()


@pytest.mark.parametrize(("typed", "fragment"), [
    ("赵敏", "不是可签批的部门负责人"),          # a person without the role
    ("刘洋", "不是可签批的部门负责人"),          # the head of another department
    ("钱多多", "不是登记的人员"),
])
def test_without_codes_the_name_must_hold_the_role(ws_names: Workspace, typed: str, fragment: str) -> None:
    book = submit(ws_names)
    sign(book, 2, "dept_head", typed)
    run_pass(ws_names)
    assert fragment in book.cell(2, "message")
    assert book.cell(2, "status") == "待部门负责人签批"


def test_without_codes_the_applicant_cannot_approve_own_request(ws_names: Workspace) -> None:
    book = submit(ws_names, applicant="王芳")
    sign(book, 2, "dept_head", "王芳")
    run_pass(ws_names)
    assert "不能审批自己的申请" in book.cell(2, "message")


def test_without_codes_a_name_signs(ws_names: Workspace) -> None:
    book = submit(ws_names)
    assert "请在「部门负责人签批」栏填写本人姓名" in book.cell(2, "message")
    sign(book, 2, "dept_head", "Wang Fang")
    run_pass(ws_names)
    assert cell(book, 2, "dept_head") == "✔ 王芳 2026-11-29 10:32"
    assert book.cell(2, "status") == "待采购专员审核"


def test_reminders_once_per_period_then_the_superior(ws: Workspace) -> None:
    submit(ws)
    assert len(mails_to(ws.cfg.outbox_dir, WANG)) == 1
    later(ws, hours=25)
    run_pass(ws)
    run_pass(ws)                                            # a second pass in the same period sends nothing
    reminders = mails_to(ws.cfg.outbox_dir, WANG)
    assert len(reminders) == 2 and reminders[-1].code != reminders[0].code
    assert mails_to(ws.cfg.outbox_dir, "wujun@example.com") == []
    later(ws, hours=24)
    run_pass(ws)
    run_pass(ws)
    assert len(mails_to(ws.cfg.outbox_dir, WANG)) == 3
    [escalation] = mails_to(ws.cfg.outbox_dir, "wujun@example.com")    # 王芳's superior
    assert "王芳" in escalation.text and "PR-2026-0001" in escalation.text


def test_mail_problem_reported_in_the_row(ws: Workspace) -> None:
    book = submit(ws)
    with ws.store.transaction():
        ws.store.flag_record("PR-2026-0001", "邮件无法送达 王芳 <wangfang@example.com>：550 no such user")
    run_pass(ws)
    assert "550 no such user" in book.cell(2, "message")


def test_every_mail_is_an_eml_file_with_its_own_message_id(ws: Workspace) -> None:
    book = Book(ws.cfg.sheets_dir / BOOK)
    book.put_rows([good_row(), good_row(item="龙骨")])
    run_pass(ws)
    run_pass(ws)
    sent = mails(ws.cfg.outbox_dir)
    assert len(sent) == 2


def test_example_workspace_shows_the_whole_path(tmp_path) -> None:
    """scripts/demo_signing.py does on the example what the two approvers would do with their mail."""
    import subprocess
    import sys
    from pathlib import Path

    from processors.init_workspace import init_workspace

    root = tmp_path / "example"
    init_workspace(root, sample=True)
    script = Path(__file__).resolve().parent.parent / "scripts" / "demo_signing.py"
    proc = subprocess.run([sys.executable, str(script), str(root)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "PR-2026-0007: approved" in proc.stdout                       # the first of the rows left for you
    book = Book(root / "sheets" / BOOK)
    assert cell(book, 8, "dept_head").startswith("✔ 王芳 ")
    assert cell(book, 8, "purchasing_review").startswith("✔ 孙丽 ")
    assert book.cell(8, "status") == "已批准"
    assert len(list((root / "outbox").glob("PR-2026-0007-*.eml"))) == 3   # two codes and the applicant's notice


def test_approver_who_lost_the_role_cannot_use_their_code(make_workspace) -> None:
    ws = make_workspace()
    book = submit(ws)
    code = mails_to(ws.cfg.outbox_dir, WANG)[0].code
    ws.close()
    config = ws.root / "config.toml"
    config.write_text(config.read_text("utf-8").replace(
        'roles = ["department_head", "engineering_head", "requester"]', 'roles = ["engineering_head"]'), "utf-8")
    ws = make_workspace()
    sign(book, 2, "dept_head", f"同意 {code}")
    run_pass(ws)
    assert "不是可签批的部门负责人" in book.cell(2, "message")
    assert book.cell(2, "status") == "待部门负责人签批"


def test_step_only_for_non_standard_items(make_workspace) -> None:
    """A workspace's own form: the purchasing review only for non-standard items (a `when` on a field)."""
    from processors.resources import bundled_dir

    ws = make_workspace()
    text = (bundled_dir("forms") / "purchase_request.toml").read_text("utf-8").replace(
        'column = "purchasing_review"\n', 'column = "purchasing_review"\nwhen = { field = "item_type", equals = '
        '"nonstandard" }\n', 1)
    (ws.root / "forms").mkdir(exist_ok=True)
    (ws.root / "forms" / "purchase_request.toml").write_text(text, "utf-8")
    ws.close()
    ws = make_workspace()
    book = Book(ws.cfg.sheets_dir / BOOK)
    book.put_rows([good_row(), good_row(item="异形灯", item_type="非常规", attachment="定制，见图纸")])
    run_pass(ws)
    for row in (2, 3):
        key = book.system(row)["key"]
        code = next(m.code for m in mails_to(ws.cfg.outbox_dir, WANG) if key in m.subject)
        sign(book, row, "dept_head", f"同意 {code}")
    run_pass(ws)
    assert book.cell(2, "status") == "已批准"          # standard: no purchasing review
    assert book.cell(3, "status") == "待采购专员审核"  # non-standard: reviewed
    sign(book, 2, "purchasing_review", "同意 ABCDEF")
    run_pass(ws)
    assert "本申请不需要「采购专员审核」" in book.cell(2, "message")
    assert cell(book, 2, "purchasing_review") == ""
