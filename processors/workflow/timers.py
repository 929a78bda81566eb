"""Time-driven work: remind approvers of steps left waiting, then tell their superiors.

Run on every pass (a watcher's tick, a cron `run`). Each reminder is keyed by its
period number, so it goes out once per period however many passes run in it.

Reminders keep to the working calendar (ws.calendar): one that falls outside working
hours, on a weekend or a public holiday waits for the next opening rather than waking
an approver at 3 a.m. on National Day, and the next one is counted from when it went.
"""

from __future__ import annotations

import datetime as dt
import logging

from .. import faults
from ..guard import isolated
from ..workcal import WorkCalendar
from ..workspace import Workspace
from .notify import queue, summary
from .route import AWAITING, Route

log = logging.getLogger("sheetflow")
_MAX_PERIODS = 10_000   # a schedule walked further than this (years of tiny periods) falls back to plain hours


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
    opened = dt.datetime.fromisoformat(record.step_opened_at)
    after = dt.timedelta(hours=settings.remind_after_hours)
    every = dt.timedelta(hours=settings.remind_every_hours)
    period, following = reminder_schedule(ws.calendar, opened, now, after, every)
    if period == 0 or not ws.calendar.is_open(now):    # not yet, or due but the office is closed: wait for it
        wake = following if period == 0 else ws.calendar.next_opening(now)
        ws.store.set_remind_at(record.id, wake.astimezone(dt.UTC).isoformat(timespec="seconds"))
        return 0
    route = Route(ws, form)
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
    ws.store.set_remind_at(record.id, following.astimezone(dt.UTC).isoformat(timespec="seconds"))
    return queued


def reminder_schedule(cal: WorkCalendar, opened: dt.datetime, now: dt.datetime, after: dt.timedelta,
                      every: dt.timedelta) -> tuple[int, dt.datetime]:
    """How many reminders are due by `now` (the period number) and when the next one falls.

    The first falls `after` the step opened, each next one `every` after the one before; any that lands outside
    working time moves to the next opening. So reminders that would have fallen over a weekend or a holiday week
    are one reminder on the first working morning, not a pile, and an escalation follows reminders the approver
    could have seen.
    """
    period, due = 0, cal.next_opening(opened + after)
    while due <= now:
        period += 1
        if period >= _MAX_PERIODS:
            return int((now - opened - after) / every) + 1, now + every
        due = cal.next_opening(due + every)
    return period, due
