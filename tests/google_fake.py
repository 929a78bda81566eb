"""A local stand-in for the parts of Google Sheets v4 and Drive v3 that sheetflow's Google backend talks to.

No test machine reaches Google, so the backend's tests run gspread's real, unmodified client against this
server on 127.0.0.1: a requests transport adapter rewrites ``https://sheets.googleapis.com`` and
``https://www.googleapis.com`` to the fake's address, so gspread builds every URL, query and body itself and
the fake sees exactly what Google would.  Shapes follow gspread 6 (``http_client.py``, ``spreadsheet.py``,
``worksheet.py``) and the Sheets v4 / Drive v3 REST reference; what is deliberately left out is listed in
``UNSUPPORTED`` so a test that strays outside the subset fails loudly instead of passing against a lie.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import threading
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import gspread
import requests
from google.oauth2.credentials import Credentials
from gspread.http_client import HTTPClient
from requests.adapters import HTTPAdapter

TOKEN = "fake-token"
USER_EMAIL = "sheetflow-test@example.iam.gserviceaccount.com"
DEFAULT_ROWS = 1000     # what Google gives a new tab
DEFAULT_COLS = 26
GOOGLE_HOSTS = ("https://sheets.googleapis.com", "https://www.googleapis.com")

UNSUPPORTED = """\
Not implemented (a request for them answers 400/404 rather than pretending): formulas are stored as text and never
evaluated; USER_ENTERED does not turn dates or percentages into serial numbers; no cell formats; spreadsheets.get
ignores `fields` except to pick which cell keys appear in grid data; values:append, values:clear, sheet deletion,
copyTo, Drive list/export/permissions are absent; named ranges are not supported."""

Cell = Any                    # str | int | float | bool; "" is an empty cell
Rows = list[list[Cell]]

STATUS_NAMES = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
                408: "DEADLINE_EXCEEDED", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}
FAULT_MESSAGES = {
    429: "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute per user' "
         "of service 'sheets.googleapis.com'.",
    500: "Internal error encountered.",
    503: "The service is currently unavailable.",
}


class GoogleError(Exception):
    """An error the fake answers in Google's JSON shape, so gspread's APIError parses it as it would Google's."""

    def __init__(self, code: int, message: str, drive_reason: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.drive_reason = drive_reason     # Drive v3 errors also carry an "errors" list; Sheets v4 ones don't

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message,
                                 "status": STATUS_NAMES.get(self.code, "UNKNOWN")}
        if self.drive_reason:
            error["errors"] = [{"domain": "global", "reason": self.drive_reason, "message": self.message}]
        return {"error": error}


# ---------------------------------------------------------------------------------------------- A1 notation

_COLS_ROW = re.compile(r"^([A-Za-z]*)(\d*)$")


def col_letters(index: int) -> str:
    """0-based column index -> letters, because Google reports ranges back in A1 form."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def col_index(letters: str) -> int:
    """Column letters -> 0-based index."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


def quote_sheet(title: str) -> str:
    """Sheet name as Google writes it in a returned range: bare when it is a plain identifier, else quoted."""
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", title) and not re.fullmatch(r"[A-Za-z]{1,3}\d+", title):
        return title
    return "'" + title.replace("'", "''") + "'"


def split_sheet(a1: str) -> tuple[str | None, str | None]:
    """Split ``'It''s'!B2`` into (sheet name, cell part); either may be None (bare name or bare cells)."""
    if a1.startswith("'"):
        i, name = 1, []
        while i < len(a1):
            if a1[i] == "'":
                if a1[i + 1:i + 2] == "'":
                    name.append("'")
                    i += 2
                    continue
                break
            name.append(a1[i])
            i += 1
        else:
            raise GoogleError(400, f"Unable to parse range: {a1}")
        rest = a1[i + 1:]
        if rest == "":
            return "".join(name), None
        if not rest.startswith("!"):
            raise GoogleError(400, f"Unable to parse range: {a1}")
        return "".join(name), rest[1:]
    if "!" in a1:
        name, _, cells = a1.partition("!")
        return name, cells
    return None, a1


