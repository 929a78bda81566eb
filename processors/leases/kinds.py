"""Units and leases (L1–L3, L6): what a unit is, what a lease may be, and what happens when it is signed.

The unit's record key is its unit number, so a lease names its unit the way staff do.
A lease is checked against its unit (exists, area, planned category) and against the
unit's other leases (no overlapping dates); once signed its contract PDF goes to the
tenant, and the signed copy puts it in force: its bills are written to the store and
the unit is leased.
"""

from __future__ import annotations

import datetime as dt

from ..effects import address, issue_document, people, route_signers, save_data, send, set_state
from ..forms.fields import Problem
from ..forms.validate import RowResult
from ..kinds import Kind, amendment_key, hookimpl
from ..money import capitals, format_figures
from ..store.changes import digest
from ..store.db import Record
from ..workflow.route import Route
from . import terms as T
from .ledger import apply_payment, bills_of, void_after, write_bills
from .report import refresh_outputs
from .schedule import Bill, LeaseError, regenerate_after_change, schedule, terminate


class UnitKind(Kind):
    def check(self, result: RowResult, key: str, row: int) -> str:
        number = str(result.values.get("unit_no") or "").strip().upper()
        if not number:
            return ""
        result.values["unit_no"] = number
        if key and number != key:
            result.problems.append(Problem("unit_no", "leases.unit_renamed", {"key": key}))
        elif not key and (other := self.store.record(number)) is not None:
            result.problems.append(Problem("unit_no", "leases.unit_twice", {"unit": number,
                                                                            "row": other.row_hint or "?"}))
        return ""

    def key_for(self, data: dict[str, str]) -> tuple[str, str, int] | None:
        return data["unit_no"], "UNIT", self.store.next_number("UNIT")

    def settled(self, record: Record) -> str | None:
        """A unit a lease holds: its area and category are what the lease was signed on."""
        held = [r.key for r in T.leases_of_unit(self.store, record.key) if r.state in T.HOLDING and r.key]
        return self.t("engine.unit_held", leases="、".join(held)) if held else None

    def outputs(self) -> None:
        if self.ws.generate_outputs:
            refresh_outputs(self.ws)         # the rent roll and the report: once a pass, after every sheet

    def guidance(self, record: Record) -> str | None:
        live = [r for r in T.leases_of_unit(self.store, record.key) if r.state in T.HOLDING]
        if not live:
            return self.t("leases.unit_vacant")
        lease = live[-1]
        return self.t("leases.unit_held", lease=lease.key or "-", tenant=lease.data.get("tenant", ""),
                      end=(T.ends_on(lease) or "").__str__())


