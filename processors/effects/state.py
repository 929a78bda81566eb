"""A record moved on by a form family (outside its approval route), or given facts the family derived.

Both go through the store's one state module (`Store.transition`, `Store.save_record`), inside the pass's
transaction, and mark the row for a rewrite, so the sheet shows the change on the next sync.
"""

from __future__ import annotations

from ..store.db import Record
from ..workspace import Workspace


def set_state(ws: Workspace, record: Record, state: str, reason: str, actor: str = "system") -> None:
    """Move a record on outside its approval route; its row shows the new status on the next sync."""
    if record.state == state:
        return
    ws.store.transition(record, state, actor=actor, reason=reason, at=ws.clock.now().isoformat(timespec="seconds"),
                        dirty=True)


def save_data(ws: Workspace, record: Record, **values: str) -> None:
    """Derived facts (a received-on date, a payment due) join the record's data, as text like the rest."""
    ws.store.save_record(record, at=ws.clock.now().isoformat(timespec="seconds"), dirty=True,
                         data={**record.data, **values})
