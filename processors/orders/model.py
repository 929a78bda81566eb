"""The store as the order forms read it: requests, plans, lines and orders, and what each may still take.

Records of the three forms keep their derived facts in `data` (JSON text): a
plan its `requests`, an order its `lines` and `total`, and dates the kinds set
on the way (`received_on`, `payment_due`). These helpers are the one place that
knows those shapes.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal, InvalidOperation

from ..money import line_total, round_fen
from ..plan_lines import is_plan_line
from ..store.changes import digest as digest  # re-exported: the order kinds call model.digest
from ..store.db import Record, Store

REQUEST, PLAN, LINE, ORDER = "purchase_request", "purchase_plan", "order_line", "purchase_order"
#: the form family of these documents: config.toml's [company.purchasing] heads them where it is set
FAMILY = "purchasing"
#: line states in which the line still counts against its request's approved quantity
LIVE_LINE = ("open", "ordered", "partial", "received", "failed", "settled")
DONE_LINE = ("received", "settled")
#: order states once issued: its content can no longer change
ISSUED = ("awaiting_confirmation", "placed", "overdue", "contingency", "received", "payment_due",
          "payment_requested", "closed", "superseded")
OPEN_ORDER = ("awaiting_confirmation", "placed", "overdue", "contingency")


def decimal(text: str | None, default: str = "0") -> Decimal:
    try:
        return Decimal(text if text not in (None, "") else default)
    except InvalidOperation:
        return Decimal(default)


def json_list(data: dict[str, str], key: str) -> list:  # type: ignore[type-arg]
    try:
        value = json.loads(data.get(key) or "[]")
    except ValueError:
        return []
    return value if isinstance(value, list) else []


def day(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((text or "")[:10]) if text else None
    except ValueError:
        return None


def records(store: Store, form: str, states: tuple[str, ...] | None = None) -> list[Record]:
    return [r for r in store.records(form) if states is None or r.state in states]


def plans_holding(store: Store, request_key: str, states: tuple[str, ...] = ("approved",)) -> list[Record]:
    return [p for p in store.records_naming(PLAN, "requests", request_key) if p.state in states]


def planned(store: Store) -> set[str]:
    """Requests held by a plan that is not rejected (or invalid): not free for another plan."""
    out: set[str] = set()
    for plan in store.records(PLAN):
        if plan.state not in ("rejected", "invalid"):
            out.update(json_list(plan.data, "requests"))
    return out


def ordered_quantity(store: Store, request_key: str, excluding: str = "") -> Decimal:
    """What live order lines already take of a request (the line being checked excluded)."""
    total = Decimal(0)
    for line in records(store, LINE, LIVE_LINE):
        if line.data.get("request") == request_key and line.key != excluding:
            total += decimal(line.data.get("quantity"))
    return total


def lines_of(store: Store, order: Record | None, draft: str, key: str = "") -> list[Record]:
    """An order's numbered lines: those whose 「所属订单」 names its draft label or its number."""
    names = {n for n in (draft.strip(), key.strip(), order.key if order else "") if n}
    return sorted((r for r in records(store, LINE) if r.data.get("order", "").strip() in names
                   and r.state not in ("invalid", "superseded")), key=lambda r: r.key)


def line_summary(line: Record) -> dict[str, str]:
    d = line.data
    total = line_total(decimal(d.get("quantity")), decimal(d.get("unit_price")))
    return {"key": line.key, "request": d.get("request", ""), "item": d.get("item", ""), "spec": d.get("spec", ""),
            "unit": d.get("unit", ""), "quantity": d.get("quantity", "0"), "unit_price": d.get("unit_price", "0"),
            "total": str(total)}


def order_project(store: Store, data: dict[str, str]) -> str:
    """The order's project, or, where its row leaves 项目 blank, the projects of the requests its lines trace to
    (R6: every line names one), so the order and its payment request never print an empty project line."""
    if data.get("project", "").strip():
        return data["project"].strip()
    projects: list[str] = []
    for line in json_list(data, "lines"):
        ref = line.get("request", "")
        request = store.record(ref) if ref and not is_plan_line(ref) else None
        project = request.data.get("project", "").strip() if request else ref.rpartition("-")[0] if ref else ""
        if project and project not in projects:
            projects.append(project)
    return "、".join(projects)


def order_total(lines: list[dict[str, str]]) -> Decimal:
    return round_fen(sum((decimal(line["total"]) for line in lines), Decimal(0)))
