"""The fund plan workbook and PDF, output/月度计划/FP-2026-12 资金使用计划.xlsx and .pdf: each planned line's
price (and where it came from), terms and payments, what open orders owe, and the cash going out week by week
and month by month, with a chart of the weeks in the PDF. Rewritten only when what they show changed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from ..charts import bar_chart
from ..money import capitals
from ..sheets.cells import MONEY, QUANTITY
from ..sheets.generated import LOOK, page_text, save, table_sheet, unchanged
from ..sheets.layout import Column
from ..store.db import Record
from ..workflow.lifecycle import Lifecycle
from ..workspace import Workspace
from . import reading
from .plan_book import REVIEW, num, review_rows
from .serial import loads

LINES = [Column("计划行号", "Line"), Column("物料编码", "Code"), Column("物料名称", "Name"), Column("单位", "Unit"),
         Column("计划采购量", "Quantity", QUANTITY), Column("单价", "Unit price", MONEY),
         Column("金额", "Amount", MONEY), Column("价格来源", "Price from"), Column("依据", "Reference"),
         Column("供应商", "Supplier"), Column("付款条件", "Terms"), Column("下单日期", "Order on"),
         Column("到货日期", "Delivery"), Column("付款安排", "Payments")]
OWED = [Column("订单编号", "Order"), Column("供应商", "Supplier"), Column("状态", "State"),
        Column("应付金额", "Owed", MONEY), Column("付款日期", "Due")]
WEEKS = [Column("周（周一）", "Week (Monday)"), Column("本月计划", "This plan", MONEY),
         Column("在途订单", "Open orders", MONEY), Column("合计", "Total", MONEY), Column("累计", "Cumulative", MONEY)]
MONTHS = [Column("月份", "Month"), Column("本月计划", "This plan", MONEY), Column("在途订单", "Open orders", MONEY),
          Column("合计", "Total", MONEY)]


def fund_paths(ws: Workspace, key: str) -> tuple[Path, Path]:
    xlsx = ws.cfg.output_dir / "月度计划" / f"{key} 资金使用计划.xlsx"
    return xlsx, xlsx.with_suffix(".pdf")


def source_text(ws: Workspace, source: str) -> str:
    return ws.t(f"planning.price_{source}")


def terms_text(ws: Workspace, line: dict[str, Any]) -> str:
    pct, days = reading.dec(line.get("advance_pct")), int(reading.dec(line.get("credit_days")))
    rest = ws.t("planning.terms_net", days=days) if days > 0 else ws.t("planning.terms_delivery")
    if pct >= 100:
        return ws.t("planning.terms_advance_all")
    return ws.t("planning.terms_advance", pct=line.get("advance_pct"), rest=rest) if pct > 0 else rest


def payments_text(ws: Workspace, line: dict[str, Any]) -> str:
    return "；".join(f"{on} ¥{reading.dec(amount):,.2f} {ws.t('planning.pay_' + kind)}"
                    for on, amount, kind in line.get("payments", []))


def line_rows(ws: Workspace, record: Record) -> list[list[object]]:
    return [[ln["ref"], ln["code"], ln.get("name", ""), ln.get("unit", ""), num(ln["quantity"]),
             num(ln.get("unit_price")), num(ln["amount"]), source_text(ws, ln["source"]), ln.get("source_ref", ""),
             ln.get("supplier", ""), terms_text(ws, ln), ln.get("order_on", ""), ln.get("needed_by", ""),
             payments_text(ws, ln)] for ln in loads(record, "lines")]


def week_rows(record: Record) -> list[list[object]]:
    rows, running = [], reading.dec(0)
    for week, planned, owed, total in loads(record, "weeks"):
        running += reading.dec(total)
        rows.append([week, num(planned), num(owed), num(total), running])
    return rows


def owed_rows(ws: Workspace, record: Record) -> list[list[object]]:
    form = ws.forms.get(reading.ORDER)
    label = Lifecycle(ws, form).label if form is not None else (lambda s: s)
    return [[o["key"], o.get("supplier", ""), label(o.get("state", "")), num(o["amount"]), o["due"]]
            for o in loads(record, "owed")]


def review_of(record: Record) -> dict[str, Any]:
    try:
        value = json.loads(record.data.get("review") or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def write_fund_books(ws: Workspace) -> None:
    for record in ws.store.records(reading.FUND):
        if record.state == "invalid" or not record.data.get("digest"):
            continue
        xlsx, pdf = fund_paths(ws, record.key)
        versions = ws.store.plan_versions(record.key)
        mark = repr((LOOK, 1, record.data.get("digest"), record.state, len(versions)))
        meta = f"fundbook:{record.key}"
        if unchanged(ws.store, meta, mark, xlsx, empty=False) and pdf.exists():
            continue
        write_fund_book(ws, record, xlsx, len(versions) or 1)
        from ..documents.pdf import write_report_pdf  # WeasyPrint is imported only when a document is made

        write_report_pdf(pdf, "fund_plan", pdf_context(ws, record), ws.cfg.templates_dir)
        with ws.store.transaction():
            ws.store.set_meta(meta, mark)


def write_fund_book(ws: Workspace, record: Record, xlsx: Path, version: int) -> None:
    today, t = ws.clock.today(), ws.t
    state = Lifecycle(ws, ws.forms[reading.FUND]).label(record.state)
    head = t("planning.fund_title", key=record.key, month=record.data.get("month", ""), plan=record.data.get("plan"),
             version=version, state=state, total=f"{reading.dec(record.data.get('total')):,.2f}")
    wb = Workbook()
    table_sheet(wb, "资金明细", LINES, line_rows(ws, record), note=head + "\n" + t("planning.fund_lines_note"),
                page=page_text(t, "资金使用计划", "Fund-use plan", today))
    table_sheet(wb, "在途订单应付", OWED, owed_rows(ws, record), note=t("planning.owed_note"),
                page=page_text(t, "在途订单应付", "Owed on open orders", today))
    table_sheet(wb, "按周", WEEKS, week_rows(record), note=t("planning.weeks_note"),
                page=page_text(t, "按周付款", "Cash out by week", today))
    table_sheet(wb, "按月", MONTHS, [[m, num(a), num(b), num(c)] for m, a, b, c in loads(record, "months")],
                page=page_text(t, "按月付款", "Cash out by month", today))
    review = review_of(record)
    if review:
        table_sheet(wb, "上月执行", REVIEW, review_rows(review),
                    note=t("planning.review_note", plan=review.get("plan", ""), month=review.get("month", "")),
                    page=page_text(t, "上月执行", "Last month", today))
    save(wb, xlsx)


def pdf_context(ws: Workspace, record: Record) -> dict[str, Any]:
    """What the PDF shows, from the record alone, so the issued copy and a retry are the same bytes."""
    weeks = loads(record, "weeks")
    bars = [(w, float(reading.dec(a)), float(reading.dec(b))) for w, a, b, _ in weeks]
    chart = bar_chart("每周付款（元）Cash out by week (yuan)", bars, ("本月计划 This plan", "在途订单 Open orders")) \
        if bars else ""
    d = record.data
    return {"plan": {"number": record.key, "month": d.get("month", ""), "source_plan": d.get("plan", ""),
                     "preparer": d.get("preparer", ""), "remarks": d.get("remarks", ""),
                     "planned": f"{reading.dec(d.get('planned')):,.2f}",
                     "owed": f"{reading.dec(d.get('owed_total')):,.2f}",
                     "total": f"{reading.dec(d.get('total')):,.2f}", "words": capitals(reading.dec(d.get("total")))},
            "chart": str(chart),
            "lines": [[str(c) for c in row] for row in line_rows(ws, record)],
            "owed": [[str(c) for c in row] for row in owed_rows(ws, record)],
            "weeks": [[str(c) for c in row] for row in week_rows(record)],
            "review": review_of(record), "signers": [],
            "company": dict(ws.cfg.letterhead_for("purchasing").__dict__)}
