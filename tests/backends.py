"""One purchase-request sheet behind either backend, edited the way a person would, for the contract tests.

`XlsxSheet` is the workbook in the workspace's sheets/ folder (edited with
openpyxl, standing in for Excel); `GoogleSheet` is a tab in the fake Google
spreadsheet (edited through the fake's person-edit helpers, standing in for
the browser). Both offer the same few verbs, so one test runs against both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conftest import BOOK, COLS, SHEET, TZ, Book
from google_fake import FakeGoogle, client_for

from processors.clock import Clock
from processors.passes import PassReport, run_pass
from processors.sheets.base import column_letter
from processors.sheets.form_layout import new_sheet_columns
from processors.sheets.google.pacing import PacedHTTPClient
from processors.sheets.google.setup import setup_spreadsheet
from processors.workspace import Workspace

EPOCH = dt.date(1899, 12, 30)   # Sheets keeps a typed date as days since this day, as Excel does


def google_config(text: str, spreadsheet: str) -> str:
    """The example config.toml switched to the Google backend, as a department would edit it."""
    text = text.replace('kind = "xlsx"', 'kind = "google"')
    return text + f'\n[google]\nspreadsheet = "https://docs.google.com/spreadsheets/d/{spreadsheet}/edit"\n' \
                  "backoff_seconds = 0.01\n"


def cli_google_workspace(tmp_path: Path, fake: FakeGoogle) -> tuple[Path, Path, str]:
    """(root, key file, spreadsheet id): an `init`ed workspace on a new spreadsheet of the fake, and a
    service-account key outside it, for runs of the real CLI in a child process."""
    from processors.init_workspace import init_workspace

    sid = fake.create_spreadsheet("采购")
    root = tmp_path / "ws"
    init_workspace(root)
    (root / "config.toml").write_text(google_config((root / "config.toml").read_text(encoding="utf-8"), sid),
                                      encoding="utf-8")
    (tmp_path / "secrets").mkdir()
    return root, fake.service_account_file(tmp_path / "secrets" / "key.json"), sid


def paced_client(fake: FakeGoogle, backoff: float = 0.01, per_minute: int = 60) -> Any:
    client = client_for(fake, http_client=PacedHTTPClient)
    client.http_client.configure(per_minute, 6, backoff)
    return client


class XlsxSheet:
    name = "xlsx"

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.book = Book(ws.cfg.sheets_dir / BOOK)

    def put_rows(self, rows: list[dict[str, Any]], start: int = 2) -> None:
        self.book.put_rows(rows, start)

    def set(self, row: int, name: str, value: Any) -> None:
        self.book.set(row, name, value)

    def cell(self, row: int, name: str) -> str:
        value = self.book.cell(row, name)
        return "" if value is None else str(value)

    def insert_row(self, before: int, values: dict[str, Any]) -> None:
        def insert(sheet: Any) -> None:
            sheet.insert_rows(before)
            for name, value in values.items():
                sheet.cell(row=before, column=COLS[name]).value = value
        self.book.edit(insert)

    def sort_rows(self, name: str, reverse: bool = False) -> None:
        def sort(sheet: Any) -> None:
            rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=2, max_row=sheet.max_row)]
            rows = [r for r in rows if any(v not in (None, "") for v in r)]
            rows.sort(key=lambda r: str(r[COLS[name] - 1] or ""), reverse=reverse)
            for i, r in enumerate(rows, start=2):
                for j, v in enumerate(r, start=1):
                    sheet.cell(row=i, column=j).value = v
        self.book.edit(sort)

    def run(self) -> PassReport:
        return run_pass(self.ws)


class GoogleSheet:
    name = "google"

    def __init__(self, ws: Workspace, fake: FakeGoogle, spreadsheet: str) -> None:
        self.ws, self.fake, self.sid = ws, fake, spreadsheet
        self.tab = SHEET

    def _cells(self, values: dict[str, Any]) -> list[Any]:
        width = max(COLS[n] for n in values)
        row: list[Any] = [None] * width  # None leaves a cell alone, as typing into some cells does
        for name, value in values.items():
            row[COLS[name] - 1] = _typed(value)
        return row

    def put_rows(self, rows: list[dict[str, Any]], start: int = 2) -> None:
        for i, values in enumerate(rows):
            self.fake.set_values(self.sid, self.tab, [self._cells(values)], start=f"A{start + i}")

    def set(self, row: int, name: str, value: Any) -> None:
        self.fake.set_values(self.sid, self.tab, [[_typed(value)]], start=f"{column_letter(COLS[name])}{row}")

    def cell(self, row: int, name: str) -> str:
        grid = self.fake.values(self.sid, self.tab)
        cells = grid[row - 1] if row - 1 < len(grid) else []
        col = COLS[name] - 1
        value = cells[col] if col < len(cells) else ""
        return "" if value is None else str(value)

    def insert_row(self, before: int, values: dict[str, Any]) -> None:
        self.fake.insert_rows(self.sid, self.tab, before, [[v if v is not None else "" for v in self._cells(values)]])

    def sort_rows(self, name: str, reverse: bool = False) -> None:
        self.fake.sort_rows(self.sid, self.tab, 2, key=column_letter(COLS[name]), reverse=reverse)

    def run(self) -> PassReport:
        return run_pass(self.ws)


def _typed(value: Any) -> Any:
    """What Sheets stores for what a person typed: dates become serial numbers, nothing becomes empty."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return (value - EPOCH).days
    return value