class LeaseKind(Kind):
    def prepare(self) -> None:
        self.recheck_when(digest(self.store, T.UNIT) + digest(self.store, T.LEASE))

    def check(self, result: RowResult, key: str, row: int) -> str:
        own = self.store.record(key) if key else None
        if own is not None and own.state in T.ISSUED:
            return own.data.get("area", "")                       # as signed
        v = result.values
        number = str(v.get("unit") or "").strip().upper()
        unit = self.store.record(number) if number else None
        if number and (unit is None or unit.form != T.UNIT):
            result.problems.append(Problem("unit", "leases.unit_unknown", {"unit": number}))
            unit = None
        if number:
            v["unit"] = number
        start, end = v.get("start"), v.get("end")
        if isinstance(start, dt.date) and isinstance(end, dt.date):
            if end <= start:
                result.problems.append(Problem("end", "leases.end_before_start", {"start": start.isoformat()}))
            elif (end - start).days > 20 * 366:
                result.problems.append(Problem("end", "leases.too_long", {}))
            elif int(v.get("free_months") or 0) * 30 >= (end - start).days:
                result.problems.append(Problem("free_months", "leases.free_too_long", {}))
        for field in ("amends", "renews"):
            ref = str(v.get(field) or "").strip().upper()
            if ref:
                v[field] = ref
                other = self.store.record(ref)
                if other is None or other.form != T.LEASE or other.state not in ("active", "expired", "terminated"):
                    result.problems.append(Problem(field, "leases.ref_unknown", {"lease": ref}))
        if unit is not None:
            v["area"] = unit.data.get("area", "")
            v["floor"] = unit.data.get("floor", "")
            planned = unit.data.get("category", "")
            if v.get("category") and str(v["category"]).strip() != planned and not v.get("category_reason"):
                result.problems.append(Problem("category_reason", "leases.category_mismatch",
                                               {"unit": number, "planned": planned}))
            if isinstance(start, dt.date) and isinstance(end, dt.date):
                for other in T.leases_of_unit(self.store, number):
                    other_end, other_start = T.ends_on(other), T.day(other.data.get("start"))
                    if (other.key in (key, v.get("amends")) or other.state not in T.HOLDING
                            or other_start is None or other_end is None):
                        continue
                    if start <= other_end and other_start <= end:
                        result.problems.append(Problem("start", "leases.overlap", {
                            "unit": number, "other": other.key, "from": other_start.isoformat(),
                            "to": other_end.isoformat()}))
                        break
        return str(v.get("area", ""))

    def key_for(self, data: dict[str, str]) -> tuple[str, str, int] | None:
        return amendment_key(self, data)

    def immutable(self, record: Record) -> bool:
        return record.state in T.ISSUED

    # -- signed: the contract ----------------------------------------------------------------
    def on_approved(self, record: Record) -> None:
        try:
            bills = schedule(T.terms_of(record.data))
        except LeaseError:
            bills = []
        d = record.data
        terms = T.terms_of(d)
        context = {"lease": {**d, "number": record.key, "date": self.ws.clock.today().isoformat(),
                             "deposit": T.dec(d.get("deposit")), "area": T.dec(d.get("area")),
                             "penalty_rate": d.get("penalty_rate", "0.05")},
                   "bills": bills, "total": sum((b.amount for b in bills), T.dec("0")),
                   "signers": route_signers(self.ws, self.form, record), "terms": terms}
        pdf = issue_document(self.ws, "lease_contract", record.key, context, family=T.FAMILY)
        tenant = address(d.get("tenant", ""), d.get("email", ""))
        send(self.ws, f"{record.key}:contract", "lease_contract", [tenant], record, [pdf],
             tenant=d.get("tenant", ""), unit=d.get("unit", ""), start=d.get("start", ""), end=d.get("end", ""),
             company=self.ws.cfg.letterhead_for(T.FAMILY).name)
        set_state(self.ws, record, "awaiting_signature", self.t("leases.t_sent"))
        self._unit_state(d.get("unit", ""), "reserved")

    def _unit_state(self, number: str, state: str) -> None:
        unit = self.store.record(number.strip().upper())
        if unit is not None and unit.form == T.UNIT:
            set_state(self.ws, unit, state, self.t(f"leases.t_unit_{state}"))

    # -- after signing: in force, terminated, cleared ------------------------------------------
    def on_tracking(self, record: Record, before: dict[str, str], after: dict[str, str]) -> list[str]:
        notes: list[str] = []
        now = self.ws.clock.now().isoformat(timespec="seconds")
        if after.get("signed_copy") and record.state == "awaiting_signature":
            original = self.store.record(record.data.get("amends", "")) if record.data.get("amends") else None
            if original is not None and original.state == "active":
                self._amend(original, record, now)
            else:
                write_bills(self.store, record.key, schedule(T.terms_of(record.data)), now)
            set_state(self.ws, record, "active", self.t("leases.t_active", copy=after["signed_copy"]))
            self._unit_state(record.data.get("unit", ""), "leased")
        terminate_on = T.day(after.get("terminate_on"))
        if terminate_on and record.state == "active" and not before.get("terminate_on"):
            kept, dropped = terminate(T.terms_of(record.data), terminate_on)
            void_after(self.store, record.key, kept)
            write_bills(self.store, record.key, kept, now)
            owed = sum((b.balance for b in bills_of(self.store, record.key) if b.balance > 0), T.dec("0"))
            deposit = T.dec(record.data.get("deposit"))
            refund, still = (deposit - owed, T.dec("0")) if deposit >= owed else (T.dec("0"), owed - deposit)
            save_data(self.ws, record, deposit_refund=str(refund), still_owed=str(still))
            set_state(self.ws, record, "terminated", self.t("leases.t_terminated", day=terminate_on.isoformat(),
                                                            reason=after.get("terminate_reason", "")))
            notes.append(self.t("leases.deposit_settled", refund=format_figures(refund),
                                still=format_figures(still), dropped=len(dropped)))
        if after.get("cleared_on") and record.state in ("terminated", "expired"):
            set_state(self.ws, record, "cleared", self.t("leases.t_cleared", day=after["cleared_on"]))
            self._unit_state(record.data.get("unit", ""), "vacant")
        return notes

    def _amend(self, original: Record, amendment: Record, now: str) -> None:
        """L2 change: bills already due stay as billed under the original; the rest follow the amendment."""
        today = self.ws.clock.today()
        old = [b for b in bills_of(self.store, original.key) if b.kind == "rent"]
        as_bills = [Bill(period_start=b.period_start, period_end=b.period_end, due_date=b.due_date, kind="rent",
                         rent=b.amount, management_fee=T.dec("0"), amount=b.amount, basis=b.basis) for b in old]
        new_terms = T.terms_of(amendment.data)
        merged = regenerate_after_change(as_bills, new_terms, new_terms.start, today)
        kept = {(b.period_start, b.due_date) for b in merged if b in as_bills}
        for bill in old:
            if (bill.period_start, bill.due_date) not in kept and bill.paid == 0:
                self.store.void_bill(bill.id)
        write_bills(self.store, amendment.key, [b for b in merged if b not in as_bills], now)
        set_state(self.ws, original, "superseded", self.t("leases.t_superseded", key=amendment.key))

    def guidance(self, record: Record) -> str | None:
        d, t, state = record.data, self.t, record.state
        head = t("leases.lease_head", unit=d.get("unit", ""), area=d.get("area", ""), start=d.get("start", ""),
                 end=d.get("end", ""))
        if state.startswith("awaiting:"):
            return head + " " + Route(self.ws, self.form).guidance(state, d, self.ws.clock.today())
        if state == "awaiting_signature":
            return head + " " + t("leases.g_awaiting_signature", tenant=d.get("tenant", ""))
        if state == "active":
            open_bills = [b for b in bills_of(self.store, record.key) if b.balance > 0]
            today = self.ws.clock.today()
            overdue = sum((b.balance for b in open_bills if b.due_date < today), T.dec("0"))
            upcoming = next((b for b in open_bills if b.due_date >= today), None)
            parts = [head]
            if overdue > 0:
                parts.append(t("leases.g_overdue", amount=format_figures(overdue)))
            if upcoming is not None:
                parts.append(t("leases.g_next_bill", due=upcoming.due_date.isoformat(),
                               amount=format_figures(upcoming.balance)))
            return " ".join(parts)
        if state == "terminated":
            return head + " " + t("leases.g_terminated", day=d.get("terminate_on", ""),
                                  refund=format_figures(T.dec(d.get("deposit_refund"))),
                                  still=format_figures(T.dec(d.get("still_owed"))))
        if state in ("expired", "cleared", "superseded"):
            return head + " " + t(f"leases.g_{state}")
        return None

    # -- time: expiry, bill notices, dunning ------------------------------------------------------
    def timers(self) -> None:
        today = self.ws.clock.today()
        settings = self.ws.cfg.leases
        for lease in self.store.records(self.form.id):
            if lease.state != "active":
                continue
            end = T.ends_on(lease)
            if end is None:
                continue
            if today > end:
                set_state(self.ws, lease, "expired", self.t("leases.t_expired", day=end.isoformat()))
                continue
            left = (end - today).days
            step = min((d for d in settings.expiry_days if left <= d), default=None)   # 90, then 60, then 30
            if step is not None:
                to = people(self.ws, "leasing_specialist") + people(self.ws, "commerce_head")
                send(self.ws, f"{lease.key}:expiry:{step}", "lease_expiry", to, lease, days=left,
                     tenant=lease.data.get("tenant", ""), unit=lease.data.get("unit", ""), end=end.isoformat())
            tenant = address(lease.data.get("tenant", ""), lease.data.get("email", ""))
            for bill in bills_of(self.store, lease.key):
                if bill.balance <= 0:
                    continue
                if 0 <= (bill.due_date - today).days <= settings.notice_days:
                    send(self.ws, f"{lease.key}:notice:{bill.id}", "bill_notice", [tenant], lease,
                         tenant=lease.data.get("tenant", ""), due=bill.due_date.isoformat(),
                         amount=format_figures(bill.balance), words=capitals(bill.balance), basis=bill.basis)
                late = (today - bill.due_date).days
                step = max((s for s in settings.dunning_days if late >= s), default=None)
                if step is not None and send(self.ws, f"{lease.key}:dunning:{bill.id}:{step}", "dunning", [tenant],
                                             lease, tenant=lease.data.get("tenant", ""),
                                             due=bill.due_date.isoformat(), days=late,
                                             amount=format_figures(bill.balance), basis=bill.basis,
                                             rate=lease.data.get("penalty_rate", "0.05")):
                    self.store.mark_sheet_dirty(lease.id)


