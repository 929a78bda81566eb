"""A Google spreadsheet as a book: per pass one Drive check, one values.batchGet, one values.batchUpdate.

Drive is trusted for one thing only: a files.get made after an edit reports a different version or a later
modifiedTime than one made before it. Not how far version steps (one edit may count several, two quick ones
one), nor who made the last change (lastModifyingUser may lag a read). So the whole state, version and
modifiedTime, is the identity kept per tab, and our own write is never taken as the only change.

1. Drive `files.get`. The same state as the identity we left and nothing owed: stop here.
2. One `values.batchGet` for all the spreadsheet's form tabs; each tab is decided (numbers included).
3. If cells are owed: Drive `files.get` again. A state that moved means a person edited between our read
   and now, so the tabs are read again and the owed writes are resolved by key against that fresh read (a
   sorted or inserted row never gets another row's status).
4. One `values.batchUpdate` with every cell. Every decision was committed before it, so the write window is
   that one request long. The identity is left unknown: whether anyone edited during the write, Drive cannot
   say, so the next pass reads the tabs once, finds nothing new to decide (or decides what a person did),
   and remembers the state it saw before that read. No Drive check after the write: it could prove nothing.
   Google has no compare-and-set on cells: an edit made during the batchUpdate to a cell we write is the
   one thing this cannot see, and the next pass's read settles the row.
"""

from __future__ import annotations

import logging

from ... import faults
from ...audit.who import google_who
from ...errors import WorkbookChangedError, WorkbookError
from ...forms.definition import FormDef
from ...sheets.base import Snapshot
from ...sheets.google.book import DriveState, GoogleBook
from ...sheets.grid import snapshot_from_grid
from ...workspace import Workspace
from ..report import FileReport
from ..writeplan import WritePlan, landed, resolve
from . import Read, Tab

log = logging.getLogger("sheetflow")


def label_for(spreadsheet_id: str, tab: str) -> str:
    return f"google:{spreadsheet_id}/{tab}"


class GoogleSheetBook:
    def __init__(self, ws: Workspace, book: GoogleBook, tabs: list[tuple[FormDef, str]]) -> None:
        self.ws, self.book = ws, book
        self.names = {form.id: tab for form, tab in tabs}
        self.tabs = [Tab(form=form, label=label_for(book.id, tab),
                         report=FileReport(path=None, form=form.id, label=label_for(book.id, tab)))
                     for form, tab in tabs]
        self.now = ws.clock.now().isoformat(timespec="seconds")
        self.state: DriveState | None = None

    def _identity(self, label: str) -> str:
        rows = self.ws.store.file_status(label)
        return rows[0]["identity"] if rows and rows[0]["state"] in ("ok", "problem") else ""

    def unchanged(self) -> bool:
        self.state = self.book.drive_state()
        now = self.state.identity().text()
        return all(self._identity(t.label) == now for t in self.tabs)

    def read(self) -> Read:
        """One batchGet; a tab that is missing or lacks its header gets its problem, the others their snapshot."""
        if self.state is None:      # (owed writes skip the change check): the state this read starts from
            self.state = self.book.drive_state()
        state = self.state
        out = Read()
        wanted = [self.names[t.form.id] for t in self.tabs]
        try:
            grids = self.book.read(wanted)
        except WorkbookError as exc:
            if exc.code != "google_refused":
                raise
            present = set(self.book.titles())   # which tab made the whole batch fail
            for tab in self.tabs:
                if self.names[tab.form.id] not in present:
                    missing = WorkbookError(tab.label, "", form=tab.form.id, sheet=self.names[tab.form.id],
                                            found="、".join(sorted(present)) or "-")
                    missing.code = "tab_missing"
                    out.problems[tab.form.id] = missing
            grids = self.book.read([t for t in wanted if t in present])
        for tab in self.tabs:
            grid = grids.get(self.names[tab.form.id])
            if grid is None:
                continue
            try:
                out.snaps[tab.form.id] = snapshot_from_grid(tab.label, grid, tab.form, self.names[tab.form.id],
                                                            state.identity(), label=tab.label)
                out.snaps[tab.form.id].extra["modified_by"] = google_who(self.ws.cfg, state.modified_by)
            except WorkbookError as exc:
                out.problems[tab.form.id] = exc
        return out

    def write(self, snaps: dict[str, Snapshot]) -> None:
        store = self.ws.store
        state = self.state or self.book.drive_state()
        owing = {t.form.id: store.pending(t.label) for t in self.tabs if t.form.id in snaps}
        if not any(owing.values()):     # nothing to write: the tabs are as they were when this read began
            self._leave(snaps, state.identity().text())
            return
        gate = self.book.drive_state()
        if gate != state:  # a person edited since our read (version or time moved): resolve against a fresh read
            snaps = {fid: s for fid, s in self.read_again(gate).items() if fid in owing}
            if self.book.drive_state() != gate:
                raise WorkbookChangedError(f"google:{self.book.id}")
        plans = [resolve(t.form, t.label, snaps[t.form.id], owing[t.form.id])
                 for t in self.tabs if t.form.id in snaps and owing.get(t.form.id)]
        self._put(plans)
        self._leave(snaps, "")  # ours alone, or a person's edit too? Drive cannot tell: the next pass reads once

    def read_again(self, state: DriveState) -> dict[str, Snapshot]:
        self.state = state
        return self.read().snaps

    def _put(self, plans: list[WritePlan]) -> None:
        store = self.ws.store
        with store.transaction():
            for plan in plans:
                store.drop_pending(plan.stale)  # those rows changed again: decided afresh next pass
            cells = {plan.snap.sheet: plan.cells for plan in plans if plan.cells}
            faults.point("book_writing", file=self.tabs[0].label)
            written = self.book.write(cells)
            for plan in plans:
                landed(store, plan)
                rep = next(t.report for t in self.tabs if t.form.id == plan.form.id)
                rep.written, rep.stale = len(plan.cells), len(plan.stale)
        log.debug("google:%s: %d cells in one batchUpdate", self.book.id, written)

    def _leave(self, snaps: dict[str, Snapshot], identity: str) -> None:
        with self.ws.store.transaction():
            for tab in self.tabs:
                if tab.form.id in snaps:
                    self.ws.store.set_file_status(tab.label, tab.form.id, "ok", self.now, identity=identity)

    def problem(self, exc: WorkbookError, *, final: bool, form_id: str | None = None) -> None:
        for tab in self.tabs:
            if form_id is not None and tab.form.id != form_id:
                continue
            tab.report.problem = exc
            message = self.ws.t(f"file.{exc.code}", **{"detail": exc.detail, **exc.params})
            retrying = exc.transient and not final
            identity = self.state.identity().text() if self.state and form_id else ""
            with self.ws.store.transaction():
                self.ws.store.set_file_status(tab.label, tab.form.id, "retrying" if retrying else "problem",
                                              self.now, code=exc.code, message=message, identity=identity)
            if not retrying:
                log.warning(self.ws.t("log.file_problem", file=tab.label, message=message))

