"""Guessing a sign-off code costs the guesser, never the approver's inbox (issue 11).

Anyone who can save the workbook can type codes, so the count is kept per record and
step, not per person. A wrong code counts once per distinct value typed: a typo left in
its cell, seen again each time another cell of the row is saved, is the same value and
is not counted again. After `max_attempts` distinct wrong codes the step is locked: its
codes are voided, and until the lock ends every typed code (even the right one of the
voided set) and every request for a new code is refused without counting or mailing.
Each lockout of the same step is four times longer than the one before (the base is
`approvals.lockout_minutes`, capped at a day). When the lock ends no code goes by itself:
the next one is sent when someone types 验证码 / new code in the cell (or with the next
reminder, as always). The approver and the applicant are told once per step and route
version that someone is guessing, with the row and the time; later lockouts only lengthen
the lock.

Fingerprints: counting distinct values means recognising a value typed before without
keeping it. A fast hash of a six-character code from a 31-letter alphabet (887 million
values) is reversed in seconds, and a wrong code is often a near miss of the right one, so
its fingerprint is the same scrypt as the codes' own hashes (workflow/codes.py), salted per
(record, step) so that values can be compared within the step and nowhere else. Finding what
was typed from the database then costs as much as finding the valid code from its own hash,
which the database already holds: the fingerprints open no cheaper way in. The scrypt runs
only for a code that matched none of the step's codes, so a right code costs nothing extra.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..forms.route_def import StepDef
from ..store.db import Record
from . import codes as codelib
from .notify import queue, summary
from .signing import SignInput

if TYPE_CHECKING:
    from .route import CellReview, Route

GROWTH = 4                              # each later lockout of a step lasts this many times the one before
LONGEST = dt.timedelta(hours=24)        # … but no longer than this (or the base, if the base is longer)


@dataclass(frozen=True)
class Lock:
    lockouts: int
    at: dt.datetime
    until: dt.datetime


def cooldown(lockouts: int, base_minutes: float) -> dt.timedelta:
    """How long the step stays locked after its n-th lockout: 15 min, 1 h, 4 h, 16 h, then a day (base 15)."""
    base = dt.timedelta(minutes=base_minutes)
    return min(base * GROWTH ** min(lockouts - 1, 16), max(LONGEST, base))


def last_lock(route: Route, record: Record, step: StepDef) -> Lock | None:
    row = route.store.step_lock(record.id, step.name)
    if row is None or not row["locked_until"]:
        return None
    return Lock(row["lockouts"], dt.datetime.fromisoformat(row["locked_at"]),
                dt.datetime.fromisoformat(row["locked_until"]))


def locked(route: Route, record: Record, step: StepDef) -> Lock | None:
    """The lock the step is under now, if any (codes off: there is no code to guess)."""
    if not route.cfg.approvals.codes:
        return None
    lock = last_lock(route, record, step)
    return lock if lock is not None and route._now() < lock.until else None


def when(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def lock_note(route: Route, record: Record, step: StepDef) -> str:
    """What the row says about a lock: until when, or that it ended and a new code must be asked for."""
    lock = last_lock(route, record, step) if route.cfg.approvals.codes else None
    if lock is None:
        return ""
    column = route.t.pick(route.form.field(step.column).label)
    if route._now() < lock.until:
        return route.t("guessing.locked", step=route.t.pick(step.label), until=when(lock.until), column=column)
    if route.store.live_codes(record.id, step.name, record.route_version):
        return ""
    return route.t("guessing.unlocked", step=route.t.pick(step.label), until=when(lock.until), column=column)


def refuse_locked(route: Route, record: Record, step: StepDef, entry: SignInput, typed: str,
                  out: CellReview) -> bool:
    """While locked, a code or a request is refused uncounted and unchecked (no scrypt): True when refused."""
    lock = locked(route, record, step)
    if lock is None:
        return False
    reason = "locked_renew" if entry.kind == "renew" else "locked"
    route.refuse(record, step, reason, typed, out, restore="", message=f"guessing.refused_{reason}",
                 until=when(lock.until))
    return True


def wrong_code(route: Route, record: Record, step: StepDef, entry: SignInput, typed: str, out: CellReview) -> None:
    """A code that matched none of the step's: count it if it is new, lock the step at the limit."""
    limit = route.cfg.approvals.max_attempts
    salt = route.store.lock_salt(record.id, step.name, secrets.token_bytes(16))
    mark = codelib.hash_code(entry.code, salt)
    wrong = route.store.wrong_tries(record.id, step.name, record.route_version)
    if route.store.typed_before(record.id, step.name, mark):
        route.refuse(record, step, "wrong_code_repeated", typed, out, message="guessing.refused_wrong_code_repeated",
                     left=max(limit - wrong, 1))
        return
    if wrong + 1 < limit:
        route.refuse(record, step, "wrong_code", typed, out, left=limit - wrong - 1, fingerprint=mark)
        return
    lock_out(route, record, step, typed, out, mark)


def lock_out(route: Route, record: Record, step: StepDef, typed: str, out: CellReview, mark: bytes) -> None:
    settings = route.cfg.approvals
    now = route._now()
    previous = last_lock(route, record, step)
    until = now + cooldown((previous.lockouts if previous else 0) + 1, settings.lockout_minutes)
    route.store.lock_step(record.id, step.name, at=now.isoformat(timespec="seconds"),
                          until=until.isoformat(timespec="seconds"))
    route.void_codes(record, step.name)
    route.refuse(record, step, "too_many_wrong", typed, out, restore="", message="guessing.refused_too_many_wrong",
                 fingerprint=mark, tries=settings.max_attempts)
    tell(route, record, step, now, until)


def tell(route: Route, record: Record, step: StepDef, now: dt.datetime, until: dt.datetime) -> None:
    """Once per step and route version, the approvers and the applicant hear that someone is guessing."""
    ws, form = route.ws, route.form
    ctx = {"form_title": ws.t.pick(form.title), "record_key": record.key, "summary": summary(ws, form, record),
           "step_label": ws.t.pick(step.label), "sign_column": ws.t.pick(form.field(step.column).label),
           "file": record.file.rpartition("/")[2], "row": record.row_hint or 0, "at": when(now),
           "until": when(until), "tries": route.cfg.approvals.max_attempts}
    base = f"{record.key}:guessing:{step.name}:v{record.route_version}"
    approvers = route.approvers(step, record.data, now.date())
    names = "、".join(signer.name for signer, _ in approvers)
    for signer, _ in approvers:
        queue(ws, f"{base}:{signer.id}", "code_guessing", signer, record, recipient_name=signer.name,
              approver=True, approvers=names, **ctx)
    applicant = route.applicant(record.data)
    if applicant is not None and applicant.id not in {signer.id for signer, _ in approvers}:
        queue(ws, f"{base}:owner", "code_guessing", applicant, record, recipient_name=applicant.name,
              approver=False, approvers=names, **ctx)
