"""Suppliers (S1–S6): files with a checked credit code, stages that move only on what is recorded, the qualified
list, inquiries mailed to each supplier, quotes, the comparison and the approved price, and orders held to both."""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from approvals_helpers import mails
from suppliers_flow import SupplierFlow, supplier_row, terms, uscc

from processors.forms.rules import uscc_problem

SUPPLIERS = ["华美建材有限公司", "恒通五金", "宏达板业", "新材科技"]
RFQ = "RFQ-2026-0001"


@pytest.fixture
def flow(tmp_path: Path) -> Iterator[SupplierFlow]:
    f = SupplierFlow(tmp_path / "ws")
    yield f
    f.close()


def listed_three(f: SupplierFlow) -> None:
    """Four suppliers on file as existing ones, the first three listed for 板材; the fourth is a newcomer."""
    f.on_file(SUPPLIERS[:3], existing="是")
    f.suppliers.put([supplier_row(4, SUPPLIERS[3])], start=5)
    f.run()
    f.listed([2, 3, 4])


def priced(f: SupplierFlow, **decision: Any) -> None:
    """An inquiry to all four, their quotes (the newcomer lowest), 华美 chosen with a reason and approved."""
    listed_three(f)
    f.inquiry("SU-0001、SU-0002、SU-0003、SU-0004")
    f.quoted(RFQ, [("SU-0001", 27), ("SU-0002", 26.5), ("宏达板业", 28), ("SU-0004", 25)])
    f.decided(RFQ, "SU-0001", **({"reason": "新材科技未打样；华美质量稳定"} | decision))


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


# -- the credit code ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("code", "problem"), [
    ("91350100M000100Y43", None),                       # the standard's own example
    ("91110000802100433B", None),
    ("91350100M000100Y4", "suppliers.uscc_length"),
    ("91350100M000100Y4O", "suppliers.uscc_chars"),     # O is not among the 31 characters
    ("91350100M000100Y44", "suppliers.uscc_check"),     # one character off: the check catches it
    ("91350100M000101Y43", "suppliers.uscc_check"),
])
def test_credit_code_is_checked_by_its_check_character(code: str, problem: str | None) -> None:
    found = uscc_problem(code)
    assert (found[0] if found else None) == problem


def test_a_mistyped_credit_code_is_told_in_the_row_and_the_others_are_numbered(flow: SupplierFlow) -> None:
    good = uscc(7)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    flow.suppliers.put([supplier_row(1, "甲公司", credit_code=good.lower()),
                        supplier_row(2, "乙公司", credit_code=bad)])
    flow.run()
    assert flow.suppliers.row(2)["key"] == "SU-0001"                     # no year in a supplier's number
    assert flow.suppliers.row(2)["status"] == "已登记"
    row = flow.suppliers.row(3)
    assert row["key"] == "" and "统一社会信用代码" in row["message"] and f"应为 {good[17]}" in row["message"]


# -- stages (S1) -------------------------------------------------------------------------------------

def test_a_new_supplier_moves_through_every_stage_only_on_what_is_recorded(flow: SupplierFlow) -> None:
    listed_three(flow)
    new = 5                                                               # 新材科技's row
    assert flow.suppliers.row(new)["status"] == "已登记"
    flow.suppliers.set(new, sample_result="合格")                         # too early: nothing to sample yet
    flow.run()
    assert flow.suppliers.row(new)["status"] == "已登记"
    assert "定价后才计入" in flow.suppliers.row(new)["message"]
    flow.suppliers.set(new, sample_result=None)
    flow.inquiry("SU-0001、SU-0002、SU-0003、SU-0004")
    flow.run()
    assert flow.suppliers.row(new)["status"] == "询价"
    flow.quoted(RFQ, [("SU-0001", 27), ("SU-0002", 26.5), ("SU-0003", 28), ("SU-0004", 25)])
    flow.run()
    assert flow.suppliers.row(new)["status"] == "估价"
    flow.decided(RFQ, "SU-0004", sign=False)
    flow.run()
    assert flow.suppliers.row(new)["status"] == "议价"
    assert flow.suppliers.row(2)["status"] == "纳入供应商体系"             # listed ones stay listed
    flow.prices.set(2, buyer_sign="同意 孙丽")
    flow.run()
    flow.run()
    assert flow.suppliers.row(new)["status"] == "商务条款评审"
    flow.prices.set(2, commerce_sign="同意 周刚")
    flow.run()
    flow.prices.set(2, gm_sign="同意 郑涛")
    flow.run()
    flow.run()
    assert flow.prices.row(2)["status"] == "价格生效"
    assert flow.suppliers.row(new)["status"] == "定价"
    flow.suppliers.set(new, trial_result="合格")                           # the trial before the sample: held
    flow.run()
    assert flow.suppliers.row(new)["status"] == "定价" and "须先打样合格" in flow.suppliers.row(new)["message"]
    flow.suppliers.set(new, sample_result="合格", trial_result=None)
    flow.run()
    flow.run()
    assert flow.suppliers.row(new)["status"] == "打样"
    flow.suppliers.set(new, trial_result="合格")
    flow.run()
    flow.run()
    assert flow.suppliers.row(new)["status"] == "小批量试样"
    flow.listed([new], start=5)
    flow.run()
    assert flow.listing.row(5)["status"] == "已列入名录"
    assert flow.suppliers.row(new)["status"] == "纳入供应商体系"


