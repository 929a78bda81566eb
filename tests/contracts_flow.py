"""Sales contracts taken through as the commerce department would: a contract typed, reviewed by commerce,
production and finance (names sign, codes off, as in orders_flow), then shipments and payments recorded."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from orders_flow import Flow
from orders_helpers import FormSheet

# Tuesday: the weeks and months below are counted from here
START = dt.datetime(2026, 12, 1, 10, 0)
REVIEW = (("commerce_sign", "commerce_remark", "周刚", "价格已核"), ("production_sign", "production_remark", "马骏",
          "产能可排，按期交付"), ("finance_sign", "finance_remark", "何梅", "预付款比例合适"))
ITEMS = "定制展柜 | 1200×600×900 | 套 | 20 | 3800\n收银台 | 1800 弧形 | 台 | 2 | 12000"   # ¥100,000.00
CONTRACT = "SC-2026-0001"


def contract_row(**changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "salesperson": "何静", "customer": "星河百货有限公司", "contact": "王经理", "email": "wang@xinghe.example.com",
        "address": "上海市浦东新区世纪大道 100 号", "items": ITEMS, "delivery_date": dt.date(2026, 12, 31),
        "delivery_place": "星河百货 2F", "shipment_plan": "2026-12-15 | 50%\n2026-12-30 | 50%",
        "collection_plan": "2026-12-04 | 30%\n2027-01-15 | 70%", "payment_terms": "预付 30%，余款发货后付清",
        "clauses": "定制条款"}
    row.update(changes)
    return {k: v for k, v in row.items() if v is not None}


class ContractFlow(Flow):
    def __init__(self, root: Path, **kwargs: Any) -> None:
        super().__init__(root, now=kwargs.pop("now", START), **kwargs)
        self.contracts = FormSheet(self.ws, "sales_contract")
        self.moves = FormSheet(self.ws, "contract_movement")

    def typed(self, row: int = 2, **changes: Any) -> None:
        self.contracts.put([contract_row(**changes)], start=row)
        self.run()

    def reviewed(self, row: int = 2, upto: int = 3) -> None:
        for sign, remark, who, text in REVIEW[:upto]:
            self.contracts.set(row, **{remark: text, sign: f"同意 {who}"})
            self.run()

    def issued(self, row: int = 2, **changes: Any) -> None:
        self.typed(row, **changes)
        self.reviewed(row)

    def moved(self, rows: list[tuple[str, str, dt.date, Any]], start: int = 2) -> None:
        self.moves.put([{"contract": c, "kind": k, "day": d, "amount": a, "reference": f"REF-{i}",
                         "recorded_by": "何静"} for i, (c, k, d, a) in enumerate(rows, start=start)], start=start)
        self.run()

    def record(self, key: str) -> Any:
        return self.ws.store.record(key)
