"""The catalogue's rows (商品目录): an SKU on file, its price in force, its listing, driven by its stock (P2).

A new row starts 未上架 at its list price (the first entry of its price history); listing is a request the
marketing director approves (listing.py). Stock typed in the row moves the listing by itself: zero stock
delists an SKU on sale (缺货下架), and stock coming back relists it when [catalogue] relist = "auto". A delisting
by request (已下架) is a manual decision: stock never undoes it. 现价 and 促销 are sheetflow's (cells.py): a value
typed over them is put back and the row says how a price is changed.
"""

from __future__ import annotations

import json

from ..effects import save_data, set_state
from ..forms.fields import Problem
from ..forms.validate import RowResult
from ..kinds import Kind
from ..store.db import PendingWrite, Record
from .cells import observed, owed_writes, push, wanted
from .facts import NOT_LISTED, OFF_SALE, ON_SALE, OUT_OF_STOCK, joined, move, normal_sku, price_text, yuan
from .history import write_history

#: facts about the listing sheetflow derived; kept when the row is read again and its data rebuilt
KEEP = ("delisted_on", "delist_source", "listed_on", "list_source")


class CatalogueKind(Kind):
    def prepare(self) -> None:
        self.seen: dict[str, dict[str, str]] = {}

    def check(self, result: RowResult, key: str, row: int) -> str:
        v = result.values
        sku = normal_sku(v.get("sku"))
        if sku:
            v["sku"] = sku
        own = self.store.record(key) if key else None
        if own is not None and own.form == self.form.id:
            for name in KEEP:
                if own.data.get(name):
                    v[name] = own.data[name]
            if not hasattr(self, "seen"):
                self.seen = {}
            self.seen[key] = observed(v)
        other = self.store.catalogue_item(sku=sku) if sku else None
        if other is not None and other["key"] != key:
            result.problems.append(Problem("sku", "catalogue.sku_on_file", {"value": sku, "key": other["key"]}))
        return ""

    def settled(self, record: Record) -> str | None:
        """The SKU is what change requests and the price history name: once on file it stays."""
        return self.t("catalogue.sku_fixed") if self.store.catalogue_item(key=record.key) else None

    def on_approved(self, record: Record) -> None:
        """A new SKU on file: its list price is its first price. An SKU's row put right after being invalid
        takes its listing back."""
        item = self.store.catalogue_item(key=record.key)
        if item is not None:
            if item["listing"] and item["listing"] != record.state:
                set_state(self.ws, record, item["listing"], self.t("catalogue.t_listing_back"))
            return
        sku, price = record.data.get("sku", ""), price_text(record.data.get("list_price"))
        self.store.add_catalogue_item(record.key, sku)
        self.store.set_catalogue_item(record.key, price=price)
        self.store.add_price(sku=sku, price=price, was="", effective=self.ws.clock.today().isoformat(),
                             source=record.key, by="", at=self._now())

    def on_tracking(self, record: Record, before: dict[str, str], after: dict[str, str]) -> list[str]:
        notes: list[str] = []
        want = wanted(self.ws, record.key)
        for name in ("price", "promo"):
            if name not in after or not want:
                continue
            typed = price_text(after[name]) if name == "price" else after[name].strip()
            if typed != want.get(name, ""):   # typed over a cell sheetflow keeps: after_sync writes it back
                label = self.t.pick(self.form.field(name).label)
                value = yuan(want["price"]) if name == "price" else (want.get(name) or "—")
                notes.append(self.t(f"catalogue.owned_{name}", label=label, value=value))
        if after.get("stock", "") != before.get("stock", ""):
            self._stock(record, after.get("stock", ""))
        return notes

    def _stock(self, record: Record, typed: str) -> None:
        if typed == "":
            return
        stock = int(float(typed))
        today = self.ws.clock.today().isoformat()
        if stock == 0 and record.state == ON_SALE:
            self.store.set_catalogue_item(record.key, delisted_how="auto")
            save_data(self.ws, record, delisted_on=today, delist_source="")
            move(self.ws, record, OUT_OF_STOCK, self.t("catalogue.t_out_of_stock"))
        elif stock > 0 and record.state == OUT_OF_STOCK and self.ws.cfg.catalogue.relist == "auto":
            self.store.set_catalogue_item(record.key, delisted_how="")
            save_data(self.ws, record, listed_on=today, delisted_on="")
            move(self.ws, record, ON_SALE, self.t("catalogue.t_relisted", stock=stock))

    def after_sync(self, changed: bool) -> None:
        """Each SKU's row shows the price and promotion the catalogue says (what this read saw, else what was
        last written)."""
        seen = getattr(self, "seen", {})
        owed: dict[str, dict[str, PendingWrite]] = {}
        with self.store.transaction():
            for item in self.store.catalogue_items():
                if item["key"] not in seen and json.loads(item["shown"]) == {"price": price_text(item["price"]),
                                                                             "promo": item["promo"]}:
                    continue   # as last written, and not read since: nothing to look up
                record = self.store.record(item["key"])
                if record is not None and record.form == self.form.id:
                    if record.file not in owed:
                        owed[record.file] = owed_writes(self.ws, record.file)
                    push(self.ws, record, seen.get(record.key), owed[record.file])
        self.seen = {}

    def outputs(self) -> None:
        if self.ws.generate_outputs:
            write_history(self.ws)

    def guidance(self, record: Record) -> str | None:
        item = self.store.catalogue_item(key=record.key)
        if item is None:
            return None
        d, t = record.data, self.t
        history = self.store.price_history(item["sku"])
        last = history[-1] if history else None
        price = t("catalogue.g_price", price=yuan(item["price"]))
        if last is not None and last["was"]:
            price = t("catalogue.g_price_changed", price=yuan(item["price"]), since=last["effective"],
                      source=last["source"], was=yuan(last["was"]))
        stock = d.get("stock", "")
        state = {
            NOT_LISTED: lambda: t("catalogue.g_unlisted"),
            ON_SALE: lambda: t("catalogue.g_listed", stock=stock or "—"),
            OUT_OF_STOCK: lambda: t("catalogue.g_out_of_stock_request" if self.ws.cfg.catalogue.relist == "request"
                                    and stock not in ("", "0") else "catalogue.g_out_of_stock",
                                    day=d.get("delisted_on", ""), stock=stock, relist=t(
                                        f"catalogue.relist_{self.ws.cfg.catalogue.relist}")),
            OFF_SALE: lambda: t("catalogue.g_delisted", day=d.get("delisted_on", ""),
                                source=d.get("delist_source", "")),
        }.get(record.state)
        parts = [state() if state else "", price, t("catalogue.g_promo", promo=item["promo"]) if item["promo"] else ""]
        return joined(t, *parts)

    def _now(self) -> str:
        return self.ws.clock.now().isoformat(timespec="seconds")