def test_the_qualified_list_takes_only_a_supplier_whose_trial_passed(flow: SupplierFlow) -> None:
    flow.on_file(["新材科技"])
    flow.listing.put([{"supplier": "SU-0001", "category": "板材", "valid_until": dt.date(2027, 12, 31)},
                      {"supplier": "SU-0001", "category": "涂料", "valid_until": dt.date(2027, 12, 31)}])
    flow.run()
    assert flow.listing.row(2)["key"] == "" and "小批量试样合格" in flow.listing.row(2)["message"]
    assert "不在 新材科技 的供货类别" in flow.listing.row(3)["message"]


# -- inquiries and quotes (S1, S2) -------------------------------------------------------------------

def test_an_inquiry_is_issued_and_mailed_to_each_supplier_alone(flow: SupplierFlow) -> None:
    listed_three(flow)
    flow.inquiry("SU-0001、恒通五金, SU-0003", items="石膏板 | 9.5mm | 张 | 600\n轻钢龙骨 | U50 | 米 | 1,500")
    assert flow.inquiries.row(2)["status"] == "已发出"
    pdf = flow.ws.cfg.output_dir / f"{RFQ}.pdf"
    text = pdf_text(pdf)
    assert RFQ in text and "轻钢龙骨" in text and "1500" in text and "2026-12-05" in text
    sent = [m for m in mails(flow.ws.cfg.outbox_dir) if RFQ in m.subject]
    assert sorted(m.to for m in sent) == sorted(f"{n} <s{i}@supplier.example.com>"
                                                for i, n in enumerate(SUPPLIERS[:3], start=1))
    assert all("," not in m.to for m in sent)                              # nobody sees who else was asked
    flow.inquiries.set(2, items="石膏板 | 9.5mm | 张 | 900")                 # sent: what was asked stays
    flow.run()
    assert flow.inquiries.cell(2, "items").startswith("石膏板 | 9.5mm | 张 | 600")


@pytest.mark.parametrize(("items", "suppliers", "expected"), [
    ("石膏板 9.5mm 张 600", "SU-0001", "第 1 行"),
    ("石膏板 | 9.5mm | 张 | 很多", "SU-0001", "数量不是正数"),
    ("石膏板 | 9.5mm | 张 | 600", "SU-0001、未知公司", "未知公司 不在供应商档案中"),
])
def test_a_wrong_inquiry_says_which_line_or_supplier(flow: SupplierFlow, items: str, suppliers: str,
                                                     expected: str) -> None:
    flow.on_file(["华美建材有限公司"], existing="是")
    flow.inquiry(suppliers, items=items)
    row = flow.inquiries.row(2)
    assert row["key"] == "" and expected in row["message"]
    assert not (flow.ws.cfg.output_dir / f"{RFQ}.pdf").exists()


@pytest.mark.parametrize(("quote", "expected"), [
    ({"rfq": "RFQ-2026-0099"}, "不是已发出的询价单号"),
    ({"supplier": "SU-0004"}, "不在询价单 RFQ-2026-0001 所询的供应商中"),
    ({"item": "乳胶漆"}, "不是询价单 RFQ-2026-0001 的物料"),
])
def test_a_quote_must_answer_what_the_inquiry_asked(flow: SupplierFlow, quote: dict[str, Any], expected: str) -> None:
    listed_three(flow)
    flow.inquiry("SU-0001、SU-0002、SU-0003")
    row = {"rfq": RFQ, "supplier": "SU-0001", "item": "石膏板", "unit_price": 27, "delivery_days": 7,
           "payment_terms": "月结", "valid_until": dt.date(2027, 1, 31)} | quote
    flow.quotes.put([row])
    flow.run()
    assert flow.quotes.row(2)["key"] == "" and expected in flow.quotes.row(2)["message"]


def test_a_second_quote_for_the_same_item_names_the_first(flow: SupplierFlow) -> None:
    listed_three(flow)
    flow.inquiry("SU-0001、SU-0002、SU-0003")
    flow.quoted(RFQ, [("SU-0001", 27), ("华美建材有限公司", 26)])
    assert flow.quotes.row(2)["key"] == "QT-2026-0001"
    assert "QT-2026-0001" in flow.quotes.row(3)["message"] and flow.quotes.row(3)["key"] == ""


