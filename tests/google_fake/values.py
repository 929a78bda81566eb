"""Cell values in and out: render options, input parsing, and reading or writing a block of a tab."""

from __future__ import annotations

import re
from typing import Any

from .a1 import Box, col_letters, format_box
from .constants import Cell, Rows
from .dates import formatted, is_dated, parse_typed
from .errors import GoogleError
from .state import Sheet, _trim


def render(v: Cell, option: str, number_format: dict[str, Any] | None = None,
           date_option: str = "SERIAL_NUMBER") -> Cell:
    """FORMATTED_VALUE turns everything into display strings; UNFORMATTED/FORMULA keep JSON types, except that a
    date cell is its text under dateTimeRenderOption=FORMATTED_STRING."""
    number = isinstance(v, int | float) and not isinstance(v, bool)
    as_text = option == "FORMATTED_VALUE" or date_option == "FORMATTED_STRING"
    if as_text and number and is_dated(number_format):
        return formatted(v, number_format or {})
    if option == "FORMATTED_VALUE" and number and (number_format or {}).get("pattern", "").startswith("#,##0"):
        decimals = len(number_format["pattern"].partition(".")[2]) if number_format else 0
        return f"{v:,.{decimals}f}"
    if option in ("UNFORMATTED_VALUE", "FORMULA"):
        return int(v) if isinstance(v, float) and v.is_integer() else v     # Google's JSON writes 100, not 100.0
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def parse_input(v: Cell, option: str) -> Cell:
    """RAW stores as sent; USER_ENTERED parses numbers and booleans the way typing them in the browser would
    (dates: typed_cell)."""
    if option == "RAW" or not isinstance(v, str):
        return v
    if v.startswith("'"):
        return v[1:]
    if v.upper() in ("TRUE", "FALSE"):
        return v.upper() == "TRUE"
    try:
        number = float(v.replace(",", "")) if re.fullmatch(r"[-+]?[\d,]*\.?\d+(e[-+]?\d+)?", v, re.I) else None
    except ValueError:
        number = None
    if number is None:
        return v
    return int(number) if number.is_integer() and "." not in v and "e" not in v.lower() else number


def typed_cell(v: Cell, option: str) -> tuple[Cell, dict[str, Any] | None]:
    """The value to store and, for a typed date or date-time, the number format Google puts on the cell."""
    if option == "USER_ENTERED" and isinstance(v, str) and not v.startswith("'"):
        dated = parse_typed(v)
        if dated is not None:
            return dated
        stored = parse_input(v, option)
        if "," in v and isinstance(stored, int | float):     # typed with separators: shown so (recorded)
            decimals = len(v.partition(".")[2])
            return stored, {"type": "NUMBER", "pattern": "#,##0" + ("." + "0" * decimals if decimals else "")}
        return stored, None
    return parse_input(v, option), None


def read_box(sheet: Sheet, box: Box, option: str, date_option: str = "SERIAL_NUMBER") -> tuple[Box, Rows]:
    if box.r0 >= sheet.row_count or box.c0 >= sheet.column_count:
        raise GoogleError(400, f"Range ({format_box(sheet.title, Box(box.r0, box.c0, box.r0 + 1, box.c0 + 1))}) "
                               f"exceeds grid limits. Max rows: {sheet.row_count}, max columns: {sheet.column_count}")
    clipped = box.clip(sheet.row_count, sheet.column_count)
    assert clipped.r1 is not None and clipped.c1 is not None
    rows = [[render(sheet.get(r, c), option, sheet.formats.get((r, c), {}).get("numberFormat"), date_option)
             for c in range(clipped.c0, clipped.c1)] for r in range(clipped.r0, clipped.r1)]
    return clipped, _trim(rows)


def write_box(sheet: Sheet, box: Box, values: Rows, option: str, major: str | None,
              touched: set[tuple[str, int, int]] | None = None) -> dict[str, Any]:
    """Write a block of values, erroring where Google errors: outside the grid or beyond a bounded range.

    Google counts only the rows and columns a value actually went to (a null leaves a cell alone and is not
    counted), while updatedRange names the whole block (recorded: test_update_cells_noncontiguous). `touched`
    collects (tab, row, column) of each cell written, for a batch's totals.
    """
    if major == "COLUMNS":
        width = max((len(c) for c in values), default=0)
        values = [[col[i] if i < len(col) else None for col in values] for i in range(width)]
    height, width = len(values), max((len(r) for r in values), default=0)
    full = format_box(sheet.title, Box(box.r0, box.c0, box.r0 + max(height, 1), box.c0 + max(width, 1)))
    if not box.single:
        if box.r1 is not None and box.r0 + height > box.r1:
            raise GoogleError(400, f"Requested writing within range [{format_box(sheet.title, box.clip(10**9, 10**9))}]"
                                   f", but tried writing to row [{box.r1 + 1}]")
        if box.c1 is not None and box.c0 + width > box.c1:
            raise GoogleError(400, f"Requested writing within range [{format_box(sheet.title, box.clip(10**9, 10**9))}]"
                                   f", but tried writing to column [{col_letters(box.c1)}]")
    if box.r0 + height > sheet.row_count or box.c0 + width > sheet.column_count:
        raise GoogleError(400, f"Range ({full}) exceeds grid limits. "
                               f"Max rows: {sheet.row_count}, max columns: {sheet.column_count}")
    written: set[tuple[str, int, int]] = set()
    for i, row in enumerate(values):
        for j, v in enumerate(row):
            if v is None:          # null in a ValueRange leaves the cell alone
                continue
            stored, number_format = typed_cell(v, option)
            sheet.put(box.r0 + i, box.c0 + j, stored)
            if number_format is not None:
                sheet.formats.setdefault((box.r0 + i, box.c0 + j), {})["numberFormat"] = number_format
            written.add((sheet.title, box.r0 + i, box.c0 + j))
    if touched is not None:
        touched |= written
    return {"updatedRange": full, "updatedRows": len({r for _, r, _ in written}),
            "updatedColumns": len({c for _, _, c in written}), "updatedCells": len(written)}


def clear_box(sheet: Sheet, box: Box) -> str:
    """values:clear empties the values (notes, formats and validation stay) and names the range it covered."""
    clipped = box.clip(sheet.row_count, sheet.column_count)
    assert clipped.r1 is not None and clipped.c1 is not None
    for r in range(clipped.r0, min(clipped.r1, len(sheet.values))):
        row = sheet.values[r]
        for c in range(clipped.c0, min(clipped.c1, len(row))):
            row[c] = ""
    return format_box(sheet.title, clipped)
