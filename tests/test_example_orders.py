"""`sheetflow init --sample` gives orders and leases at every stage; your first pass issues, bills and reports."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from conftest import init_at, run_cli

from processors.workspace import Workspace


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The example as `init --sample` leaves it (no test of this module changes it), told on the day the first
    pass (run_cli) runs: a story told on the real day and run at the fixed NOW would be a week or more apart by
    December, and the overdue lease's newest unpaid bill (due the 5th) not yet due at NOW."""
    root = tmp_path_factory.mktemp("example")
    init_at(root, sample=True)
    yield root


@pytest.fixture(scope="module")
def first_pass(example: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """A copy of the example after your first `sheetflow run`, so every test sees the state it asserts,
    in any order (the example itself stays as the story left it)."""
    root = tmp_path_factory.mktemp("first_pass") / "ws"
    shutil.copytree(example, root)
    proc = run_cli("run", "-w", str(root))
    assert proc.returncode == 0, proc.stderr
    yield root, proc.stderr


def states(root: Path, form: str) -> dict[str, str]:
    ws = Workspace(root)
    try:
        return {r.data.get("draft", r.key): r.state for r in ws.store.records(form)}
    finally:
        ws.close()


def test_story_leaves_orders_at_every_stage(example: Path) -> None:
    orders = states(example, "purchase_order")
    assert orders == {
        "万达-石膏板-1": "placed", "万达-龙骨-1": "overdue", "万达-包边": "awaiting_confirmation",
        "万达-涂料石膏板": "placed", "万达-螺钉": "closed", "万达-乳胶漆": "awaiting:engineering_sign",
        "万达-龙骨-2": "awaiting:executive_sign", "万达-石膏板-2": "placed", "万达-龙骨-3": "awaiting:buyer_sign"}
    lines = states(example, "order_line")
    assert sorted(lines.values()).count("failed") == 1 and sorted(lines.values()).count("received") == 2
    assert set(states(example, "purchase_plan").values()) == {"approved"}
    output = {p.name for p in (example / "output").iterdir()}
    assert {"PP-2026-0001.pdf", "PO-2026-0001.pdf", "PO-2026-0005-付款申请.pdf"} <= output
    assert "未交货明细.xlsx" not in output                               # generated sheets come with your first pass


def test_first_pass_issues_the_signed_order_and_requests_payment(first_pass: tuple[Path, str]) -> None:
    example, _ = first_pass
    orders = states(example, "purchase_order")
    assert orders["万达-龙骨-2"] == "placed" and orders["万达-石膏板-2"] == "payment_requested"
    output = {p.name for p in (example / "output").iterdir()}
    assert {"PO-2026-0007.pdf", "PO-2026-0008-付款申请.pdf"} <= output
    sheet = openpyxl.load_workbook(example / "output" / "未交货明细.xlsx").active
    rows = [r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] and str(r[0]).startswith("PO-")]
    assert {r[0] for r in rows} == {"PO-2026-0001", "PO-2026-0002", "PO-2026-0003", "PO-2026-0004", "PO-2026-0007"}
    assert "LC-2026-0006.pdf" in output                                 # 拾光书店's contract, signed today
    assert any(r[0] == "PO-2026-0004" and r[9] == "验收不合格" for r in rows)


def test_story_leaves_leases_at_every_stage_and_the_first_pass_issues_a_contract(
        first_pass: tuple[Path, str]) -> None:
    example, _ = first_pass
    ws = Workspace(example)
    try:
        leases = {r.data["tenant"]: r for r in ws.store.records("lease")}
        units = {r.key: r.state for r in ws.store.records("unit")}
    finally:
        ws.close()
    states = {tenant: r.state for tenant, r in leases.items()}
    assert states["味道餐饮管理有限公司"] == "active" and states["茶语饮品店"] == "active"
    assert states["优品生活馆"] == "terminated" and states["童趣乐园有限公司"] == "awaiting_signature"
    assert states["麦香烘焙坊"] == "awaiting:leasing_sign"
    assert states["拾光书店"] in ("awaiting:gm_sign", "awaiting_signature")   # the first pass signs it
    assert len(units) == 12 and list(units.values()).count("leased") >= 3
    output = {p.name for p in (example / "output").iterdir()}
    assert {"租金台账.xlsx", "经营报表.pdf", "经营报表.xlsx"} <= output
    roll = openpyxl.load_workbook(example / "output" / "租金台账.xlsx").active
    overdue = [r for r in roll.iter_rows(min_row=2, values_only=True) if r[1] == "简衣服饰有限公司" and r[11]]
    assert len(overdue) == 2 and all(r[12] > 0 for r in overdue)      # the overdue lease: two bills, late fees


