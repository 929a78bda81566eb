"""Issue 12: the sheets staff fill read at a glance: where the outcome stands, the face, the colours, print settings.

Each test reads the files sheetflow writes back (openpyxl for styles, widths, panes and page
setup; the fake's stored formats for a Google tab). What LibreOffice makes of them on paper is
in test_sheet_print.py.
"""

from __future__ import annotations

import fnmatch
import re
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import openpyxl
import openpyxl.styles
import openpyxl.utils
import pytest
from backends import google_config, make_google_workspace, paced_client
from conftest import NOW, SHEET, TZ, good_row
from google_fake import FakeGoogle

from processors.clock import Clock
from processors.forms.definition import load_forms
from processors.forms.rules import RULES
from processors.init_workspace import init_workspace
from processors.passes import run_pass
from processors.resources import bundled_dir
from processors.sheets.form_layout import column_breaks, page_capacity
from processors.sheets.google.setup import setup_spreadsheet
from processors.sheets.xlsx_patch import sheet_part
from processors.workspace import Workspace

FORMS = load_forms([bundled_dir("forms")], set(RULES))
BOOKS = sorted((f.file, f.sheet) for f in FORMS.values())
FORMS_BY_SHEET = {f.sheet: f for f in FORMS.values()}
NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
#: a digit width on screen at 100 %, in pixels (Excel, Calibri or YaHei at 96 dpi: 7–8 px; 8 taken)
PX = 8


def contrast(a: str, b: str) -> float:
    """WCAG 2.x contrast ratio of two sRGB colours given as hex (RRGGBB or AARRGGBB)."""
    def lum(hex_rgb: str) -> float:
        rgb = [int(hex_rgb[-6:][i:i + 2], 16) / 255 for i in (0, 2, 4)]
        r, g, bl = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb)
        return 0.2126 * r + 0.7152 * g + 0.0722 * bl
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize(("a", "b", "ratio"), [
    ("000000", "FFFFFF", 21.0),
    ("FFFFFF", "A6A6A6", 2.43),          # the old system header: white on #A6A6A6
    ("FFFFFF", "595959", 7.0),
    ("FF404040", "00E7E6E6", 8.32),
])
def test_contrast_formula(a: str, b: str, ratio: float) -> None:
    assert contrast(a, b) == pytest.approx(ratio, abs=0.01)


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("looks") / "ws"
    init_workspace(root)
    return {file: root / "sheets" / file for file, _ in BOOKS}


def _sheet(books: dict[str, Path], file: str, sheet: str) -> Any:
    return openpyxl.load_workbook(books[file])[sheet]


@pytest.mark.parametrize(("file", "sheet"), BOOKS)
def test_outcome_is_in_view_and_frozen(books: dict[str, Path], file: str, sheet: str) -> None:
    """Number, status and message stand first and are frozen with the header: no scrolling to see the outcome."""
    ws = _sheet(books, file, sheet)
    label = {c.role: c.label["zh"] for c in FORMS_BY_SHEET[sheet].system}
    assert [c.value.split()[0] for c in ws[1][:3]] == [label["key"], label["status"], label["message"]]
    assert label["status"].endswith("状态") and label["message"] == "系统说明"   # 商品目录 says 上架状态
    assert ws.freeze_panes == "D2"
    right_edge = sum(ws.column_dimensions[letter].width for letter in "ABC") * PX
    assert right_edge <= 1024, right_edge          # the message ends inside a small laptop's window



@pytest.mark.parametrize(("file", "sheet"), BOOKS)
def test_status_and_message_wrap_top_aligned(books: dict[str, Path], file: str, sheet: str) -> None:
    ws = _sheet(books, file, sheet)
    for letter in "BC":
        dim = ws.column_dimensions[letter]
        assert (dim.alignment.wrap_text, dim.alignment.vertical) == (True, "top")


@pytest.mark.parametrize(("file", "sheet"), BOOKS)
def test_every_font_names_one_cjk_sans_face(books: dict[str, Path], file: str, sheet: str) -> None:
    """No font element without a name (LibreOffice drew those in a serif face), one size, the substitution hints."""
    with zipfile.ZipFile(books[file]) as zf:
        fonts = ET.fromstring(zf.read("xl/styles.xml")).find(f"{NS}fonts")
    assert fonts is not None and len(fonts)
    for font in fonts:
        facts = {child.tag.removeprefix(NS): child.get("val") for child in font}
        assert (facts.get("name"), facts.get("sz"), facts.get("family")) == ("Microsoft YaHei", "11", "2"), facts
        assert facts.get("charset") == "134", facts


