"""The leasing report (L4, L7): occupancy, rent billed against collected, arrears aging, sales per m².

Written to output/ as a workbook (one sheet per table) and a PDF with a chart, both
rewritten by sheetflow whenever what they show changes (the day included: arrears age).
A report is not an issued document: the latest one replaces the one before.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from ..charts import bar_chart
from ..money import round_fen
from ..sheets.cells import AREA, COUNT, MONEY, PERCENT
from ..sheets.generated import LOOK, page_text, save, style_header, table_sheet, unchanged
from ..sheets.layout import Column
from ..workspace import Workspace
from . import terms as T
from .collection import aging_bucket
from .ledger import bills_of, overdue_days
from .rent_roll import write_rent_roll

BUCKETS = ("0–30", "31–60", "61–90", "90+")
LEASED = ("active",)
RATE = Decimal("0.0001")


def report_data(ws: Workspace) -> dict[str, Any]:
    store, today = ws.store, ws.clock.today()
    units = [u for u in store.records(T.UNIT) if u.state != "invalid"]
    leases = {r.key: r for r in store.records(T.LEASE)}
    occupancy: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for unit in units:
        for group in (("floor", unit.data.get("floor", "")), ("category", unit.data.get("category", ""))):
            row = occupancy[group]
            row["units"] += 1
            row["area"] += T.dec(unit.data.get("area"))
            if unit.state == "leased":
                row["leased_units"] += 1
                row["leased_area"] += T.dec(unit.data.get("area"))
    billed = collected = Decimal(0)
    aging: dict[str, Decimal] = {b: Decimal(0) for b in BUCKETS}
    for bill in bills_of(store):
        if bill.due_date > today:
            continue
        billed += bill.amount
        collected += bill.paid
        late = overdue_days(bill, today)
        if late > 0:
            aging[aging_bucket(late)] += bill.balance
    sales: dict[str, dict[str, Any]] = {}
    for entry in store.records("tenant_sales"):
        lease = leases.get(entry.data.get("lease", ""))
        if lease is None or entry.state == "invalid":
            continue
        row = sales.setdefault(lease.key, {"tenant": lease.data.get("tenant", ""),
                                           "category": lease.data.get("category", ""),
                                           "area": T.dec(lease.data.get("area")), "sales": Decimal(0), "months": 0})
        row["sales"] += T.dec(entry.data.get("sales"))
        row["months"] += 1
    by_category: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for row in sales.values():
        row["per_sqm"] = (row["sales"] / row["months"] / row["area"]).quantize(Decimal("0.01")) if row["area"] else 0
        by_category[row["category"]]["sales"] += row["sales"] / row["months"]
        by_category[row["category"]]["area"] += row["area"]
    return {"date": today.isoformat(), "occupancy": occupancy, "billed": billed, "collected": collected,
            "aging": aging, "sales": sales, "by_category": by_category}


def write_report(ws: Workspace) -> Path | None:
    """output/经营报表.xlsx and .pdf, when what they show changed."""
    if T.LEASE not in ws.forms or not ws.store.records(T.UNIT):
        return None
    data = report_data(ws)
    mark = repr((LOOK, sorted((str(k), repr(_plain(v))) for k, v in data.items())))
    xlsx = ws.cfg.output_dir / "经营报表.xlsx"
    pdf = ws.cfg.output_dir / "经营报表.pdf"
    if unchanged(ws.store, "lease_report", mark, xlsx, empty=False) and pdf.exists():
        return None
    floors = sorted((k[1], v) for k, v in data["occupancy"].items() if k[0] == "floor")
    chart = bar_chart("各楼层面积（m²）：总面积 / 已出租 Area by floor: total / leased",
                       [(f, float(v["area"]), float(v["leased_area"])) for f, v in floors], ("总面积", "已出租"))
    money = bar_chart("租金（元）：应收 / 实收 Rent: billed / collected",
                       [("至今 to date", float(data["billed"]), float(data["collected"]))], ("应收", "实收"))
    _write_xlsx(xlsx, data, ws.t)
    from ..documents.pdf import write_report_pdf  # WeasyPrint is imported only when a document is made

    write_report_pdf(pdf, "lease_report", {**data, "charts": [chart, money],
                                           "company": dict(ws.cfg.letterhead_for(T.FAMILY).__dict__)},
                     ws.cfg.templates_dir)
    with ws.store.transaction():
        ws.store.set_meta("lease_report", mark)
    return pdf


def _plain(value: Any) -> Any:
    """The report's figures without their defaultdicts, whose repr names the factory's address (new each pass):
    the mark must change only when a figure does, or the report and its PDF are made again every pass."""
    if isinstance(value, dict):
        return sorted((repr(k), _plain(v)) for k, v in value.items())
    return value


OCCUPANCY = [Column("维度", "Dimension"), Column("分组", "Group"), Column("铺位数", "Units", COUNT),
             Column("已出租", "Leased", COUNT), Column("面积 m²", "Area", AREA),
             Column("已出租面积 m²", "Leased area", AREA), Column("出租率", "Occupancy", PERCENT)]
COLLECTION = [Column("应收（已到期）", "Billed", MONEY), Column("实收", "Collected", MONEY),
              Column("收缴率", "Rate", PERCENT)]
AGING_HEAD = ("账龄 Aging", "欠款 Arrears")
SALES = [Column("合同", "Lease"), Column("商户", "Tenant"), Column("品类", "Category"), Column("面积 m²", "Area", AREA),
         Column("月均销售额", "Monthly sales", MONEY), Column("坪效", "Sales per m²", MONEY)]


def _write_xlsx(path: Path, data: dict[str, Any], t: Callable[..., str]) -> None:
    """One sheet per table. 收缴 is a one-row summary with the arrears by age under it: nothing to filter."""
    wb = Workbook()
    page = page_text(t, "经营报表", "Leasing report", dt.date.fromisoformat(data["date"]))
    occupancy = []
    for (dim, group), v in sorted(data["occupancy"].items()):
        rate = (v["leased_area"] / v["area"]).quantize(RATE) if v["area"] else Decimal(0)
        occupancy.append(["楼层" if dim == "floor" else "品类", group, int(v["units"]), int(v["leased_units"]),
                          v["area"], v["leased_area"], rate])
    table_sheet(wb, "出租率", OCCUPANCY, occupancy, page=page)
    billed, collected = data["billed"], data["collected"]
    money: list[list[object]] = [[billed, collected, (collected / billed).quantize(RATE) if billed else Decimal(0)],
                                 [], list(AGING_HEAD)]
    money += [[bucket, amount] for bucket, amount in data["aging"].items()]
    sheet = table_sheet(wb, "收缴", COLLECTION, money, page=page, autofilter=False)
    for col, text in enumerate(AGING_HEAD, start=1):
        style_header(sheet.cell(row=4, column=col), text)
    sales = [[key, row["tenant"], row["category"], row["area"], round_fen(row["sales"] / row["months"]),
              row["per_sqm"]] for key, row in sorted(data["sales"].items())]
    table_sheet(wb, "坪效", SALES, sales, page=page)
    save(wb, path)


def refresh_outputs(ws: Workspace) -> None:
    """The rent roll and the report, each rewritten only if what it shows changed."""
    write_rent_roll(ws)
    write_report(ws)
