"""The order forms' workbooks, edited as a person would (openpyxl), addressed by field name."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
from python_calamine import CalamineWorkbook

from processors.sheets.form_layout import new_sheet_columns
from processors.workspace import Workspace

ORDER_CONFIG = ""   # the example config.toml has [orders] and [suppliers] (华美建材 30 days' credit, 恒通五金 none)


class FormSheet:
    """One form's workbook in a workspace; columns as a new workbook lays them (form_layout.new_sheet_columns)."""

    def __init__(self, ws: Workspace, form_id: str) -> None:
        form = ws.forms[form_id]
        self.form = form
        self.path: Path = ws.cfg.sheets_dir / ws.file_pattern(form)
        self.cols = {c.name: i for i, c in enumerate(new_sheet_columns(form), start=1)}

    def _edit(self, fn: Any) -> None:
        wb = openpyxl.load_workbook(self.path)
        fn(wb[self.form.sheet])
        wb.save(self.path)

    def put(self, rows: list[dict[str, Any]], start: int = 2) -> None:
        def fill(sheet: Any) -> None:
            for r, row in enumerate(rows, start=start):
                for name, value in row.items():
                    sheet.cell(row=r, column=self.cols[name]).value = value
        self._edit(fill)

    def set(self, row: int, **values: Any) -> None:
        self.put([values], start=row)

    def cell(self, row: int, name: str) -> str:
        wb = CalamineWorkbook.from_path(str(self.path))
        try:
            grid = wb.get_sheet_by_name(self.form.sheet).to_python(skip_empty_area=False)
        finally:
            wb.close()
        cells = grid[row - 1] if row - 1 < len(grid) else []
        col = self.cols[name] - 1
        value = cells[col] if col < len(cells) else ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, dt.datetime):
            value = value.date()
        return "" if value is None else str(value)

    def row(self, row: int) -> dict[str, str]:
        return {name: self.cell(row, name) for name in ("key", "status", "message")}
