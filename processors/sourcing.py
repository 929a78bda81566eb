"""What the suppliers family records, as every family reads it: who a supplier is, whether it is qualified for a
category on a day (S6), and the price the general manager approved for it and an item (S3).

Below the families (DESIGN.md: what several share lives under them): the suppliers family writes these records,
the orders family checks its orders against them, and neither imports the other's internals. Suppliers, listings
and prices are found by their forms' ids in the store, so a workspace without those forms simply has none.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from .config_sections import normalize_name
from .store.db import Record, Store

SUPPLIER, QUALIFIED, INQUIRY, QUOTE, PRICE = "supplier", "qualified_supplier", "inquiry", "quote", "price_approval"
#: S1, in the seed's order; a supplier's record state is the furthest stage what is recorded supports
STAGES = ("registered", "inquiry", "quoted", "compared", "negotiating", "terms_reviewed", "priced", "sampled",
          "trialled", "qualified")
_SPLIT = re.compile(r"[、,，;；\n]+")
_KEY = re.compile(r"^SU-\d+$", re.I)


def split_list(text: str) -> list[str]:
    """「板材、龙骨」, "a, b" or one per line: the parts, stripped, in order, each once."""
    return list(dict.fromkeys(p.strip() for p in _SPLIT.split(text or "") if p.strip()))


def same(a: str, b: str) -> bool:
    """Item names, specs and categories as staff type them: spaces and case do not matter."""
    return normalize_name(a or "") == normalize_name(b or "")


def dec(text: object) -> Decimal:
    try:
        return Decimal(str(text)) if text not in (None, "") else Decimal(0)
    except InvalidOperation:
        return Decimal(0)


def day(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((text or "")[:10]) if text else None
    except ValueError:
        return None


def suppliers(store: Store) -> list[Record]:
    return [r for r in store.records(SUPPLIER) if r.state != "invalid"]


def in_use(store: Store) -> bool:
    """Once a supplier file is kept, orders must name qualified suppliers (S6); before, nothing is checked."""
    return bool(suppliers(store))


def find_supplier(store: Store, text: str) -> Record | None:
    """A supplier by its number (SU-0001) or its full name as registered."""
    text = (text or "").strip()
    if not text:
        return None
    if _KEY.match(text):
        found = store.record(text.upper())
        return found if found is not None and found.form == SUPPLIER and found.state != "invalid" else None
    wanted = normalize_name(text)
    return next((r for r in suppliers(store) if normalize_name(r.data.get("name", "")) == wanted), None)


def listings(store: Store, supplier_key: str) -> list[Record]:
    """The supplier's qualified-list entries that were approved (in force or lapsed since)."""
    return [r for r in store.records(QUALIFIED) if r.data.get("supplier_key") == supplier_key
            and r.state in ("listed", "lapsed")]


def qualification(store: Store, supplier_key: str, category: str, on: dt.date) -> Record | None:
    """The approved entry that lists the supplier for `category` on day `on` (S6), or None."""
    for entry in listings(store, supplier_key):
        until = day(entry.data.get("valid_until"))
        if entry.state == "listed" and same(entry.data.get("category", ""), category) and until and on <= until:
            return entry
    return None


def listed_categories(store: Store, supplier_key: str, on: dt.date) -> list[str]:
    return list(dict.fromkeys(e.data.get("category", "") for e in listings(store, supplier_key)
                              if e.state == "listed" and (day(e.data.get("valid_until")) or on) >= on))


def qualified_for(store: Store, category: str, on: dt.date) -> set[str]:
    """Numbers of the suppliers qualified for `category` on day `on`."""
    return {e.data.get("supplier_key", "") for e in store.records(QUALIFIED) if e.state == "listed"
            and same(e.data.get("category", ""), category) and (day(e.data.get("valid_until")) or on) >= on}


class PriceIndex:
    """The price approvals in force, read once and grouped by supplier: a scorecard over thousands of order lines
    asks for one per line, and reading every approval for each would grow with lines × approvals."""

    def __init__(self, store: Store) -> None:
        self.by_supplier: dict[str, list[Record]] = {}
        for price in store.records(PRICE):
            if price.state == "approved":
                self.by_supplier.setdefault(price.data.get("supplier_key", ""), []).append(price)

    def find(self, supplier_key: str, item: str, spec: str, on: dt.date) -> Record | None:
        """The approval in force on `on` for the supplier and item (S3); the spec must match where both give one;
        the latest approved wins."""
        best: Record | None = None
        for price in self.by_supplier.get(supplier_key, ()):
            d = price.data
            if not same(d.get("item", ""), item) or (d.get("spec") and spec and not same(d["spec"], spec)):
                continue
            until = day(d.get("valid_until"))
            if until is None or on > until:
                continue
            if best is None or (d.get("approved_on", ""), price.key) > (best.data.get("approved_on", ""), best.key):
                best = price
        return best


def approved_price(store: Store, supplier_key: str, item: str, spec: str, on: dt.date) -> Record | None:
    return PriceIndex(store).find(supplier_key, item, spec, on)
