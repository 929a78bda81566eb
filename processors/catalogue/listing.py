"""Listing and delisting by request (上下架申请, P2).

Listing goes to the marketing director, delisting to the head of the proposer's department (the route's
`when` picks the step). A delisting at zero stock needs no request: the catalogue does it (item.py). A
delisting by request is a manual decision, kept as such, so stock coming back never relists it; only a listing
request does. A listing of an SKU with no stock lands as 缺货下架 and follows the stock from there.
"""

from __future__ import annotations

from ..config import Person
from ..effects import save_data, set_state
from ..forms.fields import Problem
from ..forms.validate import RowResult
from ..store.db import Record
from .changes import APPLIED, ChangeKind
from .facts import NOT_LISTED, OFF_SALE, ON_SALE, OUT_OF_STOCK, item_record, move


class ListingKind(ChangeKind):
    def check_change(self, result: RowResult, item: Record, key: str) -> None:
        v = result.values
        person = v.get("applicant")
        if not v.get("department") and isinstance(person, Person) and person.department:
            v["department"] = person.department
        action = str(v.get("action") or "")
        if action == "list" and item.state == ON_SALE:
            result.problems.append(Problem("action", "catalogue.already_listed", {"sku": v["sku"]}))
        if action == "delist" and item.state in (NOT_LISTED, OFF_SALE):
            result.problems.append(Problem("action", "catalogue.not_listed", {
                "sku": v["sku"], "state": self.ws.t.pick(self.ws.forms["catalogue"].states[item.state].label)}))

    def apply(self, record: Record) -> None:
        d, ws = record.data, self.ws
        item = item_record(ws, d.get("sku", ""))
        if item is None:
            set_state(ws, record, APPLIED, self.t("catalogue.t_no_item", sku=d.get("sku", "")))
            return
        today = ws.clock.today().isoformat()
        if d.get("action") == "list":
            empty = item.data.get("stock", "") == "0"
            self.store.set_catalogue_item(item.key, delisted_how="auto" if empty else "")
            save_data(ws, item, listed_on=today, list_source=record.key, delisted_on=today if empty else "",
                      delist_source="")
            move(ws, self.store.record(item.key) or item, OUT_OF_STOCK if empty else ON_SALE,
                 self.t("catalogue.t_listed_by", key=record.key), actor=d.get("applicant", "system"))
        else:
            self.store.set_catalogue_item(item.key, delisted_how="manual")
            save_data(ws, item, delisted_on=today, delist_source=record.key)
            move(ws, self.store.record(item.key) or item, OFF_SALE,
                 self.t("catalogue.t_delisted_by", key=record.key), actor=d.get("applicant", "system"))
        fresh = self.store.record(record.key) or record
        save_data(ws, fresh, applied_on=today)
        set_state(ws, self.store.record(record.key) or fresh, APPLIED,
                  self.t(f"catalogue.t_{d.get('action', 'list')}_applied"))

    def summary(self, record: Record) -> str:
        d = record.data
        return self.t(f"catalogue.s_{d.get('action', 'list')}", sku=d.get("sku", ""), day=self.day(record))

    def state_text(self, record: Record) -> str:
        d = record.data
        return self.t(f"catalogue.g_{d.get('action', 'list')}_{record.state}", day=self.day(record),
                      on=d.get("applied_on", ""))
