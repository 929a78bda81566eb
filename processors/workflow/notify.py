"""Who hears what when a route moves: each mail queued in the same transaction as the move.

Mail keys are (record, event, route version, …), so repeating a pass never sends
a second copy, and each new event (a new version, a new reminder period) does.
"""

from __future__ import annotations

import json
from typing import Any

from ..config import Person
from ..forms.definition import FormDef
from ..forms.route_def import StepDef
from ..mail.outbox import Mail, enqueue
from ..mail.render import person_address, render
from ..store.db import Record
from ..workspace import Workspace


def summary(ws: Workspace, form: FormDef, record: Record) -> list[tuple[str, str]]:
    """The record as its approver reads it: labels in the workspace language, values as entered."""
    choice_labels = {f.name: {c.value: ws.t.pick(c.labels) for c in f.choices} for f in form.fields if f.choices}
    out = [(ws.t("mail_ctx.record_no"), record.key)]
    for fdef in form.content_fields:
        value = record.data.get(fdef.name)
        if value:
            out.append((ws.t.pick(fdef.label), choice_labels.get(fdef.name, {}).get(value, value)))
    for line in _lines(record):  # an order: what the signature covers includes its lines
        g = line.get
        out.append((ws.t("mail_ctx.line"),
                    f"{g('item', '')} {g('spec', '')} × {g('quantity', '')} {g('unit', '')} "
                    f"@ ¥{g('unit_price', '')} = ¥{g('total', '')}"))
    if record.data.get("total"):
        out.append((ws.t("mail_ctx.total"), f"¥{record.data['total']}"))
    return out


def _lines(record: Record) -> list[dict[str, str]]:
    try:
        lines = json.loads(record.data.get("lines") or "[]")
    except ValueError:
        return []
    return [line for line in lines if isinstance(line, dict)]


def queue(ws: Workspace, key: str, template: str, to: Person, record: Record, *, secrets: list[str] | None = None,
          **ctx: Any) -> bool:
    """Render and queue one mail; False when the person has no address or this key was queued before."""
    if not to.email:
        return False
    if ws.store.mail_queued(key):
        return False
    subject, text, html = render(ws, template, **ctx)
    return enqueue(ws.store, Mail(key=key, to=[person_address(to)], subject=subject, text=text, html=html,
                                  record_key=record.key, secrets=secrets or []),
                   sender=ws.cfg.mail.sender, at=ws.clock.now().isoformat(timespec="seconds"))


def approval_context(ws: Workspace, form: FormDef, record: Record, step: StepDef, signer: Person,
                     behalf: Person | None, code: str, expires: str) -> dict[str, Any]:
    codes = ws.cfg.approvals.codes
    verb_ok, verb_no = ws.t("sign.approve_word"), ws.t("sign.reject_word")
    return {
        "form_title": ws.t.pick(form.title), "record_key": record.key, "summary": summary(ws, form, record),
        "step_label": ws.t.pick(step.label), "approver_name": signer.name,
        "deputy_for": behalf.name if behalf else None, "code": code, "expires": expires,
        "sign_column": ws.t.pick(form.field(step.column).label), "file": record.file.rpartition("/")[2],
        "row": record.row_hint or 0,
        "approve_example": f"{verb_ok} {code}" if codes else f"{verb_ok} {signer.name}",
        "reject_example": f"{verb_no} {code} {ws.t('sign.reason_word')}" if codes
        else f"{verb_no} {signer.name} {ws.t('sign.reason_word')}",
        "codes": codes,
    }
