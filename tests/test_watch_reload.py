"""A running watcher picks up an edited config.toml, and keeps the old one when the new one is wrong.

The watcher is a real child process (with -v, so its log shows each pass over a file); every wait is on a
condition in that log or in the workbook, bounded.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import BOOK, Book, good_row

from processors.init_workspace import init_workspace
from processors.workspace import Workspace

KEPT = "继续使用原配置"        # zh.toml [log] config_rejected and [robust_io] reload_failed
RELOADED = "已重新加载"        # zh.toml [log] config_reloaded


@dataclass
class Watched:
    root: Path
    log_path: Path
    proc: subprocess.Popen[bytes]

    def log(self) -> str:
        return self.log_path.read_text("utf-8", errors="replace")

    def report(self) -> str:
        return f"--- watcher output ---\n{self.log()}"


@pytest.fixture
def watched(tmp_path: Path) -> Iterator[Watched]:
    root = tmp_path / "w"
    init_workspace(root)
    config = root / "config.toml"
    config.write_text(config.read_text("utf-8").replace("tick_seconds = 30", "tick_seconds = 0.5")
                      .replace("debounce_seconds = 0.5", "debounce_seconds = 0.2"), "utf-8")
    ws = Workspace(root)
    first_pass = [f"{ws.rel(path)}：" for _, path in ws.form_files()]  # -v logs each workbook of a pass
    ws.close()
    log = tmp_path / "watch.log"
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "processors.cli", "watch", "-v", "-w", str(root)],
                                stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    watched = Watched(root, log, proc)
    try:
        _wait(lambda: all(line in watched.log() for line in first_pass) or proc.poll() is not None)
        assert proc.poll() is None, watched.report()
        yield watched
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _wait(check: Callable[[], object], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached")


def test_config_edit_is_picked_up_without_restart(watched: Watched) -> None:
    book = Book(watched.root / "sheets" / BOOK)
    book.put_rows([good_row(applicant="钱多多")])
    _wait(lambda: "不是登记的申请人" in book.cell(2, "message"))

    config = watched.root / "config.toml"
    good = config.read_text("utf-8")
    config.write_text(good.replace('language = "zh"', 'language = "klingon"'), "utf-8")
    _wait(lambda: KEPT in watched.log())

    config.write_text(good + '\n[people.qian]\nname = "钱多多"\ndepartment = "工程部"\nroles = ["requester"]\n',
                      "utf-8")
    _wait(lambda: book.cell(2, "key") == "PR-2026-0001")
    assert RELOADED in watched.log()


def test_config_saved_in_another_encoding_keeps_the_old_one_and_watching_goes_on(watched: Watched) -> None:
    """Notepad on a Chinese Windows saves "ANSI" (GBK): the file is not even text to the TOML reader."""
    config = watched.root / "config.toml"
    good = config.read_text("utf-8")
    config.write_bytes(good.encode("gbk"))
    _wait(lambda: KEPT in watched.log() or watched.proc.poll() is not None)
    assert watched.proc.poll() is None, watched.report()

    book = Book(watched.root / "sheets" / BOOK)
    book.put_rows([good_row()])  # the old config goes on serving
    _wait(lambda: book.cell(2, "key") == "PR-2026-0001")
    assert watched.log().count(KEPT) == 1, watched.report()  # said once, not at every tick

    config.write_text(good + '\n[people.qian]\nname = "钱多多"\ndepartment = "工程部"\nroles = ["requester"]\n',
                      "utf-8")
    _wait(lambda: RELOADED in watched.log())
    assert watched.proc.poll() is None, watched.report()
