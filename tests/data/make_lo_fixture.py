"""Author tests/data/lo_fixture.xlsx and have LibreOffice save it.

openpyxl only drafts the workbook; `soffice --headless --convert-to xlsx` then loads and
saves it, so the committed file is what a real spreadsheet program writes (LibreOffice's
own XML layout, its styles table, drawings, VML comments …). The script then checks,
inside the zip, that every feature the patch tests rely on survived LibreOffice's save.

One exception: LibreOffice 7.4 headless never writes frozen panes (see add_frozen_pane), so
the <pane> element is put into its sheetView afterwards; every other byte is LibreOffice's.

Run from anywhere:  .venv/bin/python tests/data/make_lo_fixture.py
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.drawing.image import Image
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.datavalidation import DataValidation

HERE = Path(__file__).resolve().parent
OUT = HERE / "lo_fixture.xlsx"

MAIN = "采购申请"
SUMMARY = "汇总 Summary"
LISTS = "选项 Lists"

HEADERS = [
    "申请人 Applicant",  # A
    "物料名称 Item",  # B
    "数量 Quantity",  # C
    "单价 Unit Price",  # D
    "金额 Amount",  # E  formula
    "备注 Note",  # F
    "待处理 Pending",  # G  formula on the system column I
    "申请编号 Request No.",  # H  system
    "状态 Status",  # I  system
    "系统说明 Message",  # J  system
    "更新时间 Updated",  # K  system
]
SYSTEM_COLS = "HIJK"
ITEMS = ["笔记本电脑 Laptop", "显示器 Monitor", "键盘 Keyboard", "打印纸 Paper"]
STATUSES = ["待审批 Pending", "已批准 Approved", "已驳回 Rejected"]

# applicant, item, qty, price, note, system cells (H, I, J, K); None = no value
ROWS = [
    ("张三", ITEMS[0], 2, 6500.0, "急用 urgent", ("PR-0001", STATUSES[1], "已通过 OK", dt.datetime(2024, 3, 1, 9, 30))),
    ("李四", ITEMS[1], 4, 1299.5, None, ("PR-0002", None, None, None)),
    ("王五", ITEMS[2], 10, 199.0, "含税 <tax> & fee", ("PR-0003", STATUSES[0], "等待 waiting", None)),
    ("赵六", ITEMS[3], 150, 25.0, None, (None, None, None, None)),
    ("Alice", ITEMS[0], 1, 7200.0, "\"quoted\"", ("PR-0005", STATUSES[2], "预算不足 over budget",
                                                  dt.datetime(2024, 3, 2, 14, 0))),
    ("Bob", ITEMS[1], 3, 1500.0, None, (None, None, None, None)),
    ("陈七", ITEMS[2], 120, 210.0, "批量 bulk", ("PR-0007", None, None, dt.datetime(2024, 3, 3, 8, 15))),
    ("周八", ITEMS[3], 5, 30.0, None, (None, None, None, None)),
]

GREY = PatternFill("solid", start_color="FFD9D9D9", end_color="FFD9D9D9")
HEADER_FILL = PatternFill("solid", start_color="FF1F4E78", end_color="FF1F4E78")
THIN = Side(style="thin", color="FF808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def tiny_png(width: int = 24, height: int = 16) -> bytes:
    """A small RGB PNG with a colour gradient, written by hand (no Pillow needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(
        b"\x00" + b"".join(bytes((x * 10 % 256, y * 15 % 256, 200)) for x in range(width)) for y in range(height)
    )
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


class PngImage(Image):
    """openpyxl's Image without Pillow: the PNG bytes and size are given directly."""

    def __init__(self, data: bytes) -> None:
        self.ref = data
        self.width, self.height = struct.unpack(">II", data[16:24])
        self.format = "png"

    def _data(self) -> bytes:
        return self.ref


def draft(path: Path, png: bytes) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = MAIN

    for col, title in enumerate(HEADERS, start=1):
        c = ws.cell(row=1, column=col, value=title)
        c.font = Font(bold=True, color="FFFFFFFF", name="Arial", size=11)
        c.fill = HEADER_FILL if col <= 7 else PatternFill("solid", start_color="FF595959", end_color="FF595959")
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        c.border = BOX

    for r, (who, item, qty, price, note, system) in enumerate(ROWS, start=2):
        ws.cell(row=r, column=1, value=who).border = BOX
        ws.cell(row=r, column=2, value=item).border = BOX
        q = ws.cell(row=r, column=3, value=qty)
        q.border = BOX
        q.number_format = "0"
        p = ws.cell(row=r, column=4, value=price)
        p.number_format = "#,##0.00"
        p.border = BOX
        e = ws.cell(row=r, column=5, value=f"=C{r}*D{r}")
        e.number_format = "#,##0.00"
        e.font = Font(italic=True, color="FF1F4E78")
        e.border = BOX
        if note is not None:
            ws.cell(row=r, column=6, value=note)
        ws.cell(row=r, column=7, value=f'=IF(I{r}="{STATUSES[1]}","否 no","是 yes")')
        # system columns: every data row gets styled cells (grey, bordered) whether or not it has a value;
        # rows 7 and 9 keep the value-less cells only in H and I, so J/K there come from the column style.
        for letter, value in zip(SYSTEM_COLS, system, strict=True):
            if r in (7, 9) and letter in "JK":
                continue
            c = ws[f"{letter}{r}"]
            c.value = value
            c.fill = GREY
            c.border = BOX
            c.font = Font(color="FF404040", size=10)
            if letter == "K":
                c.number_format = "yyyy-mm-dd hh:mm"

    widths = {"A": 14, "B": 22, "C": 9, "D": 12, "E": 13, "F": 20, "G": 10, "H": 16, "I": 16, "J": 26, "K": 18}
    for letter, width in widths.items():
        ws.column_dimensions[letter].width = width
    for letter in SYSTEM_COLS:
        ws.column_dimensions[letter].fill = GREY
    ws.row_dimensions[1].height = 32
    ws.freeze_panes = "B2"

    dv = DataValidation(type="list", formula1='"' + ",".join(ITEMS) + '"', allow_blank=True)
    dv.error, dv.errorTitle = "请从列表选择 pick from the list", "物料 Item"
    ws.add_data_validation(dv)
    dv.add("B2:B40")
    dv2 = DataValidation(type="whole", operator="between", formula1="1", formula2="1000")
    ws.add_data_validation(dv2)
    dv2.add("C2:C40")

    red = PatternFill("solid", start_color="FFFFC7CE", end_color="FFFFC7CE")
    ws.conditional_formatting.add("C2:C40", CellIsRule(operator="greaterThan", formula=["100"], fill=red,
                                                         font=Font(color="FF9C0006")))

    ws["A1"].comment = Comment("填写人的姓名 who asks", "sheetflow")
    ws["H2"].comment = Comment("系统生成 written by sheetflow", "sheetflow")

    img = PngImage(png)
    img.width, img.height = img.width * 4, img.height * 4  # shown at 96x64 px
    ws.add_image(img, "M2")

    chart = BarChart()
    chart.title = "数量 Quantity"
    chart.add_data(Reference(ws, min_col=3, min_row=1, max_row=len(ROWS) + 1), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=len(ROWS) + 1))
    chart.width, chart.height = 12, 7
    ws.add_chart(chart, "M8")

    summary = wb.create_sheet(SUMMARY)
    summary["A1"], summary["B1"] = "指标 Metric", "值 Value"
    summary["A1"].font = summary["B1"].font = Font(bold=True)
    summary["A2"], summary["B2"] = "总金额 Total", f"=SUM('{MAIN}'!E2:E9)"
    summary["A3"], summary["B3"] = "已批准 Approved", f"=COUNTIF('{MAIN}'!I2:I9,\"{STATUSES[1]}\")"
    summary["A4"], summary["B4"] = "已编号 Numbered", f"=COUNTA('{MAIN}'!H2:H9)"
    summary["A5"], summary["B5"] = "备注 Remark", "汇总由公式计算 computed"
    summary["B2"].number_format = "#,##0.00"
    summary.column_dimensions["A"].width = 20

    lists = wb.create_sheet(LISTS)
    lists["A1"], lists["B1"] = "物料 Items", "状态 Statuses"
    for i, item in enumerate(ITEMS, start=2):
        lists.cell(row=i, column=1, value=item)
    for i, status in enumerate(STATUSES, start=2):
        lists.cell(row=i, column=2, value=status)

    wb.save(path)


