"""The office route for the PDF benchmark: a .docx order template made with python-docx, then filled in.

The template carries the same content as templates/documents/purchase_order.html
(letterhead, number and date, supplier and delivery blocks, line table, totals in
figures and 大写, four sign-off boxes, supplier confirmation, page x of y) in
Noto Sans CJK SC, so LibreOffice converts a comparable page. Placeholders are
`{name}`, each in a run of its own, and the line table has one template row that
is copied per line, which is how such templates are usually filled.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph

FONT = "Noto Sans CJK SC"
PLACEHOLDER = re.compile(r"\{(\w+)\}")
SIGNER_COUNT = 4


def _font(style: Any) -> None:
    style.font.name = FONT
    style.font.size = Pt(9)
    rpr = style.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.append(rfonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), FONT)
    lang = OxmlElement("w:lang")                    # Chinese glyph shapes, as lang="zh-CN" in our HTML
    lang.set(qn("w:eastAsia"), "zh-CN")
    rpr.append(lang)


def _para(container: Any, text: str = "", size: float | None = None, bold: bool = False,
          center: bool = False) -> Paragraph:
    """A paragraph whose placeholders each get their own run, so filling never splits one."""
    paragraph = container.add_paragraph()
    for piece in re.split(r"(\{\w+\})", text):
        if piece:
            run = paragraph.add_run(piece)
            run.bold = bold
            if size:
                run.font.size = Pt(size)
    if center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return paragraph


def _cell(table: Table, row: int, col: int, text: str, bold: bool = False) -> None:
    cell = table.cell(row, col)
    cell.paragraphs[0]._p.getparent().remove(cell.paragraphs[0]._p)
    for i, line in enumerate(text.split("\n")):
        _para(cell, line, size=6.5 if i else None, bold=bold and i == 0)


def _field(paragraph: Paragraph, instruction: str) -> None:
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, instruction), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)


def build_template(path: Path) -> None:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = section.top_margin = Mm(15)
    section.bottom_margin = Mm(18)
    _font(doc.styles["Normal"])

    _para(doc, "{company_name}", size=16, bold=True)
    _para(doc, "地址 Address {company_address}    电话 Tel {company_phone}", size=8)
    _para(doc, "采 购 订 单", size=18, bold=True, center=True)
    _para(doc, "PURCHASE ORDER", size=8, center=True)

    meta = doc.add_table(rows=1, cols=3)
    _cell(meta, 0, 0, "订单编号 Order No. {order_number}")
    _cell(meta, 0, 1, "下单日期 Date {order_date}")
    _cell(meta, 0, 2, "项目 Project {project}")

    parties = doc.add_table(rows=5, cols=4, style="Table Grid")
    _cell(parties, 0, 0, "供应商 Supplier", bold=True)
    _cell(parties, 0, 2, "交货与付款 Delivery and payment", bold=True)
    left = [("名称\nName", "{supplier_name}"), ("联系人\nContact", "{supplier_contact}"),
            ("电话\nPhone", "{supplier_phone}"), ("地址\nAddress", "{supplier_address}")]
    right = [("交货日期\nDelivery date", "{delivery_date}"), ("交货地点\nDelivery place", "{delivery_place}"),
             ("付款条件\nPayment terms", "{payment_terms}"), ("采购联系人\nBuyer", "{buyer}")]
    for i, ((lk, lv), (rk, rv)) in enumerate(zip(left, right, strict=True), start=1):
        _cell(parties, i, 0, lk, bold=True)
        _cell(parties, i, 1, lv)
        _cell(parties, i, 2, rk, bold=True)
        _cell(parties, i, 3, rv)

    _para(doc)
    lines = doc.add_table(rows=3, cols=7, style="Table Grid")
    lines.alignment = WD_TABLE_ALIGNMENT.CENTER
    heads = ["序号\nNo.", "物料名称\nItem", "规格型号\nModel / spec", "单位\nUnit", "数量\nQuantity",
             "单价（元）\nUnit price", "金额（元）\nAmount"]
    for col, head in enumerate(heads):
        _cell(lines, 0, col, head, bold=True)
    for col, name in enumerate(["no", "item", "spec", "unit", "quantity", "unit_price", "line_total"]):
        _cell(lines, 1, col, "{" + name + "}")
    words = lines.cell(2, 0).merge(lines.cell(2, 4))
    words.paragraphs[0]._p.getparent().remove(words.paragraphs[0]._p)
    _para(words, "合计（大写） Total in words 人民币 {total_words}", bold=True)
    _cell(lines, 2, 5, "合计 Total", bold=True)
    _cell(lines, 2, 6, "{total}", bold=True)

    _para(doc, "审批签字 Sign-off", size=10, bold=True)
    stamps = doc.add_table(rows=3, cols=SIGNER_COUNT, style="Table Grid")
    for i in range(SIGNER_COUNT):
        _cell(stamps, 0, i, f"{{signer{i}_title}}\n{{signer{i}_title_en}}", bold=True)
        _cell(stamps, 1, i, f"签名 Name {{signer{i}_name}}")
        _cell(stamps, 2, i, f"日期 Date {{signer{i}_date}}")

    _para(doc, "供应商确认 Supplier confirmation", size=10, bold=True)
    _para(doc, "请确认交货日期并签字盖章后回传；定加工品以回传确认为准生效。 / Please confirm the delivery date, sign, "
               "stamp and return this order; custom-made goods are ordered only once it is returned.", size=7.5)
    confirm = doc.add_table(rows=2, cols=3, style="Table Grid")
    for i, text in enumerate(["确认交货日期\nConfirmed delivery date", "供应商签字（盖章）\nSignature (company stamp)",
                              "日期\nDate"]):
        _cell(confirm, 0, i, text, bold=True)
        confirm.rows[1].height = Mm(12)
    _para(doc, "本订单一式贰份，财务部、商务部各执一份。 / Made out in two copies: one for finance, one for the "
               "commerce department.", size=7.5)

    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("第 ")
    _field(footer, "PAGE")
    footer.add_run(" 页 / 共 ")
    _field(footer, "NUMPAGES")
    footer.add_run(" 页")
    doc.save(path)


def _replace(paragraph: Paragraph, values: dict[str, str]) -> None:
    for run in paragraph.runs:
        if "{" in run.text:
            run.text = PLACEHOLDER.sub(lambda m: values[m.group(1)], run.text)


def fill(template: Path, out: Path, values: dict[str, str], rows: list[list[str]]) -> None:
    """Fill the template the way an office script does: copy the line row per line, replace every placeholder."""
    doc = Document(template)
    lines = doc.tables[2]
    template_row = lines.rows[1]._tr
    for row in rows:
        new = copy.deepcopy(template_row)
        template_row.addprevious(new)
        row_values = dict(zip(["no", "item", "spec", "unit", "quantity", "unit_price", "line_total"], row, strict=True))
        for tc in new.iter(qn("w:p")):
            _replace(Paragraph(tc, lines), row_values)
    template_row.getparent().remove(template_row)
    for paragraph in doc.paragraphs:
        _replace(paragraph, values)
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    _replace(paragraph, values)
    doc.save(out)
