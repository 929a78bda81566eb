"""The Sheets API requests that give a form's tab the look of a generated workbook (sheets/look.py's palette).

Headers bold on their column's colour, the system columns grey with status and
message wrapping, sign-off columns yellow, every cell top-aligned so a row
reads across whatever the message's length (Google fits row heights to wrapped
text by itself). Widths are set only on columns this run adds: a width staff
chose stays theirs. The face stays Google's default: Sheets draws only the
fonts it serves, and draws CJK in the browser's own face whatever is named.
"""

from __future__ import annotations

from typing import Any

from .. import look
from ..form_layout import WRAPPED_ROLES, Column

#: a column-width unit in Sheets pixels (a digit of the default 10 pt Arial is 7 px, plus a cell's padding)
PIXELS_PER_UNIT = 7
_PAD_PX = 5


def _text(hex_rgb: str, bold: bool = False) -> dict[str, Any]:
    return {"foregroundColor": look.google_rgb(hex_rgb), "bold": bold}


def header_format(kind: str) -> dict[str, Any]:
    fill, text = {"system": (look.SYSTEM_HEADER, look.SYSTEM_HEADER_TEXT),
                  "signoff": (look.SIGN_HEADER, look.TEXT)}.get(kind, (look.STAFF_HEADER, look.TEXT))
    return {"backgroundColor": look.google_rgb(fill), "textFormat": _text(text, bold=True),
            "wrapStrategy": "WRAP", "verticalAlignment": "MIDDLE"}


def body_format(column: Column) -> dict[str, Any]:
    fmt: dict[str, Any] = {"verticalAlignment": "TOP"}
    if column.kind == "system":
        fmt |= {"backgroundColor": look.google_rgb(look.SYSTEM_FILL), "textFormat": _text(look.SYSTEM_TEXT),
                "wrapStrategy": "WRAP" if column.name in WRAPPED_ROLES else "OVERFLOW_CELL"}
    elif column.kind == "signoff":
        fmt |= {"backgroundColor": look.google_rgb(look.SIGN_FILL), "textFormat": _text(look.TEXT)}
    return fmt


def _repeat(sid: int | None, rows: tuple[int, int], col: int, fmt: dict[str, Any]) -> dict[str, Any]:
    fields = ",".join(sorted(fmt))
    return {"repeatCell": {"range": {"sheetId": sid, "startRowIndex": rows[0], "endRowIndex": rows[1],
                                     "startColumnIndex": col, "endColumnIndex": col + 1},
                           "cell": {"userEnteredFormat": fmt}, "fields": f"userEnteredFormat({fields})"}}


def look_requests(sid: int | None, header_row: int, placed: list[tuple[int, Column]], sized: set[str],
                  rows: int) -> list[dict[str, Any]]:
    """Requests for the columns `placed` ((1-based position, column)); `sized` names those to give a width."""
    reqs: list[dict[str, Any]] = []
    for col, column in placed:
        reqs.append(_repeat(sid, (header_row - 1, header_row), col - 1, header_format(column.kind)))
        reqs.append(_repeat(sid, (header_row, rows), col - 1, body_format(column)))
        if column.name in sized:
            reqs.append({"updateDimensionProperties": {
                "range": {"sheetId": sid, "dimension": "COLUMNS", "startIndex": col - 1, "endIndex": col},
                "properties": {"pixelSize": round(column.width * PIXELS_PER_UNIT + _PAD_PX)},
                "fields": "pixelSize"}})
    return reqs
