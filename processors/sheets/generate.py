"""Author a new form workbook from its definition (openpyxl is fine for creating; never for write-back).

What staff get: the record's number, status and message first and frozen with
the header row (layout.py says why), bilingual headers with a note on each,
dropdowns for choice fields, date columns formatted as dates, one sans-serif
CJK face throughout and colours that keep their contrast (look.py), print
settings that keep every page legible, and a help sheet that prints on one page.
Text (headers, help, sample rows) goes in through cells.put_text: a string, never a formula.
"""

from __future__ import annotations

import datetime as dt
from copy import copy
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.pagebreak import Break

from ..config import Config
from ..forms.definition import FormDef
from ..forms.fields import choice_options
from ..i18n import Translator
from . import look
from .base import column_letter
from .cells import put_text
from .form_layout import (
    FONT_SIZE,
    MARGIN_SIDE_IN,
    MARGIN_TOP_IN,
    PRINT_SCALE,
    WRAPPED_ROLES,
    Column,
    column_breaks,
    frozen_columns,
    header_note,
    new_sheet_columns,
)
from .textfit import cjk_width, row_height, wrapped_lines

VALIDATION_ROWS = 2000
CJK = cjk_width(look.FONT_NAME)
_NUMBER_FORMATS = {"date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm", "money": "#,##0.00", "decimal": "0.###",
                   "integer": "0"}


def font(*, bold: bool = False, color: str = look.TEXT) -> Font:
    """The one face, with the hints a program needs to substitute a sans-serif CJK face for it."""
    return Font(name=look.FONT_NAME, size=FONT_SIZE, bold=bold, color=color, family=look.FONT_FAMILY,
                charset=look.FONT_CHARSET)


def fill(hex_rgb: str) -> PatternFill:
    return PatternFill("solid", fgColor=hex_rgb)


def create_form_workbook(path: Path, form: FormDef, cfg: Config, t: Translator,
                         rows: list[dict[str, Any]] | None = None) -> None:
    wb = Workbook()
    base = Font(name=look.FONT_NAME, size=FONT_SIZE, family=look.FONT_FAMILY, charset=look.FONT_CHARSET)
    wb._fonts = IndexedList([base])        # the default font: every cell nobody styled, and Excel's row height
    wb._named_styles["Normal"].font = base
    ws = wb.active
    ws.title = form.sheet
    columns = new_sheet_columns(form)
    fields = {f.name: f for f in form.fields}
    for col, column in enumerate(columns, start=1):
        if column.kind == "system":
            _system_column(ws, col, column, t)
        else:
            _field_column(ws, col, column, fields[column.name], cfg, t)
    frozen = frozen_columns([c.name for c in columns])
    if frozen:
        ws.cell(row=1, column=frozen + 1).border = Border(left=Side(style="medium", color=look.DIVIDER),
                                                          bottom=Side(style="thin", color=look.RULE))
    ws.freeze_panes = f"{column_letter(frozen + 1)}2"
    ws.row_dimensions[1].height = row_height(max(wrapped_lines(c.header, c.width, CJK) for c in columns), FONT_SIZE)
    _print_setup(ws, columns)
    positions = {c.name: i for i, c in enumerate(columns, start=1)}
    for r, values in enumerate(rows or [], start=2):
        for name, value in values.items():
            if name in positions and value is not None and value != "":
                put_text(typed_cell(ws, r, positions[name]), value)
    _help_sheet(wb, form)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def _header(ws: Any, col: int, column: Column, colour: str, text: str = look.TEXT) -> Any:
    cell = ws.cell(row=1, column=col)
    put_text(cell, column.header)
    cell.font, cell.fill = font(bold=True, color=text), fill(colour)
    cell.alignment = Alignment(wrap_text=True, vertical="center")
    cell.border = Border(bottom=Side(style="thin", color=look.RULE))
    ws.column_dimensions[column_letter(col)].width = column.width
    return cell


def _field_column(ws: Any, col: int, column: Column, fdef: Any, cfg: Config, t: Translator) -> None:
    """A staff column: its bilingual header with a note, its width, number format and dropdown."""
    signoff = column.kind == "signoff"
    cell = _header(ws, col, column, look.SIGN_HEADER if signoff else look.STAFF_HEADER)
    letter = column_letter(col)
    dim = ws.column_dimensions[letter]
    dim.font, dim.alignment = font(), Alignment(vertical="top")
    if signoff:
        dim.fill = fill(look.SIGN_FILL)
    if fdef.type in _NUMBER_FORMATS:
        dim.number_format = _NUMBER_FORMATS[fdef.type]
    note = header_note(fdef.required, fdef.help, t)
    if note:
        cell.comment = Comment(note, "sheetflow", width=260, height=110)
    if fdef.type == "choice":
        labels = [label for _, label in choice_options(fdef, cfg, t.language)]
        if labels:
            dv = DataValidation(type="list", formula1='"' + ",".join(labels) + '"', allow_blank=True,
                                errorStyle="warning", showErrorMessage=True,
                                error=t.pick({"zh": "请从列表中选择。", "en": "Pick a value from the list."}))
            dv.add(f"{letter}2:{letter}{VALIDATION_ROWS}")
            ws.add_data_validation(dv)


