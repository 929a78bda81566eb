"""One pass over a workspace, the same for every backend: look, read, decide, write, then the clock's work.

For each book (a local workbook, or a Google spreadsheet with its tabs) in the
forms' order: a cheap check whether anything is new; one read; each tab's rows
decided in one transaction (a savepoint per row: a fault costs that row alone);
one write of what is owed. A book that cannot be used gets its problem in
`status` and the others go on. Then the kinds' timers, end-of-pass work and
generated sheets, each kind on its own (one kind's fault does not stop
another's), then reminders, documents and mail: effects made from what was
stored, after it was committed.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from . import faults
from .access import publish
from .backup import daily_backup_due, next_backup, weekly_backup_due
from .effects import produce_documents
from .engine.books import Book
from .engine.books.google import GoogleSheetBook
from .engine.books.local import LocalBook
from .engine.decide import sync_sheet
from .engine.report import FileReport, PassReport
from .errors import BookFaultError, WorkbookChangedError, WorkbookError, WorkbookLockedError
from .guard import describe, guarded, isolated, record_fault
from .kinds import Kind, kind_for
from .mail.sender import DeliveryReport, deliver_due
from .sheets.google.book import GoogleBook
from .sheets.google.client import account_email
from .sheets.google.pacing import PacedHTTPClient, QuotaUse
from .workflow.reissue import reissue_exposed
from .workflow.timers import run_timers
from .workspace import Workspace

log = logging.getLogger("sheetflow")
MAX_ROUNDS = 3
KIND_PHASES = ("timers", "finish", "outputs")


def run_pass(ws: Workspace, paths: set[Path] | None = None, *, final: bool = True,
             follow_up: bool = True) -> PassReport:
    """Process the workspace's books (or only the workbooks in `paths`, plus any with writes owed).

    With final=False a transient failure (a file still being saved) is reported as
    'retrying' so the caller can try again; with final=True it is a problem.
    """
    report = PassReport()
    wanted = {p.resolve() for p in paths} if paths is not None else None
    with ws.exclusive():
        faults.point("pass_start")
        if ws.revalidate_if_rules_changed():
            wanted = None  # every workbook, every row
        with guarded(ws, "route_timers", key="codes_exposed"):
            reissue_exposed(ws)   # codes found readable by others at start: replaced before anything else
        kinds = {fid: kind_for(ws, form) for fid, form in ws.forms.items()}
        http = ws.google_client().http_client if ws.cfg.backend == "google" else None
        before = http.use.copy() if isinstance(http, PacedHTTPClient) else None
        for round_ in range(MAX_ROUNDS):
            for book in _books(ws):   # asked per book: an earlier book may have left news for this one
                owing = _owing(ws, retry_faults=not round_)   # a fault is tried again once a pass
                owed = any(t.label in owing for t in book.tabs)
                if round_ and not owed:  # again only for news left for rows already read (order → lines)
                    continue
                if not round_ and wanted is not None and not owed and not _wanted(book, wanted):
                    continue
                report.files.extend(run_book(ws, book, kinds, final=final, owed=owed))
            if round_ == 0:
                kind_phase(ws, kinds, "timers", report)
            if not ws.store.dirty_files():
                break
        kind_phase(ws, kinds, "finish", report)
        kind_phase(ws, kinds, "outputs", report)
        if follow_up:
            report.mail = follow_up_work(ws, report)
        with guarded(ws, publish.STAGE, key=publish.STAGE) as published:   # A1: what ordinary users read
            publish.refresh(ws, report)
        if published.failed:
            report.faults.append(publish.STAGE)
        ws.next_due = next_due(ws, kinds)
        if isinstance(http, PacedHTTPClient) and before is not None:
            report.quota = _log_quota(ws, http, before)
    return report


def _books(ws: Workspace) -> list[Book]:
    if ws.cfg.backend == "google":
        client = ws.google_client()
        account = account_email(client)
        return [GoogleSheetBook(ws, GoogleBook(client, sid, account), tabs) for sid, tabs in ws.google_tabs().items()]
    return [LocalBook(ws, form, path) for form in ws.forms.values() for path in ws.files_of(form)]


def _owing(ws: Workspace, *, retry_faults: bool) -> set[str]:
    """Books with writes waiting, news for a row, or (on a pass's first round) a fault to try again."""
    store = ws.store
    return set(store.pending_files()) | store.dirty_files() | (store.fault_files() if retry_faults else set())


def _wanted(book: Book, wanted: set[Path]) -> bool:
    return any(t.report.path is not None and t.report.path.resolve() in wanted for t in book.tabs)


def run_book(ws: Workspace, book: Book, kinds: dict[str, Kind], *, final: bool, owed: bool) -> list[FileReport]:
    reports = [t.report for t in book.tabs]
    for tab in book.tabs:  # news from other sheets (requests approved) may make a tab be read
        with guarded(ws, "prepare", file=tab.label, form=tab.form.id):   # (prepare commits its own changes)
            faults.point("prepare", file=tab.label, kind=tab.form.id)
            kinds[tab.form.id].prepare()
    try:
        if not owed and book.unchanged():
            for rep in reports:
                rep.skipped = True
            return reports
        for attempt in range(3):
            try:
                _read_decide_write(ws, book, kinds, final=final)
                break
            except WorkbookChangedError as exc:  # the book moved under us: read it again
                if attempt == 2:  # saved again and again while we worked: next pass, as a half-written file
                    book.problem(exc, final=False)
                    return reports
    except WorkbookError as exc:
        book.problem(exc, final=final)
        return reports
    except Exception as exc:  # a bug of ours on this book: the other books, the timers and the mail go on
        record_fault(ws, exc, stage="book", file=book.tabs[0].label)
        book.problem(BookFaultError(book.tabs[0].label, describe(exc, ws.t)), final=True)
        return reports
    if ws.store.has_faults():
        with ws.store.transaction():
            ws.store.clear_stage_fault(book.tabs[0].label, "book")
    for tab in book.tabs:
        if tab.report.problem is None:
            log_file(ws, tab.report, tab.label)
    return reports


def _read_decide_write(ws: Workspace, book: Book, kinds: dict[str, Kind], *, final: bool) -> None:
    read = book.read()
    faults.point("book_read", file=book.tabs[0].label)
    for form_id, exc in read.problems.items():
        book.problem(exc, final=final, form_id=form_id)
    for tab in book.tabs:
        snap = read.snaps.get(tab.form.id)
        if snap is None:
            continue
        tab.report.took(sync_sheet(ws, tab.form, kinds[tab.form.id], snap, tab.label))
        with isolated(ws, "after_sync", file=tab.label, form=tab.form.id):
            faults.point("kind_after_sync", file=tab.label, kind=tab.form.id)
            kinds[tab.form.id].after_sync(True)
    faults.point("after_sync")   # every tab decided, nothing written yet: where the race tests act as a person
    try:
        book.write(read.snaps)
    except WorkbookLockedError:  # opened in an editor between our check and our rename: the writes wait
        book.write(read.snaps)
    faults.point("book_written", file=book.tabs[0].label)


def kind_phase(ws: Workspace, kinds: dict[str, Kind], phase: str, report: PassReport) -> None:
    """Each kind's timers / end-of-pass work / generated sheets, one kind's fault not stopping another's."""
    assert phase in KIND_PHASES
    wrap = isolated if phase == "timers" else guarded   # finish and outputs commit their own steps
    for form_id, kind in kinds.items():
        with wrap(ws, phase, form=form_id, key=f"kind:{form_id}") as out:
            faults.point(phase, kind=form_id)
            getattr(kind, phase)()
        if out.failed:
            report.faults.append(f"{phase}:{form_id}")


def next_due(ws: Workspace, kinds: dict[str, Kind]) -> dt.datetime | None:
    """The earliest moment a kind's timers or the daily backup have work again (watch wakes for it); a kind that
    cannot say is skipped."""
    moments: list[dt.datetime] = []
    with guarded(ws, "backup", key="next_backup"):
        moments.append(next_backup(ws))     # C3: the daily copy at 18:00 itself
    for form_id, kind in kinds.items():
        with guarded(ws, "timers", form=form_id, key=f"next_due:{form_id}"):
            due = kind.next_due()
            if due is not None:
                moments.append(due)
    return min(moments, default=None)


def follow_up_work(ws: Workspace, report: PassReport | None = None) -> DeliveryReport | None:
    """After the sheets show their statuses: reminders now due, then the mail, then the daily backup; each on its
    own."""
    with guarded(ws, "route_timers", key="route_timers") as out:
        faults.point("route_timers")
        run_timers(ws)
    with guarded(ws, "documents", key="documents") as made:
        faults.point("documents")
        produce_documents(ws)   # the files the commits above recorded, before the mail that carries them
    delivered: DeliveryReport | None = None
    with guarded(ws, "mail", key="mail") as sent:
        faults.point("mail")
        delivered = deliver_due(ws)
    with guarded(ws, "backup", key="backup:orders") as saved:
        daily_backup_due(ws)    # C3: once a day from order_data_at on; a failure is a fault, tried again next pass
    with guarded(ws, "backup", key="backup:full") as full:
        weekly_backup_due(ws)   # A4: everything, weekly at full_at, a missed one caught up; a fault like the daily
    if report is not None:
        report.faults += [name for name, o in (("route_timers", out), ("documents", made), ("mail", sent),
                                               ("backup", saved), ("backup", full)) if o.failed]
    return delivered


def _log_quota(ws: Workspace, http: PacedHTTPClient, before: QuotaUse) -> QuotaUse:
    used = http.use.since(before)
    if used.sheets or used.retries:
        log.info(ws.t("log.google_quota", read=used.sheets_read, write=used.sheets_write, drive=used.drive,
                      retries=used.retries, recent=http.pacer.in_last_minute(),
                      limit=ws.cfg.google.requests_per_minute))
    return used


def log_file(ws: Workspace, rep: FileReport, file: str) -> None:
    t = ws.t
    if not rep.changed and not rep.written:  # (still waiting for a closed file: said when it began)
        log.debug(t("log.unchanged", file=file))
        return
    numbered = dict(rep.numbered)
    for outcome in rep.outcomes:
        if outcome.row in numbered:
            log.info(t("log.numbered", file=file, row=outcome.row, key=numbered[outcome.row],
                       state=outcome.state))
        elif not outcome.valid and outcome.message:
            log.info(t("log.row_invalid", file=file, row=outcome.row, message=outcome.message))
    extra = t("log.pending", count=rep.waiting, reason=rep.lock.name) if rep.lock else ""
    valid = sum(1 for o in rep.outcomes if o.valid)
    log.info(t("log.pass_file", file=file, rows=rep.rows, changed=rep.changed, valid=valid,
               invalid=len(rep.outcomes) - valid, written=rep.written, extra=extra))
    if rep.stale:
        log.debug("%s: %d stale writes dropped (rows changed since decided)", file, rep.stale)


__all__ = ["FileReport", "PassReport", "follow_up_work", "run_pass"]
