"""Helpers for the xlsx_patch tests: the LibreOffice-saved fixture workbook and ways to look inside an .xlsx.

tests/data/lo_fixture.xlsx comes from tests/data/make_lo_fixture.py; its sheet names are below.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

from python_calamine import CalamineWorkbook

from processors.sheets.base import column_index, column_letter

FIXTURE = Path(__file__).parent / "data" / "lo_fixture.xlsx"
MAIN, SUMMARY, LISTS = "采购申请", "汇总 Summary", "选项 Lists"
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
Q = f"{{{NS}}}"


def cells_by_ref(xml: bytes | str) -> dict[str, ET.Element]:
    root = ET.fromstring(xml)
    return {c.get("r"): c for c in root.iter(f"{Q}c")}


def ref(row: int, col: int) -> str:
    return f"{column_letter(col)}{row}"


def rc(cell_ref: str) -> tuple[int, int]:
    m = re.fullmatch(r"([A-Z]+)(\d+)", cell_ref)
    assert m, cell_ref
    return int(m.group(2)), column_index(m.group(1))


def xstring(text: str) -> str:
    """Decode Excel's _xHHHH_ escapes the way spreadsheet readers do."""
    return re.sub("_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), text)


def zip_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def zip_names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as zf:
        return zf.namelist()


def grids(path: Path) -> dict[str, dict[tuple[int, int], object]]:
    """Every sheet's non-empty cells as calamine reads them, keyed by 1-based (row, col)."""
    with CalamineWorkbook.from_path(str(path)) as wb:
        out = {}
        for name in wb.sheet_names:
            rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
            out[name] = {(r, c): v for r, row in enumerate(rows, 1) for c, v in enumerate(row, 1) if v != ""}
    return out
