"""The sales family's plugin module: customer orders, sales contracts, their shipments and collections, feedback."""

from __future__ import annotations

from ..kinds import Kind, hookimpl
from .contract import ContractKind
from .customer_order import CustomerOrderKind
from .feedback import FeedbackKind
from .movement import MovementKind

__all__ = ["ContractKind", "CustomerOrderKind", "FeedbackKind", "MovementKind", "sheetflow_kinds"]


@hookimpl
def sheetflow_kinds() -> dict[str, type[Kind]]:
    return {"customer_order": CustomerOrderKind, "sales_contract": ContractKind, "contract_movement": MovementKind,
            "feedback": FeedbackKind}
