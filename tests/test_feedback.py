"""Customer feedback (C5): routed to whoever resolves its kind, tracked against working hours, the outcome mailed
with a one-time rating code, the rating recorded (entered, or by reply code), closed, and summarised monthly."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import openpyxl
import pytest
from conftest import TZ
from documents_helpers import pypdf_text
from feedback_flow import FRIDAY, FeedbackFlow, feedback_row
from orders_helpers import FormSheet
from pypdf import PdfReader
from sales_flow import so_row

from processors.mail import outbox
from processors.sales.feedback_rating import parse_rating
from processors.sales.feedback_summary import summary_paths

MONDAY = dt.datetime(2026, 12, 7, 9, 0)
TUESDAY = dt.datetime(2026, 12, 8, 16, 0)        # 交付 = 16 working hours after Friday 16:00


@pytest.fixture
def flow(tmp_path: Path) -> Iterator[FeedbackFlow]:
    f = FeedbackFlow(tmp_path / "ws")
    yield f
    f.close()


def resolved(flow: FeedbackFlow, **row: object) -> str:
    """One delivery complaint in, resolved on Monday morning: its number."""
    flow.put(feedback_row(**row))
    flow.at(MONDAY + dt.timedelta(hours=1))
    flow.set(2, resolution="已补发并致歉")
    return flow.row()["key"]


# -- routed and timed ---------------------------------------------------------------------------------

def test_a_feedback_goes_to_the_resolver_of_its_kind_with_a_deadline_in_working_hours(flow: FeedbackFlow) -> None:
    flow.put(feedback_row(), feedback_row(kind="质量", said="门板划痕"), feedback_row(kind="价格", said="报价偏高"))
    rows = [flow.row(r) for r in (2, 3, 4)]
    assert [r["key"] for r in rows] == ["FB-2026-0001", "FB-2026-0002", "FB-2026-0003"]
    assert {r["status"] for r in rows} == {"处理中"}
    assert "何静" in rows[0]["message"] and "2026-12-08 16:00" in rows[0]["message"]   # over the weekend
    assert "马骏" in rows[1]["message"] and "48 个工作小时" in rows[1]["message"]
    assert "周刚" in rows[2]["message"] and "24 个工作小时" in rows[2]["message"]       # the default resolver
    told = flow.mails(subject="【客户反馈待处理】")
    assert sorted(m.to.split(" <")[0] for m in told) == ["何静", "周刚", "马骏"]
    assert "衣柜晚到两天" in flow.mails(to="hejing@")[0].text
    flow.run()
    assert len(flow.mails(subject="【客户反馈待处理】")) == 3                          # once, however many passes


def test_a_named_owner_takes_it_and_must_be_someone_with_a_role(flow: FeedbackFlow) -> None:
    flow.put(feedback_row(owner="马骏"), feedback_row(owner="张三"), feedback_row(received_at=FRIDAY + dt.timedelta(
        days=1)))
    assert flow.row(2)["key"] and "马骏" in flow.row(2)["message"]
    assert flow.mails(to="majun@") and not flow.mails(to="hejing@")
    assert flow.row(3)["key"] == "" and "张三" in flow.row(3)["message"] and "config.toml" in flow.row(3)["message"]
    assert flow.row(4)["key"] == "" and "还没到" in flow.row(4)["message"]            # received in the future


def test_the_order_it_concerns_must_be_on_record_and_gives_the_customers_email(flow: FeedbackFlow) -> None:
    orders = FormSheet(flow.ws, "customer_order")
    orders.put([so_row()])
    flow.run()
    number = orders.cell(2, "key")
    assert number == "SO-2026-0001"
    flow.put(feedback_row(concerns=number.lower(), email=None), feedback_row(concerns="SO-2026-0099"))
    assert flow.row(3)["key"] == "" and "SO-2026-0099" in flow.row(3)["message"]
    assert flow.record(2).data["concerns"] == number
    flow.set(2, resolution="已补发")
    assert [m.subject for m in flow.mails(to="chen@mingzhai.example.com")] == [
        "【您的反馈处理结果】FB-2026-0001 府尚装饰工程有限公司"]                   # the order's customer email


def test_past_the_deadline_the_owner_is_reminded_and_their_superior_told_once(flow: FeedbackFlow) -> None:
    flow.put(feedback_row())
    flow.at(TUESDAY - dt.timedelta(minutes=1))
    flow.run()
    assert flow.ws.next_due == TUESDAY.replace(tzinfo=TZ)                 # watch wakes at the deadline
    assert flow.row()["status"] == "处理中" and not flow.mails(subject="超时")
    flow.at(TUESDAY)
    flow.run()
    flow.run()
    assert flow.record().state == "overdue"
    assert len(flow.mails(to="hejing@", subject="【客户反馈已超时】")) == 1
    assert len(flow.mails(to="zhougang@", subject="【客户反馈超时未解决】")) == 1          # 何静's superior
    flow.run()                                              # the rewrite the timer asked for
    assert flow.row()["status"] == "已超时" and "周刚" in flow.row()["message"]


# -- resolved, rated, closed --------------------------------------------------------------------------

def test_the_outcome_goes_to_the_customer_with_a_code_only_they_hold(flow: FeedbackFlow) -> None:
    key = resolved(flow)
    assert flow.record().state == "resolved" and flow.row()["status"] == "待评分"
    assert "在目标 16 小时内" in flow.row()["message"] and "chen@yiju.example.com" in flow.row()["message"]
    mail = flow.mails(to="chen@yiju.example.com")
    assert len(mail) == 1 and "已补发并致歉" in mail[0].text
    code = flow.code(key)
    row = outbox.get(flow.ws.store, f"{key}:outcome")
    assert row is not None and code not in (row.body_text or "")          # masked in the store once sent
    db = sqlite3.connect(flow.ws.cfg.state_path)
    try:
        kept = db.execute("SELECT person, hash FROM codes").fetchall()
    finally:
        db.close()
    assert kept == [("customer:chen@yiju.example.com", kept[0][1])] and code.encode() not in kept[0][1]


def test_the_customers_reply_with_the_code_closes_it_by_reply_code(flow: FeedbackFlow) -> None:
    key = resolved(flow)
    code = flow.code(key)
    wrong = "ABCDEF" if code != "ABCDEF" else "ABCDEG"
    flow.set(2, rating=f"满意 5 {wrong}")
    assert flow.record().state == "resolved" and "评分码不对" in flow.row()["message"]
    flow.set(2, rating=f"非常满意 5 {code.lower()}，谢谢")
    record = flow.record()
    assert record.state == "closed" and record.data["rating_score"] == "5" and record.data["rating_by"] == "code"
    assert flow.row()["status"] == "已关闭" and "回复评分码" in flow.row()["message"]
    flow.set(2, said="改了内容")                                          # what was said is fixed once rated
    assert flow.sheet.cell(2, "said") == "衣柜晚到两天"


def test_a_used_code_does_not_rate_again_and_a_plain_score_is_entered_in_the_row(flow: FeedbackFlow) -> None:
    key = resolved(flow)
    code = flow.code(key)
    flow.put(feedback_row(customer="杭州安居装饰有限公司", email="li@anju.example.com"), start=3)
    flow.set(3, resolution="已处理")
    flow.set(3, rating=f"4 {code}")                        # another feedback's code
    assert flow.record(3).state == "resolved" and "评分码" in flow.row(3)["message"]
    flow.set(3, rating="4分")
    assert flow.record(3).data["rating_by"] == "row" and "表中录入" in flow.row(3)["message"]


def test_too_many_wrong_codes_void_the_code(tmp_path: Path) -> None:
    flow = FeedbackFlow(tmp_path / "ws", replace=("max_attempts = 5", "max_attempts = 2"))
    try:
        key = resolved(flow)
        code = flow.code(key)
        for wrong in ("ABCDEF", "ABCDEG"):
            flow.set(2, rating=f"5 {wrong if wrong != code else 'ABCDEH'}")
        assert "已作废" in flow.row()["message"]
        flow.set(2, rating=f"5 {code}")
        assert flow.record().state == "resolved" and "已作废" in flow.row()["message"]
    finally:
        flow.close()


def test_a_rating_before_the_resolution_waits_for_it(flow: FeedbackFlow) -> None:
    flow.put(feedback_row(rating="3"))
    assert flow.record().state == "open" and "尚无处理结果" in flow.row()["message"]
    flow.set(2, resolution="已电话沟通")
    record = flow.record()
    assert record.state == "closed" and record.data["rating_score"] == "3"
    assert not flow.mails(to="chen@")                      # rated already: no request to rate


def test_an_unreadable_rating_is_told_and_the_feedback_stays(flow: FeedbackFlow) -> None:
    resolved(flow)
    flow.set(2, rating="还行吧")
    assert flow.record().state == "resolved" and "读不出分数" in flow.row()["message"]


def test_without_an_email_the_row_says_to_tell_the_customer(flow: FeedbackFlow) -> None:
    resolved(flow, email=None)
    assert flow.record().state == "resolved" and "没有客户邮箱" in flow.row()["message"]
    assert not flow.mails(subject="【您的反馈处理结果】")


@pytest.mark.parametrize(("text", "score", "code"), [
    ("5", 5, ""), ("4分", 4, ""), ("满意 5 K7M3QX", 5, "K7M3QX"), ("k7m3qx 2", 2, "K7M3QX"), ("非常满意", 5, ""),
    ("不满意", 2, ""), ("Thanks, 4", 4, ""), ("3 或 4", None, ""), ("10", None, ""), ("还行吧", None, ""),
])
def test_a_rating_reads_a_score_and_perhaps_a_code(text: str, score: int | None, code: str) -> None:
    found = parse_rating(text)
    assert (found.score, found.code) == (score, code)


def test_english_rows_speak_english(tmp_path: Path) -> None:
    flow = FeedbackFlow(tmp_path / "ws", language="en")
    try:
        flow.put(feedback_row(kind="quality"))
        assert flow.row()["status"] == "open" and "48 working hours" in flow.row()["message"]
        assert flow.mails(subject="[Customer feedback to resolve]")
    finally:
        flow.close()


# -- the monthly summary --------------------------------------------------------------------------------

def test_the_summary_counts_by_month_and_kind_and_is_rewritten_only_when_it_changed(flow: FeedbackFlow) -> None:
    flow.ws.generate_outputs = True
    flow.put(feedback_row(), feedback_row(kind="质量", said="门板划痕", received_at=FRIDAY - dt.timedelta(days=35)))
    flow.at(MONDAY + dt.timedelta(hours=1))
    flow.ws.generate_outputs = True
    flow.set(2, resolution="已补发", rating="4")
    xlsx, pdf = summary_paths(flow.ws)
    book = openpyxl.load_workbook(xlsx)
    months = [[c.value for c in row] for row in book["按月汇总"].iter_rows(min_row=2, max_col=10)]
    months = [r for r in months if r[0]]
    assert [r[:5] for r in months[:4]] == [["2026-10", "质量", 1, 0, 1], ["2026-10", "合计", 1, 0, 1],
                                           ["2026-12", "交付", 1, 1, 0], ["2026-12", "合计", 1, 1, 0]]
    december = months[2]
    assert december[5] == 3 and december[7] == 1 and december[9] == 4    # Fri 16–18 + Mon 9–10: 3 h, in target
    assert book["反馈明细"].max_row >= 3
    text = pypdf_text(pdf.read_bytes())
    assert "2026-12" in text and "客户反馈汇总" in text and "FB-2026-0001" in text and "FB-2026-0002" not in text
    assert str(PdfReader(BytesIO(pdf.read_bytes())).metadata.title) == "客户反馈汇总 2026-12"
    before = (xlsx.stat().st_mtime_ns, pdf.read_bytes())
    flow.run()
    assert (xlsx.stat().st_mtime_ns, pdf.read_bytes()) == before          # nothing changed: not rewritten
    flow.set(2, rating="5")
    months = [[c.value for c in row] for row in openpyxl.load_workbook(xlsx)["按月汇总"].iter_rows(min_row=2)]
    assert [r[9] for r in months if r[0] == "2026-12" and r[1] == "交付"] == [5]


# -- the example ----------------------------------------------------------------------------------------

def test_the_example_steps_leave_one_feedback_open_and_one_rated_by_reply_code(tmp_path: Path) -> None:
    from processors.init_workspace import init_workspace
    from processors.sales.sample_feedback import feedback_steps
    from processors.sample_story import Story

    root = tmp_path / "ws"
    init_workspace(root)
    story = Story(root, FRIDAY.date())
    try:
        for days_ago, hour, step in sorted(feedback_steps(story), key=lambda s: (-s[0], s[1])):
            story.at(days_ago, hour)
            step()
            story.run(days_ago, hour)
        assert story.ws is not None
        records = sorted(story.ws.store.records("feedback"), key=lambda r: r.key)
        assert [(r.state, r.data.get("rating_by")) for r in records] == [("closed", "code"), ("open", None)]
    finally:
        story.close()
