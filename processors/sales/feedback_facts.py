"""What a feedback row means in time and people: when it came in, who owns it, its deadline, how long it took.

Kept apart from the kind so the summary reads the same facts the rows show. Moments are stored as ISO text with
the workspace's offset; a typed "2026-12-03 10:07" is local time, a time alone ("10:07") the day sheetflow read it.
The deadline is counted in working hours (processors/workcal.py), so a feedback that comes in on Friday evening
is not overdue on Monday morning.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..config import Person
from ..workspace import Workspace

ORDER_FORMS = ("customer_order", "sales_contract")
EMAIL_FIELDS = ("email", "customer_email", "contact_email")   # where an order or contract keeps its customer's


def moment(ws: Workspace, value: object) -> dt.datetime | None:
    """A typed or stored moment as an aware datetime in the workspace zone; None when blank or unreadable."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        found = value
    elif isinstance(value, dt.time):
        found = dt.datetime.combine(ws.clock.today(), value)
    else:
        text = str(value).strip()
        try:
            found = dt.datetime.fromisoformat(text)
        except ValueError:
            try:
                found = dt.datetime.combine(ws.clock.today(), dt.time.fromisoformat(text))
            except ValueError:
                return None
    return found.replace(tzinfo=ws.cfg.tz) if found.tzinfo is None else found.astimezone(ws.cfg.tz)


def stamp(when: dt.datetime) -> str:
    return when.isoformat(timespec="seconds")


def shown(when: dt.datetime | None) -> str:
    """How a moment reads in a row or a mail: to the minute, local time."""
    return when.strftime("%Y-%m-%d %H:%M") if when else ""


def target_hours(ws: Workspace, kind: str) -> int:
    settings = ws.cfg.feedback
    return int(settings.kind_hours.get(kind, settings.target_hours))


def resolver_role(ws: Workspace, kind: str) -> str:
    settings = ws.cfg.feedback
    return settings.resolvers.get(kind, settings.default_resolver)


def deadline(ws: Workspace, received: dt.datetime, kind: str) -> dt.datetime:
    return ws.calendar.add_working_time(received, dt.timedelta(hours=target_hours(ws, kind)))


def hours(delta: dt.timedelta) -> float:
    return round(delta.total_seconds() / 3600, 1)


def working_hours(ws: Workspace, start: dt.datetime, end: dt.datetime) -> float:
    return hours(ws.calendar.working_time_between(start, end))


@dataclass(frozen=True)
class Owner:
    person: Person | None
    role: str                   # the resolver role it came from ("" when a person was named)
    problem: str = ""           # a locale key when nobody can own it


def owner_of(ws: Workspace, named: str, kind: str) -> Owner:
    """The person named in the row (who must hold some role), else the first holder of the kind's resolver role."""
    if named:
        person = ws.cfg.find_person(named)
        if person is None:
            return Owner(None, "", "feedback.owner_unknown")
        if not person.roles:
            return Owner(None, "", "feedback.owner_no_role")
        return Owner(person, "")
    role = resolver_role(ws, kind)
    holders = ws.cfg.people_with_role(role)
    if not holders:
        return Owner(None, role, "feedback.no_resolver")
    return Owner(holders[0], role)


def superior_of(ws: Workspace, person_id: str) -> Person | None:
    person = ws.cfg.person(person_id)
    return ws.cfg.person(person.superior) if person is not None and person.superior else None


def customer_email(data: dict[str, str]) -> str:
    for name in EMAIL_FIELDS:
        if data.get(name):
            return data[name]
    return ""
