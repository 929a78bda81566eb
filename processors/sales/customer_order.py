"""The customer order (C1, C2): accepted and binding once valid, confirmed with the customer within working minutes.

C1: an accepted order is confirmed with the customer within `[sales] confirm_minutes`
working minutes (processors/workcal.py: outside working hours the clock starts at
the next opening). The person on duty is mailed the moment it is accepted, the
commerce head when the minutes pass without a logged confirmation; `next_due`
tells `watch` the moment, so the escalation goes out within seconds of it, not
at the next tick. C2: once accepted nothing in the order changes (the engine puts
an edit back); a change is an amendment row (SO-…-1), numbered and checked by the
same machinery as purchase orders (kinds.check_amends / amendment_key), which
keeps the original, says what differs and is confirmed with the customer again.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING

from ..config import Person
from ..effects import save_data, send, set_state
from ..forms.fields import Problem
from ..forms.validate import RowResult
from ..kinds import Kind, amendment_key, check_amends, differences
from ..money import format_figures
from ..store.db import Record
from .items import items_json, parse_sale_items, stored_items, total_of

if TYPE_CHECKING:
    from ..i18n import Translator
    from ..workspace import Workspace

WAITING = ("awaiting_confirmation", "escalated")
BINDING = ("accepted", *WAITING, "confirmed", "confirmed_late", "superseded")
CONFIRM_FIELDS = ("confirmed_at", "confirmed_how", "confirmed_by")


def moment(text: str | None) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def on_duty(ws: Workspace, role: str) -> list[Person]:
    """Who holds the role today; an absent holder's deputy stands in (the order desk is never unmanned)."""
    cfg, today = ws.cfg, ws.clock.today()
    out: list[Person] = []
    for person in cfg.people_with_role(role):
        stand_in = cfg.person(person.deputy) if person.is_absent(today) else None
        chosen = stand_in if stand_in is not None and not stand_in.is_absent(today) else person
        if chosen not in out:
            out.append(chosen)
    return out


