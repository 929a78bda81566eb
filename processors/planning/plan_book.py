"""The plan workbook, output/月度计划/MP-2026-12 月度采购计划.xlsx: every figure of every line a column, and how
each gross need was reached on a sheet of its own (R5). Rewritten only when what it shows changed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from ..sheets.cells import QUANTITY
from ..sheets.generated import LOOK, page_text, save, table_sheet, unchanged
from ..sheets.layout import Column
from ..store.db import Record
from ..workflow.lifecycle import Lifecycle
from ..workspace import Workspace
from . import reading
from .serial import loads

N = QUANTITY
LINES = [Column("计划行号", "Line"), Column("物料编码", "Code"), Column("物料名称", "Name"),
         Column("规格型号", "Spec"), Column("单位", "Unit"), Column("层级", "Level", "0"),
         Column("毛需求", "Gross need", N), Column("现有库存", "On hand", N), Column("在途订单", "On order", N),
         Column("已预留", "Reserved", N), Column("安全库存", "Safety stock", N), Column("净需求", "Net need", N),
         Column("最小起订量", "Minimum order", N), Column("包装倍数", "Pack size", N),
         Column("建议采购量", "Suggested", N), Column("调整后数量", "Override", N), Column("调整理由", "Reason"),
         Column("调整人", "By"), Column("计划采购量", "To buy", N), Column("需用日期", "Needed by"),
         Column("需求来源", "Tasks"), Column("已下单", "Ordered", N)]
MADE = [Column("编码", "Code"), Column("名称", "Name"), Column("层级", "Level", "0"),
        Column("毛需求", "Gross need", N), Column("现有库存", "On hand", N), Column("已预留", "Reserved", N),
        Column("安全库存", "Safety stock", N), Column("净需求", "Net need", N), Column("计划生产量", "To make", N),
        Column("调整理由", "Reason"), Column("需用日期", "Needed by")]
TRACE = [Column("物料编码", "Code"), Column("来源", "From"), Column("定额行", "Quota row"),
         Column("上级数量", "Parent quantity", N), Column("单耗", "Per unit", N), Column("损耗率（%）", "Loss (%)", N),
         Column("需求量", "Need", N)]
REVIEW = [Column("计划行号", "Line"), Column("物料编码", "Code"), Column("物料名称", "Name"),
          Column("计划数量", "Planned", N), Column("计划金额", "Planned amount", "#,##0.00"),
          Column("已下单数量", "Ordered", N), Column("已下单金额", "Ordered amount", "#,##0.00"),
          Column("已付款", "Paid", "#,##0.00")]
VERSIONS = [Column("版本", "Version", "0"), Column("计算时间", "Computed"), Column("计划行", "Lines", "0"),
            Column("采购种数", "To buy", "0"), Column("调整项", "Overrides", "0")]


def num(text: object) -> object:
    """Figures go into the workbook as numbers (never formulas); a blank stays blank."""
    if text in (None, ""):
        return ""
    value = reading.dec(text)
    return int(value) if value == value.to_integral_value() else value


def ordered(ws: Workspace, key: str) -> dict[str, object]:
    out: dict[str, Any] = {}
    for line in ws.store.records(reading.LINE):
        ref = line.data.get("request", "")
        if ref.startswith(key + "-") and line.state in ("ordered", "partial", "received", "failed", "settled"):
            out[ref] = out.get(ref, reading.dec(0)) + reading.dec(line.data.get("quantity"))
    return out


def line_rows(key: str, lines: list[dict[str, Any]], done: dict[str, object]) -> list[list[object]]:
    return [[f"{key}-{ln.get('no', '')}", ln["code"], ln.get("name", ""), ln.get("spec", ""), ln.get("unit", ""),
             ln.get("level", 0), num(ln["gross"]), num(ln["on_hand"]), num(ln["on_order"]), num(ln["reserved"]),
             num(ln["safety"]), num(ln["net"]), num(ln["moq"]), num(ln["multiple"]), num(ln["suggested"]),
             num(ln.get("override")), ln.get("reason", ""), ln.get("by", ""), num(ln["final"]),
             ln.get("needed_by", ""), "、".join(ln.get("tasks", [])), num(done.get(f"{key}-{ln.get('no', '')}", ""))]
            for ln in lines]


def made_rows(made: list[dict[str, Any]]) -> list[list[object]]:
    return [[ln["code"], ln.get("name", ""), ln.get("level", 0), num(ln["gross"]), num(ln["on_hand"]),
             num(ln["reserved"]), num(ln["safety"]), num(ln["net"]), num(ln["final"]), ln.get("reason", ""),
             ln.get("needed_by", "")] for ln in made]


def review_rows(review: dict[str, Any]) -> list[list[object]]:
    return [[r[0], r[1], r[2], num(r[3]), num(r[4]), num(r[5]), num(r[6]), num(r[7])] for r in review.get("rows", [])]


def plan_paths(ws: Workspace, key: str) -> tuple[Path, Path]:
    xlsx = ws.cfg.output_dir / "月度计划" / f"{key} 月度采购计划.xlsx"
    return xlsx, xlsx.with_suffix(".pdf")


def write_plan_books(ws: Workspace) -> None:
    for record in ws.store.records(reading.PLAN):
        if record.state == "invalid" or not record.data.get("digest"):
            continue
        xlsx, _ = plan_paths(ws, record.key)
        versions = ws.store.plan_versions(record.key)
        done = ordered(ws, record.key)
        mark = repr((LOOK, 1, record.data.get("digest"), record.state, len(versions), sorted(done.items()),
                     record.data.get("review", "")))
        meta = f"planbook:{record.key}"
        if unchanged(ws.store, meta, mark, xlsx, empty=False):
            continue
        write_plan_book(ws, record, xlsx, done, versions)
        with ws.store.transaction():
            ws.store.set_meta(meta, mark)


def write_plan_book(ws: Workspace, record: Record, xlsx: Path, done: dict[str, object], versions: list[Any]) -> None:
    today, t = ws.clock.today(), ws.t
    state = Lifecycle(ws, ws.forms[reading.PLAN]).label(record.state)
    title = t("planning.book_title", key=record.key, month=record.data.get("month", ""),
              version=len(versions) or 1, state=state)
    wb = Workbook()
    table_sheet(wb, "采购计划", LINES, line_rows(record.key, loads(record, "lines"), done),
                note=title + "\n" + t("planning.lines_note"), page=page_text(t, "月度采购计划", "Purchase plan", today))
    table_sheet(wb, "自制件与产品", MADE, made_rows(loads(record, "made")), note=t("planning.made_note"),
                page=page_text(t, "自制件与产品", "Made items", today))
    table_sheet(wb, "需求明细", TRACE, [[r[0], r[1], r[2], num(r[3]), num(r[4]), num(r[5]), num(r[6])]
                                      for r in loads(record, "trace")],
                note=t("planning.trace_note"), page=page_text(t, "需求明细", "Where each need comes from", today))
    try:
        review = json.loads(record.data.get("review") or "{}")
    except ValueError:
        review = {}
    if review:
        table_sheet(wb, "上月执行", REVIEW, review_rows(review),
                    note=t("planning.review_note", plan=review.get("plan", ""), month=review.get("month", "")),
                    page=page_text(t, "上月执行", "Last month", today))
    rows = []
    for v in versions:
        s = json.loads(v["summary"] or "{}")
        rows.append([v["version"], v["at"].replace("T", " ")[:16], s.get("lines", 0), s.get("buying", 0),
                     s.get("overridden", 0)])
    table_sheet(wb, "版本", VERSIONS, rows, note=t("planning.versions_note"),
                page=page_text(t, "版本", "Versions", today))
    save(wb, xlsx)
