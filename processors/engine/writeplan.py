"""Which owed cell writes still apply to a sheet as it is now: backend-neutral, and writing only.

A pending write names its row by key (or, before the key stands in the sheet, by
the row's exact content and occurrence), never by position; resolving it against
the latest snapshot is what keeps an inserted or sorted row from getting another
row's status. Both backends run this, then put the cells in place their own way.
Every decision (numbers included) was taken and committed before: a write that
fails or is refused changes nothing but the sheet.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..fingerprint import fingerprint
from ..forms.definition import FormDef
from ..sheets.base import SheetRow, Snapshot
from ..store.db import PendingWrite, Store
from .rows import cell_text, row_fingerprint, row_names


@dataclass
class WritePlan:
    """The resolved writes for one sheet: cells by (row, column), plus what to record once they landed."""

    form: FormDef
    file: str
    snap: Snapshot
    resolved: list[tuple[PendingWrite, SheetRow]] = field(default_factory=list)
    stale: list[int] = field(default_factory=list)
    cells: dict[tuple[int, int], str | None] = field(default_factory=dict)
    numbered: list[tuple[int, str]] = field(default_factory=list)
    new_values: list[tuple[SheetRow, dict[str, str]]] = field(default_factory=list)


def _index(snap: Snapshot) -> tuple[dict[str, list[SheetRow]], dict[str, list[SheetRow]], dict[int, str]]:
    names = row_names(snap)
    fps: list[str] = snap.extra.get("fps") or [fingerprint(r.values, names) for r in snap.rows]  # type: ignore[assignment]
    snap.extra["fps"] = fps
    by_key: dict[str, list[SheetRow]] = {}
    by_fp: dict[str, list[SheetRow]] = {}
    fp_of: dict[int, str] = {}
    for row, fp in zip(snap.rows, fps, strict=True):
        fp_of[row.number] = fp
        key = cell_text(row.values.get("key"))
        if key:
            by_key.setdefault(key, []).append(row)
        by_fp.setdefault(fp, []).append(row)
    return by_key, by_fp, fp_of


def _resolve(pw: PendingWrite, by_key: dict[str, list[SheetRow]], by_fp: dict[str, list[SheetRow]],
             fp_of: dict[int, str]) -> SheetRow | None:
    kind, _, rest = pw.target.partition(":")
    if kind == "key":
        # the row with this key that still reads as decided (a copy of it may stand elsewhere, about to be renumbered)
        matches = [r for r in by_key.get(rest, []) if fp_of[r.number] == pw.expected.get("fp")]
        return matches[0] if len(matches) == 1 else None
    fp, _, occ = rest.rpartition(":")
    rows = by_fp.get(fp, [])
    n = int(occ or 0)
    return rows[n] if n < len(rows) else None


def resolve(form: FormDef, file: str, snap: Snapshot, pending: list[PendingWrite]) -> WritePlan:
    """Match each owed write to the row it was decided for, and lay out its cells; a row that moved on
    makes the write stale (that row is decided afresh on the next pass)."""
    plan = WritePlan(form=form, file=file, snap=snap)
    by_key, by_fp, fp_of = _index(snap)
    snap.extra["fp_of"] = fp_of
    for pw in pending:
        row = _resolve(pw, by_key, by_fp, fp_of)
        if row is None:
            plan.stale.append(pw.id)
        else:
            plan.resolved.append((pw, row))
    plan.resolved.sort(key=lambda item: item[1].number)
    for pw, row in plan.resolved:
        values = dict(pw.cells)
        if pw.new_record:
            plan.numbered.append((row.number, str(pw.new_record.get("key", ""))))
        for role, value in values.items():
            col = snap.columns.get(role)
            if col is not None:
                plan.cells[(row.number, col)] = value or None
        plan.new_values.append((row, values))
    return plan


def landed(store: Store, plan: WritePlan) -> None:
    """The cells are in the sheet: forget the owed writes, remember the rows as they now read, and let the
    mails of records whose number now stands in the sheet go."""
    snap = plan.snap
    fp_of: dict[int, str] = snap.extra["fp_of"]  # type: ignore[assignment]
    store.drop_pending([pw.id for pw, _ in plan.resolved])
    for row, values in plan.new_values:
        after = dict(row.values)
        after.update({role: v for role, v in values.items() if role in snap.columns})
        store.refresh_view_row(plan.file, fp_of[row.number], row_fingerprint(snap, SheetRow(row.number, after)),
                               values.get("key") or cell_text(row.values.get("key")))
    store.mark_landed(key for _, key in plan.numbered if key)
