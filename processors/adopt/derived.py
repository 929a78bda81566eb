"""What a kind keeps for a record in the state it was adopted in, so the record behaves afterwards as if sheetflow
had taken it there itself.

A lease in force: its bills (the whole schedule, as `on_tracking` writes them when the signed copy comes in),
those due before the day of adoption kept as settled before adoption (never noticed, dunned, or billed again by a
later termination or amendment), the later ones open as usual; its unit leased. A purchase request keeps
nothing beyond its record. A purchase order received: its payment request marked historic (made before sheetflow,
so `OrderKind.after_sync` never issues one); one overdue: the too-few-contacts notice a pass would add kept
quietly (its escalation is history, the row is not rewritten for it).
"""

from __future__ import annotations

from ..effects import set_state
from ..forms.definition import FormDef
from ..leases import terms as T
from ..leases.ledger import write_bills
from ..leases.schedule import schedule
from ..orders.order import HISTORIC_PAYMENT
from ..store.db import Record
from ..workspace import Workspace


def after_adopted(ws: Workspace, form: FormDef, record: Record) -> None:
    if form.kind == "lease" and record.state == "active":
        _lease_in_force(ws, record)
    elif form.kind == "purchase_order" and record.state == "received":
        ws.store.set_meta(HISTORIC_PAYMENT.format(key=record.key), ws.clock.now().isoformat(timespec="seconds"))
    elif form.kind == "purchase_order" and record.state == "overdue":
        contacts = sum(1 for k in ("contact_1", "contact_2") if record.data.get(k))
        if contacts < 2:
            ws.store.flag_record(record.key, ws.t("orders.too_few_contacts", contacts=contacts))
            ws.store.clear_dirty({record.key})


def _lease_in_force(ws: Workspace, record: Record) -> None:
    today = ws.clock.today().isoformat()
    write_bills(ws.store, record.key, schedule(T.terms_of(record.data)), ws.clock.now().isoformat(timespec="seconds"))
    ws.store.settle_bills_before(record.key, today, ws.t("adopt.bill_before"))
    unit = ws.store.record(record.data.get("unit", "").strip().upper())
    if unit is not None and unit.form == T.UNIT:
        set_state(ws, unit, "leased", ws.t("leases.t_unit_leased"))
