"""The issued PDFs as a Chinese office files them, read back from real renders (pdftotext -layout and pypdf).

What a clerk checks before stamping: every column under its own header (the plan's 需用日期), one
sign-off block that looks the same in every document, both parties' seal blocks together at the end of
a contract and never alone on a page, tables that never strand a row or two on a page, and totals rows
without a stray label. The documents come from the example workspace (`init --sample` and its first
pass: every document kind, rendered from the contexts the kinds really build); the leasing report's page
breaks are also tried on malls of many sizes, so a break lands everywhere a table can break.
The row rules need WeasyPrint 70 (document.css says why), pyproject's floor; scripts/test-floor runs this file there.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from conftest import NOW, TZ, init_at
from documents_helpers import COMPANY, pypdf_text
from pypdf import PdfReader

from processors.clock import Clock
from processors.documents import render_pdf
from processors.passes import run_pass
from processors.workspace import Workspace

MIN_ROWS = 3        # no page holds fewer of a table's rows than this, when the table runs over pages


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """The bundled example, its history replayed and its first pass run, on a pinned day."""
    root = tmp_path_factory.mktemp("looks") / "ws"
    init_at(root, sample=True)
    ws = Workspace(root, clock=Clock(TZ, NOW.replace(tzinfo=TZ)))
    run_pass(ws)
    yield ws
    ws.close()


def pdf(ws: Workspace, name: str) -> Path:
    return ws.cfg.output_dir / f"{name}.pdf"


def layout_pages(path: Path) -> list[str]:
    """Each page as pdftotext -layout prints it: columns stay where they were on paper."""
    count = len(PdfReader(path).pages)
    return [subprocess.run(["pdftotext", "-layout", "-f", str(i), "-l", str(i), str(path), "-"],
                           capture_output=True, text=True, check=True).stdout for i in range(1, count + 1)]


def flat_pages(data: bytes) -> list[str]:
    """Each page's text as pypdf reads it, in drawing order, whitespace removed."""
    return ["".join((page.extract_text() or "").split()) for page in PdfReader(BytesIO(data)).pages]


# -- the purchase plan: every value under its own header ------------------------------------------------------


def test_the_plan_prints_the_needed_by_date_in_its_own_column(example: Workspace) -> None:
    [plan] = [r for r in example.store.records("purchase_plan") if r.state == "approved"]
    requests = {key: example.store.record(key) for key in re.findall(r"PR-\d{4}-\d{4}", plan.data["requests"])}
    assert len(requests) >= 3
    [page] = layout_pages(pdf(example, plan.key))
    lines = page.splitlines()
    header = next(line for line in lines if "需用日期" in line)
    assert header.rstrip().endswith("需用日期")                      # the last column, with a header of its own
    column = header.index("需用日期")
    for key, request in requests.items():
        assert request is not None
        row = next(line for line in lines if key in line)
        needed = request.data["needed_by"]
        assert row.rstrip().endswith(needed), row                  # under 需用日期, not in the 规格型号 cell
        assert abs(row.rindex(needed) - column) <= 3, (row, header)
        assert f"/ {needed}" not in page and f"{request.data['spec']} /" not in page
        assert row.split()[1] == key                               # the request number: a column of its own too


# -- one sign-off block everywhere ----------------------------------------------------------------------------

