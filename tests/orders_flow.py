"""A workspace taken through the order chain the way staff would: requests, plan, lines, order, signatures.

Approval codes are off here (names sign), so each step is one cell typed and one
pass; the code path itself is proven in test_approvals.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from conftest import BOOK, TZ, Book, good_row
from orders_helpers import ORDER_CONFIG, FormSheet

from processors.clock import Clock
from processors.init_workspace import init_workspace
from processors.passes import PassReport, run_pass
from processors.workspace import Workspace

START = dt.datetime(2026, 11, 29, 10, 0)
O1 = (("buyer_sign", "孙丽"), ("commerce_sign", "周刚"), ("engineering_sign", "王芳"), ("executive_sign", "吴军"))


def order_row(draft: str = "A", **changes: Any) -> dict[str, Any]:
    row = {"draft": draft, "buyer": "孙丽", "supplier": "华美建材有限公司", "goods": "标准品",
           "delivery_date": dt.date(2026, 12, 20), "delivery_place": "万达广场 3F 工地", "payment_terms": "验收后付款"}
    row.update(changes)
    return {k: v for k, v in row.items() if v is not None}


def line_row(order: str = "A", request: str = "PR-2026-0001", **changes: Any) -> dict[str, Any]:
    row = {"order": order, "request": request, "item": "石膏板", "spec": "9.5mm", "unit": "张", "quantity": 100,
           "unit_price": 27}
    row.update(changes)
    return {k: v for k, v in row.items() if v is not None}


class Flow:
    def __init__(self, root: Path, *, config: str = "", now: dt.datetime = START) -> None:
        init_workspace(root)
        path = root / "config.toml"
        text = path.read_text(encoding="utf-8").replace("codes = true", "codes = false")
        path.write_text(text + ORDER_CONFIG + config, encoding="utf-8")
        self.root = root
        self.ws = Workspace(root, clock=Clock(TZ, now.replace(tzinfo=TZ)))
        self.requests = Book(self.ws.cfg.sheets_dir / BOOK)
        self.plans = FormSheet(self.ws, "purchase_plan")
        self.lines = FormSheet(self.ws, "order_line")
        self.orders = FormSheet(self.ws, "purchase_order")

    def run(self) -> PassReport:
        return run_pass(self.ws)

    def at(self, when: dt.datetime) -> None:
        """The same workspace on another day (reminders and due dates are about time)."""
        self.ws.close()
        self.ws = Workspace(self.root, clock=Clock(TZ, when.replace(tzinfo=TZ)))

    def close(self) -> None:
        self.ws.close()

    # -- the chain ----------------------------------------------------------------------------------
    def approved_requests(self, *rows: dict[str, Any]) -> None:
        self.requests.put_rows(list(rows) or [good_row(quantity=300, project="万达广场")])
        self.run()
        for r in range(2, 2 + (len(rows) or 1)):
            self.requests.set(r, "dept_head", "同意 王芳")
        self.run()
        for r in range(2, 2 + (len(rows) or 1)):
            self.requests.set(r, "purchasing_review", "同意 孙丽")
        self.run()

    def approved_plan(self, project: str = "万达广场", row: int = 2) -> None:
        self.plans.set(row, planner="孙丽", project=project)
        self.run()
        self.plans.set(row, commerce_head="同意 周刚")
        self.run()

    def drafted(self, lines: list[dict[str, Any]] | None = None, **order: Any) -> None:
        """Approved requests, an approved plan, the order's lines and its header: numbered, nobody signed."""
        self.approved_requests()
        self.approved_plan()
        self.lines.put(lines or [line_row()])
        self.run()
        self.orders.put([order_row(**order)])
        self.run()

    def sign_all(self, row: int = 2) -> None:
        for column, who in O1:
            self.orders.set(row, **{column: f"同意 {who}"})
            self.run()

    def signed_order(self, row: int = 2, **order: Any) -> None:
        self.orders.put([order_row(**order)], start=row)
        self.run()
        self.sign_all(row)

    def to_placed(self, **order: Any) -> None:
        self.drafted(**order)
        self.sign_all()

    def outbox(self) -> list[Any]:
        from approvals_helpers import mails

        return mails(self.ws.cfg.outbox_dir)
