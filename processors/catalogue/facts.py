"""What the catalogue's kinds share: moments and prices as text, the SKU a request names, who publishes.

Prices are Decimal yuan to the fen, written into cells as text ("128.00"), the way every cell sheetflow writes
is text. Moments are stored ISO with seconds in the workspace's time zone.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from ..config import Person
from ..effects import set_state
from ..i18n import Translator
from ..store.db import Record
from ..workspace import Workspace

FORM = "catalogue"
ON_SALE, OFF_SALE, OUT_OF_STOCK, NOT_LISTED = "listed", "delisted", "delisted_auto", "unlisted"
ITEM_STATES = (NOT_LISTED, ON_SALE, OUT_OF_STOCK, OFF_SALE)
FEN = Decimal("0.01")


def price_text(value: object) -> str:
    """A price as the 现价 cell and the history show it: "128.00"; "" for nothing readable."""
    if value is None or value == "":
        return ""
    try:
        return str(Decimal(str(value).replace(",", "").replace("¥", "").strip()).quantize(FEN))
    except (InvalidOperation, ValueError):
        return str(value)


def yuan(value: object) -> str:
    text = price_text(value)
    return f"¥{text}" if text else "—"


def moment(ws: Workspace, text: object) -> dt.datetime | None:
    """A stored or typed moment, aware in the workspace's zone."""
    if isinstance(text, dt.datetime):
        value = text
    else:
        try:
            value = dt.datetime.fromisoformat(str(text)) if text else None
        except ValueError:
            return None
    if value is None:
        return None
    return value.replace(tzinfo=ws.cfg.tz) if value.tzinfo is None else value


def stamp(when: dt.datetime) -> str:
    return when.isoformat(timespec="seconds")


def shown(when: dt.datetime | None) -> str:
    return when.strftime("%Y-%m-%d %H:%M") if when else ""


def day_of(text: object) -> dt.date | None:
    if isinstance(text, dt.datetime):
        return text.date()
    if isinstance(text, dt.date):
        return text
    try:
        return dt.date.fromisoformat(str(text)[:10]) if text else None
    except ValueError:
        return None


def joined(t: Translator, *parts: str) -> str:
    """Sentences of a row's message: run together in Chinese (each ends in 。), a space between in English."""
    return ("" if t.language == "zh" else " ").join(p for p in parts if p)


def normal_sku(value: object) -> str:
    return str(value or "").strip().upper()


def item_record(ws: Workspace, sku: str) -> Record | None:
    """The catalogue record of an SKU on file (None when the catalogue has no valid row for it)."""
    row = ws.store.catalogue_item(sku=sku)
    if row is None:
        return None
    record = ws.store.record(row["key"])
    return record if record is not None and record.form == FORM and record.state in ITEM_STATES else None


def move(ws: Workspace, item: Record, state: str, reason: str, actor: str = "system") -> None:
    """An SKU's listing changes: the row's status, and the store's note of it (which an invalid row, once put
    right, returns to, instead of starting again as 未上架)."""
    ws.store.set_catalogue_item(item.key, listing=state)
    set_state(ws, item, state, reason, actor=actor)


def publishers(ws: Workspace, record: Record) -> list[Person]:
    """Who publishes an approved change: its proposer when they hold the publisher role, else every holder."""
    role = ws.cfg.catalogue.publisher_role
    proposer = ws.cfg.find_person(record.data.get("applicant", ""))
    if proposer is not None and role in proposer.roles:
        return [proposer]
    return ws.cfg.people_with_role(role) or ([proposer] if proposer else [])


def heads_of(ws: Workspace, people: list[Person]) -> list[Person]:
    """Who is told of a late publication: the escalation role in the publishers' department, else their superior."""
    role = ws.cfg.catalogue.escalate_role
    depts = {p.department for p in people}
    heads = [p for p in ws.cfg.people_with_role(role) if p.department in depts and p not in people]
    if heads:
        return heads
    bosses = [ws.cfg.person(p.superior) for p in people]
    return [b for b in bosses if b is not None]
