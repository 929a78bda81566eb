"""The cell-level audit trail (issue 16, A3): one row per user-visible field of a record that changed.

A mixin of `Store`: `insert_record`, `update_record`, `transition(data=…)` and
`save_record(data=…)` call `audit_changes` in their own statement's
transaction, so no path changes a record's data without its trail, and a row
rolled back (a fault in its savepoint) leaves none. Internal keys (`_cells`,
the signed cells kept as text) are not what a user sees and are skipped.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

#: where "who" comes from: Drive's lastModifyingUser, the .xlsx's cp:lastModifiedBy (anyone can set it), the
#: person the row names, sheetflow itself, nobody known
SOURCES = ("google", "declared", "row", "sheetflow", "unknown")


@dataclass(frozen=True)
class Who:
    """Who made a change, and how sure we are: a name is only as good as its source."""

    name: str
    source: str

    def __post_init__(self) -> None:
        assert self.source in SOURCES, self.source


SYSTEM = Who("sheetflow", "sheetflow")


@dataclass(frozen=True)
class Change:
    key: str
    form: str
    field: str
    old: str | None
    new: str | None
    at: str
    who: str
    source: str
    after: int = 0       # the transition written just before it (history merges the two tables by it)


def visible(data: dict[str, Any] | None) -> dict[str, str]:
    """The values a user sees in the row, as text: internal keys left out, except that a signed cell is taken
    as the row showed it (`_cells`: 常规, not the choice's value `standard`; 28.5, as typed)."""
    if not data:
        return {}
    out = {k: v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
           for k, v in data.items() if not k.startswith("_")}
    try:
        cells = json.loads(data.get("_cells") or "{}")
    except (TypeError, ValueError):
        cells = {}
    if isinstance(cells, dict):
        out.update({k: str(v) for k, v in cells.items()})
    return out


def changed_fields(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[tuple[str, str | None,
                                                                                              str | None]]:
    """(field, old, new) for every visible field whose text differs; a new record's blank fields are no change."""
    old, new = visible(before), visible(after)
    out = []
    for name in [*new, *(k for k in old if k not in new)]:
        a, b = old.get(name), new.get(name)
        if (a or "") != (b or ""):
            out.append((name, a, b))
    return out


class AuditMixin:
    conn: sqlite3.Connection

    def audit_changes(self, record_id: int, before: dict[str, Any] | None, after: dict[str, Any] | None, *,
                      at: str, by: Who | None) -> int:
        """Record each visible field that differs; returns how many rows it wrote."""
        rows = changed_fields(before, after)
        if rows:
            who = by or SYSTEM
            self.conn.executemany(
                "INSERT INTO audit (record_id, field, old, new, at, who, source, after_transition) "
                "VALUES (?,?,?,?,?,?,?,(SELECT coalesce(max(id), 0) FROM transitions))",
                [(record_id, f, a, b, at, who.name, who.source) for f, a, b in rows])
        return len(rows)

    def stored_data(self, record_id: int) -> dict[str, Any]:
        """The data as the store holds it now (an in-memory Record may have been changed by its caller)."""
        row = self.conn.execute("SELECT data FROM records WHERE id = ?", (record_id,)).fetchone()
        return json.loads(row[0]) if row else {}

    def audit_of(self, key: str) -> list[Change]:
        """One record's field changes, oldest first (the (record_id, id) index: one record costs its rows only)."""
        return [_change(r) for r in self.conn.execute(
            "SELECT r.key, r.form, a.field, a.old, a.new, a.at, a.who, a.source, a.after_transition FROM records r "
            "JOIN audit a ON a.record_id = r.id WHERE r.key = ? ORDER BY a.id", (key,))]

    def audit_between(self, start: str, end: str) -> list[Change]:
        """Every field change with start <= at < end, in the order they were made."""
        return [_change(r) for r in self.conn.execute(
            "SELECT r.key, r.form, a.field, a.old, a.new, a.at, a.who, a.source, a.after_transition FROM audit a "
            "JOIN records r ON r.id = a.record_id WHERE a.at >= ? AND a.at < ? ORDER BY a.at, a.id", (start, end))]

    def transitions_between(self, start: str, end: str) -> list[sqlite3.Row]:
        """State changes in the period, with their record's key and form (for the audit workbook)."""
        return list(self.conn.execute(
            "SELECT r.key, r.form, t.at, t.from_state, t.to_state, t.actor, t.reason, t.id FROM transitions t "
            "JOIN records r ON r.id = t.record_id WHERE t.at >= ? AND t.at < ? ORDER BY t.at, t.id", (start, end)))


def _change(r: sqlite3.Row) -> Change:
    return Change(key=r[0], form=r[1], field=r[2], old=r[3], new=r[4], at=r[5], who=r[6], source=r[7], after=r[8])
