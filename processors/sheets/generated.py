"""Workbooks sheetflow writes whole (the undelivered lines, the rent roll, the leasing report).

Nobody edits them, so there is nothing of a person's to keep: each is built with
openpyxl and put in place by rename, only when what it shows changed (a digest kept
in the store), never while someone has it open. Every cell goes through
cells.put_value: staff text in them is never a formula, numbers and dates keep their type.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from ..sheets.locks import find_lock
from ..store.db import Store
from . import printing
from .cells import put_value
from .layout import LINE_PT, Column, Layout, lay_out, line_count
from .printing import PageText

# Part of every generated workbook's digest: a workbook written before its look last changed is written again
# at the next pass, even when its data did not change.
LOOK = 2
# Named, as openpyxl's default font is: a font without a name falls back to a serif face in LibreOffice.
HEADER_FONT = Font(name="Calibri", size=11, bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="595959")
HEADER_ALIGN = Alignment(wrap_text=True, vertical="center")
NOTE_FONT = Font(name="Calibri", size=11, italic=True, color="808080")
_GRID = Side(style="thin", color="BFBFBF")
BOX = Border(left=_GRID, right=_GRID, top=_GRID, bottom=_GRID)
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")


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


def page_text(t: Callable[..., str], zh: str, en: str, day: dt.date) -> PageText:
    """The printed page's header and footer: the bilingual title, the day it was written, page x of y."""
    return PageText(f"{zh} {en}", t("outputlooks.written", date=day.isoformat()), t("outputlooks.page"))


def table_sheet(wb: Workbook, title: str, columns: Sequence[Column], rows: Sequence[Sequence[object]], *,
                note: str = "", page: PageText | None = None, autofilter: bool = True) -> Any:
    """One sheet: a dark bilingual header row, frozen and filtered, the rows, a grey note under them, and a page
    setup that prints it legibly on few pages (when `page` gives its header and footer).

    Widths and row heights are measured from what the cells show (layout.py); a column's
    number format (cells.MONEY …) applies to the numbers in it, text in it stays text.
    """
    sheet = wb.create_sheet(title)
    layout = lay_out(columns, rows)
    for col, text in enumerate(layout.headers, start=1):
        style_header(sheet.cell(row=1, column=col), text)
    if layout.header_height:
        sheet.row_dimensions[1].height = layout.header_height
    _body(sheet, columns, rows, layout)
    for col, width in enumerate(layout.widths, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = round(width, 1)
    sheet.freeze_panes = "A2"
    if autofilter and columns:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(rows) + 1}"
    heights = layout.printed_heights()
    if note:
        heights += [LINE_PT, _note(sheet, len(rows) + 3, note, layout.widths)]
    if page is not None:
        printing.apply(sheet, printing.plan(layout.widths, heights), page)
    return sheet


def style_header(cell: Any, text: str) -> None:
    """A header cell (the first row, or the head of a second block on the same sheet)."""
    put_value(cell, text)
    cell.font = HEADER_FONT
    cell.fill = HEADER_FILL
    cell.border = BOX
    cell.alignment = HEADER_ALIGN


def _body(sheet: Any, columns: Sequence[Column], rows: Sequence[Sequence[object]], layout: Layout) -> None:
    for r, row in enumerate(rows):
        height = layout.heights[r]
        if height:
            sheet.row_dimensions[r + 2].height = height
        for c, value in enumerate(row):
            cell = sheet.cell(row=r + 2, column=c + 1)
            put_value(cell, value, columns[c].format if c < len(columns) else None)
            cell.border = BOX
            if (r, c) in layout.wrapped:
                cell.alignment = WRAP_TOP
            elif height:
                cell.alignment = TOP


def _note(sheet: Any, row: int, note: str, widths: Sequence[float]) -> float:
    """The grey note under the table, wrapped within the table's width; returns its row's height."""
    cell = sheet.cell(row=row, column=1)
    put_value(cell, note)
    cell.font = NOTE_FONT
    if len(widths) > 1:
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(widths))
    cell.alignment = WRAP_TOP
    height = line_count(note, sum(widths)) * LINE_PT
    sheet.row_dimensions[row].height = height
    return height


def write_table(store: Store, meta: str, path: Path, title: str, columns: Sequence[Column],
                rows: list[list[object]], note: str, page: PageText) -> Path | None:
    """Rewrite the workbook if what it shows changed (or it is gone); None when it was left as it was."""
    mark = repr((LOOK, rows, tuple(c.format for c in columns)))
    if unchanged(store, meta, mark, path, empty=not rows):
        return None
    wb = Workbook()
    table_sheet(wb, title, columns, rows, note=note, page=page)
    save(wb, path)
    with store.transaction():
        store.set_meta(meta, mark)
    return path
