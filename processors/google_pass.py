"""One pass over the Google spreadsheets: per spreadsheet, one Drive check, one read, one write.

The flow is the local one (snapshot → FileSync → write plan), batched per
spreadsheet so every form tab in it shares the calls:

1. Drive `files.get` (version, last modifier). Unchanged since we read it, or
   changed only by our own last write, and nothing owed: stop here.
2. One `values.batchGet` for all the spreadsheet's form tabs; each tab is synced.
3. If cells are owed: Drive `files.get` again. A version that moved means a
   person edited between our read and now, so the tabs are read again and the
   owed writes are resolved by key against that fresh read (a sorted or
   inserted row never gets another row's status); a row whose content changed
   is left for the next pass.
4. One `values.batchUpdate` with every cell, inside the store transaction that
   numbers the new records, so a failed write gives its numbers back.

Google has no compare-and-set on cells; the window left is the few
milliseconds between step 3's check and step 4's write.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from . import faults
from .errors import WorkbookChangedError, WorkbookError
from .forms.definition import FormDef
from .kinds import Kind
from .passes import MAX_ROUNDS, FileReport, log_file, run_kind_timers
from .sheets.base import Snapshot, VersionIdentity
from .sheets.google.book import DriveState, GoogleBook
from .sheets.google.client import account_email
from .sheets.google.pacing import PacedHTTPClient, QuotaUse
from .sheets.grid import snapshot_from_grid
from .store.db import PendingWrite
from .sync import FileSync
from .workspace import Workspace
from .writeplan import WritePlan, assign, landed, resolve

log = logging.getLogger("sheetflow")
OURS = "ours:"


def label_for(spreadsheet_id: str, tab: str) -> str:
    return f"google:{spreadsheet_id}/{tab}"


def run_google(ws: Workspace, reports: list[FileReport], kinds: dict[str, Kind], *, final: bool) -> QuotaUse:
    client = ws.google_client()
    http = client.http_client
    before = http.use.copy() if isinstance(http, PacedHTTPClient) else QuotaUse()
    account = account_email(client)
    books = ws.google_tabs()
    for round_ in range(MAX_ROUNDS):  # again only for news left for rows already synced (order → lines; overdue)
        for sid, tabs in books.items():
            labels = {label_for(sid, tab) for _, tab in tabs}
            if round_ and not labels & ws.store.dirty_files():
                continue
            reports.extend(_one_book(ws, GoogleBook(client, sid, account), tabs, kinds, final=final))
        if round_ == 0:
            run_kind_timers(kinds)
        if not ws.store.dirty_files():
            break
    used = http.use.since(before) if isinstance(http, PacedHTTPClient) else QuotaUse()
    if used.sheets or used.retries:
        recent = http.pacer.in_last_minute() if isinstance(http, PacedHTTPClient) else 0
        log.info(ws.t("log.google_quota", read=used.sheets_read, write=used.sheets_write, drive=used.drive,
                      retries=used.retries, recent=recent, limit=ws.cfg.google.requests_per_minute))
    return used


class _Book:
    """One spreadsheet's pass state: its tabs' reports, snapshots and what the store knows of them."""

    def __init__(self, ws: Workspace, book: GoogleBook, tabs: list[tuple[FormDef, str]], final: bool) -> None:
        self.ws, self.book, self.tabs, self.final = ws, book, tabs, final
        self.labels = {form.id: label_for(book.id, tab) for form, tab in tabs}
        self.reports = {form.id: FileReport(path=None, form=form.id, label=self.labels[form.id]) for form, _ in tabs}
        self.now = ws.clock.now().isoformat(timespec="seconds")
        self.stale: dict[str, int] = {}

    def identities(self) -> list[str]:
        out = []
        for label in self.labels.values():
            rows = self.ws.store.file_status(label)
            out.append(rows[0]["identity"] if rows and rows[0]["state"] in ("ok", "problem") else "")
        return out

    def owed(self) -> bool:
        owed = set(self.ws.store.pending_files()) | self.ws.store.dirty_files()
        return any(label in owed for label in self.labels.values())

    def snapshots(self, state: DriveState) -> dict[str, Snapshot]:
        """One batchGet; a tab that is missing or lacks its header gets its problem, the others their snapshot."""
        wanted = [tab for _, tab in self.tabs]
        try:
            grids = self.book.read(wanted)
        except WorkbookError as exc:
            if exc.code != "google_refused":
                raise
            present = set(self.book.titles())   # which tab made the whole batch fail
            for form, tab in self.tabs:
                if tab not in present:
                    self._tab_problem(form, "tab_missing", state, sheet=tab,
                                      found="、".join(sorted(present)) or "-")
            grids = self.book.read([t for t in wanted if t in present])
        snaps: dict[str, Snapshot] = {}
        for form, tab in self.tabs:
            if tab not in grids:
                continue
            label = self.labels[form.id]
            try:
                snaps[form.id] = snapshot_from_grid(label, grids[tab], form, tab, VersionIdentity(state.version),
                                                    label=label)
            except WorkbookError as exc:
                self.reports[form.id].problem = exc
                self._record_problem(form, exc, state)
        return snaps

    def _tab_problem(self, form: FormDef, code: str, state: DriveState, **params: object) -> None:
        exc = WorkbookError(self.labels[form.id], "", form=form.id, **params)
        exc.code = code
        self.reports[form.id].problem = exc
        self._record_problem(form, exc, state)

    def _record_problem(self, form: FormDef, exc: WorkbookError, state: DriveState | None) -> None:
        label = self.labels[form.id]
        message = self.ws.t(f"file.{exc.code}", **{"detail": exc.detail, **exc.params})
        with self.ws.store.transaction():
            retrying = exc.transient and not self.final
            self.ws.store.set_file_status(label, form.id, "retrying" if retrying else "problem", self.now,
                                          code=exc.code, message=message,
                                          identity=VersionIdentity(state.version).text() if state else "")
        if not retrying:
            log.warning(self.ws.t("log.file_problem", file=label, message=message))

    def all_problem(self, exc: WorkbookError) -> list[FileReport]:
        for form, _ in self.tabs:
            self.reports[form.id].problem = exc
            self._record_problem(form, exc, None)
        return list(self.reports.values())

    def set_ok(self, form_ids: Iterable[str], identity: str) -> None:
        with self.ws.store.transaction():
            for form_id in form_ids:
                self.ws.store.set_file_status(self.labels[form_id], form_id, "ok", self.now, identity=identity)


def _one_book(ws: Workspace, book: GoogleBook, tabs: list[tuple[FormDef, str]], kinds: dict[str, Kind], *,
              final: bool) -> list[FileReport]:
    b = _Book(ws, book, tabs, final)
    for form, _ in tabs:  # news from other sheets (lines numbered last pass) decides whether a tab is read
        kinds[form.id].prepare()
    try:
        state = book.drive_state()
        known = b.identities()
        owed = b.owed()
        if not owed and all(i == VersionIdentity(state.version).text() for i in known):
            return _skipped(b)
        if not owed and state.ours and all(i.startswith(OURS) for i in known):
            b.set_ok([f.id for f, _ in tabs], VersionIdentity(state.version).text())
            return _skipped(b)
        snaps = b.snapshots(state)
        for form, _ in tabs:
            kinds[form.id].prepare()
            if form.id in snaps:
                res = FileSync(ws, form, snaps[form.id]).run()
                rep = b.reports[form.id]
                rep.rows, rep.changed, rep.outcomes = res.rows, res.changed, res.outcomes
                kinds[form.id].after_sync(True)
        faults.point("after_sync")
        owing = {fid: ws.store.pending(b.labels[fid]) for fid in snaps}
        if not any(owing.values()):
            b.set_ok(snaps, VersionIdentity(state.version).text())
            return _logged(b)
        gate = book.drive_state()
        sure = gate.version == state.version
        if not sure:  # a person edited since our read: resolve the writes against a fresh read
            snaps = {fid: s for fid, s in b.snapshots(gate).items() if fid in owing}
            if book.drive_state().version != gate.version:
                raise WorkbookChangedError(f"google:{book.id}")
        _write(ws, b, snaps, owing)
        stale = any(b.stale.values())
        b.set_ok(snaps, f"{OURS}{gate.version}" if sure and not stale else "")
    except WorkbookError as exc:
        return b.all_problem(exc)
    return _logged(b)


def _write(ws: Workspace, b: _Book, snaps: dict[str, Snapshot], owing: dict[str, list[PendingWrite]]) -> None:
    plans: list[WritePlan] = []
    for form, _ in b.tabs:
        if form.id in snaps and owing.get(form.id):
            plans.append(resolve(form, b.labels[form.id], snaps[form.id], owing[form.id]))
    with ws.store.transaction():
        for plan in plans:
            ws.store.drop_pending(plan.stale)
            b.stale[plan.form.id] = len(plan.stale)  # those rows changed again: decided afresh next pass
            if plan.resolved:
                assign(ws, plan)
        cells = {plan.snap.sheet: plan.cells for plan in plans if plan.cells}
        written = b.book.write(cells)
        for plan in plans:
            landed(ws, plan)
            rep = b.reports[plan.form.id]
            rep.numbered, rep.written = plan.numbered, len(plan.cells)
    log.debug("google:%s: %d cells in one batchUpdate", b.book.id, written)


def _skipped(b: _Book) -> list[FileReport]:
    for rep in b.reports.values():
        rep.skipped = True
    return list(b.reports.values())


def _logged(b: _Book) -> list[FileReport]:
    for rep in b.reports.values():
        if rep.problem is None:
            log_file(b.ws, rep, rep.label, b.stale.get(rep.form, 0))
    return list(b.reports.values())
