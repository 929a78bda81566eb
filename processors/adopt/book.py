"""Adopt one workbook: find its form, bring it into sheets/, decide its rows, write the cells adopt owns.

The form is found as a pass finds columns: by the sheet's name and its headers
(forms' labels and aliases), the same `find_sheet` / `find_header` the reader
uses. A workbook from outside the workspace is copied to the form's place in
sheets/ first (never over an existing one: rows are not merged into a sheet
sheetflow already keeps), so the records name the file every later pass reads.
The writes go through the engine's write path (`LocalBook.write`): cell patches,
never formulas, and while the workbook is open in an editor they wait in the
store until `run` or `watch` finds it closed.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import python_calamine as pc

from ..engine.books.local import LocalBook
from ..engine.diff import diff_snapshot
from ..engine.report import SyncResult
from ..engine.rows import cell_text
from ..errors import SheetflowError, WorkbookChangedError, WorkbookError, WorkbookLockedError
from ..forms.definition import FormDef
from ..kinds import kind_for
from ..sheets.base import SheetRow, Snapshot
from ..sheets.grid import find_header, find_sheet
from ..sheets.xlsx_read import classify, read_snapshot
from ..workspace import Workspace
from .adopter import Adopter
from .orders import LineAdopter, OrderAdopter, OrderPlan, line_reasons, plan_orders


class AdoptError(SheetflowError):
    """The workbook cannot be adopted as a whole (no form matches, the form refuses, the target exists)."""

    exit_code = 2


class _DryRun(Exception):
    """Raised inside the store transaction to roll a --dry-run back."""


@dataclass
class Adoption:
    form: FormDef
    path: Path                  # the workbook in sheets/ (or, for a dry run from outside, the source)
    file: str                   # how the store names it
    snap: Snapshot
    result: SyncResult
    skipped: list[tuple[int, str]] = field(default_factory=list)
    unchanged: set[int] = field(default_factory=set)    # rows read as decided before (adopted or refused)
    adopted_before: set[int] = field(default_factory=set)   # of those, the rows whose number is a record here
    copied: bool = False
    waiting: int = 0
    lock: str = ""
    dry_run: bool = False
    by: str = ""
    lines: Adoption | None = None     # a purchase order's: its lines' workbook, adopted in the same run


def choose_form(ws: Workspace, path: Path, wanted: str | None) -> FormDef:
    """The form named, else the one whose sheet name and headers the workbook matches best."""
    if wanted:
        form = ws.forms.get(wanted) or next((f for f in ws.forms.values() if wanted in f.title.values()), None)
        if form is None:
            raise AdoptError(ws.t("adopt.no_such_form", form=wanted, forms=", ".join(ws.forms)))
        return form
    classify(path)
    wb = pc.CalamineWorkbook.from_path(str(path))
    try:
        names = list(wb.sheet_names)
        best: tuple[int, FormDef | None] = (0, None)
        near: WorkbookError | None = None     # a sheet named as a form's, its headers short of a column
        for form in ws.forms.values():
            try:
                name = find_sheet(path, names, form, ws.sheet_name(form))
            except WorkbookError:
                continue
            try:
                _, columns = find_header(path, wb.get_sheet_by_name(name).to_python(False, nrows=12), form)
            except WorkbookError as exc:
                near = near or exc
                continue
            if len(columns) > best[0]:
                best = (len(columns), form)
    finally:
        wb.close()
    if best[1] is None:
        if near is not None:
            raise near
        raise AdoptError(ws.t("adopt.no_form_matches", file=path.name, forms=", ".join(ws.forms)))
    return best[1]


def refusal(ws: Workspace, form: FormDef) -> str:
    """Why this form cannot be adopted ('' when it can)."""
    if form.adopt is None:
        return ws.t("adopt.form_without_table", form=ws.t.pick(form.title), path=form.path.name)
    return ws.t.pick(form.adopt.refuse) if form.adopt.refuse else ""


def target_of(ws: Workspace, form: FormDef, path: Path) -> tuple[Path, bool]:
    """(the workbook in sheets/ a pass reads, whether `path` must be copied there first)."""
    here = {p.resolve() for p in ws.files_of(form)}
    if path.resolve() in here:
        return path, False
    pattern = ws.file_pattern(form)
    name = path.name if any(ch in pattern for ch in "*?[") else pattern
    target = ws.cfg.sheets_dir / name
    if target.exists():
        raise AdoptError(ws.t("adopt.target_exists", file=path.name, target=ws.rel(target)))
    return target, True


def adopt_book(ws: Workspace, form: FormDef, source: Path, *, by: str, dry_run: bool) -> Adoption:
    target, copy = target_of(ws, form, source)
    label = ws.rel(target)
    with ws.exclusive():
        if dry_run:
            try:
                with ws.store.transaction():
                    adoption = _decide_any(ws, form, source, label, by, source)
                    raise _DryRun
            except _DryRun:
                adoption.dry_run = True
                return adoption
        if copy:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
        adoption = _decide_any(ws, form, target, label, by, source)
        adoption.copied = copy
        _write(ws, form, adoption)
        if adoption.lines is not None:
            _write(ws, adoption.lines.form, adoption.lines)
    return adoption


def _decide_any(ws: Workspace, form: FormDef, path: Path, label: str, by: str, source: Path) -> Adoption:
    return _decide_orders(ws, form, path, label, by, source) if form.kind == "purchase_order" \
        else _decide(ws, form, path, label, by, source)


def _decide_orders(ws: Workspace, form: FormDef, path: Path, label: str, by: str, source: Path) -> Adoption:
    """The lines, then the orders; first as a trial rolled back, which tells the orders refused for their own
    reasons (their lines are then refused too) and each adopted order's number and due day (its lines say them)."""
    lform = next((f for f in ws.forms.values() if f.kind == "order_line"), None)
    lpath = next((p for p in ws.files_of(lform) if p.exists()), None) if lform else None
    if lform is None or lpath is None:
        raise AdoptError(ws.t("adopt.no_lines_book", file=path.name))
    plan = plan_orders(form, read_snapshot(path, form, ws.sheet_name(form)))
    with ws.store.transaction():
        refused: set[int] = set()
        try:
            with ws.store.savepoint():
                _, orders = _orders_once(ws, form, lform, path, lpath, label, by, source, plan, trial=True)
                refused = {o.row for o in orders.result.outcomes if not o.valid}
                plan.adopted = {o.row: (o.key, _due_of(ws, o.key)) for o in orders.result.outcomes if o.valid}
                raise _DryRun
        except _DryRun:
            pass
        plan.refused = refused | set(plan.line_reasons)
        lines, orders = _orders_once(ws, form, lform, path, lpath, label, by, source, plan)
    orders.lines = lines
    return orders


