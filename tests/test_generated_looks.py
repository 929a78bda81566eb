"""The workbooks sheetflow generates read and print well (issue 12, part 2).

The example workspace (`init --sample`) gets its first real `sheetflow run`, which writes
未交货明细, 租金台账 and 经营报表 into output/. They are read back with openpyxl (number
formats, widths against what each cell shows, frozen header, autofilter, page setup) and
printed to PDF by LibreOffice, whose pages are counted and whose smallest text is
measured with pypdf. Widths are checked against the advance widths of DejaVu Sans, the
font LibreOffice prints Calibri with here, a CJK character counting twice a digit.
"""

from __future__ import annotations

import datetime as dt
import math
import subprocess
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

import openpyxl
import pypdf
import pytest
from conftest import run_cli
from fontTools.ttLib import TTFont
from orders_flow import Flow
from test_xlsx_patch_preserve import soffice_binary

from processors.i18n import Translator
from processors.orders.outstanding import COLUMNS, outstanding_rows
from processors.sheets.generated import page_text, save, table_sheet
from processors.sheets.layout import Column
from processors.sheets.printing import Plan, plan

BOOKS = ("未交货明细", "租金台账", "经营报表")
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


# ---------------------------------------------------------------- the example, run once, printed once


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example made and run at the same pinned moment (conftest.NOW), so its figures are the same every day."""
    root = tmp_path_factory.mktemp("looks") / "ws"
    for args in (("init", "--sample", str(root)), ("run", "-w", str(root))):
        proc = run_cli(*args)
        assert proc.returncode == 0, proc.stderr
    return root / "output"


def to_pdf(books: list[Path], folder: Path) -> dict[str, Path]:
    """LibreOffice headless prints each workbook to a PDF, as File > Export as PDF does."""
    cmd = [soffice_binary(), f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless", "--norestore",
           "--convert-to", "pdf", "--outdir", str(folder / "pdf"), *map(str, books)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=folder)
    assert proc.returncode == 0, proc.stderr
    return {p.stem: p for p in (folder / "pdf").glob("*.pdf")}


@pytest.fixture(scope="module")
def printed(output: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    pdfs = to_pdf([output / f"{name}.xlsx" for name in BOOKS], tmp_path_factory.mktemp("print"))
    assert set(pdfs) == set(BOOKS)
    return pdfs


def book(output: Path, name: str) -> Any:
    return openpyxl.load_workbook(output / f"{name}.xlsx")


def text_sizes(pdf: Path) -> list[float]:
    """The size every piece of text prints at, in points: its font size through the text and page matrices."""
    sizes: list[float] = []

    def visit(text: str, cm: list[float], tm: list[float], _font: Any, size: float) -> None:
        if text.strip():
            sizes.append(size * math.hypot(tm[2] * cm[0] + tm[3] * cm[2], tm[2] * cm[1] + tm[3] * cm[3]))

    for page in pypdf.PdfReader(pdf).pages:
        page.extract_text(visitor_text=visit)
    return sizes


def pdf_text(pdf: Path, page: int) -> str:
    return subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout


# ---------------------------------------------------------------- what a cell shows, and how wide that is


def displayed(cell: Any) -> str:
    """The text a reader sees in the cell, its number format applied."""
    value, fmt = cell.value, cell.number_format
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M" if "hh" in fmt else "%Y-%m-%d")
    if isinstance(value, str):
        return value
    shown = {"#,##0.00": f"{value:,.2f}", "0.0%": f"{value * 100:.1f}%", "0": f"{value:.0f}",
             "#,##0": f"{value:,.0f}", "#,##0.###": f"{value:,.3f}".rstrip("0")}
    return shown[fmt]


@cache
def advances(bold: bool) -> tuple[dict[int, str], Any, float]:
    font = TTFont(DEJAVU / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"))
    cmap, hmtx = font.getBestCmap(), font["hmtx"]
    return cmap, hmtx, hmtx[cmap[ord("0")]][0]


def measure(text: str, bold: bool = False) -> float:
    """The widest line of `text` in digit widths: DejaVu Sans advances, 2 for a CJK character."""
    cmap, hmtx, digit = advances(bold)
    scale = 1.1 if bold else 1.0         # bold digits are wider than the regular ones the column unit is made of

    def one(ch: str) -> float:
        if unicodedata.east_asian_width(ch) in ("W", "F"):
            return 2.0
        return hmtx[cmap[ord(ch)]][0] / digit * scale if ord(ch) in cmap else 1.0

    return max(sum(one(ch) for ch in line) for line in text.split("\n"))


def wide(text: str) -> bool:
    return any(unicodedata.east_asian_width(ch) in ("W", "F") for ch in text)


def width(sheet: Any, col: int) -> float:
    return sheet.column_dimensions[openpyxl.utils.get_column_letter(col)].width


SHEETS = [("未交货明细", "未交货明细"), ("租金台账", "租金台账"), ("经营报表", "出租率"), ("经营报表", "收缴"),
          ("经营报表", "坪效")]


# ---------------------------------------------------------------- number formats

FORMATS = [
    # workbook, sheet, column -> the number format of every number in it
    ("未交货明细", "未交货明细", "F", "yyyy-mm-dd"),
    ("未交货明细", "未交货明细", "G", "#,##0"),
    ("未交货明细", "未交货明细", "H", "#,##0"),
    ("未交货明细", "未交货明细", "I", "#,##0"),
    ("租金台账", "租金台账", "G", "yyyy-mm-dd"),
    ("租金台账", "租金台账", "H", "#,##0.00"),
    ("租金台账", "租金台账", "I", "#,##0.00"),
    ("租金台账", "租金台账", "J", "yyyy-mm-dd"),
    ("租金台账", "租金台账", "K", "#,##0.00"),
    ("租金台账", "租金台账", "L", "0"),
    ("租金台账", "租金台账", "M", "#,##0.00"),
    ("经营报表", "出租率", "C", "0"),
    ("经营报表", "出租率", "E", "#,##0.00"),
    ("经营报表", "出租率", "F", "#,##0.00"),
    ("经营报表", "出租率", "G", "0.0%"),
    ("经营报表", "收缴", "A", "#,##0.00"),
    ("经营报表", "收缴", "B", "#,##0.00"),
    ("经营报表", "收缴", "C", "0.0%"),
    ("经营报表", "坪效", "D", "#,##0.00"),
    ("经营报表", "坪效", "E", "#,##0.00"),
    ("经营报表", "坪效", "F", "#,##0.00"),
]


@pytest.mark.parametrize(("name", "sheet", "col", "fmt"), FORMATS)
def test_percentages_money_counts_and_dates_carry_their_format(output: Path, name: str, sheet: str, col: str,
                                                               fmt: str) -> None:
    cells = [c for c in book(output, name)[sheet][col][1:] if isinstance(c.value, (int, float, dt.datetime))]
    assert cells, f"{name}/{sheet} column {col} holds no numbers"
    assert {c.number_format for c in cells} == {fmt}
    if fmt == "yyyy-mm-dd":
        assert {c.data_type for c in cells} == {"d"}


def test_rates_and_amounts_read_as_a_reader_expects(output: Path) -> None:
    """What was reported: 0.3478 and 997476.67 in General format (the example run on another day)."""
    wb = book(output, "经营报表")
    assert [displayed(c) for c in wb["出租率"]["G"][1:]] == ["0.0%", "34.8%", "59.5%", "0.0%", "24.0%", "42.9%",
                                                          "37.4%", "13.5%"]
    assert [displayed(c) for c in wb["收缴"][2]] == ["1,006,976.67", "943,376.67", "93.7%"]


# ---------------------------------------------------------------- widths, headers, frozen row, filter


@pytest.mark.parametrize(("name", "sheet"), SHEETS)
def test_every_value_fits_its_column_and_no_column_is_much_wider(output: Path, name: str, sheet: str) -> None:
    ws = book(output, name)[sheet]
    note_row = {r.min_row for r in ws.merged_cells.ranges}
    for col in range(1, ws.max_column + 1):
        values = [displayed(ws.cell(row=r, column=col)) for r in range(2, ws.max_row + 1) if r not in note_row]
        header = ws.cell(row=1, column=col).value
        need = max([measure(v) for v in values] + [measure(header, bold=True)])
        assert need + 0.5 <= width(ws, col), (col, header, max(values, key=measure))
        assert width(ws, col) <= need * 1.2 + 3, (col, header)


@pytest.mark.parametrize(("name", "sheet"), SHEETS)
def test_headers_are_never_cut_a_narrow_column_puts_english_on_a_second_line(output: Path, name: str,
                                                                              sheet: str) -> None:
    ws = book(output, name)[sheet]
    headers = [c.value for c in ws[1]]
    for col, header in enumerate(headers, start=1):
        assert measure(header, bold=True) + 0.5 <= width(ws, col), header
        if "\n" in header:
            zh, en = header.split("\n")
            assert wide(zh) and not wide(en)                             # Chinese above, English below
            assert measure(f"{zh} {en}", bold=True) > width(ws, col) - 3        # on one line it would (nearly) not fit
            assert ws.cell(row=1, column=col).alignment.wrap_text
    if any("\n" in h for h in headers):
        assert ws.row_dimensions[1].height >= 2 * 14        # two lines of 11 pt text


@pytest.mark.parametrize(("name", "sheet"), SHEETS)
def test_header_row_is_frozen_and_the_table_filtered(output: Path, name: str, sheet: str) -> None:
    ws = book(output, name)[sheet]
    assert ws.freeze_panes == "A2"
    last = max(r for r in range(1, ws.max_row + 1) if ws.cell(row=r, column=1).border.left.style)
    expected = None if sheet == "收缴" else f"A1:{openpyxl.utils.get_column_letter(ws.max_column)}{last}"
    assert ws.auto_filter.ref == expected           # 收缴: a one-row summary and the arrears by age, no table


def test_the_note_under_a_table_wraps_within_the_table(output: Path) -> None:
    ws = book(output, "租金台账")["租金台账"]
    [merged] = ws.merged_cells.ranges
    assert (merged.min_col, merged.max_col, merged.min_row) == (1, ws.max_column, ws.max_row)
    note = ws.cell(row=merged.min_row, column=1)
    assert note.value.startswith("本表由 sheetflow 自动生成") and note.alignment.wrap_text


# ---------------------------------------------------------------- page setup, and the pages LibreOffice prints

PAGES = [
    # workbook, sheet -> orientation, fit to one page wide (else a fixed scale), repeated columns, pages printed
    # 未交货明细: 11 columns, ~148 digit widths: one landscape page wide from 73 % (8 pt) on, 5 lines on one page.
    ("未交货明细", "未交货明细", "landscape", True, None),
    # 租金台账: 14 columns, ~228 widths: even at 73 % a landscape page holds ~150, so two across (lease number
    # repeated); 71 bills + header at 16 pt lines take two pages down: 2 x 2 = 4 pages, at the largest scale that
    # still gives 4.
    ("租金台账", "租金台账", "landscape", False, "$A:$A"),
    # 经营报表: each sheet one page (3 pages in all).
    ("经营报表", "出租率", "portrait", True, None),
    ("经营报表", "收缴", "portrait", True, None),
    ("经营报表", "坪效", "landscape", True, None),
]


@pytest.mark.parametrize(("name", "sheet", "orientation", "fit", "columns"), PAGES)
def test_page_setup_orientation_scale_and_repeated_titles(output: Path, name: str, sheet: str, orientation: str,
                                                          fit: bool, columns: str | None) -> None:
    ws = book(output, name)[sheet]
    setup = ws.page_setup
    assert (setup.paperSize, setup.orientation) == (9, orientation)               # 9: A4
    assert bool(ws.sheet_properties.pageSetUpPr.fitToPage) == fit
    if fit:
        assert (setup.fitToWidth, setup.fitToHeight) == (1, 0)     # as many pages down as the rows need
    else:
        assert 73 <= setup.scale <= 100                            # 73 % of 11 pt is 8 pt
    assert (ws.print_title_rows, ws.print_title_cols) == ("$1:$1", columns)
    assert ws.oddHeader.left.text == {"未交货明细": "未交货明细 Undelivered lines", "租金台账": "租金台账 Rent roll",
                                      "经营报表": "经营报表 Leasing report"}[name]
    assert ws.oddHeader.right.text == "生成于 2026-11-29"
    assert ws.oddFooter.center.text == "第 &P 页，共 &N 页"


@pytest.mark.parametrize(("name", "pages"), [("未交货明细", 1), ("租金台账", 4), ("经营报表", 3)])
def test_each_workbook_prints_on_as_few_pages_as_reasoned_and_nothing_below_8_pt(printed: dict[str, Path],
                                                                                 name: str, pages: int) -> None:
    assert len(pypdf.PdfReader(printed[name]).pages) == pages
    sizes = text_sizes(printed[name])
    assert sizes and min(sizes) >= 8.0, sorted(set(round(s, 2) for s in sizes))[:5]


def test_every_printed_page_has_the_title_the_date_and_its_number(printed: dict[str, Path]) -> None:
    for page in (1, 4):
        text = pdf_text(printed["租金台账"], page)
        assert "租金台账 Rent roll" in text and "生成于 2026-11-29" in text and f"第 {page} 页，共 4 页" in text
    right_half = pdf_text(printed["租金台账"], 2)
    assert "LC-2026-0001" in right_half and "Late fee" in right_half     # across, then down; lease repeated


# ---------------------------------------------------------------- the plan on its own

PLANS = [
    # column widths, row heights (header first) -> the plan
    ([10.0] * 5, [16.0] * 11, Plan("portrait", 100, True, 1, 1)),
    ([10.0] * 10, [16.0] * 11, Plan("landscape", 100, True, 1, 1)),          # 100 widths: too wide for portrait
    ([10.0] * 5, [16.0] * 101, Plan("portrait", 89, False, 1, 2)),           # shrunk to 2 pages, no further
    ([10.0] * 14, [32.0] + [16.0] * 40, Plan("landscape", 79, True, 1, 2)),
    ([30.0] * 12, [16.0] * 301, Plan("landscape", 73, False, 3, 8)),
    ([], [16.0], Plan("portrait", 100, True, 1, 1)),
]


@pytest.mark.parametrize(("widths", "heights", "expected"), PLANS)
def test_plan_picks_the_fewest_legible_pages(widths: list[float], heights: list[float], expected: Plan) -> None:
    assert plan(widths, heights) == expected


# ---------------------------------------------------------------- long text and long tables, printed


@pytest.fixture(scope="module")
def long_table(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    """300 order lines whose specs run long: wrapped, on pages LibreOffice counts."""
    folder = tmp_path_factory.mktemp("long")
    spec = "按图纸 D-07 折弯，表面拉丝处理，边缘去毛刺后包装，每包 20 米，外箱标注项目名称与楼层"
    rows = [[f"PO-2026-{i:04d}", "精工不锈钢制品厂", spec if i % 3 == 0 else "304 拉丝", dt.date(2026, 12, 20),
             i * 10] for i in range(1, 301)]
    columns = [Column("订单编号", "Order No."), Column("供应商", "Supplier"), Column("规格型号", "Model"),
               Column("交货日期", "Due date", "yyyy-mm-dd"), Column("订购数量", "Ordered", "quantity")]
    wb = openpyxl.Workbook()
    table_sheet(wb, "明细", columns, rows, note="本表由 sheetflow 自动生成。",
                page=page_text(Translator("zh"), "明细", "Lines", dt.date(2026, 12, 1)))
    path = folder / "明细.xlsx"
    save(wb, path)
    return openpyxl.load_workbook(path)["明细"], to_pdf([path], folder)["明细"]


def test_long_text_wraps_at_the_cap_and_its_row_shows_every_line(long_table: tuple[Any, Path]) -> None:
    ws, _ = long_table
    assert width(ws, 3) == 50.0                                # the cap: about 25 CJK characters
    long_cell, short_cell = ws["C4"], ws["C2"]                 # line 3 has the long spec, line 1 the short
    assert long_cell.alignment.wrap_text and not short_cell.alignment.wrap_text
    lines = math.ceil(measure(long_cell.value) / (width(ws, 3) - 1.5))
    assert ws.row_dimensions[4].height >= lines * 14 and ws.row_dimensions[2].height is None


def test_a_long_table_prints_on_no_more_pages_than_planned_and_stays_legible(long_table: tuple[Any, Path]) -> None:
    ws, pdf = long_table
    printed_pages = len(pypdf.PdfReader(pdf).pages)
    widths = [width(ws, c) for c in range(1, 6)]
    heights = [ws.row_dimensions[r].height or 16.0 for r in range(1, ws.max_row + 1)]
    expected = plan(widths, heights)
    assert ws.page_setup.orientation == expected.orientation
    assert printed_pages <= expected.pages and printed_pages >= expected.pages - 2
    assert min(text_sizes(pdf)) >= 8.0



# ---------------------------------------------------------------- a workbook written before this look


def test_a_workbook_written_with_the_old_look_is_written_again_though_its_data_did_not_change(
        tmp_path: Path) -> None:
    """Its digest (kept in the store) carries the look's number: an upgrade re-lays-out what is already there."""
    flow = Flow(tmp_path / "ws")
    try:
        flow.to_placed()
        path = flow.ws.cfg.output_dir / "未交货明细.xlsx"
        rows = outstanding_rows(flow.ws)
        old = openpyxl.Workbook()                                   # as the previous version left it
        old.active.append(["订单编号 Order No."])
        old.save(path)
        with flow.ws.store.transaction():
            flow.ws.store.set_meta("outstanding", repr((rows, tuple(c.format for c in COLUMNS))))
        flow.run()
        ws = openpyxl.load_workbook(path).active
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:K2" and ws.page_setup.orientation
        flow.run()
        assert openpyxl.load_workbook(path).active.auto_filter.ref == "A1:K2"
    finally:
        flow.close()
