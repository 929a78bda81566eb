"""`sheetflow watch` as a real child process: saves, editor temp and lock files, bursts, half-written files.

Each test starts one watcher on one workspace (small [watch] timings), changes the
workbook the way an editor would, and polls the file, the log and `sheetflow status`
for the outcome within a bounded wait. Latencies from save to status are measured
and printed (run with -s); only a generous hang guard is asserted, never a deadline.
The watcher runs with -v, so its log shows each pass over a file and each tick: "nothing
happened" is checked once ticks have come and gone, never after a fixed sleep.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import pytest
from conftest import BOOK, NOW, Book, good_row, request_report, run_cli
from waiting import wait_for

from processors.forms.definition import load_forms
from processors.forms.rules import RULES
from processors.passes import run_pass
from processors.resources import bundled_dir
from processors.watch import TICK_LOG
from processors.workspace import Workspace

WATCH = {"debounce_seconds": 0.3, "poll_interval_seconds": 0.5, "settle_seconds": 3, "tick_seconds": 1}
MODES = [pytest.param(False, id="inotify"), pytest.param(True, id="poll")]
WAIT = 15.0          # bounded wait for any outcome
HANG_GUARD = 10.0    # a latency beyond this means the watcher missed the event, not that it was slow
REL = f"sheets/{BOOK}"
PASS_LINE = re.compile(re.escape(REL) + r"：\d+ 行，\d+ 行有变化")
CORRUPT = "文件已损坏或不完整"              # zh.toml [file] workbook_corrupt
NOT_XLSX = "不是 .xlsx 文件"                # zh.toml [file] workbook_not_xlsx
LO_LOCK = f".~lock.{BOOK}#"
EXCEL_LOCK = f"~${BOOK}"
LATENCIES: list[tuple[str, float]] = []


class Watcher:
    """`python -m processors.cli watch -w ROOT [--poll]`, its stdout and stderr in files."""

    def __init__(self, root: Path, poll: bool) -> None:
        self.root, self.poll = root, poll
        self.out_path, self.err_path = root / "watch.out", root / "watch.err"
        self.proc: subprocess.Popen[bytes] | None = None
        self._files: list[IO[bytes]] = []

    def start(self) -> None:
        env = {**os.environ, "SHEETFLOW_NOW": NOW.isoformat()}
        out, err = self.out_path.open("wb"), self.err_path.open("wb")
        self._files = [out, err]
        args = [sys.executable, "-m", "processors.cli", "watch", "-v", "-w", str(self.root)]
        self.proc = subprocess.Popen([*args, "--poll"] if self.poll else args, cwd=self.root, env=env,
                                     stdout=out, stderr=err)
        # the first pass has been over every form's workbook, so a save is not mixed up with it
        first_pass = [f"sheets/{file}：" for file in FORM_FILES]
        assert wait_for(lambda: all(f in self.log() for f in first_pass) or self.proc.poll() is not None) \
            is not None, self.report()
        assert self.proc.poll() is None, self.report()

    def stop(self) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        for fh in self._files:
            fh.close()
        return self.proc.returncode

    def log(self) -> str:
        return self.out_path.read_text(encoding="utf-8", errors="replace") if self.out_path.exists() else ""

    def errors(self) -> str:
        return self.err_path.read_text(encoding="utf-8", errors="replace") if self.err_path.exists() else ""

    def passes(self, since: int = 0) -> list[str]:
        return PASS_LINE.findall(self.log()[since:])

    def ticks(self, since: int = 0) -> int:
        return self.log()[since:].count(TICK_LOG)

    def await_ticks(self, count: int = 2) -> None:
        """Until `count` ticks have begun from now: every tick before the last, and its pass, has come and gone."""
        since = len(self.log())
        assert wait_for(lambda: self.ticks(since) >= count) is not None, self.report()

    def status(self) -> str:
        done = run_cli("status", "-w", str(self.root))
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def report(self) -> str:
        return f"--- watcher stdout ---\n{self.log()}\n--- watcher stderr ---\n{self.errors()}"

    def assert_clean(self) -> None:
        """Alive, and nothing in its output that looks like a crash."""
        assert self.proc is not None and self.proc.poll() is None, self.report()
        for text in (self.log(), self.errors()):
            assert "Traceback" not in text, self.report()
            assert "internal error" not in text, self.report()



def record_latency(name: str, seconds: float | None, watcher: Watcher) -> float:
    assert seconds is not None, f"{name}: no outcome within {WAIT} s\n{watcher.report()}"
    LATENCIES.append((name, seconds))
    print(f"\n[latency] {name}: {seconds:.2f} s (target: within 2 s)")
    assert seconds < HANG_GUARD, watcher.report()
    return seconds


@pytest.fixture(scope="module", autouse=True)
def latency_summary() -> Iterator[None]:
    yield
    if LATENCIES:
        print("\n[latency] save → status, this run:")
        for name, seconds in LATENCIES:
            print(f"[latency]   {seconds:5.2f} s  {name}")


def set_config(root: Path, **values: Any) -> None:
    """Rewrite `key = value` lines of config.toml (the [watch] knobs, a form's file pattern)."""
    path = root / "config.toml"
    text = path.read_text(encoding="utf-8")
    for key, value in values.items():
        literal = f'"{value}"' if isinstance(value, str) else str(value)
        text, n = re.subn(rf"(?m)^{key} = .*$", f"{key} = {literal}", text)
        assert n == 1, key
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def watched(make_workspace: Callable[..., Workspace]) -> Iterator[Callable[..., tuple[Book, Watcher]]]:
    """A workspace with small [watch] timings and one watcher on it, stopped at teardown whatever happens."""
    started: list[Watcher] = []

    def start(poll: bool = False, **config: Any) -> tuple[Book, Watcher]:
        ws = make_workspace()
        set_config(ws.root, **WATCH, **config)
        watcher = Watcher(ws.root, poll)
        started.append(watcher)
        watcher.start()
        return Book(ws.cfg.sheets_dir / BOOK), watcher

    yield start
    for watcher in started:
        watcher.stop()


def draft(book: Book, tmp: Path, rows: list[dict[str, Any]], name: str = "draft.xlsx") -> bytes:
    """The bytes an editor would save: a copy of the workbook, outside the watched folder, with these rows."""
    tmp.mkdir(parents=True, exist_ok=True)
    copy = Book(tmp / name)
    shutil.copyfile(book.path, copy.path)
    copy.put_rows(rows)
    return copy.path.read_bytes()


def processed(book: Book, row: int = 2) -> Callable[[], bool]:
    return lambda: book.cell(row, "status") == "待部门负责人签批" and book.cell(row, "key") != ""


def file_line(status: str, file: str = REL) -> tuple[str, str]:
    """(state, message) of one file in the files table of `sheetflow status`."""
    [line] = [line for line in files_section(status).splitlines() if line.startswith(file + " ")]
    cells = re.split(r" {2,}", line.strip(), maxsplit=2)
    return cells[1], cells[2] if len(cells) > 2 else ""


def files_section(status: str) -> str:
    return status.split("== 文件 ==", 1)[1].split("== 待写入 ==", 1)[0]


def pending_section(status: str) -> str:
    return status.split("== 待写入 ==", 1)[1]


# --- a save is noticed ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("poll", MODES)
def test_save_is_noticed_and_row_gets_number_and_status(watched, poll: bool) -> None:
    book, watcher = watched(poll)
    book.put_rows([good_row(), good_row(quantity=0)])  # the editor saves in place
    record_latency(f"save in place, {'poll' if poll else 'inotify'}", wait_for(processed(book)), watcher)
    assert wait_for(lambda: book.cell(3, "status") == "无效") is not None, watcher.report()
    assert book.system(2)["key"] == "PR-2026-0001"
    assert "「数量」" in book.cell(3, "message")
    assert book.cell(3, "key") == ""
    watcher.assert_clean()
    assert watcher.stop() == 0  # SIGTERM ends it cleanly
    assert "已停止" in watcher.log()


@pytest.mark.parametrize("poll", MODES)
@pytest.mark.parametrize("how", ["replace", "excel"])
def test_save_by_rename_is_processed(watched, tmp_path: Path, poll: bool, how: str) -> None:
    """Excel writes the new file under a temp name, moves the old one aside, renames the temp over the workbook."""
    book, watcher = watched(poll)
    data = draft(book, tmp_path / "editor", [good_row()])
    temp = book.path.with_name("3A5F1C20")           # Excel's temp name: 8 hex digits, no extension
    temp.write_bytes(data)
    if how == "excel":
        backup = book.path.with_name("9B2E4D71.tmp")
        os.rename(book.path, backup)
        os.rename(temp, book.path)
        backup.unlink()
    else:
        os.replace(temp, book.path)
    record_latency(f"save by rename ({how}), {'poll' if poll else 'inotify'}", wait_for(processed(book)), watcher)
    assert book.system(2)["key"] == "PR-2026-0001"
    status = watcher.status()
    assert "3A5F1C20" not in status and "9B2E4D71" not in status
    assert file_line(status) == ("正常", "")
    watcher.assert_clean()
    assert "文件不存在" not in watcher.log()  # the instant between the two renames is not reported


@pytest.mark.parametrize("poll", MODES)
def test_new_workbook_matching_the_glob_is_picked_up(watched, tmp_path: Path, poll: bool) -> None:
    """With `file = "采购申请*.xlsx"` a department's workbook saved into the folder later is watched too."""
    book, watcher = watched(poll, file="采购申请*.xlsx")
    data = draft(book, tmp_path / "editor", [good_row(applicant="陈晨", department="设计部", dept_head="刘洋")])
    other = Book(book.path.with_name("采购申请-设计部.xlsx"))
    temp = other.path.with_name("5C0FFEE1")
    temp.write_bytes(data)
    os.replace(temp, other.path)
    record_latency(f"new workbook in the glob, {'poll' if poll else 'inotify'}", wait_for(processed(other)), watcher)
    assert other.keys() == ["PR-2026-0001"]
    assert file_line(watcher.status(), "sheets/采购申请-设计部.xlsx") == ("正常", "")
    watcher.assert_clean()


# --- editor temp and lock files --------------------------------------------------------------------------------------

# every form's workbook is listed once; a wildcard never takes another form's own workbook
FORM_FILES = [f.file for f in load_forms([bundled_dir("forms")], set(RULES)).values()]
TEMP_FILES = {
    EXCEL_LOCK: b"\x04lead" + b" " * 50 + b"\x04\x00l\x00e\x00a\x00d\x00" + b" " * 101,  # Excel's 165-byte owner file
    LO_LOCK: f"lead,host,lead,29.11.2026 10:32,file:///{BOOK};".encode(),
    f".~{BOOK}": b"wps",                                   # WPS on Linux
    "foo.tmp": os.urandom(256),
    "ABCD1234": b"PK\x03\x04" + os.urandom(300),           # an editor's temp, half a zip
}


@pytest.mark.parametrize(("pattern", "poll"), [
    pytest.param(BOOK, False, id="one-file-inotify"),
    pytest.param("*.xlsx", False, id="glob-inotify"),   # the pattern itself matches ~$采购申请.xlsx
    pytest.param("*.xlsx", True, id="glob-poll"),
])
def test_temp_and_lock_files_are_ignored(watched, pattern: str, poll: bool) -> None:
    book, watcher = watched(poll, file=pattern)
    sheets = book.path.parent
    for name, data in TEMP_FILES.items():
        (sheets / name).write_bytes(data)
    watcher.await_ticks(3)  # > debounce + poll interval: whatever they could set off has run
    status = watcher.status()
    log = watcher.log()
    for name in TEMP_FILES:
        assert name not in log, watcher.report()
        assert name not in files_section(status), status
    listed = [line.split()[0] for line in files_section(status).splitlines() if line.startswith("sheets/")]
    assert sorted(listed) == sorted(f"sheets/{f}" for f in FORM_FILES) and file_line(status) == ("正常", ""), status
    assert "（无）" in pending_section(status)
    watcher.assert_clean()
    # they go again, and the workbook is processed as usual
    for name in TEMP_FILES:
        (sheets / name).unlink()
    book.put_rows([good_row()])
    record_latency(f"save after temp files, {pattern}, {'poll' if poll else 'inotify'}",
                   wait_for(processed(book)), watcher)
    assert file_line(watcher.status()) == ("正常", "")
    watcher.assert_clean()


@pytest.mark.parametrize("poll", MODES)
@pytest.mark.parametrize("lock", [LO_LOCK, EXCEL_LOCK])
def test_open_workbook_is_read_but_not_written_until_closed(watched, poll: bool, lock: str) -> None:
    book, watcher = watched(poll)
    lock_path = book.path.with_name(lock)
    lock_path.write_bytes(TEMP_FILES[lock])               # the person opens the workbook ...
    book.put_rows([good_row(), good_row(item="龙骨")])      # ... and saves, keeping it open
    saved = book.path.read_bytes()
    waiting = f"等待写入（{lock}）"                          # zh.toml [log] pending
    assert wait_for(lambda: waiting in watcher.log()) is not None, watcher.report()
    first = next(line for line in watcher.log().splitlines() if waiting in line)
    assert "2 行有变化；有效 2，无效 0，写入 0 格" in first, first  # read and validated, nothing written
    status = watcher.status()
    state, message = file_line(status)
    assert state != "正常" and "文件正在被编辑" in message and lock in message, status
    assert "2 行的结果待写入" in message, status
    assert f"文件被占用：{lock}" in pending_section(status), status
    assert REL in pending_section(status)
    watcher.await_ticks(2)                                 # a tick comes and goes; still nothing written
    assert book.path.read_bytes() == saved
    assert book.cell(2, "status") == "" and book.cell(3, "status") == ""
    watcher.assert_clean()
    lock_path.unlink()                                     # ... and closes it
    record_latency(f"after lock release ({lock}), {'poll' if poll else 'inotify'}",
                   wait_for(lambda: processed(book, 2)() and processed(book, 3)()), watcher)
    assert book.keys() == ["PR-2026-0001", "PR-2026-0002"]
    status = watcher.status()
    assert file_line(status) == ("正常", "") and "（无）" in pending_section(status), status
    watcher.assert_clean()


def test_log_counts_waiting_rows_in_the_unit_it_names(ws: Workspace, book: Book) -> None:
    """The pass line says "N 行等待写入" (rows); once the workbook is closed those rows are written.

    In-process (one pass with the lock, one without) to read the exact log lines; the watcher logs the same.
    """
    lines: list[str] = []

    class Lines(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    logger = logging.getLogger("sheetflow")
    handler, level = Lines(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        lock = book.path.with_name(LO_LOCK)
        lock.write_bytes(TEMP_FILES[LO_LOCK])
        book.put_rows([good_row(), good_row(item="龙骨")])
        run_pass(ws)
        lock.unlink()
        written = request_report(run_pass(ws)).written
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    [waiting] = [int(m.group(1)) for line in lines if (m := re.search(r"(\d+) 行等待写入", line))]
    assert waiting == 2
    assert written == 8  # two rows × key, status, message, updated
    assert book.keys() == ["PR-2026-0001", "PR-2026-0002"]


# --- bursts and half-written files -------------------------------------------------------------------------------


@pytest.mark.parametrize("poll", MODES)
def test_burst_of_saves_is_debounced_and_last_content_wins(watched, tmp_path: Path, poll: bool) -> None:
    book, watcher = watched(poll)
    versions = [draft(book, tmp_path / "editor", [good_row(item=f"物料{i}", quantity=i)], f"v{i}.xlsx")
                for i in range(1, 7)]
    since = len(watcher.log())
    for data in versions:                                  # six saves in place, 0.1 s apart
        book.path.write_bytes(data)
        time.sleep(0.1)                                    # (the pace of the saves, not a wait for an outcome)
    record_latency(f"last of a burst, {'poll' if poll else 'inotify'}",
                   wait_for(lambda: processed(book)() and book.cell(2, "item") == "物料6"), watcher)
    watcher.await_ticks(2)                                 # any pass still to come has come
    passes = watcher.passes(since)
    print(f"\n[debounce] {len(versions)} saves → {len(passes)} passes ({'poll' if poll else 'inotify'})")
    assert 1 <= len(passes) < len(versions), watcher.report()
    key = book.cell(2, "key")
    status = watcher.status()
    [line] = [line for line in status.splitlines() if line.startswith(key)]
    assert "待部门负责人签批" in line and "物料6" in line, status
    watcher.assert_clean()


@pytest.mark.parametrize("poll", MODES)
def test_half_written_file_is_retried_not_reported(watched, tmp_path: Path, poll: bool) -> None:
    book, watcher = watched(poll)
    data = draft(book, tmp_path / "editor", [good_row()])
    book.path.write_bytes(data[: len(data) // 2])          # the save is still in progress ...
    start = time.monotonic()
    met = re.compile(re.escape(REL) + r": .*\(retrying\)")  # -v: the pass that found it unreadable
    assert wait_for(lambda: met.search(watcher.log())) is not None, watcher.report()  # ... the watcher met it ...
    assert time.monotonic() - start < WATCH["settle_seconds"], "the test was too slow to finish the save in time"
    book.path.write_bytes(data)                            # ... and the save completes within settle_seconds
    record_latency(f"after a half-written file, {'poll' if poll else 'inotify'}", wait_for(processed(book)), watcher)
    watcher.await_ticks(2)                                 # no late report from a retry still scheduled
    assert CORRUPT not in watcher.log() and NOT_XLSX not in watcher.log(), watcher.report()
    status = watcher.status()
    assert file_line(status) == ("正常", ""), status
    assert CORRUPT not in status, status
    watcher.assert_clean()


def test_truncated_file_is_reported_once_and_watcher_goes_on(watched, tmp_path: Path) -> None:
    """Settling is the main loop's business, the same for both observers: inotify only, to keep the run short."""
    poll = False
    book, watcher = watched(poll)
    data = draft(book, tmp_path / "editor", [good_row()])
    book.path.write_bytes(data[: len(data) // 2])
    start = time.monotonic()
    assert wait_for(lambda: CORRUPT in watcher.log()) is not None, watcher.report()
    reported = time.monotonic() - start
    print(f"\n[settle] truncated file reported after {reported:.2f} s (settle_seconds {WATCH['settle_seconds']})")
    assert reported >= WATCH["settle_seconds"] - 0.5, "reported before it had time to settle"
    watcher.await_ticks(2)                                 # a tick goes by: still one line
    lines = [line for line in watcher.log().splitlines() if CORRUPT in line]
    assert len(lines) == 1, watcher.report()
    assert REL in lines[0]
    status = watcher.status()
    state, message = file_line(status)
    assert state != "正常" and message.startswith(CORRUPT), status
    watcher.assert_clean()
    # the person saves again, properly: the watcher is still there and processes it
    book.path.write_bytes(data)
    record_latency(f"good save after a reported problem, {'poll' if poll else 'inotify'}",
                   wait_for(processed(book)), watcher)
    assert book.system(2)["key"] == "PR-2026-0001"
    assert file_line(watcher.status()) == ("正常", "")
    watcher.assert_clean()


def test_a_pass_waiting_for_another_process_gives_up_at_once_when_watch_is_told_to_stop(ws: Workspace,
                                                                                      book: Book) -> None:
    """A `run` from cron holds the workspace; SIGTERM to `watch` sets its stop event: the pass waiting for the
    lock gives up at once (it would otherwise wait up to a minute) and does nothing, not even a half pass."""
    import fcntl
    import threading

    from processors.errors import PassCancelled
    from processors.filemodes import WORKSPACE_LOCK

    book.put_rows([good_row()])
    ws.stop = threading.Event()
    ws.stop.set()
    with open(ws.root / WORKSPACE_LOCK, "a") as other:     # another process's hold on the workspace
        fcntl.flock(other, fcntl.LOCK_EX)
        with pytest.raises(PassCancelled):
            run_pass(ws)
    assert book.cell(2, "key") in ("", None)
    ws.stop = None
    run_pass(ws)                                           # the next watch (or run) does the work
    assert book.cell(2, "key") == "PR-2026-0001"
