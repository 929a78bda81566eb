"""`watch` never dies of a pass: torn saves, passes that raise, a folder that goes away; and it still stops at once.

`processors.watch.watch` runs in a thread on a real workspace with a stop Event and small [watch] timings;
the test thread edits the real workbook and reads the watcher's log records. Every wait is on a condition,
bounded; the figures (saves, torn reads met, latencies) are printed (run with -s).
"""

from __future__ import annotations

import itertools
import logging
import os
import random
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from backends import GoogleSheet, make_google_workspace, paced_client
from conftest import BOOK, NOW, TZ, Book, good_row
from google_fake import FakeGoogle
from waiting import wait_for

from processors import faults
from processors.clock import Clock
from processors.watch import TICK_LOG, backoff_delay, watch
from processors.workspace import Workspace

WATCH = {"debounce_seconds": 0.05, "poll_interval_seconds": 0.5, "settle_seconds": 3, "tick_seconds": 1}
WAIT = 20.0
FAILED = "本次处理出错"          # zh.toml [robust_io] pass_failed
FAILED_AGAIN = "处理再次出错"     # zh.toml [robust_io] pass_failed_again
RECOVERED = "处理已恢复正常"      # zh.toml [robust_io] pass_recovered
RESTARTED = "已重新开始"          # zh.toml [robust_io] watch_restarted
STOPPED = "已停止"                # zh.toml [log] stopped



class Records(logging.Handler):
    """Every record the "sheetflow" logger gets, from whichever thread."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.kept = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        with self.kept:
            self.records.append(record)

    def all(self) -> list[logging.LogRecord]:
        with self.kept:
            return list(self.records)

    def messages(self, containing: str = "") -> list[str]:
        return [m for r in self.all() if containing in (m := r.getMessage())]

    def with_traceback(self) -> list[logging.LogRecord]:
        return [r for r in self.all() if r.exc_info]

    def text(self) -> str:
        formatter = logging.Formatter("%(threadName)s %(levelname)s %(message)s")
        return "\n".join(formatter.format(r) for r in self.all())


@pytest.fixture
def records() -> Iterator[Records]:
    logger = logging.getLogger("sheetflow")
    handler, level = Records(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def set_timings(root: Path, **values: float) -> None:
    path = root / "config.toml"
    text = path.read_text(encoding="utf-8")
    for key, value in values.items():
        text, n = re.subn(rf"(?m)^{key} = .*$", f"{key} = {value}", text)
        assert n == 1, key
    path.write_text(text, encoding="utf-8")


class Watching:
    """watch(ws, stop=...) in a thread that opens its own Workspace (a SQLite connection is its thread's)."""

    def __init__(self, root: Path, records: Records, setup: Callable[[Workspace], None] = lambda ws: None) -> None:
        self.root, self.records, self.setup = root, records, setup
        self.stop_event = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="watch", daemon=True)

    def _run(self) -> None:
        ws = Workspace(self.root, clock=Clock(TZ, NOW.replace(tzinfo=TZ)))
        try:
            self.setup(ws)
            watch(ws, stop=self.stop_event)
        except BaseException as exc:  # what would have ended `sheetflow watch`
            self.error = exc
        finally:
            ws.close()

    def start(self, first_pass: Callable[[], bool]) -> None:
        self.thread.start()
        assert wait_for(lambda: first_pass() or not self.alive) is not None, self.records.text()
        assert self.alive, f"{self.error!r}\n{self.records.text()}"

    @property
    def alive(self) -> bool:
        return self.thread.is_alive()

    def stop(self) -> float:
        """Seconds from the stop request until the thread has ended."""
        start = time.monotonic()
        self.stop_event.set()
        self.thread.join(timeout=10)
        return time.monotonic() - start

    def ticks(self) -> int:
        return len(self.records.messages(TICK_LOG))


@pytest.fixture
def watching(make_workspace: Callable[..., Workspace],
             records: Records) -> Iterator[Callable[..., tuple[Workspace, Book, Watching]]]:
    started: list[Watching] = []

    def start(**timings: float) -> tuple[Workspace, Book, Watching]:
        first = make_workspace()
        set_timings(first.root, **{**WATCH, **timings})
        ws = make_workspace()  # the same folder, opened again with the edited timings
        files = [ws.rel(p) for _, p in ws.form_files()]
        watcher = Watching(ws.root, records)
        started.append(watcher)
        watcher.start(lambda: all(any(m.startswith(f"{f}：") for m in records.messages()) for f in files))
        return ws, Book(ws.cfg.sheets_dir / BOOK), watcher

    yield start
    for watcher in started:
        watcher.stop()


def processed(book: Book, row: int = 2, item: str | None = None) -> Callable[[], bool]:
    def check() -> bool:
        ok = book.cell(row, "status") == "待部门负责人签批" and book.cell(row, "key") != ""
        return ok and (item is None or book.cell(row, "item") == item)

    return check


