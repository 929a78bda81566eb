"""A fault stays where it happens: one record's, one hook's or one stage's failure is rolled back alone.

Whatever goes wrong (a rule, a kind's hook, a number clash, a template) is
recorded in the store's `faults` table, which `sheetflow status` lists, and
logged: with its traceback the first time, as one line while it repeats. The
caller goes on with the next record, workbook, timer or mail.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from .errors import SheetflowError, TemplateProblem
from .i18n import Translator
from .template_problems import describe as describe_template
from .workspace import Workspace

log = logging.getLogger("sheetflow")


@dataclass
class Outcome:
    error: BaseException | None = None

    @property
    def failed(self) -> bool:
        return self.error is not None


def describe(exc: BaseException, t: Translator | None = None) -> str:
    """What a person reads: our own errors say what to fix (a template fault in the workspace language when
    `t` is given); a bug of ours says what it was."""
    if isinstance(exc, TemplateProblem) and t is not None:
        return describe_template(exc, t)
    if isinstance(exc, SheetflowError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def record_fault(ws: Workspace, exc: BaseException, *, stage: str, file: str = "", form: str = "",
                 row: int = 0, key: str = "") -> None:
    store = ws.store
    text = describe(exc)
    known = any(f["error"] == text[:500] and f["stage"] == stage and f["file"] == file and f["row"] == row
                and f["key"] == key for f in store.faults())
    row_text = ws.t("engine.status_fault_row", row=row) if row else ""
    where = " ".join(p for p in (file, row_text, key, stage) if p)
    shown = describe(exc, ws.t)
    if known:
        log.warning(ws.t("engine.log_fault_again", where=where, error=shown))
    elif isinstance(exc, SheetflowError):   # a problem someone can fix (a template, a file): no traceback for them
        log.error(ws.t("engine.log_fault", where=where, error=shown))
        log.debug("%s", where, exc_info=exc)
    else:                                   # a bug of ours: the traceback, once
        log.error(ws.t("engine.log_fault", where=where, error=shown), exc_info=exc)
    at = ws.clock.now().isoformat(timespec="seconds")
    with store.transaction():
        store.add_fault(file=file, form=form, row=row, key=key, stage=stage, error=text, at=at)


@contextmanager
def guarded(ws: Workspace, stage: str, *, file: str = "", form: str = "", key: str = "") -> Iterator[Outcome]:
    """Like `isolated`, for work that commits its own steps (mail delivery, generated files): no transaction
    around it, so each step it committed stands; a fault is recorded and the caller carries on."""
    out = Outcome()
    try:
        yield out
    except Exception as exc:  # the whole point: one failure must not stop the others
        out.error = exc
        record_fault(ws, exc, stage=stage, file=file, form=form, key=key)
    else:
        _cleared(ws, stage, file, key)



@contextmanager
def isolated(ws: Workspace, stage: str, *, file: str = "", form: str = "", key: str = "") -> Iterator[Outcome]:
    """Run a block in a transaction (or a savepoint of the caller's); on an exception roll it back, record it,
    and carry on. KeyboardInterrupt and SystemExit are not faults: they stop the process as asked."""
    store = ws.store
    with (guarded(ws, stage, file=file, form=form, key=key) as out,
          store.savepoint() if store.conn.in_transaction else store.transaction()):
        yield out

def _cleared(ws: Workspace, stage: str, file: str, key: str) -> None:
    if not ws.store.has_faults():   # the usual case: one indexed look, no write
        return
    with ws.store.transaction():
        if key:
            ws.store.clear_faults(file, stage, keys=[key])
        else:
            ws.store.clear_stage_fault(file, stage)
