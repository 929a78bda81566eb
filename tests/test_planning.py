"""The monthly purchase plan and the fund-use plan (R5), through the sheets: every figure of a line is a column
and is checked here against the example worked by hand; overrides, versions, loops, orders against plan lines,
prices, terms, weeks, and last month against what happened.

The hand-worked example (tests/planning_flow.py): tasks DESK-A 100 (from 12-07) + 50 (from 12-21), CAB-B 40
(from 12-14); one DESK-A takes LEG-SET ×1, BOARD-18 ×2 (+5 % loss), SCREW-M6 ×8; one LEG-SET takes STEEL-TUBE ×4,
SCREW-M6 ×4; one CAB-B takes BOARD-18 ×3, HINGE ×4, SCREW-M6 ×12.

    LEG-SET    made: gross 150 (= 150 desks × 1); on hand 30 → net 120: 120 sets to make
    BOARD-18   gross 150×2×1.05 + 40×3 = 315 + 120 = 435; net 435 − 80 − 0 − 20 + 30 = 365;
               minimum 100 → 365; packs of 50 → 400
    SCREW-M6   gross 150×8 + 120×4 + 40×12 = 1200 + 480 + 480 = 2160; net 2160 − 500 + 200 = 1860 (safety once);
               boxes of 1000 → 2000
    STEEL-TUBE gross 120×4 = 480 (the sets to make, not the 150 desks); net 480 − 60 = 420; minimum 200 → 420
    HINGE      gross 40×4 = 160; on hand 400 covers it: net 0, nothing to buy
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from approvals_helpers import mails
from documents_helpers import pdf_file_text
from orders_flow import line_row, order_row
from planning_flow import DEC, QUOTAS, TASKS, PlanningFlow

from processors.forms.definition import FieldDef
from processors.forms.fields import Problem, convert

HAND = [  # code, level, gross, on hand, on order, reserved, safety, net, suggested, final, needed by
    ("BOARD-18", 1, "435", "80", "0", "20", "30", "365", "400", "400", "2026-12-07"),
    ("HINGE", 1, "160", "400", "0", "0", "0", "0", "0", "0", "2026-12-14"),
    ("SCREW-M6", 2, "2160", "500", "0", "0", "200", "1860", "2000", "2000", "2026-12-07"),
    ("STEEL-TUBE", 2, "480", "60", "0", "0", "0", "420", "420", "420", "2026-12-07"),
]
FIGURES = ("level", "gross", "on_hand", "on_order", "reserved", "safety", "net", "suggested", "final", "needed_by")


@pytest.fixture
def flow(tmp_path: Path) -> Iterator[PlanningFlow]:
    f = PlanningFlow(tmp_path / "ws")
    yield f
    f.close()


def figures(line: dict[str, Any]) -> tuple[Any, ...]:
    return (line["code"], *(line[k] for k in FIGURES))


def book(flow: PlanningFlow, key: str, sheet: str) -> list[list[Any]]:
    path = flow.ws.cfg.output_dir / "月度计划" / f"{key}"
    rows = openpyxl.load_workbook(path)[sheet].iter_rows(values_only=True)
    return [list(r) for r in rows]


def table(flow: PlanningFlow, key: str, sheet: str) -> dict[str, dict[str, Any]]:
    """A generated sheet's rows keyed by their first cell, each cell under its Chinese header."""
    rows = book(flow, key, sheet)
    heads = [str(h).split()[0].split("\n")[0] for h in rows[0]]
    return {str(r[0]): dict(zip(heads, r, strict=False)) for r in rows[1:] if r[0] and r[1] is not None}


# -- the plan, figure by figure -----------------------------------------------------------------------------

