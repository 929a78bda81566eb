"""Shared fixtures: real workspaces in tmp_path, real .xlsx files, a real SQLite store.

A "user edit" is made with openpyxl on a plain generated workbook, standing in for
the person's spreadsheet program; sheetflow itself never saves through openpyxl.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from google_fake import FakeGoogle
from python_calamine import CalamineWorkbook

from processors.clock import Clock
from processors.init_workspace import init_workspace
from processors.workspace import Workspace

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 29, 10, 32)
SHEET = "采购申请"
BOOK = "采购申请.xlsx"

# Column positions in the generated purchase-request sheet (1-based): number, status and message first (frozen),
# then the fields of forms/purchase_request.toml in their order, then the time of the last update.
COLS = {name: i for i, name in enumerate(
    ["key", "status", "message",
     "applicant", "department", "project", "item", "spec", "unit", "quantity", "unit_price", "needed_by",
     "item_type", "attachment", "remarks", "dept_head", "purchasing_review", "gm_signoff",
     "updated"], start=1)}


def good_row(**changes: Any) -> dict[str, Any]:
    row = {"applicant": "李强", "department": "工程部", "project": "万达广场", "item": "石膏板",
           "spec": "9.5mm", "unit": "张", "quantity": 10, "unit_price": 28.5,
           "needed_by": dt.date(2026, 12, 20), "item_type": "常规"}
    row.update(changes)
    return {k: v for k, v in row.items() if v is not None}


class Book:
    """The workspace's purchase-request workbook, edited the way a person would."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def grid(self) -> list[list[Any]]:
        wb = CalamineWorkbook.from_path(str(self.path))
        try:
            return wb.get_sheet_by_name(SHEET).to_python(skip_empty_area=False)
        finally:
            wb.close()

    def cell(self, row: int, name: str) -> Any:
        grid = self.grid()
        if row - 1 >= len(grid):
            return ""
        cells = grid[row - 1]
        col = COLS[name] - 1
        return cells[col] if col < len(cells) else ""

    def system(self, row: int) -> dict[str, Any]:
        return {k: self.cell(row, k) for k in ("key", "status", "message", "updated")}

    def edit(self, fn: Callable[[Any], None]) -> None:
        wb = openpyxl.load_workbook(self.path)
        fn(wb[SHEET])
        wb.save(self.path)

    def put_rows(self, rows: list[dict[str, Any]], start: int = 2) -> None:
        def fill(ws: Any) -> None:
            for r, row in enumerate(rows, start=start):
                for name, value in row.items():
                    ws.cell(row=r, column=COLS[name]).value = value
        self.edit(fill)

    def set(self, row: int, name: str, value: Any) -> None:
        def assign(ws: Any) -> None:
            ws.cell(row=row, column=COLS[name]).value = value  # cell(value=None) would not clear
        self.edit(assign)

    def keys(self) -> list[str]:
        return [str(r[COLS["key"] - 1]) for r in self.grid()[1:] if len(r) >= COLS["key"] and r[COLS["key"] - 1]]


@pytest.fixture(scope="session")
def fake_google() -> Iterator[FakeGoogle]:
    """One local Sheets/Drive stand-in for the session; each test makes its own spreadsheets in it."""
    with FakeGoogle() as fake:
        yield fake


@pytest.fixture
def gsheet(tmp_path: Path, fake_google: FakeGoogle) -> Iterator[Any]:
    """A Google workspace whose spreadsheet setup prepared, as backends.GoogleSheet (imported here: backends
    imports this module)."""
    from backends import GoogleSheet, make_google_workspace

    ws, sid = make_google_workspace(tmp_path / "ws", fake_google, NOW)
    try:
        yield GoogleSheet(ws, fake_google, sid)
    finally:
        ws.close()


def init_at(root: Path, now: dt.datetime = NOW, **options: Any) -> list[Path]:
    """`init` with the clock pinned at `now`, so the example's story is told on the day the test's passes run:
    told on the real day and read at NOW, the two are weeks apart by December (a bill due on the 5th is overdue in
    the story and not yet due at NOW)."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SHEETFLOW_NOW", now.isoformat())
        return init_workspace(root, **options)


@contextmanager
def workspace_maker(base: Path) -> Iterator[Callable[..., Workspace]]:
    """make(name) opens the workspace base/name, laid out by `init` the first time; all are closed at the end."""
    opened: list[Workspace] = []

    def make(name: str = "ws", *, sample: bool = False, language: str | None = None,
             config_extra: str = "", now: dt.datetime = NOW) -> Workspace:
        root = base / name
        if not root.exists():
            init_at(root, now, sample=sample, language=language)
            if config_extra:
                with (root / "config.toml").open("a", encoding="utf-8") as fh:
                    fh.write("\n" + config_extra + "\n")
        ws = Workspace(root, clock=Clock(TZ, now.replace(tzinfo=TZ)))
        opened.append(ws)
        return ws

    try:
        yield make
    finally:
        for ws in opened:
            ws.close()


@pytest.fixture
def make_workspace(tmp_path: Path) -> Iterator[Callable[..., Workspace]]:
    with workspace_maker(tmp_path) as make:
        yield make


@pytest.fixture
def ws(make_workspace: Callable[..., Workspace]) -> Workspace:
    return make_workspace()


@pytest.fixture
def book(ws: Workspace) -> Book:
    return Book(ws.cfg.sheets_dir / BOOK)


def request_report(report: Any) -> Any:
    """The purchase-request workbook's part of a PassReport (other forms' workbooks are in it too)."""
    return next(f for f in report.files if f.form == "purchase_request")


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """The real console entry point in a child process."""
    full_env = {**os.environ, "SHEETFLOW_NOW": NOW.isoformat(), **(env or {})}
    return subprocess.run([sys.executable, "-m", "processors.cli", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=timeout)