@dataclass(frozen=True)
class Box:
    """A half-open rectangle of 0-based cells; ``None`` ends mean "to the edge of the grid" (``A2:S``, ``A:C``)."""

    r0: int
    c0: int
    r1: int | None
    c1: int | None
    single: bool = False      # "B2": a write may spill beyond it, as Google treats it as an anchor

    def clip(self, rows: int, cols: int) -> Box:
        return Box(self.r0, self.c0, min(self.r1 if self.r1 is not None else rows, rows),
                   min(self.c1 if self.c1 is not None else cols, cols), self.single)


def parse_cells(cells: str, original: str) -> Box:
    """Parse the cell part of an A1 range: ``B2``, ``A1:S``, ``A:C``, ``2:5``."""
    parts = cells.split(":")
    if len(parts) > 2 or not all(parts):
        raise GoogleError(400, f"Unable to parse range: {original}")
    ends = []
    for part in parts:
        m = _COLS_ROW.fullmatch(part)
        if not m or not (m.group(1) or m.group(2)) or m.group(2).startswith("0"):
            raise GoogleError(400, f"Unable to parse range: {original}")
        ends.append((col_index(m.group(1)) if m.group(1) else None, int(m.group(2)) - 1 if m.group(2) else None))
    if len(ends) == 1:
        col, row = ends[0]
        if col is None or row is None:
            raise GoogleError(400, f"Unable to parse range: {original}")
        return Box(row, col, row + 1, col + 1, single=True)
    (ca, ra), (cb, rb) = ends
    c0, c1 = (ca if ca is not None else 0), (cb + 1 if cb is not None else None)
    r0, r1 = (ra if ra is not None else 0), (rb + 1 if rb is not None else None)
    if c1 is not None and c1 <= c0:        # "C1:A3" means A1:C3
        c0, c1 = c1 - 1, c0 + 1
    if r1 is not None and r1 <= r0:
        r0, r1 = r1 - 1, r0 + 1
    return Box(r0, c0, r1, c1)


def format_box(title: str, box: Box) -> str:
    """The range string Google reports back: quoted-if-needed sheet name, then the clipped A1 box."""
    assert box.r1 is not None and box.c1 is not None
    start = f"{col_letters(box.c0)}{box.r0 + 1}"
    end = f"{col_letters(box.c1 - 1)}{box.r1}"
    return f"{quote_sheet(title)}!{start}" + ("" if start == end else f":{end}")


# ---------------------------------------------------------------------------------------------- state

