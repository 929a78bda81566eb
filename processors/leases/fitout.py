"""Fit-out applications (L5): approved by engineering and commerce before work starts; the tenant hears the outcome."""

from __future__ import annotations

import datetime as dt

from ..effects import address, send
from ..forms.fields import Problem
from ..forms.validate import RowResult
from ..kinds import Kind, hookimpl
from ..store.db import Record
from ..workflow.route import Route
from . import terms as T

OPEN_LEASE = ("approved", "awaiting_signature", "active")


class FitoutKind(Kind):
    def check(self, result: RowResult, key: str, row: int) -> str:
        v = result.values
        number = str(v.get("lease") or "").strip().upper()
        if not number:
            return ""
        v["lease"] = number
        lease = self.store.record(number)
        if lease is None or lease.form != T.LEASE or lease.state not in OPEN_LEASE:
            result.problems.append(Problem("lease", "leases.fitout_lease", {"lease": number}))
            return ""
        start, end = v.get("start"), v.get("end")
        lease_start, lease_end = T.day(lease.data.get("start")), T.ends_on(lease)
        if isinstance(start, dt.date) and isinstance(end, dt.date):
            if end < start:
                result.problems.append(Problem("end", "leases.end_before_start", {"start": start.isoformat()}))
            elif lease_start and lease_end and not (lease_start <= start and end <= lease_end):
                result.problems.append(Problem("start", "leases.fitout_outside",
                                               {"start": lease_start, "end": lease_end}))
        return ""

    def immutable(self, record: Record) -> bool:
        return record.state == "approved"

    def guidance(self, record: Record) -> str | None:
        start = T.day(record.data.get("start"))
        if record.state.startswith("awaiting:") and start and self.ws.clock.today() >= start:
            return (self.t("leases.g_fitout_late", start=start.isoformat()) + " "
                    + Route(self.ws, self.form).guidance(record.state, record.data, self.ws.clock.today()))
        return None

    def _tenant(self, record: Record) -> list:  # type: ignore[type-arg]
        lease = self.store.record(record.data.get("lease", ""))
        return [address(lease.data.get("tenant", ""), lease.data.get("email", ""))] if lease else []

    def on_approved(self, record: Record) -> None:
        send(self.ws, f"{record.key}:approved", "fitout_outcome", self._tenant(record), record, approved=True,
             lease=record.data.get("lease", ""), start=record.data.get("start", ""),
             drawings=record.data.get("drawings", ""), reason="")

    def on_rejected(self, record: Record, by: str, reason: str) -> None:
        send(self.ws, f"{record.key}:rejected:v{record.route_version}", "fitout_outcome", self._tenant(record),
             record, approved=False, lease=record.data.get("lease", ""), start=record.data.get("start", ""),
             drawings=record.data.get("drawings", ""), reason=reason)


@hookimpl
def sheetflow_kinds() -> dict[str, type[Kind]]:
    return {"fitout": FitoutKind}
