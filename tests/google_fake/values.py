"""Cell values in and out: render options, input parsing, and reading or writing a block of a tab."""

from __future__ import annotations

import re
from typing import Any

from .a1 import Box, col_letters, format_box
from .constants import Cell, Rows
from .errors import GoogleError
from .state import Sheet, _trim


def render(v: Cell, option: str) -> Cell:
    """FORMATTED_VALUE turns everything into display strings; UNFORMATTED/FORMULA keep JSON types."""
    if option in ("UNFORMATTED_VALUE", "FORMULA"):
        return int(v) if isinstance(v, float) and v.is_integer() else v     # Google's JSON writes 100, not 100.0
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def parse_input(v: Cell, option: str) -> Cell:
    """RAW stores as sent; USER_ENTERED parses numbers and booleans the way typing them in the browser would."""
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


def read_box(sheet: Sheet, box: Box, option: str) -> tuple[Box, Rows]:
    if box.r0 >= sheet.row_count or box.c0 >= sheet.column_count:
        raise GoogleError(400, f"Range ({format_box(sheet.title, Box(box.r0, box.c0, box.r0 + 1, box.c0 + 1))}) "
                               f"exceeds grid limits. Max rows: {sheet.row_count}, max columns: {sheet.column_count}")
    clipped = box.clip(sheet.row_count, sheet.column_count)
    assert clipped.r1 is not None and clipped.c1 is not None
    rows = [[sheet.get(r, c) for c in range(clipped.c0, clipped.c1)] for r in range(clipped.r0, clipped.r1)]
    return clipped, [[render(v, option) for v in row] for row in _trim(rows)]


def write_box(sheet: Sheet, box: Box, values: Rows, option: str, major: str | None) -> dict[str, Any]:
    """Write a block of values, erroring where Google errors: outside the grid or beyond a bounded range."""
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
    cells = 0
    for i, row in enumerate(values):
        for j, v in enumerate(row):
            if v is None:          # null in a ValueRange leaves the cell alone
                continue
            sheet.put(box.r0 + i, box.c0 + j, parse_input(v, option))
            cells += 1
    return {"updatedRange": full, "updatedRows": height, "updatedColumns": width, "updatedCells": cells}
