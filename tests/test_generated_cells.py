"""Nothing staff type comes out of a workbook sheetflow writes as a formula (issue 11).

Each payload is typed as text into real sheet rows (an order line's item and spec, a
unit's planned category, a lease's tenant and category), real passes carry it into every
generated workbook (未交货明细, 租金台账, 经营报表), and the files are read back twice: their
XML (no <f> anywhere, the payload a string cell, neutralised) and a CSV that LibreOffice
exports from them (no field a spreadsheet program would evaluate). Numbers and dates in
them are numeric cells with a number format.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import openpyxl
import pytest
from conftest import TZ, good_row
from orders_flow import Flow, line_row, order_row
from orders_helpers import FormSheet
from test_leases import SIGNERS, lease_row
from test_xlsx_patch_preserve import soffice_binary

from processors.clock import Clock
from processors.init_workspace import init_workspace
from processors.passes import run_pass
from processors.sheets.xlsx_patch import sheet_part
from processors.workspace import Workspace

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"

# typed by staff as text (as Excel stores a cell typed with a leading ') -> the text the generated cell holds.
# Text fields are trimmed when read, so "\t=1" and "\r=1" arrive as "=1"; the raw ones are in CELL_CASES below.
PAYLOADS = [
    ("=1+1", "'=1+1"),
    ("+1+1", "'+1+1"),
    ("-1+1", "'-1+1"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("cmd|'/c calc'!A1", "cmd|'/c calc'!A1"),          # no leading = : nothing evaluates it
    ("=cmd|'/c calc'!A1", "'=cmd|'/c calc'!A1"),
    ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
    ("\t=1", "'=1"),
    ("\r=1", "'=1"),
    ("石膏板 9.5mm", "石膏板 9.5mm"),
    ("- 备注", "'- 备注"),
    ("#N/A", "#N/A"),                                   # openpyxl made an error cell of it
    ("＝1+1", "'＝1+1"),                                # full width, as a Chinese input method types it
    ("石膏板_x0001_", "石膏板"),     # a pasted control character (Excel saves it so): XML cannot carry it, dropped
]
EVALUATED = tuple("=+-@\t\r＝＋－＠")
NUMBER = re.compile(r"-?[\d,]*\.?\d+%?")
START = dt.datetime(2026, 11, 29, 10, 0)
FORMULA = re.compile(rb"<f[\s/>]")       # a cell's <f> element (a data validation's <formula1> is not one)


def type_text(sheet: FormSheet, rows: list[dict[str, Any]], start: int = 2) -> None:
    """Rows typed into the workbook; every str a text cell (what Excel saves for a cell typed '=1+1)."""
    wb = openpyxl.load_workbook(sheet.path)
    ws = wb[sheet.form.sheet]
    for r, row in enumerate(rows, start=start):
        for name, value in row.items():
            cell = ws.cell(row=r, column=sheet.cols[name])
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"
    wb.save(sheet.path)


def category(typed: str) -> str:
    return typed if len(typed) <= 20 else "餐饮"       # the unit form allows 20 characters


# ---------------------------------------------------------------- building the workbooks


def build_orders(root: Path) -> Path:
    """One placed order whose lines carry the payloads as item and spec: all of them undelivered."""
    flow = Flow(root)
    try:
        flow.approved_requests(good_row(quantity=300, project="万达广场"))
        flow.approved_plan()
        type_text(flow.lines, [line_row(item=typed, spec=typed, quantity=10) for typed, _ in PAYLOADS])
        flow.run()
        flow.orders.put([order_row()])
        flow.run()
        flow.sign_all()
        assert flow.orders.cell(2, "status") == "已下达"
        return flow.ws.cfg.output_dir
    finally:
        flow.close()


def build_mall(root: Path) -> tuple[Path, Path]:
    """A unit and a lease in force per payload (category, tenant), one payment, a month's sales, bills overdue."""
    init_workspace(root)
    config = root / "config.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("codes = true", "codes = false"), encoding="utf-8")
    ws = Workspace(root, clock=Clock(TZ, START.replace(tzinfo=TZ)))
    units, leases = FormSheet(ws, "unit"), FormSheet(ws, "lease")
    n = len(PAYLOADS)
    type_text(units, [{"unit_no": f"P-{i:02d}", "floor": "1F", "area": 100, "category": category(typed)}
                      for i, (typed, _) in enumerate(PAYLOADS, start=1)])
    run_pass(ws)
    type_text(leases, [lease_row(tenant=typed, category=category(typed), unit=f"P-{i:02d}")
                       for i, (typed, _) in enumerate(PAYLOADS, start=1)])
    run_pass(ws)
    for column, who in SIGNERS:
        type_text(leases, [{column: f"同意 {who}"}] * n)
        run_pass(ws)
    type_text(leases, [{"signed_copy": "回传/签字版.pdf"}] * n)
    run_pass(ws)
    keys = [leases.cell(r, "key") for r in range(2, 2 + n)]
    assert all(leases.cell(r, "status") == "履约中" for r in range(2, 2 + n)), keys
    type_text(leases, [{"tenant": "改过的名字"}])                 # a signed lease is put back: staff text again
    type_text(FormSheet(ws, "rent_payment"), [{"lease": keys[0], "amount": 32500, "paid_on": dt.date(2026, 12, 5),
                                                 "recorded_by": "何梅"}])
    run_pass(ws)
    ws.close()
    ws = Workspace(root, clock=Clock(TZ, dt.datetime(2027, 1, 10, 9, 0, tzinfo=TZ)))
    type_text(FormSheet(ws, "tenant_sales"), [{"lease": k, "month": dt.date(2026, 12, 1), "sales": 123456.78}
                                              for k in keys])
    run_pass(ws)
    ws.close()
    return ws.cfg.output_dir, leases.path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("generated")
    orders = build_orders(root / "orders")
    mall, lease_book = build_mall(root / "mall")
    return {"未交货明细": orders / "未交货明细.xlsx", "租金台账": mall / "租金台账.xlsx",
            "经营报表": mall / "经营报表.xlsx", "租赁合同": lease_book}


@pytest.fixture(scope="module")
def exported(built: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[list[str]]]:
    """Every sheet of the three generated workbooks as LibreOffice exports it to CSV (keyed book-sheet)."""
    d = tmp_path_factory.mktemp("csv")
    books = [built[name] for name in ("未交货明细", "租金台账", "经营报表")]
    cmd = [soffice_binary(), f"-env:UserInstallation={(d / 'profile').as_uri()}", "--headless", "--norestore",
           "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
           "--outdir", str(d / "out"), *map(str, books)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=d)
    assert proc.returncode == 0, proc.stderr
    out = {p.stem: list(csv.reader(io.StringIO(p.read_text(encoding="utf-8"), newline="")))
           for p in (d / "out").glob("*.csv")}
    assert {"未交货明细-未交货明细", "租金台账-租金台账", "经营报表-出租率", "经营报表-收缴",
            "经营报表-坪效"} <= set(out)
    return out


# ---------------------------------------------------------------- reading a workbook's XML


def sheet_cells(path: Path, sheet: str) -> dict[str, tuple[str, str, bool]]:
    """ref -> (cell type, its text or value, has an <f>) straight from the sheet's XML."""
    with zipfile.ZipFile(path) as zf:
        shared = []
        if "xl/sharedStrings.xml" in zf.namelist():
            shared = ["".join(t.text or "" for t in si.iter(f"{NS}t"))
                      for si in ET.fromstring(zf.read("xl/sharedStrings.xml")).iter(f"{NS}si")]
        root = ET.fromstring(zf.read(sheet_part(zf, sheet)))
    out = {}
    for c in root.iter(f"{NS}c"):
        kind, v = c.get("t", "n"), c.find(f"{NS}v")
        if kind == "inlineStr":
            text = "".join(t.text or "" for t in c.iter(f"{NS}t"))
        elif kind == "s" and v is not None:
            text = shared[int(v.text or 0)]
        else:
            text = v.text if v is not None and v.text else ""
        out[c.get("r", "")] = (kind, text, c.find(f"{NS}f") is not None)
    return out


def column(cells: dict[str, tuple[str, str, bool]], letter: str) -> list[tuple[str, str]]:
    return [(kind, text) for ref, (kind, text, _) in cells.items() if re.fullmatch(f"{letter}\\d+", ref)]


# ---------------------------------------------------------------- the payloads, workbook by workbook

# (workbook, sheet, column in the XML, column in the CSV, payloads that can land there)
PLACES = [
    ("未交货明细", "未交货明细", "C", 2, PAYLOADS),                                # item
    ("未交货明细", "未交货明细", "D", 3, PAYLOADS),                                # spec
    ("租金台账", "租金台账", "B", 1, PAYLOADS),                                    # tenant
    ("经营报表", "坪效", "B", 1, PAYLOADS),                                        # tenant
    ("经营报表", "出租率", "B", 1, [p for p in PAYLOADS if len(p[0]) <= 20]),      # the unit's category
]
CASES = [pytest.param(book, sheet, col, csv_col, typed, shown, id=f"{book}/{sheet}/{col}-{typed!r}")
         for book, sheet, col, csv_col, payloads in PLACES for typed, shown in payloads]


@pytest.mark.parametrize(("book", "sheet", "col", "csv_col", "typed", "shown"), CASES)
def test_typed_text_lands_as_a_neutral_string(built: dict[str, Path], exported: dict[str, list[list[str]]],
                                              book: str, sheet: str, col: str, csv_col: int, typed: str,
                                              shown: str) -> None:
    cells = sheet_cells(built[book], sheet)
    assert (("inlineStr", shown) in column(cells, col)) or (("s", shown) in column(cells, col)), column(cells, col)
    assert shown in [row[csv_col] for row in exported[f"{book}-{sheet}"] if len(row) > csv_col]


@pytest.mark.parametrize(("book", "sheet"), [("未交货明细", "未交货明细"), ("租金台账", "租金台账"),
                                             ("经营报表", "出租率"), ("经营报表", "收缴"), ("经营报表", "坪效")])
def test_no_formula_no_error_cell_and_no_text_that_starts_like_one(built: dict[str, Path], book: str,
                                                                    sheet: str) -> None:
    with zipfile.ZipFile(built[book]) as zf:
        parts = [n for n in zf.namelist() if n.startswith("xl/worksheets/")]
        assert not [n for n in parts if FORMULA.search(zf.read(n))]
    for ref, (kind, text, formula) in sheet_cells(built[book], sheet).items():
        assert not formula and kind in ("n", "s", "inlineStr"), (ref, kind, text)
        assert kind == "n" or not text.startswith(EVALUATED), (ref, text)


def test_no_exported_csv_field_can_be_evaluated(exported: dict[str, list[list[str]]]) -> None:
    risky = [(name, field) for name, rows in exported.items() for row in rows for field in row
             if field.startswith(EVALUATED) and not NUMBER.fullmatch(field)]
    assert risky == []


def test_a_signed_lease_put_back_is_staff_text_again_never_a_formula(built: dict[str, Path]) -> None:
    """xlsx_patch writes what it puts back (and every message) as an inline string."""
    with zipfile.ZipFile(built["租赁合同"]) as zf:
        xml = zf.read(sheet_part(zf, "租赁合同"))
    assert not FORMULA.search(xml)
    cells = sheet_cells(built["租赁合同"], "租赁合同")
    assert cells["D2"][:2] == ("inlineStr", "=1+1")   # the tenant, after number, status and message


# ---------------------------------------------------------------- numbers and dates

NUMBER_COLUMNS = [
    ("未交货明细", "未交货明细", "F", "yyyy-mm-dd", dt.datetime(2026, 12, 20)),
    ("未交货明细", "未交货明细", "G", "#,##0", 10),
    ("未交货明细", "未交货明细", "I", "#,##0", 10),
    ("租金台账", "租金台账", "G", "yyyy-mm-dd", dt.datetime(2026, 12, 5)),
    ("租金台账", "租金台账", "H", "#,##0.00", 32500),
    ("租金台账", "租金台账", "I", "#,##0.00", 32500),
    ("租金台账", "租金台账", "J", "yyyy-mm-dd", dt.datetime(2026, 12, 5)),    # settled on the day paid
    ("租金台账", "租金台账", "K", "#,##0.00", 0),
    ("经营报表", "出租率", "C", "0", 1),
    ("经营报表", "出租率", "E", "#,##0.00", 100),
    ("经营报表", "出租率", "G", "0.0%", 1),
    ("经营报表", "收缴", "A", "#,##0.00", len(PAYLOADS) * 2 * 32500),          # two bills each by 2027-01-10
    ("经营报表", "收缴", "B", "#,##0.00", 32500),                            # one paid
    ("经营报表", "收缴", "C", "0.0%", pytest.approx(1 / (2 * len(PAYLOADS)), abs=1e-4)),
    ("经营报表", "坪效", "E", "#,##0.00", 123456.78),
    ("经营报表", "坪效", "F", "#,##0.00", 1234.57),
]


@pytest.mark.parametrize(("book", "sheet", "col", "number_format", "first"), NUMBER_COLUMNS)
def test_numbers_and_dates_are_numeric_cells_with_a_number_format(built: dict[str, Path], book: str, sheet: str,
                                                                  col: str, number_format: str, first: Any) -> None:
    cell = openpyxl.load_workbook(built[book])[sheet][f"{col}2"]
    assert cell.data_type == ("d" if isinstance(first, dt.date) else "n")
    assert (cell.number_format, cell.value) == (number_format, first)
    assert sheet_cells(built[book], sheet)[f"{col}2"][0] == "n"


def test_csv_keeps_dates_as_dates(exported: dict[str, list[list[str]]]) -> None:
    row = exported["租金台账-租金台账"][1]
    assert (row[6], row[9]) == ("2026-12-05", "2026-12-05")
    assert exported["未交货明细-未交货明细"][1][5] == "2026-12-20"


# ---------------------------------------------------------------- one value into one cell

CELL_CASES = [
    # value, column format -> (type openpyxl reads back, value read back, number format)
    ("=1+1", None, ("s", "'=1+1", "General")),
    ("\t=1", None, ("s", "'\t=1", "General")),
    ("\r=1", None, ("s", "'\n=1", "General")),          # XML turns a raw CR into LF; the apostrophe leads either way
    ("#DIV/0!", None, ("s", "#DIV/0!", "General")),
    ("a\x01b\x0bc", None, ("s", "abc", "General")),      # characters XML cannot carry are dropped, never a crash
    ("a\ud800b\uffff", None, ("s", "ab", "General")),
    ("plain", "#,##0.00", ("s", "plain", "General")),   # text in a money column stays text
    (Decimal("1234.5"), "#,##0.00", ("n", 1234.5, "#,##0.00")),
    (Decimal("-12.30"), "#,##0.00", ("n", -12.3, "#,##0.00")),
    (Decimal("5"), "quantity", ("n", 5, "#,##0")),
    (Decimal("2.5"), "quantity", ("n", 2.5, "#,##0.###")),
    (Decimal("2.5"), None, ("n", 2.5, "#,##0.###")),
    (7, None, ("n", 7, "0")),
    (True, None, ("b", True, "General")),
    (dt.date(2027, 1, 31), None, ("d", dt.datetime(2027, 1, 31), "yyyy-mm-dd")),
    (dt.datetime(2027, 1, 31, 9, 30, tzinfo=TZ), None, ("d", dt.datetime(2027, 1, 31, 9, 30), "yyyy-mm-dd hh:mm")),
    (None, "#,##0.00", ("n", None, "General")),
]


@pytest.fixture(scope="module")
def one_sheet(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A real workbook with a sheet per case, each written by table_sheet with the case's column format."""
    from processors.sheets.generated import save, table_sheet
    from processors.sheets.layout import Column

    path = tmp_path_factory.mktemp("cells") / "cells.xlsx"
    wb = openpyxl.Workbook()
    for i, (value, fmt, _) in enumerate(CELL_CASES):
        table_sheet(wb, f"c{i}", [Column("值", "Value", fmt)], [[value]])
    save(wb, path)
    with zipfile.ZipFile(path) as zf:
        assert not [n for n in zf.namelist() if n.startswith("xl/worksheets/") and FORMULA.search(zf.read(n))]
    return openpyxl.load_workbook(path)


@pytest.mark.parametrize(("i", "expected"), [pytest.param(i, c[2], id=repr(c[0])) for i, c in enumerate(CELL_CASES)])
def test_one_value_into_one_cell(one_sheet: Any, i: int, expected: tuple[str, Any, str]) -> None:
    cell = one_sheet[f"c{i}"]["A2"]
    assert (cell.data_type, cell.value, cell.number_format) == expected
