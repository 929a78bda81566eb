"""Move a record along its approval route: open steps, check sign-offs, restart, reject, approve.

Every method runs inside the caller's store transaction, so the state change, the
codes (as hashes) and the mails they cause are committed together or not at all.
A record awaiting a step has state `awaiting:<step>`; the route ends in the form's
`on_valid` state (approved) or in `rejected`.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Protocol

from ..config import Person
from ..forms.definition import FormDef
from ..forms.route_def import StepDef
from ..store.db import Record
from ..workspace import Workspace
from . import codes as codelib
from . import guessing, verify
from .notify import approval_context, queue, summary
from .signing import SignInput, parse

log = logging.getLogger("sheetflow")
AWAITING = "awaiting:"
REJECTED = "rejected"


@dataclass
class CellReview:
    """What the sign-off cells of a row should show, and what the row's message should say."""

    cells: dict[str, str] = field(default_factory=dict)     # signoff column -> text to write
    refusals: list[str] = field(default_factory=list)
    restart: bool = False


def awaited(state: str) -> str | None:
    return state[len(AWAITING):] if state.startswith(AWAITING) else None


def code_mail_key(record_key: str, event: str, step: str, version: int, person: str) -> str:
    """The outbox key of a code mail: one per event (open, a renewal, a reminder …), step, version and person."""
    return f"{record_key}:{event}:{step}:v{version}:{person}"


def code_mail_of(record_key: str, key: str) -> tuple[str, int, str] | None:
    """(step, route version, person) a code mail was sent for, read back from its key (code_mail_key)."""
    if not key.startswith(f"{record_key}:"):
        return None
    parts = key[len(record_key) + 1:].split(":", 3)      # a person's id is the one part that may hold a colon
    if len(parts) != 4 or not parts[2].startswith("v") or not parts[2][1:].isdigit():
        return None
    return parts[1], int(parts[2][1:]), parts[3]


class RouteEvents(Protocol):
    """Who hears that a route ended: the form's kind (an order issued, a tenant told)."""

    def on_approved(self, record: Record) -> None: ...

    def on_rejected(self, record: Record, by: str, reason: str) -> None: ...


