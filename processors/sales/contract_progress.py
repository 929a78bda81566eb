"""Where a sales contract stands: shipped and collected so far, the plan lines still open, the state that follows.

Read from the store every time rather than kept as running totals on the contract,
so a contract's row, its reminders and the plans workbook can never disagree with the
shipment and collection rows they come from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from ..effects import set_state
from ..money import format_figures
from ..store.db import Record
from ..workspace import Workspace
from .contract_plans import ZERO, OpenLine, open_lines, stored_plan

CONTRACT, MOVEMENT, ORDER = "sales_contract", "contract_movement", "customer_order"
FAMILY = "sales"
#: issued: the content is fixed (an amendment changes it); LIVE: shipments, collections and reminders go on
LIVE = ("in_production", "partly_shipped", "shipped")
ISSUED = (*LIVE, "collected", "superseded")
KINDS = ("shipment", "collection")


def dec(value: str | None) -> Decimal:
    try:
        return Decimal(value or "0")
    except InvalidOperation:
        return ZERO


@dataclass(frozen=True)
class Progress:
    total: Decimal
    shipped: Decimal
    collected: Decimal
    open_shipments: list[OpenLine]
    open_collections: list[OpenLine]

    def done(self, kind: str) -> Decimal:
        return self.shipped if kind == "shipment" else self.collected

    def left(self, kind: str) -> Decimal:
        return self.total - self.done(kind)

    @property
    def state(self) -> str:
        if self.shipped <= 0:
            return "in_production"
        if self.shipped < self.total:
            return "partly_shipped"
        return "collected" if self.collected >= self.total else "shipped"


def movements_of(ws: Workspace, contract_key: str) -> list[Record]:
    return [m for m in ws.store.records_naming(MOVEMENT, "contract", contract_key) if m.state == "recorded"]


def progress(ws: Workspace, contract: Record, extra: Record | None = None) -> Progress:
    """`extra`: a movement being recorded in this very transaction, counted even before it reads as recorded."""
    done = {k: ZERO for k in KINDS}
    seen = set()
    for m in [*movements_of(ws, contract.key), *([extra] if extra is not None else [])]:
        if m.key in seen or m.data.get("kind") not in done:
            continue
        seen.add(m.key)
        done[m.data["kind"]] += dec(m.data.get("value"))
    due = ws.calendar.next_working_day
    return Progress(dec(contract.data.get("total")), done["shipment"], done["collection"],
                    open_lines(stored_plan(contract.data, "ship_plan"), done["shipment"], due),
                    open_lines(stored_plan(contract.data, "pay_plan"), done["collection"], due))


def settle(ws: Workspace, contract: Record, extra: Record | None = None) -> Progress:
    """Move the contract to the state its shipments and collections say (in production … collected)."""
    p = progress(ws, contract, extra)
    if contract.state in LIVE or contract.state == "collected":
        set_state(ws, contract, p.state, ws.t("contracts.t_progress", shipped=format_figures(p.shipped),
                                              collected=format_figures(p.collected), total=format_figures(p.total)))
        ws.store.mark_sheet_dirty(contract.id)
    return p


def late_days(ws: Workspace, line: OpenLine, today: dt.date) -> int:
    """Working days since the line fell due (0 on or before its due day)."""
    return max(0, ws.calendar.working_days_between(line.due, today)) if today > line.due else 0
