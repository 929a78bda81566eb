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
        plans = [p.key for p in self.store.records_naming(model.PLAN, "requests", record.key)
                 if p.state == "approved" or p.state.startswith("awaiting:")]
        lines = [line.key for line in self.store.records_naming(model.LINE, "request", record.key)
                 if line.state in model.LIVE_LINE]
        held = plans + lines
        return self.t("engine.request_held", by="、".join(held)) if held else None
