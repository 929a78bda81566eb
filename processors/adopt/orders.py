"""Historic purchase orders come in with their lines: the lines first (an order's content is its lines), then
the orders, in one run of `sheetflow adopt sheets/采购订单.xlsx`.

A line follows the state of the order row that names it (by number or draft label): placed → ordered,
received → received, payment requested / closed → settled. It must name a request the store already keeps
(adopted first); R6's approved plan is waived for adopted lines only, since historic orders were placed before
sheetflow kept plans. An order is refused when it has no line or any of its lines is refused, and then its lines
are refused too: `book.py` decides both sheets once in a transaction rolled back (a trial) to learn which orders
will be refused for their own reasons, so no line is ever left adopted without its order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from ..engine.rows import cell_text
from ..forms.definition import FormDef, normalize_header
from ..forms.validate import RowResult
from ..orders import model
from ..sheets.base import SheetRow, Snapshot
from ..store.db import Record
from ..workspace import Workspace
from .adopter import Adopter, parse_key, spellings

#: the line state that follows each order state adopted
LINE_STATE = {"placed": "ordered", "overdue": "ordered", "received": "received",
              "payment_requested": "settled", "closed": "settled"}
#: R6's plan check, waived for adopted lines (their orders were placed before sheetflow)
WAIVED = ("orders.request_not_planned",)


@dataclass
class OrderPlan:
    """What the trial learnt, for the real run: the order rows refused, each refused line per order row."""
    rows: dict[str, int] = field(default_factory=dict)          # an order row's number and draft label -> row
    states: dict[int, str] = field(default_factory=dict)        # order row -> the state its status names
    refused: set[int] = field(default_factory=set)              # order rows not adopted
    line_reasons: dict[int, list[str]] = field(default_factory=dict)   # order row -> why some of its lines fail
    adopted: dict[int, tuple[str, str]] = field(default_factory=dict)  # order row -> (its number, its due day)

    def order_row(self, ref: str, form: FormDef) -> int | None:
        parsed = parse_key(form, ref) if ref else None
        return self.rows.get(parsed[0] if parsed else ref.strip())


def plan_orders(form: FormDef, snap: Snapshot) -> OrderPlan:
    """Which order row each reference names and the state its status shows (blank/unknown: '')."""
    plan, names = OrderPlan(), spellings(form)
    for row in snap.rows:
        text = cell_text(row.values.get("key"))
        parsed = parse_key(form, text) if text else None
        for name in (parsed[0] if parsed else text, cell_text(row.values.get("draft")).strip()):
            if name:
                plan.rows.setdefault(name, row.number)
        plan.states[row.number] = names.get(normalize_header(cell_text(row.values.get("status"))), "")
    return plan


class LineAdopter(Adopter):
    """A line in the state its order's row shows; refused when that order is not adopted."""

    def __init__(self, *args: object, plan: OrderPlan, orders: FormDef, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)   # type: ignore[arg-type]
        self.order_plan, self.orders = plan, orders

    def validated(self, i: int, row: SheetRow, key: str) -> tuple[RowResult, str, bool]:
        result, chash, blank = super().validated(i, row, key)
        result.problems = [p for p in result.problems if p.code not in WAIVED]
        return result, chash, blank

    def state_of(self, row: SheetRow, result: RowResult) -> tuple[str, str]:
        t, ref = self.ws.t, cell_text(row.values.get("order")).strip()
        number = self.order_plan.order_row(ref, self.orders)
        if number is None:
            return "", t("adopt.line_no_order", order=ref or "-")
        state = LINE_STATE.get(self.order_plan.states.get(number, ""), "")
        if not state or number in self.order_plan.refused:
            return "", t("adopt.line_order_refused", order=ref, row=number)
        return state, ""

    def note(self, record: Record, state: str) -> str:
        return self.ws.t("adopt.historic_line")

    def guidance(self, record: Record) -> str:
        """As `LineKind.guidance` says it once its order is in the store (it comes in after its lines)."""
        number = self.order_plan.order_row(record.data.get("order", ""), self.orders)
        if record.state == "ordered" and number in self.order_plan.adopted:
            key, due = self.order_plan.adopted[number]
            left = model.decimal(record.data.get("quantity")) - model.decimal(record.data.get("received_qty"))
            return self.ws.t("orders.line_due", order=key, due=due[:10], left=_q(left))
        return super().guidance(record)


class OrderAdopter(Adopter):
    """An order refused when one of its lines is; a placed order past its delivery date adopted overdue."""

    def __init__(self, *args: object, plan: OrderPlan, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)   # type: ignore[arg-type]
        self.order_plan = plan

    def state_of(self, row: SheetRow, result: RowResult) -> tuple[str, str]:
        reasons = self.order_plan.line_reasons.get(row.number)
        if reasons:
            return "", " ".join(reasons)
        state, why = super().state_of(row, result)
        if state == "placed" and _past_due(result.values, self.ws.clock.today()):
            return "overdue", ""
        return state, why

    def guidance(self, record: Record) -> str:
        """With the notice adoption kept for it (too few contacts, derived.py) before it, as a pass shows it."""
        stored = self.store.record(record.key)
        text = super().guidance(record)
        return f"{stored.notice} {text}".strip() if stored is not None and stored.notice else text

    def note(self, record: Record, state: str) -> str:
        if state == "overdue":
            return self.ws.t("adopt.overdue_done", due=_due(record.data))
        return self.ws.t("adopt.historic_order")


def line_reasons(ws: Workspace, plan: OrderPlan, lines: Snapshot, refused_lines: dict[int, str],
                 orders: FormDef) -> None:
    """Each order row's refused lines, said in the order's row: a request not in the store is named."""
    for row in lines.rows:
        if row.number not in refused_lines:
            continue
        number = plan.order_row(cell_text(row.values.get("order")), orders)
        if number is None:
            continue
        request = cell_text(row.values.get("request")).strip().upper()
        known = ws.store.record(request) if request else None
        if request and (known is None or known.form != model.REQUEST):
            text = ws.t("adopt.line_request_missing", row=row.number, request=request)
        else:
            text = ws.t("adopt.line_refused", row=row.number)
        plan.line_reasons.setdefault(number, []).append(text)


def _due(data: dict[str, str]) -> str:
    return (data.get("confirmed_date") or data.get("delivery_date") or "")[:10]


def _past_due(values: dict[str, object], today: dt.date) -> bool:
    due = values.get("confirmed_date") or values.get("delivery_date")
    if isinstance(due, dt.datetime):
        due = due.date()
    if isinstance(due, str):
        due = model.day(due)
    return isinstance(due, dt.date) and due < today


def _q(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
