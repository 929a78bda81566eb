"""spreadsheets.batchUpdate: the request kinds the fake implements, applied all-or-nothing."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from .a1 import Box
from .constants import DEFAULT_COLS, DEFAULT_ROWS, USER_EMAIL
from .errors import GoogleError
from .state import Book, Sheet

if TYPE_CHECKING:
    from .server import FakeGoogle


def _grid_box(book: Book, grid: Mapping[str, Any], where: str) -> tuple[Sheet, Box]:
    sheet = book.sheet_by_id(int(grid.get("sheetId", 0)))
    if sheet is None:
        raise GoogleError(400, f"Invalid {where}: No grid with id: {grid.get('sheetId', 0)}")
    return sheet, Box(grid.get("startRowIndex", 0), grid.get("startColumnIndex", 0),
                      grid.get("endRowIndex"), grid.get("endColumnIndex")).clip(sheet.row_count, sheet.column_count)


def _cells(box: Box) -> Iterator[tuple[int, int]]:
    assert box.r1 is not None and box.c1 is not None
    for r in range(box.r0, box.r1):
        for c in range(box.c0, box.c1):
            yield r, c


def _field_names(fields: str) -> set[str]:
    """Top-level names in a field mask: ``userEnteredValue,note`` or ``userEnteredFormat(backgroundColor)``."""
    return {re.split(r"[./(]", f.strip(), maxsplit=1)[0] for f in re.sub(r"\([^)]*\)", "", fields).split(",")}


def _apply_cell(sheet: Sheet, r: int, c: int, data: Mapping[str, Any], names: set[str]) -> None:
    everything = "*" in names
    if everything or "note" in names:
        if data.get("note"):
            sheet.notes[(r, c)] = data["note"]
        else:
            sheet.notes.pop((r, c), None)
    if everything or "dataValidation" in names:
        if data.get("dataValidation"):
            sheet.validation[(r, c)] = data["dataValidation"]
        else:
            sheet.validation.pop((r, c), None)
    if everything or "userEnteredValue" in names:
        uev = data.get("userEnteredValue") or {}
        value = next(iter(uev.values()), "") if uev else ""
        sheet.put(r, c, value)
    if everything or "userEnteredFormat" in names:
        if data.get("userEnteredFormat"):
            sheet.formats[(r, c)] = _with_styles({**sheet.formats.get((r, c), {}),
                                                  **copy.deepcopy(data["userEnteredFormat"])})
        else:
            sheet.formats.pop((r, c), None)
    # the rest (effective formats, hyperlinks …) is accepted and dropped


def _with_styles(fmt: dict[str, Any]) -> dict[str, Any]:
    """Google keeps each colour it is given twice, as `xColor` and as `xColorStyle: {rgbColor}` (recorded:
    WorksheetTest.test_format), so a reader of either finds it."""
    if "backgroundColor" in fmt:
        fmt["backgroundColorStyle"] = {"rgbColor": copy.deepcopy(fmt["backgroundColor"])}
    text = fmt.get("textFormat")
    if isinstance(text, dict) and "foregroundColor" in text:
        text["foregroundColorStyle"] = {"rgbColor": copy.deepcopy(text["foregroundColor"])}
    for border in (fmt.get("borders") or {}).values():
        if isinstance(border, dict) and "color" in border:
            border["colorStyle"] = {"rgbColor": copy.deepcopy(border["color"])}
    return fmt


def _add_sheet(book: Book, fake: FakeGoogle, req: Mapping[str, Any], where: str) -> dict[str, Any]:
    props = req.get("properties", {})
    title = props.get("title") or f"Sheet{len(book.sheets) + 1}"
    if any(s.title == title for s in book.sheets):
        raise GoogleError(400, f'Invalid {where}: A sheet with the name "{title}" already exists. '
                               "Please enter another name.")
    grid = props.get("gridProperties", {})
    fake._next_sheet += 1
    index = min(props.get("index", len(book.sheets)), len(book.sheets))
    sheet = Sheet(props.get("sheetId", fake._next_sheet), title, index,
                  grid.get("rowCount", DEFAULT_ROWS), grid.get("columnCount", DEFAULT_COLS),
                  frozen_rows=int(grid.get("frozenRowCount", 0)), frozen_columns=int(grid.get("frozenColumnCount", 0)))
    book.sheets.insert(index, sheet)
    for i, s in enumerate(book.sheets):
        s.index = i
    return {"addSheet": {"properties": sheet.properties()}}


def _delete_sheet(book: Book, fake: FakeGoogle, req: Mapping[str, Any], where: str) -> dict[str, Any]:
    sheet = book.sheet_by_id(int(req.get("sheetId", 0)))
    if sheet is None:
        raise GoogleError(400, f"Invalid {where}: No sheet with id: {req.get('sheetId', 0)}")
    if len(book.sheets) == 1:
        raise GoogleError(400, f"Invalid {where}: You can't remove all the sheets in a document.")
    book.sheets.remove(sheet)
    for i, s in enumerate(book.sheets):
        s.index = i
    return {}


def _update_sheet_properties(book: Book, fake: FakeGoogle, req: Mapping[str, Any], where: str) -> dict[str, Any]:
    props = req.get("properties", {})
    sheet = book.sheet_by_id(int(props.get("sheetId", 0)))
    if sheet is None:
        raise GoogleError(400, f"Invalid {where}: No grid with id: {props.get('sheetId', 0)}")
    fields = {f.strip().replace("/", ".") for f in req.get("fields", "").split(",") if f.strip()}
    if not fields:
        raise GoogleError(400, f"Invalid {where}: At least one field must be updated, but none were specified.")
    grid = props.get("gridProperties", {})
    for f in fields:
        if f == "title":
            if any(s.title == props["title"] and s is not sheet for s in book.sheets):
                raise GoogleError(400, f'Invalid {where}: A sheet with the name "{props["title"]}" already exists.')
            sheet.title = props["title"]
        elif f == "gridProperties.rowCount":
            sheet.row_count = grid["rowCount"]
        elif f == "gridProperties.columnCount":
            sheet.column_count = grid["columnCount"]
        elif f == "gridProperties.frozenRowCount":
            sheet.frozen_rows = int(grid.get("frozenRowCount", 0))
        elif f == "gridProperties.frozenColumnCount":
            sheet.frozen_columns = int(grid.get("frozenColumnCount", 0))
        elif f == "index":
            book.sheets.remove(sheet)
            book.sheets.insert(min(props["index"], len(book.sheets)), sheet)
            for i, s in enumerate(book.sheets):
                s.index = i
        else:
            raise GoogleError(400, f"fake: updateSheetProperties field {f!r} is not implemented")
    return {}


def _add_protected_range(book: Book, fake: FakeGoogle, req: Mapping[str, Any], where: str) -> dict[str, Any]:
    pr = copy.deepcopy(dict(req.get("protectedRange", {})))
    grid = pr.get("range")
    if grid is None:
        raise GoogleError(400, f"Invalid {where}: fake supports only range-based protected ranges")
    sheet, _ = _grid_box(book, grid, where)
    grid["sheetId"] = sheet.sheet_id
    fake._next_protected += 1
    pr["protectedRangeId"] = fake._next_protected
    reply = _as_google_keeps(pr)
    stored = copy.deepcopy(reply)
    users = stored.setdefault("editors", {}).setdefault("users", [])
    if USER_EMAIL not in users:           # Google keeps the requester as an editor, warning-only or not
        users.append(USER_EMAIL)
    sheet.protected.append(stored)
    return {"addProtectedRange": {"protectedRange": reply}}


def _as_google_keeps(pr: dict[str, Any]) -> dict[str, Any]:
    """A ProtectedRange as Google answers it (recorded): proto3 defaults left out (sheetId 0, warningOnly false,
    no description, empty editor lists), requestingUserCanEdit set; the range's indexes stay, 0 included."""
    out = {k: v for k, v in pr.items() if v not in (None, False, "") and k != "requestingUserCanEdit"}
    if "range" in out:
        out["range"] = {k: v for k, v in out["range"].items() if not (k == "sheetId" and v == 0)}
    out["requestingUserCanEdit"] = True
    editors = pr.get("editors") or {}
    out["editors"] = {k: list(v) for k, v in editors.items() if v}
    return out


