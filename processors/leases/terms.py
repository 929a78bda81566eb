"""A lease record's data as the schedule's LeaseTerms, and the few facts about leases other parts ask."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from ..store.db import Record, Store
from .schedule import LeaseTerms

UNIT, LEASE, PAYMENT = "unit", "lease", "rent_payment"
#: the form family of the contract and the report: config.toml's [company.leasing] is their landlord
FAMILY = "leasing"
#: a lease in these states holds its unit (for overlap checks) and, from active on, is billed
HOLDING = ("awaiting:leasing_sign", "awaiting:commerce_sign", "awaiting:gm_sign", "approved",
           "awaiting_signature", "active", "terminated")
ISSUED = ("approved", "awaiting_signature", "active", "terminated", "expired", "cleared", "superseded")


def dec(text: str | None, default: str = "0") -> Decimal:
    try:
        return Decimal(text if text not in (None, "") else default)
    except InvalidOperation:
        return Decimal(default)


def day(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def terms_of(data: dict[str, str]) -> LeaseTerms:
    start, end = day(data.get("start")), day(data.get("end"))
    assert start is not None and end is not None
    turnover = data.get("turnover_rate")
    return LeaseTerms(start=start, end=end, rent_basis=data.get("rent_basis", "per_sqm"),  # type: ignore[arg-type]
                      rent=dec(data.get("rent")), area=dec(data.get("area"), "0"),
                      cycle=data.get("cycle", "monthly"),  # type: ignore[arg-type]
                      due_day=int(dec(data.get("due_day"), "5")), free_months=int(dec(data.get("free_months"))),
                      management_fee=dec(data.get("management_fee")), escalation=dec(data.get("escalation")),
                      deposit=dec(data.get("deposit")), penalty_rate=dec(data.get("penalty_rate"), "0.05") / 100,
                      turnover_rate=dec(turnover) if turnover not in (None, "") else None)


def ends_on(record: Record) -> dt.date | None:
    """The last day the lease holds its unit: its end, or the termination date."""
    return day(record.data.get("terminate_on")) or day(record.data.get("end"))


def leases_of_unit(store: Store, unit: str) -> list[Record]:
    return [r for r in store.records(LEASE) if r.data.get("unit", "").strip().upper() == unit.strip().upper()]
