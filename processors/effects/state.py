"""A record moved on by a form family (outside its approval route), or given facts the family derived.

Both run inside the pass's store transaction and mark the row for a rewrite, so
the sheet shows the change on the next sync. The lead's one state module will
take these over; until then this is the one place families change a record.
"""

from __future__ import annotations

import json

from ..store.db import Record
from ..workspace import Workspace


def set_state(ws: Workspace, record: Record, state: str, reason: str, actor: str = "system") -> None:
    """Move a record on outside its approval route; its row shows the new status on the next sync."""
    if record.state == state:
        return
    at = ws.clock.now().isoformat(timespec="seconds")
    ws.store.add_transition(record.id, at=at, from_state=record.state or None, to_state=state, actor=actor,
                            reason=reason)
    ws.store.conn.execute("UPDATE records SET state = ?, updated_at = ?, sheet_dirty = 1 WHERE id = ?",
                          (state, at, record.id))
    record.state, record.updated_at = state, at


def save_data(ws: Workspace, record: Record, **values: str) -> None:
    """Derived facts (a received-on date, a payment due) join the record's data, as text like the rest."""
    record.data = {**record.data, **values}
    ws.store.conn.execute("UPDATE records SET data = ?, updated_at = ?, sheet_dirty = 1 WHERE id = ?",
                          (json.dumps(record.data, ensure_ascii=False),
                           ws.clock.now().isoformat(timespec="seconds"), record.id))