def test_every_figure_of_the_plan_is_the_hand_worked_one_and_a_column_of_the_workbook(flow: PlanningFlow) -> None:
    flow.inputs()
    plan = flow.plan()
    assert plan is not None and plan.key == "MP-2026-12" and plan.state == "awaiting:commerce_head"
    lines = flow.plan_lines()
    assert [figures(lines[c]) for c in sorted(lines)] == [h[:2] + h[2:] for h in HAND]
    sheet = table(flow, "MP-2026-12 月度采购计划.xlsx", "采购计划")
    board = sheet["MP-2026-12-01"]
    assert (board["物料编码"], board["毛需求"], board["现有库存"], board["在途订单"], board["已预留"],
            board["安全库存"], board["净需求"], board["最小起订量"], board["包装倍数"], board["建议采购量"],
            board["计划采购量"]) == ("BOARD-18", 435, 80, 0, 20, 30, 365, 100, 50, 400, 400)
    assert sheet["MP-2026-12-02"]["计划采购量"] == 0              # HINGE: stock covers it, and the sheet says so
    made = table(flow, "MP-2026-12 月度采购计划.xlsx", "自制件与产品")
    assert (made["LEG-SET"]["毛需求"], made["LEG-SET"]["现有库存"], made["LEG-SET"]["计划生产量"]) == (150, 30, 120)
    assert made["DESK-A"]["计划生产量"] == 150 and made["CAB-B"]["计划生产量"] == 40
    assert "第 1 版" in flow.cell("monthly_plan", "message") and "本月采购 3 种" in flow.cell("monthly_plan", "message")


def test_each_gross_need_is_the_sum_of_the_needs_the_trace_sheet_names(flow: PlanningFlow) -> None:
    flow.inputs()
    flow.plan()
    rows = book(flow, "MP-2026-12 月度采购计划.xlsx", "需求明细")[1:]
    screws = [r for r in rows if r[0] == "SCREW-M6"]
    assert sorted((r[1], r[3], r[4], r[6]) for r in screws) == [("CAB-B", 40, 12, 480), ("DESK-A", 150, 8, 1200),
                                                              ("LEG-SET", 120, 4, 480)]
    assert sum(r[6] for r in screws) == 2160
    board = [r for r in rows if r[0] == "BOARD-18"]
    assert sorted((r[1], r[5], r[6]) for r in board) == [("CAB-B", 0, 120), ("DESK-A", 5, 315)]
    quota_rows = {r[2] for r in rows if r[2]}
    assert quota_rows <= {flow.cell("bom", "key", n) for n in range(2, 2 + len(QUOTAS))}


def test_safety_stock_is_added_once_for_a_material_several_parents_need(flow: PlanningFlow) -> None:
    """SCREW-M6 is needed by three parents: per demand line the safety stock would be 600, not 200."""
    flow.inputs()
    flow.plan()
    screws = flow.plan_lines()["SCREW-M6"]
    assert Decimal(screws["net"]) == Decimal(screws["gross"]) - Decimal(screws["on_hand"]) + Decimal(screws["safety"])


# -- overrides, versions, approval ---------------------------------------------------------------------------

def test_an_override_is_kept_beside_the_computed_quantity_with_its_reason(flow: PlanningFlow) -> None:
    flow.inputs()
    flow.put("plan_override", {"planner": "孙丽", "month": DEC, "code": "steel-tube", "quantity": 600,
                               "reason": "供应商一月停产检修，多备一批"})
    flow.plan()
    steel = flow.plan_lines()["STEEL-TUBE"]
    assert (steel["suggested"], steel["override"], steel["final"], steel["reason"], steel["by"]) == (
        "420", "600", "600", "供应商一月停产检修，多备一批", "孙丽")
    row = table(flow, "MP-2026-12 月度采购计划.xlsx", "采购计划")["MP-2026-12-04"]
    assert (row["建议采购量"], row["调整后数量"], row["调整理由"], row["调整人"], row["计划采购量"]) == (
        420, 600, "供应商一月停产检修，多备一批", "孙丽", 600)
    assert "调整 1 项" in flow.cell("monthly_plan", "message")
    flow.approve_plan()
    text = pdf_file_text(flow.ws.cfg.output_dir / "MP-2026-12.pdf")
    for expected in ("MP-2026-12-04", "STEEL-TUBE", "供应商一月停产检修，多备一批", "600", "2000", "周刚", "吴军"):
        assert expected in text, expected


def test_a_second_override_of_the_same_material_and_month_is_refused(flow: PlanningFlow) -> None:
    flow.inputs()
    first = {"planner": "孙丽", "month": DEC, "code": "HINGE", "quantity": 100, "reason": "备件"}
    flow.put("plan_override", first, {**first, "quantity": 200})
    assert flow.cell("plan_override", "status", 2) == "已登记"
    assert flow.cell("plan_override", "key", 3) == ""
    message = flow.cell("plan_override", "message", 3)
    assert "HINGE" in message and "第 2 行" in message


