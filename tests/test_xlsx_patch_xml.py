"""processors.sheets.xlsx_patch on small XML strings: patch_sheet_xml, sheet_part and value escaping.

Each case patches a hand-written <worksheet> and compares the exact text that comes out, so the
edge cases (rows and cells without r, self-closing rows, column styles, formulas, <dimension>,
characters XML cannot hold, _xHHHH_ look-alikes, namespace prefixes, row heights) are pinned down
without LibreOffice (test_sheet_looks.py has LibreOffice, openpyxl and calamine read them back).
sheet_part is checked on a tiny hand-made zip and on the fixture workbook.
"""

from __future__ import annotations

import zipfile
from xml.etree import ElementTree as ET

import pytest
from xlsx_helpers import FIXTURE, NS, SUMMARY, cells_by_ref

from processors.errors import CorruptWorkbookError
from processors.sheets.textfit import wrapped_lines
from processors.sheets.xlsx_patch import PatchResult, patch_sheet_xml, sheet_part
from processors.sheets.xlsx_rowfit import StyleFacts, style_facts

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
    ("_x004_ x0041_ _x00G1_", "_x004_ x0041_ _x00G1_"),          # not look-alikes: one <t>
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


def runs(*pieces: str) -> str:
    return "".join(f'<r><t xml:space="preserve">{p}</t></r>' for p in pieces)


@pytest.mark.parametrize(("value", "pieces"), [
    ("_x0041_", ("_", "x0041_")),
    ("_x0041_ _X0041_ _x004_ _x005F_", ("_", "x0041_ _", "X0041_ _x004_ _", "x005F_")),
    ("_x0041_x0042_", ("_", "x0041_", "x0042_")),           # overlapping: the closing "_" opens the next
    ("a<_x00ff_>", ("a&lt;_", "x00ff_&gt;")),
])
def test_escape_look_alikes_are_split_into_runs(value, pieces):
    """No <t> holds an _xHHHH_ look-alike, so no reader decodes one (test_sheet_looks reads them back)."""
    out, _ = _patch('<row r="1"/>', {(1, 1): value})
    assert out == sheet_xml(f'<row r="1"><c r="A1" t="inlineStr"><is>{runs(*pieces)}</is></c></row>')


# ---------------------------------------------------------------- namespace prefixes (Open XML SDK)

def prefixed(inner: str, head: str = "") -> str:
    return f'<x:worksheet xmlns:x="{NS}">{head}<x:sheetData>{inner}</x:sheetData></x:worksheet>'


def x_inline(ref: str, text: str, style: str | None = None) -> str:
    s = f' s="{style}"' if style is not None else ""
    return f'<x:c r="{ref}"{s} t="inlineStr"><x:is><x:t xml:space="preserve">{text}</x:t></x:is></x:c>'


@pytest.mark.parametrize(("inner", "cells", "dimension", "expected"), [
    pytest.param('<x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row>', {(1, 2): "b", (3, 2): "c"}, "A1:B3",
                 f'<x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c>{x_inline("B1", "b", "4")}</x:row>'
                 f'<x:row r="3">{x_inline("B3", "c", "4")}</x:row>', id="cells-and-rows-added"),
    pytest.param('<x:row r="2"><x:c r="A2" s="3"><x:v>1</x:v></x:c></x:row>', {(2, 1): "new", (1, 1): "first"},
                 "A1:A2",
                 f'<x:row r="1">{x_inline("A1", "first")}</x:row><x:row r="2">{x_inline("A2", "new", "3")}</x:row>',
                 id="replace-keeps-style"),
    pytest.param('<x:row r="1"><x:c r="A1"><x:f t="shared" ref="A1:A3" si="0">B1</x:f><x:v>2</x:v></x:c></x:row>',
                 {(1, 1): "x"}, "A1",
                 '<x:row r="1"><x:c r="A1"><x:f t="shared" ref="A1:A3" si="0">B1</x:f><x:v>2</x:v></x:c></x:row>',
                 id="shared-formula-master-refused"),
])
def test_prefixed_sheet_xml_is_patched_with_its_prefix(inner, cells, dimension, expected):
    head = '<x:dimension ref="{}"/><x:cols><x:col min="2" max="2" width="9" style="4" customWidth="1"/></x:cols>'
    out = patch_sheet_xml(prefixed(inner, head.format("A1")), cells, PatchResult())
    ET.fromstring(out)
    assert out == prefixed(expected, head.format(dimension))


