"""The planning family's plugin module: production tasks, consumption quotas, materials, overrides, the monthly
purchase plan and the fund-use plan (R5)."""

from __future__ import annotations

from ..kinds import Kind, hookimpl
from .fund import FundPlanKind
from .inputs import BomKind, MaterialKind, OverrideKind, TaskKind
from .plan import MonthlyPlanKind

__all__ = ["sheetflow_kinds"]


@hookimpl
def sheetflow_kinds() -> dict[str, type[Kind]]:
    return {"production_task": TaskKind, "bom": BomKind, "material": MaterialKind, "plan_override": OverrideKind,
            "monthly_plan": MonthlyPlanKind, "fund_plan": FundPlanKind}
