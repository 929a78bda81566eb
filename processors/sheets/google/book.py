"""One Google spreadsheet's traffic: a Drive check (version, modifiedTime), one batchGet for all its tabs, one
batchUpdate.

Every call here is one request whatever the number of tabs, rows or cells, so
the quota a pass costs does not grow with the sheet. Errors become the
WorkbookError family so a spreadsheet that cannot be used is reported like a
broken workbook and the others go on.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import gspread
import requests
from gspread.exceptions import APIError

from ...errors import GoogleAccessError, GoogleRequestError, GoogleUnreachableError
from ..base import VersionIdentity, column_index, column_letter

DRIVE_FILES = "https://www.googleapis.com/drive/v3/files/{id}"
READ_PARAMS = {"valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "SERIAL_NUMBER"}
_START = re.compile(r"!\$?([A-Z]+)\$?(\d+)")
T = TypeVar("T")


@dataclass(frozen=True)
class DriveState:
    """What a files.get tells: the two things Drive promises move with every change. Who made the change
    (lastModifyingUser) comes in the same answer but is no part of the state: Drive may report it a read late,
    so change detection never looks at it; the audit trail records it as Google's declaration (issue 16)."""

    version: str
    modified: str
    #: lastModifyingUser as this answer names it ({} when Drive gave none); not compared
    modified_by: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def identity(self) -> VersionIdentity:
        return VersionIdentity(self.version, self.modified)


def quote_tab(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


class GoogleBook:
    def __init__(self, client: gspread.Client, spreadsheet_id: str, account: str = "") -> None:
        self.client, self.id, self.account = client, spreadsheet_id, account
        self.http = client.http_client

    @contextmanager
    def _errors(self) -> Iterator[None]:
        where = f"google:{self.id}"
        try:
            yield
        except APIError as exc:
            status = exc.response.status_code
            text = _message(exc)
            if status in (401, 403, 404):
                raise GoogleAccessError(where, f"{status} {text}", account=self.account or "-") from None
            if status == 429 or status >= 500:
                raise GoogleUnreachableError(where, f"{status} {text}") from None
            raise GoogleRequestError(where, f"{status} {text}") from None
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise GoogleUnreachableError(where, type(exc).__name__) from None

    def _call(self, fn: Callable[[], T]) -> T:
        with self._errors():
            return fn()

    def drive_state(self) -> DriveState:
        """The cheap call an idle pass makes: has anything changed since we last looked?"""
        url = DRIVE_FILES.format(id=self.id)
        params = {"fields": "version,modifiedTime,lastModifyingUser(displayName,emailAddress,me)",
                  "supportsAllDrives": "true"}
        body = self._call(lambda: self.http.request("get", url, params=params).json())
        user = body.get("lastModifyingUser")
        return DriveState(version=str(body.get("version", "")), modified=str(body.get("modifiedTime", "")),
                          modified_by=user if isinstance(user, dict) else {})

    def titles(self) -> list[str]:
        body = self._call(lambda: self.http.request(
            "get", f"https://sheets.googleapis.com/v4/spreadsheets/{self.id}",
            params={"fields": "sheets.properties.title"}).json())
        return [s["properties"]["title"] for s in body.get("sheets", [])]

    def read(self, tabs: list[str]) -> dict[str, list[list[Any]]]:
        """Every tab's cells in one values.batchGet; grid[0] is sheet row 1 whatever range Google returns."""
        if not tabs:
            return {}
        body = self._call(lambda: self.http.values_batch_get(self.id, [quote_tab(t) for t in tabs],
                                                              params=dict(READ_PARAMS)))
        out: dict[str, list[list[Any]]] = {}
        for tab, vr in zip(tabs, body.get("valueRanges", []), strict=False):
            out[tab] = _grid(vr)
        return out

    def write(self, cells: dict[str, dict[tuple[int, int], str | None]]) -> int:
        """All tabs' cells in one values.batchUpdate (RAW: a message starting with '=' stays text)."""
        data = [{"range": rng, "values": [row]}
                for tab, tab_cells in cells.items() for rng, row in _runs(tab, tab_cells)]
        if not data:
            return 0
        body = {"valueInputOption": "RAW", "data": data}
        result = self._call(lambda: self.http.values_batch_update(self.id, body))
        return int(result.get("totalUpdatedCells", 0))


def _grid(value_range: dict[str, Any]) -> list[list[Any]]:
    rows: list[list[Any]] = value_range.get("values") or []
    m = _START.search(value_range.get("range", ""))
    if m is None:
        return rows
    col0, row0 = column_index(m.group(1)) - 1, int(m.group(2)) - 1
    pad = [""] * col0
    return [[] for _ in range(row0)] + ([[*pad, *r] for r in rows] if col0 else rows)


def _runs(tab: str, cells: dict[tuple[int, int], str | None]) -> Iterator[tuple[str, list[str]]]:
    """Adjacent cells of a row go as one range; a None (clear) is sent as '' so the cell empties."""
    by_row: dict[int, list[int]] = {}
    for row, col in cells:
        by_row.setdefault(row, []).append(col)
    for row in sorted(by_row):
        cols = sorted(by_row[row])
        start = prev = cols[0]
        values = [cells[(row, start)] or ""]
        for col in cols[1:]:
            if col == prev + 1:
                values.append(cells[(row, col)] or "")
            else:
                yield _a1(tab, row, start, prev), values
                start, values = col, [cells[(row, col)] or ""]
            prev = col
        yield _a1(tab, row, start, prev), values


def _a1(tab: str, row: int, first: int, last: int) -> str:
    return f"{quote_tab(tab)}!{column_letter(first)}{row}:{column_letter(last)}{row}"


def _message(exc: APIError) -> str:
    try:
        return str(exc.response.json()["error"]["message"])[:200]
    except (ValueError, KeyError, TypeError):
        return exc.response.reason or ""
