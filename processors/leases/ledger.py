"""The bills of each lease in the store: written once from the schedule, paid oldest first, voided on termination.

A bill issued stays as issued (the schedule is reproducible from the lease terms,
but the store is what was billed); balance, days overdue and penalty are computed
from it and the payments applied to it, as of a given day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from ..store.db import Store
from .collection import OpenBill, allocate, days_overdue, penalty
from .schedule import Bill


@dataclass(frozen=True)
class LedgerBill:
    id: int
    lease: str
    kind: str
    period_start: dt.date
    period_end: dt.date
    due_date: dt.date
    amount: Decimal
    basis: str
    paid: Decimal
    paid_on: str
    void: bool

    @property
    def balance(self) -> Decimal:
        return self.amount - self.paid


def write_bills(store: Store, lease: str, bills: list[Bill], at: str) -> int:
    """Add the bills not yet in the store (same lease, kind and period start); returns how many were new."""
    new = 0
    for b in bills:
        new += store.add_bill(lease=lease, kind=b.kind, period_start=b.period_start.isoformat(),
                              period_end=b.period_end.isoformat(), due_date=b.due_date.isoformat(), rent=str(b.rent),
                              fee=str(b.management_fee), amount=str(b.amount), basis=b.basis, at=at)
    return new


def bills_of(store: Store, lease: str | None = None, *, include_void: bool = False) -> list[LedgerBill]:
    rows = store.bill_rows(lease)
    day = dt.date.fromisoformat
    out = [LedgerBill(id=r["id"], lease=r["lease"], kind=r["kind"], period_start=day(r["period_start"]),
                      period_end=day(r["period_end"]), due_date=day(r["due_date"]), amount=Decimal(r["amount"]),
                      basis=r["basis"], paid=Decimal(r["paid"]), paid_on=r["paid_on"], void=bool(r["void"]))
           for r in rows]
    return out if include_void else [b for b in out if not b.void]


def void_after(store: Store, lease: str, kept: list[Bill]) -> None:
    """Termination: every unpaid bill the cut schedule no longer has is voided; a cut one is replaced."""
    keep = {(b.kind, b.period_start.isoformat(), str(b.amount)) for b in kept}
    for bill in bills_of(store, lease):
        if (bill.kind, bill.period_start.isoformat(), str(bill.amount)) not in keep and bill.kind == "rent":
            store.void_bill(bill.id)


def apply_payment(store: Store, lease: str, payment: str, amount: Decimal, paid_on: dt.date) -> Decimal:
    """Settle the oldest bills first; returns what was left over (an overpayment, kept as credit)."""
    open_bills = [OpenBill(id=str(b.id), due_date=b.due_date, period_start=b.period_start, balance=b.balance)
                  for b in bills_of(store, lease) if b.balance > 0]
    result = allocate(open_bills, amount)
    for bill_id, part in result.allocations:
        billed, paid_before = store.bill_amount_paid(int(bill_id))
        paid = Decimal(paid_before) + part
        settled = paid_on.isoformat() if paid >= Decimal(billed) else ""
        store.pay_bill(int(bill_id), payment=payment, part=str(part), paid=str(paid), settled_on=settled,
                       paid_on=paid_on.isoformat())
    return result.unapplied


def penalty_of(bill: LedgerBill, rate: Decimal, day: dt.date) -> Decimal:
    """Simple daily penalty on what is still owed, up to `day` (or to the day it was settled)."""
    if bill.balance <= 0:
        return Decimal("0.00") if not bill.paid_on else penalty(bill.amount, bill.due_date,
                                                                  dt.date.fromisoformat(bill.paid_on), rate)
    return penalty(bill.balance, bill.due_date, day, rate)


def overdue_days(bill: LedgerBill, day: dt.date) -> int:
    return days_overdue(bill.due_date, day) if bill.balance > 0 else 0