def make_google_workspace(root: Path, fake: FakeGoogle, now: dt.datetime, *, config_edit: Callable[[str], str]
                          = lambda text: text) -> tuple[Workspace, str]:
    """A workspace on the Google backend whose spreadsheet `sheetflow setup` has prepared."""
    from processors.init_workspace import init_workspace

    sid = fake.create_spreadsheet("采购 Purchasing")
    init_workspace(root)
    cfg = root / "config.toml"
    cfg.write_text(config_edit(google_config(cfg.read_text(encoding="utf-8"), sid)), encoding="utf-8")
    ws = Workspace(root, clock=Clock(TZ, now.replace(tzinfo=TZ)))
    ws.use_google_client(paced_client(fake))
    for spreadsheet, tabs in ws.google_tabs().items():
        setup_spreadsheet(ws.google_client(), spreadsheet, tabs, ws.cfg, ws.t)
    return ws, sid



class GoogleFormSheet:
    """Any form's tab in the fake spreadsheet, addressed by field name (columns as sheetflow setup lays them)."""

    def __init__(self, ws: Workspace, fake: FakeGoogle, spreadsheet: str, form_id: str) -> None:
        form = ws.forms[form_id]
        self.fake, self.sid, self.tab = fake, spreadsheet, ws.sheet_name(form) or form.sheet
        self.cols = {c.name: i for i, c in enumerate(new_sheet_columns(form), start=1)}

    def put(self, rows: list[dict[str, Any]], start: int = 2) -> None:
        for i, values in enumerate(rows):
            width = max(self.cols[n] for n in values)
            row: list[Any] = [None] * width
            for name, value in values.items():
                row[self.cols[name] - 1] = _typed(value)
            self.fake.set_values(self.sid, self.tab, [row], start=f"A{start + i}")

    def set(self, row: int, **values: Any) -> None:
        for name, value in values.items():
            self.fake.set_values(self.sid, self.tab, [[_typed(value)]],
                                 start=f"{column_letter(self.cols[name])}{row}")

    def cell(self, row: int, name: str) -> str:
        grid = self.fake.values(self.sid, self.tab)
        cells = grid[row - 1] if row - 1 < len(grid) else []
        col = self.cols[name] - 1
        value = cells[col] if col < len(cells) else ""
        return "" if value is None else str(value)
