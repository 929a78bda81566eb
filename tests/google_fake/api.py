"""The endpoints: spreadsheets.get, values.*, and the routing of raw paths to them (files.get is in drive.py)."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from .a1 import Box, format_box, quote_sheet
from .batch import _spreadsheets_batch_update
from .constants import USER_EMAIL
from .drive import files_get
from .errors import GoogleError
from .fields import Selection, parse_fields, project
from .state import Book, Sheet, _is_empty
from .values import clear_box, read_box, render, write_box

if TYPE_CHECKING:
    from .server import FakeGoogle


def _spreadsheets_get(fake: FakeGoogle, sid: str, query: dict[str, list[str]]) -> dict[str, Any]:
    book = fake._book(sid)
    fields = ",".join(query.get("fields", []))
    selection = parse_fields(fields) if fields.strip() else None
    ranges = query.get("ranges", [])
    # Google sends grid data when asked for it, or when `fields` names it (recorded: fields=sheets.data.… alone)
    with_grid = query.get("includeGridData", ["false"])[0] == "true" or _names_data(selection)
    sheets = []
    if with_grid:
        if not ranges:
            ranges = [quote_sheet(s.title) for s in book.sheets]
        picked: dict[int, tuple[Sheet, list[dict[str, Any]]]] = {}
        for a1 in ranges:
            sheet, box = book.resolve(a1)
            picked.setdefault(sheet.sheet_id, (sheet, []))[1].append(_grid_data(sheet, box))
        for sheet, data in picked.values():
            sheets.append({"properties": sheet.properties(), "data": data})
    else:
        for s in book.sheets:
            entry: dict[str, Any] = {"properties": s.properties()}
            if s.protected:
                entry["protectedRanges"] = copy.deepcopy(s.protected)
            sheets.append(entry)
    answer = {"spreadsheetId": sid,
              "properties": {"title": book.title, "locale": book.locale, "autoRecalc": "ON_CHANGE",
                             "timeZone": book.time_zone},
              "sheets": sheets,
              "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{sid}/edit"}
    if selection is None:
        return answer
    answer = project(answer, selection, strict=False)
    for sheet_entry in answer.get("sheets", []):
        for data in sheet_entry.get("data", []):
            _trim_rows(data)
    return answer


def _trim_rows(data: dict[str, Any]) -> None:
    """After `fields` picked the cell keys, cells and rows left empty at the end go, as Google sends them (recorded:
    fields=sheets.data.rowData.values.note keeps a {} before a note, and drops trailing ones)."""
    rows = data.get("rowData", [])
    for row in rows:
        cells = row.get("values", [])
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            row.pop("values", None)
    while rows and not rows[-1]:
        rows.pop()
    if not rows:
        data.pop("rowData", None)


def _names_data(selection: Selection | None) -> bool:
    sheets = (selection or {}).get("sheets", {}) if selection else {}
    return "*" in (selection or {}) or (isinstance(sheets, dict) and "data" in sheets)


def _grid_data(sheet: Sheet, box: Box) -> dict[str, Any]:
    """GridData for one range, trailing blanks dropped (`fields`, applied after, picks what the caller asked)."""
    clipped = box.clip(sheet.row_count, sheet.column_count)
    assert clipped.r1 is not None and clipped.c1 is not None
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
                             "formattedValue": render(v, "FORMATTED_VALUE",
                                                      sheet.formats.get((r, c), {}).get("numberFormat"))})
            if (r, c) in sheet.notes:
                cell["note"] = sheet.notes[(r, c)]
            if (r, c) in sheet.validation:
                cell["dataValidation"] = sheet.validation[(r, c)]
            if (r, c) in sheet.formats:
                cell["userEnteredFormat"] = copy.deepcopy(sheet.formats[(r, c)])
            cells.append(cell)
        while cells and not cells[-1]:
            cells.pop()
        rows.append({"values": cells} if cells else {})
    while rows and not rows[-1]:
        rows.pop()
    data: dict[str, Any] = {k: v for k, v in (("startRow", clipped.r0), ("startColumn", clipped.c0)) if v}
    if rows:                                # Google leaves out a 0 start, as proto3 JSON does
        data["rowData"] = rows
    data["columnMetadata"] = [{"pixelSize": sheet.column_px.get(c, 100)} for c in range(clipped.c0, clipped.c1)]
    return data


def _values_get(fake: FakeGoogle, sid: str, a1: str, query: dict[str, list[str]]) -> dict[str, Any]:
    book = fake._book(sid)
    _check_major(query)
    value_option = _enum(query, "valueRenderOption", VALUE_RENDER_OPTIONS)
    date_option = _enum(query, "dateTimeRenderOption", DATE_TIME_RENDER_OPTIONS)
    sheet, box = book.resolve(a1)
    clipped, rows = read_box(sheet, box, value_option, date_option)
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


def _write_one(book: Book, a1: str, value_range: Mapping[str, Any], option: str,
               where: str = "data", touched: set[tuple[str, int, int]] | None = None) -> dict[str, Any]:
    values = value_range.get("values") or []
    bad = values if not isinstance(values, list) else next((r for r in values if not isinstance(r, list)), None)
    if bad is not None:     # what Google answers for {"values": "X"} (recorded: WorksheetTest.test_add_validation)
        message = (f"Invalid value at '{where}.values' (type.googleapis.com/google.protobuf.ListValue), "
                   f"{_proto_text(bad)}")
        raise GoogleError(400, message, field=f"{where}.values")
    sheet, box = book.resolve(value_range.get("range") or a1)
    return write_box(sheet, box, values, option, value_range.get("majorDimension"), touched)


def _proto_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else json.dumps(value)


def _values_batch_update(fake: FakeGoogle, sid: str, query: dict[str, list[str]], body: Any) -> dict[str, Any]:
    book = fake._book(sid)
    body = body or {}
    option = _input_option(body.get("valueInputOption"))
    before = copy.deepcopy(book.sheets)     # all-or-nothing, as Google applies a batch
    touched: set[tuple[str, int, int]] = set()
    try:
        responses = [{"spreadsheetId": sid, **_write_one(book, "", vr, option, f"data[{i}]", touched)}
                     for i, vr in enumerate(body.get("data", []))]
    except GoogleError:
        book.sheets = before
        raise
    if responses:
        book.touch(USER_EMAIL)
    return {"spreadsheetId": sid,
            # distinct rows and columns written, not sums (recorded: two ranges A1:D1 and A4:D4 count 4 columns)
            "totalUpdatedRows": len({(t, r) for t, r, _ in touched}),
            "totalUpdatedColumns": len({(t, c) for t, _, c in touched}),
            "totalUpdatedCells": len(touched),
            "totalUpdatedSheets": len({t for t, _, _ in touched}),
            "responses": responses}


def _values_clear(fake: FakeGoogle, sid: str, a1: str) -> dict[str, Any]:
    book = fake._book(sid)
    cleared = clear_box(*book.resolve(a1))
    book.touch(USER_EMAIL)
    return {"spreadsheetId": sid, "clearedRange": cleared}


def _values_batch_clear(fake: FakeGoogle, sid: str, body: Any) -> dict[str, Any]:
    book = fake._book(sid)
    cleared = [clear_box(*book.resolve(a1)) for a1 in (body or {}).get("ranges", [])]
    if cleared:
        book.touch(USER_EMAIL)
    return {"spreadsheetId": sid, "clearedRanges": cleared}


# routing ----------------------------------------------------------------------------------------

_ID = r"([A-Za-z0-9_-]+)"
_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("GET", re.compile(rf"^/v4/spreadsheets/{_ID}$"), "spreadsheets.get"),
    ("POST", re.compile(rf"^/v4/spreadsheets/{_ID}:batchUpdate$"), "spreadsheets.batchUpdate"),
    ("GET", re.compile(rf"^/v4/spreadsheets/{_ID}/values:batchGet$"), "values.batchGet"),
    ("POST", re.compile(rf"^/v4/spreadsheets/{_ID}/values:batchUpdate$"), "values.batchUpdate"),
    ("POST", re.compile(rf"^/v4/spreadsheets/{_ID}/values:batchClear$"), "values.batchClear"),
    ("POST", re.compile(rf"^/v4/spreadsheets/{_ID}/values/([^/:]+):clear$"), "values.clear"),
    ("GET", re.compile(rf"^/v4/spreadsheets/{_ID}/values/([^/:]+)$"), "values.get"),
    ("PUT", re.compile(rf"^/v4/spreadsheets/{_ID}/values/([^/:]+)$"), "values.update"),
    ("GET", re.compile(rf"^/drive/v3/files/{_ID}$"), "files.get"),
]


ENDPOINTS: dict[str, Any] = {
    "spreadsheets.get": lambda f, sid, a1, q, b: _spreadsheets_get(f, sid, q),
    "spreadsheets.batchUpdate": lambda f, sid, a1, q, b: _spreadsheets_batch_update(f, sid, q, b),
    "values.batchGet": lambda f, sid, a1, q, b: _values_batch_get(f, sid, q),
    "values.batchUpdate": lambda f, sid, a1, q, b: _values_batch_update(f, sid, q, b),
    "values.batchClear": lambda f, sid, a1, q, b: _values_batch_clear(f, sid, b),
    "values.clear": lambda f, sid, a1, q, b: _values_clear(f, sid, a1),
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
