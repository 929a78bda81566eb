"""Time-driven work: remind approvers of steps left waiting, then tell their superiors.

Run on every pass (a watcher's tick, a cron `run`). Each reminder is keyed by its
period number, so it goes out once per period however many passes run in it.
"""

from __future__ import annotations

import datetime as dt
import logging

from ..workspace import Workspace
from .notify import queue, summary
from .route import AWAITING, Route

log = logging.getLogger("sheetflow")


def run_timers(ws: Workspace) -> int:
    """Queue the reminders and escalations now due; return how many mails were queued."""
    settings = ws.cfg.approvals
    now = ws.clock.now()
    queued = 0
    due = ws.store.conn.execute(  # indexed: an idle pass costs one lookup, not a scan of every open record
        "SELECT key, form FROM records WHERE remind_at != '' AND remind_at <= ? ORDER BY remind_at",
        (now.astimezone(dt.UTC).isoformat(timespec="seconds"),)).fetchall()
    for key, form_id in due:
        form = ws.forms.get(form_id)
        record = ws.store.record(key)
        if form is None or not form.route or record is None or not record.state.startswith(AWAITING):
            continue
        route = Route(ws, form)
        opened = dt.datetime.fromisoformat(record.step_opened_at)
        after = dt.timedelta(hours=settings.remind_after_hours)
        every = dt.timedelta(hours=settings.remind_every_hours)
        period = int((now - opened - after) / every) + 1
        step = form.step(record.state[len(AWAITING):])
        since = record.step_opened_at[:16].replace("T", " ")
        with ws.store.transaction():
            for signer, behalf in route.approvers(step, record.data, now.date()):
                queued += route.send_code(record, step, signer, behalf, event=f"remind{period}",
                                          template="reminder", reminder_number=period, waiting_since=since)
                if period < settings.escalate_after_reminders:
                    continue
                boss = ws.cfg.person(signer.superior)
                if boss is None:
                    continue
                queued += int(queue(
                    ws, f"{record.key}:escalate{period}:{step.name}:v{record.route_version}:{signer.id}",
                    "escalation", boss, record, superior_name=boss.name, approver_name=signer.name,
                    step_label=ws.t.pick(step.label), record_key=record.key, summary=summary(ws, form, record),
                    waiting_since=since, reminders=period, form_title=ws.t.pick(form.title)))
            following = (opened + after + period * every).astimezone(dt.UTC).isoformat(timespec="seconds")
            ws.store.conn.execute("UPDATE records SET remind_at = ? WHERE id = ?", (following, record.id))
    if queued:
        log.info(ws.t("log.reminders", count=queued))
    return queued
