"""The catalogue's SKUs and their price history, as stored (P1–P4).

A mixin of `Store`, so processors/catalogue writes no SQL of its own. Prices are decimal strings; every method
runs in the caller's transaction.
"""

from __future__ import annotations

import json
import sqlite3


class CatalogueMixin:
    conn: sqlite3.Connection

    def catalogue_item(self, *, key: str = "", sku: str = "") -> sqlite3.Row | None:
        """One SKU's stored state, by its catalogue record or by its SKU."""
        if key:
            return self.conn.execute("SELECT * FROM catalogue_items WHERE key = ?", (key,)).fetchone()
        return self.conn.execute("SELECT * FROM catalogue_items WHERE sku = ?", (sku,)).fetchone()

    def catalogue_items(self) -> list[sqlite3.Row]:
        return list(self.conn.execute("SELECT * FROM catalogue_items ORDER BY sku"))

    def add_catalogue_item(self, key: str, sku: str) -> None:
        """A new SKU on file (again: a record that keeps its key keeps its state)."""
        self.conn.execute("INSERT INTO catalogue_items (key, sku) VALUES (?, ?) ON CONFLICT (key) DO UPDATE "
                          "SET sku = excluded.sku", (key, sku))

    def set_catalogue_item(self, key: str, **values: str) -> None:
        allowed = {"price", "promo", "delisted_how", "listing"}
        assert set(values) <= allowed, set(values) - allowed
        if values:
            sets = ", ".join(f"{name} = ?" for name in values)
            self.conn.execute(f"UPDATE catalogue_items SET {sets} WHERE key = ?", (*values.values(), key))

    def catalogue_shown(self, key: str) -> dict[str, str]:
        row = self.conn.execute("SELECT shown FROM catalogue_items WHERE key = ?", (key,)).fetchone()
        return dict(json.loads(row[0])) if row else {}

    def set_catalogue_shown(self, key: str, shown: dict[str, str]) -> None:
        self.conn.execute("UPDATE catalogue_items SET shown = ? WHERE key = ?",
                          (json.dumps(shown, ensure_ascii=False, sort_keys=True), key))

    def add_price(self, *, sku: str, price: str, was: str, effective: str, source: str, by: str, at: str) -> bool:
        """One price in the SKU's history; False if this change was recorded before (a pass repeated)."""
        return self.conn.execute(
            "INSERT INTO catalogue_prices (sku, price, was, effective, source, by, at) VALUES (?,?,?,?,?,?,?) "
            "ON CONFLICT (sku, source) DO NOTHING", (sku, price, was, effective, source, by, at)).rowcount == 1

    def price_history(self, sku: str | None = None) -> list[sqlite3.Row]:
        """Every price each SKU had (or one SKU's), oldest first."""
        sql = "SELECT * FROM catalogue_prices" + (" WHERE sku = ?" if sku else "")
        return list(self.conn.execute(sql + " ORDER BY sku, id", (sku,) if sku else ()))

    def row_fp(self, file: str, key: str) -> str | None:
        """The fingerprint a keyed row last read with (what an owed write to it must find in the sheet)."""
        row = self.conn.execute("SELECT fp FROM row_view WHERE file = ? AND key = ? LIMIT 1", (file, key)).fetchone()
        return str(row[0]) if row else None