def drafts(book: Book, folder: Path, items: list[str]) -> list[bytes]:
    """The bytes a person's program would save, one version per item, made outside the watched folder."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i, item in enumerate(items):
        copy = Book(folder / f"v{i}.xlsx")
        shutil.copyfile(book.path, copy.path)
        copy.put_rows([good_row(item=item, quantity=i + 1), good_row(item=f"{item}配件", quantity=2 * i + 1)])
        out.append(copy.path.read_bytes())
    return out


def save_in_place(path: Path, data: bytes, rnd: random.Random, chunk: int = 2048) -> None:
    """Write the file the way a copy over a share does: same file, truncated, then written chunk by chunk."""
    with path.open("r+b") as fh:
        fh.truncate(0)
        for at in range(0, len(data), chunk):
            fh.write(data[at:at + chunk])
            fh.flush()
            time.sleep(rnd.uniform(0.001, 0.005))


# --- torn saves ------------------------------------------------------------------------------------------------------

SAVES = 150


def test_watch_outlives_a_storm_of_in_place_saves_and_processes_the_last(watching, records, tmp_path: Path) -> None:
    ws, book, watcher = watching()
    items = ["石膏板", "龙骨", "螺丝", "腻子", "涂料"]
    versions = drafts(book, tmp_path / "editor", items)
    rnd = random.Random(20261129)
    started = time.monotonic()

    def writer() -> None:
        for i in range(SAVES):
            if i:
                time.sleep(rnd.uniform(0.02, 0.3))  # the next save comes this much later (the stimulus, not a wait)
            save_in_place(book.path, versions[i % len(versions)], rnd)

    thread = threading.Thread(target=writer, name="writer")
    thread.start()
    thread.join(timeout=90)
    assert not thread.is_alive()
    storm = time.monotonic() - started
    assert watcher.alive, f"{watcher.error!r}\n{records.text()}"

    last = items[(SAVES - 1) % len(items)]
    latency = wait_for(lambda: processed(book, 2, last)() and processed(book, 3, f"{last}配件")())
    assert latency is not None, records.text()
    assert wait_for(lambda: ws.store.file_status(f"sheets/{BOOK}")[0]["state"] == "ok") is not None
    assert watcher.alive and watcher.error is None

    # a torn save is a retry, never a failed pass
    assert not records.messages(FAILED) and not records.messages(FAILED_AGAIN), records.text()
    assert not records.with_traceback(), records.text()
    retries = records.messages("(retrying)")
    in_patcher = [m for m in retries if re.search(r"\((xl/|docProps/|_rels/|\[Content_Types\])", m)]
    print(f"\n[storm] {SAVES} in-place saves in {storm:.1f} s; {len(retries)} torn reads retried "
          f"({len(in_patcher)} met by the patcher); last save processed {latency:.2f} s after it")
    assert watcher.stop() < 1.0


# --- passes that raise -----------------------------------------------------------------------------------------------


def boom() -> None:
    raise RuntimeError("injected fault after sync")  # (raised at pass_start: the pass as a whole fails)


def test_a_pass_that_raises_is_logged_and_the_next_save_is_processed(watching, records) -> None:
    _, book, watcher = watching()
    with faults.hooked("pass_start", boom):
        book.put_rows([good_row()])
        assert wait_for(lambda: records.messages(FAILED)) is not None, records.text()
    assert watcher.alive, f"{watcher.error!r}\n{records.text()}"
    [failed] = records.with_traceback()
    assert "RuntimeError: injected fault after sync" in failed.getMessage()
    assert "Traceback" in records.text() and "boom" in records.text()  # where, for whoever fixes it

    book.put_rows([good_row(), good_row(item="龙骨")])  # the next save
    assert wait_for(lambda: processed(book, 2)() and processed(book, 3, "龙骨")()) is not None, records.text()
    assert wait_for(lambda: records.messages(RECOVERED)) is not None  # said once the pass has returned
    assert len(records.with_traceback()) == 1
    assert watcher.alive


def test_a_pass_failing_again_and_again_backs_off_says_it_once_and_recovers(watching, records) -> None:
    _, book, watcher = watching()
    with faults.hooked("pass_start", boom, once=False):
        book.put_rows([good_row()])
        assert wait_for(lambda: len(records.messages("injected fault")) >= 3) is not None, records.text()
        failures = [r for r in records.all() if "injected fault" in r.getMessage()]
    assert watcher.alive, records.text()
    gaps = [b.created - a.created for a, b in itertools.pairwise(failures)][:2]
    print(f"\n[backoff] pauses between failed passes: {', '.join(f'{g:.2f} s' for g in gaps)}")
    # each gap is the pause plus the time the pass takes to reach the fault, so: at least the pause, and growing
    assert gaps[0] >= backoff_delay(1) - 0.05 and gaps[1] >= backoff_delay(2) - 0.05, gaps
    assert gaps[1] - gaps[0] >= (backoff_delay(2) - backoff_delay(1)) / 2, gaps
    assert len(records.with_traceback()) == 1, records.text()  # the traceback once ...
    again = records.messages(FAILED_AGAIN)
    assert len(again) >= 2 and "连续第 2 次" in again[0] and "\n" not in again[0]  # ... then one line each

    # the cause is gone: the workbook of the failed pass is tried again after the pause, without another save
    assert wait_for(processed(book), timeout=backoff_delay(3) + 10) is not None, records.text()
    assert wait_for(lambda: records.messages(RECOVERED)) is not None
    [recovered] = records.messages(RECOVERED)
    assert "此前连续出错" in recovered


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff_delay(n) for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]


def test_stop_is_at_once_even_during_a_backoff(watching, records) -> None:
    _, book, watcher = watching()
    with faults.hooked("pass_start", boom, once=False):
        book.put_rows([good_row()])
        assert wait_for(lambda: len(records.messages("injected fault")) >= 2) is not None, records.text()
        took = watcher.stop()  # now in a pause of backoff_delay(2) seconds
    print(f"\n[stop] during a {backoff_delay(2):g} s backoff: stopped in {took:.2f} s")
    assert not watcher.alive and took < backoff_delay(2) / 2
    assert records.messages(STOPPED)[-1:] == [STOPPED + "。"]


def test_keyboard_interrupt_in_a_pass_is_not_swallowed(watching, records) -> None:
    """Ctrl+C lands wherever the main thread is, often inside a pass: it must stop watch, not be logged."""
    _, book, watcher = watching()

    def interrupt() -> None:
        raise KeyboardInterrupt

    with faults.hooked("pass_start", interrupt):
        book.put_rows([good_row()])
        assert wait_for(lambda: not watcher.alive, timeout=10) is not None, records.text()
    assert watcher.error is None  # watch returned: `sheetflow watch` exits 0
    assert not records.messages(FAILED) and not records.with_traceback()
    assert records.messages(STOPPED)


# --- the watched folder goes away ------------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["replaced", "deleted"])
def test_a_folder_that_went_away_and_came_back_is_watched_again(watching, records, tmp_path: Path, how: str) -> None:
    """A share that dropped and came back, a folder restored from a copy: saves after it are still noticed."""
    ws, book, watcher = watching()
    sheets = ws.cfg.sheets_dir
    since = watcher.ticks()
    if how == "replaced":  # inotify would go on listening to the folder that was moved away
        away = sheets.with_name("sheets.away")
        os.rename(sheets, away)
        shutil.copytree(away, sheets)
    else:                  # watchdog's emitter ends with the folder
        kept = tmp_path / "kept"
        shutil.copytree(sheets, kept)
        shutil.rmtree(sheets)
        assert wait_for(lambda: watcher.ticks() >= since + 2) is not None  # a tick while it is gone
        shutil.copytree(kept, sheets)
    assert wait_for(lambda: records.messages(RESTARTED), timeout=5 * WATCH["tick_seconds"]) is not None, \
        records.text()
    book.put_rows([good_row()])
    assert wait_for(processed(book)) is not None, records.text()
    assert watcher.alive and not records.with_traceback()


# --- Google ----------------------------------------------------------------------------------------------------------


def test_google_watch_goes_on_after_a_pass_that_raises(tmp_path: Path, fake_google: FakeGoogle, records) -> None:
    ws, sid = make_google_workspace(tmp_path / "ws", fake_google, NOW,
                                    config_edit=lambda t: t.replace("backoff_seconds = 0.01",
                                                                    "backoff_seconds = 0.01\npoll_seconds = 0.05"))
    sheet = GoogleSheet(ws, fake_google, sid)
    root = ws.root
    ws.close()
    watcher = Watching(root, records, setup=lambda mine: mine.use_google_client(paced_client(fake_google)))
    try:
        with faults.hooked("pass_start", boom):
            sheet.put_rows([good_row()])
            watcher.start(lambda: bool(records.messages(FAILED)))
        [failed] = records.with_traceback()
        assert "injected fault" in failed.getMessage()
        assert wait_for(lambda: sheet.cell(2, "key") == "PR-2026-0001") is not None, records.text()
        assert sheet.cell(2, "status") == "待部门负责人签批"
        assert wait_for(lambda: records.messages(RECOVERED)) is not None
        assert watcher.alive
    finally:
        assert watcher.stop() < 5.0  # (a Drive poll may be under way; prompt stopping is shown on the local loop)