# -- the comparison and the price (S2, S3, S4) --------------------------------------------------------

def test_three_qualified_quotes_are_needed_before_a_price(flow: SupplierFlow) -> None:
    flow.on_file(SUPPLIERS, existing="是")
    flow.listed([2, 3])                                                    # two listed, two not
    flow.inquiry("SU-0001、SU-0002、SU-0003、SU-0004")
    flow.quoted(RFQ, [("SU-0001", 27), ("SU-0002", 26.5), ("SU-0003", 28), ("SU-0004", 25)])
    flow.decided(RFQ, "SU-0002", reason="就近供货", sign=False)
    row = flow.prices.row(2)
    assert row["key"] == "" and "只有 2 家" in row["message"] and "至少 3 家" in row["message"]


def test_choosing_other_than_the_lowest_needs_a_reason_that_is_kept(flow: SupplierFlow) -> None:
    listed_three(flow)
    flow.inquiry("SU-0001、SU-0002、SU-0003、SU-0004")
    flow.quoted(RFQ, [("SU-0001", 27), ("SU-0002", 26.5), ("宏达板业", 28), ("SU-0004", 25)])
    flow.decided(RFQ, "SU-0001", sign=False)
    assert "不是最低报价（新材科技 ¥25.00）" in flow.prices.row(2)["message"]
    flow.decided(RFQ, "SU-0001", reason="新材科技未打样；华美质量稳定")
    assert flow.prices.row(2) == {"key": "PA-2026-0001", "status": "价格生效", "message": flow.prices.row(2)["message"]}
    kept = pdf_text(flow.ws.cfg.output_dir / "PA-2026-0001.pdf")
    assert "定价编号" in kept and "新材科技未打样" in kept and "27.00" in kept and "★" in kept
    sheet = openpyxl.load_workbook(flow.ws.cfg.output_dir / f"{RFQ}-比价.xlsx")["比价表"]
    headers = [str(c.value) for c in sheet[1]]
    price_cols = [i for i, h in enumerate(headers, start=1) if "单价" in h and "议定" not in h]
    assert len(price_cols) == 4 and any("新材科技（未列入名录）" in headers[i - 1] for i in price_cols)
    row = [c.value for c in sheet[2]]
    lowest = next(i for i in price_cols if sheet.cell(row=2, column=i).value == 25)
    assert sheet.cell(row=2, column=lowest).font.bold                     # the lowest is marked
    assert not sheet.cell(row=2, column=price_cols[0]).font.bold
    assert "华美建材有限公司" in row and "新材科技未打样；华美质量稳定" in row and "PA-2026-0001" in row


@pytest.mark.parametrize(("decision", "expected"), [
    (terms(payment="不可接受"), "「评审：付款条件」不可接受"),
    ({"price": 27.5}, "不能高于报价"),
    (terms(verdict=None), "「评审：质量」未填写"),
])
def test_a_price_the_terms_review_or_quote_does_not_support_is_refused(flow: SupplierFlow, decision: dict[str, Any],
                                                                       expected: str) -> None:
    listed_three(flow)
    flow.inquiry("SU-0001、SU-0002、SU-0003")
    flow.quoted(RFQ, [("SU-0001", 27), ("SU-0002", 26.5), ("SU-0003", 28)])
    flow.decided(RFQ, "SU-0001", sign=False, **({"reason": "质量"} | decision))
    assert flow.prices.row(2)["key"] == "" and expected in flow.prices.row(2)["message"]


# -- orders held to the list and the price (S3, S6) ---------------------------------------------------

def test_orders_name_a_listed_supplier_and_keep_to_the_approved_price(flow: SupplierFlow) -> None:
    priced(flow)
    from orders_flow import line_row

    flow.drafted(lines=[line_row(unit_price=28)])
    message = flow.orders.row(2)["message"]
    assert flow.orders.row(2)["key"] == "" and "高于总经理批准价 ¥27.00（PA-2026-0001" in message
    flow.orders.set(2, supplier="新材科技")
    flow.run()
    assert "新材科技 未列入合格供方名录" in flow.orders.row(2)["message"]
    flow.orders.set(2, supplier="不存在的公司")
    flow.run()
    assert "不在供应商档案中" in flow.orders.row(2)["message"]
    flow.orders.set(2, supplier="华美建材有限公司", category="涂料")
    flow.run()
    assert "未列入「涂料」的合格供方名录" in flow.orders.row(2)["message"]
    flow.orders.set(2, category=None, price_reason="现货紧张，加价急用")
    flow.run()
    assert flow.orders.row(2)["key"] == "PO-2026-0001"
    flow.sign_all()
    assert flow.orders.row(2)["status"] == "待总经理签字（超价）"           # S3: the GM agrees to the price
    flow.orders.set(2, gm_price_sign="同意 郑涛")
    flow.run()
    assert flow.orders.row(2)["status"] == "已下达"
    order = [m for m in mails(flow.ws.cfg.outbox_dir) if "PO-2026-0001" in m.subject and "s1@" in m.to]
    assert order, "the order went to the address in the supplier file"


