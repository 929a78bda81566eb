"""The command line as cron and staff use it: exit codes, the status table, no tracebacks."""

from __future__ import annotations

from pathlib import Path

from conftest import BOOK, Book, good_row, run_cli


def _sample(tmp_path: Path, *extra: str) -> Path:
    root = tmp_path / "w"
    proc = run_cli("init", str(root), "--sample", *extra)
    assert proc.returncode == 0, proc.stderr
    return root


def test_run_then_status_shows_records_by_state(tmp_path: Path) -> None:
    root = _sample(tmp_path)
    proc = run_cli("run", "-w", str(root))
    assert proc.returncode == 0, proc.stderr
    assert "第 8 行 → PR-2026-0007（待部门负责人签批）" in proc.stdout   # rows 2–7: the order story's requests
    assert "14 行，8 行有变化；有效 4，无效 4" in proc.stdout
    status = run_cli("status", "-w", str(root)).stdout
    lines = status.splitlines()
    counts = {tuple(line.split()[-2:]) for line in lines if line.strip().endswith("4")}
    assert ("待部门负责人签批", "4") in counts
    assert ("无效（未编号）", "4") in counts
    assert any(line.startswith("PR-2026-0009") and "待部门负责人签批" in line for line in lines)
    assert "非常规物料须填写「附带文件说明」（R3）" in status
    assert "sheets/采购申请.xlsx" in status


def test_second_run_is_idle(tmp_path: Path) -> None:
    root = _sample(tmp_path)
    run_cli("run", "-w", str(root))
    before = (root / "sheets" / BOOK).stat().st_mtime_ns
    proc = run_cli("run", "-w", str(root))
    assert proc.returncode == 0
    assert proc.stdout == ""
    assert (root / "sheets" / BOOK).stat().st_mtime_ns == before


def test_english_workspace_speaks_english(tmp_path: Path) -> None:
    root = _sample(tmp_path, "--lang", "en")
    proc = run_cli("run", "-w", str(root))
    assert "row 8 → PR-2026-0007 (awaiting department head sign-off)" in proc.stdout
    status = run_cli("status", "-w", str(root)).stdout
    assert "== Records ==" in status and "invalid (no number)" in status


def test_bad_cell_values_never_crash_a_run(tmp_path: Path) -> None:
    root = _sample(tmp_path)
    book = Book(root / "sheets" / BOOK)
    weird = ["=1/0", "#DIV/0!", "tab\there", "😀", "1e400", "   ", "2026-02-29", "-0", "0x10", "∞"]
    book.put_rows([good_row(quantity=w, needed_by=w, applicant=w, unit_price=w) for w in weird], start=10)
    proc = run_cli("run", "-w", str(root))
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert all(book.cell(r, "status") == "无效" for r in range(10, 10 + len(weird)))


def test_unknown_command_and_missing_workspace(tmp_path: Path) -> None:
    assert run_cli("frobnicate").returncode == 2
    proc = run_cli("run", "-w", str(tmp_path / "nowhere"))
    assert proc.returncode == 2
    assert "config.toml" in proc.stderr and "Traceback" not in proc.stderr