def test_the_example_has_suppliers_at_several_stages_and_an_inquiry_decided_not_on_the_lowest(example: Path) -> None:
    ws = Workspace(example)
    try:
        stages = {r.data["name"]: r.state for r in ws.store.records("supplier")}
        quotes = [r for r in ws.store.records("quote") if r.state == "recorded"]
        (price,) = ws.store.records("price_approval")
        orders = [r for r in ws.store.records("purchase_order") if r.data.get("supplier") == "华美建材有限公司"]
    finally:
        ws.close()
    assert len(set(stages.values())) >= 3 and stages["新材科技有限公司"] == "compared"
    assert len(quotes) >= 3 and len({q.data["supplier_key"] for q in quotes}) == len(quotes)
    assert price.state == "approved" and price.data["supplier_name"] == "华美建材有限公司"
    assert price.data["lowest_supplier"] == "新材科技有限公司" and price.data["reason"]
    gypsum = [line for order in orders for line in json.loads(order.data["lines"]) if line["item"] == "石膏板"]
    assert gypsum and all(Decimal(line["unit_price"]) == Decimal(price.data["price_final"]) for line in gypsum)


def test_first_pass_writes_the_comparison_and_the_scorecard(first_pass: tuple[Path, str]) -> None:
    example, _ = first_pass
    output = {p.name for p in (example / "output").iterdir()}
    assert {"RFQ-2026-0001.pdf", "RFQ-2026-0001-比价.xlsx", "RFQ-2026-0001-比价.pdf", "PA-2026-0001.pdf",
            "供应商评估.xlsx", "供应商评估.pdf"} <= output
    sheet = openpyxl.load_workbook(example / "output" / "供应商评估.xlsx")["供应商评估"]
    names = {row[1].value for row in sheet.iter_rows(min_row=2) if row[0].value and str(row[0].value).startswith("SU")}
    assert {"华美建材有限公司", "恒通五金"} <= names


def test_the_example_plans_this_month_from_its_quotas_stock_orders_and_override(example: Path) -> None:
    """The README's reading of the example, figure by figure: two products through the shared frame KJ-10
    (60 + 30 = 90 frames, 15 in stock → 75 made, 75 × 30 m = 2,250 m of studs); on order and the override count."""
    ws = Workspace(example)
    try:
        (plan,) = ws.store.records("monthly_plan")
        (fund,) = ws.store.records("fund_plan")
    finally:
        ws.close()
    assert plan.state == "approved" and fund.state == "approved" and fund.data["plan"] == plan.key
    lines = {ln["code"]: ln for ln in json.loads(plan.data["lines"])}
    figures = {code: (ln["gross"], ln["on_hand"], ln["on_order"], ln["reserved"], ln["safety"], ln["net"],
                      ln["suggested"], ln["final"]) for code, ln in lines.items()}
    assert figures == {"RJQ-18": ("30", "20", "0", "10", "0", "0", "0", "0"),            # stock covers the paint
                       "SG-95": ("561", "120", "350", "0", "100", "191", "191", "400"),  # overridden to 400
                       "LG-U50": ("2250", "300", "800", "0", "0", "1150", "1200", "1200"),  # packs of 300
                       "ZG-3525": ("54", "10", "0", "0", "0", "44", "50", "50")}         # minimum order 50
    assert "停产检修" in lines["SG-95"]["reason"]
    book = openpyxl.load_workbook(example / "output" / "月度计划" / f"{plan.key} 月度采购计划.xlsx")["采购计划"]
    assert [r[18] for r in book.iter_rows(min_row=2, max_row=5, values_only=True)] == [0, 400, 1200, 50]
    assert (fund.data["planned"], fund.data["owed_total"], fund.data["total"]) == (
        "20850.00", "40750.00", "61600.00")
    assert sum(Decimal(w[3]) for w in json.loads(fund.data["weeks"])) == Decimal("61600.00")
    assert {f"{plan.key}.pdf", f"{fund.key}.pdf"} <= {p.name for p in (example / "output").iterdir()}