def test_a_change_while_the_plan_waits_is_a_new_version_and_signing_starts_again(flow: PlanningFlow) -> None:
    flow.inputs()
    flow.plan()
    flow.set("monthly_plan", 2, commerce_sign="同意 周刚")
    assert flow.record("monthly_plan").state == "awaiting:executive_director"
    flow.sheets["material"].set(3, on_hand=180)            # BOARD-18: 100 more on hand
    flow.run()
    plan = flow.record("monthly_plan")
    assert plan.state == "awaiting:commerce_head"           # the figures they signed are not these
    assert flow.plan_lines()["BOARD-18"]["net"] == "265" and flow.plan_lines()["BOARD-18"]["final"] == "300"
    assert "第 2 版" in flow.cell("monthly_plan", "message")
    versions = book(flow, "MP-2026-12 月度采购计划.xlsx", "版本")[1:]
    assert [v[0] for v in versions if isinstance(v[0], int)] == [1, 2]
    assert [v["version"] for v in flow.ws.store.plan_versions("MP-2026-12")] == [1, 2]


def test_an_approved_plan_is_fixed_and_issued(flow: PlanningFlow) -> None:
    flow.inputs()
    flow.plan()
    plan = flow.approve_plan()
    assert plan.state == "approved"
    before = flow.plan_lines()
    flow.sheets["material"].set(3, on_hand=180)
    flow.run()
    assert flow.plan_lines() == before and flow.record("monthly_plan").state == "approved"
    [mail] = [m for m in mails(flow.ws.cfg.outbox_dir) if "月度采购计划已批准" in m.subject]
    assert "sunli@" in mail.to and "hemei@" in mail.to and "MP-2026-12-01" in mail.text
    assert "MP-2026-12-01" in flow.cell("monthly_plan", "message")


# -- what cannot be computed ------------------------------------------------------------------------------

def test_a_loop_in_the_quotas_is_refused_with_the_rows_that_form_it(flow: PlanningFlow) -> None:
    loop = {"parent": "STEEL-TUBE", "component": "LEG-SET", "per_unit": 1}
    flow.inputs(quotas=[*QUOTAS, loop])
    looped = {n: flow.cell("bom", "status", n) for n in range(2, 2 + len(QUOTAS) + 1)}
    assert looped[5] == looped[10] == "循环引用"                 # LEG-SET → STEEL-TUBE and STEEL-TUBE → LEG-SET
    assert {n for n, s in looped.items() if s != "已登记"} == {5, 10}
    message = flow.cell("bom", "message", 10)
    assert "5" in message and flow.cell("bom", "key", 5) in message and "LEG-SET → STEEL-TUBE → LEG-SET" in message
    flow.plan()
    assert flow.cell("monthly_plan", "key") == "" and "循环引用" in flow.cell("monthly_plan", "message")
    flow.sheets["bom"].set(10, component="HINGE")           # the loop is broken
    flow.run()
    flow.run()
    assert flow.cell("bom", "status", 5) == flow.cell("bom", "status", 10) == "已登记"
    assert flow.cell("monthly_plan", "key") == "MP-2026-12"


@pytest.mark.parametrize(("tasks", "said"), [
    ([], "没有已登记的生产任务"),
    ([{**TASKS[0], "product": "SOFA-Z"}], "SOFA-Z"),
])
def test_a_plan_that_cannot_be_made_says_why_in_its_row(flow: PlanningFlow, tasks: list[dict[str, Any]],
                                                          said: str) -> None:
    flow.inputs(tasks=tasks)
    flow.plan()
    assert flow.cell("monthly_plan", "key") == "" and said in flow.cell("monthly_plan", "message")


# -- orders against the plan -----------------------------------------------------------------------------

def test_orders_are_placed_against_plan_lines_within_what_was_planned(flow: PlanningFlow) -> None:
    flow.inputs()
    flow.plan()
    flow.lines.put([line_row(request="MP-2026-12-01", quantity=400, unit_price=27)])
    flow.run()
    assert "尚未批准" in flow.lines.cell(2, "message")           # the plan waits: nothing to order against yet
    flow.approve_plan()
    flow.run()
    assert flow.lines.cell(2, "status") != "无效" and flow.lines.cell(2, "key")
    flow.lines.put([line_row(request="MP-2026-12-01", quantity=1, unit_price=27),
                    line_row(request="MP-2026-12-09", quantity=1, unit_price=27)], start=3)
    flow.run()
    assert "最多 0" in flow.lines.cell(3, "message")            # 400 planned, 400 taken by the line above
    assert "不是任何月度采购计划的计划行" in flow.lines.cell(4, "message")
    flow.orders.put([order_row()])
    flow.run()
    flow.sign_all()
    assert flow.orders.cell(2, "status") == "已下达"
    assert "MP-2026-12" in flow.ws.store.record(flow.orders.cell(2, "key")).data.get("lines", "")
    sheet = table(flow, "MP-2026-12 月度采购计划.xlsx", "采购计划")
    assert sheet["MP-2026-12-01"]["已下单"] == 400                 # the approved plan's workbook shows it ordered


