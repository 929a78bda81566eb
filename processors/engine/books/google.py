"""A Google spreadsheet as a book: per pass one Drive check, one values.batchGet, one values.batchUpdate.

1. Drive `files.get` (version). Unchanged since we last left it and nothing owed: stop here.
2. One `values.batchGet` for all the spreadsheet's form tabs; each tab is decided (numbers included).
3. If cells are owed: Drive `files.get` again. A version that moved means a person edited between our read
   and now, so the tabs are read again and the owed writes are resolved by key against that fresh read (a
   sorted or inserted row never gets another row's status).
4. One `values.batchUpdate` with every cell. Every decision was committed before it, so the write window is
   that one request long.
5. Drive `files.get` once more: only if the version moved by exactly our one write do we remember it as the
   version we left; otherwise (a person edited during the write, or Drive counted our write as several steps)
   the next pass reads the tabs again. Google has no compare-and-set on cells: an edit made during the
   batchUpdate to a cell we write is the one thing this cannot see, and the next pass's read settles the row.
"""

from __future__ import annotations

import logging

from ... import faults
from ...errors import WorkbookChangedError, WorkbookError
from ...forms.definition import FormDef
from ...sheets.base import Snapshot, VersionIdentity
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
        now = VersionIdentity(self.state.version).text()
        return all(self._identity(t.label) == now for t in self.tabs)

    def read(self) -> Read:
        """One batchGet; a tab that is missing or lacks its header gets its problem, the others their snapshot."""
        state = self.state or self.book.drive_state()
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
                                                            VersionIdentity(state.version), label=tab.label)
            except WorkbookError as exc:
                out.problems[tab.form.id] = exc
        return out

    def write(self, snaps: dict[str, Snapshot]) -> None:
        store = self.ws.store
        state = self.state or self.book.drive_state()
        owing = {t.form.id: store.pending(t.label) for t in self.tabs if t.form.id in snaps}
        if not any(owing.values()):
            self._leave(snaps, VersionIdentity(state.version).text())
            return
        gate = self.book.drive_state()
        moved = gate.version != state.version
        if moved:  # a person edited since our read: resolve against a fresh read (and decide it next pass)
            snaps = {fid: s for fid, s in self.read_again(gate).items() if fid in owing}
            if self.book.drive_state().version != gate.version:
                raise WorkbookChangedError(f"google:{self.book.id}")
        plans = [resolve(t.form, t.label, snaps[t.form.id], owing[t.form.id])
                 for t in self.tabs if t.form.id in snaps and owing.get(t.form.id)]
        self._put(plans)
        after = self.book.drive_state()
        sure = not moved and _one_step(gate.version, after.version) and not any(p.stale for p in plans)
        self._leave(snaps, VersionIdentity(after.version).text() if sure else "")

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
            identity = VersionIdentity(self.state.version).text() if self.state and form_id else ""
            with self.ws.store.transaction():
                self.ws.store.set_file_status(tab.label, tab.form.id, "retrying" if retrying else "problem",
                                              self.now, code=exc.code, message=message, identity=identity)
            if not retrying:
                log.warning(self.ws.t("log.file_problem", file=tab.label, message=message))


def _one_step(before: str, after: str) -> bool:
    """Drive moved by exactly one version: our batchUpdate and nothing else."""
    try:
        return int(after) == int(before) + 1
    except ValueError:
        return False
