"""A running watcher picks up an edited config.toml, and keeps the old one when the new one is wrong."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import BOOK, Book, good_row

from processors.init_workspace import init_workspace


@pytest.fixture
def watched(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    root = tmp_path / "w"
    init_workspace(root)
    config = root / "config.toml"
    config.write_text(config.read_text("utf-8").replace("tick_seconds = 30", "tick_seconds = 0.5")
                      .replace("debounce_seconds = 0.5", "debounce_seconds = 0.2"), "utf-8")
    log = tmp_path / "watch.log"
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "processors.cli", "watch", "-w", str(root)], stdout=out,
                                stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        _wait(lambda: "inotify" in log.read_text("utf-8"))
        yield root, log
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _wait(check, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:  # the file may be mid-write
            pass
        time.sleep(0.1)
    raise AssertionError("condition not reached")


def test_config_edit_is_picked_up_without_restart(watched: tuple[Path, Path]) -> None:
    root, log = watched
    book = Book(root / "sheets" / BOOK)
    book.put_rows([good_row(applicant="钱多多")])
    _wait(lambda: "不是登记的申请人" in book.cell(2, "message"))

    config = root / "config.toml"
    good = config.read_text("utf-8")
    config.write_text(good.replace('language = "zh"', 'language = "klingon"'), "utf-8")
    _wait(lambda: "继续使用原配置" in log.read_text("utf-8"))

    config.write_text(good + '\n[people.qian]\nname = "钱多多"\ndepartment = "工程部"\nroles = ["requester"]\n',
                      "utf-8")
    _wait(lambda: book.cell(2, "key") == "PR-2026-0001")
    assert "已重新加载" in log.read_text("utf-8")
