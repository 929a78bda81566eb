"""`sheetflow init`: the workspace layout and a workbook staff can fill without training."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from conftest import BOOK, SHEET, Book, run_cli

from processors.init_workspace import init_workspace
from processors.passes import run_pass
from processors.workspace import Workspace


def test_init_lays_out_the_workspace(tmp_path: Path) -> None:
    root = tmp_path / "dept"
    proc = run_cli("init", str(root))
    assert proc.returncode == 0, proc.stderr
    for part in ("config.toml", "sheets", "output", "outbox", f"sheets/{BOOK}"):
        assert (root / part).exists(), part


def test_generated_workbook_is_ready_to_fill(tmp_path: Path) -> None:
    init_workspace(tmp_path / "w")
    wb = openpyxl.load_workbook(tmp_path / "w" / "sheets" / BOOK)
    sheet = wb[SHEET]
    headers = [c.value for c in sheet[1]]
    assert headers[:4] == ["申请编号 Request No.", "状态 Status", "系统说明 Message", "申请人 Applicant"]
    assert headers[-1] == "更新时间 Updated"
    notes = {c.value: c.comment.text for c in sheet[1] if c.comment}
    assert "必填 Required" in notes["申请人 Applicant"]
    assert "同意 验证码" in notes["部门负责人签批 Dept. head sign-off"]               # how to sign, where one signs
    assert "必填" not in notes.get("备注 Remarks", "")
    assert "请勿修改" in notes["状态 Status"]
    lists = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in sheet.data_validations.dataValidation}
    assert lists["E2"] == '"工程部,设计部,商务部,财务部,生产部,总经办"'
    assert lists["M2"] == '"常规,非常规"'
    assert sheet.freeze_panes == "D2"                                          # number, status, message in view
    assert sheet.column_dimensions["B"].fill.fgColor.rgb.endswith("E7E6E6")    # system columns set apart
    assert sheet.column_dimensions["P"].fill.fgColor.rgb.endswith("FFF2CC")    # sign-off columns too
    assert sheet.column_dimensions["D"].fill.fgColor.rgb in (None, "00000000")
    assert sheet.column_dimensions["L"].number_format == "yyyy-mm-dd"
    assert "说明 Help" in wb.sheetnames


def test_english_workspace_dropdowns(tmp_path: Path) -> None:
    init_workspace(tmp_path / "w", language="en")
    assert 'language = "en"' in (tmp_path / "w" / "config.toml").read_text("utf-8")
    sheet = openpyxl.load_workbook(tmp_path / "w" / "sheets" / BOOK)[SHEET]
    assert '"standard,non-standard"' in [dv.formula1 for dv in sheet.data_validations.dataValidation]


def test_sample_has_valid_and_invalid_rows_after_the_story(make_workspace) -> None:
    ws = make_workspace(sample=True)
    book = Book(ws.cfg.sheets_dir / BOOK)
    assert [book.cell(r, "status") for r in range(2, 8)] == ["已批准"] * 6      # the order story's requests
    run_pass(ws)
    statuses = [book.cell(r, "status") for r in range(8, 16)]                   # yours, for the first pass
    assert statuses.count("待部门负责人签批") == 4
    assert statuses.count("无效") == 4


def test_init_is_idempotent_and_keeps_user_files(tmp_path: Path) -> None:
    root = tmp_path / "w"
    init_workspace(root, sample=True)
    book = Book(root / "sheets" / BOOK)
    book.set(2, "project", "我的项目")
    (root / "config.toml").write_text((root / "config.toml").read_text("utf-8") + "\n# mine\n", "utf-8")
    assert init_workspace(root, sample=True) == []
    assert book.cell(2, "project") == "我的项目"
    assert (root / "config.toml").read_text("utf-8").endswith("# mine\n")


def test_missing_workbook_is_reported_with_what_to_do(ws: Workspace) -> None:
    (ws.cfg.sheets_dir / BOOK).unlink()
    report = run_pass(ws)
    [missing] = [f for f in report.files if f.problem is not None]
    assert missing.path is not None and missing.path.name == BOOK
    assert "sheetflow init" in ws.store.file_status(ws.rel(missing.path))[0]["message"]
