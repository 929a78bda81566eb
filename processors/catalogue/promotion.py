"""Promotions (促销申请, P3): a promotional price for one SKU from a start day to an end day, both included.

Approved by the marketing director; while it runs the catalogue's 促销 cell shows it, and the day after its end
it is cleared (the price in force is untouched: a promotion is not a price change). Two promotions of one SKU
may not overlap, whether on record (waiting or approved) or earlier in the same sheet; the later row names the
other. A promotional price must be below the price in force.
"""

from __future__ import annotations

import datetime as dt

from ..effects import set_state
from ..forms.fields import Problem
from ..forms.validate import RowResult
from ..store.db import Record
from .cells import push
from .changes import ChangeKind
from .facts import day_of, item_record, price_text, yuan

RUNNING, ENDED = "running", "ended"
DONE = ("invalid", "rejected", ENDED)


class PromotionKind(ChangeKind):
    day_field = "start"

    def check_change(self, result: RowResult, item: Record, key: str) -> None:
        v = result.values
        start, end = day_of(v.get("start")), day_of(v.get("end"))
        if start and end and end < start:
            result.problems.append(Problem("end", "catalogue.end_before_start", {
                "end": end.isoformat(), "start": start.isoformat()}))
            return
        current = self.store.catalogue_item(key=item.key)
        price = price_text(v.get("promo_price"))
        if current and price and current["price"] and float(price) >= float(current["price"]):
            result.problems.append(Problem("promo_price", "catalogue.promo_not_lower", {
                "price": yuan(price), "current": yuan(current["price"])}))
        if start is None or end is None:
            return
        clash = self._overlap(v["sku"], start, end, key)
        if clash:
            result.problems.append(Problem("start", "catalogue.promo_overlap", {"other": clash}))
        if not hasattr(self, "claims"):
            self.claims: list[tuple[str, dt.date, dt.date, str]] = []
        self.claims.append((v["sku"], start, end, key))

    def _overlap(self, sku: str, start: dt.date, end: dt.date, key: str) -> str:
        """The other promotion of the SKU whose days meet these: on record, or an earlier row of this sheet."""
        for other in self.store.records(self.form.id):
            if other.key == key or other.state in DONE or other.data.get("sku") != sku:
                continue
            a, b = day_of(other.data.get("start")), day_of(other.data.get("end"))
            if a and b and a <= end and start <= b:
                return other.key
        for other_sku, a, b, other_key in getattr(self, "claims", []):
            if other_sku == sku and other_key != key and a <= end and start <= b:
                return other_key or self.t("catalogue.earlier_row")
        return ""

    def apply(self, record: Record) -> None:
        """Its first day: the catalogue shows it (or, approved after its last day, it is over at once)."""
        end = day_of(record.data.get("end"))
        if end is not None and end < self.ws.clock.today():
            set_state(self.ws, record, ENDED, self.t("catalogue.t_promo_ended"))
            return
        self._show(record, self.t("catalogue.promo_cell", price=yuan(record.data.get("promo_price")),
                                  start=self.day(record)[5:], end=str(end)[5:] if end else "", key=record.key))
        set_state(self.ws, self.store.record(record.key) or record, RUNNING, self.t("catalogue.t_promo_running"))

    def more_timers(self) -> None:
        today = self.ws.clock.today()
        for record in self.store.records_in(self.form.id, (RUNNING,)):
            end = day_of(record.data.get("end"))
            if end is not None and end < today:
                self._show(record, "", only_own=True)
                set_state(self.ws, record, ENDED, self.t("catalogue.t_promo_ended"))

    def more_due(self) -> dt.datetime | None:
        ends = [day_of(r.data.get("end")) for r in self.store.records_in(self.form.id, (RUNNING,))]
        return min((self.midnight(e + dt.timedelta(days=1)) for e in ends if e is not None), default=None)

    def _show(self, record: Record, text: str, only_own: bool = False) -> None:
        item = item_record(self.ws, record.data.get("sku", ""))
        if item is None:
            return
        current = self.store.catalogue_item(key=item.key)
        if only_own and current is not None and record.key not in current["promo"]:
            return
        self.store.set_catalogue_item(item.key, promo=text)
        push(self.ws, item)
        self.refresh(item)

    def summary(self, record: Record) -> str:
        d = record.data
        return self.t("catalogue.s_promo", sku=d.get("sku", ""), price=yuan(d.get("promo_price")),
                      start=d.get("start", "")[:10], end=d.get("end", "")[:10], what=d.get("description", ""))

    def state_text(self, record: Record) -> str:
        d = record.data
        return self.t(f"catalogue.g_promo_{record.state}", start=d.get("start", "")[:10],
                      end=d.get("end", "")[:10], price=yuan(d.get("promo_price")))
