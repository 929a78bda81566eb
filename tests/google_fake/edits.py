"""Row moves a person makes in the browser (insert, delete, sort), applied to a tab's values, notes and validation.

The API subset the backend uses cannot move rows, but people do, and a backend that remembers "row 7" must notice;
these let tests make such edits without going through any endpoint.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .a1 import col_index
from .constants import Cell, Rows
from .state import Sheet, _is_empty, _trim

RowKey = Callable[[list[Cell]], Any] | str       # a column letter ("C") or a function of the row's stored cells


def _shift_cells(cells: dict[tuple[int, int], Any], mapping: Callable[[int], int | None]) -> dict[tuple[int, int], Any]:
    """Re-key per-cell things (notes, validation) by a row mapping; None drops the cell."""
    out = {}
    for (r, c), v in cells.items():
        new = mapping(r)
        if new is not None:
            out[(new, c)] = v
    return out


def insert_rows(sheet: Sheet, before: int, rows: Rows) -> None:
    """Insert `rows` at 0-based row `before`; what was there moves down and the grid grows to hold it.

    New rows start without notes or validation (the browser can copy them from a neighbour; tests that need
    that set it explicitly).  Protected ranges stretch or move the way Google moves them.
    """
    if not 0 <= before <= sheet.row_count:
        raise ValueError(f"row {before + 1} is outside {sheet.title!r} (1..{sheet.row_count + 1})")
    n = len(rows)
    if n == 0:
        return
    while len(sheet.values) < before:
        sheet.values.append([])
    sheet.values[before:before] = [["" if v is None else v for v in row] for row in rows]
    sheet.row_count += n
    sheet.column_count = max(sheet.column_count, max(len(r) for r in rows))
    sheet.notes = _shift_cells(sheet.notes, lambda r: r + n if r >= before else r)
    sheet.validation = _shift_cells(sheet.validation, lambda r: r + n if r >= before else r)
    for pr in sheet.protected:
        grid = pr["range"]
        start, end = grid.get("startRowIndex"), grid.get("endRowIndex")
        if start is not None and start >= before:
            grid["startRowIndex"] = start + n
        if end is not None and end > before:
            grid["endRowIndex"] = end + n


def delete_rows(sheet: Sheet, first: int, count: int) -> None:
    """Delete `count` rows from 0-based row `first`; rows below move up, the grid shrinks."""
    if count < 1 or first < 0 or first + count > sheet.row_count:
        raise ValueError(f"rows {first + 1}..{first + count} are not all inside {sheet.title!r} "
                         f"(1..{sheet.row_count})")
    end = first + count
    del sheet.values[first:end]
    sheet.row_count -= count

    def moved(r: int) -> int | None:
        return r if r < first else None if r < end else r - count

    sheet.notes = _shift_cells(sheet.notes, moved)
    sheet.validation = _shift_cells(sheet.validation, moved)
    kept = []
    for pr in sheet.protected:
        grid = pr["range"]
        start, stop = grid.get("startRowIndex"), grid.get("endRowIndex")
        new_start = None if start is None else (start if start < first else max(first, start - count))
        new_stop = None if stop is None else (stop if stop <= first else max(first, stop - count))
        if new_start is not None and new_stop is not None and new_stop <= new_start:
            continue                             # Google drops a protected range whose rows are all gone
        if new_start is not None:
            grid["startRowIndex"] = new_start
        if new_stop is not None:
            grid["endRowIndex"] = new_stop
        kept.append(pr)
    sheet.protected = kept


def sort_rows(sheet: Sheet, first: int, key: RowKey, reverse: bool = False) -> None:
    """Sort rows `first` (0-based) .. the last non-empty row, moving whole rows with their notes and validation.

    A column letter sorts by that cell's value as text, and, as in the browser, rows whose cell there is empty
    go last in either direction; a function gets the row's stored cells (padded with "" to the widest row of the
    range) and sorts by what it returns.
    The sort is stable, so rows with equal keys keep their order.
    """
    last = len(_trim([list(r) for r in sheet.values]))          # one past the last non-empty row
    if first >= last:
        return
    width = max(len(r) for r in sheet.values[first:last])
    rows = [list(sheet.values[r]) + [""] * (width - len(sheet.values[r])) for r in range(first, last)]
    order = list(range(last - first))
    if isinstance(key, str):
        col = col_index(key)
        filled = [i for i in order if col < width and not _is_empty(rows[i][col])]
        blank = sorted(set(order) - set(filled))
        filled.sort(key=lambda i: str(rows[i][col]), reverse=reverse)
        order = filled + blank
    else:
        order.sort(key=lambda i: key(rows[i]), reverse=reverse)
    sheet.values[first:last] = [rows[i] for i in order]
    new_row = {first + old: first + new for new, old in enumerate(order)}
    sheet.notes = _shift_cells(sheet.notes, lambda r: new_row.get(r, r))
    sheet.validation = _shift_cells(sheet.validation, lambda r: new_row.get(r, r))
