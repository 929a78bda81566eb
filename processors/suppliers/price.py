"""Price approvals (比价定价, S2–S4): one item of an inquiry, the supplier chosen, the terms review, the price.

S2: quotes from at least `[sourcing] min_quotes` suppliers qualified for the inquiry's category. S3: the lowest
wins; another needs a written reason, kept with the record and in the approved comparison PDF; the general
manager approves. S4: the seven terms each carry a verdict, and one not acceptable stops the price. Approved, the
price is what order lines for that supplier and item are checked against until its end date, and the buyer is
reminded before its review date (S5).
"""

from __future__ import annotations

import datetime as dt
import json

from ..effects import issue_document, people, save_data, send, set_state
from ..forms.fields import Problem
from ..forms.validate import RowResult
from ..kinds import Kind
from ..sourcing import INQUIRY, QUOTE, day, dec, find_supplier, qualified_for
from ..store.changes import digest
from ..store.db import Record
from ..workflow.route import Route
from .comparison import Offer, comparison_of, offers_for, pdf_context
from .inquiry import items_of
from .rfq_items import find_item

TERMS = ("quality", "price_terms", "packaging", "delivery", "payment", "transport", "cooperation")
DONE = ("approved", "expired")


class PriceKind(Kind):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.seen: dict[tuple[str, str], int] = {}

    def prepare(self) -> None:
        self.recheck_when(digest(self.store, QUOTE, INQUIRY, "qualified_supplier", "supplier"))

    def check(self, result: RowResult, key: str, row: int) -> str:
        v = result.values
        own = self.store.record(key) if key else None
        if own is not None and own.state in DONE:
            return ""
        found = self._item(result)
        if found is None:
            return ""
        rfq, item = found
        today = self.ws.clock.today()
        line = next(r for r in offers_for(self.store, rfq, today) if r.item["no"] == item["no"])
        need, category = self.ws.cfg.sourcing.min_quotes, rfq.data.get("category", "")
        if line.qualified_count() < need:                                   # S2
            result.problems.append(Problem("rfq", "suppliers.too_few_quotes", {
                "count": line.qualified_count(), "min": need, "category": category, "item": item["name"],
                "others": len(line.offers) - line.qualified_count()}))
        name = str(v.get("chosen") or "").strip()
        supplier = find_supplier(self.store, name) if name else None
        offer = line.offers.get(supplier.key) if supplier else None
        if name and supplier is None:
            result.problems.append(Problem("chosen", "suppliers.supplier_unknown", {"supplier": name}))
        elif supplier is not None and offer is None:
            result.problems.append(Problem("chosen", "suppliers.chosen_no_quote",
                                           {"supplier": supplier.data.get("name", ""), "item": item["name"]}))
        claim = (rfq.key, item["no"])
        other = self._other_decision(claim, key) or self._row(self.seen.get(claim))
        if other:
            result.problems.append(Problem("item", "suppliers.decision_twice", {"other": str(other)}))
        self.seen.setdefault(claim, row)
        self._terms(result)
        lowest = line.lowest()
        if offer is not None and supplier is not None and lowest is not None:
            self._price(result, own, supplier, offer, lowest, category, today)
            v.update({"item_no": item["no"], "item": item["name"], "spec": item["spec"], "unit": item["unit"],
                      "category": category, "quotes": json.dumps(sorted(o.quote for o in line.offers.values())),
                      "offers": json.dumps([[o.name, str(o.price), o.days, o.qualified]
                                            for o in line.offers.values()], ensure_ascii=False)})
        return ""

    def _item(self, result: RowResult) -> tuple[Record, dict[str, str]] | None:
        """The sent inquiry the row names and its item, or None (with the problem said)."""
        v = result.values
        number = str(v.get("rfq") or "").strip().upper()
        if not number:
            return None
        v["rfq"] = number
        rfq = self.store.record(number)
        if rfq is None or rfq.form != INQUIRY or rfq.state != "sent":
            result.problems.append(Problem("rfq", "suppliers.rfq_unknown", {"rfq": number}))
            return None
        item, why = find_item(items_of(rfq), str(v.get("item") or ""), str(v.get("spec") or ""))
        if item is None:
            if v.get("item"):
                names = "、".join(i["name"] for i in items_of(rfq))
                result.problems.append(Problem("item", f"suppliers.item_{why}", {"item": str(v.get("item")),
                                                                                "rfq": number, "items": names}))
            return None
        return rfq, item

    def _terms(self, result: RowResult) -> None:
        """S4: one term not acceptable stops the price."""
        failed = [f for f in TERMS if result.values.get(f"term_{f}") == "fail"]
        if failed:
            labels = "、".join(self.ws.t.pick(self.form.field(f"term_{f}").label) for f in failed)
            result.problems.append(Problem(f"term_{failed[0]}", "suppliers.terms_failed", {"terms": labels}))

    def _price(self, result: RowResult, own: Record | None, supplier: Record, offer: Offer, lowest: Offer,
               category: str, today: dt.date) -> None:
        """S3: the agreed price within the quote, a reason when it is not the lowest; its dates."""
        v = result.values
        final = v.get("price")
        final_price = dec(final) if final not in (None, "") else offer.price
        if final_price > offer.price:
            result.problems.append(Problem("price", "suppliers.price_above_quote",
                                           {"price": f"{final_price:,.2f}", "quote": f"{offer.price:,.2f}"}))
        if offer.price > lowest.price and not str(v.get("reason") or "").strip():
            result.problems.append(Problem("reason", "suppliers.reason_needed", {
                "chosen": offer.name, "price": f"{offer.price:,.2f}", "lowest": lowest.name,
                "low": f"{lowest.price:,.2f}"}))
        if offer.supplier not in qualified_for(self.store, category, today) and not self._may_qualify(supplier):
            result.problems.append(Problem("chosen", "suppliers.chosen_not_eligible",
                                           {"supplier": offer.name, "category": category}))
        until, review = v.get("valid_until"), v.get("review_on")
        if isinstance(until, dt.date):
            if until < today and own is None:
                result.problems.append(Problem("valid_until", "suppliers.valid_past", {"day": until.isoformat()}))
            if not isinstance(review, dt.date):
                review = until - dt.timedelta(days=self.ws.cfg.sourcing.review_days_before)
            elif review > until:
                result.problems.append(Problem("review_on", "suppliers.review_after_end", {"day": until.isoformat()}))
        v.update({"supplier_key": offer.supplier, "supplier_name": offer.name, "quoted_price": str(offer.price),
                  "price_final": str(final_price), "lowest_supplier": lowest.name, "lowest_price": str(lowest.price),
                  "review_on": review.isoformat() if isinstance(review, dt.date) else ""})

    def _may_qualify(self, supplier: Record) -> bool:
        """A supplier not yet listed may be chosen: it is a new one going on to sample and trial (S1)."""
        return supplier.state not in ("not_passed", "invalid")

    def _other_decision(self, claim: tuple[str, str], key: str) -> str:
        for p in self.store.records(self.form.id):
            if p.key != key and p.state not in ("invalid", "rejected", "expired") \
                    and (p.data.get("rfq"), p.data.get("item_no")) == claim:
                return p.key
        return ""

    def _row(self, row: int | None) -> str:
        return self.t("suppliers.row_n", row=row) if row else ""

    def immutable(self, record: Record) -> bool:
        return record.state in DONE

    def on_approved(self, record: Record) -> None:
        """In force: dated, and the comparison as approved kept as a PDF of its own (S3: the reason kept)."""
        save_data(self.ws, record, approved_on=self.ws.clock.today().isoformat())
        rfq = self.store.record(record.data.get("rfq", ""))
        if rfq is not None:
            context = pdf_context(self.ws, comparison_of(self.ws, rfq))
            context["approval"] = {"number": record.key, "item_no": record.data.get("item_no", ""),
                                   "supplier": record.data.get("supplier_name", ""),
                                   "price": record.data.get("price_final", ""), "reason": record.data.get("reason", ""),
                                   "valid_until": record.data.get("valid_until", ""),
                                   "review_on": record.data.get("review_on", "")}
            issue_document(self.ws, "comparison", record.key, context, family="purchasing")

    def guidance(self, record: Record) -> str | None:
        d = record.data
        if record.state.startswith("awaiting:") and d.get("price_final"):
            head = self.t("suppliers.g_price_awaiting", supplier=d.get("supplier_name", ""), item=d.get("item", ""),
                          price=f"{dec(d.get('price_final')):,.2f}", lowest=d.get("lowest_supplier", ""),
                          low=f"{dec(d.get('lowest_price')):,.2f}")
            return head + " " + Route(self.ws, self.form).guidance(record.state, d, self.ws.clock.today())
        texts = {"approved": "suppliers.g_price_approved", "expired": "suppliers.g_price_expired"}
        if record.state not in texts:
            return None
        return self.t(texts[record.state], supplier=d.get("supplier_name", ""), item=d.get("item", ""),
                      price=f"{dec(d.get('price_final')):,.2f}", until=d.get("valid_until", ""),
                      review=d.get("review_on", ""))

    def timers(self) -> None:
        today = self.ws.clock.today()
        for price in self.store.records(self.form.id):
            if price.state != "approved":
                continue
            d = price.data
            until = day(d.get("valid_until"))
            if until is not None and today > until:
                set_state(self.ws, price, "expired", self.t("suppliers.t_price_expired", day=until.isoformat()))
                continue
            review = day(d.get("review_on"))
            for days in sorted(self.ws.cfg.sourcing.remind_days):   # the nearest reminder due, once
                if review is not None and review - dt.timedelta(days=days) <= today <= review:
                    send(self.ws, f"{price.key}:review:{days}", "price_review", people(self.ws,
                         "purchasing_specialist"), price, approval=price.key, supplier=d.get("supplier_name", ""),
                         item=d.get("item", ""), spec=d.get("spec", ""), price=f"{dec(d.get('price_final')):,.2f}",
                         review=review.isoformat(), until=d.get("valid_until", ""), days=(review - today).days)
                    break

