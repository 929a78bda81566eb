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
from .forms.definition import FormDef
from .sheets.base import FileIdentity, Snapshot
from .sheets.locks import find_lock
from .sheets.xlsx_patch import patch_workbook
from .sheets.xlsx_read import read_snapshot
from .workspace import Workspace
from .writeplan import assign, landed, resolve


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
    #: the file changed after the pass read it, so some of it was never synced: read it again next pass
    reread: bool = False


def tmp_path_for(path: Path) -> Path:
    return path.with_name(f".{path.name}.sheetflow-tmp")


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
        out.reread = snap is not None
        snap = read_snapshot(path, form, ws.sheet_name(form))
    out.identity = snap.identity
    plan = resolve(form, file, snap, pending)
    out.stale = len(plan.stale)
    tmp = tmp_path_for(path)
    with store.transaction():
        store.drop_pending(plan.stale)
        if not plan.resolved:
            return out
        assign(ws, plan)
        out.numbered = plan.numbered
        cells = plan.cells
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
        landed(ws, plan)
        out.written_cells = len(result.written)
        out.refused = result.refused
    return out


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        _fsync(path)
