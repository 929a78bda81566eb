"""The fund-use plan's arithmetic (资金使用计划, R5): each planned line priced and its payment dated by terms.

Price: the price the general manager approved for the material (S3, in force on the month's first day; the
latest approval wins), else the price of the last order that bought it, else none (the line says so and counts
nothing: a guessed price would be read as a budget). Terms come from the supplier's file: an advance share
(预付比例) paid when ordering, the rest on delivery, or N days after it where the supplier has credit days
(账期). A material is ordered its lead time (采购周期, 7 days when not set) before the day it is needed.
What open orders still owe is added on its own due date; a due date already past is paid in the first week.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from ..money import line_total, round_fen
from ..sourcing import PRICE, find_supplier, same
from ..store.db import Record, Store
from .reading import LINE, ORDER, day, dec

DEFAULT_LEAD_DAYS = 7
#: orders that still owe their supplier (paid orders are closed or carry 付款日期)
OWING = ("awaiting_confirmation", "placed", "overdue", "contingency", "received", "payment_due",
         "payment_requested")
BOUGHT = ("ordered", "partial", "received", "failed", "settled")


@dataclass(frozen=True)
class Price:
    unit_price: Decimal
    source: str          # approved | last_order | none
    ref: str             # PA-2026-0001 / PO-2026-0003 / ""
    supplier: str        # the supplier's name as its file has it ("" when none)
    supplier_key: str


@dataclass(frozen=True)
class Terms:
    advance_pct: Decimal
    credit_days: int
    supplier: Record | None


@dataclass
class Payment:
    on: dt.date
    amount: Decimal
    kind: str            # advance | delivery | net | owed


@dataclass
class Prices:
    """Approvals and last order prices, read once per plan: a plan of 2,000 lines asks once per line."""

    approvals: list[Record] = field(default_factory=list)
    bought: list[tuple[str, str, Record, Record]] = field(default_factory=list)  # (ordered on, key, line, order)

    @classmethod
    def read(cls, store: Store) -> Prices:
        prices = cls([r for r in store.records(PRICE) if r.state == "approved"])
        orders = {r.key: r for r in store.records(ORDER)}
        drafts = {r.data.get("draft", ""): r for r in orders.values() if r.data.get("draft")}
        for line in store.records(LINE):
            if line.state not in BOUGHT:
                continue
            ref = line.data.get("order", "").strip()
            order = orders.get(ref) or drafts.get(ref)
            if order is not None:
                prices.bought.append((order.data.get("ordered_on", "") or order.updated_at[:10], order.key, line,
                                      order))
        prices.bought.sort(key=lambda t: (t[0], t[1]), reverse=True)
        return prices

    def find(self, item: str, spec: str, on: dt.date) -> Price:
        best: Record | None = None
        for price in self.approvals:
            d = price.data
            if not same(d.get("item", ""), item) or (d.get("spec") and spec and not same(d["spec"], spec)):
                continue
            until = day(d.get("valid_until"))
            if until is not None and on > until:
                continue
            if best is None or (d.get("approved_on", ""), price.key) > (best.data.get("approved_on", ""), best.key):
                best = price
        if best is not None and dec(best.data.get("price_final")) > 0:
            d = best.data
            return Price(dec(d.get("price_final")), "approved", best.key, d.get("supplier_name", "") or
                         d.get("chosen", ""), d.get("supplier_key", ""))
        for _, key, line, order in self.bought:
            d = line.data
            if same(d.get("item", ""), item) and (not spec or not d.get("spec") or same(d["spec"], spec)) \
                    and dec(d.get("unit_price")) > 0:
                return Price(dec(d.get("unit_price")), "last_order", key, order.data.get("supplier", ""), "")
        return Price(Decimal(0), "none", "", "", "")


def terms_for(store: Store, price: Price, usual: str) -> Terms:
    supplier = find_supplier(store, price.supplier_key) if price.supplier_key else None
    supplier = supplier or find_supplier(store, price.supplier) or find_supplier(store, usual)
    if supplier is None:
        return Terms(Decimal(0), 0, None)
    pct = min(max(dec(supplier.data.get("advance_pct")), Decimal(0)), Decimal(100))
    return Terms(pct, int(dec(supplier.data.get("credit_days"))), supplier)


def payments(amount: Decimal, terms: Terms, order_on: dt.date, delivery: dt.date) -> list[Payment]:
    """The line's amount split by its terms, to the fen: the parts add up to the amount exactly."""
    out: list[Payment] = []
    advance = round_fen(amount * terms.advance_pct / 100)
    if advance > 0:
        out.append(Payment(order_on, advance, "advance"))
    rest = amount - advance
    if rest > 0:
        if terms.credit_days > 0:
            out.append(Payment(delivery + dt.timedelta(days=terms.credit_days), rest, "net"))
        else:
            out.append(Payment(delivery, rest, "delivery"))
    return out


def amount(quantity: Decimal, price: Price) -> Decimal:
    return line_total(quantity, price.unit_price)


def monday(on: dt.date) -> dt.date:
    return on - dt.timedelta(days=on.weekday())


def owed(store: Store, first: dt.date) -> list[tuple[Record, Payment]]:
    """What open orders still owe and when: the due date sheetflow set (payment_due), else delivery + credit
    days; a date already past counts on the month's first day."""
    out = []
    for order in store.records(ORDER):
        d = order.data
        if order.state not in OWING or d.get("paid_on"):
            continue
        total = dec(d.get("total"))
        if total <= 0:
            continue
        due = day(d.get("payment_due"))
        if due is None:
            delivered = day(d.get("received_on") or d.get("confirmed_date") or d.get("delivery_date")) or first
            due = delivered + dt.timedelta(days=int(dec(d.get("credit_days"))))
        out.append((order, Payment(max(due, first), total, "owed")))
    return out


def buckets(payments_: list[tuple[str, Payment]]) -> tuple[list[list[str]], list[list[str]]]:
    """(weeks, months): [start, planned, owed, total] rows in date order, as text to the fen."""
    weeks: dict[dt.date, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    months: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for _, p in payments_:
        slot = 1 if p.kind == "owed" else 0
        weeks[monday(p.on)][slot] += p.amount
        months[f"{p.on.year}-{p.on.month:02d}"][slot] += p.amount
    week_rows = [[w.isoformat(), str(a), str(b), str(a + b)] for w, (a, b) in sorted(weeks.items())]
    month_rows = [[m, str(a), str(b), str(a + b)] for m, (a, b) in sorted(months.items())]
    return week_rows, month_rows
