"""Customer feedback (客户反馈, C5): passed to whoever must resolve it, tracked against a target time, rated, closed.

The form has no sign-off route: a complete row is numbered and is at once the owner's to resolve. Its state
follows what the row records, so a pass that is repeated, a row read again or an invalid row fixed all land
in the same place: a rating closes it, a resolution makes it wait for the rating, otherwise it is open until
its deadline (received + the kind's working hours) and overdue after. Each mail goes once, under a key of the
record and the event (the owner's under the owner too, so a new owner is told). Once closed, what was said
is fixed: the rating answers it.
"""

from __future__ import annotations

import datetime as dt

from ..effects import address, save_data, set_state
from ..forms.fields import Problem
from ..forms.validate import RowResult
from ..kinds import Kind
from ..store.changes import digest
from ..store.db import Record
from ..workflow.notify import queue
from .feedback_facts import (
    ORDER_FORMS,
    customer_email,
    deadline,
    moment,
    owner_of,
    shown,
    stamp,
    superior_of,
    target_hours,
    working_hours,
)
from .feedback_rating import BY_CODE, BY_ROW, check_code, issue_code, own_code_in, parse_rating
from .feedback_summary import write_summary

FAMILY = "sales"
OPEN, OVERDUE, RESOLVED, CLOSED = "open", "overdue", "resolved", "closed"
LIVE = (OPEN, OVERDUE, RESOLVED)
#: facts sheetflow derived after the row was first read: kept when the row is read again (the row's cells
#: are all the store otherwise keeps)
KEEP = ("received", "resolved", "rating_score", "rating_by", "rating_at", "rating_note")
SLACK = dt.timedelta(minutes=1)       # a moment typed "now" is not in the future because the clock moved on


