"""Put one record's row back to what the store holds, without touching any other row (issue 16).

The values come from the store: what was last accepted, or (`as_of`) that with
every later field change undone from the audit trail. They go into the sheet
through the engine's own write path: an owed write for that row, keyed by the
record's number and bound to the row as just read, then the book's ordinary
write. So a cell changed since the read is never overwritten (the write goes
stale and nothing is written), a workbook open in Excel is not written (the
write waits in the store, as any pass's does), and once written the row reads
as the store has it: the next pass finds nothing to decide, no route, no mail.

Only values a pass would take without a new sign-off are taken back in time:
free columns (remarks) are set back in the store as well; a signed or tracked
value that differs from what is accepted now is an edit, and is refused with
what to do instead.
"""

from __future__ import annotations

import datetime as dt

from ..engine.books import Book
from ..engine.rows import cell_text, content_text, row_fingerprint
from ..errors import SheetflowError
from ..forms.definition import FieldDef, FormDef
from ..passes import _books as books_of  # the books a pass would open, Google included
from ..sheets.base import SheetRow, Snapshot
from ..store.audit import SYSTEM, visible
from ..store.db import Record
from ..workspace import Workspace
from .history import UnknownRecordError, field_label, when


class RestoreError(SheetflowError):
    """The row cannot be restored as asked; the message says why and what to do."""


def restore_row(ws: Workspace, key: str, as_of: dt.datetime | str | None) -> list[str]:
    """Put the row of record `key` back to the store's values (as of `as_of`); returns the lines to print.

    `as_of` may also be the text typed after `--as-of` (2026-11-29 10:32, or a day: its end)."""
    t, store = ws.t, ws.store
    if isinstance(as_of, str):
        as_of = parse_time(ws, as_of)
    record = store.record(key)
    if record is None:
        raise UnknownRecordError(t("audit.unknown_key", key=key))
    form = ws.forms[record.form]
    values, lines = _wanted(ws, record, form, as_of)
    book = _book_of(ws, record)
    read = book.read()
    snap = read.snaps.get(form.id)
    if snap is None:
        raise RestoreError(str(read.problems.get(form.id) or record.file))
    row = _row_of(ws, snap, record)
    cells = _cells(ws, form, snap, row, values)
    if not cells:
        return [*lines, t("audit.restore_nothing", key=key, row=row.number, file=record.file)]
    _owe(ws, record, snap, row, cells)
    book.write(read.snaps)
    return [*lines, _outcome(ws, book, record, row, cells)]


def parse_time(ws: Workspace, text: str) -> dt.datetime:
    """'2026-11-29 10:32', '2026-11-29T10:32:00+08:00', or '2026-11-29' (the end of that day)."""
    text = text.strip()
    try:
        if len(text) == 10:
            return dt.datetime.combine(dt.date.fromisoformat(text), dt.time(23, 59, 59))
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise RestoreError(ws.t("audit.bad_time", value=text)) from None


def _book_of(ws: Workspace, record: Record) -> Book:
    book = next((b for b in books_of(ws) if any(tab.label == record.file for tab in b.tabs)), None)
    if book is None:
        raise RestoreError(ws.t("audit.restore_no_row", key=record.key, file=record.file))
    return book


