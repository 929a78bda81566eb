"""Shipments and collections as they happen (发运回款记录, C4): one row each, checked against its contract.

A row is recorded once, when it is numbered, and then fixed like a rent payment: the
contract's state and every report are read from these rows, so changing one afterwards
would rewrite what was already reported as shipped or paid.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from ..forms.fields import Problem
from ..forms.validate import RowResult
from ..kinds import Kind
from ..money import format_figures
from ..store.db import Record
from .contract_plans import parse_amount
from .contract_progress import CONTRACT, LIVE, dec, movements_of, progress, settle

if TYPE_CHECKING:
    from ..forms.definition import FormDef
    from ..workspace import Workspace


class MovementKind(Kind):
    def __init__(self, ws: Workspace, form: FormDef) -> None:
        super().__init__(ws, form)
        self.claimed: dict[tuple[str, str], dict[int, Decimal]] = {}   # what earlier rows of this sync took, by row

    def check(self, result: RowResult, key: str, row: int) -> str:
        own = self.store.record(key) if key else None
        if own is not None and own.state == "recorded":
            return ""
        v = result.values
        number = str(v.get("contract") or "").strip().upper()
        kind = str(v.get("kind") or "")
        if not number:
            return ""
        v["contract"] = number
        contract = self.store.record(number)
        if contract is None or contract.form != CONTRACT:
            result.problems.append(Problem("contract", "contracts.contract_unknown", {"contract": number}))
            return ""
        day = v.get("day")
        if isinstance(day, dt.date) and day > self.ws.clock.today():
            result.problems.append(Problem("day", "contracts.future_day", {"day": day.isoformat()}))
        total = dec(contract.data.get("total"))
        typed = str(v.get("amount") or "").strip()
        amount = parse_amount(typed, total) if typed else None
        if typed and amount is None:
            result.problems.append(Problem("amount", "contracts.amount_bad", {"value": typed}))
        if contract.state not in LIVE and not (contract.state == "collected" and kind == "collection"):
            state = self.ws.forms[CONTRACT].states.get(contract.state)
            label = self.t.pick(state.label) if state else contract.state
            result.problems.append(Problem("contract", "contracts.contract_not_ready",
                                           {"contract": number, "state": label}))
            return ""
        if amount is None or kind not in ("shipment", "collection"):
            return ""
        v["value"] = str(amount[0])
        claims = self.claimed.setdefault((number, kind), {})
        counted = {m.row_hint for m in movements_of(self.ws, number)}     # recorded since: in progress already
        left = progress(self.ws, contract).left(kind) - sum((a for r, a in claims.items() if r not in counted),
                                                            Decimal(0))
        if amount[0] > left:
            result.problems.append(Problem("amount", "contracts.over_remaining", {
                "contract": number, "kind": self.t(f"contracts.m_{kind}"), "left": format_figures(left),
                "amount": format_figures(amount[0])}))
        else:
            claims[row] = amount[0]
        return ""

    def immutable(self, record: Record) -> bool:
        return record.state == "recorded"

    def on_approved(self, record: Record) -> None:
        """Valid (it has no route): the contract moves on with it, in the same transaction."""
        contract = self.store.record(record.data.get("contract", ""))
        if contract is not None and contract.form == CONTRACT:
            settle(self.ws, contract, extra=record)

    def guidance(self, record: Record) -> str | None:
        if record.state != "recorded":
            return None
        contract = self.store.record(record.data.get("contract", ""))
        if contract is None:
            return None
        kind = record.data.get("kind", "")
        p = progress(self.ws, contract)
        return self.t("contracts.m_recorded", contract=contract.key, kind=self.t(f"contracts.m_{kind}"),
                      amount=format_figures(dec(record.data.get("value"))), what=self.t(f"contracts.m_{kind}"),
                      left=format_figures(p.left(kind)))
