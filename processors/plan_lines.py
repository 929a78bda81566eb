"""The monthly purchase plan's lines, as the families that order against them read them (R5, R6).

Below the families (DESIGN.md: what several share lives under them): the planning family writes an approved
plan's purchase lines into its record (`lines`, each with its number `no`), and an order line names one as its
request, MP-2026-12-03, instead of a purchase request: the plan is the approval R6 asks for. Neither family
imports the other.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation

from .store.db import Record, Store

PLAN = "monthly_plan"


def is_plan_line(ref: str) -> bool:
    return ref.upper().startswith("MP-")


def lines_of(plan: Record | None) -> dict[str, dict[str, str]]:
    """A plan's purchase lines by their number ("03"); {} for anything else."""
    if plan is None or plan.form != PLAN:
        return {}
    try:
        lines = json.loads(plan.data.get("lines") or "[]")
    except ValueError:
        return {}
    return {str(line.get("no", "")): line for line in lines if isinstance(line, dict) and line.get("no")}


def find(store: Store, ref: str) -> tuple[Record, dict[str, str]] | None:
    """(plan record, line) for MP-2026-12-03, or None when no plan has that line."""
    plan_key, _, no = ref.strip().upper().rpartition("-")
    if not plan_key.startswith("MP-"):
        return None
    plan = store.record(plan_key)
    line = lines_of(plan).get(no)
    return (plan, line) if plan is not None and line is not None else None


def quantity(line: dict[str, str]) -> Decimal:
    """What the plan decided to buy of the line (after any override)."""
    try:
        return Decimal(str(line.get("final") or "0"))
    except InvalidOperation:
        return Decimal(0)