def test_open_order_lines_count_as_on_order(flow: PlanningFlow) -> None:
    """An order for 100 石膏板 9.5mm placed outside the plan is BOARD-18 on order: 435 − 80 − 100 − 20 + 30 = 265,
    packs of 50 → 300."""
    flow.to_placed()
    flow.inputs()
    flow.plan()
    board = flow.plan_lines()["BOARD-18"]
    assert (board["on_order"], board["net"], board["final"]) == ("100", "265", "300")
    flow.lines.set(2, received_qty=60)                      # 60 delivered: 40 still to come
    flow.run()
    assert flow.plan_lines()["BOARD-18"]["on_order"] == "40"


# -- the fund-use plan -------------------------------------------------------------------------------------

def test_the_fund_plan_waits_for_an_approved_purchase_plan(flow: PlanningFlow) -> None:
    flow.inputs()
    flow.fund()
    assert flow.cell("fund_plan", "key") == "" and "MP-2026-12" in flow.cell("fund_plan", "message")
    flow.plan()
    flow.approve_plan()
    assert flow.cell("fund_plan", "key") == "FP-2026-12"


def test_a_line_priced_at_the_last_order_price_is_paid_on_delivery_with_what_open_orders_owe(
        flow: PlanningFlow) -> None:
    """No price approved: BOARD-18 (300 after the open order) at that order's 27.00 = 8,100.00, paid on the day
    it is needed (12-07, week of 12-07); the open order's 2,700.00 on its delivery date 12-20 (week of 12-14);
    the other lines have no price and count nothing."""
    flow.to_placed()
    flow.inputs()
    flow.plan()
    flow.approve_plan()
    fund = flow.fund()
    assert fund is not None
    lines = {ln["code"]: ln for ln in json.loads(fund.data["lines"])}
    board = lines["BOARD-18"]
    order = flow.orders.cell(2, "key")
    assert (board["quantity"], board["unit_price"], board["amount"], board["source"], board["source_ref"]) == (
        "300", "27", "8100.00", "last_order", order)
    assert board["payments"] == [["2026-12-07", "8100.00", "delivery"]]
    assert lines["SCREW-M6"]["source"] == "none" and lines["SCREW-M6"]["amount"] == "0.00"
    assert json.loads(fund.data["weeks"]) == [["2026-12-07", "8100.00", "0", "8100.00"],
                                              ["2026-12-14", "0", "2700.00", "2700.00"]]
    assert (fund.data["planned"], fund.data["owed_total"], fund.data["total"]) == ("8100.00", "2700.00", "10800.00")
    assert "2 行没有核准价" in flow.cell("fund_plan", "message")
    sheet = table(flow, "FP-2026-12 资金使用计划.xlsx", "资金明细")
    assert (sheet["MP-2026-12-01"]["金额"], sheet["MP-2026-12-01"]["价格来源"]) == (8100, "最近订单价")
    weeks = table(flow, "FP-2026-12 资金使用计划.xlsx", "按周")
    assert weeks["2026-12-14"]["在途订单"] == 2700 and weeks["2026-12-14"]["累计"] == 10800


