"""The purchase order (O1–O4, O6): signed in O1's order, issued as a PDF, immutable, then followed to payment.

Its content is the header row plus its numbered lines, so a line edited before
signing restarts the route like a header edit does. Once signed it is issued:
standard goods at once (O2) to the supplier and both archives (O3); custom-made
goods go to the supplier first, and only the supplier's confirmed date and
countersigned copy make the order valid.
"""

from __future__ import annotations

import datetime as dt
import json

from ..effects import address, issue_document, people, route_signers, send, set_state
from ..forms.fields import Problem
from ..forms.validate import RowResult
from ..kinds import Kind, amendment_key, check_amends
from ..money import capitals
from ..store.db import Record
from ..workflow.route import Route
from . import model
from .order_state import credit_days, payment_request_due, request_payment
from .outstanding import write_outstanding
from .supplier_check import FROM_FILE, SOURCING, SOURCING_STATES, check_supplier

#: store meta naming an order adopted as received: its payment was requested before sheetflow (processors/adopt)
HISTORIC_PAYMENT = "adopt:historic_payment:{key}"


class OrderKind(Kind):
    def prepare(self) -> None:
        """Lines changed, or what an order is held to (S3, S6): a supplier filed, a listing or a price decided."""
        mark = model.digest(self.store, model.LINE) + model.digest(self.store, *SOURCING, states=SOURCING_STATES)
        self.recheck_when(mark)

    # -- what an order row is -------------------------------------------------------------------
    def check(self, result: RowResult, key: str, row: int) -> str:
        own = self.store.record(key) if key else None
        if own is not None and own.form == self.form.id and own.state in model.ISSUED:
            lines = model.json_list(own.data, "lines")         # as issued
        else:
            draft = str(result.values.get("draft") or "")
            lines = [model.line_summary(r) for r in model.lines_of(self.store, own, draft, key)]
            if draft and not lines:
                result.problems.append(Problem("draft", "orders.order_no_lines", {"draft": draft}))
        supplier = self.ws.cfg.supplier(str(result.values.get("supplier") or ""))
        if own is not None and own.form == self.form.id and own.state in model.ISSUED:
            for name in FROM_FILE:          # issued: checked when it was signed; what the file gave stays
                if own.data.get(name) and not result.values.get(name):
                    result.values[name] = own.data[name]
        else:
            check_supplier(self.store, result, lines, self.ws.clock.today())
        if not result.values.get("supplier_email") and not (supplier and supplier.email) \
                and not result.values.get("file_email"):
            result.problems.append(Problem("supplier_email", "orders.supplier_email_missing",
                                           {"supplier": str(result.values.get("supplier") or "")}))
        check_amends(self, result, key, model.ISSUED, "orders.amends_unknown")
        result.values["lines"] = json.dumps(lines, ensure_ascii=False)
        result.values["total"] = str(model.order_total(lines))
        return result.values["lines"]

    def key_for(self, data: dict[str, str]) -> tuple[str, str, int] | None:
        return amendment_key(self, data)

    def immutable(self, record: Record) -> bool:
        return record.state in model.ISSUED

    # -- signed: issue ---------------------------------------------------------------------------
    def on_approved(self, record: Record) -> None:
        original = self.store.record(record.data.get("amends", "")) if record.data.get("amends") else None
        if original is not None and original.state != "superseded":
            set_state(self.ws, original, "superseded", self.t("orders.t_superseded", key=record.key))
            for line in model.lines_of(self.store, original, original.data.get("draft", ""), original.key):
                set_state(self.ws, line, "superseded", self.t("orders.t_superseded", key=record.key))
        pdf = self._document(record)
        supplier = self._supplier(record)
        custom = record.data.get("goods") == "custom"
        send(self.ws, f"{record.key}:to_supplier", "order_to_supplier", [supplier], record, [pdf],
             **self._mail_ctx(record), custom=custom)
        if custom:
            set_state(self.ws, record, "awaiting_confirmation", self.t("orders.t_awaiting_confirmation"))
        else:
            self._place(record, pdf)

    def _place(self, record: Record, pdf: object) -> None:
        set_state(self.ws, record, "placed", self.t("orders.t_placed"))
        archive = [address(self.t("orders.archive_finance"), self.ws.cfg.orders.archive_finance),
                   address(self.t("orders.archive_commerce"), self.ws.cfg.orders.archive_commerce)]
        send(self.ws, f"{record.key}:archive", "order_archive", archive, record, [pdf],  # type: ignore[list-item]
             **self._mail_ctx(record), countersigned=record.data.get("countersigned", ""))
        for line in model.lines_of(self.store, record, record.data.get("draft", ""), record.key):
            if line.state == "open":
                set_state(self.ws, line, "ordered", self.t("orders.t_line_ordered", key=record.key))

    def _document(self, record: Record) -> object:
        supplier = self.ws.cfg.supplier(record.data.get("supplier", ""))
        buyer = self.ws.cfg.find_person(record.data.get("buyer", ""))
        d = record.data
        context = {
            "order": {"number": record.key, "date": self.ws.clock.today().isoformat(), "amends": d.get("amends", ""),
                      "project": model.order_project(self.store, d), "delivery_date": d.get("delivery_date", ""),
                      "delivery_place": d.get("delivery_place", ""), "payment_terms": d.get("payment_terms", ""),
                      "remarks": d.get("remarks", ""), "total": model.decimal(d.get("total")),
                      "buyer": {"name": buyer.name if buyer else d.get("buyer", ""), "phone": ""}},
            "supplier": {"name": d.get("supplier", ""),   # its supplier file (S5) first, then config.toml
                         "contact": d.get("file_contact") or (supplier.contact if supplier else ""),
                         "phone": d.get("file_phone") or (supplier.phone if supplier else ""),
                         "address": d.get("file_address") or (supplier.address if supplier else "")},
            "lines": [{**line, "quantity": model.decimal(line["quantity"]),
                       "unit_price": model.decimal(line["unit_price"]), "total": model.decimal(line["total"])}
                      for line in model.json_list(d, "lines")],
            "signers": route_signers(self.ws, self.form, record),
            "supplier_confirmation": {},
        }
        return issue_document(self.ws, "purchase_order", record.key, context, family=model.FAMILY)

    def _supplier(self, record: Record) -> object:
        supplier = self.ws.cfg.supplier(record.data.get("supplier", ""))
        email = record.data.get("supplier_email") or record.data.get("file_email") \
            or (supplier.email if supplier else "")
        return address(record.data.get("supplier", ""), email)

    def _mail_ctx(self, record: Record) -> dict[str, object]:
        d = record.data
        total = model.decimal(d.get("total"))
        return {"order_no": record.key, "supplier": d.get("supplier", ""), "total": f"{total:,.2f}",
                "words": capitals(total), "delivery_date": d.get("delivery_date", ""),
                "delivery_place": d.get("delivery_place", ""), "lines": model.json_list(d, "lines"),
                "buyer": d.get("buyer", ""), "company": self.ws.cfg.letterhead_for(model.FAMILY).name}

    # -- after issue -----------------------------------------------------------------------------
    def on_tracking(self, record: Record, before: dict[str, str], after: dict[str, str]) -> list[str]:
        notes: list[str] = []
        if record.state == "awaiting_confirmation" and after.get("confirmed_date") and after.get("countersigned"):
            self._place(record, f"{self.ws.rel(self.ws.cfg.output_dir)}/{record.key}.pdf")
        elif record.state == "awaiting_confirmation" and (after.get("confirmed_date") or after.get("countersigned")):
            notes.append(self.t("orders.confirmation_incomplete"))
        if record.state == "overdue" and after.get("contingency"):
            set_state(self.ws, record, "contingency", self.t("orders.t_contingency", plan=after["contingency"]))
        if after.get("paid_on") and not before.get("paid_on"):
            if record.state in ("received", "payment_due", "payment_requested"):
                set_state(self.ws, record, "closed", self.t("orders.t_closed", day=after["paid_on"]))
            else:
                notes.append(self.t("orders.paid_too_early"))
        return notes

    def guidance(self, record: Record) -> str | None:
        d, t = record.data, self.t
        due = (d.get("confirmed_date") or d.get("delivery_date", ""))[:10]
        total = model.decimal(d.get("total"))
        head = t("orders.order_holds", count=len(model.json_list(d, "lines")), total=f"{total:,.2f}")
        state = record.state
        if state.startswith("awaiting:"):
            return head + " " + Route(self.ws, self.form).guidance(state, d, self.ws.clock.today())
        texts = {
            "awaiting_confirmation": t("orders.g_awaiting_confirmation", supplier=d.get("supplier", "")),
            "placed": t("orders.g_placed", due=due, contacts=self._contacts(d)),
            "overdue": t("orders.g_overdue", due=due),
            "contingency": t("orders.g_contingency", due=due),
            "received": t("orders.g_received"),
            "payment_due": t("orders.g_payment_due", due=d.get("payment_due", ""), days=credit_days(self.ws, record)),
            "payment_requested": t("orders.g_payment_requested"),
            "closed": t("orders.g_closed", day=d.get("paid_on", "")),
            "superseded": t("orders.g_superseded"),
        }
        return (head + " " + texts[state]) if state in texts else None

    @staticmethod
    def _contacts(d: dict[str, str]) -> int:
        return sum(1 for k in ("contact_1", "contact_2") if d.get(k))

    def after_sync(self, changed: bool) -> None:
        """After the order rows were read: payments now due go out (with the delivery note and receipt typed)."""
        with self.store.transaction():
            for order in model.records(self.store, self.form.id, ("received", "payment_due")):
                if self.store.meta(HISTORIC_PAYMENT.format(key=order.key)):
                    continue
                if order.state == "received" or payment_request_due(self.ws, order):
                    request_payment(self.ws, order)

    def outputs(self) -> None:
        if self.ws.generate_outputs:
            write_outstanding(self.ws)

    # -- time: reminders, overdue, payment due (O2, O4, O6) ---------------------------------------
    def timers(self) -> None:
        today = self.ws.clock.today()
        for order in model.records(self.store, self.form.id, ("awaiting_confirmation", "placed", "overdue",
                                                                 "contingency", "payment_due")):
            d = order.data
            if order.state == "awaiting_confirmation":
                self._remind(order, f"confirm:{today.isoformat()}", "order_confirm_reminder")
                continue
            if order.state == "payment_due":
                if payment_request_due(self.ws, order):
                    request_payment(self.ws, order)
                continue
            due = model.day(d.get("confirmed_date") or d.get("delivery_date"))
            if due is None:
                continue
            contacts = self._contacts(d)
            for days in self.ws.cfg.orders.contact_reminder_days:
                if contacts < 2 and due - dt.timedelta(days=days) <= today < due:
                    self._remind(order, f"contact:{days}", "order_contact_reminder", days=days, contacts=contacts,
                                 due=due.isoformat())
            if today >= due and contacts < 2 and not order.notice:  # O4: flagged whether or not it arrived
                self.store.flag_record(order.key, self.t("orders.too_few_contacts", contacts=contacts))
            if today >= due and order.state == "placed":
                reason = self.t("orders.t_overdue", due=due.isoformat())
                if contacts < 2:
                    reason += " " + self.t("orders.too_few_contacts", contacts=contacts)
                set_state(self.ws, order, "overdue", reason)
                heads = people(self.ws, "commerce_head") + people(self.ws, "engineering_head")
                send(self.ws, f"{order.key}:overdue", "order_overdue", heads, order, **self._mail_ctx(order),
                     due=due.isoformat(), contacts=contacts,
                     undelivered=[line for line in model.json_list(d, "lines")])

    def _remind(self, order: Record, event: str, template: str, **ctx: object) -> None:
        buyer = self.ws.cfg.find_person(order.data.get("buyer", ""))
        if buyer is not None:
            send(self.ws, f"{order.key}:{event}", template, [buyer], order, **self._mail_ctx(order), **ctx)
