"""What price changes, listing changes and promotions share: the SKU they name, the day they take effect, P4.

Each is a request with an approval route (the marketing director, or the department head for a delisting). A
row is checked against the catalogue as it stands: an SKU not on file, a change that changes nothing, a day
already past are refused in the row. Once approved the request is fixed (an edit is put back: a new row is a new
request) and waits for its day; on that day the kind applies it to the catalogue (`apply`), keeping what it
replaced, and the catalogue row is rewritten. From approval the publication clock runs (publication.py).
"""

from __future__ import annotations

import datetime as dt

from ..effects import set_state
from ..forms.fields import Problem
from ..forms.validate import RowResult
from ..kinds import Kind
from ..store.changes import digest
from ..store.db import Record
from . import publication
from .facts import FORM, day_of, item_record, joined, normal_sku

APPROVED, SCHEDULED, APPLIED = "approved", "scheduled", "applied"
#: states after approval: the content is fixed, the publication clock runs
DECIDED = (APPROVED, SCHEDULED, APPLIED, "running", "ended")


class ChangeKind(Kind):
    #: the field holding the day the change takes effect
    day_field = "effective"

    def prepare(self) -> None:
        """An SKU a row names may be put on file (or change its listing) after the row: read the rows again."""
        if FORM in self.ws.forms:
            self.recheck_when(digest(self.store, FORM))

    def check(self, result: RowResult, key: str, row: int) -> str:
        v = result.values
        own = self.store.record(key) if key else None
        if own is not None and own.form == self.form.id and own.state in DECIDED:
            return ""   # fixed: the engine puts an edit back; 发布时间/发布人 are tracking
        sku = normal_sku(v.get("sku"))
        if not sku:
            return ""
        v["sku"] = sku
        item = item_record(self.ws, sku)
        if item is None:
            result.problems.append(Problem("sku", "catalogue.sku_unknown", {"value": sku}))
            return ""
        day = day_of(v.get(self.day_field))
        if day is not None and own is None and day < self.ws.clock.today():
            result.problems.append(Problem(self.day_field, "catalogue.day_past", {"day": day.isoformat()}))
        self.check_change(result, item, key)
        return ""

    def check_change(self, result: RowResult, item: Record, key: str) -> None:
        """What this kind of change must say about the SKU (the subclass's rules)."""

    def immutable(self, record: Record) -> bool:
        return record.state in DECIDED

    def on_approved(self, record: Record) -> None:
        publication.start(self, record)
        fresh = self.store.record(record.key) or record
        if self.due(fresh):
            self.apply(fresh)
        else:
            set_state(self.ws, fresh, SCHEDULED, self.t("catalogue.t_scheduled", day=self.day(fresh)))

    def day(self, record: Record) -> str:
        return record.data.get(self.day_field, "")[:10]

    def due(self, record: Record) -> bool:
        day = day_of(record.data.get(self.day_field))
        return day is None or day <= self.ws.clock.today()

    def apply(self, record: Record) -> None:
        """The change takes effect on the catalogue (the subclass's)."""
        raise NotImplementedError

    def summary(self, record: Record) -> str:
        """One line saying what the change is, for mails and history."""
        return record.data.get("sku", "")

    def on_tracking(self, record: Record, before: dict[str, str], after: dict[str, str]) -> list[str]:
        if record.data.get("published"):
            return []
        return publication.confirm(self, record, after)

    def timers(self) -> None:
        for record in self.store.records_in(self.form.id, (SCHEDULED,)):
            if self.due(record):
                self.apply(record)
        self.more_timers()
        publication.timers(self, self.store.records_in(self.form.id, DECIDED))

    def more_timers(self) -> None:
        """Time-driven work of the subclass (a promotion ending)."""

    def next_due(self) -> dt.datetime | None:
        days = [day_of(r.data.get(self.day_field)) for r in self.store.records_in(self.form.id, (SCHEDULED,))]
        moments = [self.midnight(d) for d in days if d is not None]
        more = self.more_due()
        pub = publication.next_due(self, self.store.records_in(self.form.id, DECIDED))
        return min([m for m in (*moments, more, pub) if m is not None], default=None)

    def more_due(self) -> dt.datetime | None:
        return None

    def midnight(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), self.ws.cfg.tz)

    def guidance(self, record: Record) -> str | None:
        if record.state not in DECIDED:
            return None
        state = self.state_text(record)
        return joined(self.t, state, publication.text(self, record))

    def state_text(self, record: Record) -> str:
        return self.t(f"catalogue.g_{record.state}", day=self.day(record))

    def approver(self, record: Record) -> str:
        """Who signed the last step (the price history names them)."""
        rows = [r for r in self.store.signoffs(record.id, record.route_version) if r["action"] == "approve"]
        if not rows:
            return ""
        person = self.ws.cfg.person(rows[-1]["person"])
        return person.name if person else str(rows[-1]["person"])

    def refresh(self, item: Record) -> None:
        """The SKU's row is rewritten on the next round (its message says what changed)."""
        self.store.mark_sheet_dirty(item.id)