def lo_save(src: Path, outdir: Path, profile: Path) -> Path:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        sys.exit("soffice (LibreOffice) is needed to build the fixture")
    cmd = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
           "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(outdir), str(src)]
    subprocess.run(cmd, check=True, timeout=180, capture_output=True, env={**os.environ, "HOME": str(profile)})
    out = outdir / (src.stem + ".xlsx")
    if not out.exists():
        sys.exit(f"LibreOffice wrote nothing: {cmd}")
    return out


def add_frozen_pane(path: Path, sheet_path: str = "xl/worksheets/sheet1.xml") -> None:
    """Put the frozen pane (B2) into LibreOffice's saved sheetView.

    LibreOffice 7.4 writes a sheet's view settings (split, freeze, selection) only from the
    active view, and a headless conversion has none, so every `--convert-to` drops them; a
    macro in a hidden frame does not help either (that view never becomes the current one).
    This is the single edit made after LibreOffice's save: the <pane> and per-pane
    <selection>s are written the way LibreOffice itself writes them for a frozen window.
    Every other entry is copied unchanged, in the same order.
    """
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        parts = {i.filename: zf.read(i.filename) for i in infos}
    xml = parts[sheet_path].decode("utf-8")
    assert "<pane " not in xml, "LibreOffice wrote a pane itself; this step is no longer needed"
    old = re.search(r'<selection pane="topLeft"[^>]*/>', xml)
    assert old, "unexpected sheetView layout"
    frozen = (
        '<pane xSplit="1" ySplit="1" topLeftCell="B2" activePane="bottomRight" state="frozen"/>'
        '<selection pane="topLeft" activeCell="A1" activeCellId="0" sqref="A1"/>'
        '<selection pane="topRight" activeCell="B1" activeCellId="0" sqref="B1"/>'
        '<selection pane="bottomLeft" activeCell="A2" activeCellId="0" sqref="A2"/>'
        '<selection pane="bottomRight" activeCell="B2" activeCellId="0" sqref="B2"/>'
    )
    parts[sheet_path] = (xml[: old.start()] + frozen + xml[old.end():]).encode("utf-8")
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w") as out:
        for info in infos:
            out.writestr(info, parts[info.filename], compress_type=info.compress_type)
    tmp.replace(path)


