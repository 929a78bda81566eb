"""The endpoints: spreadsheets.get, values.*, and the routing of raw paths to them (files.get is in drive.py)."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from .a1 import Box, format_box, quote_sheet
from .batch import _spreadsheets_batch_update
from .constants import USER_EMAIL
from .drive import files_get
from .errors import GoogleError
from .state import Book, Sheet, _is_empty
from .values import read_box, render, write_box

if TYPE_CHECKING:
    from .server import FakeGoogle


def _spreadsheets_get(fake: FakeGoogle, sid: str, query: dict[str, list[str]]) -> dict[str, Any]:
    book = fake._book(sid)
    fields = ",".join(query.get("fields", []))
    ranges = query.get("ranges", [])
    with_grid = query.get("includeGridData", ["false"])[0] == "true" or (bool(ranges) and "data" in fields)
    sheets = []
    if with_grid:
        if not ranges:
            ranges = [quote_sheet(s.title) for s in book.sheets]
        picked: dict[int, tuple[Sheet, list[dict[str, Any]]]] = {}
        for a1 in ranges:
            sheet, box = book.resolve(a1)
            picked.setdefault(sheet.sheet_id, (sheet, []))[1].append(_grid_data(sheet, box, fields))
        for sheet, data in picked.values():
            sheets.append({"properties": sheet.properties(), "data": data})
    else:
        for s in book.sheets:
            entry: dict[str, Any] = {"properties": s.properties()}
            if s.protected:
                entry["protectedRanges"] = copy.deepcopy(s.protected)
            sheets.append(entry)
    return {"spreadsheetId": sid,
            "properties": {"title": book.title, "locale": book.locale, "autoRecalc": "ON_CHANGE",
                           "timeZone": book.time_zone},
            "sheets": sheets,
            "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{sid}/edit"}


def _grid_data(sheet: Sheet, box: Box, fields: str) -> dict[str, Any]:
    """GridData for one range: only the cell keys named in `fields` (all when none), trailing blanks dropped."""
    clipped = box.clip(sheet.row_count, sheet.column_count)
    assert clipped.r1 is not None and clipped.c1 is not None
    wanted = [k for k in ("userEnteredValue", "effectiveValue", "formattedValue", "note", "dataValidation")
              if not fields or k in fields or fields.rsplit(".", 1)[-1] == "values"]
    rows = []
    for r in range(clipped.r0, clipped.r1):
        cells = []
        for c in range(clipped.c0, clipped.c1):
            cell: dict[str, Any] = {}
            v = sheet.get(r, c)
            if not _is_empty(v):
                typed = ({"boolValue": v} if isinstance(v, bool) else
                         {"numberValue": v} if isinstance(v, int | float) else {"stringValue": v})
                cell.update({"userEnteredValue": typed, "effectiveValue": typed,
                             "formattedValue": render(v, "FORMATTED_VALUE")})
            if (r, c) in sheet.notes:
                cell["note"] = sheet.notes[(r, c)]
            if (r, c) in sheet.validation:
                cell["dataValidation"] = sheet.validation[(r, c)]
            cells.append({k: cell[k] for k in wanted if k in cell})
        while cells and not cells[-1]:
            cells.pop()
        rows.append({"values": cells} if cells else {})
    while rows and not rows[-1]:
        rows.pop()
    data: dict[str, Any] = {"startRow": clipped.r0, "startColumn": clipped.c0}
    if rows:
        data["rowData"] = rows
    return data


def _values_get(fake: FakeGoogle, sid: str, a1: str, query: dict[str, list[str]]) -> dict[str, Any]:
    book = fake._book(sid)
    _check_major(query)
    value_option = _enum(query, "valueRenderOption", VALUE_RENDER_OPTIONS)
    _enum(query, "dateTimeRenderOption", DATE_TIME_RENDER_OPTIONS)    # no dates are stored: checked, then moot
    sheet, box = book.resolve(a1)
    clipped, rows = read_box(sheet, box, value_option)
    out: dict[str, Any] = {"range": format_box(sheet.title, clipped), "majorDimension": "ROWS"}
    if rows:
        out["values"] = rows
    return out


VALUE_RENDER_OPTIONS = ("FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA")      # the first is Google's default
DATE_TIME_RENDER_OPTIONS = ("SERIAL_NUMBER", "FORMATTED_STRING")


def _enum(query: dict[str, list[str]], name: str, allowed: tuple[str, ...]) -> str:
    """A query enum, defaulted like Google and rejected like Google when misspelt, so a typo cannot pass here."""
    value = query.get(name, [allowed[0]])[0]
    if value not in allowed:
        snake = "".join("_" + ch.lower() if ch.isupper() else ch for ch in name)
        raise GoogleError(400, f"Invalid value at '{snake}' (type.googleapis.com/google.apps.sheets.v4."
                               f"{name[0].upper() + name[1:]}), \"{value}\"")
    return value


def _check_major(query: dict[str, list[str]]) -> None:
    if query.get("majorDimension", ["ROWS"])[0] != "ROWS":
        raise GoogleError(400, "fake: only majorDimension=ROWS is implemented for reads")


def _values_batch_get(fake: FakeGoogle, sid: str, query: dict[str, list[str]]) -> dict[str, Any]:
    fake._book(sid)
    ranges = query.get("ranges", [])
    value_ranges = [_values_get(fake, sid, a1, query) for a1 in ranges]
    return {"spreadsheetId": sid, "valueRanges": value_ranges}


def _values_update(fake: FakeGoogle, sid: str, a1: str, query: dict[str, list[str]], body: Any) -> dict[str, Any]:
    book = fake._book(sid)
    option = _input_option(query.get("valueInputOption", [None])[0])
    before = copy.deepcopy(book.sheets)
    try:
        result = _write_one(book, a1, body or {}, option)
    except GoogleError:
        book.sheets = before
        raise
    book.touch(USER_EMAIL)
    return {"spreadsheetId": sid, **result}


def _input_option(option: str | None) -> str:
    if option not in ("RAW", "USER_ENTERED"):
        raise GoogleError(400, "'valueInputOption' is required but not specified" if option is None
                          else f"Invalid value at 'value_input_option' ({option})")
    return option


def _write_one(book: Book, a1: str, value_range: Mapping[str, Any], option: str) -> dict[str, Any]:
    sheet, box = book.resolve(value_range.get("range") or a1)
    return write_box(sheet, box, value_range.get("values") or [], option, value_range.get("majorDimension"))


def _values_batch_update(fake: FakeGoogle, sid: str, query: dict[str, list[str]], body: Any) -> dict[str, Any]:
    book = fake._book(sid)
    body = body or {}
    option = _input_option(body.get("valueInputOption"))
    before = copy.deepcopy(book.sheets)     # all-or-nothing, as Google applies a batch
    try:
        responses = [{"spreadsheetId": sid, **_write_one(book, "", vr, option)} for vr in body.get("data", [])]
    except GoogleError:
        book.sheets = before
        raise
    if responses:
        book.touch(USER_EMAIL)
    return {"spreadsheetId": sid,
            "totalUpdatedRows": sum(r["updatedRows"] for r in responses),
            "totalUpdatedColumns": sum(r["updatedColumns"] for r in responses),
            "totalUpdatedCells": sum(r["updatedCells"] for r in responses),
            "totalUpdatedSheets": len({r["updatedRange"].rsplit("!", 1)[0] for r in responses}),
            "responses": responses}


# routing ----------------------------------------------------------------------------------------

_ID = r"([A-Za-z0-9_-]+)"
_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("GET", re.compile(rf"^/v4/spreadsheets/{_ID}$"), "spreadsheets.get"),
    ("POST", re.compile(rf"^/v4/spreadsheets/{_ID}:batchUpdate$"), "spreadsheets.batchUpdate"),
    ("GET", re.compile(rf"^/v4/spreadsheets/{_ID}/values:batchGet$"), "values.batchGet"),
    ("POST", re.compile(rf"^/v4/spreadsheets/{_ID}/values:batchUpdate$"), "values.batchUpdate"),
    ("GET", re.compile(rf"^/v4/spreadsheets/{_ID}/values/([^/:]+)$"), "values.get"),
    ("PUT", re.compile(rf"^/v4/spreadsheets/{_ID}/values/([^/:]+)$"), "values.update"),
    ("GET", re.compile(rf"^/drive/v3/files/{_ID}$"), "files.get"),
]


ENDPOINTS: dict[str, Any] = {
    "spreadsheets.get": lambda f, sid, a1, q, b: _spreadsheets_get(f, sid, q),
    "spreadsheets.batchUpdate": lambda f, sid, a1, q, b: _spreadsheets_batch_update(f, sid, q, b),
    "values.batchGet": lambda f, sid, a1, q, b: _values_batch_get(f, sid, q),
    "values.batchUpdate": lambda f, sid, a1, q, b: _values_batch_update(f, sid, q, b),
    "values.get": lambda f, sid, a1, q, b: _values_get(f, sid, a1, q),
    "values.update": lambda f, sid, a1, q, b: _values_update(f, sid, a1, q, b),
    "files.get": lambda f, sid, a1, q, b: files_get(f, sid, q),
}


def _route(method: str, raw_path: str) -> tuple[str, Any]:
    """(kind, handler(fake, query, body)) for a raw (still percent-encoded) path; ("unknown", None) if none."""
    for verb, pattern, kind in _ROUTES:
        m = pattern.match(raw_path)
        if m and verb == method:
            sid = unquote(m.group(1))
            a1 = unquote(m.group(2)) if (m.lastindex or 0) > 1 else ""
            endpoint = ENDPOINTS[kind]
            return kind, lambda fake, query, body, e=endpoint, s=sid, r=a1: e(fake, s, r, query, body)
    return "unknown", None
