"""A local .xlsx as a book: read with calamine, written by patching the sheet XML and renaming, atomically.

The write is refused cell by cell where the sheet moved on since the read (see
writeplan), never while someone has the workbook open (the writes wait in the
store), and never over a file that changed since it was read.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
from pathlib import Path

from ... import faults
from ...audit.who import local_who
from ...errors import WorkbookChangedError, WorkbookError, WorkbookLockedError, WorkbookMissingError
from ...forms.definition import FormDef
from ...sheets.base import FileIdentity, Snapshot
from ...sheets.locks import find_lock
from ...sheets.xlsx_patch import patch_workbook
from ...sheets.xlsx_read import read_snapshot
from ...workspace import Workspace
from ..report import FileReport
from ..writeplan import landed, resolve
from . import Read, Tab

log = logging.getLogger("sheetflow")


def tmp_path_for(path: Path) -> Path:
    return path.with_name(f".{path.name}.sheetflow-tmp")


class LocalBook:
    def __init__(self, ws: Workspace, form: FormDef, path: Path) -> None:
        self.ws, self.form, self.path = ws, form, path
        self.file = ws.rel(path)
        self.tabs = [Tab(form=form, label=self.file, report=FileReport(path=path, form=form.id, label=self.file))]
        self.now = ws.clock.now().isoformat(timespec="seconds")

    @property
    def report(self) -> FileReport:
        return self.tabs[0].report

    def unchanged(self) -> bool:
        if not self.path.exists():
            raise WorkbookMissingError(self.path)
        previous = self.ws.store.file_status(self.file)
        return bool(previous) and previous[0]["state"] == "ok" and \
            previous[0]["identity"] == FileIdentity.of(self.path).text()

    def read(self) -> Read:
        snap = read_snapshot(self.path, self.form, self.ws.sheet_name(self.form))
        snap.extra["modified_by"] = local_who(self.ws.cfg, self.path)   # core.xml: who the file says saved it
        return Read(snaps={self.form.id: snap})

    def write(self, snaps: dict[str, Snapshot], *, decided: bool = True) -> None:
        """`decided`: the snapshot is the one this pass decided on; otherwise what the file now holds was never
        decided, and the next pass must read it whatever its identity."""
        snap = snaps[self.form.id]
        store, rep = self.ws.store, self.report
        pending = store.pending(self.file)
        identity, reread = snap.identity, not decided
        if pending:
            lock = find_lock(self.path)
            if lock is not None:
                with store.transaction():
                    store.mark_pending(self.file, f"locked:{lock.name}")
                    store.set_file_status(self.file, self.form.id, "locked", self.now, code="workbook_locked",
                                          message=self.ws.t("file.workbook_locked", lock=lock.name,
                                                            count=len(pending)), identity="")
                rep.waiting, rep.lock = len(pending), lock  # rows, as the messages say
                return
            if FileIdentity.of(self.path) != snap.identity:  # saved again since we read it: resolve against now
                reread = True
                snap = read_snapshot(self.path, self.form, self.ws.sheet_name(self.form))
            identity = self._flush(snap, pending)
        with store.transaction():
            store.set_file_status(self.file, self.form.id, "ok", self.now, identity="" if reread else identity.text())

    def _flush(self, snap: Snapshot, pending: list) -> FileIdentity:  # type: ignore[type-arg]
        store, rep = self.ws.store, self.report
        plan = resolve(self.form, self.file, snap, pending)
        rep.stale = len(plan.stale)
        tmp = tmp_path_for(self.path)
        with store.transaction():
            store.drop_pending(plan.stale)
            if not plan.resolved:
                return snap.identity
            try:
                faults.point("book_writing", file=self.file)
                result = patch_workbook(self.path, tmp, snap.sheet, plan.cells)
                _fsync(tmp)
                shutil.copymode(self.path, tmp)
                faults.point("write_before_rename", file=self.file)
                if find_lock(self.path) is not None:
                    raise WorkbookLockedError(self.path)
                if FileIdentity.of(self.path) != snap.identity:
                    raise WorkbookChangedError(self.path)
                written = FileIdentity.of(tmp)  # same inode and times once renamed
                os.replace(tmp, self.path)
            finally:
                if tmp.exists():
                    tmp.unlink()
            _fsync_dir(self.path.parent)
            faults.point("write_after_rename", file=self.file)
            landed(store, plan)
            rep.written = len(result.written)
        return written

    def problem(self, exc: WorkbookError, *, final: bool, form_id: str | None = None) -> None:
        rep = self.report
        rep.problem = exc
        message = self.ws.t(f"file.{exc.code}", **{"detail": exc.detail, **exc.params})
        state = "problem" if final or not exc.transient else "retrying"
        with self.ws.store.transaction():
            self.ws.store.set_file_status(self.file, self.form.id, state, self.now, code=exc.code, message=message)
        if state == "problem":
            log.warning(self.ws.t("log.file_problem", file=self.file, message=message))
        else:
            log.debug("%s: %s (retrying)", self.file, exc)


def flush_now(ws: Workspace, form: FormDef, path: Path) -> FileReport:
    """Write what is owed to one workbook as it is now, deciding nothing (what `watch` does when a lock goes)."""
    book = LocalBook(ws, form, path)
    book.write({form.id: read_snapshot(path, form, ws.sheet_name(form))}, decided=False)
    return book.report


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        _fsync(path)


__all__ = ["LocalBook", "WorkbookError", "flush_now", "tmp_path_for"]
