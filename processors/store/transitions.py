"""The one place a record's state changes: the history row and the new state are written together.

Every mover (the engine marking a row invalid, the approval route, a form family
moving an order on) calls `transition`, so a state never changes without a
transition that says when, who and why, and the sheet is told where it must be.
"""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING, Any

from .audit import AuditMixin, Who

if TYPE_CHECKING:
    from .db import Record

#: record columns a transition may set together with the state
_COLUMNS = ("step_opened_at", "remind_at", "notice", "message", "content_hash", "row_hint", "route_version")


class TransitionsMixin(AuditMixin):
    conn: sqlite3.Connection

    def transition(self, record: Record, state: str, *, actor: str, reason: str, at: str, dirty: bool = False,
                   data: dict[str, str] | None = None, by: Who | None = None, **columns: Any) -> None:
        """Move `record` to `state` (a no-op move is still recorded when the reason says why: a put-back).

        `by`: who changed `data` for the audit trail (sheetflow itself when not given)."""
        unknown = set(columns) - set(_COLUMNS)
        assert not unknown, f"not a record column a transition sets: {unknown}"
        self.conn.execute(
            "INSERT INTO transitions (record_id, at, from_state, to_state, actor, reason) VALUES (?,?,?,?,?,?)",
            (record.id, at, record.state or None, state, actor, reason))
        sets = ["state = ?", "updated_at = ?"]
        args: list[Any] = [state, at]
        if data is not None:
            self.audit_changes(record.id, self.stored_data(record.id), data, at=at, by=by)
            sets.append("data = ?")
            args.append(json.dumps(data, ensure_ascii=False))
            record.data = data
        for name, value in columns.items():
            sets.append(f"{name} = ?")
            args.append(value)
            if hasattr(record, name):
                setattr(record, name, value)
        if dirty:
            sets.append("sheet_dirty = 1")
        self.conn.execute(f"UPDATE records SET {', '.join(sets)} WHERE id = ?", (*args, record.id))
        record.state, record.updated_at = state, at

    def note_history(self, record: Record, *, actor: str, reason: str, at: str) -> None:
        """Something happened to a record that does not change its state (an edit put back): kept in history."""
        self.conn.execute(
            "INSERT INTO transitions (record_id, at, from_state, to_state, actor, reason) VALUES (?,?,?,?,?,?)",
            (record.id, at, record.state or None, record.state, actor, reason))

    def save_record(self, record: Record, *, at: str, dirty: bool = False, by: Who | None = None,
                    changed_at: str | None = None, **columns: Any) -> None:
        """Facts of a record that are not its state (its data, its row, its content) change here; a change of
        its data is kept in the audit trail as made `by` (sheetflow itself when not given) at `changed_at`
        (a remark keeps the record's `at`, but the trail says when it was really changed)."""
        sets, args = ["updated_at = ?"], [at]
        for name, value in columns.items():
            if name == "data":
                self.audit_changes(record.id, self.stored_data(record.id), value, at=changed_at or at, by=by)
                value = json.dumps(value, ensure_ascii=False)
            elif name not in _COLUMNS:
                raise AssertionError(f"not a record column: {name}")
            sets.append(f"{name} = ?")
            args.append(value)
            setattr(record, name, json.loads(value) if name == "data" else value)
        if dirty:
            sets.append("sheet_dirty = 1")
        self.conn.execute(f"UPDATE records SET {', '.join(sets)} WHERE id = ?", (*args, record.id))
        record.updated_at = at

    def mark_sheet_dirty(self, record_id: int) -> None:
        """News for a record's row from outside its sheet (a payment applied to a lease): rewrite it next pass."""
        self.conn.execute("UPDATE records SET sheet_dirty = 1 WHERE id = ?", (record_id,))
