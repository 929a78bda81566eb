"""`sheetflow` gives the same exit code for the same error with and without -v; -v only adds a traceback (stderr).

The internal error is a real bug stand-in: an exception raised at the named fault point "pass_start" (outside
every per-row and per-book guard) of a real `sheetflow run` in a child process (the hook is set in that
process, then the console entry runs).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import NOW, Book, good_row, run_cli

from processors.workspace import Workspace

WITH_A_BUG = textwrap.dedent("""
    import sys
    from processors import cli, faults

    def bug():
        raise RuntimeError("injected bug after sync")

    with faults.hooked("pass_start", bug):
        sys.exit(cli.main(sys.argv[1:]))
""")


def run_with_a_bug(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SHEETFLOW_NOW": NOW.isoformat()}
    return subprocess.run([sys.executable, "-c", WITH_A_BUG, *args], env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize("verbose", [False, True], ids=["plain", "-v"])
def test_an_internal_error_exits_70_with_and_without_v(ws: Workspace, book: Book, verbose: bool) -> None:
    book.put_rows([good_row()])
    done = run_with_a_bug("run", "-w", str(ws.root), *(["-v"] if verbose else []))
    assert done.returncode == 70, done.stdout + done.stderr
    assert "内部错误 / internal error: RuntimeError: injected bug after sync" in done.stderr, done.stderr
    assert "Traceback" not in done.stdout  # the log stays clean; a traceback is for stderr only
    if verbose:
        assert "Traceback (most recent call last)" in done.stderr, done.stderr
        assert ", in bug" in done.stderr  # where it was raised
        assert "run with -v" not in done.stderr
    else:
        assert "Traceback" not in done.stderr, done.stderr
        assert "(run with -v for details)" in done.stderr


@pytest.mark.parametrize("verbose", [False, True], ids=["plain", "-v"])
def test_a_workspace_error_exits_2_with_and_without_v_and_never_shows_a_traceback(tmp_path: Path,
                                                                                  verbose: bool) -> None:
    done = run_cli("run", "-w", str(tmp_path / "nowhere"), *(["-v"] if verbose else []))
    assert done.returncode == 2, done.stdout + done.stderr
    assert "config.toml" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr
