"""Issue 12 on paper and in other readers: the example's own sheets as LibreOffice prints them, and what
Excel-escaped or prefixed text reads back as in LibreOffice, openpyxl and calamine.

The example workspace is built and passed once; LibreOffice (headless) converts every workbook to
PDF, pypdf reads back the pages, the text's size on the page (font size times the text and page
matrices) and where each piece of text stands, so a message cut off by a row too low shows as text
missing from its column.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import openpyxl
import pytest
from conftest import NOW, TZ
from pypdf import PdfReader
from python_calamine import CalamineWorkbook
from test_xlsx_patch_preserve import soffice_binary

from processors.clock import Clock
from processors.forms.definition import load_forms
from processors.forms.rules import RULES
from processors.init_workspace import init_workspace
from processors.passes import run_pass
from processors.resources import bundled_dir
from processors.sheets.xlsx_patch import patch_workbook, sheet_part
from processors.workspace import Workspace

FORMS = {f.file: f for f in load_forms([bundled_dir("forms")], set(RULES)).values()}
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NO_HEIGHTS = "无行高.xlsx"     # the example's requests with the row heights sheetflow wrote taken out


def convert(files: list[Path], out: Path, target: str) -> None:
    cmd = [soffice_binary(), f"-env:UserInstallation={(out / 'profile').as_uri()}", "--headless", "--norestore",
           "--convert-to", target, "--outdir", str(out), *map(str, files)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=out)
    assert proc.returncode == 0, proc.stderr


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("example") / "ws"
    init_workspace(root, sample=True)
    ws = Workspace(root, clock=Clock(TZ, NOW.replace(tzinfo=TZ)))
    try:
        run_pass(ws)
    finally:
        ws.close()
    return root / "sheets"


@pytest.fixture(scope="module")
def pdfs(example: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, PdfReader]:
    out = tmp_path_factory.mktemp("pdf")
    control = out / NO_HEIGHTS
    _rewrite_sheet(example / "采购申请.xlsx", control, "采购申请",
                   lambda xml: re.sub(r'(<row r="(?!1")\d+"[^>]*?) ht="[^"]*"', r"\1", xml))
    convert([*sorted(example.glob("*.xlsx")), control], out, "pdf")
    return {p.stem + ".xlsx": PdfReader(p) for p in out.glob("*.pdf")}


def _rewrite_sheet(src: Path, dst: Path, sheet: str, edit: Any) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        part = sheet_part(zin, sheet)
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info, edit(data.decode("utf-8")).encode("utf-8") if info.filename == part else data)


def chunks(page: Any) -> list[tuple[float, float, float, str]]:
    """(x, y, size on the page, text) of every piece of text a page draws."""
    out = []

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        if text.strip():
            a, b = tm[0] * cm[0] + tm[1] * cm[2], tm[0] * cm[1] + tm[1] * cm[3]
            c, d = tm[2] * cm[0] + tm[3] * cm[2], tm[2] * cm[1] + tm[3] * cm[3]
            x, y = tm[4] * cm[0] + tm[5] * cm[2] + cm[4], tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            out.append((x, y, size * abs(a * d - b * c) ** 0.5, text))
    page.extract_text(visitor_text=visit)
    return out


def squeeze(text: str) -> str:
    return "".join(text.split())


BOOKS = sorted(FORMS)


@pytest.mark.parametrize("file", BOOKS)
def test_every_page_is_legible(pdfs: dict[str, PdfReader], file: str) -> None:
    """No text below 8 pt, and the help sheet on one page, the last."""
    pages = [chunks(p) for p in pdfs[file].pages]
    smallest = min(size for page in pages for _, _, size, _ in page)
    assert smallest >= 8, smallest
    with_help = [i for i, page in enumerate(pages) if "Howtofill" in squeeze("".join(c[3] for c in page))]
    assert with_help == [len(pages) - 1]


@pytest.mark.parametrize("file", BOOKS)
def test_pages_repeat_the_header_and_start_with_the_outcome(example: Path, pdfs: dict[str, PdfReader],
                                                           file: str) -> None:
    """Page one: number, status, message and the first staff columns; every page: the header and the number."""
    form = FORMS[file]
    key = next(c for c in form.system if c.role == "key").label["zh"]
    texts = [squeeze("".join(c[3] for c in chunks(p))) for p in pdfs[file].pages[:-1]]
    assert all(key in t for t in texts)
    for label in ("状态", "系统说明", form.fields[0].label["zh"], form.fields[1].label["zh"]):
        assert label in texts[0], label
    bands = len(openpyxl.load_workbook(example / file)[form.sheet].col_breaks.brk) + 1
    assert len(texts) % bands == 0          # LibreOffice broke the columns where the sheet says, nowhere else
    if bands > 1:                           # what nobody needs at a glance follows
        assert "更新时间" not in texts[0] and "更新时间" in texts[bands - 1]


def test_pdf_faces_are_sans(pdfs: dict[str, PdfReader]) -> None:
    """What LibreOffice drew the example in: Noto Sans CJK for the Chinese, a sans for the Latin, no serif."""
    faces = set()
    for reader in pdfs.values():
        for page in reader.pages:
            for font in (page["/Resources"].get("/Font") or {}).values():
                faces.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    assert any("NotoSansCJK" in f for f in faces), faces
    assert not [f for f in faces if "Serif" in f or "Times" in f], faces


FOOTER_PT = 36     # the footer (sheet name, page number) is drawn below this height on the page


def message_column(reader: PdfReader, file: str) -> str:
    """The text drawn in the message column, top to bottom, on every page that shows it."""
    first_field = FORMS[file].fields[0].label["zh"]
    out = []
    for page in reader.pages:
        found = chunks(page)
        heads = {t.strip().split()[0]: x for x, _, _, t in found if t.strip()}
        if "系统说明" not in heads:
            continue
        left, right = heads["系统说明"], heads[first_field]
        out += [t for x, y, _, t in sorted(found, key=lambda c: (-round(c[1]), c[0]))
                if left - 1 <= x < right - 1 and y > FOOTER_PT]
    return squeeze("".join(out))


def messages(path: Path, sheet: str) -> str:
    wb = CalamineWorkbook.from_path(str(path))
    try:
        grid = wb.get_sheet_by_name(sheet).to_python()
    finally:
        wb.close()
    assert grid[0][2] == "系统说明 Message"
    return squeeze("".join(str(row[2]) for row in grid if len(row) > 2 and row[2]))


@pytest.mark.parametrize(("file", "pdf", "whole"), [
    ("采购申请.xlsx", "采购申请.xlsx", True),
    ("采购订单.xlsx", "采购订单.xlsx", True),
    ("租赁合同.xlsx", "租赁合同.xlsx", True),
    ("采购申请.xlsx", NO_HEIGHTS, False),          # the same rows without the heights: LibreOffice cuts them
])
def test_libreoffice_shows_each_message_whole(example: Path, pdfs: dict[str, PdfReader], file: str, pdf: str,
                                              whole: bool) -> None:
    expected = messages(example / file, FORMS[file].sheet)
    shown = message_column(pdfs[pdf], file)
    assert (shown == expected) == whole, (shown, expected)
    assert len(expected) > 300                                      # the example has long messages to show


# -- text read back as typed -------------------------------------------------------------------------

TYPED = ["_x0041_", "_x005F_", "a_X00e9_b", "_x0041_x0042_", "PR_x2026_0001 备注"]


def _prefixed(src: Path, dst: Path, sheet: str) -> None:
    """The workbook with its sheet's SpreadsheetML elements prefixed `x:`, as the Open XML SDK writes them."""
    def prefix(xml: str) -> str:
        ET.register_namespace("x", NS)
        return ET.tostring(ET.fromstring(xml), encoding="unicode")
    _rewrite_sheet(src, dst, sheet, prefix)


