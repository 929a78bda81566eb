"""The suppliers family taken through as a buyer would: supplier files, an inquiry, quotes, a price approval, the
qualified list, then orders that use them. Names sign (codes off), as in orders_flow; one pass per step."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from orders_flow import Flow
from orders_helpers import FormSheet

from processors.forms.rules import USCC_CHARS, uscc_check_char

PA_SIGN = (("buyer_sign", "孙丽"), ("commerce_sign", "周刚"), ("gm_sign", "郑涛"))
QS_SIGN = (("commerce_sign", "周刚"), ("gm_sign", "郑涛"))
TERMS = ("quality", "price_terms", "packaging", "delivery", "payment", "transport", "cooperation")


def uscc(n: int) -> str:
    """A valid unified social credit code, different for each n (the check character computed as GB 32100 says)."""
    body = f"9131000{n:010d}"
    assert all(c in USCC_CHARS for c in body)
    return body + uscc_check_char(body)


def supplier_row(n: int, name: str, **changes: Any) -> dict[str, Any]:
    row = {"name": name, "credit_code": uscc(n), "business_record": "上海市市场监督管理局 2010 年登记；建材销售",
           "size": "中型", "staff": 80, "credit_rating": "良好", "contact": f"联系人{n}", "phone": f"021-5555 0{n:03d}",
           "email": f"s{n}@supplier.example.com", "categories": "板材、龙骨", "credit_days": 30}
    row.update(changes)
    return {k: v for k, v in row.items() if v is not None}


def terms(verdict: str = "可接受", **changes: str) -> dict[str, str]:
    out = {f"term_{t}": verdict for t in TERMS}
    out.update({f"term_{k}": v for k, v in changes.items()})
    return out


class SupplierFlow(Flow):
    def __init__(self, root: Path, **kwargs: Any) -> None:
        super().__init__(root, **kwargs)
        self.suppliers = FormSheet(self.ws, "supplier")
        self.listing = FormSheet(self.ws, "qualified_supplier")
        self.inquiries = FormSheet(self.ws, "inquiry")
        self.quotes = FormSheet(self.ws, "quote")
        self.prices = FormSheet(self.ws, "price_approval")

    def on_file(self, names: list[str], **changes: Any) -> None:
        self.suppliers.put([supplier_row(i + 1, n, **changes) for i, n in enumerate(names)])
        self.run()

    def listed(self, rows: list[int], category: str = "板材", until: dt.date = dt.date(2027, 12, 31),
               start: int = 2, **changes: Any) -> None:
        """Qualified-list entries for the suppliers on those rows of the supplier sheet, signed through S6."""
        entries = [{"supplier": self.suppliers.cell(r, "key"), "category": category, "valid_until": until, **changes}
                   for r in rows]
        self.listing.put(entries, start=start)
        self.run()
        for column, who in QS_SIGN:
            for r in range(start, start + len(rows)):
                self.listing.set(r, **{column: f"同意 {who}"})
            self.run()

    def inquiry(self, suppliers: str, items: str = "石膏板 | 9.5mm | 张 | 600", row: int = 2,
                **changes: Any) -> None:
        self.inquiries.set(row, buyer="孙丽", category="板材", items=items, suppliers=suppliers,
                           reply_by=dt.date(2026, 12, 5), delivery_place="万达广场 3F 工地", **changes)
        self.run()

    def quoted(self, rfq: str, offers: list[tuple[str, float]], item: str = "石膏板", start: int = 2) -> None:
        self.quotes.put([{"rfq": rfq, "supplier": s, "item": item, "unit_price": p, "delivery_days": 7,
                          "payment_terms": "月结 30 天", "valid_until": dt.date(2027, 1, 31)} for s, p in offers],
                        start=start)
        self.run()

    def decided(self, rfq: str, chosen: str, row: int = 2, sign: bool = True, **changes: Any) -> None:
        values = {"rfq": rfq, "item": "石膏板", "chosen": chosen, "valid_until": dt.date(2027, 6, 30), **terms()}
        values.update(changes)
        self.prices.set(row, **values)
        self.run()
        if sign:
            for column, who in PA_SIGN:
                self.prices.set(row, **{column: f"同意 {who}"})
                self.run()