def test_an_over_price_reason_without_an_over_price_is_refused(flow: SupplierFlow) -> None:
    priced(flow)
    from orders_flow import line_row

    flow.drafted(lines=[line_row(unit_price=27)], price_reason="以防万一")
    assert "没有明细高于批准价" in flow.orders.row(2)["message"]


def test_a_lapsed_listing_stops_orders_and_the_buyer_was_reminded(flow: SupplierFlow) -> None:
    flow.on_file(SUPPLIERS[:1], existing="是")
    flow.listed([2], until=dt.date(2026, 12, 10))
    first = [m for m in mails(flow.ws.cfg.outbox_dir) if "合格供方即将到期" in m.subject]
    assert len(first) == 1 and "2026-12-10" in first[0].text            # 14 days before, once
    flow.at(dt.datetime(2026, 12, 8, 9, 0))
    flow.run()
    flow.run()
    again = [m for m in mails(flow.ws.cfg.outbox_dir) if "合格供方即将到期" in m.subject]
    assert len(again) == 2 and "还有 2 天" in again[-1].text             # and 3 days before
    flow.at(dt.datetime(2026, 12, 11, 9, 0))
    flow.run()
    flow.run()
    assert flow.listing.row(2)["status"] == "已过期"
    assert flow.suppliers.row(2)["status"] == "资格过期"
    from orders_flow import line_row

    flow.drafted(lines=[line_row(unit_price=27)])
    assert "QS-2026-0001）已于 2026-12-10 过期" in flow.orders.row(2)["message"]


def test_the_buyer_is_reminded_before_a_price_review_and_the_price_expires(flow: SupplierFlow) -> None:
    priced(flow)
    flow.at(dt.datetime(2027, 5, 20, 9, 0))                                  # review on 2027-05-31: 11 days before
    flow.run()
    flow.run()
    review = [m for m in mails(flow.ws.cfg.outbox_dir) if "价格复审" in m.subject]
    assert len(review) == 1 and "sunli@" in review[0].to and "2027-05-31" in review[0].text
    flow.at(dt.datetime(2027, 7, 1, 9, 0))
    flow.run()
    flow.run()
    assert flow.prices.row(2)["status"] == "价格已过期"


# -- the scorecard (S5) -------------------------------------------------------------------------------

def scorecard(f: SupplierFlow) -> dict[str, list[Any]]:
    sheet = openpyxl.load_workbook(f.ws.cfg.output_dir / "供应商评估.xlsx")
    return {"scores": [[c.value for c in r] for r in sheet["供应商评估"].iter_rows(min_row=2) if r[0].value
                       and str(r[0].value).startswith("SU-")],
            "shares": [[c.value for c in r] for r in sheet["供货比例"].iter_rows(min_row=2) if r[3].value is not None]}


def test_the_scorecard_rates_deliveries_and_says_when_there_were_none(flow: SupplierFlow) -> None:
    flow.on_file(SUPPLIERS[:3], existing="是")
    flow.listed([2, 3, 4], share=60)
    flow.inquiry("SU-0001、SU-0002、SU-0003")
    flow.quoted(RFQ, [("SU-0001", 27), ("SU-0002", 27.5), ("SU-0003", 28)])
    flow.decided(RFQ, "SU-0001")
    from orders_flow import line_row

    flow.to_placed(lines=[line_row(unit_price=27)])
    flow.lines.set(2, received_qty=100, inspection="合格")
    flow.at(dt.datetime(2026, 12, 18, 9, 0))
    flow.run()
    flow.run()
    card = scorecard(flow)
    by_supplier = {r[0]: r for r in card["scores"]}
    hm = by_supplier["SU-0001"]
    assert hm[2] == "2026-Q4" and hm[3] == 1 and hm[4] == 1 and hm[5] == 1 and hm[9] == 1   # due, on time, rates
    assert hm[10] == 0 and hm[13] == 100                                   # at the approved price: full score
    assert by_supplier["SU-0002"][13] == "本期无交货" and by_supplier["SU-0002"][3] == 0
    shares = {(r[0], r[2]): r for r in card["shares"]}
    assert shares[("板材", "华美建材有限公司")][4] == 1                      # all 板材 orders went to 华美 …
    assert shares[("板材", "华美建材有限公司")][5] == 0.6                    # … against the 60 % set
    assert shares[("板材", "恒通五金")][4] == 0
    text = pdf_text(flow.ws.cfg.output_dir / "供应商评估.pdf")
    assert "本期无交货" in text and "准时率" in text and "华美建材有限公司" in text
