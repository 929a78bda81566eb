"""P4: an approved change is published within [catalogue] publish_hours clock hours of its approval.

Real hours, not working hours: a shop is open at weekends. The deadline is fixed at approval and kept with the
change; the row shows the hours left (rewritten as the whole hours go down), the person responsible is mailed
`remind_before_hours` before it and, once it passes unpublished, mailed again with the department head. A
publication is confirmed in the row (发布时间 + 发布人) and recorded as in time or late; each mail goes once.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING

from ..effects import save_data, send
from ..store.db import Record
from .facts import heads_of, joined, moment, publishers, shown, stamp

if TYPE_CHECKING:
    from .changes import ChangeKind

SLACK = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)


def start(kind: ChangeKind, record: Record) -> None:
    """Approved now: the deadline runs from this moment."""
    now = kind.ws.clock.now()
    due = now + dt.timedelta(hours=kind.ws.cfg.catalogue.publish_hours)
    save_data(kind.ws, record, approved_at=stamp(now), publish_by=stamp(due), left_shown=str(hours_left(now, due)))


def hours_left(now: dt.datetime, due: dt.datetime) -> int:
    return max(0, math.ceil((due - now) / HOUR))


def waiting(record: Record) -> bool:
    return bool(record.data.get("publish_by")) and not record.data.get("published")


def confirm(kind: ChangeKind, record: Record, after: dict[str, str]) -> list[str]:
    """发布时间 / 发布人 typed: the publication, once both are there and make sense. What is wrong is kept with
    the record (the row says it until it is put right, however often the row is rewritten meanwhile)."""
    why = _refusal(kind, record, after)
    if why is None:
        return []
    if why != record.data.get("publish_note", ""):
        save_data(kind.ws, record, publish_note=why)
    return []


def _refusal(kind: ChangeKind, record: Record, after: dict[str, str]) -> str | None:
    """Why the typed publication is not taken ('' when nothing is typed); None once it is recorded."""
    at, by = after.get("published_at", ""), after.get("published_by", "")
    t = kind.t
    if not at and not by:
        return ""
    if not record.data.get("publish_by"):
        return t("catalogue.publish_not_approved")
    if not at or not by:
        missing = "published_at" if not at else "published_by"
        return t("catalogue.publish_incomplete", label=t.pick(kind.form.field(missing).label))
    person = kind.ws.cfg.find_person(by)
    when = moment(kind.ws, at)
    approved = moment(kind.ws, record.data.get("approved_at"))
    if person is None:
        return t("catalogue.publish_unknown_person", name=by)
    if when is None:
        return t("catalogue.publish_bad_time", value=at)
    if when > kind.ws.clock.now() + SLACK:
        return t("catalogue.publish_future", at=shown(when))
    if approved is not None and when < approved - SLACK:
        return t("catalogue.publish_before_approval", at=shown(when), approved=shown(approved))
    due = moment(kind.ws, record.data.get("publish_by"))
    late = due is not None and when > due
    save_data(kind.ws, record, published=stamp(when), published_person=person.name,
              published_late="1" if late else "", publish_note="")
    kind.store.note_history(record, actor=person.name, at=stamp(kind.ws.clock.now()),
                            reason=t("catalogue.h_published_late" if late else "catalogue.h_published",
                                     at=shown(when)))
    return None


def timers(kind: ChangeKind, records: list[Record]) -> None:
    """Remind before the deadline, tell the head after it, and keep the hours the row shows current."""
    ws, now = kind.ws, kind.ws.clock.now()
    before = dt.timedelta(hours=ws.cfg.catalogue.remind_before_hours)
    for record in records:
        due = moment(ws, record.data.get("publish_by"))
        if due is None or not waiting(record):
            continue
        people = publishers(ws, record)
        ctx = context(kind, record, due)
        if now >= due and not record.data.get("late_at"):
            heads = heads_of(ws, people)
            save_data(ws, record, late_at=stamp(now), told=("、".join(p.name for p in heads)), left_shown="0")
            send(ws, f"{record.key}:publish_late", "catalogue_publish_late", [*people, *heads], record, **ctx,
                 heads=[p.name for p in heads])
            kind.store.note_history(record, actor="system", at=stamp(now),
                                    reason=kind.t("catalogue.h_late", due=shown(due)))
            continue
        if before and now >= due - before and not record.data.get("reminded"):
            save_data(ws, record, reminded=stamp(now))
            send(ws, f"{record.key}:publish_remind", "catalogue_publish_reminder", people, record, **ctx)
        left = str(hours_left(now, due))
        if now < due and left != record.data.get("left_shown"):
            save_data(ws, record, left_shown=left)


def next_due(kind: ChangeKind, records: list[Record]) -> dt.datetime | None:
    """The next reminder, deadline or change of the hours shown, of every change waiting to be published."""
    ws, now = kind.ws, kind.ws.clock.now()
    before = dt.timedelta(hours=ws.cfg.catalogue.remind_before_hours)
    moments: list[dt.datetime] = []
    for record in records:
        due = moment(ws, record.data.get("publish_by"))
        if due is None or not waiting(record) or record.data.get("late_at"):
            continue
        left = hours_left(now, due)
        moments.append(due - (left - 1) * HOUR if left > 1 else due)
        if before and not record.data.get("reminded") and due - before > now:
            moments.append(due - before)
    return min(moments, default=None)


def context(kind: ChangeKind, record: Record, due: dt.datetime) -> dict[str, object]:
    d = record.data
    return {"change_no": record.key, "title": kind.t.pick(kind.form.title), "sku": d.get("sku", ""),
            "what": kind.summary(record), "approved": shown(moment(kind.ws, d.get("approved_at"))),
            "deadline": shown(due), "hours": kind.ws.cfg.catalogue.publish_hours,
            "file": record.file.rpartition("/")[2], "row": record.row_hint or 0,
            "names": "、".join(p.name for p in publishers(kind.ws, record))}


def text(kind: ChangeKind, record: Record) -> str:
    """The row's word on publication: the hours left, late, or when and by whom it was published."""
    d, t, ws = record.data, kind.t, kind.ws
    due = moment(ws, d.get("publish_by"))
    if due is None:
        return ""
    note = d.get("publish_note", "") if not d.get("published") else ""
    return joined(t, note, _state(kind, record, due))


def _state(kind: ChangeKind, record: Record, due: dt.datetime) -> str:
    d, t, ws = record.data, kind.t, kind.ws
    if d.get("published"):
        when = moment(ws, d["published"])
        approved = moment(ws, d.get("approved_at")) or due
        took = (when - approved) / HOUR if when else 0
        return t("catalogue.g_published_late" if d.get("published_late") else "catalogue.g_published",
                 at=shown(when), by=d.get("published_person", ""), took=f"{took:.0f}")
    if d.get("late_at"):
        return t("catalogue.g_publish_late", due=shown(due), told=d.get("told", "") or "—")
    return t("catalogue.g_publish_left", due=shown(due), left=hours_left(ws.clock.now(), due))