def _find_protected(book: Book, pid: Any, where: str) -> tuple[Sheet, dict[str, Any]]:
    for s in book.sheets:
        for pr in s.protected:
            if pr["protectedRangeId"] == pid:
                return s, pr
    raise GoogleError(400, f"Invalid {where}: No protected range with id: {pid}")


def _update_protected_range(book: Book, fake: FakeGoogle, req: Mapping[str, Any], where: str) -> dict[str, Any]:
    new = req.get("protectedRange", {})
    _, pr = _find_protected(book, new.get("protectedRangeId"), where)
    for name in _field_names(req.get("fields", "")):
        if name == "*":
            pr.update({k: copy.deepcopy(v) for k, v in new.items() if k != "protectedRangeId"})
        elif name in new:
            pr[name] = copy.deepcopy(new[name])
        else:
            pr.pop(name, None)
    kept = _as_google_keeps(pr)
    users = kept.setdefault("editors", {}).setdefault("users", [])
    if USER_EMAIL not in users:
        users.append(USER_EMAIL)
    pr.clear()
    pr.update(kept)
    return {}


def _delete_protected_range(book: Book, fake: FakeGoogle, req: Mapping[str, Any], where: str) -> dict[str, Any]:
    sheet, pr = _find_protected(book, req.get("protectedRangeId"), where)
    sheet.protected.remove(pr)
    return {}