def test_an_approved_price_and_the_suppliers_terms_spread_the_payment(flow: PlanningFlow) -> None:
    """石膏板 approved at 26 from 华美 (30 % in advance, 30 credit days): 400 × 26 = 10,400.00; 3,120.00 when
    ordering (needed 12-07 − 5 days lead = 12-02, week of 11-30), 7,280.00 thirty days after delivery (2027-01-06)."""
    flow.on_file(["华美建材有限公司", "新材科技有限公司", "恒通五金"], existing="是", advance_pct=30)
    flow.listed([2, 3, 4])
    flow.inquiry("SU-0001、SU-0002、SU-0003")
    flow.quoted("RFQ-2026-0001", [("SU-0001", 26), ("SU-0002", 27), ("SU-0003", 28)])
    flow.decided("RFQ-2026-0001", "SU-0001", spec="9.5mm")
    assert flow.prices.cell(2, "status") == "价格生效", flow.prices.cell(2, "message")
    flow.inputs()
    flow.plan()
    flow.approve_plan()
    fund = flow.fund()
    assert fund is not None
    board = {ln["code"]: ln for ln in json.loads(fund.data["lines"])}["BOARD-18"]
    assert (board["unit_price"], board["amount"], board["source"], board["supplier"]) == (
        "26", "10400.00", "approved", "华美建材有限公司")
    assert board["payments"] == [["2026-12-02", "3120.00", "advance"], ["2027-01-06", "7280.00", "net"]]
    months = json.loads(fund.data["months"])
    assert months == [["2026-12", "3120.00", "0", "3120.00"], ["2027-01", "7280.00", "0", "7280.00"]]
    fund = flow.approve_fund()
    assert fund.state == "approved"
    text = pdf_file_text(flow.ws.cfg.output_dir / "FP-2026-12.pdf")
    for expected in ("FP-2026-12", "MP-2026-12", "10,400.00", "壹万零肆佰元整", "2026-11-30",
                     "核准价", "预付 30%", "Cash out by week", "何梅", "郑涛"):
        assert expected in text, expected
    report = pdf_file_text(flow.ws.cfg.output_dir / "月度计划" / "FP-2026-12 资金使用计划.pdf")
    assert "10,400.00" in report and "Cash out by week" in report
    [mail] = [m for m in mails(flow.ws.cfg.outbox_dir) if "资金使用计划已批准" in m.subject]
    assert "hemei@" in mail.to and "10,400.00" in mail.text


def test_next_months_plan_shows_what_last_month_planned_ordered_and_paid(flow: PlanningFlow) -> None:
    flow.to_placed(supplier="恒通五金", supplier_email=None, delivery_note=None)   # a price for 石膏板: 27
    flow.inputs()
    flow.plan()
    flow.approve_plan()
    flow.fund()
    flow.approve_fund()                                     # BOARD-18: 300 × 27 = 8,100.00 planned
    flow.lines.put([line_row(order="B", request="MP-2026-12-01", quantity=300, unit_price=27)], start=3)
    flow.orders.put([order_row("B", supplier="恒通五金", supplier_email=None)], start=3)
    flow.run()
    flow.sign_all(3)
    flow.orders.set(3, delivery_note="SH-1", receipt="SJ-1")
    flow.lines.set(3, received_qty=300, inspection="合格")
    flow.run()
    flow.orders.set(3, paid_on=dt.date(2026, 12, 10))
    flow.run()
    assert flow.orders.cell(3, "status") == "已销单"
    january = [{**t, "month": "2027-01", "start": dt.date(2027, 1, 11)} for t in TASKS]
    flow.sheets["production_task"].put(january, start=5)
    flow.run()
    plan = flow.plan("2027-01", row=3)
    assert plan is not None
    review = json.loads(plan.data["review"])
    rows = {r[0]: r for r in review["rows"]}
    assert rows["MP-2026-12-01"][3:] == ["300", "8100.00", "300", "8100.00", "8100.00"]
    assert rows["MP-2026-12-03"][5:] == ["0", "0", "0"]       # SCREW-M6 planned, nothing ordered yet
    sheet = table(flow, "MP-2027-01 月度采购计划.xlsx", "上月执行")
    assert (sheet["MP-2026-12-01"]["已下单数量"], sheet["MP-2026-12-01"]["已付款"]) == (300, 8100)


# -- the month as staff type it ----------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "month"), [
    ("2026-12", "2026-12"), ("2026年12月", "2026-12"), ("2026/12", "2026-12"), ("202612", "2026-12"),
    (dt.date(2026, 12, 15), "2026-12"), (dt.datetime(2026, 12, 1), "2026-12"), (46357, "2026-12"),
    ("２０２６－１２", "2026-12"), ("2026-1", "2026-01"),
])
def test_a_month_is_read_as_staff_type_it(typed: object, month: str) -> None:
    assert convert(FieldDef(name="month", label={"zh": "月份"}, type="month"), typed, None) == month  # type: ignore[arg-type]


@pytest.mark.parametrize("typed", ["2026-13", "十二月", "26-12", "2026-12-40x"])
def test_a_month_that_is_none_is_refused(typed: str) -> None:
    with pytest.raises(Problem) as caught:
        convert(FieldDef(name="month", label={"zh": "月份"}, type="month"), typed, None)  # type: ignore[arg-type]
    assert caught.value.code == "not_a_month"
