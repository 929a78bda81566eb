"""A contract's shipment plan (发运计划) and collection plan (回款计划): one line per date, `date | amount or share`.

Typed in a cell the way staff write it (Alt+Enter between lines): `2026-12-10 | 40%` or
`2026-12-10 | 48,000`. A share is of the contract total; the last share line takes the
fen left over by rounding, so shares that add up to 100% add up to the total exactly.
Pure functions, no store: what is done (shipped, collected) is handed in, so a plan
read on any day can be recomputed.

What is done is set against the plan oldest line first, as a payment settles the
oldest bill: a line is open while the amount done so far has not reached the plan's
running total up to it. A line's due day is its date moved onto a working day.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from ..cell_lines import cell_lines
from ..money import round_fen

ZERO = Decimal("0.00")
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_JUNK = re.compile(r"[,，\s¥￥元]|RMB|CNY", re.IGNORECASE)


@dataclass(frozen=True)
class PlanLine:
    no: int
    day: dt.date
    amount: Decimal
    share: str = ""            # "40%" as typed, for the document; "" when an amount was typed

    def as_dict(self) -> dict[str, str]:
        return {"no": str(self.no), "date": self.day.isoformat(), "amount": str(self.amount), "share": self.share}


@dataclass(frozen=True)
class BadPlanLine:
    line: int
    text: str
    why: str                   # "parts" | "date" | "amount"


@dataclass(frozen=True)
class OpenLine:
    """A plan line with something still to do: planned, done against it, what remains, and when it falls due."""

    no: int
    day: dt.date
    due: dt.date
    planned: Decimal
    done: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.planned - self.done


def parse_day(text: str) -> dt.date | None:
    m = _DATE.match(text.strip())
    if not m:
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def parse_amount(text: str, total: Decimal) -> tuple[Decimal, str] | None:
    """(amount, share as typed) for "40%" of `total` or a figure; None when it is neither a positive number."""
    raw = _JUNK.sub("", text.replace("％", "%"))
    share = raw.endswith("%")
    try:
        value = Decimal(raw.rstrip("%"))
    except InvalidOperation:
        return None
    if not value.is_finite() or value <= 0 or (share and value > 100):
        return None
    return (round_fen(total * value / 100), f"{value.normalize():f}%") if share else (round_fen(value), "")


def parse_plan(text: str, total: Decimal) -> tuple[list[PlanLine], list[BadPlanLine]]:
    """The plan's lines in date order (blank lines skipped) and the lines that could not be read."""
    found: list[tuple[dt.date, Decimal, str]] = []
    bad: list[BadPlanLine] = []
    for n, line, parts in cell_lines(text):
        if len(parts) != 2:
            bad.append(BadPlanLine(n, line, "parts"))
            continue
        day = parse_day(parts[0])
        if day is None:
            bad.append(BadPlanLine(n, line, "date"))
            continue
        amount = parse_amount(parts[1], total)
        if amount is None:
            bad.append(BadPlanLine(n, line, "amount"))
            continue
        found.append((day, *amount))
    found.sort(key=lambda f: f[0])
    if found and all(f[2] for f in found) and sum((Decimal(f[2][:-1]) for f in found), Decimal(0)) == 100:
        rest = sum((f[1] for f in found[:-1]), ZERO)
        found[-1] = (found[-1][0], total - rest, found[-1][2])
    return [PlanLine(i, d, a, s) for i, (d, a, s) in enumerate(found, start=1)], bad


def plan_total(lines: list[PlanLine]) -> Decimal:
    return sum((ln.amount for ln in lines), ZERO)


def plan_json(lines: list[PlanLine]) -> str:
    """How a plan is kept with the record (derived values `ship_plan`, `pay_plan`): what documents print."""
    return json.dumps([ln.as_dict() for ln in lines], ensure_ascii=False)


def stored_plan(data: dict[str, str], name: str) -> list[PlanLine]:
    try:
        rows = json.loads(data.get(name) or "[]")
        return [PlanLine(int(r["no"]), dt.date.fromisoformat(r["date"]), Decimal(r["amount"]), r.get("share", ""))
                for r in rows]
    except (TypeError, ValueError, KeyError, InvalidOperation):
        return []


def open_lines(lines: list[PlanLine], done: Decimal, due_of: Callable[[dt.date], dt.date]) -> list[OpenLine]:
    """The lines not yet covered by `done` (set against the oldest first); `due_of(day)` moves a day onto a
    working day (the workspace calendar's next_working_day)."""
    left = done
    out: list[OpenLine] = []
    for ln in lines:
        take = min(left, ln.amount) if left > 0 else ZERO
        left -= take
        if take < ln.amount:
            out.append(OpenLine(ln.no, ln.day, due_of(ln.day), ln.amount, take))
    return out
