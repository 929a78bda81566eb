"""Inquiries (询价单, S1–S2): what is asked of which suppliers; issued as a PDF and mailed to each one alone.

Once sent its content is fixed, as an issued order's is: the quotes answer it, so
changing what was asked afterwards would leave them answering another question.
"""

from __future__ import annotations

import json

from ..effects import address, issue_document, send
from ..forms.fields import Problem
from ..forms.validate import RowResult
from ..kinds import Kind
from ..sourcing import find_supplier, split_list
from ..store.changes import digest
from ..store.db import Record
from .rfq_items import parse_items

FAMILY = "purchasing"


def items_of(rfq: Record) -> list[dict[str, str]]:
    try:
        value = json.loads(rfq.data.get("item_list") or "[]")
    except ValueError:
        return []
    return value if isinstance(value, list) else []


def asked_of(rfq: Record) -> list[str]:
    try:
        value = json.loads(rfq.data.get("asked") or "[]")
    except ValueError:
        return []
    return value if isinstance(value, list) else []


class InquiryKind(Kind):
    def prepare(self) -> None:
        """Quotes came in: the inquiry's row says how many it has."""
        self.recheck_when(digest(self.store, "quote", "supplier"))

    def check(self, result: RowResult, key: str, row: int) -> str:
        v = result.values
        own = self.store.record(key) if key else None
        if own is not None and own.state == "sent":
            return ""
        items, bad = parse_items(str(v.get("items") or ""))
        for b in bad:
            result.problems.append(Problem("items", f"suppliers.item_line_{b.why}", {"line": b.line, "text": b.text}))
        if v.get("items") and not items and not bad:
            result.problems.append(Problem("items", "suppliers.items_none", {}))
        asked: list[str] = []
        for name in split_list(str(v.get("suppliers") or "")):
            supplier = find_supplier(self.store, name)
            if supplier is None:
                result.problems.append(Problem("suppliers", "suppliers.supplier_unknown", {"supplier": name}))
            elif supplier.key not in asked:
                asked.append(supplier.key)
        v["item_list"] = json.dumps([i.as_dict() for i in items], ensure_ascii=False)
        v["asked"] = json.dumps(asked)
        return ""

    def immutable(self, record: Record) -> bool:
        return record.state == "sent"

    def on_approved(self, record: Record) -> None:
        """Valid (it has no route): issued, and each supplier asked gets the PDF in a mail of its own."""
        d = record.data
        buyer = self.ws.cfg.find_person(d.get("buyer", ""))
        asked = [s for s in (self.store.record(k) for k in asked_of(record)) if s is not None]
        context = {
            "rfq": {"number": record.key, "date": self.ws.clock.today().isoformat(), "category": d.get("category", ""),
                    "reply_by": d.get("reply_by", ""), "delivery_place": d.get("delivery_place", ""),
                    "remarks": d.get("remarks", ""),
                    "buyer": {"name": buyer.name if buyer else d.get("buyer", ""),
                              "email": buyer.email if buyer else ""}},
            "items": items_of(record),
            "suppliers": [s.data.get("name", "") for s in asked],
        }
        pdf = issue_document(self.ws, "inquiry", record.key, context, family=FAMILY)
        for supplier in asked:
            to = [address(supplier.data.get("name", ""), supplier.data.get("email", ""))]
            send(self.ws, f"{record.key}:to:{supplier.key}", "inquiry_to_supplier", to, record, [pdf],
                 rfq_no=record.key, supplier=supplier.data.get("name", ""), contact=supplier.data.get("contact", ""),
                 items=items_of(record), reply_by=d.get("reply_by", ""), buyer=context["rfq"]["buyer"],
                 company=self.ws.cfg.letterhead_for(FAMILY).name)

    def guidance(self, record: Record) -> str | None:
        if record.state != "sent":
            return None
        quotes = [q for q in self.store.records("quote") if q.data.get("rfq") == record.key and q.state == "recorded"]
        return self.t("suppliers.g_inquiry_sent", count=len(asked_of(record)), items=len(items_of(record)),
                      quotes=len(quotes), reply_by=record.data.get("reply_by", ""))