class CustomerOrderKind(Kind):
    def check(self, result: RowResult, key: str, row: int) -> str:
        v = result.values
        own = self.store.record(key) if key else None
        if own is not None and own.form == self.form.id and own.state in BINDING:
            return ""   # binding: the engine puts an edit back; the confirmation columns are tracking
        items, bad = parse_sale_items(str(v.get("items") or ""))
        for b in bad:
            result.problems.append(Problem("items", f"sales.item_line_{b.why}", {"line": b.line, "text": b.text}))
        if v.get("items") and not items and not bad:
            result.problems.append(Problem("items", "sales.items_none", {}))
        v["item_list"], v["total"] = items_json(items), str(total_of(items))
        delivery = v.get("delivery_date")
        if isinstance(delivery, dt.date):
            if delivery < self.ws.clock.today():   # a new order cannot be delivered yesterday: a typo
                result.problems.append(Problem("delivery_date", "sales.delivery_past", {"day": delivery.isoformat()}))
            v["delivery_due"] = self.ws.calendar.next_working_day(delivery).isoformat()
        original = check_amends(self, result, key, BINDING, "sales.amends_unknown")
        if original is not None:
            changed = differences(self, original.data, {n: _text(x) for n, x in v.items()})
            if not changed:
                result.problems.append(Problem("amends", "sales.amends_same", {"order": original.key}))
            v["differs"] = json.dumps(changed, ensure_ascii=False)
        return ""

    def key_for(self, data: dict[str, str]) -> tuple[str, str, int] | None:
        return amendment_key(self, data)

    def immutable(self, record: Record) -> bool:
        return record.state in BINDING

    # -- accepted: the clock starts ---------------------------------------------------------------
    def on_approved(self, record: Record) -> None:
        ws, minutes = self.ws, self.ws.cfg.sales.confirm_minutes
        now = ws.clock.now()
        opens = ws.calendar.next_opening(now)
        due = ws.calendar.add_working_time(now, dt.timedelta(minutes=minutes))
        save_data(ws, record, accepted_at=now.isoformat(timespec="seconds"),
                  clock_from=opens.isoformat(timespec="seconds"), confirm_by=due.isoformat(timespec="seconds"))
        original = self.store.record(record.data.get("amends", "")) if record.data.get("amends") else None
        if original is not None and original.state != "superseded":
            set_state(ws, original, "superseded", self.t("sales.t_superseded", key=record.key))
        fresh = self.store.record(record.key) or record
        set_state(ws, fresh, "awaiting_confirmation", self.t("sales.t_awaiting", due=_hm(due)))
        send(ws, f"{record.key}:duty", "customer_order_duty", on_duty(ws, ws.cfg.sales.on_duty_role), fresh,
             **self._mail_ctx(fresh), minutes=minutes, due=_hm(due), later=opens > now)

    def _mail_ctx(self, record: Record) -> dict[str, object]:
        d = record.data
        return {"order_no": record.key, "customer": d.get("customer", ""), "contact": d.get("contact", ""),
                "phone": d.get("phone", ""), "channel": d.get("channel", ""), "items": stored_items(d),
                "total": format_figures(d.get("total") or "0"), "delivery": d.get("delivery_date", ""),
                "place": d.get("delivery_place", ""), "amends": d.get("amends", ""),
                "differs": [list(x) for x in _differs(d)], "company": self.ws.cfg.letterhead_for("sales").name}

    # -- the confirmation, logged in the row ------------------------------------------------------
    def on_tracking(self, record: Record, before: dict[str, str], after: dict[str, str]) -> list[str]:
        if record.state not in WAITING:
            return []
        filled = [n for n in CONFIRM_FIELDS if after.get(n)]
        if not filled:
            return []
        if len(filled) < len(CONFIRM_FIELDS):
            missing = [self.t.pick(self.form.field(n).label) for n in CONFIRM_FIELDS if n not in filled]
            return [self.t("sales.confirm_incomplete", fields="、".join(missing))]
        person = self.ws.cfg.find_person(after["confirmed_by"])
        if person is None:
            return [self.t("sales.confirm_unknown_person", name=after["confirmed_by"])]
        opened = moment(record.data.get("clock_from")) or self.ws.clock.now()
        when = _when(after["confirmed_at"], opened, self.ws.cfg.tz)
        if when is None:
            return [self.t("sales.confirm_bad_time", value=after["confirmed_at"])]
        if when > self.ws.clock.now() + dt.timedelta(minutes=1):
            return [self.t("sales.confirm_future", at=_hm(when))]
        due = moment(record.data.get("confirm_by")) or opened
        taken = self.ws.calendar.working_time_between(opened, when)
        late = when > due
        save_data(self.ws, record, confirmed_moment=when.isoformat(timespec="seconds"), confirmed_person=person.name,
                  confirm_taken=str(int(taken.total_seconds() // 60)))
        fresh = self.store.record(record.key) or record
        state = "confirmed_late" if late else "confirmed"
        set_state(self.ws, fresh, state, self.t(f"sales.t_{state}", at=_hm(when), by=person.name),
                  actor=person.name)
        return []

    # -- the clock ---------------------------------------------------------------------------------
    def timers(self) -> None:
        now = self.ws.clock.now()
        for order in self.store.records_in(self.form.id, ("awaiting_confirmation",)):
            due = moment(order.data.get("confirm_by"))
            if due is None or now < due:
                continue
            save_data(self.ws, order, escalated_at=now.isoformat(timespec="seconds"))
            fresh = self.store.record(order.key) or order
            heads = on_duty(self.ws, self.ws.cfg.sales.escalate_role)
            set_state(self.ws, fresh, "escalated", self.t("sales.t_escalated", due=_hm(due),
                                                          head="、".join(p.name for p in heads)))
            send(self.ws, f"{order.key}:escalate", "customer_order_escalation", heads, fresh,
                 **self._mail_ctx(fresh), minutes=self.ws.cfg.sales.confirm_minutes, due=_hm(due),
                 accepted=_hm(moment(order.data.get("accepted_at")) or due),
                 on_duty=[p.name for p in on_duty(self.ws, self.ws.cfg.sales.on_duty_role)])

    def next_due(self) -> dt.datetime | None:
        waiting = self.store.records_in(self.form.id, ("awaiting_confirmation",))
        dues = [moment(o.data.get("confirm_by")) for o in waiting]
        return min((d for d in dues if d is not None), default=None)

    # -- what the row says -------------------------------------------------------------------------
    def guidance(self, record: Record) -> str | None:
        d, t = record.data, self.t
        differs = _differs_text(t, d)
        if record.state == "awaiting_confirmation":
            return t("sales.g_awaiting", due=_hm(moment(d.get("confirm_by"))),
                     minutes=self.ws.cfg.sales.confirm_minutes) + differs
        if record.state == "escalated":
            return t("sales.g_escalated", due=_hm(moment(d.get("confirm_by"))),
                     at=_hm(moment(d.get("escalated_at")))) + differs
        if record.state in ("confirmed", "confirmed_late"):
            when, due = moment(d.get("confirmed_moment")), moment(d.get("confirm_by"))
            late = int(self.ws.calendar.working_time_between(due, when).total_seconds() // 60) if due and when else 0
            how = self.form.field("confirmed_how")
            labels = {c.value: t.pick(c.labels) for c in how.choices} if how else {}
            return t(f"sales.g_{record.state}", at=_hm(when), how=labels.get(d.get("confirmed_how", ""), ""),
                     by=d.get("confirmed_person", ""), minutes=d.get("confirm_taken", ""), late=late) + differs
        if record.state == "superseded":
            later = [r.key for r in self.store.records_naming(self.form.id, "amends", record.key)]
            return t("sales.g_superseded", key=later[-1] if later else "")
        return None


def _text(value: object) -> str:
    if isinstance(value, Person):
        return value.name
    return "" if value is None else str(value)


def _hm(when: dt.datetime | None) -> str:
    return when.strftime("%Y-%m-%d %H:%M") if when else ""


def _when(text: str, opened: dt.datetime, tz: dt.tzinfo) -> dt.datetime | None:
    """A logged confirmation time: a full moment, or a time alone on the day the clock ran from."""
    value = moment(text)
    if value is not None:
        return value.replace(tzinfo=tz) if value.tzinfo is None else value
    try:
        clock = dt.time.fromisoformat(text)
    except ValueError:
        return None
    return dt.datetime.combine(opened.astimezone(tz).date(), clock, tz)


def _differs(data: dict[str, str]) -> list[tuple[str, str, str]]:
    try:
        return [tuple(x) for x in json.loads(data.get("differs") or "[]")]  # type: ignore[misc]
    except ValueError:
        return []


def _differs_text(t: Translator, data: dict[str, str]) -> str:
    changes = _differs(data)
    if not changes:
        return ""
    parts = "；".join(f"{label}：{was or '—'} → {now or '—'}" for label, was, now in changes)
    return " " + t("sales.differs", amends=data.get("amends", ""), changes=parts)
