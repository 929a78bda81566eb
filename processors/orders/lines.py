"""Order lines: each traces to an approved, planned request (R6) and never takes more than is left of it.

After its order is issued a line is part of a signed document (its content is
put back if edited); the inspector's columns move it on: partly received,
received, failed (the supplier is told: return, exchange or claim, O8), settled.
"""

from __future__ import annotations

from decimal import Decimal

from .. import plan_lines
from ..effects import address, send, set_state
from ..forms.fields import Problem
from ..forms.validate import RowResult
from ..kinds import Kind
from ..store.db import Record
from ..workspace import Workspace
from . import model
from .order_state import refresh_order


class LineKind(Kind):
    def prepare(self) -> None:
        """Requests or plans were approved (or stopped being): every line's R6 check may read differently now."""
        mark = model.digest(self.store, model.REQUEST, model.PLAN, plan_lines.PLAN, states=("approved",))
        self.recheck_when(mark)

    def check(self, result: RowResult, key: str, row: int) -> str:
        own = self.store.record(key) if key else None
        if own is not None and own.state not in ("open", "invalid"):
            return ""  # issued with its order: what it traced to was checked then
        rk = str(result.values.get("request") or "").strip().upper()
        if not rk:
            return ""
        result.values["request"] = rk
        if plan_lines.is_plan_line(rk):
            self._plan_line(result, key, rk)
            return ""
        request = self.store.record(rk)
        if request is None or request.form != model.REQUEST:
            result.problems.append(Problem("request", "orders.request_unknown", {"request": rk}))
            return ""
        if request.state != "approved":
            result.problems.append(Problem("request", "orders.request_not_approved", {"request": rk}))
            return ""
        if not model.plans_holding(self.store, rk):
            result.problems.append(Problem("request", "orders.request_not_planned", {"request": rk}))
            return ""
        if str(result.values.get("unit") or "").strip() != request.data.get("unit", "").strip():
            result.problems.append(Problem("unit", "orders.unit_differs",
                                           {"request": rk, "unit": request.data.get("unit", "")}))
        quantity = result.values.get("quantity")
        if isinstance(quantity, Decimal):
            approved = model.decimal(request.data.get("quantity"))
            # rows decided earlier in this pass are numbered records already: counted with the others
            others = model.ordered_quantity(self.store, rk, excluding=key)
            left = approved - others
            if quantity > left:
                result.problems.append(Problem("quantity", "orders.over_approved", {
                    "request": rk, "approved": _q(approved), "ordered": _q(others), "left": _q(max(left, Decimal(0)))}))
        return ""

    def _plan_line(self, result: RowResult, key: str, rk: str) -> None:
        """R5/R6: a line of an approved monthly purchase plan is as good as an approved, planned request."""
        found = plan_lines.find(self.store, rk)
        if found is None:
            result.problems.append(Problem("request", "orders.plan_line_unknown", {"request": rk}))
            return
        plan, line = found
        if plan.state != "approved":
            result.problems.append(Problem("request", "orders.plan_line_not_approved",
                                           {"request": rk, "plan": plan.key}))
            return
        if str(result.values.get("unit") or "").strip() != str(line.get("unit", "")).strip():
            result.problems.append(Problem("unit", "orders.unit_differs",
                                           {"request": rk, "unit": line.get("unit", "")}))
        quantity = result.values.get("quantity")
        if isinstance(quantity, Decimal):
            planned = plan_lines.quantity(line)
            others = model.ordered_quantity(self.store, rk, excluding=key)
            if quantity > planned - others:
                result.problems.append(Problem("quantity", "orders.over_approved", {
                    "request": rk, "approved": _q(planned), "ordered": _q(others),
                    "left": _q(max(planned - others, Decimal(0)))}))

    def immutable(self, record: Record) -> bool:
        """Part of an issued order: ordered already, or its order went out and waits for the supplier (O2)."""
        if record.state not in ("open", "invalid"):
            return True
        order = _order_of(self.ws, record)
        return order is not None and order.state in model.ISSUED

    def on_tracking(self, record: Record, before: dict[str, str], after: dict[str, str]) -> list[str]:
        if record.state in ("open", "superseded", "invalid"):
            return [self.t("orders.line_not_ordered")] if any(after.values()) else []
        ordered = model.decimal(record.data.get("quantity"))
        received = model.decimal(after.get("received_qty"))
        inspection = after.get("inspection", "")
        notes: list[str] = []
        if after.get("claim_result") and record.state == "failed":
            set_state(self.ws, record, "settled", self.t("orders.t_settled", result=after["claim_result"]))
        elif inspection == "fail":
            if record.state != "failed":
                set_state(self.ws, record, "failed", self.t("orders.t_failed", note=after.get("inspection_note", "")))
                self._claim(record, after)
        elif received >= ordered and inspection == "pass":
            set_state(self.ws, record, "received", self.t("orders.t_received", qty=_q(received)))
        elif received > 0:
            set_state(self.ws, record, "partial", self.t("orders.t_partial", qty=_q(received), of=_q(ordered)))
            if inspection != "pass" and received >= ordered:
                notes.append(self.t("orders.inspect_please"))
        refresh_order(self.ws, record.data.get("order", ""))
        return notes

    def _claim(self, record: Record, after: dict[str, str]) -> None:
        """O8: the supplier hears at once that a line failed, and why; the buyer is copied."""
        order = _order_of(self.ws, record)
        if order is None:
            return
        supplier = self.ws.cfg.supplier(order.data.get("supplier", ""))
        email = order.data.get("supplier_email") or order.data.get("file_email") \
            or (supplier.email if supplier else "")
        to = [address(order.data.get("supplier", ""), email)]
        buyer = self.ws.cfg.find_person(order.data.get("buyer", ""))
        if buyer:
            to.append(buyer)
        n = len(self.store.transitions(record.key))
        send(self.ws, f"{record.key}:claim:{n}", "order_claim", to, record, order_no=order.key,
             supplier=order.data.get("supplier", ""), item=record.data.get("item", ""),
             spec=record.data.get("spec", ""), quantity=record.data.get("quantity", ""),
             received=after.get("received_qty", ""), note=after.get("inspection_note", ""))

    def guidance(self, record: Record) -> str | None:
        if record.state == "open":
            order = _order_of(self.ws, record)
            if order is None:
                return self.t("orders.line_no_order", order=record.data.get("order", ""))
            return self.t("orders.line_waits", order=order.key or record.data.get("order", ""))
        if record.state in ("ordered", "partial"):
            order = _order_of(self.ws, record)
            due = (order.data.get("confirmed_date") or order.data.get("delivery_date", "")) if order else ""
            left = model.decimal(record.data.get("quantity")) - model.decimal(record.data.get("received_qty"))
            return self.t("orders.line_due", order=order.key if order else "", due=due[:10], left=_q(left))
        return None


def _order_of(ws: Workspace, line: Record) -> Record | None:
    ref = line.data.get("order", "").strip()
    found = ws.store.record(ref)
    if found is not None and found.form == model.ORDER:
        return found
    for order in model.records(ws.store, model.ORDER):
        if order.data.get("draft", "").strip() == ref and order.state not in ("superseded",):
            return order
    return None


def _q(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
