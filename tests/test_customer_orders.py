"""Customer orders (C1, C2): accepted and binding, confirmed within working minutes, escalated, amended.

Real workbooks, a real store, mail as .eml files in the outbox; the clock is passed in (fixed per pass, or
moving for `watch`).
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from approvals_helpers import mails
from sales_flow import DESK, HEAD, MONDAY, SalesFlow, Shifted, so_row
from waiting import wait_for

from processors.init_workspace import init_workspace
from processors.kinds import kind_for
from processors.passes import run_pass
from processors.sales.sample_orders import order_steps
from processors.sample_story import Story
from processors.watch import watch
from processors.workspace import Workspace


@pytest.fixture
def flow(tmp_path: Path) -> SalesFlow:
    f = SalesFlow(tmp_path)
    yield f
    f.close()


def test_an_accepted_order_is_numbered_and_the_desk_told_at_once_with_the_deadline(flow: SalesFlow) -> None:
    flow.order()
    row = flow.so.row(2)
    assert row["key"] == "SO-2026-0001"
    assert row["status"] == "待客户确认"
    assert "2026-11-30 10:10 前与客户确认" in row["message"]
    duty = flow.mails(DESK)
    assert len(duty) == 1 and "SO-2026-0001" in duty[0].subject and "10:10" in duty[0].subject
    assert "岩板餐桌" in duty[0].text and "10,720.00" in duty[0].text   # 2 × 3680 + 8 × 420
    assert flow.mails(HEAD) == []


@pytest.mark.parametrize(("accepted", "due"), [
    (dt.datetime(2026, 11, 30, 10, 0), "2026-11-30 10:10"),     # working hours
    (dt.datetime(2026, 11, 30, 11, 55), "2026-11-30 13:05"),    # across lunch
    (dt.datetime(2026, 12, 4, 17, 55), "2026-12-07 09:05"),     # Friday evening → Monday
    (dt.datetime(2026, 11, 29, 10, 0), "2026-11-30 09:10"),     # a Sunday: the clock starts on Monday
    (dt.datetime(2026, 10, 1, 10, 0), "2026-10-08 09:10"),      # National Day week
    (dt.datetime(2026, 10, 9, 18, 30), "2026-10-10 09:10"),     # the make-up Saturday is a working day
    (dt.datetime(2026, 2, 13, 17, 55), "2026-02-14 09:05"),     # Spring Festival's make-up Saturday
    (dt.datetime(2026, 2, 14, 17, 55), "2026-02-24 09:05"),     # then the week off
])
def test_the_ten_minutes_run_on_working_time(tmp_path: Path, accepted: dt.datetime, due: str) -> None:
    flow = SalesFlow(tmp_path, now=accepted)
    try:
        flow.order(delivery_date=dt.date(2027, 3, 1))
        assert f"{due} 前与客户确认" in flow.so.cell(2, "message")
        deadline = dt.datetime.fromisoformat(due).replace(tzinfo=flow.ws.cfg.tz)
        assert kind_for(flow.ws, flow.ws.forms["customer_order"]).next_due() == deadline
        assert flow.ws.next_due is not None and flow.ws.next_due <= deadline   # (the 18:00 backup may come first)
    finally:
        flow.close()


def test_the_head_is_told_once_when_the_minutes_pass_without_a_confirmation(flow: SalesFlow) -> None:
    flow.order()
    flow.at(MONDAY + dt.timedelta(minutes=9, seconds=59))
    flow.run()
    assert flow.so.cell(2, "status") == "待客户确认" and flow.mails(HEAD) == []
    flow.at(MONDAY + dt.timedelta(minutes=10))
    flow.run()
    row = flow.so.row(2)
    assert row["status"] == "超时未确认"
    assert "10:10 前未记录与客户的确认" in row["message"]
    told = flow.mails(HEAD)
    assert len(told) == 1 and "超时未确认" in told[0].subject and "何静" in told[0].text
    flow.at(MONDAY + dt.timedelta(minutes=30))
    flow.run()
    assert len(flow.mails(HEAD)) == 1


@pytest.mark.parametrize(("at", "status", "says"), [
    ("2026-11-30 10:07", "已确认", "接单后 7 个工作分钟，按时"),
    ("10:07", "已确认", "接单后 7 个工作分钟，按时"),                  # the time alone, on the day
    (dt.datetime(2026, 11, 30, 10, 4), "已确认", "接单后 4 个工作分钟，按时"),   # a real date-time cell
])
def test_a_logged_confirmation_in_time(flow: SalesFlow, at: object, status: str, says: str) -> None:
    flow.order()
    flow.at(MONDAY + dt.timedelta(minutes=8))
    flow.confirm(at=at)
    row = flow.so.row(2)
    assert row["status"] == status
    assert says in row["message"] and "电话" in row["message"] and "何静" in row["message"]
    flow.at(MONDAY + dt.timedelta(hours=1))
    flow.run()
    assert flow.mails(HEAD) == [] and flow.so.cell(2, "status") == "已确认"


def test_a_confirmation_after_the_escalation_is_kept_as_late(flow: SalesFlow) -> None:
    flow.order()
    flow.at(MONDAY + dt.timedelta(minutes=15))
    flow.run()
    flow.at(MONDAY + dt.timedelta(minutes=20))
    flow.confirm(at="10:18")
    row = flow.so.row(2)
    assert row["status"] == "逾时确认"
    assert "逾时 8 分钟" in row["message"]


@pytest.mark.parametrize(("values", "says"), [
    ({"confirmed_at": "10:07"}, "还须填写 确认方式、确认人"),
    ({"confirmed_at": "10:07", "confirmed_how": "电话", "confirmed_by": "路人甲"}, "不是 config.toml 中的人员"),
    ({"confirmed_at": "11:30", "confirmed_how": "电话", "confirmed_by": "何静"}, "还没到"),
])
def test_a_confirmation_that_cannot_count_says_why_and_the_clock_runs_on(flow: SalesFlow, values: dict[str, str],
                                                                         says: str) -> None:
    flow.order()
    flow.at(MONDAY + dt.timedelta(minutes=8))
    flow.so.set(2, **values)
    flow.run()
    assert says in flow.so.cell(2, "message")
    assert flow.so.cell(2, "status") == "待客户确认"


def test_a_bad_item_line_is_named_and_the_next_order_is_still_accepted(flow: SalesFlow) -> None:
    flow.so.put([so_row(items="岩板餐桌 | 1.8m | 张 | 2\n餐椅 | 布艺 | 把 | 8 | 420"), so_row("静安样板间")])
    flow.run()
    assert "第 1 行“岩板餐桌 | 1.8m | 张 | 2”不是 名称 | 规格 | 单位 | 数量 | 单价 五项" in flow.so.cell(2, "message")
    assert flow.so.cell(2, "key") == ""
    assert flow.so.cell(3, "key") == "SO-2026-0001" and flow.so.cell(3, "status") == "待客户确认"


def test_a_delivery_date_already_past_is_refused_in_the_row(flow: SalesFlow) -> None:
    flow.order(delivery_date=dt.date(2026, 11, 27))
    assert "「交货日期」2026-11-27 已经过去" in flow.so.cell(2, "message") and flow.so.cell(2, "key") == ""


def test_while_the_desk_is_away_its_deputy_is_told(tmp_path: Path) -> None:
    flow = SalesFlow(tmp_path)
    config = tmp_path / "config.toml"
    text = config.read_text(encoding="utf-8")
    away = 'roles = ["sales", "order_desk"]\nabsent = [{ from = 2026-11-30, to = 2026-12-01 }]'
    config.write_text(text.replace('roles = ["sales", "order_desk"]', away), encoding="utf-8")
    flow.at(MONDAY)
    try:
        flow.order()
        assert flow.mails(DESK) == []
        assert len(flow.mails("sunli@example.com")) == 1    # 孙丽, 何静's deputy
    finally:
        flow.close()


def test_an_accepted_order_is_binding_an_edit_is_put_back(flow: SalesFlow) -> None:
    flow.order()
    flow.so.set(2, delivery_date=dt.date(2026, 12, 25))
    flow.run()
    assert flow.so.cell(2, "delivery_date") == "2026-12-18"
    assert "修订" in flow.so.cell(2, "message") or "修改" in flow.so.cell(2, "message")


def test_an_amendment_keeps_the_original_says_what_differs_and_is_confirmed_again(flow: SalesFlow) -> None:
    flow.order()
    flow.confirm()
    flow.at(MONDAY + dt.timedelta(hours=2))
    flow.so.put([so_row(delivery_date=dt.date(2026, 12, 22), amends="so-2026-0001")], start=3)
    flow.run()
    amended = flow.so.row(3)
    assert amended["key"] == "SO-2026-0001-1" and amended["status"] == "待客户确认"
    assert "修订 SO-2026-0001：交货日期：2026-12-18 → 2026-12-22" in amended["message"]
    assert "13:10 前与客户确认" in amended["message"]   # accepted at 12:00: the clock starts after lunch
    original = flow.so.row(2)
    assert original["status"] == "已被修订" and "SO-2026-0001-1" in original["message"]
    duty = [m for m in flow.mails(DESK) if "SO-2026-0001-1" in m.subject]
    assert len(duty) == 1 and "2026-12-18 → 2026-12-22" in duty[0].text
    assert flow.ws.store.record("SO-2026-0001").data["delivery_date"] == "2026-12-18"   # the original is kept


@pytest.mark.parametrize(("amends", "says"), [
    ("SO-2026-0001", "修订单与原单内容相同"),
    ("SO-2026-0099", "不是可修订的客户订单编号"),
])
def test_an_amendment_that_changes_nothing_or_names_no_order_is_refused(flow: SalesFlow, amends: str,
                                                                        says: str) -> None:
    flow.order()
    flow.so.put([so_row(amends=amends)], start=3)
    flow.run()
    assert says in flow.so.cell(3, "message") and flow.so.cell(3, "key") == ""


def test_watch_wakes_for_the_deadline_between_ticks(tmp_path: Path) -> None:
    """tick_seconds is an hour: only the deadline the kind gave (`next_due`) can bring the escalation."""
    flow = SalesFlow(tmp_path, config="")
    config = tmp_path / "config.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("tick_seconds = 30", "tick_seconds = 3600"),
                      encoding="utf-8")
    flow.close()
    clock = Shifted(MONDAY)
    stop, opened = threading.Event(), []

    def run() -> None:   # the store's connection belongs to the thread that opens it
        ws = Workspace(tmp_path, clock=clock)
        opened.append(ws)
        try:
            watch(ws, stop=stop)
        finally:
            ws.close()

    runner = threading.Thread(target=run, daemon=True)
    runner.start()
    try:
        assert wait_for(lambda: opened, timeout=30) is not None
        flow.so.put([so_row()])
        assert wait_for(lambda: flow.mails(DESK), timeout=30) is not None    # accepted: the desk told
        assert flow.mails(HEAD) == []
        clock.jump(dt.timedelta(minutes=10))
        assert wait_for(lambda: flow.mails(HEAD), timeout=30) is not None
    finally:
        stop.set()
        runner.join(timeout=30)


@pytest.mark.parametrize("today", [dt.date(2026, 12, 7), dt.date(2026, 10, 8)], ids=["a Monday", "after National Day"])
def test_the_example_orders_replay_at_every_stage_on_working_days(tmp_path: Path, today: dt.date) -> None:
    root = tmp_path / "ws"
    init_workspace(root)
    story = Story(root, today)
    try:
        steps = sorted(order_steps(story), key=lambda s: (-s[0], s[1]))
        for days_ago, hour, action in steps:
            story.at(days_ago, hour)
            action()
            if days_ago:
                story.run(days_ago, hour)
        ws = story.at(0, 9)
        run_pass(ws)      # your first pass: this morning's order is accepted
        states = sorted(r.state for r in ws.store.records("customer_order"))
        late = next(r for r in ws.store.records("customer_order") if r.state == "confirmed_late")
        head_told = [m for m in mails(root / "outbox") if HEAD in m.to and "超时未确认" in m.subject]
    finally:
        story.close()
    assert states == ["awaiting_confirmation", "confirmed", "confirmed", "confirmed_late", "superseded"]
    assert late.data["customer"] == "徐汇滨江样板房项目部" and len(head_told) == 1
