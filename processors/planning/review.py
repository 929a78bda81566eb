"""Last month's plan against what happened (R5): what was planned, ordered against it and paid.

An order line traces to a plan line by naming it (MP-2026-11-03); what it ordered is its quantity at its unit
price, and it counts as paid once its order was paid (付款日期 typed, or the order closed). The planned amount
is the approved fund plan's where there is one, else blank: a planned quantity without a price is not money.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from ..money import line_total
from ..store.db import Record, Store
from . import reading
from .serial import q

LIVE = ("ordered", "partial", "received", "failed", "settled")


def _fund_amounts(store: Store, month: str) -> dict[str, str]:
    for r in store.records(reading.FUND):
        if r.data.get("month") == month and r.state == "approved":
            try:
                return {ln["ref"]: ln["amount"] for ln in json.loads(r.data.get("lines") or "[]")}
            except (ValueError, KeyError, TypeError):
                return {}
    return {}


def last_month(store: Store, month: str) -> dict[str, Any]:
    """{"plan": MP-…, "rows": [[line, code, name, planned qty, planned amount, ordered qty, ordered amount, paid]],
    "totals": [...]} for the month before `month`, or {} when that month had no approved plan."""
    before = reading.previous_month(month)
    plan = next((r for r in store.records(reading.PLAN) if r.data.get("month") == before
                 and r.state == "approved"), None)
    if plan is None:
        return {}
    amounts = _fund_amounts(store, before)
    orders = {r.key: r for r in store.records(reading.ORDER)}
    drafts = {r.data.get("draft", ""): r for r in orders.values() if r.data.get("draft")}
    by_ref: dict[str, list[Record]] = {}
    for line in store.records(reading.LINE):
        if line.state in LIVE and line.data.get("request", "").startswith(plan.key + "-"):
            by_ref.setdefault(line.data["request"], []).append(line)
    rows, totals = [], [Decimal(0)] * 4
    try:
        lines = json.loads(plan.data.get("lines") or "[]")
    except ValueError:
        lines = []
    for ln in lines:
        ref = f"{plan.key}-{ln.get('no', '')}"
        ordered_qty, ordered_amt, paid = Decimal(0), Decimal(0), Decimal(0)
        for line in by_ref.get(ref, []):
            amount = line_total(reading.dec(line.data.get("quantity")), reading.dec(line.data.get("unit_price")))
            ordered_qty += reading.dec(line.data.get("quantity"))
            ordered_amt += amount
            ref_order = line.data.get("order", "").strip()
            order = orders.get(ref_order) or drafts.get(ref_order)
            if order is not None and (order.state == "closed" or order.data.get("paid_on")):
                paid += amount
        planned_amt = amounts.get(ref, "")
        rows.append([ref, ln.get("code", ""), ln.get("name", ""), ln.get("final", ""), planned_amt,
                     q(ordered_qty), str(ordered_amt), str(paid)])
        totals[0] += reading.dec(planned_amt)
        totals[1] += ordered_amt
        totals[2] += paid
        totals[3] += 1 if ordered_qty > 0 else 0
    return {"plan": plan.key, "month": before, "rows": rows,
            "totals": {"planned": str(totals[0]), "ordered": str(totals[1]), "paid": str(totals[2]),
                       "lines": len(rows), "ordered_lines": int(totals[3])}}
