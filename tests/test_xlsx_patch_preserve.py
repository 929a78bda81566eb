"""processors.sheets.xlsx_patch on real workbooks: writing cells must change those cells and nothing else.

These tests run on tests/data/lo_fixture.xlsx, which LibreOffice saved (see
tests/data/make_lo_fixture.py): styles, column widths, formulas, data validation,
conditional formatting, comments, an image, a chart, a frozen pane and three sheets.
Regenerate it with `.venv/bin/python tests/data/make_lo_fixture.py`.
LibreOffice is started once for the module (module-scoped `lo_csv`) and converts every
patched workbook the tests need in that single run.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from types import SimpleNamespace
from xml.etree import ElementTree as ET

import openpyxl
import pytest
from xlsx_helpers import (
    FIXTURE,
    LISTS,
    MAIN,
    NS,
    SUMMARY,
    Q,
    cells_by_ref,
    grids,
    rc,
    ref,
    xstring,
    zip_names,
    zip_parts,
)

from processors.errors import CorruptWorkbookError
from processors.sheets.xlsx_patch import patch_workbook, sheet_part

MAIN_XML = "xl/worksheets/sheet1.xml"
SYSTEM_COL_STYLE = "1"  # <col min="8" max="11" style="1"> in the fixture: the grey system columns

# The system-column writes of the preservation proof. Columns: H=8 申请编号, I=9 状态, J=10 系统说明, K=11 更新时间.
SYSTEM_WRITES: dict[tuple[int, int], str | None] = {
    (2, 8): "PR-2024-0101 新编号",  # H2: had a value and a style, and carries a comment
    (2, 11): "2024-03-05 10:00",  # K2: had a date (number with a date format)
    (3, 9): "已批准 Approved",  # I3: styled but empty
    (4, 10): None,  # J4: "等待 waiting" -> emptied, style kept
    (7, 10): '系统 <msg> & "quoted" _x0041_',  # J7: row 7 exists, no <c> there: new cell takes the column style
    (9, 11): None,  # K9: no <c>; None still leaves a styled empty cell
    (10, 8): "PR-2024-0110",  # row 10: no <row> at all
    (10, 9): "待审批 Pending",
}
EXISTING_TARGETS = [(2, 8), (2, 11), (3, 9), (4, 10)]
NEW_TARGETS = [(7, 10), (9, 11), (10, 8), (10, 9)]


# ---------------------------------------------------------------- helpers


def file_digest(path: Path) -> tuple[str, int, int]:
    st = path.stat()
    return hashlib.sha256(path.read_bytes()).hexdigest(), st.st_size, st.st_mtime_ns


def normalized_sheet(xml: bytes, targets: set[tuple[int, int]], drop_rows: set[int]) -> str:
    """Canonical XML of a sheet with the target <c> elements (and the rows in drop_rows) taken out."""
    root = ET.fromstring(xml)
    sheet_data = root.find(f"{Q}sheetData")
    for row in list(sheet_data):
        for c in list(row):
            if c.tag == f"{Q}c" and rc(c.get("r")) in targets:
                row.remove(c)
        if int(row.get("r")) in drop_rows:
            assert len(row) == 0, f"row {row.get('r')} holds cells that were not written"
            sheet_data.remove(row)
    return ET.canonicalize(ET.tostring(root, encoding="unicode"))


def soffice_binary() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        pytest.fail("LibreOffice (soffice) is required for these tests; CI installs it")
    return found


def read_csv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def csv_cell(rows: list[list[str]], row: int, col: int) -> str:
    return rows[row - 1][col - 1] if row <= len(rows) and col <= len(rows[row - 1]) else ""


# ---------------------------------------------------------------- shared workbooks


@pytest.fixture(scope="module")
def patched(tmp_path_factory):
    """The fixture copied and patched once with SYSTEM_WRITES."""
    d = tmp_path_factory.mktemp("patched")
    src, dst = d / "source.xlsx", d / "patched.xlsx"
    shutil.copyfile(FIXTURE, src)
    result = patch_workbook(src, dst, MAIN, SYSTEM_WRITES)
    return SimpleNamespace(src=src, dst=dst, result=result)


CALC_CHAIN_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml"
CALC_CHAIN_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/calcChain"


def add_calc_chain(src: Path, dst: Path) -> None:
    """The fixture plus a calcChain part, as Excel writes one (LibreOffice never does)."""
    chain = [f'<c r="{c}{r}" i="1"/>' if (c, r) == ("E", 2) else f'<c r="{c}{r}"/>'
             for c in "EG" for r in range(2, 10)]
    chain += ['<c r="B2" i="2"/>', '<c r="B3"/>', '<c r="B4"/>']
    calc_chain = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<calcChain xmlns="{NS}">{"".join(chain)}'
    calc_chain += "</calcChain>"
    override = f'<Override PartName="/xl/calcChain.xml" ContentType="{CALC_CHAIN_CT}"/>'
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", override.encode() + b"</Types>")
            elif info.filename == "xl/_rels/workbook.xml.rels":
                rel = f'<Relationship Id="rId99" Type="{CALC_CHAIN_REL}" Target="calcChain.xml"/>'
                data = data.replace(b"</Relationships>", rel.encode() + b"</Relationships>")
            zout.writestr(info, data)
        zout.writestr("xl/calcChain.xml", calc_chain)


@pytest.fixture(scope="module")
def calc_chain(tmp_path_factory):
    """A workbook with a calcChain whose plain formula cell E3 is overwritten."""
    d = tmp_path_factory.mktemp("calcchain")
    src, dst = d / "with_chain.xlsx", d / "chain_patched.xlsx"
    add_calc_chain(FIXTURE, src)
    result = patch_workbook(src, dst, MAIN, {(3, 5): "手工金额 manual 5200"})
    return SimpleNamespace(src=src, dst=dst, result=result)


@pytest.fixture(scope="module")
def lo_csv(patched, calc_chain, tmp_path_factory):
    """One LibreOffice run converting every sheet of each patched workbook to UTF-8 CSV.

    Filter options: comma, double quote, UTF-8 (76), from line 1, ..., sheet -1 = every sheet to
    its own file "<stem>-<sheet name>.csv" (LibreOffice >= 7.2).
    """
    soffice = soffice_binary()
    d = tmp_path_factory.mktemp("lo")
    outdir, profile = d / "out", d / "profile"
    outdir.mkdir()
    books = [patched.dst, calc_chain.dst]
    cmd = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
           "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
           "--outdir", str(outdir), *map(str, books)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=d)
    assert proc.returncode == 0, f"soffice exited {proc.returncode}: {proc.stderr}"
    out = {}
    for book in books:
        out[book.stem] = {sheet: outdir / f"{book.stem}-{sheet}.csv" for sheet in (MAIN, SUMMARY, LISTS)}
        missing = [str(p) for p in out[book.stem].values() if not p.exists()]
        assert not missing, f"LibreOffice could not convert {book.name}: {missing}\n{proc.stdout}\n{proc.stderr}"
    return {stem: {sheet: read_csv(p) for sheet, p in sheets.items()} for stem, sheets in out.items()}


# ---------------------------------------------------------------- the fixture itself


def test_libreoffice_is_installed():
    assert shutil.which("soffice") or shutil.which("libreoffice"), "install LibreOffice: the tests below need it"


def test_fixture_has_the_features_the_proof_relies_on():
    names = zip_names(FIXTURE)
    for prefix in ("xl/drawings/drawing", "xl/drawings/vmlDrawing", "xl/charts/chart", "xl/media/image", "xl/comments"):
        assert any(n.startswith(prefix) for n in names), prefix
    with zipfile.ZipFile(FIXTURE) as zf:
        assert sheet_part(zf, MAIN) == MAIN_XML
        xml = zf.read(MAIN_XML).decode()
    for marker in ("<dataValidations", "<conditionalFormatting", 'state="frozen"', "<cols>", "<legacyDrawing",
                   "<drawing "):
        assert marker in xml, marker
    cells = cells_by_ref(xml)
    assert all(ref(*t) in cells for t in EXISTING_TARGETS)
    assert not any(ref(*t) in cells for t in NEW_TARGETS)
    assert cells["I3"].get("s") and len(cells["I3"]) == 0  # styled but empty
    assert '<row r="10"' not in xml


# ---------------------------------------------------------------- preservation proof


def test_result_lists_every_write(patched):
    assert sorted(patched.result.written) == sorted(SYSTEM_WRITES)
    assert patched.result.refused == []
    assert patched.result.dropped_calc_chain is False


def test_every_other_zip_entry_is_byte_identical(patched):
    before, after = zip_parts(patched.src), zip_parts(patched.dst)
    assert zip_names(patched.dst) == zip_names(patched.src)
    for name, data in before.items():
        if name != MAIN_XML:
            assert after[name] == data, name
    with zipfile.ZipFile(patched.src) as a, zipfile.ZipFile(patched.dst) as b:
        assert b.testzip() is None
        assert [i.compress_type for i in a.infolist()] == [i.compress_type for i in b.infolist()]


def test_sheet_xml_differs_only_in_the_written_cells(patched):
    old, new = zip_parts(patched.src)[MAIN_XML], zip_parts(patched.dst)[MAIN_XML]
    targets = set(SYSTEM_WRITES)
    old_root, new_root = ET.fromstring(old), ET.fromstring(new)
    old_rows = {int(r.get("r")): r for r in old_root.iter(f"{Q}row")}
    new_rows = {int(r.get("r")): r for r in new_root.iter(f"{Q}row")}
    added_rows = set(new_rows) - set(old_rows)
    assert added_rows == {10}
    assert set(old_rows) <= set(new_rows)

    # A touched row may only widen its spans, and only over the written columns.
    for row_no in {r for r, _ in targets} & set(old_rows):
        o, n = old_rows[row_no].get("spans"), new_rows[row_no].get("spans")
        if o != n:
            (olo, ohi), (nlo, nhi) = map(int, o.split(":")), map(int, n.split(":"))
            cols = [c for r, c in targets if r == row_no]
            assert (nlo, nhi) == (min(olo, *cols), max(ohi, *cols))
            new_rows[row_no].set("spans", o)
    # <dimension> may only grow over the written non-empty cells (openpyxl read-only stops at it).
    filled = [t for t, v in SYSTEM_WRITES.items() if v]
    odim, ndim = old_root.find(f"{Q}dimension"), new_root.find(f"{Q}dimension")
    (r1, c1), (r2, c2) = map(rc, odim.get("ref").split(":"))
    expected = f"{ref(min(r1, *(r for r, _ in filled)), min(c1, *(c for _, c in filled)))}:" \
               f"{ref(max(r2, *(r for r, _ in filled)), max(c2, *(c for _, c in filled)))}"
    assert ndim.get("ref") == expected == "A1:K10"

    def canon(root: ET.Element, drop: set[int]) -> str:
        root.find(f"{Q}dimension").set("ref", "X")
        return normalized_sheet(ET.tostring(root), targets, drop)

    assert canon(new_root, added_rows) == canon(old_root, set())

    # Outside <sheetData> the text is the original, byte for byte (bar the dimension ref).
    old_s, new_s = old.decode(), new.decode()
    assert new_s[new_s.index("</sheetData>"):] == old_s[old_s.index("</sheetData>"):]
    head = re.compile(r'<dimension ref="[^"]*"/>')
    assert head.sub("", new_s[: new_s.index("<sheetData")]) == head.sub("", old_s[: old_s.index("<sheetData")])


def test_written_cells_keep_or_take_their_style(patched):
    old = cells_by_ref(zip_parts(patched.src)[MAIN_XML])
    new = cells_by_ref(zip_parts(patched.dst)[MAIN_XML])
    for target in EXISTING_TARGETS:
        assert old[ref(*target)].get("s") is not None
        assert new[ref(*target)].get("s") == old[ref(*target)].get("s"), ref(*target)
    for target in NEW_TARGETS:
        assert new[ref(*target)].get("s") == SYSTEM_COL_STYLE, ref(*target)
    for target, value in SYSTEM_WRITES.items():
        cell = new[ref(*target)]
        if value is None:
            assert len(cell) == 0 and cell.get("t") is None, ref(*target)  # no value, no type
        else:
            # each <t> (one, or a run each) decoded as readers do, then joined as they join runs
            text = "".join(xstring(t.text or "") for t in cell.iter(f"{Q}t"))
            assert cell.get("t") == "inlineStr" and text == value, ref(*target)


def test_calamine_reads_new_values_and_everything_else_unchanged(patched):
    before, after = grids(patched.src), grids(patched.dst)
    assert list(after) == [MAIN, SUMMARY, LISTS]
    for target, value in SYSTEM_WRITES.items():
        assert after[MAIN].get(target, "") == (value or ""), ref(*target)
    for sheet, cells in before.items():
        untouched_before = {k: v for k, v in cells.items() if sheet != MAIN or k not in SYSTEM_WRITES}
        untouched_after = {k: v for k, v in after[sheet].items() if sheet != MAIN or k not in SYSTEM_WRITES}
        assert untouched_after == untouched_before, sheet
    assert before[MAIN][(4, 10)] == "等待 waiting"  # really was a value before it was emptied
    assert len(before[MAIN]) > 60 and len(before[SUMMARY]) == 10 and len(before[LISTS]) == 9


def test_new_row_is_visible_to_openpyxl_read_only(patched):
    # pandas.read_excel reads through openpyxl's read-only mode, which stops at <dimension>.
    wb = openpyxl.load_workbook(patched.dst, read_only=True, data_only=True)
    try:
        rows = list(wb[MAIN].iter_rows(values_only=True))
    finally:
        wb.close()
    assert len(rows) == 10
    assert rows[9][7:9] == ("PR-2024-0110", "待审批 Pending")


def test_source_is_never_modified(tmp_path):
    src = tmp_path / "source.xlsx"
    shutil.copyfile(FIXTURE, src)
    before = file_digest(src)
    patch_workbook(src, tmp_path / "out.xlsx", MAIN, {(2, 8): "X", (3, 5): "drops calc chain", (20, 20): "far"})
    with pytest.raises(CorruptWorkbookError):
        patch_workbook(src, tmp_path / "out2.xlsx", "no such sheet", {(1, 1): "X"})
    with pytest.raises(ValueError):  # dst == src would truncate the file being read
        patch_workbook(src, src, MAIN, {(1, 1): "X"})
    link = tmp_path / "link.xlsx"
    link.symlink_to(src)
    with pytest.raises(ValueError):
        patch_workbook(src, link, MAIN, {(1, 1): "X"})
    assert file_digest(src) == before
    assert src.read_bytes() == FIXTURE.read_bytes()


def test_tricky_values_round_trip_through_calamine(tmp_path):
    values = {
        (2, 10): "a<b>&c \"d\" 'e' ]]> &amp;",
        (3, 10): "  leading and trailing spaces  ",
        (4, 10): "line1\nline2\ttab\r\nCRLF",
        (5, 10): "ctrl\x00\x01\x08\x0b\x0c\x1f\ufffe\ud800 stripped",
        (6, 10): "_x0041_ stays literal, _x005F_ and _x004a_ too, _X0041_ was never an escape",
        (7, 10): "emoji 😀 and 中文 and عربى",
        (8, 10): "=1+1",  # text, not a formula
    }
    expected = dict(values)
    expected[(5, 10)] = "ctrl stripped"
    dst = tmp_path / "tricky.xlsx"
    patch_workbook(FIXTURE, dst, MAIN, values)
    got = grids(dst)[MAIN]
    for target, value in expected.items():
        assert got[target] == value, ref(*target)
    j8 = cells_by_ref(zip_parts(dst)[MAIN_XML])["J8"]
    assert j8.get("t") == "inlineStr" and j8.find(f"{Q}f") is None


def test_shared_formula_master_in_a_workbook_is_refused_and_untouched(tmp_path):
    src = tmp_path / "shared.xlsx"
    parts = zip_parts(FIXTURE)
    xml = parts[MAIN_XML].decode()
    xml = xml.replace('<f aca="false">C2*D2</f>', '<f t="shared" ref="E2:E9" si="0">C2*D2</f>')
    for r in range(3, 10):
        xml = xml.replace(f'<f aca="false">C{r}*D{r}</f>', '<f t="shared" si="0"/>')
    assert xml.count('t="shared"') == 8
    with zipfile.ZipFile(FIXTURE) as zin, zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info, xml.encode() if info.filename == MAIN_XML else parts[info.filename])

    result = patch_workbook(src, tmp_path / "refused.xlsx", MAIN, {(2, 5): "no"})
    assert result.refused == [(2, 5)] and result.written == [] and not result.dropped_calc_chain
    assert zip_parts(tmp_path / "refused.xlsx") == zip_parts(src)

    result = patch_workbook(src, tmp_path / "child.xlsx", MAIN, {(2, 5): "no", (3, 5): "child ok"})
    assert result.refused == [(2, 5)] and result.written == [(3, 5)]
    new = zip_parts(tmp_path / "child.xlsx")[MAIN_XML].decode()
    master = re.search(r'<c r="E2".*?</c>', xml).group(0)
    assert master in new
    assert grids(tmp_path / "child.xlsx")[MAIN][(3, 5)] == "child ok"


# ---------------------------------------------------------------- calcChain


def test_replacing_a_formula_drops_the_calc_chain(calc_chain):
    assert "xl/calcChain.xml" in zip_names(calc_chain.src)
    assert calc_chain.result.written == [(3, 5)] and calc_chain.result.dropped_calc_chain
    before, after = zip_parts(calc_chain.src), zip_parts(calc_chain.dst)
    assert zip_names(calc_chain.dst) == [n for n in zip_names(calc_chain.src) if n != "xl/calcChain.xml"]
    for name in ("[Content_Types].xml", "xl/_rels/workbook.xml.rels"):
        assert b"calcChain" in before[name]
        assert b"calcChain" not in after[name]
        ET.fromstring(after[name])  # still well-formed
    for name in after:
        if name not in (MAIN_XML, "[Content_Types].xml", "xl/_rels/workbook.xml.rels"):
            assert after[name] == before[name], name
    cells = cells_by_ref(after[MAIN_XML])
    assert cells["E3"].find(f"{Q}f") is None
    assert cells["E2"].find(f"{Q}f").text == "C2*D2" and cells["E4"].find(f"{Q}f").text == "C4*D4"
    assert grids(calc_chain.dst)[MAIN][(3, 5)] == "手工金额 manual 5200"


# ---------------------------------------------------------------- LibreOffice


def test_libreoffice_opens_the_patched_workbook(lo_csv):
    sheets = lo_csv["patched"]
    main = sheets[MAIN]
    for target, value in SYSTEM_WRITES.items():
        assert csv_cell(main, *target) == (value or ""), ref(*target)
    # untouched values around them, Chinese included
    assert main[0][:3] == ["申请人 Applicant", "物料名称 Item", "数量 Quantity"]
    assert main[0][7:11] == ["申请编号 Request No.", "状态 Status", "系统说明 Message", "更新时间 Updated"]
    assert main[1][:5] == ["张三", "笔记本电脑 Laptop", "2", "6500", "13000"]
    assert csv_cell(main, 2, 9) == "已批准 Approved" and csv_cell(main, 2, 10) == "已通过 OK"
    assert csv_cell(main, 4, 8) == "PR-0003" and csv_cell(main, 4, 9) == "待审批 Pending"
    assert csv_cell(main, 6, 11).startswith("2024-03-02")
    assert csv_cell(main, 4, 6) == "含税 <tax> & fee"
    assert "等待 waiting" not in {value for row in main for value in row}
    assert sheets[SUMMARY][1][:2] == ["总金额 Total", "60988"]
    assert sheets[SUMMARY][4][1] == "汇总由公式计算 computed"
    assert [row[1] for row in sheets[LISTS][1:4]] == ["待审批 Pending", "已批准 Approved", "已驳回 Rejected"]


def test_libreoffice_opens_the_workbook_without_its_calc_chain(lo_csv):
    main = lo_csv["chain_patched"][MAIN]
    assert csv_cell(main, 3, 5) == "手工金额 manual 5200"
    assert csv_cell(main, 2, 5) == "13000" and csv_cell(main, 4, 5) == "1990"
    assert csv_cell(main, 2, 8) == "PR-0001"
