"""Making the recorded documents' files, after the pass's commits and before the mail that carries them.

Each pending row of the documents table is rendered from its STORED context
(never from the records as they are now) and written once. The same row gives
the same bytes on any day: the HTML comes only from the row, WeasyPrint's PDF
identifier is derived from the HTML (documents.pdf), and SOURCE_DATE_EPOCH is
pinned to the issue date while rendering, because fontTools stamps the current
time into any font WeasyPrint re-saves (a variable font instanced, an emoji
font stripped) unless that variable is set.

One document's trouble stays with it: a template fault or a different file at
its path marks that row failed and flags its record's row (in zh or en), and
the other documents go on. A failed row is tried again only once what it
failed on changed (the templates, or the file at its path), not on every pass.

Crash points (SHEETFLOW_CRASH_AT): `document_before_write` (rendered, no file yet) and
`document_after_write` (the file there, the row still pending); either way the next
pass renders the same bytes, finds or writes the file, and the mail goes once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from jinja2 import TemplateError

from .. import faults
from ..errors import SheetflowError
from ..resources import bundled_dir
from ..store import documents
from ..store.documents import FAILED, Document
from ..workspace import Workspace
from . import context as stored

log = logging.getLogger("sheetflow")


@dataclass
class ProduceReport:
    written: int = 0
    failed: int = 0
    waiting: int = 0        # still pending after a passing trouble (an unwritable output folder)


def produce_documents(ws: Workspace) -> ProduceReport:
    """Write every pending document (and every failed one whose cause changed); one failure stops no other."""
    report = ProduceReport()
    docs = documents.unsettled(ws.store)
    if not docs:
        return report
    from ..documents import pdf  # WeasyPrint is imported only when a document is made (status starts fast)

    templates = _once(lambda: templates_fingerprint(ws))
    for doc in docs:
        if doc.state == FAILED and not _worth_trying_again(ws, doc, templates, report):
            continue
        _produce(ws, pdf, doc, templates, report)
    return report


def _produce(ws: Workspace, pdf: ModuleType, doc: Document, templates: Callable[[], str],
             report: ProduceReport) -> None:
    try:
        with source_date(doc.issued_on):
            data = pdf.render_pdf(doc.template, stored.loads(doc.context), ws.cfg.templates_dir)
    except (SheetflowError, TemplateError) as exc:   # a workspace template's fault (TemplateProblem and kin)
        _template_failed(ws, doc, str(exc), templates(), report)
        return
    except Exception as exc:  # WeasyPrint raises what it likes: the log gets the traceback, the row a message
        log.exception("%s: rendering %s failed", doc.key, doc.template)
        _template_failed(ws, doc, f"{type(exc).__name__}: {exc}", templates(), report)
        return
    sha = hashlib.sha256(data).hexdigest()
    faults.point("document_before_write")
    try:
        pdf.write_document(ws.root / doc.path, data)
    except pdf.DocumentExistsError:
        _conflict(ws, doc, sha, report)
        return
    except OSError as exc:
        documents.note_error(ws.store, doc.key, error=str(exc), at=_now(ws))
        log.warning(ws.t("effects.log_document_retry", key=doc.key, error=str(exc)))
        report.waiting += 1
        return
    faults.point("document_after_write")
    if doc.sha256 and doc.sha256 != sha:   # made again after a fault: the renderer itself changed
        log.warning("%s: rendered bytes differ from the earlier render (WeasyPrint or fonts changed?)", doc.key)
    documents.mark_written(ws.store, doc.key, sha256=sha, at=_now(ws))
    report.written += 1


def _template_failed(ws: Workspace, doc: Document, error: str, templates: str, report: ProduceReport) -> None:
    notice = ws.t("effects.document_template", file=Path(doc.path).name, template=doc.template, error=error)
    documents.mark_failed(ws.store, doc, error=error, sha256="", blocked_by=f"templates:{templates}",
                          notice=notice, at=_now(ws))
    log.warning(ws.t("effects.log_document_failed", key=doc.key, error=error))
    report.failed += 1


def _conflict(ws: Workspace, doc: Document, sha: str, report: ProduceReport) -> None:
    """A different file stands where this document goes: not overwritten, not mailed, and the row says so."""
    found = file_sha256(ws.root / doc.path) or ""
    notice = ws.t("effects.document_exists", file=doc.path)
    documents.mark_failed(ws.store, doc, error=notice, sha256=sha, blocked_by=f"file:{found}", notice=notice,
                          at=_now(ws))
    log.warning(ws.t("effects.log_document_failed", key=doc.key, error=notice))
    report.failed += 1


def _worth_trying_again(ws: Workspace, doc: Document, templates: Callable[[], str], report: ProduceReport) -> bool:
    """Only once the cause changed: another file at the path (or none), or edited templates."""
    kind, _, mark = doc.blocked_by.partition(":")
    if kind == "templates":
        return mark != templates()
    if kind != "file":
        return True
    current = file_sha256(ws.root / doc.path)
    if current is not None and current == doc.sha256:   # a person put the issued file back
        documents.mark_written(ws.store, doc.key, sha256=doc.sha256, at=_now(ws))
        report.written += 1
        return False
    return current != mark


def file_sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


def templates_fingerprint(ws: Workspace) -> str:
    """Names, sizes and times of every template file (workspace and bundled): moves when one is edited."""
    h = hashlib.blake2b(digest_size=12)
    for root in (ws.cfg.templates_dir, bundled_dir("templates")):
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            with contextlib.suppress(OSError):
                st = path.stat()
                h.update(f"{path.relative_to(root)}\x1f{st.st_size}\x1f{st.st_mtime_ns}\x1e".encode())
    return h.hexdigest()


@contextlib.contextmanager
def source_date(issued_on: str) -> Iterator[None]:
    """SOURCE_DATE_EPOCH = midnight UTC of the issue date while rendering (see the module docstring)."""
    day = dt.date.fromisoformat(issued_on)
    epoch = int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())
    before = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = before


def _once(fn: Callable[[], str]) -> Callable[[], str]:
    """Computed on first use only: walking the templates costs a few ms, and most passes fail nothing."""
    memo: list[str] = []

    def get() -> str:
        if not memo:
            memo.append(fn())
        return memo[0]

    return get


def _now(ws: Workspace) -> str:
    return ws.clock.now().isoformat(timespec="seconds")
