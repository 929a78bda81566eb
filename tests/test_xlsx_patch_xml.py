"""processors.sheets.xlsx_patch on small XML strings: patch_sheet_xml, sheet_part and value escaping.

Each case patches a hand-written <worksheet> and compares the exact text that comes out, so the
edge cases (rows and cells without r, self-closing rows, column styles, formulas, <dimension>,
characters XML cannot hold, _xHHHH_ look-alikes) are pinned down without LibreOffice.
sheet_part is checked on a tiny hand-made zip and on the fixture workbook.
"""

from __future__ import annotations

import zipfile
from xml.etree import ElementTree as ET

import pytest
from xlsx_helpers import FIXTURE, NS, SUMMARY, cells_by_ref

from processors.errors import CorruptWorkbookError
from processors.sheets.xlsx_patch import PatchResult, patch_sheet_xml, sheet_part

# ---------------------------------------------------------------- helpers


def sheet_xml(inner: str, head: str = "") -> str:
    return f'<worksheet xmlns="{NS}">{head}<sheetData>{inner}</sheetData></worksheet>'


def inline(cell_ref: str, text: str, style: str | None = None) -> str:
    s = f' s="{style}"' if style is not None else ""
    return f'<c r="{cell_ref}"{s} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def _patch(inner: str, cells, head: str = "") -> tuple[str, PatchResult]:
    result = PatchResult()
    out = patch_sheet_xml(sheet_xml(inner, head), cells, result)
    ET.fromstring(out)  # always well-formed
    return out, result


X = inline  # short alias for the table below


@pytest.mark.parametrize(("inner", "cells", "expected"), [
    pytest.param(  # rows and cells without r: positions are implied
        "<row><c><v>1</v></c><c><v>2</v></c></row><row><c><v>3</v></c></row>",
        {(2, 1): "a", (1, 2): "b"},
        f"<row><c><v>1</v></c>{X('B1', 'b')}</row><row>{X('A2', 'a')}</row>",
        id="no-r-attributes"),
    pytest.param(
        '<row r="1"><c><v>1</v></c><c><v>2</v></c><c r="E1"><v>5</v></c></row>',
        {(1, 4): "d"},
        f'<row r="1"><c><v>1</v></c><c><v>2</v></c>{X("D1", "d")}<c r="E1"><v>5</v></c></row>',
        id="cell-between-implied-and-explicit"),
    pytest.param(
        '<row r="1"><c r="A1"><v>1</v></c></row><row><c r="B2"><v>2</v></c></row>',
        {(2, 1): "x"},
        f'<row r="1"><c r="A1"><v>1</v></c></row><row>{X("A2", "x")}<c r="B2"><v>2</v></c></row>',
        id="row-without-r-after-row-with-r"),
    pytest.param(
        '<row r="2" spans="1:1" ht="20" customHeight="1"/>',
        {(2, 3): "c"},
        f'<row r="2" spans="1:3" ht="20" customHeight="1">{X("C2", "c")}</row>',
        id="self-closing-row"),
    pytest.param(
        '<row r="2" spans="1:1" />',
        {(2, 1): None},
        '<row r="2" spans="1:1" ></row>',
        id="self-closing-row-emptied"),
    pytest.param(
        '<row r="2"><c r="B2"><v>1</v></c></row><row r="5"><c r="B5"><v>2</v></c></row>',
        {(1, 1): "first", (3, 2): "between", (4, 1): "between2", (7, 3): "after"},
        f'<row r="1">{X("A1", "first")}</row><row r="2"><c r="B2"><v>1</v></c></row>'
        f'<row r="3">{X("B3", "between")}</row><row r="4">{X("A4", "between2")}</row>'
        f'<row r="5"><c r="B5"><v>2</v></c></row><row r="7">{X("C7", "after")}</row>',
        id="absent-rows-before-between-after"),
    pytest.param(
        '<row r="9"><c r="A9"><v>9</v></c></row><row r="11"><c r="A11"><v>11</v></c></row>',
        {(10, 1): "ten", (100, 1): "hundred"},
        f'<row r="9"><c r="A9"><v>9</v></c></row><row r="10">{X("A10", "ten")}</row>'
        f'<row r="11"><c r="A11"><v>11</v></c></row><row r="100">{X("A100", "hundred")}</row>',
        id="row-numbers-compare-as-numbers"),
    pytest.param(
        '<row r="1" spans="2:4"><c r="B1"><v>2</v></c><c r="D1"><v>4</v></c></row>',
        {(1, 3): "c", (1, 1): "a", (1, 28): "ab"},
        f'<row r="1" spans="1:28">{X("A1", "a")}<c r="B1"><v>2</v></c>{X("C1", "c")}<c r="D1"><v>4</v></c>'
        f'{X("AB1", "ab")}</row>',
        id="columns-stay-sorted-spans-widen"),
    pytest.param(
        '<row r="1"><c r="Z1"><v>26</v></c><c r="AA1"><v>27</v></c></row>',
        {(1, 26): "z", (1, 25): "y"},
        f'<row r="1">{X("Y1", "y")}{X("Z1", "z")}<c r="AA1"><v>27</v></c></row>',
        id="multi-letter-columns"),
    pytest.param(
        '<row r="1"><c r="A1" s="3" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" s="4"/></row>',
        {(1, 1): None, (1, 2): None, (1, 3): "", (1, 4): None},
        '<row r="1"><c r="A1" s="3"/><c r="C1" s="4"/></row>',
        id="none-keeps-style-drops-unstyled"),
    pytest.param(
        '<row r="1"><c r="A1" s="3" t="n" cm="1"><v>1</v></c></row>',
        {(1, 1): "text"},
        f'<row r="1">{X("A1", "text", "3")}</row>',
        id="replaced-cell-keeps-only-style"),
    pytest.param(
        '<row r="1"><c r="A1"><v>1</v></c><extLst><ext uri="x"/></extLst></row>',
        {(1, 2): "b"},
        f'<row r="1"><c r="A1"><v>1</v></c>{X("B1", "b")}<extLst><ext uri="x"/></extLst></row>',
        id="row-tail-stays-after-cells"),
    pytest.param(
        '<row r="1">\n  <c r="A1"><v>1</v></c>\n  <c r="C1"><v>3</v></c>\n</row>',
        {(1, 2): "b"},
        f'<row r="1"><c r="A1"><v>1</v></c>{X("B1", "b")}<c r="C1"><v>3</v></c>\n</row>',
        id="pretty-printed-row"),
])
def test_patch_sheet_xml_cases(inner, cells, expected):
    out, result = _patch(inner, cells)
    assert out == sheet_xml(expected)
    assert sorted(result.written) == sorted(cells)
    assert result.refused == [] and not result.dropped_calc_chain


@pytest.mark.parametrize("empty", ["<sheetData/>", "<sheetData />", "<sheetData></sheetData>"])
def test_empty_sheet_data(empty):
    xml = f'<worksheet xmlns="{NS}"><dimension ref="A1"/>{empty}<pageMargins left="1"/></worksheet>'
    result = PatchResult()
    out = patch_sheet_xml(xml, {(3, 2): "b", (1, 1): "a"}, result)
    assert out == (f'<worksheet xmlns="{NS}"><dimension ref="A1:B3"/><sheetData>'
                   f'<row r="1">{X("A1", "a")}</row><row r="3">{X("B3", "b")}</row></sheetData>'
                   '<pageMargins left="1"/></worksheet>')
    assert patch_sheet_xml(xml, {}, PatchResult()) == xml


def test_new_cells_take_the_column_style():
    head = ('<cols><col min="1" max="1" width="9" customWidth="1"/>'
            '<col max="4" min="2" width="16" style="7" customWidth="1"/></cols>')
    out, _ = _patch('<row r="1"><c r="B1" s="2"><v>1</v></c></row>',
                    {(1, 2): "own style", (1, 3): "col style", (2, 4): None, (2, 1): None, (2, 5): "none"}, head)
    assert out == sheet_xml(
        f'<row r="1">{X("B1", "own style", "2")}{X("C1", "col style", "7")}</row>'
        f'<row r="2"><c r="D2" s="7"/>{X("E2", "none")}</row>', head)


@pytest.mark.parametrize(("value", "text"), [
    ('a<b>&c"d\'', 'a&lt;b&gt;&amp;c"d\''),
    ("]]>", "]]&gt;"),
    ("\x00\x01a\x0bb\x0c\x1fc\ufffe\uffff", "abc"),
    ("tab\tnl\n", "tab\tnl\n"),
    ("cr\r\n", "cr&#13;\n"),
    ("\ud800lone surrogate\udfff", "lone surrogate"),
    ("_x0041_ _X0041_ _x004_ _x005F_", "_x005F_x0041_ _X0041_ _x004_ _x005F_x005F_"),
    ("中文 😀", "中文 😀"),
])
def test_values_are_escaped(value, text):
    out, _ = _patch('<row r="1"/>', {(1, 1): value})
    assert out == sheet_xml(f'<row r="1">{X("A1", text)}</row>')
    out.encode("utf-8")


