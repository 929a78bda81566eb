"""Which owed cell writes still apply to a sheet as it is now, and the numbers they need: backend-neutral.

A pending write names its row by key (or, before it has a key, by its exact
content and occurrence), never by position; resolving it against the latest
snapshot is what keeps an inserted or sorted row from getting another row's
status. Both backends run this, then put the cells in place their own way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .fingerprint import fingerprint
from .forms.definition import FormDef
from .kinds import kind_for
from .sheets.base import SheetRow, Snapshot
from .store.db import PendingWrite
from .sync import cell_text, format_key, row_fingerprint, row_names
from .workflow.lifecycle import Lifecycle
from .workspace import Workspace


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
        rows = by_key.get(rest, [])
        return rows[0] if len(rows) == 1 and fp_of[rows[0].number] == pw.expected.get("fp") else None
    fp, _, occ = rest.rpartition(":")
    rows = by_fp.get(fp, [])
    n = int(occ or 0)
    return rows[n] if n < len(rows) else None


def resolve(form: FormDef, file: str, snap: Snapshot, pending: list[PendingWrite]) -> WritePlan:
    """Match each owed write to the row it was decided for; a row that moved on makes the write stale."""
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
    return plan


def assign(ws: Workspace, plan: WritePlan) -> None:
    """Number new records and lay out the cells. Call inside the store transaction that commits after the write."""
    now = ws.clock.now()
    stamp = now.isoformat(timespec="seconds")
    snap = plan.snap
    for pw, row in plan.resolved:
        values = dict(pw.cells)
        if pw.new_record:
            key = _number(ws, plan.form, plan.file, row, pw, stamp, now.year)
            values["key"] = key
            plan.numbered.append((row.number, key))
        for role, value in values.items():
            col = snap.columns.get(role)
            if col is not None:
                plan.cells[(row.number, col)] = value or None
        plan.new_values.append((row, values))


def landed(ws: Workspace, plan: WritePlan) -> None:
    """The cells are in the sheet: forget the owed writes and remember the rows as they now read."""
    store, snap = ws.store, plan.snap
    fp_of: dict[int, str] = snap.extra["fp_of"]  # type: ignore[assignment]
    store.drop_pending([pw.id for pw, _ in plan.resolved])
    for row, values in plan.new_values:
        after = dict(row.values)
        after.update({role: v for role, v in values.items() if role in snap.columns})
        store.refresh_view_row(plan.file, fp_of[row.number], row_fingerprint(snap, SheetRow(row.number, after)),
                               values.get("key") or cell_text(row.values.get("key")))


def _number(ws: Workspace, form: FormDef, file: str, row: SheetRow, pw: PendingWrite, at: str, year: int) -> str:
    store = ws.store
    nr = pw.new_record or {}
    special = kind_for(ws, form).key_for(nr["data"])   # an amendment: PO-2026-0001-1
    if special is not None:
        key, series, number = special
    else:
        series = f"{form.prefix}-{year}"
        number = store.next_number(series)
        key = format_key(form, series, number)
    store.take_number(series, number)
    store.insert_record(form=form.id, key=key, series=series, number=number, state="", data=nr["data"],
                        content_hash=nr["content_hash"], message="", file=file, row=row.number, at=at)
    reason = ws.t("transition.submitted")
    if nr.get("note"):
        reason += " (" + nr["note"] + ")"
    record = store.record(key)
    assert record is not None
    Lifecycle(ws, form).on_new(record, nr.get("actor", "sheet"), reason)  # opens the route: codes and mails
    return key
