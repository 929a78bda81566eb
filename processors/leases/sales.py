"""Tenant sales (L4): one month of one lease each; with a turnover rate the month is settled into a bill."""

from __future__ import annotations

import datetime as dt

from ..effects import save_data, set_state
from ..forms.fields import Problem
from ..forms.validate import RowResult
from ..kinds import Kind, hookimpl
from ..money import format_figures
from ..store.db import Record
from . import terms as T
from .ledger import write_bills
from .schedule import LeaseError, turnover_bill

BILLED = ("active", "terminated", "expired", "cleared")


class SalesKind(Kind):
    def check(self, result: RowResult, key: str, row: int) -> str:
        own = self.store.record(key) if key else None
        if own is not None and own.form == self.form.id and own.state == "settled":
            return ""                                  # settled into the rent roll: as it was
        v = result.values
        number = str(v.get("lease") or "").strip().upper()
        month = v.get("month")
        if number:
            v["lease"] = number
        if isinstance(month, dt.date):
            month = month.replace(day=1)
            v["month"] = month
        lease = self.store.record(number) if number else None
        if number and (lease is None or lease.form != T.LEASE or lease.state not in BILLED):
            result.problems.append(Problem("lease", "leases.payment_lease", {"lease": number}))
            return ""
        if lease is not None and isinstance(month, dt.date):
            start, end = T.day(lease.data.get("start")), T.ends_on(lease)
            if start and end and not (start.replace(day=1) <= month <= end):
                result.problems.append(Problem("month", "leases.month_outside", {"start": start, "end": end}))
            # rows decided earlier in this pass are numbered records already: the first row of a month wins
            for other in self.store.records(self.form.id):
                if (other.key != key and other.data.get("lease") == number
                        and other.data.get("month", "")[:7] == month.isoformat()[:7] and other.state != "invalid"):
                    result.problems.append(Problem("month", "leases.month_twice", {"other": other.key}))
                    break
        return ""

    def immutable(self, record: Record) -> bool:
        return record.state == "settled"

    def after_sync(self, changed: bool) -> None:
        self.finish()                        # local workbooks: numbered by now, so the row shows it this pass

    def finish(self) -> None:
        """Once a pass (an entry numbered in this pass's write is settled here, before the report)."""
        now = self.ws.clock.now().isoformat(timespec="seconds")
        with self.store.transaction():
            for entry in self.store.records(self.form.id):
                if entry.state != "recorded":
                    continue
                lease = self.store.record(entry.data.get("lease", ""))
                month = T.day(entry.data.get("month"))
                if lease is None or month is None:
                    continue
                try:
                    bill = turnover_bill(T.terms_of(lease.data), month, T.dec(entry.data.get("sales")))
                except LeaseError:
                    continue
                if bill is not None:
                    write_bills(self.store, lease.key, [bill], now)
                save_data(self.ws, entry, turnover=str(bill.amount) if bill else "0",
                          basis=bill.basis if bill else "")
                set_state(self.ws, entry, "settled", self.t("leases.t_sales_settled"))

    def guidance(self, record: Record) -> str | None:
        if record.state != "settled":
            return None
        lease = self.store.record(record.data.get("lease", ""))
        area = T.dec(lease.data.get("area"), "1") if lease else T.dec("1")
        per_sqm = T.dec(record.data.get("sales")) / area if area else T.dec("0")
        turnover = T.dec(record.data.get("turnover"))
        text = self.t("leases.g_sales", per_sqm=format_figures(per_sqm))
        if turnover > 0:
            return text + " " + self.t("leases.g_turnover", amount=format_figures(turnover),
                                       basis=record.data.get("basis", ""))
        return text + " " + self.t("leases.g_no_turnover")


@hookimpl
def sheetflow_kinds() -> dict[str, type[Kind]]:
    return {"tenant_sales": SalesKind}
