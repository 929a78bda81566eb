"""The purchase request once others depend on it (R4, R6): in a plan or on an order line, it is settled.

A request's sign-off chain is what a plan gathers and an order line traces to;
an edit to what was signed after that would leave the plan and the order
counting a request that went back to step one. So it is put back, and the row
says what holds it. Its remarks stay free (forms/purchase_request.toml `signed`).
"""

from __future__ import annotations

from ..kinds import Kind
from ..store.db import Record
from . import model


class RequestKind(Kind):
    def settled(self, record: Record) -> str | None:
        plans = [p.key for p in model.plans_holding(self.store, record.key, ("approved",))]
        plans += [p.key for p in model.records(self.store, model.PLAN)
                  if p.state.startswith("awaiting:") and record.key in model.json_list(p.data, "requests")]
        lines = [line.key for line in model.records(self.store, model.LINE, model.LIVE_LINE)
                 if line.data.get("request") == record.key]
        held = plans + lines
        return self.t("engine.request_held", by="、".join(held)) if held else None