class Route:
    def __init__(self, ws: Workspace, form: FormDef, events: RouteEvents | None = None) -> None:
        self.ws, self.form, self.events = ws, form, events
        self.cfg, self.store, self.t = ws.cfg, ws.store, ws.t

    # -- reading the route ---------------------------------------------------------------
    def is_route_state(self, state: str) -> bool:
        """A state the route reached or the form declares (an order placed, paid …), not one from before a route."""
        return state.startswith(AWAITING) or state in (REJECTED, self.form.on_valid) or state in self.form.states

    def amount(self, data: dict[str, str]) -> Decimal | None:
        if not self.form.amount:
            return None
        total = Decimal(1)
        try:
            for name in self.form.amount:
                total *= Decimal(data[name])
        except (KeyError, InvalidOperation):
            return None
        return total

    def steps_for(self, data: dict[str, str]) -> list[StepDef]:
        amount = self.amount(data)
        return [s for s in self.form.route
                if s.when is None or s.when.holds(data, amount, self.cfg.approvals.thresholds)]

    def applicant(self, data: dict[str, str]) -> Person | None:
        name = data.get("applicant", "")
        return self.cfg.find_person(name) if name else None

    def approvers(self, step: StepDef, data: dict[str, str], today: dt.date) -> list[tuple[Person, Person | None]]:
        """Who may sign the step: (signer, the absent holder they sign for, or None).

        Holders of the role (of the record's department where the step says so), never
        the applicant; an absent holder's deputy, else their superior, signs for them
        (the seed's rule that a superior covers a vacant post).
        """
        applicant = self.applicant(data)
        wanted_dept = data.get(step.same_department_as) if step.same_department_as else None
        holders = [p for p in self.cfg.people_with_role(step.role)
                   if wanted_dept is None or p.department == wanted_dept]
        out: list[tuple[Person, Person | None]] = []

        def usable(p: Person | None) -> bool:
            return p is not None and p != applicant and not p.is_absent(today)

        for holder in holders:
            if holder == applicant:
                continue
            if not holder.is_absent(today):
                out.append((holder, None))
                continue
            cover = next((p for p in (self.cfg.person(holder.deputy), self.cfg.person(holder.superior)) if usable(p)),
                         None)
            if cover is not None:
                out.append((cover, holder))
        if not out:  # the applicant holds the role themselves: their superior signs instead
            for holder in holders:
                boss = self.cfg.person(holder.superior)
                if usable(boss):
                    out.append((boss, holder))  # type: ignore[arg-type]
        seen: set[str] = set()
        return [(p, b) for p, b in out if not (p.id in seen or seen.add(p.id))]  # type: ignore[func-returns-value]

    def first_state(self, data: dict[str, str]) -> str:
        steps = self.steps_for(data)
        return f"{AWAITING}{steps[0].name}" if steps else self.form.on_valid

    def guidance(self, record_state: str, data: dict[str, str], today: dt.date) -> str:
        """The row's message for a state: who signs next and how, or what comes after."""
        step_name = awaited(record_state)
        if step_name is None:
            sdef = self.form.states.get(record_state)
            return self.t.pick(sdef.next) if sdef and sdef.next else ""
        step = self.form.step(step_name)
        people = self.approvers(step, data, today)
        role = self.t(f"roles.{step.role}")
        if not people:
            return self.t("sign.nobody", role=role, step=self.t.pick(step.label))
        names = "、".join(p.name + (self.t("sign.for", name=b.name) if b else "") for p, b in people)
        key = "sign.awaiting_codes" if self.cfg.approvals.codes else "sign.awaiting_names"
        return self.t(key, names=names, role=role, column=self.t.pick(self.form.field(step.column).label))

    def state_label(self, state: str) -> str:
        step_name = awaited(state)
        if step_name is not None:
            return self.t("sign.state_awaiting", step=self.t.pick(self.form.step(step_name).label))
        sdef = self.form.states.get(state)
        return self.t.pick(sdef.label) if sdef else state

    # -- moving it -------------------------------------------------------------------------
    def _now(self) -> dt.datetime:
        return self.ws.clock.now()

    def _set_state(self, record: Record, state: str, actor: str, reason: str, **columns: int) -> None:
        """`columns`: other record columns the same transition sets (a restart's new route version)."""
        at = self._now().isoformat(timespec="seconds")
        opened = at if state.startswith(AWAITING) else ""
        remind = ""
        if opened:
            first = self._now() + dt.timedelta(hours=self.cfg.approvals.remind_after_hours)
            remind = first.astimezone(dt.UTC).isoformat(timespec="seconds")
        self.store.transition(record, state, actor=actor, reason=reason, at=at, step_opened_at=opened,
                              remind_at=remind, notice="", **columns)

    def start(self, record: Record, actor: str, reason: str) -> None:
        """(Re)start the route from its first step with a new version: earlier codes and stamps no longer count."""
        self.void_codes(record)
        state = self.first_state(record.data)
        self._set_state(record, state, actor, reason, route_version=record.route_version + 1)
        step = awaited(state)
        if step is not None:
            self.open_step(record, self.form.step(step))
        else:
            self._approved(record)

    def restart(self, record: Record, why: str) -> None:
        """The content changed under signatures: tell who signed, then start again."""
        for row in self.signoffs(record):
            signer = self.cfg.person(row["person"])
            if signer is not None:
                queue(self.ws, f"{record.key}:restart:v{record.route_version}:{signer.id}", "route_restarted",
                      signer, record, signer_name=signer.name, record_key=record.key,
                      summary=summary(self.ws, self.form, record),
                      step_label=self.t.pick(self.form.step(row["step"]).label),
                      form_title=self.t.pick(self.form.title), reason=why)
        self.start(record, "system", why)

    def open_step(self, record: Record, step: StepDef, *, event: str = "open") -> int:
        """Send each approver of the step a fresh code (or, codes off, a request to sign by name)."""
        sent = 0
        for signer, behalf in self.approvers(step, record.data, self._now().date()):
            sent += self.send_code(record, step, signer, behalf, event=event)
        lock = guessing.locked(self, record, step) if not sent else None
        if lock is not None:
            log.info("%s: step %s locked until %s after wrong codes: no code sent", record.key, step.name,
                     guessing.when(lock.until))
        elif not sent:
            log.warning("%s: nobody can sign step %s (role %s)", record.key, step.name, step.role)
        return sent

    def send_code(self, record: Record, step: StepDef, signer: Person, behalf: Person | None, *, event: str,
                  template: str = "approval_request", **extra: object) -> int:
        key = code_mail_key(record.key, event, step.name, record.route_version, signer.id)
        if self.store.mail_queued(key) or guessing.locked(self, record, step) is not None:
            return 0   # locked after wrong codes: no code (reminder, restart, renewal) until the lock ends
        now = self._now()
        expires = now + dt.timedelta(hours=self.cfg.approvals.code_ttl_hours)
        code = ""
        if self.cfg.approvals.codes:
            code = codelib.new_code()
            salt, digest = codelib.new_hash(code)
            self.store.add_code(record_id=record.id, step=step.name, version=record.route_version, person=signer.id,
                                on_behalf_of=behalf.id if behalf else None, content_hash=record.content_hash,
                                salt=salt, digest=digest, created_at=now.isoformat(timespec="seconds"),
                                expires_at=expires.isoformat(timespec="seconds"))
        ctx = approval_context(self.ws, self.form, record, step, signer, behalf, code,
                               expires.strftime("%Y-%m-%d %H:%M"))
        ctx.update(extra)
        return int(queue(self.ws, key, template, signer, record, secrets=[code] if code else [], **ctx))

    def void_codes(self, record: Record, step: str | None = None) -> None:
        self.store.void_codes(record.id, self._now().isoformat(timespec="seconds"), step)

    def signoffs(self, record: Record) -> list[sqlite3.Row]:
        return self.store.signoffs(record.id, record.route_version)

    def stamps(self, record: Record) -> dict[str, str]:
        """Sign-off column -> what it should show for the current route version."""
        return {self.form.step(r["step"]).column: r["stamp"] for r in self.signoffs(record)}

    def _approved(self, record: Record) -> None:
        applicant = self.applicant(record.data)
        if applicant is not None:
            queue(self.ws, f"{record.key}:approved:v{record.route_version}", "approved", applicant, record,
                  applicant_name=applicant.name, record_key=record.key, summary=summary(self.ws, self.form, record),
                  stamps=list(self.stamps(record).values()), form_title=self.t.pick(self.form.title),
                  next_step=self.guidance(record.state, record.data, self._now().date()))
        if self.events is not None:
            self.events.on_approved(record)   # an order issued, a plan released

    # -- a sign-off cell changed -------------------------------------------------------------
    def review(self, record: Record, cells: dict[str, str]) -> CellReview:
        """Compare each sign-off cell with what the store says it shows, and act on the difference."""
        out = CellReview()
        truth = self.stamps(record)
        for step in self.form.route:
            typed, shown = cells.get(step.column, ""), truth.get(step.column, "")
            if typed == shown:
                continue
            if awaited(record.state) == step.name:
                self._on_open_step(record, step, typed, out)
                truth = self.stamps(record)
                continue
            if record.state == REJECTED and shown.startswith("✘") and not typed:
                out.restart = True  # the applicant cleared the rejection: resubmitted as it is
                continue
            reason = self._why_not_now(record, step)
            self.refuse(record, step, reason, typed, out, restore=shown)
        note = self.lock_note(record)
        if note:  # on every decision of the row, not only when its sign-off cell changed
            out.refusals.append(note)
        return out

    def lock_note(self, record: Record) -> str:
        """What the row says while the awaited step is locked after wrong codes (or waits for a code asked for)."""
        waiting = awaited(record.state)
        return guessing.lock_note(self, record, self.form.step(waiting)) if waiting else ""

    def _renew(self, record: Record, step: StepDef, typed: str, out: CellReview) -> None:
        """A fresh code on request, but at most `renewals_per_day` codes a person in any 24 hours: typing
        验证码 again and again must not flood an approver's mailbox."""
        cap = self.cfg.approvals.renewals_per_day
        since = (self._now() - dt.timedelta(hours=24)).isoformat(timespec="seconds")
        sent = capped = 0
        for signer, behalf in self.approvers(step, record.data, self._now().date()):
            if self.store.codes_sent_since(record.id, step.name, signer.id, since) >= cap:
                capped += 1
                continue
            n = self.store.codes_sent(record.id, step.name, signer.id)
            sent += self.send_code(record, step, signer, behalf, event=f"renew{n}")
        out.cells[step.column] = ""
        if capped and not sent:
            self.refuse(record, step, "renew_capped", typed, out, limit=cap)
        else:
            out.refusals.append(self.t("sign.renewed"))

    def _why_not_now(self, record: Record, step: StepDef) -> str:
        if step.column in self.stamps(record):
            return "already_signed"
        if step not in self.steps_for(record.data):
            return "not_needed"
        if record.state == REJECTED:
            return "after_rejection"
        return "out_of_order" if awaited(record.state) else "route_done"

    def refuse(self, record: Record, step: StepDef, reason: str, typed: str, out: CellReview,
                restore: str | None = None, *, message: str = "", fingerprint: bytes | None = None,
                **params: object) -> None:
        """`message`: the message key when it is not sign.refused_<reason>; `fingerprint`: of a wrong code."""
        waiting = awaited(record.state)
        wait_label = self.t.pick(self.form.step(waiting).label) if waiting else ""
        text = self.t(message or f"sign.refused_{reason}", step=self.t.pick(step.label), waiting=wait_label,
                      column=self.t.pick(self.form.field(step.column).label), **params)
        out.refusals.append(text)
        if restore is not None:
            out.cells[step.column] = restore
        self.store.add_refusal(record_id=record.id, step=step.name, version=record.route_version, reason=reason,
                               typed=_redact(typed), at=self._now().isoformat(timespec="seconds"),
                               fingerprint=fingerprint)
        log.warning("%s %s: sign-off refused (%s): %r", record.key, step.name, reason, _redact(typed))

    def _on_open_step(self, record: Record, step: StepDef, typed: str, out: CellReview) -> None:
        entry = parse(typed, self.cfg.approvals.codes)
        if entry.kind == "empty":
            return
        if entry.kind in ("renew", "approve", "reject") and guessing.refuse_locked(self, record, step, entry, typed,
                                                                                    out):
            return
        if entry.kind == "renew":
            self._renew(record, step, typed, out)
            return
        if entry.kind in ("stamp", "unreadable", "name"):
            reason = {"stamp": "forged_stamp", "unreadable": "unreadable", "name": "needs_code"}[entry.kind]
            self.refuse(record, step, reason, typed, out, restore="" if entry.kind == "stamp" else None)
            return
        if entry.kind == "reject" and not entry.reason:
            self.refuse(record, step, "reject_needs_reason", typed, out)
            return
        check = verify.check_code if self.cfg.approvals.codes else verify.check_name
        signer = check(self, record, step, entry, typed, out)
        if signer is not None:
            self._sign(record, step, entry, signer[0], signer[1], out)

    def _sign(self, record: Record, step: StepDef, entry: SignInput, signer: Person, behalf: Person | None,
              out: CellReview) -> None:
        now = self._now()
        who = signer.name + (self.t("sign.for", name=behalf.name) if behalf else "")
        when = now.strftime("%Y-%m-%d %H:%M")
        if entry.kind == "reject":
            stamp = f"✘ {who} {when} {self.t('sign.rejected_stamp', reason=entry.reason)}"
        else:
            stamp = f"✔ {who} {when}"
        self.store.add_signoff(record_id=record.id, step=step.name, version=record.route_version, action=entry.kind,
                               person=signer.id, on_behalf_of=behalf.id if behalf else None, reason=entry.reason,
                               content_hash=record.content_hash, stamp=stamp, at=now.isoformat(timespec="seconds"))
        out.cells[step.column] = stamp
        self.void_codes(record, step.name)
        label = self.t.pick(step.label)
        if entry.kind == "reject":
            self._set_state(record, REJECTED, signer.name, self.t("sign.transition_rejected", step=label,
                                                                   reason=entry.reason))
            applicant = self.applicant(record.data)
            if applicant is not None:
                queue(self.ws, f"{record.key}:rejected:v{record.route_version}", "rejected", applicant, record,
                      applicant_name=applicant.name, record_key=record.key,
                      summary=summary(self.ws, self.form, record), rejected_by=who, step_label=label,
                      reason=entry.reason, form_title=self.t.pick(self.form.title),
                      sign_column=self.t.pick(self.form.field(step.column).label),
                      file=record.file.rpartition("/")[2], row=record.row_hint or 0)
            if self.events is not None:
                self.events.on_rejected(record, who, entry.reason)   # a tenant told the outcome
            return
        steps = self.steps_for(record.data)
        later = steps[steps.index(step) + 1:] if step in steps else []
        if later:
            self._set_state(record, f"{AWAITING}{later[0].name}", signer.name,
                            self.t("sign.transition_signed", step=label, who=who))
            self.open_step(record, later[0])
        else:
            self._set_state(record, self.form.on_valid, signer.name,
                            self.t("sign.transition_signed", step=label, who=who))
            self._approved(record)


def _redact(typed: str) -> str:
    """Refusals are logged and kept, but never with a code in them."""
    return " ".join("******" if codelib.looks_like_code(w) else w for w in typed.split())
