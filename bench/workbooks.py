"""The benchmark's workbooks: a workspace whose purchase-request workbook has many realistic rows, and the
"user" who then changes the quantity of CHANGED_ROWS of them with openpyxl.

Nothing here is timed; bench_pass.py times the calls it makes.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import python_calamine as pc
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from processors.clock import Clock
from processors.forms.definition import FormDef
from processors.init_workspace import init_workspace
from processors.workspace import Workspace

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 29, 10, 32, tzinfo=TZ)
FORM = "purchase_request"
SHEET = "采购申请"
BOOK = "采购申请.xlsx"
CHANGED_ROWS = 10

# -- realistic content -------------------------------------------------------------------------
# department -> (applicants who may sign, the department head in the bundled config.toml)
DEPARTMENTS = {
    "工程部": (["李强", "赵敏", "王芳"], "王芳"),
    "设计部": (["陈晨", "刘洋"], "刘洋"),
    "商务部": (["孙丽", "周刚"], "周刚"),
    "财务部": (["李强", "孙丽"], "何梅"),
}
PROJECTS = ["万达广场三期精装修", "滨江花园样板间", "城南商业综合体", "锦绣华庭售楼处", "高新区办公楼改造",
            "龙湖天街B座商铺", "市第一人民医院门诊楼", "金茂府会所", "地铁5号线站厅装饰", "江景酒店客房翻新",
            "科技园食堂改造", "国际学校图书馆"]
BUILDINGS = ["", "", "（1号楼）", "（2号楼）", "（裙楼）", "（地下一层）", "（首层大堂）"]
ITEMS = [
    ("石膏板", ["9.5mm 纸面", "12mm 防水", "15mm 防火"], "张"),
    ("轻钢龙骨", ["U50 × 0.6mm", "C75 × 0.8mm", "主龙骨 38 系列"], "米"),
    ("瓷砖", ["600×1200 哑光", "800×800 抛釉", "300×600 墙砖"], "平方米"),
    ("乳胶漆", ["立邦净味 18L 白色", "多乐士 5L 米黄"], "桶"),
    ("LED筒灯", ["3.5寸 7W 3000K", "4寸 9W 4000K 防眩"], "个"),
    ("木饰面板", ["黑胡桃 3mm", "白橡木 科技木 3mm"], "张"),
    ("不锈钢踢脚线", ["8cm 拉丝 玫瑰金", "6cm 镜面"], "米"),
    ("防水涂料", ["JS 聚合物 20kg", "聚氨酯 单组份 18kg"], "桶"),
    ("电线", ["BV 2.5mm² 100m", "BV 4mm² 100m"], "卷"),
    ("开关面板", ["86型 单开单控", "86型 五孔插座"], "个"),
    ("玻璃隔断", ["10mm 钢化 超白", "双层中空 5+9A+5"], "平方米"),
    ("铝扣板", ["300×300 0.6mm", "300×600 0.8mm"], "平方米"),
]
REMARKS = ["", "", "", "", "加急，请优先处理", "样板间先行施工", "供应商已询价三家", "与设计院确认过颜色",
           "分两批到货", "含运费及上楼费"]
ATTACHMENTS = ["定制尺寸，见图纸 A-12，需供应商现场复尺", "特殊颜色 RAL 7016，附色卡照片",
               "进口品牌，附参数表与报价单，交期 45 天", "异形加工，附 CAD 大样图"]
# Invalid rows (about 2 %): why each one is invalid, in turn. Two of them are about the quantity,
# so the edit can fix some rows by giving them a quantity.
INVALID_KINDS = ["qty_zero", "no_applicant", "bad_department", "qty_text", "nonstandard_no_attachment"]
INVALID_EVERY = 50


def make_row(rng: random.Random, index: int) -> tuple[dict[str, Any], str]:
    """One purchase request; returns (values by field name, invalid kind or '')."""
    dept = rng.choice(list(DEPARTMENTS))
    applicants, _head = DEPARTMENTS[dept]   # heads sign off later, by code
    item, specs, unit = rng.choice(ITEMS)
    nonstandard = rng.random() < 0.05
    row: dict[str, Any] = {
        "applicant": rng.choice(applicants), "department": dept,
        "project": rng.choice(PROJECTS) + rng.choice(BUILDINGS), "item": item, "spec": rng.choice(specs),
        "unit": unit, "quantity": rng.randint(1, 400) if rng.random() < 0.85 else round(rng.uniform(0.5, 80), 1),
        "unit_price": round(rng.uniform(2, 3000), 2),
        "needed_by": dt.date(2026, 12, 1) + dt.timedelta(days=rng.randint(0, 150)),
        "item_type": "非常规" if nonstandard else "常规", "attachment": rng.choice(ATTACHMENTS) if nonstandard else "",
        "remarks": rng.choice(REMARKS),
    }
    kind = ""
    if index % INVALID_EVERY == INVALID_EVERY // 3:
        kind = INVALID_KINDS[(index // INVALID_EVERY) % len(INVALID_KINDS)]
        if kind == "qty_zero":
            row["quantity"] = 0
        elif kind == "qty_text":
            row["quantity"] = rng.choice(["十个", "若干", "二十左右"])
        elif kind == "no_applicant":
            row["applicant"] = ""
        elif kind == "bad_department":
            row["department"] = "市场部"
        else:
            row["item_type"], row["attachment"] = "非常规", ""
    return row, kind


def author_workbook(path: Path, form: FormDef, rows: list[dict[str, Any]]) -> None:
    """A styled workbook like the one `sheetflow init` makes, with `rows` filled in (write-only mode)."""
    names = [f.name for f in form.fields] + [c.role for c in form.system]
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet(SHEET)
    for i, fdef in enumerate([*form.fields, *form.system], start=1):
        ws.column_dimensions[openpyxl.utils.get_column_letter(i)].width = fdef.width
    ws.freeze_panes = "B2"
    dv = DataValidation(type="list", formula1='"' + ",".join(DEPARTMENTS) + ',总经办"', allow_blank=True)
    dv.add(f"B2:B{len(rows) + 1}")
    ws.data_validations.append(dv)
    bold, user_fill, sys_fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7"), PatternFill(
        "solid", fgColor="A6A6A6")
    header = []
    for fdef in [*form.fields, *form.system]:
        cell = WriteOnlyCell(ws, value=fdef.header())
        cell.font, cell.fill = bold, (sys_fill if fdef in form.system else user_fill)
        if getattr(fdef, "required", False):
            cell.comment = Comment("必填 Required", "sheetflow")
        header.append(cell)
    ws.append(header)
    for row in rows:
        ws.append([None if row.get(n, "") == "" else row[n] for n in names])
    help_ws = wb.create_sheet("说明 Help")
    help_ws.append(["怎么填 How to fill", "每行一条。填写白色栏目后保存；几秒内右侧灰色栏目显示结果。"])
    help_ws.append(["编号 Numbers", "校验通过后系统写入编号（如 PR-2026-0001），连续不跳号。"])
    wb.save(path)


# -- the workspace -----------------------------------------------------------------------------
def open_workspace(root: Path) -> Workspace:
    """The workspace at `root`, its clock stopped at NOW."""
    return Workspace(root, clock=Clock(TZ, NOW))


def create_workspace(root: Path) -> Workspace:
    """A new workspace as `sheetflow init` makes it."""
    init_workspace(root)
    return open_workspace(root)


def column_numbers(form: FormDef) -> dict[str, int]:
    """1-based column of every field and system column of the form's sheet."""
    cols = {f.name: i for i, f in enumerate(form.fields, start=1)}
    cols.update({c.role: len(form.fields) + i for i, c in enumerate(form.system, start=1)})
    return cols


