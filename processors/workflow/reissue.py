"""A code that someone other than its addressee may have seen is replaced: voided, and sent afresh.

Two things ask for it:

- a person resends a code mail that failed or whose fate is unknown (`sheetflow
  mail resend KEY`). Its code was masked in the store when it failed, and a second
  copy of a code that may already sit in someone's mailbox (unknown) or in the
  wrong one (a bounced typo) is not a secret any more. So the person's open codes
  for that step are voided and a fresh one goes through the route under a new
  key, to the address config.toml gives now (a corrected typo counts);
- a workspace whose store or outbox files were found readable by other accounts
  (privacy.py): on the next pass every code sent until then is voided, and each
  step still waiting sends its approvers fresh ones, now into a private outbox.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from ..forms.definition import FormDef
from ..guard import isolated
from ..mail import outbox
from ..mail.outbox import OutboxRow
from ..privacy import EXPOSED
from ..store.db import Record
from ..workspace import Workspace
from .route import AWAITING, Route, code_mail_key, code_mail_of

log = logging.getLogger("sheetflow")


@dataclass
class Resent:
    key: str = ""          # the fresh code mail's outbox key
    why_not: str = ""      # else why nothing was sent: a message key under [private]


def resend_code_mail(ws: Workspace, row: OutboxRow) -> Resent:
    """Void the codes the mail's addressee holds for its step and, if the step still waits for them, send a
    fresh one; the old row becomes `replaced`. One transaction: the old code never outlives the new mail."""
    found = code_mail_of(row.record_key, row.key) if row.record_key else None
    record = ws.store.record(row.record_key) if found and row.record_key else None
    if found is None or record is None:
        return Resent(why_not="private.resend_unreadable")
    step, version, person = found
    with ws.store.transaction():
        ws.store.void_codes_of(record.id, step, version, person, ws.clock.now().isoformat(timespec="seconds"))
        form = _waiting_form(ws, record, step, version)
        key = _fresh(ws, form, record, step, person, "resend") if form else ""
        if key:
            outbox.mark_replaced(ws.store, row, note=ws.t("private.replaced_by", key=key))
    if key:
        return Resent(key=key)
    return Resent(why_not="private.resend_moot" if form is None else "private.resend_not_approver")


def reissue_exposed(ws: Workspace) -> int:
    """After a start found codes readable by others: void every code sent until then, send fresh ones to the
    steps still waiting. Each step on its own (a broken template holds its step, not the others)."""
    since = ws.store.meta(EXPOSED)
    if not since:
        return 0
    sent = 0
    with ws.store.transaction():
        at = ws.clock.now().isoformat(timespec="seconds")
        for holder in ws.store.open_code_holders(since):
            record = ws.store.record(holder["key"])
            if record is None:
                continue
            ws.store.void_codes_of(record.id, holder["step"], holder["version"], holder["person"], at)
            form = _waiting_form(ws, record, holder["step"], holder["version"])
            if form is None:
                continue
            with isolated(ws, "route_timers", form=form.id, key=record.key):
                sent += bool(_fresh(ws, form, record, holder["step"], holder["person"], "reissue"))
        ws.store.set_meta(EXPOSED, "")
    log.warning(ws.t("private.reissued", count=sent))
    return sent


def _waiting_form(ws: Workspace, record: Record, step: str, version: int) -> FormDef | None:
    """The record's form if the record still waits for this step in this route version, else None."""
    form = ws.forms.get(record.form)
    if form is None or record.state != f"{AWAITING}{step}" or record.route_version != version:
        return None
    return form if any(s.name == step for s in form.route) else None


def _fresh(ws: Workspace, form: FormDef, record: Record, step_name: str, person: str, event: str) -> str:
    """A new code for this person at this step, through the route (its mail, its hash); '' if they no longer
    sign it (back from an absence, the role moved) or have no address."""
    route = Route(ws, form)
    step = form.step(step_name)
    for signer, behalf in route.approvers(step, record.data, ws.clock.now().date()):
        if signer.id != person:
            continue
        name = f"{event}{ws.store.codes_sent(record.id, step.name, signer.id)}"
        if route.send_code(record, step, signer, behalf, event=name):
            return code_mail_key(record.key, name, step.name, record.route_version, signer.id)
    return ""
