"""Collecting lease bills: late-payment penalty, which bills a payment settles, arrears aging, the deposit at the end.

Pure functions, no store: the caller passes the open balances and the day it counts
to, so a statement printed on any day can be recomputed and checked later.

* A bill is overdue from the day after its due date: paid on the due date is on time.
  A bill not yet overdue is not in arrears and ages as "current", not "0–30".
* The penalty (滞纳金) is simple interest: days overdue × daily rate × the amount
  outstanding, rounded to the fen once; it is never charged on earlier penalties.
* A payment settles the oldest bill first (due date, then period start, then the order
  given), so the arrears that remain are always the most recent; what is left over is
  reported as unapplied, never spread onto bills not yet issued.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ..money import round_fen
from .schedule import ZERO, LeaseError


@dataclass(frozen=True)
class OpenBill:
    """A bill with something still to pay; `id` is whatever the caller knows the bill by."""

    id: str
    due_date: date
    period_start: date
    balance: Decimal


@dataclass(frozen=True)
class Allocation:
    """How a payment was applied: (bill id, amount) oldest first, and the overpayment left over."""

    allocations: tuple[tuple[str, Decimal], ...]
    unapplied: Decimal


def days_overdue(due: date, day: date) -> int:
    """Whole days after the due date up to `day`; 0 on or before the due date."""
    return max(0, (day - due).days)


def penalty(amount_due: Decimal, due: date, paid_on_or_today: date, rate: Decimal) -> Decimal:
    """滞纳金: days overdue × rate per day × amount outstanding, simple, rounded to the fen; 0 when not overdue.

    10 days late on ¥10,000.00 at 0.0005 a day is 10 × 0.0005 × 10,000.00 = ¥50.00.
    """
    if rate < 0:
        raise LeaseError(f"滞纳金日费率不能为负 / the penalty rate cannot be negative: {rate}")
    days = days_overdue(due, paid_on_or_today)
    if days == 0 or amount_due <= 0:
        return ZERO
    return round_fen(amount_due * rate * days)


def allocate(bills: Sequence[OpenBill], payment: Decimal) -> Allocation:
    """Apply `payment` to the oldest bills first; bills with nothing outstanding take nothing."""
    if payment < 0:
        raise LeaseError(f"收款金额不能为负 / a payment cannot be negative: {payment}")
    left = round_fen(payment)
    applied: list[tuple[str, Decimal]] = []
    for bill in sorted(bills, key=lambda b: (b.due_date, b.period_start)):  # stable: ties keep the given order
        if left <= 0:
            break
        if bill.balance <= 0:
            continue
        take = min(left, bill.balance)
        applied.append((bill.id, take))
        left -= take
    return Allocation(tuple(applied), left)


def aging_bucket(days: int) -> str:
    """The arrears bucket for days overdue: "current" (not overdue), "0–30", "31–60", "61–90", "90+"."""
    if days <= 0:
        return "current"
    if days <= 30:
        return "0–30"
    if days <= 60:
        return "31–60"
    if days <= 90:
        return "61–90"
    return "90+"


def deposit_settlement(deposit: Decimal, open_balances: Decimal, penalties: Decimal) -> tuple[Decimal, Decimal]:
    """(refund, still owed) when the lease ends: the deposit first pays open bills and penalties.

    At most one of the two is non-zero: a deposit larger than what is owed is refunded in
    part; a smaller one leaves the rest still owed by the tenant.
    """
    owed = round_fen(open_balances) + round_fen(penalties)
    held = round_fen(deposit)
    return max(ZERO, held - owed), max(ZERO, owed - held)