def _pairs(ws: Any) -> list[tuple[str, str, str]]:
    """(where, text colour, fill colour) for every header cell and every styled column of the sheet."""
    pairs = []
    for cell in ws[1]:
        pairs.append((cell.coordinate, _rgb(cell.font.color, "000000"), _fill(cell.fill)))
    for letter, dim in ws.column_dimensions.items():
        if dim.has_style:
            pairs.append((f"column {letter}", _rgb(dim.font.color, "000000"), _fill(dim.fill)))
    return pairs


def _rgb(color: Any, default: str) -> str:
    if color is None or color.rgb is None:
        return default
    assert isinstance(color.rgb, str), f"only RGB colours are written, not {color!r}"
    return color.rgb


def _fill(fill: Any) -> str:
    return _rgb(fill.fgColor, "FFFFFF") if fill is not None and fill.fill_type == "solid" else "FFFFFF"


@pytest.mark.parametrize(("file", "sheet"), BOOKS)
def test_every_colour_pair_has_contrast(books: dict[str, Path], file: str, sheet: str) -> None:
    ws = _sheet(books, file, sheet)
    low = [(where, text, fill, round(contrast(text, fill), 2)) for where, text, fill in _pairs(ws)
           if contrast(text, fill) < 4.5]
    assert low == []


@pytest.mark.parametrize(("file", "sheet"), BOOKS)
def test_print_settings(books: dict[str, Path], file: str, sheet: str) -> None:
    """A4 landscape at 75 % (11 pt prints 8.25 pt), never shrunk to fit; header row and number on every page."""
    wb = openpyxl.load_workbook(books[file])
    ws = wb[sheet]
    setup = ws.page_setup
    assert (setup.orientation, setup.paperSize, setup.scale, setup.pageOrder) == ("landscape", 9, 75, "overThenDown")
    assert not ws.sheet_properties.pageSetUpPr.fitToPage
    assert (ws.print_title_rows, ws.print_title_cols) == ("$1:$1", "$A:$A")
    widths = [ws.column_dimensions[c.column_letter].width for c in ws[1]]
    breaks = [b.id for b in ws.col_breaks.brk]
    assert breaks == column_breaks(widths)
    pages = [widths[a:b] for a, b in zip([0, *breaks], [*breaks, len(widths)], strict=True)]
    assert sum(pages[0]) <= page_capacity() and all(widths[0] + sum(p) <= page_capacity() for p in pages[1:])
    assert len(pages[0]) >= 6                     # page one: number, status, message and the first staff columns
    help_sheet = wb["说明 Help"]
    assert help_sheet.page_setup.orientation == "portrait"
    assert (help_sheet.page_setup.fitToWidth, help_sheet.page_setup.fitToHeight) == (1, 1)
    assert all(help_sheet.row_dimensions[r].height for r in range(1, help_sheet.max_row + 1))   # none one line high


@pytest.mark.parametrize(("widths", "breaks"), [
    ([15, 14, 40, 20, 20, 20, 20, 20], [6]),             # 147.6 units a page at 75 %
    ([10] * 30, [14, 27]),                                # later pages repeat the first column
    ([15, 14, 40], []),
])
def test_column_breaks(widths: list[float], breaks: list[int]) -> None:
    assert column_breaks(widths) == breaks


# -- Google: the same look by `sheetflow setup` ---------------------------------------------------

def _google_pairs(tab: Any) -> list[tuple[tuple[int, int], str, str]]:
    def hex_of(c: dict[str, float]) -> str:
        return "".join(f"{round(c.get(k, 0) * 255):02X}" for k in ("red", "green", "blue"))
    return [(rc, hex_of(f.get("textFormat", {}).get("foregroundColor", {})), hex_of(f["backgroundColor"]))
            for rc, f in tab.formats.items() if "backgroundColor" in f]


