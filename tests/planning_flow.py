"""The monthly plan (R5) taken through as staff would: tasks, quotas and stock typed into their sheets, the plan
row, its signatures, the fund plan row and its signatures, one pass per step (names sign: codes are off here,
as in orders_flow; the code path itself is proven in test_approvals).

The data is the hand-worked example of tests/test_planning.py: two products, a semi-finished item both use,
screws needed at two levels, loss on one quota row, safety stock, a minimum order, pack sizes, reserved stock,
stock that covers a need, and an override."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from orders_helpers import FormSheet
from suppliers_flow import SupplierFlow

from processors.store.db import Record

DEC = "2026-12"
NOW = dt.datetime(2026, 11, 30, 10, 0)
PLANNING = ("production_task", "bom", "material", "plan_override", "monthly_plan", "fund_plan")

TASKS = [
    {"month": DEC, "product": "DESK-A", "product_name": "书桌", "quantity": 100, "start": dt.date(2026, 12, 7)},
    {"month": DEC, "product": "desk-a ", "product_name": "书桌", "quantity": 50, "start": dt.date(2026, 12, 21)},
    {"month": DEC, "product": "CAB-B", "product_name": "书柜", "quantity": 40, "start": dt.date(2026, 12, 14)},
]
QUOTAS = [
    {"parent": "DESK-A", "component": "LEG-SET", "component_name": "桌腿组件", "per_unit": 1},
    {"parent": "DESK-A", "component": "BOARD-18", "component_name": "板材", "per_unit": 2, "scrap": 5},
    {"parent": "DESK-A", "component": "SCREW-M6", "component_name": "螺钉", "per_unit": 8},
    {"parent": "LEG-SET", "component": "STEEL-TUBE", "component_name": "钢管", "per_unit": 4},
    {"parent": "LEG-SET", "component": "SCREW-M6", "component_name": "螺钉", "per_unit": 4},
    {"parent": "CAB-B", "component": "BOARD-18", "component_name": "板材", "per_unit": 3},
    {"parent": "CAB-B", "component": "HINGE", "component_name": "铰链", "per_unit": 4},
    {"parent": "CAB-B", "component": "SCREW-M6", "component_name": "螺钉", "per_unit": 12},
]
STOCK = [
    {"code": "LEG-SET", "name": "桌腿组件", "unit": "套", "on_hand": 30},
    {"code": "BOARD-18", "name": "石膏板", "spec": "9.5mm", "unit": "张", "on_hand": 80, "reserved": 20,
     "safety": 30, "moq": 100, "multiple": 50, "lead_days": 5, "supplier": "华美建材有限公司"},
    {"code": "SCREW-M6", "name": "螺钉", "spec": "M6", "unit": "个", "on_hand": 500, "safety": 200,
     "multiple": 1000},
    {"code": "STEEL-TUBE", "name": "钢管", "spec": "Φ25", "unit": "米", "on_hand": 60, "moq": 200},
    {"code": "HINGE", "name": "铰链", "unit": "个", "on_hand": 400},
]


class PlanningFlow(SupplierFlow):
    def __init__(self, root: Path, *, config: str = "", now: dt.datetime = NOW) -> None:
        super().__init__(root, config=config, now=now)
        self.sheets = {f: FormSheet(self.ws, f) for f in PLANNING}

    def put(self, form: str, *rows: dict[str, Any], start: int = 2) -> None:
        self.sheets[form].put(list(rows), start=start)
        self.run()

    def set(self, form: str, row: int, **values: Any) -> None:
        self.sheets[form].set(row, **values)
        self.run()

    def cell(self, form: str, name: str, row: int = 2) -> str:
        return self.sheets[form].cell(row, name)

    def inputs(self, tasks: list[dict[str, Any]] = TASKS, quotas: list[dict[str, Any]] = QUOTAS,
               stock: list[dict[str, Any]] = STOCK) -> None:
        self.sheets["production_task"].put(tasks)
        self.sheets["bom"].put(quotas)
        self.sheets["material"].put(stock)
        self.run()

    def plan(self, month: str = DEC, row: int = 2) -> Record | None:
        """The plan row typed; its record, or None when the row could not be numbered (its message says why)."""
        self.set("monthly_plan", row, planner="孙丽", month=month)
        return self.ws.store.record(self.cell("monthly_plan", "key", row))

    def approve_plan(self, row: int = 2) -> Record:
        self.set("monthly_plan", row, commerce_sign="同意 周刚")
        self.set("monthly_plan", row, executive_sign="同意 吴军")
        return self.record("monthly_plan", row)

    def fund(self, month: str = DEC, row: int = 2) -> Record | None:
        self.set("fund_plan", row, preparer="孙丽", month=month)
        return self.ws.store.record(self.cell("fund_plan", "key", row))

    def approve_fund(self, row: int = 2) -> Record:
        self.set("fund_plan", row, finance_sign="同意 何梅")
        self.set("fund_plan", row, gm_sign="同意 郑涛")
        return self.record("fund_plan", row)

    def record(self, form: str, row: int = 2) -> Record:
        key = self.cell(form, "key", row)
        found = self.ws.store.record(key)
        assert found is not None, (form, row, self.cell(form, "message", row))
        return found

    def plan_lines(self, form: str = "monthly_plan", row: int = 2) -> dict[str, dict[str, Any]]:
        """The stored lines of the plan in that row, by material code."""
        return {ln["code"]: ln for ln in json.loads(self.record(form, row).data.get("lines") or "[]")}
