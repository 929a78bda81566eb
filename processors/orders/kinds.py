"""The orders family's plugin module: plans, order lines and purchase orders, registered as a company's kinds are."""

from __future__ import annotations

from ..kinds import Kind, hookimpl
from .lines import LineKind
from .order import OrderKind
from .plan import PlanKind
from .request import RequestKind

__all__ = ["LineKind", "OrderKind", "PlanKind", "RequestKind", "sheetflow_kinds"]


@hookimpl
def sheetflow_kinds() -> dict[str, type[Kind]]:
    return {"purchase_request": RequestKind, "purchase_plan": PlanKind, "order_line": LineKind,
            "purchase_order": OrderKind}
