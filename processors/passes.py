"""One pass over a workspace's workbooks: read, decide, record, write back, report.

Each workbook is handled on its own: a broken one gets one clear log line and a
status entry, and the others go on. A file whose identity (mtime, size, inode)
is what we left it at, with no writes owed, is not even read.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from . import faults
from .effects import produce_documents
from .errors import WorkbookChangedError, WorkbookError, WorkbookLockedError, WorkbookMissingError
from .forms.definition import FormDef
from .kinds import Kind, kind_for
from .mail.sender import DeliveryReport, deliver_due
from .sheets.base import FileIdentity
from .sheets.google.pacing import QuotaUse
from .sheets.xlsx_read import read_snapshot
from .sync import FileSync, RowOutcome
from .workflow.timers import run_timers
from .workspace import Workspace
from .writeback import flush

log = logging.getLogger("sheetflow")
MAX_ROUNDS = 3


@dataclass
class FileReport:
    path: Path | None           # a local workbook; None for a Google tab (see label)
    form: str
    rows: int = 0
    changed: int = 0
    outcomes: list[RowOutcome] = field(default_factory=list)
    numbered: list[tuple[int, str]] = field(default_factory=list)
    written: int = 0
    waiting: int = 0
    lock: Path | None = None
    problem: WorkbookError | None = None
    skipped: bool = False
    label: str = ""             # how messages and the store name the source

    @property
    def transient(self) -> bool:
        return self.problem is not None and self.problem.transient


@dataclass
class PassReport:
    files: list[FileReport] = field(default_factory=list)
    mail: DeliveryReport | None = None
    quota: QuotaUse | None = None   # Google backend: requests this pass made, by kind

    @property
    def problems(self) -> list[FileReport]:
        return [f for f in self.files if f.problem is not None]

    def transient_paths(self) -> list[Path]:
        return [f.path for f in self.files if f.transient and f.path is not None]


def run_pass(ws: Workspace, paths: set[Path] | None = None, *, final: bool = True,
             follow_up: bool = True) -> PassReport:
    """Process the workspace's workbooks (or only `paths`, plus any with writes owed).

    With final=False a transient failure (a file still being saved) is reported as
    'retrying' so the caller can try again; with final=True it is a problem.
    """
    report = PassReport()
    wanted = {p.resolve() for p in paths} if paths is not None else None
    with ws.exclusive():
        if ws.revalidate_if_rules_changed():
            paths = None  # every workbook, every row
            wanted = None
        kinds = {fid: kind_for(ws, form) for fid, form in ws.forms.items()}
        if ws.cfg.backend == "google":
            from .google_pass import run_google

            report.quota = run_google(ws, report.files, kinds, final=final)
            finish_kinds(kinds)
            if follow_up:
                report.mail = follow_up_work(ws)
            return report
        for round_ in range(MAX_ROUNDS):
            for form in ws.forms.values():
                kinds[form.id].prepare()
                for path in ws.files_of(form):
                    file = ws.rel(path)
                    owed = file in set(ws.store.pending_files()) | ws.store.dirty_files()
                    if (round_ or wanted is not None) and not owed and (round_ or path.resolve() not in wanted):
                        continue
                    rep = _one_file(ws, form, path, final=final, owed=owed)
                    report.files.append(rep)
                    if not rep.skipped and rep.problem is None:
                        kinds[form.id].after_sync(True)
            if round_ == 0:
                run_kind_timers(kinds)
            if not ws.store.dirty_files():  # news for rows already synced (order issued → its lines; overdue)
                break
        finish_kinds(kinds)
        if follow_up:
            report.mail = follow_up_work(ws)
    return report


def run_kind_timers(kinds: dict[str, Kind]) -> None:
    """Deadlines, once the sheets were read (a contact logged in this very save counts); rows follow next round."""
    for kind in kinds.values():
        with kind.store.transaction():
            kind.timers()


def finish_kinds(kinds: dict[str, Kind]) -> None:
    """Payments applied and sales settled first, then the generated sheets and reports that show them."""
    for kind in kinds.values():
        kind.finish()
    for kind in kinds.values():
        kind.outputs()


def follow_up_work(ws: Workspace) -> DeliveryReport:
    """After the sheets show their statuses: reminders now due, then the mail."""
    run_timers(ws)
    produce_documents(ws)   # the files recorded by the commits above, before the mail that carries them
    return deliver_due(ws)


def _one_file(ws: Workspace, form: FormDef, path: Path, *, final: bool, owed: bool) -> FileReport:
    rep = FileReport(path=path, form=form.id)
    file = ws.rel(path)
    store = ws.store
    now = ws.clock.now().isoformat(timespec="seconds")
    if not path.exists():
        rep.problem = WorkbookMissingError(path)
        _problem(ws, rep, form, now, final=True)
        return rep
    previous = store.file_status(file)
    unchanged = previous and previous[0]["state"] == "ok" and previous[0]["identity"] == FileIdentity.of(path).text()
    if not owed and unchanged:
        rep.skipped = True
        return rep
    for attempt in range(3):
        try:
            snap = read_snapshot(path, form, ws.sheet_name(form))
            result = FileSync(ws, form, snap).run()
            rep.rows, rep.changed, rep.outcomes = result.rows, result.changed, result.outcomes
            faults.point("after_sync")
            fl = flush(ws, form, path, snap)
            break
        except WorkbookChangedError as exc:
            if attempt == 2:  # saved again and again while we worked: next pass, as for a half-written file
                rep.problem = exc
                _problem(ws, rep, form, now, final=False)
                return rep
            continue  # the file moved under us: read it again
        except WorkbookLockedError:
            fl = flush(ws, form, path, None)  # records the lock, writes nothing
            break
        except WorkbookError as exc:
            rep.problem = exc
            _problem(ws, rep, form, now, final=final)
            return rep
    rep.numbered, rep.written, rep.waiting, rep.lock = fl.numbered, fl.written_cells, fl.waiting, fl.lock
    with store.transaction():
        if fl.lock is not None:
            store.set_file_status(file, form.id, "locked", now, code="workbook_locked",
                                  message=ws.t("file.workbook_locked", lock=fl.lock.name, count=fl.waiting),
                                  identity="")
        else:
            ident = fl.identity or snap.identity
            store.set_file_status(file, form.id, "ok", now, identity="" if fl.reread else ident.text())
    log_file(ws, rep, ws.rel(path), fl.stale)
    return rep


def _problem(ws: Workspace, rep: FileReport, form: FormDef, now: str, *, final: bool) -> None:
    assert rep.problem is not None
    exc = rep.problem
    message = ws.t(f"file.{exc.code}", **{"detail": exc.detail, **exc.params})
    state = "problem" if final or not exc.transient else "retrying"
    with ws.store.transaction():
        ws.store.set_file_status(ws.rel(rep.path), form.id, state, now, code=exc.code, message=message)
    if state == "problem":
        log.warning(ws.t("log.file_problem", file=ws.rel(rep.path), message=message))
    else:
        log.debug("%s: %s (retrying)", ws.rel(rep.path), exc)


def log_file(ws: Workspace, rep: FileReport, file: str, stale: int) -> None:
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
    if stale:
        log.debug("%s: %d stale writes dropped (rows changed since decided)", file, stale)