@pytest.mark.parametrize("empty", ["<x:sheetData/>", "<x:sheetData />"])
def test_prefixed_empty_sheet_data(empty):
    xml = f'<x:worksheet xmlns:x="{NS}">{empty}</x:worksheet>'
    out = patch_sheet_xml(xml, {(1, 1): "_x0041_"}, PatchResult())
    assert out == (f'<x:worksheet xmlns:x="{NS}"><x:sheetData><x:row r="1"><x:c r="A1" t="inlineStr"><x:is>'
                   '<x:r><x:t xml:space="preserve">_</x:t></x:r><x:r><x:t xml:space="preserve">x0041_</x:t></x:r>'
                   '</x:is></x:c></x:row></x:sheetData></x:worksheet>')


# ---------------------------------------------------------------- row heights for wrapped cells

STYLES = (f'<styleSheet xmlns="{NS}"><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
          '<font><sz val="9"/></font></fonts><cellXfs count="4"><xf fontId="0"/>'
          '<xf fontId="0" applyAlignment="1"><alignment wrapText="1" vertical="top"/></xf>'
          '<xf fontId="1"><alignment wrapText="true"/></xf><xf fontId="1"><alignment vertical="top"/></xf>'
          '</cellXfs></styleSheet>').encode()
LONG = "一" * 20          # at width 40 and Calibri's CJK width 1.97: two lines (19 fit on one)


@pytest.mark.parametrize(("row", "style", "text", "attrs"), [
    ('<row r="2"/>', "1", "一" * 19, ' r="2"'),                                 # one line: left to the program
    ('<row r="2"/>', "1", LONG, ' r="2" ht="34.9"'),                            # two lines of 11 pt
    ('<row r="2"/>', "1", LONG * 3, ' r="2" ht="66.8"'),
    ('<row r="2"/>', "1", "第一行\n第二行\n第三行", ' r="2" ht="50.9"'),          # typed line breaks count
    ('<row r="2"/>', "2", LONG, ' r="2" ht="29.1"'),                            # 9 pt lines are lower
    ('<row r="2"/>', "3", LONG, ' r="2"'),                                      # a style that does not wrap
    ('<row r="2"/>', None, LONG, ' r="2" ht="34.9"'),                           # a new cell: its column's style
    ('<row r="2" ht="66.8"/>', "1", "短", ' r="2" ht="18.9"'),                  # sheetflow's own height shrinks
    ('<row r="2" ht="90" customHeight="1"/>', "1", LONG, ' r="2" ht="90" customHeight="1"'),  # a person's, taller
    ('<row r="2" ht="12" customHeight="1"/>', "1", LONG, ' r="2" ht="34.9" customHeight="1"'),  # too low: raised
    ('<row r="2" ht="34.9"/>', "1", LONG, ' r="2" ht="34.9"'),
])
def test_rows_get_the_height_their_wrapped_cells_need(row, style, text, attrs):
    cell = "" if style is None else f'<c r="A2" s="{style}"/>'
    inner = row if style is None else row.replace("/>", f">{cell}</row>")
    head = '<cols><col min="1" max="1" width="40" style="1" customWidth="1"/></cols>'
    out = patch_sheet_xml(sheet_xml(inner, head), {(2, 1): text}, PatchResult(), style_facts(STYLES))
    assert f"<row{attrs}>" in out


def test_no_styles_no_heights():
    """patch_sheet_xml without the workbook's styles (as the cases above call it) leaves heights alone."""
    out, _ = _patch('<row r="2"/>', {(2, 1): LONG * 3})
    assert '<row r="2">' in out


@pytest.mark.parametrize(("styles", "wraps", "cjk"), [
    (STYLES, {1, 2}, 1.97),
    (STYLES.replace(b"Calibri", b"Microsoft YaHei"), {1, 2}, 1.85),
    (STYLES.replace(b"Calibri", b"Arial"), {1, 2}, 2.0),
    (b"<styleSheet", set(), 2.0),                                      # unreadable: no fitting, no error
    (f'<s:styleSheet xmlns:s="{NS}"><s:cellXfs><s:xf><s:alignment wrapText="1"/></s:xf></s:cellXfs>'
     "</s:styleSheet>".encode(), {0}, 2.0),
])
def test_style_facts(styles, wraps, cjk):
    facts = style_facts(styles)
    assert (set(facts.wraps), facts.cjk) == (wraps, cjk)
    assert isinstance(facts, StyleFacts)


@pytest.mark.parametrize(("text", "width", "lines"), [
    ("一" * 19, 40, 1),
    ("一" * 20, 40, 2),
    ("Sign off here please", 10, 3),          # Latin words wrap whole
    ("x" * 30, 10, 4),                        # a word longer than the line breaks inside
    ("abc\ndef", 10, 2),
    ("", 10, 1),
    ("申请编号 Request No.", 15, 2),
])
def test_wrapped_lines(text, width, lines):
    assert wrapped_lines(text, width) == lines
