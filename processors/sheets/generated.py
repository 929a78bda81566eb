"""Workbooks sheetflow writes whole (the undelivered lines, the rent roll, the leasing report).

Nobody edits them, so there is nothing of a person's to keep: each is built with
openpyxl and put in place by rename, only when what it shows changed (a digest kept
in the store), never while someone has it open. Every cell goes through
cells.put_value: staff text in them is never a formula, numbers and dates keep their type.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from ..sheets.locks import find_lock
from ..store.db import Store
from .cells import put_value


def unchanged(store: Store, meta: str, mark: str, path: Path, *, empty: bool) -> bool:
    """True when the file needs no rewrite: as written last time, open in an editor, or nothing to show yet."""
    if store.meta(meta) == mark and path.exists():
        return True
    if empty and not path.exists():
        return True
    return find_lock(path) is not None


def save(wb: Workbook, path: Path) -> None:
    """Atomically, without the empty default sheet a new Workbook starts with."""
    if len(wb.worksheets) > 1 and wb.worksheets[0].title == "Sheet" and wb.worksheets[0].max_row == 1:
        wb.remove(wb.worksheets[0])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.sheetflow-tmp")
    wb.save(tmp)
    os.replace(tmp, path)


def table_sheet(wb: Workbook, title: str, headers: Sequence[tuple[str, str]], rows: Sequence[Sequence[object]],
                widths: Sequence[float], note: str = "", formats: Sequence[str | None] = ()) -> None:
    """One sheet: a dark bilingual header row, frozen, the rows, and a grey note under them.

    `formats` gives a column's number format (cells.MONEY …) for the numbers in it; a column
    without one, or text in it, is written as its value's type says.
    """
    sheet = wb.create_sheet(title)
    for col, (zh, en) in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=col)
        put_value(cell, f"{zh} {en}")
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="595959")
    for r, row in enumerate(rows, start=2):
        for col, value in enumerate(row, start=1):
            put_value(sheet.cell(row=r, column=col), value, formats[col - 1] if col <= len(formats) else None)
    sheet.freeze_panes = "A2"
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=i).column_letter].width = width
    if note:
        cell = sheet.cell(row=len(rows) + 3, column=1)
        put_value(cell, note)
        cell.font = Font(italic=True, color="808080")


def write_table(store: Store, meta: str, path: Path, title: str, headers: Sequence[tuple[str, str]],
                rows: list[list[object]], widths: Sequence[float], note: str,
                formats: Sequence[str | None] = ()) -> Path | None:
    mark = repr((rows, tuple(formats)))
    if unchanged(store, meta, mark, path, empty=not rows):
        return None
    wb = Workbook()
    table_sheet(wb, title, headers, rows, widths, note, formats)
    save(wb, path)
    with store.transaction():
        store.set_meta(meta, mark)
    return path
