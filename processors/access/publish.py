"""The published folder (A1, ordinary users): read-only copies of what is approved and in force, and the reports.

Ordinary users read; they never save. So every file here is written by sheetflow
alone, whole, into a temporary file beside it, made read-only (0444) and renamed
into place: a reader sees the old file or the new one, and a person who opens
one cannot save over it. Each form that names `[publish] states` gets one
workbook of its records in those states (its staff columns with the record's
number, state and time of the last change; no sign-off column, nothing from the
private part); each report in output/ (a generated .xlsx, and the .pdf of the same name beside it) is
copied into `报表/`. Issued documents (a PDF alone: an order, a contract, a payment request) go to their
recipients and are not published.

A file whose content did not change is left alone, inode and time included: a
workbook carries the digest of what it shows in its document properties and is
compared by that, a report copy keeps its source's size and time and is compared
by those, then by its bytes. A file that is no longer published (a form's
`[publish]` removed, a report gone) is removed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import filecmp
import hashlib
import os
import re
import shutil
import stat
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from openpyxl import Workbook

from ..engine.report import PassReport
from ..forms.definition import FieldDef, FormDef
from ..forms.fields import choice_options
from ..sheets.cells import COUNT, DATE, DATETIME, MONEY, QUANTITY
from ..sheets.generated import page_text, table_sheet
from ..sheets.layout import Column
from ..store import documents
from ..store.db import Record
from ..workspace import Workspace

READ_ONLY = 0o444
REPORTS = "报表"
#: part of every published workbook's digest: a change of look rewrites them once
LOOK = 1
MARK = "sheetflow-published:"
_MARK_RE = re.compile(rb"<dc:identifier>" + re.escape(MARK.encode()) + rb"([0-9a-f]+)</dc:identifier>")
_FORMATS = {"money": MONEY, "decimal": QUANTITY, "integer": COUNT, "date": DATE, "datetime": DATETIME}
_TEMP = ".sheetflow-tmp"
STAGE = "publish"                      # the pass's stage (a fault there shows in status under this name)
SETTINGS = "published_settings"        # store meta: the digest of the forms' [publish] last written


@dataclass
class Published:
    """What one refresh did: the files it (re)wrote, removed and left as they were."""

    written: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    kept: int = 0


def published_forms(ws: Workspace) -> list[FormDef]:
    return [f for f in ws.forms.values() if f.publish.states]


def workbook_path(ws: Workspace, form: FormDef) -> Path:
    return ws.cfg.published_dir / f"{form.title['zh']}.xlsx"


def refresh(ws: Workspace, report: PassReport | None = None) -> Published:
    """Bring the published folder up to date; with a pass's `report`, the forms' workbooks are looked at only
    when that pass changed something (or a workbook is missing): an idle pass costs a folder listing."""
    out = Published()
    folder = ws.cfg.published_dir
    folder.mkdir(parents=True, exist_ok=True)
    forms = published_forms(ws)
    settings = _settings(ws, forms)
    if report is None or _changed(ws, report) or ws.store.meta(SETTINGS) != settings \
            or any(not workbook_path(ws, f).exists() for f in forms):
        for form in forms:
            _form_workbook(ws, form, out)
        wanted = {workbook_path(ws, f).name for f in forms}
        for path in folder.glob("*.xlsx"):
            if path.name not in wanted and _mark_of(path) is not None:   # ours, and no longer published
                _remove(path, out)
        if ws.store.meta(SETTINGS) != settings:
            with ws.store.transaction():
                ws.store.set_meta(SETTINGS, settings)
    _reports(ws, folder / REPORTS, out)
    return out


def _settings(ws: Workspace, forms: list[FormDef]) -> str:
    """What the workbooks are made from besides the records: a form's [publish] edited rewrites them."""
    text = repr((LOOK, ws.t.language, [(f.id, f.publish.states, f.publish.leave_out) for f in forms]))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _changed(ws: Workspace, report: PassReport) -> bool:
    """The pass changed a record, wrote a sheet or had a fault; or the last refresh failed (tried again)."""
    if any(f.changed or f.written or f.numbered for f in report.files) or report.faults:
        return True
    return ws.store.has_faults() and any(f["stage"] == STAGE for f in ws.store.faults())


# -- a form's workbook -----------------------------------------------------------------------------

def staff_fields(form: FormDef) -> list[FieldDef]:
    """The columns staff fill, as ordinary users may read them: no sign-off column, none the form leaves out."""
    return [f for f in form.fields if f.type != "signoff" and f.name not in form.publish.leave_out]


def columns(form: FormDef) -> list[Column]:
    key = form.system_column("key")
    updated = form.system_column("updated")
    cols = [Column(key.label["zh"], key.label["en"]) if key else Column("编号", "No."), Column("状态", "State")]
    cols += [Column(f.label["zh"], f.label["en"], _FORMATS.get(f.type)) for f in staff_fields(form)]
    cols.append(Column(updated.label["zh"], updated.label["en"], DATETIME) if updated
                else Column("更新时间", "Updated", DATETIME))
    return cols


def rows(ws: Workspace, form: FormDef) -> list[list[object]]:
    fields = staff_fields(form)
    labels = {name: ws.t.pick(s.label) for name, s in form.states.items()}
    choices = {f.name: dict(choice_options(f, ws.cfg, ws.t.language)) for f in fields if f.type == "choice"}
    out = []
    for record in ws.store.records_in(form.id, form.publish.states):
        values = [_typed(f, record.data.get(f.name, ""), choices.get(f.name)) for f in fields]
        out.append([record.key, labels.get(record.state, record.state), *values, _updated(ws, record)])
    return out