def verify(path: Path) -> None:
    """Assert that LibreOffice's save kept every feature the patch tests depend on."""
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        wb_xml = zf.read("xl/workbook.xml").decode()
        sheet_names = re.findall(r'<sheet [^>]*name="([^"]*)"', wb_xml)
        assert sheet_names == [MAIN, SUMMARY, LISTS], sheet_names
        rels = zf.read("xl/_rels/workbook.xml.rels").decode()
        rid = re.search(r'<sheet [^>]*name="' + MAIN + r'"[^>]*r:id="([^"]+)"', wb_xml).group(1)
        target = re.search(r'Id="' + rid + r'"[^>]*Target="([^"]+)"|Target="([^"]+)"[^>]*Id="' + rid + '"', rels)
        sheet_path = "xl/" + (target.group(1) or target.group(2)).lstrip("/").removeprefix("xl/")
        sheet = zf.read(sheet_path).decode()
        styles = zf.read("xl/styles.xml").decode()

        assert any(n.startswith("xl/drawings/drawing") for n in names), "drawing lost"
        assert any(n.startswith("xl/charts/chart") for n in names), "chart lost"
        media = [n for n in names if n.startswith("xl/media/") and n.endswith(".png")]
        assert media and zf.read(media[0]).startswith(b"\x89PNG\r\n\x1a\n"), "image lost"
        drawing = zf.read("xl/drawings/drawing1.xml").decode()
        assert "<xdr:pic>" in drawing and "drawingml/2006/chart" in drawing, "picture or chart anchor lost"
        assert any(re.match(r"xl/comments\d*\.xml", n) for n in names), "comments lost"
        assert any(n.startswith("xl/drawings/vmlDrawing") for n in names), "comment VML lost"
        comments = "".join(zf.read(n).decode() for n in names if re.match(r"xl/comments\d*\.xml", n))
        assert "系统生成" in comments and "填写人的姓名" in comments

        assert "<dataValidations" in sheet and 'type="list"' in sheet, "data validation lost"
        assert "<conditionalFormatting" in sheet, "conditional formatting lost"
        assert "<pane " in sheet and 'state="frozen"' in sheet, "frozen pane lost"
        assert re.search(r'<col [^>]*customWidth="(true|1)"[^>]*width="26"', sheet), "column widths lost"
        col_styles = re.findall(r'<col [^>]*style="(\d+)"', sheet)
        assert col_styles, "column styles lost"
        assert "<drawing " in sheet and "<legacyDrawing " in sheet
        assert re.search(r"<f( [^>]*)?>C2\*D2</f>", sheet), "formula lost"
        assert re.search(r"<f( [^>]*)?>IF\(I2=", sheet), "formula on a system column lost"
        summary_xml = "".join(zf.read(n).decode() for n in names if re.match(r"xl/worksheets/sheet[23]\.xml", n))
        assert "采购申请" in summary_xml and "COUNTIF" in summary_xml, "cross-sheet formula lost"

        assert "<fills" in styles and "FFD9D9D9" in styles.upper(), "grey fill lost"
        assert "<borders" in styles and 'style="thin"' in styles, "borders lost"
        assert "#,##0.00" in styles and "yyyy" in styles.lower(), "number formats lost"
        assert "<b " in styles or "<b/>" in styles, "bold font lost"
        assert "<dxfs" in styles, "conditional format style lost"

        # the form shape the patch tests expect
        for ref in ("H2", "I2", "H3", "I3", "J3", "K3", "H5", "J5", "I7", "H9"):
            assert re.search(rf'<c r="{ref}" s="\d+"', sheet), f"{ref} should exist with a style"
        for ref in ("J7", "K7", "J9", "K9"):
            assert f'<c r="{ref}"' not in sheet, f"{ref} should have no <c> element"
        assert '<row r="10"' not in sheet, "row 10 should be absent"
        assert "calcChain" not in "".join(names)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="sheetflow-fixture-") as tmp:
        tmpdir = Path(tmp)
        draft_path = tmpdir / "lo_fixture.xlsx"
        draft(draft_path, tiny_png())
        outdir = tmpdir / "lo"
        outdir.mkdir()
        saved = lo_save(draft_path, outdir, tmpdir / "profile")
        add_frozen_pane(saved)
        verify(saved)
        shutil.copyfile(saved, OUT)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