class FeedbackKind(Kind):
    def prepare(self) -> None:
        """An order or contract a row names may be recorded after the row: read the rows again then."""
        forms = [f for f in ORDER_FORMS if f in self.ws.forms]
        if forms:
            self.recheck_when(digest(self.store, *forms))

    def check(self, result: RowResult, key: str, row: int) -> str:
        v, ws = result.values, self.ws
        own = self.store.record(key) if key else None
        if own is not None and own.state == CLOSED:
            return ""
        now = ws.clock.now()
        for name in KEEP:
            if own is not None and own.data.get(name):
                v[name] = own.data[name]
        typed = moment(ws, v.get("received_at"))
        received = typed or moment(ws, v.get("received")) or now
        if typed is not None and typed > now + SLACK:
            result.problems.append(Problem("received_at", "feedback.in_future", {"value": shown(typed)}))
        v["received"] = stamp(received)
        linked = self._linked(result)
        email = str(v.get("email") or "") or customer_email(linked)
        v["customer_email"] = email
        kind = str(v.get("kind") or "")
        if kind:
            owner = owner_of(ws, str(v.get("owner") or "").strip(), kind)
            if owner.person is None:
                result.problems.append(Problem("owner", owner.problem, {
                    "name": str(v.get("owner") or ""), "role": self.t(f"roles.{owner.role}") if owner.role else ""}))
            else:
                v["owner_id"], v["owner_name"], v["owner_role"] = owner.person.id, owner.person.name, owner.role
            v["target_hours"] = str(target_hours(ws, kind))
            v["deadline"] = stamp(deadline(ws, received, kind))
        resolved = moment(ws, v.get("resolved_at"))
        if resolved is not None and resolved > now + SLACK:
            result.problems.append(Problem("resolved_at", "feedback.in_future", {"value": shown(resolved)}))
        elif resolved is not None and resolved < received:
            result.problems.append(Problem("resolved_at", "feedback.before_received",
                                           {"value": shown(resolved), "received": shown(received)}))
        rating = str(v.get("rating") or "")
        if rating and not parse_rating(rating).readable:
            result.problems.append(Problem("rating", "feedback.rating_unreadable", {"value": rating[:40]}))
        return ""

    def _linked(self, result: RowResult) -> dict[str, str]:
        """The order or contract the row names: it must be on record (when those forms are kept here)."""
        v = result.values
        ref = str(v.get("concerns") or "").strip().upper()
        forms = [f for f in ORDER_FORMS if f in self.ws.forms]
        if not ref:
            return {}
        v["concerns"] = ref
        if not forms:
            return {}
        found = self.store.record(ref)
        if found is None or found.form not in forms or found.state == "invalid":
            result.problems.append(Problem("concerns", "feedback.concerns_unknown", {"value": ref}))
            return {}
        return found.data

    def immutable(self, record: Record) -> bool:
        return record.state == CLOSED

    def on_approved(self, record: Record) -> None:
        """Valid (no route): numbered, or fixed after being invalid; the row may already hold its resolution."""
        self._track(record, {})

    def on_tracking(self, record: Record, before: dict[str, str], after: dict[str, str]) -> list[str]:
        """The resolution or the rating typed; a closed one takes a corrected score (entered in the row)."""
        if record.state not in (*LIVE, CLOSED):
            return []
        self._track(record, before)
        return []

    def after_sync(self, changed: bool) -> None:
        """A content edit (another owner, an email added) tells whoever it now concerns."""
        with self.store.transaction():
            for record in self.store.records_in(self.form.id, LIVE):
                self._advance(record)

    def timers(self) -> None:
        for record in self.store.records_in(self.form.id, (OPEN,)):
            self._advance(record)

    def next_due(self) -> dt.datetime | None:
        """`watch` wakes at the earliest open deadline, so a feedback turns overdue then, not at the next tick."""
        dues = [moment(self.ws, r.data.get("deadline")) for r in self.store.records_in(self.form.id, (OPEN,))]
        return min((d for d in dues if d is not None), default=None)

    def outputs(self) -> None:
        if self.ws.generate_outputs:
            write_summary(self.ws)

    # -- what the row records moves the record ----------------------------------------------------
    def _track(self, record: Record, before: dict[str, str]) -> None:
        d, ws = record.data, self.ws
        if d.get("resolution"):
            typed = moment(ws, d.get("resolved_at"))
            want = stamp(typed) if typed is not None else d.get("resolved") or stamp(ws.clock.now())
            if want != d.get("resolved"):
                save_data(ws, record, resolved=want)
        elif d.get("resolved") and not d.get("rating_score"):
            ws.store.save_record(record, at=ws.clock.now().isoformat(timespec="seconds"), dirty=True,
                                 data={k: v for k, v in d.items() if k != "resolved"})
        d = record.data
        waiting = d.get("rating_note") == "feedback.rate_before_resolved" and not d.get("rating_score")
        if d.get("rating") and (d.get("rating") != before.get("rating") or waiting):
            self._rate(record)
        self._advance(record)

    def _rate(self, record: Record) -> None:
        d, ws = record.data, self.ws
        typed = d.get("rating", "")
        rating = parse_rating(typed)
        if rating.score is None:
            return
        rating = own_code_in(ws, record, rating, typed)
        if not d.get("resolution"):
            save_data(ws, record, rating_note="feedback.rate_before_resolved")
            return
        if rating.code:
            why = check_code(ws, record, rating, typed)
            if why:
                save_data(ws, record, rating_note=why)
                return
        by = BY_CODE if rating.code else BY_ROW
        save_data(ws, record, rating_score=str(rating.score), rating_by=by,
                  rating_at=stamp(ws.clock.now()), rating_note="")
        ws.store.note_history(record, actor="customer" if rating.code else "sheet", at=stamp(ws.clock.now()),
                              reason=self.t("feedback.h_rated", score=rating.score, by=self.t(f"feedback.by_{by}")))

    def _advance(self, record: Record) -> None:
        d, now = record.data, self.ws.clock.now()
        due = moment(self.ws, d.get("deadline"))
        if d.get("rating_score"):
            target = CLOSED
        elif d.get("resolved"):
            target = RESOLVED
        elif due is not None and now >= due:
            target = OVERDUE
        else:
            target = OPEN
        if target != record.state:
            set_state(self.ws, record, target, self.t(f"feedback.t_{target}", deadline=shown(due),
                                                      score=d.get("rating_score", "")))
        if target == OPEN:
            self._tell_owner(record)
        if target == OVERDUE:      # the owner's one mail when it was late already when typed in
            self._overdue(record)
        if target == RESOLVED:
            self._outcome(record)

    # -- mail ----------------------------------------------------------------------------------------
    def _context(self, record: Record) -> dict[str, object]:
        d = record.data
        kind = d.get("kind", "")
        choice = next((c for c in self.form.field("kind").choices if c.value == kind), None)
        return {"feedback_no": record.key, "customer": d.get("customer", ""), "contact": d.get("contact", ""),
                "kind": self.t.pick(choice.labels) if choice else kind, "said": d.get("said", ""),
                "concerns": d.get("concerns", ""), "received": shown(moment(self.ws, d.get("received"))),
                "deadline": shown(moment(self.ws, d.get("deadline"))), "hours": d.get("target_hours", ""),
                "owner_name": d.get("owner_name", ""), "file": record.file.rpartition("/")[2],
                "row": record.row_hint or 0, "company": self.ws.cfg.letterhead_for(FAMILY).name}

    def _tell_owner(self, record: Record) -> None:
        owner = self.ws.cfg.person(record.data.get("owner_id"))
        if owner is not None:
            queue(self.ws, f"{record.key}:owner:{owner.id}", "feedback_owner", owner, record,
                  **self._context(record))

    def _overdue(self, record: Record) -> None:
        owner = self.ws.cfg.person(record.data.get("owner_id"))
        if owner is None:
            return
        boss = superior_of(self.ws, owner.id)
        ctx = {**self._context(record), "superior_name": boss.name if boss else ""}
        queue(self.ws, f"{record.key}:overdue:{owner.id}", "feedback_overdue", owner, record, **ctx)
        if boss is not None:
            queue(self.ws, f"{record.key}:escalate", "feedback_escalation", boss, record, **ctx)

    def _outcome(self, record: Record) -> None:
        """The customer is told the outcome and asked to rate it, with a code only they hold, once."""
        d, key = record.data, f"{record.key}:outcome"
        email = d.get("customer_email", "")
        if not email or self.store.mail_queued(key):
            return
        code, expires = issue_code(self.ws, record, email)
        owner = self.ws.cfg.person(d.get("owner_id"))
        word = self.t("feedback.rate_word")
        queue(self.ws, key, "feedback_outcome", address(d.get("contact") or d.get("customer", ""), email), record,
              secrets=[code], **self._context(record), resolution=d.get("resolution", ""), code=code,
              expires=expires, owner_email=owner.email if owner else self.ws.cfg.mail.sender,
              example=f"{word} 5 {code}")

    # -- what the row says ---------------------------------------------------------------------------
    def guidance(self, record: Record) -> str | None:
        if record.state not in (*LIVE, CLOSED):
            return None
        d, ws, t = record.data, self.ws, self.t
        received, due = moment(ws, d.get("received")), moment(ws, d.get("deadline"))
        owner = d.get("owner_name", "")
        note = t(d["rating_note"]) if d.get("rating_note") and record.state != CLOSED else ""
        return f"{note} {self._next(record, received, due, owner)}".strip()

    def _next(self, record: Record, received: dt.datetime | None, due: dt.datetime | None, owner: str) -> str:
        d, ws, t = record.data, self.ws, self.t
        now = ws.clock.now()
        if record.state == OPEN:
            left = working_hours(ws, now, due) if due else 0
            return t("feedback.g_open", owner=owner, deadline=shown(due), hours=d.get("target_hours", ""),
                     left=f"{left:g}", asof=now.strftime("%m-%d %H:%M"))
        if record.state == OVERDUE:
            person = ws.cfg.person(d.get("owner_id"))
            boss = superior_of(ws, person.id) if person else None
            return t("feedback.g_overdue", owner=owner, deadline=shown(due), hours=d.get("target_hours", ""),
                     superior=boss.name if boss else "-")
        resolved = moment(ws, d.get("resolved"))
        took = working_hours(ws, received, resolved) if received and resolved else 0
        timing = t("feedback.in_target" if due and resolved and resolved <= due else "feedback.over_target",
                   took=f"{took:g}", hours=d.get("target_hours", ""))
        if record.state == CLOSED:
            return t("feedback.g_closed", score=d.get("rating_score", ""),
                     by=t(f"feedback.by_{d.get('rating_by', BY_ROW)}"), timing=timing)
        email = d.get("customer_email", "")
        return t("feedback.g_resolved", timing=timing, email=email) if email else \
            t("feedback.g_resolved_no_email", timing=timing)