def make_rows(size: int) -> list[tuple[dict[str, Any], str]]:
    """`size` purchase requests, the same ones for the same size."""
    rng = random.Random(20261129 + size)
    return [make_row(rng, i) for i in range(size)]


# -- reading it back ---------------------------------------------------------------------------
def grid_of(path: Path) -> list[list[Any]]:
    wb = pc.CalamineWorkbook.from_path(str(path))
    try:
        return wb.get_sheet_by_name(SHEET).to_python(skip_empty_area=False)
    finally:
        wb.close()


def cell(grid: list[list[Any]], row: int, col: int) -> Any:
    cells = grid[row - 1] if row - 1 < len(grid) else []
    return cells[col - 1] if col - 1 < len(cells) else ""


# -- the user's edit ---------------------------------------------------------------------------
@dataclass
class UserEdit:
    """6 valid rows get a bad quantity, 4 rows invalid for their quantity get a good one."""

    invalidated: dict[int, Any]  # row -> bad quantity
    fixed: dict[int, Any]  # row -> good quantity
    valid_status: Any  # the status column's text for a valid row, and for an invalid one
    invalid_status: Any
    before: dict[int, tuple[Any, Any, Any]]  # row -> (key, status, message) before the edit


def plan_user_edit(book: Path, made: list[tuple[dict[str, Any], str]], cols: dict[str, int]) -> UserEdit:
    """Which rows the user changes, spread from the top to the bottom of the sheet, read from `book`."""
    grid = grid_of(book)
    key_col, status_col = cols["key"], cols["status"]
    valid_rows = [i + 2 for i, (_, k) in enumerate(made) if not k]
    fixable = [i + 2 for i, (_, k) in enumerate(made) if k in ("qty_zero", "qty_text")]
    assert len(fixable) >= 4, "need at least 4 rows invalid for their quantity (size >= 500)"
    spread = [valid_rows[int(f * (len(valid_rows) - 1))] for f in (0.0, 0.2, 0.45, 0.6, 0.8, 1.0)]
    fix = [fixable[int(f * (len(fixable) - 1))] for f in (0.1, 0.4, 0.7, 1.0)]
    edit = UserEdit(
        invalidated=dict(zip(spread, [0, -3, "十二", 0, "a few", 0], strict=True)),
        fixed={r: 25 for r in fix},
        valid_status=cell(grid, valid_rows[0], status_col),
        invalid_status=cell(grid, fix[0], status_col),
        before={r: (cell(grid, r, key_col), cell(grid, r, status_col), cell(grid, r, cols["message"]))
                for r in (*spread, *fix)},
    )
    assert edit.valid_status and edit.invalid_status and edit.valid_status != edit.invalid_status
    return edit


def save_user_edit(book: Path, dst: Path, edit: UserEdit, cols: dict[str, int]) -> None:
    """The edit made with openpyxl, as a person's spreadsheet program would; `book` itself is left alone."""
    wb = openpyxl.load_workbook(book)
    sh = wb[SHEET]
    for r, q in {**edit.invalidated, **edit.fixed}.items():
        sh.cell(row=r, column=cols["quantity"]).value = q
    wb.save(dst)
