"""Supplier quotes (S1–S2): one row per supplier per item of an inquiry, checked against what the inquiry asked."""

from __future__ import annotations

import datetime as dt

from ..forms.fields import Problem
from ..forms.validate import RowResult
from ..kinds import Kind
from ..sourcing import INQUIRY, PRICE, find_supplier
from ..store.changes import digest
from ..store.db import Record
from .comparison import write_comparisons
from .inquiry import asked_of, items_of
from .rfq_items import find_item


class QuoteKind(Kind):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.seen: dict[tuple[str, str, str], int] = {}   # (rfq, supplier, item no) -> the row that quoted it

    def prepare(self) -> None:
        self.recheck_when(digest(self.store, INQUIRY, "supplier"))

    def check(self, result: RowResult, key: str, row: int) -> str:
        v = result.values
        if self._fixed(key):
            return ""
        number = str(v.get("rfq") or "").strip().upper()
        if not number:
            return ""
        v["rfq"] = number
        rfq = self.store.record(number)
        if rfq is None or rfq.form != INQUIRY or rfq.state != "sent":
            result.problems.append(Problem("rfq", "suppliers.rfq_unknown", {"rfq": number}))
            return ""
        name = str(v.get("supplier") or "").strip()
        supplier = find_supplier(self.store, name) if name else None
        if name and supplier is None:
            result.problems.append(Problem("supplier", "suppliers.supplier_unknown", {"supplier": name}))
        elif supplier is not None and supplier.key not in asked_of(rfq):
            result.problems.append(Problem("supplier", "suppliers.supplier_not_asked",
                                           {"supplier": supplier.data.get("name", ""), "rfq": number}))
        item, why = find_item(items_of(rfq), str(v.get("item") or ""), str(v.get("spec") or ""))
        if v.get("item") and item is None:
            names = "、".join(i["name"] + (f"（{i['spec']}）" if i["spec"] else "") for i in items_of(rfq))
            result.problems.append(Problem("item", f"suppliers.item_{why}", {"item": str(v.get("item")),
                                                                            "rfq": number, "items": names}))
        until = v.get("valid_until")
        if isinstance(until, dt.date) and until < self.ws.clock.today() and not key:
            result.problems.append(Problem("valid_until", "suppliers.quote_expired", {"day": until.isoformat()}))
        if supplier is not None and item is not None:
            v["supplier_key"], v["supplier_name"] = supplier.key, supplier.data.get("name", "")
            v["item_no"], v["unit"] = item["no"], item["unit"]
            v["category"] = rfq.data.get("category", "")
            claim = (number, supplier.key, item["no"])
            other = self._stored(claim, key) or self._row(self.seen.get(claim))
            if other:
                result.problems.append(Problem("item", "suppliers.quote_twice", {"other": str(other)}))
            self.seen.setdefault(claim, row)
        return ""

    def _fixed(self, key: str) -> bool:
        """A quote an approved price was chosen from is what the comparison kept: it no longer changes."""
        return bool(key) and self.immutable_key(key)

    def immutable_key(self, key: str) -> bool:
        own = self.store.record(key)
        return own is not None and own.state == "recorded" and any(
            p.state in ("approved", "expired") and key in p.data.get("quotes", "")
            for p in self.store.records(PRICE) if p.data.get("rfq") == own.data.get("rfq"))

    def _stored(self, claim: tuple[str, str, str], key: str) -> str:
        for q in self.store.records(self.form.id):
            if q.key != key and q.state == "recorded" and (q.data.get("rfq"), q.data.get("supplier_key"),
                                                           q.data.get("item_no")) == claim:
                return q.key
        return ""

    def _row(self, row: int | None) -> str:
        return self.t("suppliers.row_n", row=row) if row else ""

    def immutable(self, record: Record) -> bool:
        return self.immutable_key(record.key)

    def outputs(self) -> None:
        if self.ws.generate_outputs:
            write_comparisons(self.ws)