def test_google_tab_created_by_setup_looks_like_a_workbook(tmp_path: Path, fake_google: FakeGoogle) -> None:
    ws, sid = make_google_workspace(tmp_path / "ws", fake_google, NOW)
    try:
        tab = fake_google.book(sid).sheet_by_title(SHEET)
        assert (tab.frozen_rows, tab.frozen_columns) == (1, 3)
        assert tab.formats[(0, 0)]["textFormat"]["bold"] and tab.formats[(5, 2)]["wrapStrategy"] == "WRAP"
        assert tab.formats[(5, 3)]["verticalAlignment"] == "TOP"
        assert tab.column_px[2] == 40 * 7 + 5                      # the message, as wide as in a workbook
        pairs = _google_pairs(tab)
        assert len(pairs) > 1000 and [p for p in pairs if contrast(p[1], p[2]) < 4.5] == []
    finally:
        ws.close()


def test_google_tab_laid_out_before_keeps_its_columns_and_widths(tmp_path: Path, fake_google: FakeGoogle) -> None:
    """A tab with the system columns on the right: they get the look where they are, nothing moves or freezes."""
    form = FORMS["purchase_request"]
    old = [f.header() for f in form.fields] + [c.header() for c in form.system]
    sid = fake_google.create_spreadsheet("采购", {SHEET: [old]})
    root = tmp_path / "ws"
    init_workspace(root)
    (root / "config.toml").write_text(google_config((root / "config.toml").read_text("utf-8"), sid), "utf-8")
    ws = Workspace(root, clock=Clock(TZ, NOW.replace(tzinfo=TZ)))
    try:
        ws.use_google_client(paced_client(fake_google))
        for spreadsheet, tabs in ws.google_tabs().items():
            setup_spreadsheet(ws.google_client(), spreadsheet, tabs, ws.cfg, ws.t)
        tab = fake_google.book(sid).sheet_by_title(SHEET)
        assert fake_google.values(sid, SHEET)[0] == old
        assert (tab.frozen_rows, tab.frozen_columns, tab.column_px) == (1, 0, {})
        message = old.index("系统说明 Message")
        assert tab.formats[(1, message)]["wrapStrategy"] == "WRAP"
    finally:
        ws.close()


# -- the example workspace in git ------------------------------------------------------------------

@pytest.mark.parametrize("name", ["sheets/", "output/", "outbox/", "sheetflow.db", "sheetflow.db-wal",
                                  ".sheetflow.lock", ".sheetflow-mail.lock"])
def test_the_example_in_the_checkout_leaves_nothing_untracked(name: str) -> None:
    """scripts/run-example makes the checkout a workspace: what it creates there is ignored by git."""
    ignored = (Path(__file__).resolve().parent.parent / ".gitignore").read_text("utf-8").split()
    assert any(p.startswith("/") and fnmatch.fnmatch(name.rstrip("/"), p.strip("/")) for p in ignored), ignored


# -- a workbook laid out before: found by header, never rearranged, its rows fitted too ------------

def test_a_workbook_laid_out_before_keeps_its_columns_and_gets_row_heights(make_workspace: Any) -> None:
    ws = make_workspace()
    form = ws.forms["purchase_request"]
    path = ws.cfg.sheets_dir / "采购申请.xlsx"
    old = [f.header() for f in form.fields] + [c.header() for c in form.system]   # the system columns on the right
    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.title = SHEET
    sheet.append(old)
    message = old.index("系统说明 Message") + 1
    letter = openpyxl.utils.get_column_letter(message)
    sheet.column_dimensions[letter].width = 40
    sheet.column_dimensions[letter].alignment = openpyxl.styles.Alignment(wrap_text=True, vertical="top")
    row = good_row()
    sheet.append([row.get(f.name) for f in form.fields])
    wb.save(path)
    run_pass(ws)
    after = openpyxl.load_workbook(path)[SHEET]
    assert [c.value for c in after[1]] == old
    assert after.cell(row=2, column=message).value.startswith("等待 王芳（部门负责人）签批")
    with zipfile.ZipFile(path) as zf:
        xml = zf.read(sheet_part(zf, SHEET)).decode()
    row2 = re.search(r'<row r="2"[^>]*>', xml)
    assert row2 and ' ht="' in row2.group(0) and "customHeight" not in row2.group(0), row2
