"""Sales contracts, shipment and collection (C4): the review by commerce, production and finance with each
remark kept, the contract PDF mailed to the customer, the plans checked against the total, shipments and
payments moving the contract on, reminders before each date, overdue collections escalated once, the plans
workbook, and the example's contracts replayed through real passes."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from approvals_helpers import mails
from contracts_flow import CONTRACT, ContractFlow
from documents_helpers import pypdf_text
from orders_helpers import FormSheet

from processors.init_workspace import init_workspace
from processors.passes import run_pass
from processors.sales.contract_plans import open_lines, parse_plan
from processors.sales.sample_contracts import contract_steps
from processors.sample_story import Story
from processors.status_view import render_status


@pytest.fixture
def flow(tmp_path: Path) -> Iterator[ContractFlow]:
    f = ContractFlow(tmp_path / "ws")
    yield f
    f.close()


def to(f: ContractFlow, address: str) -> list[str]:
    return [m.subject for m in mails(f.ws.cfg.outbox_dir) if address in m.to]


# -- the plans, on their own ----------------------------------------------------------------------------

def test_shares_add_up_to_the_total_to_the_fen() -> None:
    lines, bad = parse_plan("2026-12-01 | 33.33%\n2026-12-20 | 33.33%\n2027-01-10 | 33.34%", Decimal("1000.01"))
    assert not bad
    assert [ln.amount for ln in lines] == [Decimal("333.30"), Decimal("333.30"), Decimal("333.41")]
    assert sum(ln.amount for ln in lines) == Decimal("1000.01")


def test_what_is_done_settles_the_oldest_plan_line_first() -> None:
    lines, _ = parse_plan("2026-12-20 | 600\n2026-12-05 | 400", Decimal(1000))       # typed out of order
    left = open_lines(lines, Decimal(500), lambda d: d)
    assert [(ln.day, ln.planned, ln.done, ln.remaining) for ln in left] == [
        (dt.date(2026, 12, 20), Decimal(600), Decimal(100), Decimal(500))]


# -- the row: checked before the review -------------------------------------------------------------------

@pytest.mark.parametrize(("changes", "expected"), [
    ({"collection_plan": "2026-12-04 | 30000\n2027-01-15 | 69000"}, "还差 ¥1,000.00"),
    ({"collection_plan": "2026-12-04 | 40%\n2027-01-15 | 70%"}, "多出 ¥10,000.00"),
    ({"collection_plan": "下周 | 30%"}, "第 1 行“下周 | 30%”的日期读不出"),
    ({"shipment_plan": "2027-01-05 | 100%"}, "晚于交货日期 2026-12-31"),
    ({"items": "定制展柜 | 1200 | 套 | 二十 | 3800"}, "的数量不是正数"),
    ({"customer": None}, "「客户」必填（或填写客户订单号，从订单带出）"),
    ({"order": "SO-2026-0099"}, "SO-2026-0099 不是已登记的客户订单"),
])
def test_a_contract_that_does_not_add_up_says_what_is_wrong(flow: ContractFlow, changes: dict[str, object],
                                                            expected: str) -> None:
    flow.typed(**changes)
    row = flow.contracts.row(2)
    assert expected in row["message"], row["message"]
    assert not [m for m in mails(flow.ws.cfg.outbox_dir) if "待审批" in m.subject]   # nobody asked to review it


def test_a_blank_shipment_plan_ships_everything_on_the_delivery_date(flow: ContractFlow) -> None:
    flow.typed(shipment_plan=None)
    plan = json.loads(flow.record(CONTRACT).data["ship_plan"])
    assert plan == [{"no": "1", "date": "2026-12-31", "amount": "100000.00", "share": ""}]


# -- the review and the issued contract -------------------------------------------------------------------

def test_review_keeps_each_remark_and_issues_the_contract_to_the_customer(flow: ContractFlow) -> None:
    flow.typed()
    assert flow.record(CONTRACT).state == "awaiting:commerce_sign"
    flow.reviewed(upto=2)
    assert flow.record(CONTRACT).state == "awaiting:finance_sign"
    assert not (flow.ws.cfg.output_dir / f"{CONTRACT}.pdf").exists()            # not before finance signed
    flow.reviewed(upto=3)
    contract = flow.record(CONTRACT)
    assert contract.state == "in_production"
    assert flow.contracts.cell(2, "status") == "生产中"
    review = json.loads(contract.data["reviews"])[0]
    assert [(s["name"], s["action"], s["remark"]) for s in review["steps"]] == [
        ("周刚", "approve", "价格已核"), ("马骏", "approve", "产能可排，按期交付"),
        ("何梅", "approve", "预付款比例合适")]
    pdf = pypdf_text((flow.ws.cfg.output_dir / f"{CONTRACT}.pdf").read_bytes())
    for text in ("销售合同", CONTRACT, "星河百货有限公司", "壹拾万元整", "¥100,000.00", "定制展柜", "2027-01-15",
                 "¥70,000.00（柒万元整）", "定制货品以双方签字确认的图纸为准", "乙方（买方）", "单位名称（盖章）",
                 "马骏"):
        assert pypdf_text_keep(text) in pdf, text
    sheet = pypdf_text((flow.ws.cfg.output_dir / f"{CONTRACT}-评审表.pdf").read_bytes())
    assert "产能可排，按期交付" in sheet and "通过passed" in sheet
    customer = [m for m in mails(flow.ws.cfg.outbox_dir) if "wang@xinghe.example.com" in m.to]
    assert [m.subject for m in customer] == [f"【销售合同】{CONTRACT} 府尚装饰工程有限公司"]
    assert "2026-12-04 ¥30,000.00；2027-01-15 ¥70,000.00" in customer[0].text
    assert customer[0].text and b"filename" in customer[0].path.read_bytes()          # the PDF went with it
    assert "评审表" not in customer[0].path.read_bytes().decode("utf-8", "replace")    # the review sheet did not


def pypdf_text_keep(text: str) -> str:
    """What pypdf_text makes of a phrase: whitespace gone."""
    return "".join(text.split())


def test_an_issued_contract_cannot_change_an_amendment_replaces_it(flow: ContractFlow) -> None:
    flow.issued()
    flow.contracts.set(2, delivery_date=dt.date(2027, 2, 28))
    flow.run()
    assert flow.contracts.cell(2, "delivery_date") == "2026-12-31"                   # put back
    assert "修订" in flow.contracts.cell(2, "message") or "amend" in flow.contracts.cell(2, "message")
    flow.issued(row=3, amends=CONTRACT, delivery_date=dt.date(2027, 1, 20))
    assert flow.contracts.cell(3, "key") == f"{CONTRACT}-1"
    assert flow.record(f"{CONTRACT}-1").state == "in_production"
    assert flow.record(CONTRACT).state == "superseded"


def test_a_rejection_keeps_its_reason_and_the_next_round_is_kept_beside_it(flow: ContractFlow) -> None:
    flow.typed()
    flow.reviewed(upto=1)
    flow.contracts.set(2, production_remark="本月产能已满", production_sign="驳回 马骏 交期无法满足")
    flow.run()
    contract = flow.record(CONTRACT)
    assert contract.state == "rejected" and contract.data["rejected_reason"] == "交期无法满足"
    flow.contracts.set(2, delivery_date=dt.date(2027, 1, 20), shipment_plan="2027-01-15 | 100%")
    flow.run()
    assert flow.record(CONTRACT).state == "awaiting:commerce_sign"                   # reviewed again from the start
    flow.reviewed()
    rounds = json.loads(flow.record(CONTRACT).data["reviews"])
    assert [r["outcome"] for r in rounds] == ["rejected", "approved"]
    assert rounds[0]["steps"][1]["action"] == "reject" and rounds[0]["steps"][1]["remark"] == "本月产能已满"
    sheet = pypdf_text((flow.ws.cfg.output_dir / f"{CONTRACT}-评审表.pdf").read_bytes())
    assert "第2轮" in sheet


# -- shipments and collections ----------------------------------------------------------------------------

def test_shipments_and_payments_move_the_contract_to_collected(flow: ContractFlow) -> None:
    flow.issued()
    day = dt.date(2026, 12, 1)
    flow.moved([(CONTRACT, "发运", day, "40%"), (CONTRACT, "回款", day, "30,000")])
    assert flow.record(CONTRACT).state == "partly_shipped"
    assert flow.contracts.cell(2, "status") == "部分发运"
    assert "已发运 ¥40,000.00、已回款 ¥30,000.00" in flow.contracts.cell(2, "message")
    assert "尚余 ¥60,000.00" in flow.moves.cell(2, "message")
    flow.moved([(CONTRACT, "发运", day, 60001)], start=4)                               # one fen too many
    assert "尚可发运 ¥60,000.00" in flow.moves.cell(4, "message") and flow.moves.cell(4, "key") == ""
    flow.moved([(CONTRACT, "发运", day, 60000)], start=4)
    assert flow.record(CONTRACT).state == "shipped"
    flow.moved([(CONTRACT, "回款", day, "70%")], start=5)
    assert flow.record(CONTRACT).state == "collected"
    assert "已全部发运并回款" in flow.contracts.cell(2, "message")
    flow.moves.set(2, amount="50%")                                                   # a recorded row is fixed
    flow.run()
    assert flow.moves.cell(2, "amount") == "40%"


def test_two_rows_of_one_save_cannot_together_take_more_than_remains(flow: ContractFlow) -> None:
    flow.issued()
    day = dt.date(2026, 12, 1)
    flow.moved([(CONTRACT, "回款", day, 60000), (CONTRACT, "回款", day, 60000)])
    assert flow.moves.cell(2, "key").startswith("SM-") and flow.moves.cell(3, "key") == ""
    assert "尚可回款 ¥40,000.00" in flow.moves.cell(3, "message")


def test_movements_wait_for_the_review_and_happen_in_the_past(flow: ContractFlow) -> None:
    flow.typed()
    flow.moved([(CONTRACT, "发运", dt.date(2026, 12, 1), "10%"), ("SC-2026-0404", "发运", dt.date(2026, 12, 1), 1)])
    assert "评审通过并签发后才能登记" in flow.moves.cell(2, "message")
    assert "SC-2026-0404 不是销售合同编号" in flow.moves.cell(3, "message")
    flow.reviewed()
    flow.moved([(CONTRACT, "发运", dt.date(2026, 12, 2), "10%")])
    assert "晚于今天" in flow.moves.cell(2, "message")


# -- time: reminders, escalation, the plans workbook ------------------------------------------------------

def test_reminders_before_each_date_once_and_overdue_escalated_once(flow: ContractFlow) -> None:
    # collection due Friday 12-04 (30%), then a Saturday date, due the next working day (Monday 12-14)
    flow.issued(collection_plan="2026-12-04 | 30%\n2026-12-12 | 70%")
    assert to(flow, "hejing@") == ["【回款提醒】SC-2026-0001 星河百货有限公司 2026-12-04"]     # 3 working days ahead
    flow.run()
    assert len(to(flow, "hejing@")) == 1                                                  # once per date and step
    flow.at(dt.datetime(2026, 12, 3, 9))
    flow.run()
    assert to(flow, "hejing@")[-1] == "【回款提醒】SC-2026-0001 星河百货有限公司 2026-12-04"
    assert len(to(flow, "hejing@")) == 2                                                  # the 1-day reminder
    flow.at(dt.datetime(2026, 12, 9, 9))                                                  # 12-04 is 3 days late
    flow.run()
    assert "回款逾期 3 个工作日：2026-12-04 应收 ¥30,000.00" in flow.contracts.cell(2, "message")
    assert "下次回款 2026-12-14 ¥70,000.00" in flow.contracts.cell(2, "message")
    escalated = [s for s in to(flow, "zhougang@") if "回款逾期" in s]
    assert escalated == ["【回款逾期】SC-2026-0001 星河百货有限公司 逾期 3 个工作日"]
    assert [s for s in to(flow, "hemei@") if "回款逾期" in s] == escalated
    assert "【回款提醒】SC-2026-0001 星河百货有限公司 2026-12-14" in to(flow, "hejing@")
    flow.at(dt.datetime(2026, 12, 10, 9))
    flow.run()
    assert len([s for s in to(flow, "zhougang@") if "回款逾期" in s]) == 1
    assert "回款逾期 4 个工作日" in flow.contracts.cell(2, "message")                   # the row counts on


def test_plans_workbook_lists_this_week_and_month_and_is_left_alone_when_unchanged(flow: ContractFlow) -> None:
    flow.issued()
    flow.issued(row=3, customer="远景商业广场", email="li@yj.example.com", shipment_plan="2026-12-03 | 100%",
                collection_plan="2026-12-02 | 100%", delivery_date=dt.date(2026, 12, 3))
    flow.moved([("SC-2026-0002", "发运", dt.date(2026, 12, 1), "100%")])
    path = flow.ws.cfg.output_dir / "发运回款计划.xlsx"
    book = openpyxl.load_workbook(path)
    week = [[c.value for c in r] for r in book["本周 This week"].iter_rows(min_row=2) if r[0].value and
            str(r[0].value).startswith("SC-")]
    month = [[c.value for c in r] for r in book["本月 This month"].iter_rows(min_row=2) if r[0].value and
             str(r[0].value).startswith("SC-")]
    assert [(r[0], r[2], r[4].date(), r[7]) for r in week] == [
        ("SC-2026-0002", "回款 collection", dt.date(2026, 12, 2), 100000),
        ("SC-2026-0001", "回款 collection", dt.date(2026, 12, 4), 30000)]
    assert [(r[0], r[2], r[4].date()) for r in month][2:] == [("SC-2026-0001", "发运 shipment", dt.date(2026, 12, 15)),
                                                             ("SC-2026-0001", "发运 shipment", dt.date(2026, 12, 30))]
    before = path.stat().st_mtime_ns, path.read_bytes()
    flow.run()
    assert (path.stat().st_mtime_ns, path.read_bytes()) == before
    flow.at(dt.datetime(2026, 12, 3, 9))                                                  # 12-02 now a day late
    flow.run()
    late = [[c.value for c in r] for r in openpyxl.load_workbook(path)["本周 This week"].iter_rows(min_row=2)
            if r[0].value == "SC-2026-0002"]
    assert late[0][8] == 1


def test_status_shows_contracts_by_state(flow: ContractFlow) -> None:
    flow.issued()
    flow.moved([(CONTRACT, "发运", dt.date(2026, 12, 1), "50%")])
    text = render_status(flow.ws)
    assert "销售合同" in text and "部分发运" in text and CONTRACT in text and "星河百货有限公司" in text


# -- the example ------------------------------------------------------------------------------------------

def test_the_example_contracts_replay_through_real_passes(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    init_workspace(root)
    today = dt.date(2026, 12, 10)
    story = Story(root, today)
    try:
        steps = sorted(contract_steps(story), key=lambda s: (-s[0], s[1]))
        assert steps and all(days >= 0 for days, _, _ in steps)
        for days_ago, hour, action in steps:
            story.at(days_ago, hour)
            action()
            story.run(days_ago, hour)
        ws = story.at(0, 12)
        run_pass(ws)
        states = {r.data["customer"]: r.state for r in ws.store.records("sales_contract")}
        sheet = FormSheet(ws, "sales_contract")
        messages = [sheet.cell(r, "message") for r in (2, 3)]
        moves = [r.state for r in ws.store.records("contract_movement")]
    finally:
        story.close()
    assert states == {"星河百货有限公司": "partly_shipped", "远景商业广场管理有限公司": "shipped"}
    assert moves == ["recorded"] * 4
    assert any("回款逾期" in m and "¥42,600.00" in m for m in messages), messages
    escalated = [m for m in mails(root / "outbox") if "回款逾期" in m.subject]
    assert len(escalated) == 1 and "zhougang@" in escalated[0].to and "hemei@" in escalated[0].to


def test_what_a_contract_leaves_blank_comes_from_its_customer_order(flow: ContractFlow) -> None:
    orders = FormSheet(flow.ws, "customer_order")
    orders.put([{"customer": "星河百货有限公司", "contact": "王经理", "phone": "021-5000 1234", "channel": "销售",
                 "email": "wang@xinghe.example.com", "items": "收银台 | 1800 弧形 | 台 | 2 | 12000",
                 "delivery_date": dt.date(2026, 12, 20), "delivery_place": "星河百货 2F", "payment_terms": "货到付款",
                 "taken_by": "何静"}])
    flow.run()
    order = orders.cell(2, "key")
    assert order.startswith("SO-"), orders.cell(2, "message")
    flow.typed(order=order, customer=None, contact=None, email=None, items=None, delivery_date=None,
               delivery_place=None, payment_terms=None, shipment_plan=None, collection_plan="2026-12-20 | 100%")
    contract = flow.record(CONTRACT)
    assert contract is not None and contract.state == "awaiting:commerce_sign", flow.contracts.row(2)
    assert (contract.data["customer"], contract.data["total"], contract.data["delivery_date"]) == (
        "星河百货有限公司", "24000.00", "2026-12-20")
    assert json.loads(contract.data["ship_plan"])[0]["date"] == "2026-12-20"
