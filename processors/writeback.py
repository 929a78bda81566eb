"""Apply the cell writes owed to one workbook: checked, atomic, and only when nobody has it open.

The write is refused cell by cell where the sheet moved on since the read: a row
is found by its key (or, before it has one, by its exact content) in the file as
it is now, and a row whose content is no longer what was decided on is left for
the next pass. Numbers for new records are taken in the same SQLite transaction
whose commit follows the rename, so a write that fails gives its numbers back.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from . import faults
from .errors import WorkbookChangedError, WorkbookLockedError
from .fingerprint import fingerprint
from .forms.definition import FormDef
from .sheets.base import FileIdentity, SheetRow, Snapshot
from .sheets.locks import find_lock
from .sheets.xlsx_patch import patch_workbook
from .sheets.xlsx_read import read_snapshot
from .store.db import PendingWrite
from .sync import cell_text, format_key, row_fingerprint, row_names
from .workflow.lifecycle import Lifecycle
from .workspace import Workspace


@dataclass
class FlushResult:
    written_cells: int = 0
    numbered: list[tuple[int, str]] = field(default_factory=list)
    stale: int = 0
    waiting: int = 0
    lock: Path | None = None
    refused: list[tuple[int, int]] = field(default_factory=list)
    #: the file as we leave it: after our rename, or as last read
    identity: FileIdentity | None = None


def tmp_path_for(path: Path) -> Path:
    return path.with_name(f".{path.name}.sheetflow-tmp")


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


def flush(ws: Workspace, form: FormDef, path: Path, snap: Snapshot | None) -> FlushResult:
    store = ws.store
    file = ws.rel(path)
    out = FlushResult()
    pending = store.pending(file)
    if not pending:
        return out
    lock = find_lock(path)
    if lock is not None:
        with store.transaction():
            store.mark_pending(file, f"locked:{lock.name}")
        out.waiting, out.lock = len(pending), lock  # rows, as the messages say
        return out
    if snap is None or FileIdentity.of(path) != snap.identity:
        snap = read_snapshot(path, form, ws.sheet_name(form))
    out.identity = snap.identity
    by_key, by_fp, fp_of = _index(snap)
    resolved: list[tuple[PendingWrite, SheetRow]] = []
    stale: list[int] = []
    for pw in pending:
        row = _resolve(pw, by_key, by_fp, fp_of)
        if row is None:
            stale.append(pw.id)
        else:
            resolved.append((pw, row))
    resolved.sort(key=lambda item: item[1].number)
    out.stale = len(stale)
    tmp = tmp_path_for(path)
    now = ws.clock.now()
    stamp = now.isoformat(timespec="seconds")
    with store.transaction():
        store.drop_pending(stale)
        if not resolved:
            return out
        cells: dict[tuple[int, int], str | None] = {}
        new_values: list[tuple[SheetRow, dict[str, str]]] = []
        for pw, row in resolved:
            values = dict(pw.cells)
            if pw.new_record:
                key = _number(ws, form, file, row, pw, stamp, now.year)
                values["key"] = key
                out.numbered.append((row.number, key))
            for role, value in values.items():
                col = snap.columns.get(role)
                if col is not None:
                    cells[(row.number, col)] = value or None
            new_values.append((row, values))
        try:
            result = patch_workbook(path, tmp, snap.sheet, cells)
            _fsync(tmp)
            shutil.copymode(path, tmp)
            faults.point("write_before_rename")
            if find_lock(path) is not None:
                raise WorkbookLockedError(path)
            if FileIdentity.of(path) != snap.identity:
                raise WorkbookChangedError(path)
            written = FileIdentity.of(tmp)  # same inode and times once renamed
            os.replace(tmp, path)
            out.identity = written
        finally:
            if tmp.exists():
                tmp.unlink()
        _fsync_dir(path.parent)
        faults.point("write_after_rename")
        store.drop_pending([pw.id for pw, _ in resolved])
        for row, values in new_values:
            after = dict(row.values)
            after.update({role: v for role, v in values.items() if role in snap.columns})
            store.refresh_view_row(file, fp_of[row.number], row_fingerprint(snap, SheetRow(row.number, after)),
                                   values.get("key") or cell_text(row.values.get("key")))
        out.written_cells = len(result.written)
        out.refused = result.refused
    return out


def _number(ws: Workspace, form: FormDef, file: str, row: SheetRow, pw: PendingWrite, at: str, year: int) -> str:
    store = ws.store
    nr = pw.new_record or {}
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


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        _fsync(path)