def _set_data_validation(book: Book, fake: FakeGoogle, req: Mapping[str, Any], where: str) -> dict[str, Any]:
    sheet, box = _grid_box(book, req.get("range", {}), where)
    for rc in _cells(box):
        if req.get("rule"):
            sheet.validation[rc] = copy.deepcopy(req["rule"])
        else:
            sheet.validation.pop(rc, None)          # no rule clears validation, per the reference
    return {}


def _update_cells(book: Book, fake: FakeGoogle, req: Mapping[str, Any], where: str) -> dict[str, Any]:
    if "fields" not in req:
        raise GoogleError(400, f"Invalid {where}: fields is required")
    names = _field_names(req["fields"])
    rows = req.get("rows", [])
    if "start" in req:
        start = req["start"]
        sheet, _ = _grid_box(book, {"sheetId": start.get("sheetId", 0)}, where)
        r0, c0 = start.get("rowIndex", 0), start.get("columnIndex", 0)
        targets = [(r0 + i, c0 + j, cell) for i, row in enumerate(rows) for j, cell in enumerate(row.get("values", []))]
    else:
        sheet, box = _grid_box(book, req.get("range", {}), where)
        targets = []
        for r, c in _cells(box):           # cells of the range not covered by rows are cleared for those fields
            i, j = r - box.r0, c - box.c0
            row_cells = rows[i].get("values", []) if i < len(rows) else []
            targets.append((r, c, row_cells[j] if j < len(row_cells) else {}))
    for r, c, cell in targets:
        if r >= sheet.row_count or c >= sheet.column_count:
            raise GoogleError(400, f"Invalid {where}: Range exceeds grid limits.")
        _apply_cell(sheet, r, c, cell, names)
    return {}


def _repeat_cell(book: Book, fake: FakeGoogle, req: Mapping[str, Any], where: str) -> dict[str, Any]:
    sheet, box = _grid_box(book, req.get("range", {}), where)
    names = _field_names(req.get("fields", ""))
    for r, c in _cells(box):
        _apply_cell(sheet, r, c, req.get("cell", {}), names)
    return {}


def _update_dimension_properties(book: Book, fake: FakeGoogle, req: Mapping[str, Any], where: str) -> dict[str, Any]:
    rng = req.get("range", {})
    sheet = book.sheet_by_id(int(rng.get("sheetId", 0)))
    if sheet is None:
        raise GoogleError(400, f"Invalid {where}: No grid with id: {rng.get('sheetId', 0)}")
    if rng.get("dimension") != "COLUMNS" or _field_names(req.get("fields", "")) != {"pixelSize"}:
        raise GoogleError(400, f"fake: {where} implements column pixelSize only")
    for c in range(rng.get("startIndex", 0), rng.get("endIndex", sheet.column_count)):
        sheet.column_px[c] = int(req["properties"]["pixelSize"])
    return {}


BATCH_REQUESTS = {
    "addSheet": _add_sheet,
    "deleteSheet": _delete_sheet,
    "updateSheetProperties": _update_sheet_properties,
    "addProtectedRange": _add_protected_range,
    "updateProtectedRange": _update_protected_range,
    "deleteProtectedRange": _delete_protected_range,
    "setDataValidation": _set_data_validation,
    "updateCells": _update_cells,
    "repeatCell": _repeat_cell,
    "updateDimensionProperties": _update_dimension_properties,
}


def _spreadsheets_batch_update(fake: FakeGoogle, sid: str, query: dict[str, list[str]], body: Any) -> dict[str, Any]:
    book = fake._book(sid)
    requests_ = (body or {}).get("requests", [])
    before = copy.deepcopy(book.sheets)
    next_ids = (fake._next_sheet, fake._next_protected)
    try:
        replies = []
        for i, req in enumerate(requests_):
            if len(req) != 1:
                raise GoogleError(400, f"Invalid requests[{i}]: exactly one kind of request must be set")
            (name, payload), = req.items()
            handler = BATCH_REQUESTS.get(name)
            if handler is None:
                raise GoogleError(400, f'Invalid JSON payload received. Unknown name "{name}" at \'requests[{i}]\': '
                                       f"Cannot find field. (fake implements: {', '.join(BATCH_REQUESTS)})")
            replies.append(handler(book, fake, payload, f"requests[{i}].{name}"))
    except GoogleError:
        book.sheets = before
        fake._next_sheet, fake._next_protected = next_ids
        raise
    if requests_:
        book.touch(USER_EMAIL)       # format-only requests count too: Google bumps the version for them as well
    return {"spreadsheetId": sid, "replies": replies}
