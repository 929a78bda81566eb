"""Price changes (调价申请, P1): the planner proposes, the marketing director approves, the day applies it.

Applying writes the new price into the catalogue (its 现价 cell follows), adds it to the SKU's price history
with the price it replaced, and keeps the old price with the change itself, so the row says "¥128.00 → ¥118.00".
"""

from __future__ import annotations

from ..effects import save_data, set_state
from ..forms.fields import Problem
from ..forms.validate import RowResult
from ..store.db import Record
from .cells import push
from .changes import APPLIED, ChangeKind
from .facts import item_record, price_text, yuan


class PriceChangeKind(ChangeKind):
    def check_change(self, result: RowResult, item: Record, key: str) -> None:
        v = result.values
        current = self.store.catalogue_item(key=item.key)
        now = price_text(current["price"]) if current else ""
        new = price_text(v.get("new_price"))
        v["old_price"] = now
        if new and new == now:
            result.problems.append(Problem("new_price", "catalogue.price_same", {"price": yuan(now)}))

    def apply(self, record: Record) -> None:
        d, ws = record.data, self.ws
        item = item_record(ws, d.get("sku", ""))
        if item is None:   # the SKU's row is gone from the catalogue: nothing to change
            set_state(ws, record, APPLIED, self.t("catalogue.t_no_item", sku=d.get("sku", "")))
            return
        current = self.store.catalogue_item(key=item.key)
        was, new = price_text(current["price"]) if current else "", price_text(d.get("new_price"))
        today = ws.clock.today().isoformat()
        self.store.set_catalogue_item(item.key, price=new)
        self.store.add_price(sku=d.get("sku", ""), price=new, was=was, effective=today, source=record.key,
                             by=self.approver(record), at=ws.clock.now().isoformat(timespec="seconds"))
        save_data(ws, record, old_price=was, applied_on=today)
        fresh = self.store.record(record.key) or record
        set_state(ws, fresh, APPLIED, self.t("catalogue.t_price_applied", was=yuan(was), new=yuan(new)))
        push(ws, item)
        self.refresh(item)

    def summary(self, record: Record) -> str:
        d = record.data
        return self.t("catalogue.s_price", sku=d.get("sku", ""), was=yuan(d.get("old_price")),
                      new=yuan(d.get("new_price")), day=self.day(record))

    def state_text(self, record: Record) -> str:
        d = record.data
        return self.t(f"catalogue.g_price_{record.state}", day=self.day(record), was=yuan(d.get("old_price")),
                      new=yuan(d.get("new_price")), on=d.get("applied_on", ""))
