"""Author a new form workbook from its definition (openpyxl is fine for creating; never for write-back).

What staff get: bilingual headers, a note on every required header, dropdowns for
choice fields, date columns formatted as dates, the system columns on the right
in grey with a note not to edit them, the header row frozen, and a help sheet.
Text (headers, help, sample rows) goes in through cells.put_text: a string, never a formula.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.datavalidation import DataValidation

from ..config import Config
from ..forms.definition import FormDef
from ..forms.fields import choice_options
from ..i18n import Translator
from .base import column_letter
from .cells import put_text

USER_FILL = PatternFill("solid", fgColor="DDEBF7")
SYSTEM_FILL = PatternFill("solid", fgColor="E7E6E6")
SIGN_FILL = PatternFill("solid", fgColor="FFF2CC")      # sign-off columns: typed into, then stamped
SYSTEM_HEADER_FILL = PatternFill("solid", fgColor="A6A6A6")
VALIDATION_ROWS = 2000
_NUMBER_FORMATS = {"date": "yyyy-mm-dd", "money": "#,##0.00", "decimal": "0.###", "integer": "0"}


def create_form_workbook(path: Path, form: FormDef, cfg: Config, t: Translator,
                         rows: list[dict[str, Any]] | None = None) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = form.sheet
    col = 0
    for fdef in form.fields:
        col += 1
        _field_header(ws, col, fdef, cfg, t)
    first_system = col + 1
    for sys_col in form.system:
        col += 1
        _system_header(ws, col, sys_col, t)
    thick = Side(style="medium", color="404040")
    ws.cell(row=1, column=first_system).border = Border(left=thick)
    ws.freeze_panes = "B2"
    ws.page_setup.orientation = "landscape"     # printed for sign-off meetings: one page wide
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.print_title_rows = "1:1"
    ws.row_dimensions[1].height = 46  # three lines: "预估单价 / Est. unit / price"
    for r, values in enumerate(rows or [], start=2):
        for c, fdef in enumerate(form.fields, start=1):
            value = values.get(fdef.name)
            if value is not None and value != "":
                put_text(ws.cell(row=r, column=c), value)
    _help_sheet(wb, form, t)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def _field_header(ws: Any, col: int, fdef: Any, cfg: Config, t: Translator) -> None:
    """A staff column: its bilingual header with a note, its width, number format and dropdown."""
    cell = ws.cell(row=1, column=col)
    put_text(cell, fdef.header())
    cell.font, cell.fill = Font(bold=True), USER_FILL
    cell.alignment = Alignment(wrap_text=True, vertical="center")
    cell.border = Border(bottom=Side(style="thin", color="808080"))
    letter = column_letter(col)
    ws.column_dimensions[letter].width = _fit(fdef.width, fdef.label)
    if fdef.type == "signoff":
        ws.column_dimensions[letter].fill = SIGN_FILL
        cell.fill = PatternFill("solid", fgColor="FFD966")
    if fdef.type in _NUMBER_FORMATS:
        ws.column_dimensions[letter].number_format = _NUMBER_FORMATS[fdef.type]
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


def _system_header(ws: Any, col: int, sys_col: Any, t: Translator) -> None:
    """A column sheetflow writes: grey, with a note not to edit it."""
    cell = ws.cell(row=1, column=col)
    put_text(cell, sys_col.header())
    cell.font, cell.fill = Font(bold=True, color="FFFFFF"), SYSTEM_HEADER_FILL
    cell.alignment = Alignment(wrap_text=True, vertical="center")
    cell.comment = Comment(t.pick({"zh": "系统填写，请勿修改。", "en": "Written by sheetflow; do not edit."}),
                           "sheetflow", width=200, height=50)
    dim = ws.column_dimensions[column_letter(col)]
    dim.width = _fit(sys_col.width, sys_col.label)
    dim.fill = SYSTEM_FILL
    dim.alignment = Alignment(wrap_text=sys_col.role == "message", vertical="top")
    dim.font = Font(color="404040")


def _fit(width: float, label: dict[str, str]) -> float:
    """Wide enough that the header wraps into its Chinese and English words, never inside one."""
    words = [label.get("zh", ""), *label.get("en", "").split()]
    longest = max(sum(2 if ord(ch) > 0x2E7F else 1 for ch in w) for w in words)
    return max(width, longest + 2)


def header_note(required: bool, help_text: dict[str, str], t: Translator) -> str:
    parts = []
    if required:
        parts.append("必填 Required")
    if help_text:
        parts.append(" / ".join(v for v in (help_text.get("zh"), help_text.get("en")) if v))
    return "\n".join(parts)


def _help_sheet(wb: Workbook, form: FormDef, t: Translator) -> None:
    ws = wb.create_sheet("说明 Help")
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 90
    lines = [
        (f"{form.title['zh']} {form.title['en']}", ""),
        ("怎么填 How to fill",
         "每行一条。填写白色栏目后保存；几秒内右侧灰色栏目显示结果。灰色栏目由系统填写，请勿修改。\n"
         "One row each. Fill the white columns and save; within seconds the grey columns show the outcome. "
         "The grey columns belong to sheetflow: do not edit them."),
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
    for r, (a, b) in enumerate(lines, start=1):
        put_text(ws.cell(row=r, column=1), a)
        put_text(ws.cell(row=r, column=2), b)
        ws.cell(row=r, column=1).font = Font(bold=True)
        ws.cell(row=r, column=2).alignment = Alignment(wrap_text=True, vertical="top")


def resolve_sample_value(value: Any, today: dt.date) -> Any:
    """'+14d' ('-3d') in a sample means fourteen days from (three before) today, so the example never goes stale."""
    if isinstance(value, str) and value[:1] in "+-" and value.endswith("d") and value[1:-1].isdigit():
        days = int(value[1:-1])
        return today + dt.timedelta(days=days if value[0] == "+" else -days)
    return value