def signoff_boxes(text: str, heading: str, until: str) -> list[dict[str, str]]:
    """The boxes of the sign-off block under `heading`, each read as title, 签名 Name …, 日期 Date …."""
    block = text.split(heading, 1)[1].split(until, 1)[0]
    parts = re.split(r"(签名Name|日期Date)", block)
    labels = [p for p in parts if p in ("签名Name", "日期Date")]
    assert labels == ["签名Name", "日期Date"] * (len(labels) // 2), block    # the same two lines in every box
    boxes, title = [], parts[0]
    for i in range(1, len(parts) - 1, 4):
        name, rest = parts[i + 1], parts[i + 3]
        date = re.match(r"\d{4}-\d{2}-\d{2}", rest)
        boxes.append({"title": title, "name": name, "date": date.group(0) if date else ""})
        title = rest[date.end():] if date else rest
    return boxes


# document, heading of its sign-off block, what follows it, the box titles, whose names are printed
DOCUMENTS = [
    ("PO-2026-0007", "审批签字Sign-off", "双方签章",
     ["采购专员签字", "商务部负责人签字", "工程部负责人签字", "执行总监签字"], ["孙丽", "周刚", "王芳", "吴军"]),
    ("PP-2026-0001", "汇总与审批Consolidatedandapproved", "第1页",
     ["采购专员（汇总）", "商务部负责人审批"], ["孙丽", "周刚"]),
    ("PO-2026-0008-付款申请", "审批Approval", "第1页", ["采购专员", "商务部负责人", "财务"], ["", "", ""]),
    ("LC-2026-0006", "内部审批Internalapproval", "双方签章", ["招商专员签字", "商务部负责人签字", "总经理签字"],
     ["林晓", "周刚", "郑涛"]),
]


@pytest.mark.parametrize(("name", "heading", "until", "titles", "names"), DOCUMENTS, ids=[d[0] for d in DOCUMENTS])
def test_every_document_has_the_same_sign_off_block(example: Workspace, name: str, heading: str, until: str,
                                                    titles: list[str], names: list[str]) -> None:
    text = pypdf_text(pdf(example, name).read_bytes())
    boxes = signoff_boxes(text, heading, until)
    assert len(boxes) == len(titles)
    for box, title, who in zip(boxes, titles, names, strict=True):
        assert box["title"].startswith(title)                     # Chinese title first, English beneath
        assert box["name"] == who
        assert bool(box["date"]) == bool(who)                     # a signed box is dated, a blank one is not


def test_the_sign_off_block_is_one_macro_in_every_document_template() -> None:
    """A workspace restyles every document's boxes in one place (documents/_macros.html signoff)."""
    from processors.resources import bundled_dir

    folder = bundled_dir("templates") / "documents"
    for template in ("purchase_order", "purchase_plan", "payment_request", "lease_contract"):
        source = (folder / f"{template}.html").read_text(encoding="utf-8")
        assert source.count("m.signoff(") == 1 and 'class="stamp' not in source, template


# -- both parties seal the contracts, together, at the end ------------------------------------------------------

SEAL_LINES = ("单位名称（盖章）", "法定代表人或授权代表（签字）", "日期Date")


def seal_block(text: str, role: str) -> str:
    """One party's block: from its role to the next party's (or the end of the seals)."""
    block = text.split(role, 1)[1]
    return re.split(r"(?:甲方|乙方|采购方|供应方)（", block, maxsplit=1)[0]


@pytest.mark.parametrize(("name", "parties"), [
    ("LC-2026-0006", [("甲方（出租方）", "府尚商业管理有限公司"), ("乙方（承租方）", "拾光书店")]),
    ("LC-2026-0004", [("甲方（出租方）", "府尚商业管理有限公司"), ("乙方（承租方）", "优品生活馆")]),
    ("PO-2026-0007", [("采购方（甲方）", "府尚装饰工程有限公司"), ("供应方（乙方）", "华美建材有限公司")]),
])
def test_contracts_end_with_both_parties_seal_blocks_on_one_page(example: Workspace, name: str,
                                                                 parties: list[tuple[str, str]]) -> None:
    pages = flat_pages(pdf(example, name).read_bytes())
    holding = [i for i, page in enumerate(pages) if "双方签章" in page]
    assert holding == [len(pages) - 1]                           # once, on the last page
    page = pages[-1].split("双方签章", 1)[1]
    for role, company in parties:
        block = seal_block(page, role)
        positions = [block.find(line) for line in SEAL_LINES]
        assert -1 not in positions and positions == sorted(positions), (role, block)
        assert block.startswith(("Landlord", "Tenant", "Buyer", "Supplier"))
        assert f"单位名称（盖章）Company(seal){company}" in block
    before = pages[-1].split("双方签章", 1)[0]
    assert any(word in before for word in ("租期合计", "合计（大写）")), "the seals never stand alone on a page"


def test_the_supplier_confirms_its_delivery_date_in_its_own_seal_block(example: Workspace) -> None:
    text = pypdf_text(pdf(example, "PO-2026-0007").read_bytes())
    assert "确认交货日期" in seal_block(text, "供应方（乙方）")
    assert "确认交货日期" not in seal_block(text, "采购方（甲方）")


# -- tables never strand a row or two -----------------------------------------------------------------------

BILL = re.compile(r"^[ \t]*\d+\s+\d{4}-\d{2}-\d{2}~\d{4}-\d{2}-\d{2}", re.M)


def test_no_page_of_a_lease_contract_holds_fewer_than_three_bills(example: Workspace) -> None:
    contracts = sorted(example.cfg.output_dir.glob("LC-*.pdf"))
    assert len(contracts) >= 5
    spans = 0
    for path in contracts:
        counts = [len(BILL.findall(page)) for page in layout_pages(path)]
        shown = [c for c in counts if c]
        spans += len(shown) > 1
        assert sum(counts) >= MIN_ROWS and all(c >= MIN_ROWS for c in shown), (path.name, counts)
    assert spans >= 3                                             # the schedules do run over pages


def test_the_leasing_report_has_no_stray_labels_and_no_stranded_rows(example: Workspace) -> None:
    path = example.cfg.output_dir / "经营报表.pdf"
    pages = layout_pages(path)
    text = "\n".join(pages)
    tenants = {r.data["tenant"] for r in example.store.records("lease")}
    subtotals = [line for line in text.splitlines() if "小计" in line]
    assert subtotals                                              # one per category with sales
    for line in subtotals:
        assert not [t for t in tenants if t in line] and "商户" not in line and "Tenant" not in line, line
        assert not re.search(r"LC-\d{4}-\d{4}", line)
    assert "品类合计" not in text
    assert_no_stranded_rows(pages)


# A mall of `size` leases over floors and categories whose sizes vary, so breaks fall everywhere.
SIZES = list(range(2, 48, 3))


def mall_report(size: int) -> dict[str, Any]:
    categories = ["餐饮", "服装", "零售", "饮品", "儿童", "生活", "数码", "美妆", "家居", "运动", "书店", "影院"]
    sales: dict[str, dict[str, Any]] = {}
    for i in range(size):
        category = categories[(i * 5) % min(len(categories), 2 + size // 3)]    # groups of one to five
        area = Decimal(40 + (i * 37) % 200)
        months = 1 + i % 3
        total = Decimal(50000 + (i * 7919) % 300000)
        sales[f"LC-2026-{i + 1:04d}"] = {"tenant": f"测试商户{i + 1:03d}", "category": category, "area": area,
                                        "sales": total, "months": months,
                                        "per_sqm": (total / months / area).quantize(Decimal("0.01"))}
    by_category: dict[str, dict[str, Decimal]] = {}
    for row in sales.values():
        entry = by_category.setdefault(row["category"], {"sales": Decimal(0), "area": Decimal(0)})
        entry["sales"] += row["sales"] / row["months"]
        entry["area"] += row["area"]
    occupancy: dict[tuple[str, str], dict[str, Decimal]] = {}
    for i in range(size):
        for key in (("floor", f"{1 + i % (1 + size // 5)}F"), ("category", categories[i % len(categories)])):
            entry = occupancy.setdefault(key, {k: Decimal(0) for k in ("units", "leased_units", "area",
                                                                        "leased_area")})
            entry["units"] += 1
            entry["area"] += 100
            if i % 3:
                entry["leased_units"] += 1
                entry["leased_area"] += 100
    return {"company": COMPANY, "date": "2026-11-29", "occupancy": occupancy, "billed": Decimal("100000"),
            "collected": Decimal("80000"), "aging": {b: Decimal("5000") for b in ("0–30", "31–60", "61–90", "90+")},
            "sales": sales, "by_category": by_category, "charts": []}


TABLE_ROWS = {
    "occupancy": re.compile(r"^[ \t]*(?:楼层|品类|全场).*\d+%\s*$", re.M),
    "sales": re.compile(r"^[ \t]*\S+(?:\s+测试商户\d{3}\s+LC-|\s+小计|\s+Total).*¥", re.M),
}


def assert_no_stranded_rows(pages: list[str]) -> None:
    for table, row in TABLE_ROWS.items():
        counts = [len(row.findall(page)) for page in pages]
        shown = [c for c in counts if c]
        if len(shown) > 1:
            assert all(c >= MIN_ROWS for c in shown), (table, counts)


@pytest.mark.parametrize("size", SIZES)
def test_the_leasing_report_never_leaves_fewer_than_three_rows_of_a_table_on_a_page(tmp_path: Path,
                                                                                   size: int) -> None:
    context = mall_report(size)
    path = tmp_path / "report.pdf"
    path.write_bytes(render_pdf("lease_report", context))
    pages = layout_pages(path)
    text = "\n".join(pages)
    rows = {table: len(pattern.findall(text)) for table, pattern in TABLE_ROWS.items()}
    assert rows == {"occupancy": len(context["occupancy"]) + 1,                       # every row found, once
                    "sales": len(context["sales"]) + len(context["by_category"]) + 1}
    assert_no_stranded_rows(pages)
    headers = [page.count("Per m² a month") for page in pages]
    holding = [i for i, page in enumerate(pages) if TABLE_ROWS["sales"].search(page)]
    assert all(headers[i] == 1 for i in holding)                  # the header row on every page of the table


def test_the_report_sizes_do_break_tables_across_pages(tmp_path: Path) -> None:
    """The sizes above are worth trying: many of them break the sales table, at different rows."""
    splits = set()
    for size in SIZES:
        path = tmp_path / f"{size}.pdf"
        path.write_bytes(render_pdf("lease_report", mall_report(size)))
        counts = tuple(len(TABLE_ROWS["sales"].findall(page)) for page in layout_pages(path))
        if len([c for c in counts if c]) > 1:
            splits.add(counts)
    assert len(splits) >= 5, splits


def test_a_long_order_keeps_three_lines_and_the_total_on_its_last_page() -> None:
    from documents_helpers import order_context

    for count in (22, 23, 24, 25, 26, 27, 28):
        rows = [(f"物料{i}", "规格", "个", "1", "1.00") for i in range(1, count + 1)]
        pages = flat_pages(render_pdf("purchase_order", order_context(rows=rows)))
        assert len(pages) == 2
        lines = [len(re.findall(r"物料\d+", page)) for page in pages]
        assert min(lines) >= MIN_ROWS, (count, lines)
        assert "合计（大写）" in pages[-1] and "审批签字" in pages[-1]