def _wanted(ws: Workspace, record: Record, form: FormDef,
            as_of: dt.datetime | None) -> tuple[dict[str, str], list[str]]:
    """The visible values the row should show; with `as_of`, free fields taken back are saved in the store."""
    now = visible(record.data)
    if as_of is None:
        return now, []
    at = (as_of if as_of.tzinfo else as_of.replace(tzinfo=ws.cfg.tz)).astimezone(ws.cfg.tz)
    at_iso = at.isoformat(timespec="seconds")
    if record.created_at > at_iso:
        raise RestoreError(ws.t("audit.restore_before_created", key=record.key, at=when(at_iso),
                                created=when(record.created_at)))
    then = dict(now)
    for change in reversed(ws.store.audit_of(record.key)):
        if change.at <= at_iso:
            break
        then[change.field] = change.old or ""
    differs = [f for f in restorable(form) if (then.get(f.name) or "") != (now.get(f.name) or "")]
    free = {f.name for f in form.free_fields}
    held = [f for f in differs if f.name not in free]
    if held:
        names = "、".join(field_label(ws.t, form, f.name) for f in held)
        raise RestoreError(ws.t("audit.restore_signed_changed", key=record.key, at=when(at_iso), fields=names))
    if not differs:
        return now, []
    data = {k: v for k, v in record.data.items() if k not in {f.name for f in differs}}
    data.update({f.name: then[f.name] for f in differs if then.get(f.name)})
    now_iso = ws.clock.now().isoformat(timespec="seconds")
    with ws.store.transaction():
        ws.store.save_record(record, at=now_iso, data=data, by=SYSTEM)
    names = "、".join(field_label(ws.t, form, f.name) for f in differs)
    return visible(record.data), [ws.t("audit.restore_free_applied", at=when(at_iso), fields=names)]


def restorable(form: FormDef) -> list[FieldDef]:
    """The staff's cells a record keeps: what they type before and after signing, never a sign-off cell."""
    return [*form.content_fields, *(f for f in form.tracking_fields if f.type != "signoff")]


def _row_of(ws: Workspace, snap: Snapshot, record: Record) -> SheetRow:
    rows = [r for r in snap.rows if cell_text(r.values.get("key")) == record.key]
    if not rows:
        raise RestoreError(ws.t("audit.restore_no_row", key=record.key, file=record.file))
    if len(rows) > 1:
        raise RestoreError(ws.t("audit.restore_many_rows", key=record.key, file=record.file, count=len(rows),
                                rows="、".join(str(r.number) for r in rows)))
    return rows[0]


def shown(fdef: FieldDef, value: str, lang: str) -> str:
    """A stored choice value as the sheet shows it (标准品 for `standard`); anything else as stored."""
    choice = next((c for c in fdef.choices if c.value == value), None)
    if choice is None:
        return value
    return choice.labels.get(lang) or choice.labels.get("zh") or next(iter(choice.labels.values()), value)


def _cells(ws: Workspace, form: FormDef, snap: Snapshot, row: SheetRow, values: dict[str, str]) -> dict[str, str]:
    """The staff cells of the row that differ from the store's values (signed ones as the row showed them)."""
    signed = {f.name for f in form.signed_fields}
    out: dict[str, str] = {}
    for fdef in restorable(form):
        if fdef.name not in snap.columns:
            continue
        value = values.get(fdef.name) or ""
        want = value if fdef.name in signed else shown(fdef, value, ws.cfg.language)
        if content_text(row.values.get(fdef.name)) != want:
            out[fdef.name] = want
    return out


def _owe(ws: Workspace, record: Record, snap: Snapshot, row: SheetRow, cells: dict[str, str]) -> None:
    """One owed write for this row, bound to it as read (a write a pass already owes it keeps its cells)."""
    target = f"key:{record.key}"
    owed = next((p for p in ws.store.pending(record.file) if p.target == target), None)
    with ws.store.transaction():
        ws.store.put_pending(form=record.form, file=record.file, target=target,
                             cells={**(owed.cells if owed else {}), **cells},
                             expected={"fp": row_fingerprint(snap, row)}, new_record=None,
                             at=ws.clock.now().isoformat(timespec="seconds"))


def _outcome(ws: Workspace, book: Book, record: Record, row: SheetRow, cells: dict[str, str]) -> str:
    t = ws.t
    rep = next(tab.report for tab in book.tabs if tab.label == record.file)
    if rep.lock is not None:
        return t("audit.restore_waiting", file=record.file, lock=rep.lock.name, key=record.key, count=len(cells))
    if any(p.target == f"key:{record.key}" for p in ws.store.pending(record.file)) or rep.stale:
        return t("audit.restore_changed", file=record.file, row=row.number)
    form = ws.forms[record.form]
    listed = "；".join(f"{field_label(t, form, n)} = {v or t('audit.empty')}" for n, v in cells.items())
    return t("audit.restore_done", key=record.key, row=row.number, file=record.file, count=len(cells), cells=listed)
