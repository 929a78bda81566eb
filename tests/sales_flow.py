"""Customer orders taken through as the order desk would: a row typed, a pass, the clock, the confirmation logged."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from conftest import TZ
from orders_flow import Flow
from orders_helpers import FormSheet

from processors.clock import Clock

MONDAY = dt.datetime(2026, 11, 30, 10, 0)     # a working Monday, 10:00
DESK = "hejing@example.com"                   # 何静, the order desk (config.toml)
HEAD = "zhougang@example.com"                 # 周刚, the commerce head


def so_row(customer: str = "上海名宅装饰", **changes: Any) -> dict[str, Any]:
    row = {"customer": customer, "contact": "陈先生", "phone": "139 0000 1111", "email": "chen@mingzhai.example.com",
           "channel": "电话", "items": "岩板餐桌 | 1.8m | 张 | 2 | 3680\n餐椅 | 布艺 | 把 | 8 | 420",
           "delivery_date": dt.date(2026, 12, 18), "delivery_place": "上海市长宁区仙霞路 99 号",
           "payment_terms": "定金 30%，送货后付清", "taken_by": "何静"}
    row.update(changes)
    return {k: v for k, v in row.items() if v is not None}


class Shifted(Clock):
    """Real time moved to a chosen moment and then running: what `watch` needs (a fixed clock never arrives)."""

    def __init__(self, start: dt.datetime) -> None:
        super().__init__(TZ)
        self.offset = start.replace(tzinfo=TZ) - dt.datetime.now(TZ)

    def now(self) -> dt.datetime:
        return dt.datetime.now(TZ) + self.offset

    def jump(self, delta: dt.timedelta) -> None:
        self.offset += delta


class SalesFlow(Flow):
    def __init__(self, root: Path, *, now: dt.datetime = MONDAY, **kwargs: Any) -> None:
        super().__init__(root, now=now, **kwargs)
        self.so = FormSheet(self.ws, "customer_order")

    def order(self, row: int = 2, **changes: Any) -> None:
        self.so.put([so_row(**changes)], start=row)
        self.run()

    def confirm(self, row: int = 2, at: Any = "2026-11-30 10:07", how: str = "电话", by: str = "何静") -> None:
        self.so.set(row, confirmed_at=at, confirmed_how=how, confirmed_by=by)
        self.run()

    def mails(self, to: str) -> list[Any]:
        return [m for m in self.outbox() if to in m.to]
