"""output/发运回款计划.xlsx (C4): what ships and what is due this week and this month, and what is late.

One sheet per period, each a plan line still open: the contract, the customer, shipment
or collection, the planned day and the working day it falls due, planned, done and
remaining, and how many working days it is late. A late line stays on both sheets until
it is done, so nothing overdue drops off the list at a month's turn. Rewritten only when
what it shows changed (the overdue days count up, so at most once a day while anything
is late).
"""

from __future__ import annotations

import calendar
import datetime as dt
from pathlib import Path

from openpyxl import Workbook

from ..sheets.cells import COUNT, DATE, MONEY
from ..sheets.generated import LOOK, page_text, save, table_sheet, unchanged
from ..sheets.layout import Column
from ..workspace import Workspace
from .contract_progress import CONTRACT, LIVE, late_days, progress

COLUMNS = [Column("合同编号", "Contract"), Column("客户", "Customer"), Column("类别", "Kind"),
           Column("计划日期", "Planned on", DATE), Column("应完成日", "Due", DATE),
           Column("计划金额", "Planned", MONEY), Column("已完成", "Done", MONEY), Column("剩余", "Remaining", MONEY),
           Column("逾期工作日", "Days late", COUNT)]
KIND_TEXT = {"shipment": "发运 shipment", "collection": "回款 collection"}


def plans_path(ws: Workspace) -> Path:
    return ws.cfg.output_dir / ws.cfg.sales.plans_file


def period_ends(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last day of this week (Sunday) and of this month."""
    week = today + dt.timedelta(days=6 - today.weekday())
    month = today.replace(day=calendar.monthrange(today.year, today.month)[1])
    return week, month


def plan_rows(ws: Workspace, until: dt.date) -> list[list[object]]:
    """Open plan lines of live contracts falling due by `until` (the late ones included), by due day."""
    today = ws.clock.today()
    rows: list[tuple[dt.date, str, list[object]]] = []
    for contract in ws.store.records(CONTRACT):
        if contract.state not in LIVE and contract.state != "collected":
            continue
        p = progress(ws, contract)
        for kind, lines in (("shipment", p.open_shipments), ("collection", p.open_collections)):
            for ln in lines:
                if ln.due <= until:
                    rows.append((ln.due, contract.key, [
                        contract.key, contract.data.get("customer", ""), KIND_TEXT[kind], ln.day, ln.due,
                        ln.planned, ln.done, ln.remaining, late_days(ws, ln, today)]))
    return [r for _, _, r in sorted(rows, key=lambda r: (r[0], r[1]))]


def refresh_plans(ws: Workspace) -> Path | None:
    """Rewrite the workbook when what it shows changed; None when it was left as it was."""
    today = ws.clock.today()
    week_end, month_end = period_ends(today)
    week, month = plan_rows(ws, week_end), plan_rows(ws, month_end)
    path = plans_path(ws)
    mark = repr((LOOK, week, month))
    if unchanged(ws.store, "contract_plans", mark, path, empty=not month):
        return None
    note = ws.t("contracts.plans_note", day=today.isoformat(), week_end=week_end.isoformat(),
                month_end=month_end.isoformat())
    wb = Workbook()
    page = page_text(ws.t, "发运回款计划", "Shipments and collections due", today)
    table_sheet(wb, "本周 This week", COLUMNS, week, note=note, page=page)
    table_sheet(wb, "本月 This month", COLUMNS, month, note=note, page=page)
    save(wb, path)
    with ws.store.transaction():
        ws.store.set_meta("contract_plans", mark)
    return path
