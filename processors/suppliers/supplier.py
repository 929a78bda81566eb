"""Supplier files (S5): one row per supplier, numbered SU-0001 …, its stage (S1) kept from what is recorded."""

from __future__ import annotations

from ..effects import set_state
from ..forms.validate import RowResult
from ..kinds import Kind
from ..sourcing import normalize_name
from ..store.db import Record
from .scorecard import write_scorecard
from .stages import KnowsFacts, stage_of


class SupplierKind(KnowsFacts, Kind):
    def key_for(self, data: dict[str, str]) -> tuple[str, str, int] | None:
        """A supplier outlives the year it was registered in: SU-0001, not SU-2026-0001."""
        n = self.store.next_number("SU")
        return f"SU-{n:0{self.form.digits}d}", "SU", n

    def check(self, result: RowResult, key: str, row: int) -> str:
        name = str(result.values.get("name") or "")
        if name:
            result.values["name_key"] = normalize_name(name)
        return ""

    def on_tracking(self, record: Record, before: dict[str, str], after: dict[str, str]) -> list[str]:
        stage = stage_of(record, self.facts(), self.ws.clock.today())
        return [self.t(stage.held)] if stage.held else []

    def timers(self) -> None:
        """Each supplier's stage, from the quotes, decisions, results and listings recorded until now."""
        facts, today = self.facts(), self.ws.clock.today()
        for supplier in self.store.records(self.form.id):
            if supplier.state == "invalid" or supplier.state.startswith("awaiting:"):
                continue
            stage = stage_of(supplier, facts, today)
            if stage.state != supplier.state:
                set_state(self.ws, supplier, stage.state, self.t(f"suppliers.t_stage_{stage.state}",
                                                                 evidence=stage.evidence))

    def guidance(self, record: Record) -> str | None:
        stage = stage_of(record, self.facts(), self.ws.clock.today())
        text = self.t(f"suppliers.g_stage_{stage.state}", evidence=stage.evidence)
        return text + (" " + self.t(stage.held) if stage.held else "")

    def outputs(self) -> None:
        if self.ws.generate_outputs:
            write_scorecard(self.ws)
