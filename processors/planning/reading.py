"""The plan's inputs as the store holds them, turned into the computation's terms (mrp.py).

One place knows which records count: recorded rows of the input sheets (a loop's rows too, so the computation
can name the loop), the month's tasks and overrides, and the order lines still to come. What is on order is
found by the plan line an order line names (MP-2026-12-03) or, for orders placed outside a plan, by the
material's name and spec as typed in the stock sheet.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ..plan_lines import lines_of
from ..sourcing import day, dec, same
from ..store.db import Record, Store
from .mrp import Override, Quota, Stock, Task, normal_code

TASK, BOM, MATERIAL, OVERRIDE, PLAN, FUND = ("production_task", "bom", "material", "plan_override", "monthly_plan",
                                             "fund_plan")
LINE, ORDER = "order_line", "purchase_order"
#: order-line states still to come in (the rest of the line is on order)
COMING = ("ordered", "partial")
INPUT_FORMS = (TASK, BOM, MATERIAL, OVERRIDE, LINE, ORDER)


def month_days(month: str) -> tuple[dt.date, dt.date]:
    """The first and last day of "2026-12"."""
    year, m = (int(p) for p in month.split("-"))
    first = dt.date(year, m, 1)
    nxt = dt.date(year + (m == 12), m % 12 + 1, 1)
    return first, nxt - dt.timedelta(days=1)


def previous_month(month: str) -> str:
    first, _ = month_days(month)
    before = first - dt.timedelta(days=1)
    return f"{before.year}-{before.month:02d}"


def inputs_mark(store: Store) -> str:
    """Changes when anything a plan reads changes: rows, states, and the received quantities of order lines
    (tracking columns, which the content hash of a line does not cover)."""
    return store.records_mark(INPUT_FORMS, {LINE: "received_qty"})


def tasks(store: Store, month: str) -> list[Task]:
    out = []
    for r in store.records(TASK):
        if r.state == "recorded" and r.data.get("month") == month:
            out.append(Task(ref=r.key, row=r.row_hint or 0, product=normal_code(r.data.get("product", "")),
                            quantity=dec(r.data.get("quantity")), start=day(r.data.get("start")),
                            due=day(r.data.get("due"))))
    return out


def quotas(store: Store) -> list[Quota]:
    return [Quota(ref=r.key, row=r.row_hint or 0, parent=normal_code(r.data.get("parent", "")),
                  component=normal_code(r.data.get("component", "")), per_unit=dec(r.data.get("per_unit")),
                  scrap=dec(r.data.get("scrap")))
            for r in store.records(BOM) if r.state in ("recorded", "cycle")]


def materials(store: Store) -> dict[str, Record]:
    return {normal_code(r.data.get("code", "")): r for r in store.records(MATERIAL) if r.state == "recorded"}


def stocks(found: dict[str, Record]) -> dict[str, Stock]:
    return {code: Stock(code=code, on_hand=dec(r.data.get("on_hand")), reserved=dec(r.data.get("reserved")),
                        safety=dec(r.data.get("safety")), moq=dec(r.data.get("moq")),
                        multiple=dec(r.data.get("multiple")))
            for code, r in found.items()}


def overrides(store: Store, month: str) -> dict[str, Override]:
    out = {}
    for r in store.records(OVERRIDE):
        if r.state == "recorded" and r.data.get("month") == month:
            out[normal_code(r.data.get("code", ""))] = Override(
                quantity=dec(r.data.get("quantity")), reason=r.data.get("reason", ""), by=r.data.get("planner", ""),
                ref=r.key)
    return out


def plan_line_code(store: Store, ref: str, cache: dict[str, dict[str, dict[str, str]]] | None = None) -> str | None:
    """The material code of a plan line named by an order line (MP-2026-12-03), or None."""
    plan_key, _, no = ref.rpartition("-")
    cache = {} if cache is None else cache
    if plan_key not in cache:
        cache[plan_key] = lines_of(store.record(plan_key)) if plan_key.startswith("MP-") else {}
    line = cache[plan_key].get(no)
    return str(line.get("code", "")) if line else None


def on_order(store: Store, found: dict[str, Record]) -> dict[str, Decimal]:
    """Per material code, what open order lines still have to deliver (ordered − received)."""
    by_name: list[tuple[str, str, str]] = [(r.data.get("name", ""), r.data.get("spec", ""), code)
                                           for code, r in found.items()]
    out: dict[str, Decimal] = {}
    cache: dict[str, dict[str, dict[str, str]]] = {}
    for line in store.records(LINE):
        if line.state not in COMING:
            continue
        d = line.data
        left = dec(d.get("quantity")) - dec(d.get("received_qty"))
        if left <= 0:
            continue
        code = plan_line_code(store, d.get("request", ""), cache) if d.get("request", "").startswith("MP-") else None
        if code is None:
            code = next((c for name, spec, c in by_name if same(name, d.get("item", ""))
                         and (not spec or not d.get("spec") or same(spec, d.get("spec", "")))), None)
        if code:
            out[code] = out.get(code, Decimal(0)) + left
    return out