def _orders_once(ws: Workspace, form: FormDef, lform: FormDef, path: Path, lpath: Path, label: str, by: str,
                 source: Path, plan: OrderPlan, trial: bool = False) -> tuple[Adoption, Adoption]:
    lines = _decide(ws, lform, lpath, ws.rel(lpath), by, lpath,
                    partial(LineAdopter, plan=plan, orders=form))   # type: ignore[arg-type]
    if trial:     # the real run keeps what the trial found: a line refused only for its order adds nothing
        refused_lines = {o.row: o.message for o in lines.result.outcomes if not o.valid and o.message}
        line_reasons(ws, plan, lines.snap, refused_lines, form)
    orders = _decide(ws, form, path, label, by, source, partial(OrderAdopter, plan=plan))   # type: ignore[arg-type]
    return lines, orders


def _due_of(ws: Workspace, key: str) -> str:
    record = ws.store.record(key)
    return (record.data.get("confirmed_date") or record.data.get("delivery_date") or "") if record else ""


def _decide(ws: Workspace, form: FormDef, path: Path, label: str, by: str, source: Path,
            make: Callable[..., Adopter] = Adopter) -> Adoption:
    ws.revalidate_if_rules_changed()    # as a pass starts: else the first pass after would re-check every row
    kind = kind_for(ws, form)
    kind.prepare()
    snap = read_snapshot(path, form, ws.sheet_name(form))
    diff = diff_snapshot(ws.store, form, snap, label)
    adopter = make(ws, form, kind, diff, by=by, source=source.name)
    result = adopter.run()
    changed = set(diff.changed)
    unchanged = {row.number for i, row in enumerate(snap.rows) if i not in changed}
    before = {row.number for row in snap.rows if row.number in unchanged and _ours(ws, form, label, row)}
    return Adoption(form=form, path=path, file=label, snap=snap, result=result, skipped=adopter.skipped,
                    unchanged=unchanged, adopted_before=before, by=by)


def _ours(ws: Workspace, form: FormDef, file: str, row: SheetRow) -> bool:
    key = cell_text(row.values.get("key"))
    record = ws.store.record(key) if key else None
    return record is not None and record.form == form.id and record.file == file


def _write(ws: Workspace, form: FormDef, adoption: Adoption) -> None:
    book = LocalBook(ws, form, adoption.path)
    snaps = {form.id: adoption.snap}
    for attempt in range(3):
        try:
            book.write(snaps)
            break
        except (WorkbookLockedError, WorkbookChangedError):   # opened or saved between our check and rename
            if attempt == 2:
                raise
    adoption.waiting = book.report.waiting
    adoption.lock = book.report.lock.name if book.report.lock else ""