def _now() -> str:
    """RFC 3339 with milliseconds and Z, the way Drive writes modifiedTime."""
    now = dt.datetime.now(dt.UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def _is_empty(v: Cell) -> bool:
    return v is None or v == ""


@dataclass
class Sheet:
    """One tab: its properties plus the cell-level things the backend reads or writes."""

    sheet_id: int
    title: str
    index: int
    row_count: int = DEFAULT_ROWS
    column_count: int = DEFAULT_COLS
    values: Rows = field(default_factory=list)
    notes: dict[tuple[int, int], str] = field(default_factory=dict)
    validation: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    protected: list[dict[str, Any]] = field(default_factory=list)

    def properties(self) -> dict[str, Any]:
        return {"sheetId": self.sheet_id, "title": self.title, "index": self.index, "sheetType": "GRID",
                "gridProperties": {"rowCount": self.row_count, "columnCount": self.column_count}}

    def get(self, r: int, c: int) -> Cell:
        if r < len(self.values) and c < len(self.values[r]):
            return self.values[r][c]
        return ""

    def put(self, r: int, c: int, v: Cell) -> None:
        while len(self.values) <= r:
            self.values.append([])
        row = self.values[r]
        while len(row) <= c:
            row.append("")
        row[c] = "" if v is None else v

    def trimmed(self) -> Rows:
        """Stored values with trailing empty cells and rows dropped, the form Google hands back."""
        return _trim([list(row) for row in self.values])


def _trim(rows: Rows) -> Rows:
    out = []
    for row in rows:
        while row and _is_empty(row[-1]):
            row.pop()
        out.append(row)
    while out and not out[-1]:
        out.pop()
    return out


@dataclass
class Book:
    """One spreadsheet file: Sheets content plus the Drive metadata that changes with it."""

    spreadsheet_id: str
    title: str
    sheets: list[Sheet]
    locale: str = "zh_CN"
    time_zone: str = "Asia/Shanghai"
    version: int = 1
    created: str = field(default_factory=_now)
    modified: str = field(default_factory=_now)

    def sheet_by_title(self, title: str) -> Sheet:
        for s in self.sheets:
            if s.title == title:
                return s
        raise GoogleError(400, f"Unable to parse range: {quote_sheet(title)}")

    def sheet_by_id(self, sheet_id: int) -> Sheet | None:
        return next((s for s in self.sheets if s.sheet_id == sheet_id), None)

    def touch(self) -> None:
        """Every change bumps Drive's version and modifiedTime, which is what change detection keys on."""
        self.version += 1
        self.modified = _now()

    def resolve(self, a1: str) -> tuple[Sheet, Box]:
        """A1 range -> (tab, box).  A bare name is a whole tab; bare cells mean the first tab, as in Google."""
        name, cells = split_sheet(a1)
        if name is None:
            assert cells is not None
            if any(s.title == cells for s in self.sheets):
                name, cells = cells, None
            else:
                return self.sheets[0], parse_cells(cells, a1)
        sheet = next((s for s in self.sheets if s.title == name), None)
        if sheet is None:
            raise GoogleError(400, f"Unable to parse range: {a1}")
        if cells is None:
            return sheet, Box(0, 0, None, None)
        return sheet, parse_cells(cells, a1)


# ---------------------------------------------------------------------------------------------- values

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


# ---------------------------------------------------------------------------------------------- server

class FakeGoogle:
    """In-memory Sheets v4 + Drive v3 on 127.0.0.1, with request accounting and fault injection."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._books: dict[str, Book] = {}
        self._log: list[tuple[str, str, int]] = []
        self._faults: list[tuple[int, float | None]] = []
        self._next_book = 1
        self._next_sheet = 1_000_001
        self._next_protected = 2_000_001
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle ----------------------------------------------------------------------------------
    def start(self) -> FakeGoogle:
        fake = self

        class Handler(_Handler):
            owner = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # a short poll keeps stop() (which waits for the next poll) from adding half a second to every test
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.01},
                                        name="fake-google", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeGoogle:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "FakeGoogle is not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # test helpers -------------------------------------------------------------------------------
    def create_spreadsheet(self, title: str, sheets: Mapping[str, Rows] | None = None, *,
                           spreadsheet_id: str | None = None, row_count: int = DEFAULT_ROWS,
                           column_count: int = DEFAULT_COLS) -> str:
        """Make a file as a person would have; the grid grows to fit the rows given, like an xlsx import."""
        with self._lock:
            sid = spreadsheet_id or f"1fake{self._next_book:039d}"
            self._next_book += 1
            tabs = []
            for i, (name, rows) in enumerate((sheets or {"Sheet1": []}).items()):
                tab = Sheet(self._new_sheet_id(i), name, i,
                            max(row_count, len(rows)), max(column_count, max((len(r) for r in rows), default=0)))
                for r, row in enumerate(rows):
                    for c, v in enumerate(row):
                        if not _is_empty(v):
                            tab.put(r, c, v)
                tabs.append(tab)
            self._books[sid] = Book(sid, title, tabs)
            return sid

    def _new_sheet_id(self, index: int) -> int:
        if index == 0:
            return 0          # Google's first tab is always gid 0
        self._next_sheet += 1
        return self._next_sheet

    def book(self, spreadsheet_id: str) -> Book:
        """The live state, for assertions that need more than the helpers below."""
        return self._books[spreadsheet_id]

    def values(self, spreadsheet_id: str, sheet_title: str) -> Rows:
        """Stored cells of a tab, trailing blanks trimmed, with their stored types."""
        with self._lock:
            return self._books[spreadsheet_id].sheet_by_title(sheet_title).trimmed()

    def set_values(self, spreadsheet_id: str, sheet_title: str, rows: Rows, start: str = "A1") -> None:
        """A person editing in the browser: cells change and Drive's version moves on."""
        with self._lock:
            book = self._books[spreadsheet_id]
            sheet = book.sheet_by_title(sheet_title)
            write_box(sheet, parse_cells(start, start), rows, "RAW", None)
            book.touch()

    def notes(self, spreadsheet_id: str, sheet_title: str) -> dict[str, str]:
        """Notes by A1 cell."""
        with self._lock:
            sheet = self._books[spreadsheet_id].sheet_by_title(sheet_title)
        return {f"{col_letters(c)}{r + 1}": n for (r, c), n in sorted(sheet.notes.items())}

    def validation(self, spreadsheet_id: str, sheet_title: str) -> dict[str, dict[str, Any]]:
        """Data-validation rules by A1 cell (Google keeps them per cell, so overlapping ranges overwrite)."""
        with self._lock:
            sheet = self._books[spreadsheet_id].sheet_by_title(sheet_title)
        return {f"{col_letters(c)}{r + 1}": rule for (r, c), rule in sorted(sheet.validation.items())}

    def protected_ranges(self, spreadsheet_id: str, sheet_title: str) -> list[dict[str, Any]]:
        return copy.deepcopy(self._books[spreadsheet_id].sheet_by_title(sheet_title).protected)

    def drive_file(self, spreadsheet_id: str) -> dict[str, str]:
        book = self._books[spreadsheet_id]
        return {"id": book.spreadsheet_id, "name": book.title, "version": str(book.version),
                "createdTime": book.created, "modifiedTime": book.modified,
                "mimeType": "application/vnd.google-apps.spreadsheet", "kind": "drive#file"}

    # accounting and faults ----------------------------------------------------------------------
    def counts(self) -> Counter[tuple[str, str]]:
        """(method, kind) -> number of requests, injected failures included (they cost quota at Google too)."""
        with self._lock:
            return Counter((m, k) for m, k, _ in self._log)

    def log(self) -> list[tuple[str, str, int]]:
        """(method, kind, status) in arrival order."""
        with self._lock:
            return list(self._log)

    def reset_counts(self) -> None:
        with self._lock:
            self._log.clear()

    def fail_next(self, status: int, times: int = 1, retry_after: float | None = None) -> None:
        """Answer the next `times` requests (whatever they are) with `status` in Google's error shape."""
        if status not in FAULT_MESSAGES:
            raise ValueError(f"fail_next supports {sorted(FAULT_MESSAGES)}, not {status}")
        with self._lock:
            self._faults.extend([(status, retry_after)] * times)

    # dispatch -----------------------------------------------------------------------------------
    def handle(self, method: str, raw_path: str, query: dict[str, list[str]], body: Any,
               headers: Mapping[str, str]) -> tuple[str, int, Any, dict[str, str]]:
        """Route one request; returns (kind, status, json body, extra headers).  Runs under the state lock."""
        kind, route = _route(method, raw_path)
        with self._lock:
            if self._faults:
                status, retry_after = self._faults.pop(0)
                extra = {"Retry-After": str(retry_after)} if retry_after is not None else {}
                result: tuple[int, Any, dict[str, str]] = (status, GoogleError(status, FAULT_MESSAGES[status]).body(),
                                                           extra)
            else:
                try:
                    if headers.get("Authorization") != f"Bearer {TOKEN}":
                        raise GoogleError(401, "Request is missing required authentication credential.")
                    if route is None:
                        raise GoogleError(404, f"fake: no route for {method} {raw_path}")
                    result = (200, route(self, query, body), {})
                except GoogleError as e:
                    result = (e.code, e.body(), {})
            self._log.append((method, kind, result[0]))
        return kind, *result

    def _book(self, sid: str) -> Book:
        book = self._books.get(sid)
        if book is None:
            raise GoogleError(404, "Requested entity was not found.")
        return book


# ---------------------------------------------------------------------------------------------- endpoints

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
    sheet, box = book.resolve(a1)
    clipped, rows = read_box(sheet, box, query.get("valueRenderOption", ["FORMATTED_VALUE"])[0])
    out: dict[str, Any] = {"range": format_box(sheet.title, clipped), "majorDimension": "ROWS"}
    if rows:
        out["values"] = rows
    return out


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
    book.touch()
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
        book.touch()
    return {"spreadsheetId": sid,
            "totalUpdatedRows": sum(r["updatedRows"] for r in responses),
            "totalUpdatedColumns": sum(r["updatedColumns"] for r in responses),
            "totalUpdatedCells": sum(r["updatedCells"] for r in responses),
            "totalUpdatedSheets": len({r["updatedRange"].rsplit("!", 1)[0] for r in responses}),
            "responses": responses}


def _files_get(fake: FakeGoogle, fid: str, query: dict[str, list[str]]) -> dict[str, Any]:
    book = fake._books.get(fid)
    if book is None:
        raise GoogleError(404, f"File not found: {fid}.", drive_reason="notFound")
    meta = fake.drive_file(fid)
    fields = [f.strip() for f in ",".join(query.get("fields", [])).split(",") if f.strip()]
    if not fields:
        fields = ["kind", "id", "name", "mimeType"]     # Drive v3's default projection
    unknown = [f for f in fields if f not in meta]
    if unknown:
        raise GoogleError(400, f"Invalid field selection {unknown[0]}", drive_reason="invalidParameter")
    return {f: meta[f] for f in fields}


# spreadsheets.batchUpdate -----------------------------------------------------------------------

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
    # userEnteredFormat and the rest are accepted and dropped: the fake has no formats


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
                  grid.get("rowCount", DEFAULT_ROWS), grid.get("columnCount", DEFAULT_COLS))
    book.sheets.insert(index, sheet)
    for i, s in enumerate(book.sheets):
        s.index = i
    return {"addSheet": {"properties": sheet.properties()}}


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
    grid.setdefault("sheetId", sheet.sheet_id)
    fake._next_protected += 1
    pr["protectedRangeId"] = fake._next_protected
    pr["requestingUserCanEdit"] = True
    if not pr.get("warningOnly"):
        editors = pr.setdefault("editors", {})
        users = editors.setdefault("users", [])
        if USER_EMAIL not in users:           # Google always keeps the requester as an editor
            users.append(USER_EMAIL)
    sheet.protected.append(pr)
    return {"addProtectedRange": {"protectedRange": copy.deepcopy(pr)}}


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
            pr.update({k: v for k, v in new.items() if k != "protectedRangeId"})
        elif name in new:
            pr[name] = copy.deepcopy(new[name])
        else:
            pr.pop(name, None)
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


