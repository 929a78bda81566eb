"""An issued order's life after signing: received when its lines are, then paid for (O6), then closed.

Called from the line kind (an inspector's entry) and from the order kind's
timers, inside the pass's transaction.
"""

from __future__ import annotations

import datetime as dt

from ..effects import address, issue_document, people, save_data, send, set_state
from ..money import capitals
from ..store.db import Record
from ..workspace import Workspace
from . import model


def find_order(ws: Workspace, ref: str) -> Record | None:
    ref = ref.strip()
    found = ws.store.record(ref)
    if found is not None and found.form == model.ORDER:
        return found
    for order in model.records(ws.store, model.ORDER):
        if order.data.get("draft", "").strip() == ref and order.state != "superseded":
            return order
    return None


def credit_days(ws: Workspace, order: Record) -> int:
    """The order's own credit terms, else the supplier's as config.toml or its supplier file lists them (O6)."""
    own = order.data.get("credit_days", "")
    if own not in ("", None):
        return int(model.decimal(own))
    if order.data.get("file_credit_days"):   # the supplier file's terms (S5) before config.toml's
        return int(model.decimal(order.data["file_credit_days"]))
    supplier = ws.cfg.supplier(order.data.get("supplier", ""))
    return supplier.credit_days if supplier else 0


def refresh_order(ws: Workspace, ref: str) -> None:
    """All lines received or settled: the order is received; payment follows its terms."""
    order = find_order(ws, ref)
    if order is None or order.state not in model.OPEN_ORDER:
        return
    lines = model.lines_of(ws.store, order, order.data.get("draft", ""), order.key)
    if not lines or any(line.state not in model.DONE_LINE for line in lines):
        return
    today = ws.clock.today()
    set_state(ws, order, "received", ws.t("orders.t_order_received"))
    days = credit_days(ws, order)
    due = today + dt.timedelta(days=days)
    save_data(ws, order, received_on=today.isoformat(), payment_due=due.isoformat())
    if days > 0:
        set_state(ws, order, "payment_due", ws.t("orders.t_payment_due", due=due.isoformat(), days=days))
    # without credit terms the request goes once the order row itself was read this pass (its delivery note
    # and receipt may have been typed in the same save): OrderKind.after_sync


def payment_request_due(ws: Workspace, order: Record) -> bool:
    due = model.day(order.data.get("payment_due"))
    return due is not None and ws.clock.today() >= due - dt.timedelta(days=ws.cfg.orders.payment_lead_days)


def request_payment(ws: Workspace, order: Record) -> None:
    """O6: the payment request PDF to finance, listing the signed order, the delivery note and the receipt."""
    total = model.decimal(order.data.get("total"))
    context = {"order": {"number": order.key, "supplier": order.data.get("supplier", ""),
                         "project": model.order_project(ws.store, order.data), "total": total,
                         "payment_terms": order.data.get("payment_terms", ""),
                         "received_on": order.data.get("received_on", ""),
                         "payment_due": order.data.get("payment_due", ""),
                         "delivery_note": order.data.get("delivery_note", ""),
                         "receipt": order.data.get("receipt", ""),
                         "buyer": order.data.get("buyer", ""), "document": f"{order.key}.pdf"},
               "lines": model.json_list(order.data, "lines"), "date": ws.clock.today().isoformat(),
               "credit_days": credit_days(ws, order)}
    pdf = issue_document(ws, "payment_request", f"{order.key}-付款申请", context, family=model.FAMILY)
    finance = people(ws, "finance")
    archive = ws.cfg.orders.archive_finance
    to = [*finance, *([address("财务 Finance", archive)] if archive else [])]
    send(ws, f"{order.key}:payment_request", "payment_request", to, order, [pdf], order_no=order.key,
         supplier=order.data.get("supplier", ""), total=f"{total:,.2f}", words=capitals(total),
         due=order.data.get("payment_due", ""), delivery_note=order.data.get("delivery_note", "") or "-",
         receipt=order.data.get("receipt", "") or "-")
    set_state(ws, order, "payment_requested", ws.t("orders.t_payment_requested"))