@pytest.fixture(scope="module")
def typed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """铺位.xlsx, plain and prefixed, with TYPED patched into its message column (C2…)."""
    d = tmp_path_factory.mktemp("typed")
    init_workspace(d / "ws")
    fresh = d / "ws" / "sheets" / "铺位.xlsx"
    _prefixed(fresh, d / "prefixed-src.xlsx", "铺位")
    assert b"<x:sheetData" in zipfile.ZipFile(d / "prefixed-src.xlsx").read("xl/worksheets/sheet1.xml")
    cells = {(r, 3): v for r, v in enumerate(TYPED, start=2)}
    books = {"plain": d / "plain.xlsx", "prefixed": d / "prefixed.xlsx"}
    for src, dst in ((fresh, books["plain"]), (d / "prefixed-src.xlsx", books["prefixed"])):
        assert len(patch_workbook(src, dst, "铺位", cells).written) == len(TYPED)
    convert(list(books.values()), d, "csv:Text - txt - csv (StarCalc):44,34,76,1")
    return books


def _column_c(reader: str, path: Path) -> list[str]:
    if reader == "libreoffice":
        rows = list(csv.reader(io.StringIO(path.with_suffix(".csv").read_text("utf-8"), newline="")))
        return [r[2] for r in rows[1:len(TYPED) + 1]]
    if reader == "calamine":
        wb = CalamineWorkbook.from_path(str(path))
        try:
            return [str(r[2]) for r in wb.get_sheet_by_name("铺位").to_python()[1:len(TYPED) + 1]]
        finally:
            wb.close()
    sheet = openpyxl.load_workbook(path, read_only=reader == "openpyxl read-only")["铺位"]
    return [row[2] for row in sheet.iter_rows(min_row=2, max_row=len(TYPED) + 1, values_only=True)]


@pytest.mark.parametrize("book", ["plain", "prefixed"])
@pytest.mark.parametrize("reader", ["libreoffice", "calamine", "openpyxl", "openpyxl read-only"])
def test_text_reads_back_as_typed(typed: dict[str, Path], book: str, reader: str) -> None:
    """What Excel decodes by the standard (_x0041_ is "A") never stands in one <t>: every reader gets the text."""
    assert _column_c(reader, typed[book]) == TYPED