def _typed(fdef: FieldDef, text: object, choices: dict[str, str] | None) -> object:
    """The stored text as the cell shows it: numbers and dates keep their type, a choice shows its label."""
    if not isinstance(text, str) or not text:
        return text if isinstance(text, (int, float, Decimal)) and not isinstance(text, bool) else (text or "")
    try:
        if fdef.type in ("money", "decimal"):
            return Decimal(text)
        if fdef.type == "integer":
            return int(Decimal(text))
        if fdef.type == "date":
            return dt.date.fromisoformat(text[:10])
        if fdef.type == "datetime":
            return dt.datetime.fromisoformat(text).replace(tzinfo=None)
    except (InvalidOperation, ValueError):
        return text
    return choices.get(text, text) if choices is not None else text


def _updated(ws: Workspace, record: Record) -> object:
    try:
        at = dt.datetime.fromisoformat(record.updated_at)
    except ValueError:
        return record.updated_at
    return (at.astimezone(ws.cfg.tz) if at.tzinfo else at).replace(tzinfo=None, microsecond=0)


def _form_workbook(ws: Workspace, form: FormDef, out: Published) -> None:
    cols, body = columns(form), rows(ws, form)
    digest = hashlib.sha256(repr((LOOK, ws.t.language, [(c.zh, c.en, c.format) for c in cols], body))
                            .encode("utf-8")).hexdigest()
    path = workbook_path(ws, form)
    if _mark_of(path) == digest:
        _keep(path, out)
        return
    title = form.title["zh"]
    wb = Workbook()
    table_sheet(wb, title[:31], cols, body, note=ws.t("access.published_note", states="、".join(
        ws.t.pick(form.states[s].label) for s in form.publish.states)),
        page=page_text(ws.t, title, form.title["en"], ws.clock.today()))
    wb.remove(wb.worksheets[0])
    wb.properties.identifier = MARK + digest
    wb.properties.title = f"{title} {form.title['en']}"
    _install(path, wb.save, out)


def _mark_of(path: Path) -> str | None:
    """The digest a published workbook was written with (its core properties), None if it is not one of ours."""
    try:
        with zipfile.ZipFile(path) as z:
            found = _MARK_RE.search(z.read("docProps/core.xml"))
    except (OSError, KeyError, zipfile.BadZipFile):
        return None
    return found.group(1).decode() if found else None


# -- the reports -----------------------------------------------------------------------------------

def report_files(ws: Workspace) -> list[Path]:
    """The reports in output/: each generated workbook, and the PDF of the same name beside it. A PDF alone is
    an issued document (and one the store lists as such is never taken, whatever its name)."""
    folder = ws.cfg.output_dir
    if not folder.is_dir():
        return []
    names = {e.name for e in os.scandir(folder) if e.is_file() and not e.name.startswith((".", "~$"))}
    books = {n for n in names if n.endswith(".xlsx")}
    pdfs = [n for n in names if n.endswith(".pdf") and n[:-4] + ".xlsx" in books]
    issued = documents.by_paths(ws.store, [ws.rel(folder / n) for n in pdfs])
    return sorted(folder / n for n in (*books, *pdfs) if ws.rel(folder / n) not in issued)


def _reports(ws: Workspace, folder: Path, out: Published) -> None:
    sources = report_files(ws)
    if sources:
        folder.mkdir(exist_ok=True)
    for src in sources:
        dest = folder / src.name
        if _same(src, dest):
            _keep(dest, out)
        else:
            _install(dest, lambda tmp, src=src: shutil.copy2(src, tmp), out)
    if folder.is_dir():
        wanted = {s.name for s in sources}
        for path in folder.iterdir():
            if path.name not in wanted and not path.name.endswith(_TEMP):
                _remove(path, out)


def _same(src: Path, dest: Path) -> bool:
    """A copy as its source is: same size and time (copy2 keeps the time), or else the same content: the same
    bytes, or for a workbook written again with nothing changed, the same parts (a zip stamps each part with the
    time it was written, and the document properties with the time it was saved)."""
    try:
        a, b = src.stat(), dest.stat()
    except OSError:
        return False
    if a.st_size == b.st_size and a.st_mtime_ns == b.st_mtime_ns:
        return True
    if src.suffix == ".xlsx":
        parts = _parts(src)
        return parts is not None and parts == _parts(dest)
    return a.st_size == b.st_size and filecmp.cmp(src, dest, shallow=False)


def _parts(path: Path) -> list[tuple[str, int, int]] | None:
    """Each part of a workbook but its save time: name, CRC and size, from the zip's directory alone."""
    try:
        with zipfile.ZipFile(path) as z:
            return sorted((i.filename, i.CRC, i.file_size) for i in z.infolist() if i.filename != "docProps/core.xml")
    except (OSError, zipfile.BadZipFile):
        return None


# -- writing ---------------------------------------------------------------------------------------

def _install(path: Path, write: Callable[[Path], object], out: Published) -> None:
    """Write beside the file, make it read-only, rename it into place: never a half-written or writable copy."""
    tmp = path.with_name(f".{path.name}{_TEMP}")
    with _cleaning(tmp):
        write(tmp)
        os.chmod(tmp, READ_ONLY)
        os.replace(tmp, path)
    out.written.append(path)


@contextlib.contextmanager
def _cleaning(tmp: Path) -> Iterator[None]:
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()                       # one left by a crash (read-only: it would refuse to be written)
    try:
        yield
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _keep(path: Path, out: Published) -> None:
    """Unchanged: left as it is, only made read-only again if someone loosened it."""
    if stat.S_IMODE(path.stat().st_mode) != READ_ONLY:
        os.chmod(path, READ_ONLY)
    out.kept += 1


def _remove(path: Path, out: Published) -> None:
    path.unlink()
    out.removed.append(path)
