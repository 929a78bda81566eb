"""Time-driven work: remind approvers of steps left waiting, then tell their superiors.

Run on every pass (a watcher's tick, a cron `run`). Each reminder is keyed by its
period number, so it goes out once per period however many passes run in it.
"""

from __future__ import annotations

import datetime as dt
import logging

from .. import faults
from ..guard import isolated
from ..workspace import Workspace
from .notify import queue, summary
from .route import AWAITING, Route

log = logging.getLogger("sheetflow")


def run_timers(ws: Workspace) -> int:
    """Queue the reminders and escalations now due; return how many mails were queued.

    Each record on its own: one whose reminder cannot be made (a broken template) is recorded as a fault
    and the others are reminded.
    """
    now = ws.clock.now()
    queued = 0
    for key, form_id in ws.store.reminders_due(now.astimezone(dt.UTC).isoformat(timespec="seconds")):
        with isolated(ws, "route_timers", form=form_id, key=key):
            faults.point("route_timers", key=key)
            queued += _remind(ws, key, form_id, now)
    if queued:
        log.info(ws.t("log.reminders", count=queued))
    return queued


def _remind(ws: Workspace, key: str, form_id: str, now: dt.datetime) -> int:
    settings = ws.cfg.approvals
    form = ws.forms.get(form_id)
    record = ws.store.record(key)
    if form is None or not form.route or record is None or not record.state.startswith(AWAITING):
        return 0
    route = Route(ws, form)
    opened = dt.datetime.fromisoformat(record.step_opened_at)
    after = dt.timedelta(hours=settings.remind_after_hours)
    every = dt.timedelta(hours=settings.remind_every_hours)
    period = int((now - opened - after) / every) + 1
    step = form.step(record.state[len(AWAITING):])
    since = record.step_opened_at[:16].replace("T", " ")
    queued = 0
    for signer, behalf in route.approvers(step, record.data, now.date()):
        queued += route.send_code(record, step, signer, behalf, event=f"remind{period}",
                                  template="reminder", reminder_number=period, waiting_since=since)
        boss = ws.cfg.person(signer.superior)
        if period < settings.escalate_after_reminders or boss is None:
            continue
        queued += int(queue(
            ws, f"{record.key}:escalate{period}:{step.name}:v{record.route_version}:{signer.id}",
            "escalation", boss, record, superior_name=boss.name, approver_name=signer.name,
            step_label=ws.t.pick(step.label), record_key=record.key, summary=summary(ws, form, record),
            waiting_since=since, reminders=period, form_title=ws.t.pick(form.title)))
    following = (opened + after + period * every).astimezone(dt.UTC).isoformat(timespec="seconds")
    ws.store.set_remind_at(record.id, following)
    return queued