BATCH_REQUESTS = {
    "addSheet": _add_sheet,
    "updateSheetProperties": _update_sheet_properties,
    "addProtectedRange": _add_protected_range,
    "updateProtectedRange": _update_protected_range,
    "deleteProtectedRange": _delete_protected_range,
    "setDataValidation": _set_data_validation,
    "updateCells": _update_cells,
    "repeatCell": _repeat_cell,
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
        book.touch()
    return {"spreadsheetId": sid, "replies": replies}


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
    "files.get": lambda f, sid, a1, q, b: _files_get(f, sid, q),
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


class _Handler(BaseHTTPRequestHandler):
    """Thin HTTP shell: parse, hand to FakeGoogle.handle, write JSON."""

    owner: FakeGoogle
    server_version = "FakeGoogle/1"

    def log_message(self, format: str, *args: Any) -> None:   # keep pytest output clean
        pass

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            status, payload, extra = 400, GoogleError(400, "Invalid JSON payload received.").body(), {}
        else:
            _, status, payload, extra = self.owner.handle(self.command, parts.path, parse_qs(parts.query),
                                                         body, self.headers)
        data = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in extra.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve


# ---------------------------------------------------------------------------------------------- client wiring

class RedirectAdapter(HTTPAdapter):
    """Sends requests meant for Google to the fake, after gspread and google-auth have built them untouched."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        assert request.url is not None
        for host in GOOGLE_HOSTS:
            if request.url.startswith(host + "/"):
                request.url = self.base_url + request.url[len(host):]
                break
        kwargs["proxies"] = {}        # a proxy from the environment must not swallow 127.0.0.1
        return super().send(request, **kwargs)


def client_for(fake: FakeGoogle, http_client: type[HTTPClient] = HTTPClient) -> gspread.Client:
    """A real gspread.Client whose session's transport is pointed at `fake`; credentials never refresh."""
    creds = Credentials(token=TOKEN)          # no refresh token, no expiry: valid, and never touches the network
    client = gspread.Client(auth=creds, http_client=http_client)
    adapter = RedirectAdapter(fake.base_url)
    for host in GOOGLE_HOSTS:
        client.http_client.session.mount(host + "/", adapter)
    return client
