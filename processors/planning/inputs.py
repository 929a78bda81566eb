"""The plan's input sheets as kinds: production tasks, consumption quotas, materials and overrides.

They have no route: a valid row is recorded and the monthly plan reads it. What the TOML cannot say is here:
codes are compared as staff mean them (full-width, case, spaces), two overrides of one material and month are
refused (the plan would not know which one the planner meant), and rows of the quotas that form a loop are
marked together, each naming the rows it loops with, because no plan can be exploded through a loop.
"""

from __future__ import annotations

from ..effects import set_state
from ..forms.fields import Problem
from ..forms.validate import RowResult
from ..kinds import Kind
from ..store.db import Record
from .mrp import Quota, find_cycles, normal_code
from .reading import BOM, OVERRIDE, quotas

LIVE = ("recorded", "cycle")


def _normal(result: RowResult, *names: str) -> None:
    for name in names:
        value = result.values.get(name)
        if isinstance(value, str) and value:
            result.values[name] = normal_code(value)


class TaskKind(Kind):
    def check(self, result: RowResult, key: str, row: int) -> str:
        _normal(result, "product")
        return ""


class MaterialKind(Kind):
    def check(self, result: RowResult, key: str, row: int) -> str:
        _normal(result, "code")
        return ""


class OverrideKind(Kind):
    def prepare(self) -> None:
        self.claimed: dict[tuple[str, str], str] = {}

    def check(self, result: RowResult, key: str, row: int) -> str:
        _normal(result, "code")
        month, code = str(result.values.get("month") or ""), str(result.values.get("code") or "")
        if not (month and code):
            return ""
        if not hasattr(self, "claimed"):
            self.claimed = {}
        other = self.claimed.get((month, code))
        if other is None:
            other = next((r.key for r in self.store.records(OVERRIDE) if r.key != key and r.state == "recorded"
                          and r.data.get("month") == month and r.data.get("code") == code), None)
        if other and other != key:
            result.problems.append(Problem("code", "planning.override_twice", {"code": code, "month": month,
                                                                                "key": other}))
        else:
            self.claimed[(month, code)] = key or self.t("planning.row_no", row=row)
        return ""


class BomKind(Kind):
    def check(self, result: RowResult, key: str, row: int) -> str:
        _normal(result, "parent", "component")
        if result.values.get("parent") and result.values.get("parent") == result.values.get("component"):
            result.problems.append(Problem("component", "planning.quota_self", {"code": result.values["parent"]}))
        return ""

    def after_sync(self, changed: bool) -> None:
        """Rows in a loop are marked 循环引用 (and back to 已登记 once it is broken), after the whole sheet is in:
        a loop is a fact about several rows, which no one row's check can see."""
        looped = {q.ref for cycle in find_cycles(quotas(self.store)) for q in cycle}
        moves = [(r, "cycle" if r.key in looped else "recorded") for r in self.store.records(BOM)
                 if r.state in LIVE and (r.state == "cycle") != (r.key in looped)]
        if not moves:
            return
        with self.store.transaction():
            for record, state in moves:
                set_state(self.ws, record, state, self.t("planning.t_cycle" if state == "cycle" else
                                                         "planning.t_cycle_broken"))

    def guidance(self, record: Record) -> str | None:
        if record.state != "cycle":
            return None
        for cycle in find_cycles(quotas(self.store)):
            if any(q.ref == record.key for q in cycle):
                return self.t("planning.cycle_row", rows=rows_text(cycle), path=path_text(cycle))
        return None


def rows_text(cycle: list[Quota]) -> str:
    return "、".join(f"{q.row}（{q.ref}）" if q.row else q.ref for q in cycle)


def path_text(cycle: list[Quota]) -> str:
    return " → ".join([q.parent for q in cycle] + [cycle[0].parent]) if cycle else ""