class PaymentKind(Kind):
    """A payment is applied once, when it is numbered; after that it is part of the ledger and cannot change."""

    def check(self, result: RowResult, key: str, row: int) -> str:
        number = str(result.values.get("lease") or "").strip().upper()
        if not number:
            return ""
        result.values["lease"] = number
        lease = self.store.record(number)
        if lease is None or lease.form != T.LEASE or lease.state not in ("active", "terminated", "expired",
                                                                          "cleared"):
            result.problems.append(Problem("lease", "leases.payment_lease", {"lease": number}))
        return ""

    def immutable(self, record: Record) -> bool:
        return record.state == "applied"

    def after_sync(self, changed: bool) -> None:
        self.finish()                        # local workbooks: numbered by now, so the row shows it this pass

    def finish(self) -> None:
        """Once a pass, whatever was read: a payment numbered in this pass's write (Google) is applied here."""
        with self.store.transaction():
            for payment in self.store.records(self.form.id):
                if payment.state != "received":
                    continue
                paid_on = T.day(payment.data.get("paid_on")) or self.ws.clock.today()
                left = apply_payment(self.store, payment.data.get("lease", ""), payment.key,
                                     T.dec(payment.data.get("amount")), paid_on)
                save_data(self.ws, payment, unapplied=str(left))
                set_state(self.ws, payment, "applied", self.t("leases.t_applied", left=format_figures(left)))
                lease = self.store.record(payment.data.get("lease", ""))
                if lease is not None:
                    self.store.mark_sheet_dirty(lease.id)

    def guidance(self, record: Record) -> str | None:
        if record.state != "applied":
            return None
        rows = self.store.payment_parts(record.key)
        parts = [f"{r['period_start']}~{r['period_end']} {format_figures(T.dec(r['amount']))}" for r in rows]
        left = T.dec(record.data.get("unapplied"))
        text = self.t("leases.g_applied", bills="；".join(parts) or "-")
        return text + (" " + self.t("leases.g_credit", amount=format_figures(left)) if left > 0 else "")


@hookimpl
def sheetflow_kinds() -> dict[str, type[Kind]]:
    """Units, leases and rent payments, registered as a company's own kinds would be (processors.kinds.plugins)."""
    return {"unit": UnitKind, "lease": LeaseKind, "rent_payment": PaymentKind}
