"""The qualified supplier list (合格供方名录, S6): an entry per supplier and category, approved before use.

Approved by the route in forms/qualified_supplier.toml; in force until its end date, the buyer reminded before
it lapses; orders name suppliers through it (processors/sourcing.py). Only a supplier whose trial batch passed
(S1), or one marked as an existing supplier, may be put on it.
"""

from __future__ import annotations

import datetime as dt

from ..effects import people, send, set_state
from ..forms.fields import Problem
from ..forms.validate import RowResult
from ..kinds import Kind
from ..sourcing import day, find_supplier, same, split_list
from ..store.changes import digest
from ..store.db import Record
from .stages import KnowsFacts, order_of, stage_of

DONE = ("listed", "lapsed")


class QualifiedKind(KnowsFacts, Kind):
    def prepare(self) -> None:
        self.recheck_when(digest(self.store, "supplier", states=("trialled", "qualified", "lapsed", "not_passed")))

    def check(self, result: RowResult, key: str, row: int) -> str:
        v = result.values
        own = self.store.record(key) if key else None
        if own is not None and own.state in DONE:
            return ""
        name = str(v.get("supplier") or "").strip()
        if not name:
            return ""
        supplier = find_supplier(self.store, name)
        if supplier is None:
            result.problems.append(Problem("supplier", "suppliers.supplier_unknown", {"supplier": name}))
            return ""
        v["supplier_key"], v["supplier_name"] = supplier.key, supplier.data.get("name", "")
        category = str(v.get("category") or "").strip()
        offered = split_list(supplier.data.get("categories", ""))
        if category and not any(same(category, c) for c in offered):
            result.problems.append(Problem("category", "suppliers.category_not_supplied",
                                           {"category": category, "supplier": supplier.data.get("name", ""),
                                            "categories": "、".join(offered)}))
        stage = stage_of(supplier, self.facts(), self.ws.clock.today())
        if order_of(stage.state) < order_of("trialled") and stage.state != "lapsed":
            result.problems.append(Problem("supplier", "suppliers.not_ready_for_list", {
                "supplier": supplier.data.get("name", ""), "stage": self.t(f"suppliers.stage_{stage.state}")}))
        until = v.get("valid_until")
        if isinstance(until, dt.date) and until < self.ws.clock.today() and own is None:
            result.problems.append(Problem("valid_until", "suppliers.valid_past", {"day": until.isoformat()}))
        return ""

    def immutable(self, record: Record) -> bool:
        return record.state in DONE

    def on_approved(self, record: Record) -> None:
        set_state(self.ws, record, "listed", self.t("suppliers.t_listed", until=record.data.get("valid_until", "")))

    def guidance(self, record: Record) -> str | None:
        d = record.data
        if record.state == "listed":
            return self.t("suppliers.g_listed", supplier=d.get("supplier_name", ""), category=d.get("category", ""),
                          until=d.get("valid_until", ""))
        if record.state == "lapsed":
            return self.t("suppliers.g_lapsed", until=d.get("valid_until", ""))
        return None

    def timers(self) -> None:
        today = self.ws.clock.today()
        for entry in self.store.records(self.form.id):
            if entry.state != "listed":
                continue
            until = day(entry.data.get("valid_until"))
            if until is None:
                continue
            if today > until:
                set_state(self.ws, entry, "lapsed", self.t("suppliers.t_lapsed", day=until.isoformat()))
                continue
            for days in sorted(self.ws.cfg.sourcing.remind_days):
                if until - dt.timedelta(days=days) <= today:
                    send(self.ws, f"{entry.key}:lapse:{days}", "listing_lapse", people(self.ws,
                         "purchasing_specialist"), entry, entry_no=entry.key,
                         supplier=entry.data.get("supplier_name", ""), category=entry.data.get("category", ""),
                         until=until.isoformat(), days=(until - today).days)
                    break