def _system_column(ws: Any, col: int, column: Column, t: Translator) -> None:
    """A column sheetflow writes: grey, with a note not to edit it; status and message wrap."""
    cell = _header(ws, col, column, look.SYSTEM_HEADER, look.SYSTEM_HEADER_TEXT)
    cell.comment = Comment(t.pick({"zh": "系统填写，请勿修改。", "en": "Written by sheetflow; do not edit."}),
                           "sheetflow", width=200, height=50)
    dim = ws.column_dimensions[column_letter(col)]
    dim.fill = fill(look.SYSTEM_FILL)
    dim.alignment = Alignment(wrap_text=column.name in WRAPPED_ROLES, vertical="top")
    dim.font = font(color=look.SYSTEM_TEXT)


def _print_setup(ws: Any, columns: list[Column]) -> None:
    """A4 landscape at a scale that keeps text at 8 pt or more, broken between columns (layout.column_breaks)."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.scale = PRINT_SCALE
    ws.page_setup.pageOrder = "overThenDown"
    ws.sheet_properties.pageSetUpPr.fitToPage = False
    ws.page_margins = PageMargins(left=MARGIN_SIDE_IN, right=MARGIN_SIDE_IN, top=MARGIN_TOP_IN,
                                  bottom=MARGIN_TOP_IN, header=0.2, footer=0.2)
    ws.print_title_rows = "1:1"
    ws.print_title_cols = "A:A"
    for after in column_breaks([c.width for c in columns]):
        ws.col_breaks.append(Break(id=after))
    ws.oddFooter.center.text = "&A  &P / &N"


HELP_WIDTHS = (18.0, 60.0)   # 78 digit widths: an A4 portrait page at 100 %


def _help_lines(form: FormDef) -> list[tuple[str, str]]:
    lines = [
        (f"{form.title['zh']} {form.title['en']}", ""),
        ("怎么填 How to fill",
         "每行一条。填写白色栏目后保存；几秒内左侧灰色的「状态」「系统说明」栏显示结果（它们和表头一起冻结，"
         "向右滚动也看得到）。灰色栏目由系统填写，请勿修改。\n"
         "One row each. Fill the white columns and save; within seconds the grey Status and Message columns on "
         "the left show the outcome (frozen with the header, so they stay in view). The grey columns belong to "
         "sheetflow: do not edit them."),
        ("无效 invalid", "「系统说明」写明哪一栏有什么问题、怎么改；改好后保存即重新校验。\n"
                        "The Message column names the field, the problem and what to do; fix and save to re-check."),
        ("编号 Numbers", "校验通过后系统写入编号（如 PR-2026-0001），连续不跳号。复制行时请清空编号。\n"
                        "A valid row gets a number (e.g. PR-2026-0001) from a gap-free series. "
                        "Clear it when copying a row."),
        ("排序与插入 Sorting", "可以插入、删除、排序行：系统按编号识别每一行，不按行号。\n"
                             "Insert, delete and sort rows freely: rows are known by number, not position."),
    ]
    for sdef in form.states.values():
        lines.append((f"{sdef.label.get('zh', '')} {sdef.label.get('en', '')}",
                      " / ".join(v for v in (sdef.next.get("zh"), sdef.next.get("en")) if v)))
    return lines


def _help_sheet(wb: Workbook, form: FormDef) -> None:
    """The help sheet, on one portrait page: rows as tall as their text (LibreOffice fits none by itself)."""
    ws = wb.create_sheet("说明 Help")
    for letter, width in zip("AB", HELP_WIDTHS, strict=True):
        ws.column_dimensions[letter].width = width
    for r, (a, b) in enumerate(_help_lines(form), start=1):
        put_text(ws.cell(row=r, column=1), a)
        put_text(ws.cell(row=r, column=2), b)
        ws.cell(row=r, column=1).font = font(bold=True)
        ws.cell(row=r, column=1).alignment = Alignment(wrap_text=True, vertical="top")
        ws.cell(row=r, column=2).font = font()
        ws.cell(row=r, column=2).alignment = Alignment(wrap_text=True, vertical="top")
        lines = max(wrapped_lines(a, HELP_WIDTHS[0], CJK), wrapped_lines(b, HELP_WIDTHS[1], CJK))
        ws.row_dimensions[r].height = row_height(lines, FONT_SIZE)
    ws.page_setup.orientation = "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True     # one page; the text stays 8 pt or more (tested)
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 1
    ws.page_margins = PageMargins(left=MARGIN_SIDE_IN, right=MARGIN_SIDE_IN, top=MARGIN_TOP_IN,
                                  bottom=MARGIN_TOP_IN, header=0.2, footer=0.2)


def typed_cell(sheet: Any, row: int, col: int) -> Any:
    """The cell a person types into: an empty cell of a styled column takes the column's look, as Excel and Calc
    give it (openpyxl alone would leave it unstyled, bottom-aligned next to the top-aligned message)."""
    cell = sheet.cell(row=row, column=col)
    if not cell.has_style:
        dim = next((d for d in sheet.column_dimensions.values()
                    if d.has_style and (d.min or 0) <= col <= (d.max or 0)), None)
        if dim is not None:
            cell._style = copy(dim._style)
    return cell


def resolve_sample_value(value: Any, today: dt.date) -> Any:
    """'+14d' ('-3d') in a sample means fourteen days from (three before) today, so the example never goes stale."""
    if isinstance(value, str) and value[:1] in "+-" and value.endswith("d") and value[1:-1].isdigit():
        days = int(value[1:-1])
        return today + dt.timedelta(days=days if value[0] == "+" else -days)
    return value