@pytest.mark.parametrize(("cell", "refused"), [
    pytest.param('<c r="A1"><f t="shared" ref="A1:A3" si="0">B1*2</f><v>2</v></c>', True, id="shared-master"),
    pytest.param('<c r="A1" t="str"><f t="array" ref="A1:A2" aca="false">B1:B2</f><v>x</v></c>', True, id="array"),
    pytest.param('<c r="A1"><f t="shared" si="0"/><v>4</v></c>', False, id="shared-child"),
    pytest.param('<c r="A1" s="5"><f>B1*2</f><v>4</v></c>', False, id="plain-formula"),
])
def test_formula_cells(cell, refused):
    inner = f'<row r="1">{cell}<c r="B1"><v>2</v></c></row>'
    out, result = _patch(inner, {(1, 1): "new"})
    if refused:
        assert out == sheet_xml(inner)
        assert result.refused == [(1, 1)] and result.written == [] and not result.dropped_calc_chain
    else:
        style = cells_by_ref(sheet_xml(inner))["A1"].get("s")
        assert out == sheet_xml(f'<row r="1">{X("A1", "new", style)}<c r="B1"><v>2</v></c></row>')
        assert result.written == [(1, 1)] and result.dropped_calc_chain


def test_plain_values_keep_the_calc_chain():
    _, result = _patch('<row r="1"><c r="A1"><v>1</v></c></row>', {(1, 1): "x", (2, 2): "y"})
    assert not result.dropped_calc_chain


@pytest.mark.parametrize(("dimension", "cells", "expected"), [
    ("A1:C3", {(2, 2): "in"}, "A1:C3"),
    ("A1:C3", {(5, 5): "out"}, "A1:E5"),
    ("A1:C3", {(5, 5): None, (6, 6): ""}, "A1:C3"),  # nothing written out there
    ("B2:C3", {(1, 1): "before"}, "A1:C3"),
    ("A1", {(2, 28): "x"}, "A1:AB2"),
])
def test_dimension_grows_over_written_cells(dimension, cells, expected):
    out, _ = _patch('<row r="1"><c r="A1"><v>1</v></c></row>', cells, f'<dimension ref="{dimension}"/>')
    assert f'<dimension ref="{expected}"/>' in out


def test_dimension_left_alone_when_a_write_is_refused():
    inner = '<row r="1"><c r="A1"><f t="shared" ref="A1:A3" si="0">1</f><v>1</v></c></row>'
    head = '<dimension ref="A1:A3"/>'
    out, result = _patch(inner, {(1, 1): "x"}, head)
    assert out == sheet_xml(inner, head) and result.refused == [(1, 1)]


@pytest.mark.parametrize("xml", [
    f'<worksheet xmlns="{NS}"><cols/></worksheet>',
    f'<worksheet xmlns="{NS}"><sheetData><row r="1"><c r="A1"><v>1</v></c></sheetData></worksheet>',
])
def test_broken_sheet_xml_raises(xml):
    with pytest.raises(CorruptWorkbookError):
        patch_sheet_xml(xml, {(1, 2): "x"}, PatchResult())


def test_sheet_part_follows_relationships(tmp_path):
    path = tmp_path / "abs.xlsx"
    wb_xml = (f'<workbook xmlns="{NS}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
              '<sheets><sheet name="One" sheetId="1" r:id="rId7"/><sheet name="Two" sheetId="2" r:id="rId8"/></sheets>'
              '</workbook>')
    rels = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId7" Target="/xl/worksheets/first.xml" Type="ws"/>'
            '<Relationship Id="rId8" Target="worksheets/second.xml" Type="ws"/></Relationships>')
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("xl/workbook.xml", wb_xml)
        zf.writestr("xl/_rels/workbook.xml.rels", rels)
    with zipfile.ZipFile(path) as zf:
        assert sheet_part(zf, "One") == "xl/worksheets/first.xml"
        assert sheet_part(zf, "Two") == "xl/worksheets/second.xml"
        with pytest.raises(CorruptWorkbookError):
            sheet_part(zf, "Three")
    with zipfile.ZipFile(FIXTURE) as zf:
        assert sheet_part(zf, SUMMARY) == "xl/worksheets/sheet2.xml"
