"""The in-memory state: spreadsheets, their tabs' values, notes, validation and protected ranges, and Drive metadata."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from .a1 import Box, parse_cells, quote_sheet, split_sheet
from .constants import DEFAULT_COLS, DEFAULT_ROWS, PERSON_EMAIL, Cell, Rows
from .errors import GoogleError


def _now() -> str:
    """RFC 3339 with milliseconds and Z, the way Drive writes modifiedTime."""
    return _rfc3339(dt.datetime.now(dt.UTC))


def _rfc3339(at: dt.datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def _later(previous: str) -> str:
    """Now, or a millisecond after `previous` if the clock has not moved past it: every edit has its own time."""
    now = _now()
    if now > previous:          # same fixed-width format, so text order is time order
        return now
    return _rfc3339(dt.datetime.strptime(previous, "%Y-%m-%dT%H:%M:%S.%fZ") + dt.timedelta(milliseconds=1))


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
    frozen_rows: int = 0
    frozen_columns: int = 0
    #: userEnteredFormat by cell, and column widths in pixels (what setup lays over a tab)
    formats: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    column_px: dict[int, int] = field(default_factory=dict)

    def properties(self) -> dict[str, Any]:
        grid = {"rowCount": self.row_count, "columnCount": self.column_count}
        if self.frozen_rows:
            grid["frozenRowCount"] = self.frozen_rows     # Google omits it when 0
        if self.frozen_columns:
            grid["frozenColumnCount"] = self.frozen_columns
        return {"sheetId": self.sheet_id, "title": self.title, "index": self.index, "sheetType": "GRID",
                "gridProperties": grid}

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
    modified_by: str = PERSON_EMAIL     # a new file was made by a person; API writes hand it to the service account
    #: the awkward Drive (FakeGoogle.drive_awkward): scripted version steps, then seeded random ones, and a
    #: lastModifyingUser that lags one files.get behind; off, every edit is exactly one version step
    awkward: bool = False
    steps: list[int] = field(default_factory=list)
    rng: random.Random | None = None
    lag: bool = False
    lagging_by: str | None = None       # what the next files.get still reports as the last modifier

    def sheet_by_title(self, title: str) -> Sheet:
        for s in self.sheets:
            if s.title == title:
                return s
        raise GoogleError(400, f"Unable to parse range: {quote_sheet(title)}")

    def sheet_by_id(self, sheet_id: int) -> Sheet | None:
        return next((s for s in self.sheets if s.sheet_id == sheet_id), None)

    def touch(self, by: str = PERSON_EMAIL) -> None:
        """Every change moves Drive's version and modifiedTime, which is what change detection keys on.

        Ordinarily the version moves by one. Awkward, it moves as little as Drive's documentation promises
        (it grows, by any step, 0 included), so a backend cannot learn from the step who made the change or
        how many there were. modifiedTime always moves, by a millisecond at least. `by` becomes Drive's
        lastModifyingUser (API handlers pass USER_EMAIL, the person-edit helpers a person); with lag the next
        files.get still names the one before.
        """
        self.version += self._step()
        self.modified = _later(self.modified)
        if self.lag:
            self.lagging_by = self.modified_by
        self.modified_by = by

    def _step(self) -> int:
        if not self.awkward:
            return 1
        if self.steps:
            return self.steps.pop(0)
        return self.rng.randint(0, 4) if self.rng is not None else 1

    def modifier_seen(self) -> str:
        """The lastModifyingUser a files.get reports now: while lagging the previous one, once."""
        by, self.lagging_by = self.lagging_by or self.modified_by, None
        return by

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
