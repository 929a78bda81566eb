"""`sheetflow watch`: process each save within seconds, and keep trying what had to wait.

Editors save in bursts (Excel writes a temp file and renames it over the
workbook; LibreOffice rewrites in place), so events per workbook are debounced.
A file that cannot be read yet is retried until it has stayed unreadable for
`settle_seconds`, and only then reported. A lock file going away, or the clock
tick, flushes writes that were waiting for the workbook to be closed. Between
ticks the loop also wakes, to the second, for the earliest moment a kind said
its timers have work (`next_due`: a customer order's 10 working minutes).

Nothing a pass does ends the watcher. A pass that raises (a bug of ours, the
workspace lock held too long by another process) is logged, with the traceback
the first time and one line on each repeat, and its workbooks are tried again
after a pause that doubles while it keeps failing, is capped, and is reset by
the next good pass. A file watch that stopped (the folder vanished for a while,
as a network share does) is started again on the next tick. Ctrl+C and SIGTERM
still stop it at once: KeyboardInterrupt is never caught by that net, and every
wait is on the stop event, in small steps.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
import time
import traceback
from collections.abc import Callable
from functools import partial
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from .errors import PassCancelled, SheetflowError
from .passes import PassReport, run_pass
from .sheets.locks import is_lock_or_temp, workbook_for_lock
from .watch_lock import watching
from .workspace import Workspace, rules_hash

log = logging.getLogger("sheetflow")
STEP = 0.1              # seconds: the longest the loop waits without looking at the stop event
BACKOFF_FIRST = 1.0     # seconds after the first failed pass; doubles with each failure in a row ...
BACKOFF_MAX = 60.0      # ... up to this
TICK_LOG = "tick: time-driven work, writes owed, config and file watch checked"


class _Events(FileSystemEventHandler):
    """Collects which workbooks changed; the main loop decides when to act."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.dirty: dict[Path, float] = {}
        self.lock_released = False

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory or event.event_type in ("opened", "closed_no_write"):
            return
        paths = [event.src_path]
        dest = getattr(event, "dest_path", "")
        if dest:
            paths.append(dest)
        for raw in paths:
            path = Path(raw if isinstance(raw, str) else raw.decode())
            name = path.name
            gone = event.event_type == "deleted" or (event.event_type == "moved" and raw == event.src_path)
            if workbook_for_lock(name) is not None and gone:
                with self.lock:
                    self.lock_released = True
                continue
            if is_lock_or_temp(name) or not name.lower().endswith(".xlsx"):
                continue
            with self.lock:
                self.dirty[path] = time.monotonic()

    def take_due(self, debounce: float) -> tuple[set[Path], bool]:
        now = time.monotonic()
        with self.lock:
            due = {p for p, at in self.dirty.items() if now - at >= debounce}
            for p in due:
                del self.dirty[p]
            released, self.lock_released = self.lock_released, False
        return due, released


def timer_due(ws: Workspace, woken_for: dt.datetime | None) -> bool:
    """A kind's timer moment has come that no pass has run for yet (each moment wakes the watcher once)."""
    due = ws.next_due
    return due is not None and due != woken_for and ws.clock.now() >= due


def seconds_to_due(ws: Workspace) -> float | None:
    due = ws.next_due
    return None if due is None else max((due - ws.clock.now()).total_seconds(), 0.0)


def backoff_delay(failures: int, first: float = BACKOFF_FIRST, cap: float = BACKOFF_MAX) -> float:
    """The pause after the n-th failed pass in a row: short for a blip, never long enough to look dead."""
    return min(first * 2 ** max(failures - 1, 0), cap)


def wait_unless_stopped(stop: threading.Event, seconds: float) -> None:
    """Sleep up to `seconds`, returning as soon as `stop` is set; small steps keep Ctrl+C prompt everywhere."""
    end = time.monotonic() + seconds
    while not stop.is_set():
        left = end - time.monotonic()
        if left <= 0:
            return
        stop.wait(min(STEP, left))


def _one_line(exc: BaseException) -> str:
    said = str(exc).strip()
    text = said if isinstance(exc, SheetflowError) else f"{type(exc).__name__}: {said}" if said else ""
    first = text.splitlines()[0] if text else type(exc).__name__
    return first if len(first) <= 300 else first[:297] + "..."


def _signature(exc: BaseException) -> tuple[str, ...]:
    """What makes a failure "the same as last time": our errors by message, a bug by where it was raised."""
    if isinstance(exc, SheetflowError):
        return (type(exc).__qualname__, str(exc))
    frames = traceback.extract_tb(exc.__traceback__)
    where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else ""
    return (type(exc).__qualname__, where)


class PassGuard:
    """Runs the watcher's passes so that none can end it, and says when to try again after one failed."""

    def __init__(self, first: float = BACKOFF_FIRST, cap: float = BACKOFF_MAX) -> None:
        self.first, self.cap = first, cap
        self.failures = 0
        self.resume_at = 0.0
        self._last: tuple[str, ...] | None = None

    def ready(self) -> bool:
        return time.monotonic() >= self.resume_at

    def remaining(self) -> float:
        return max(self.resume_at - time.monotonic(), 0.0)

    def run(self, ws: Workspace, work: Callable[[], object]) -> bool:
        """True when `work` completed. KeyboardInterrupt (and SystemExit) pass through untouched."""
        try:
            work()
        except PassCancelled:     # stopping while another process held the workspace: nothing to report
            return False
        except Exception as exc:  # the net under every pass: a bug of ours must not end the watcher
            self._failed(ws, exc)
            return False
        if self.failures:
            log.info(ws.t("robust_io.pass_recovered", count=self.failures))
        self.failures, self.resume_at, self._last = 0, 0.0, None
        return True

    def _failed(self, ws: Workspace, exc: Exception) -> None:
        self.failures += 1
        delay = backoff_delay(self.failures, self.first, self.cap)
        self.resume_at = time.monotonic() + delay
        signature, error, seconds = _signature(exc), _one_line(exc), f"{delay:g}"
        if signature == self._last:
            log.error(ws.t("robust_io.pass_failed_again", count=self.failures, seconds=seconds, error=error))
        elif isinstance(exc, SheetflowError):  # meant, and says what to do: no traceback
            log.error(ws.t("robust_io.pass_refused", seconds=seconds, error=error))
        else:
            log.error(ws.t("robust_io.pass_failed", seconds=seconds, error=error), exc_info=exc)
        self._last = signature


class _Reloader:
    """Picks up an edited config.toml or form without a restart; keeps the old one while the new one is wrong."""

    def __init__(self) -> None:
        self.rejected: str | None = None  # the rules hash last refused: said once, not every tick

    def check(self, ws: Workspace) -> Workspace | None:
        try:
            current = rules_hash(ws.cfg)
        except Exception as exc:  # (unreadable files are hashed as such; this would be a bug): try next tick
            log.debug("config change check failed: %s", _one_line(exc))
            return None
        if current in (ws.rules_hash, self.rejected):
            return None
        try:
            fresh = Workspace(ws.root, clock=ws.clock)
        except SheetflowError as exc:
            log.error(ws.t("log.config_rejected", error=exc))
            self.rejected = current
            return None
        except Exception as exc:  # a bug of ours while loading: keep going on the old config, traceback once
            log.error(ws.t("robust_io.reload_failed", error=_one_line(exc)), exc_info=exc)
            self.rejected = current
            return None
        self.rejected = None
        log.info(fresh.t("log.config_reloaded"))
        return fresh


def watch(ws: Workspace, *, poll: bool = False, stop: threading.Event | None = None) -> None:
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with watching(ws.root, stop):
        if ws.cfg.backend == "google":
            _watch_google(ws, stop)
            return
        _LocalWatch(ws, poll, stop).run()


class _LocalWatch:
    """The local backend's loop: file events debounced, half-written files retried, ticks, all through a guard."""

    def __init__(self, ws: Workspace, poll: bool, stop: threading.Event) -> None:
        self.ws = self.original = ws
        self.poll, self.stop = poll, stop
        ws.stop = stop
        self.settings = ws.cfg.watch  # new timings apply on reload; a moved sheets_dir needs a restart
        self.folder = ws.cfg.sheets_dir
        self.events = _Events()
        self.observer: BaseObserver | None = None
        self.watched: tuple[int, int] | None = None  # (device, inode) of the folder the observer listens to
        self.observe_problem = ""
        self.retry: dict[Path, tuple[float, float]] = {}  # path -> (first failure, next attempt)
        self.guard = PassGuard()
        self.reloader = _Reloader()
        self.owed: set[Path] = set()   # workbooks of a pass that failed, tried again after the pause
        self.owed_all = True           # every workbook: the first pass, after a reload or a restarted watch
        self.owed_tick = False
        self.next_tick = 0.0
        self.woken_for: dt.datetime | None = None   # the timer moment already woken for: once, not every step

    def run(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._observe()
        mode = "polling" if self.poll else "inotify"
        log.info(self.ws.t("log.watching", path=self.folder, mode=mode))
        try:
            self.next_tick = time.monotonic() + self.settings.tick_seconds
            while not self.stop.is_set():
                self._step()
                self.stop.wait(STEP)
        except KeyboardInterrupt:
            pass
        finally:
            self._unobserve()
            log.info(self.ws.t("log.stopped"))
            if self.ws is not self.original:
                self.ws.close()

    def _step(self) -> None:
        now = time.monotonic()
        if now >= self.next_tick:
            self.next_tick = now + self.settings.tick_seconds
            self._tick()
        elif timer_due(self.ws, self.woken_for):   # a deadline between ticks (C1's minutes), to the second
            self.woken_for = self.ws.next_due
            self.owed_tick = True
        if not self.guard.ready():  # events keep collecting meanwhile
            return
        due, released = self.events.take_due(self.settings.debounce_seconds)
        due |= {p for p, (_, at) in self.retry.items() if at <= now and p not in self.events.dirty}
        if self.owed_all:
            self._pass(None)
        elif due or self.owed:
            self._pass(due | self.owed)
        elif released or self.owed_tick:
            self._pass(set())

    def _tick(self) -> None:
        """Time-driven work is owed; an edited config is picked up; a file watch that stopped is started again."""
        log.debug(TICK_LOG)  # with -v: tests (and people) can tell that a tick came and went
        self.owed_tick = True
        reloaded = self.reloader.check(self.ws)
        if reloaded is not None:
            if self.ws is not self.original:
                self.ws.close()
            self.ws, self.settings = reloaded, reloaded.cfg.watch
            reloaded.stop = self.stop
            self.owed_all = True
        if not self._observing():
            self._unobserve()
            if self._observe():
                log.warning(self.ws.t("robust_io.watch_restarted", path=self.folder))
                self.owed_all = True  # saves made while nobody listened

    def _pass(self, paths: set[Path] | None) -> None:
        def work() -> None:
            self._handle(run_pass(self.ws, paths, final=False))

        if self.guard.run(self.ws, work):
            self.owed, self.owed_all, self.owed_tick = set(), False, False
        elif paths is not None:
            self.owed |= paths

    def _handle(self, report: PassReport) -> None:
        """Schedule transient failures for another try; give up (and report) once they have settled."""
        settle = self.settings.settle_seconds
        now = time.monotonic()
        for file in report.files:
            if file.skipped or file.path is None:
                continue
            path = file.path
            if not file.transient:
                self.retry.pop(path, None)
                continue
            first, _ = self.retry.get(path, (now, now))
            if now - first >= settle:
                self.retry.pop(path, None)
                run_pass(self.ws, {path}, final=True)
            else:
                self.retry[path] = (first, now + min(1.0 + (now - first) / 2, 3.0))

    def _observe(self) -> bool:
        """Start watching the folder; a folder not there yet (a share still reconnecting) is tried next tick."""
        observer = PollingObserver(timeout=self.settings.poll_interval_seconds) if self.poll else Observer()
        try:
            if not self.folder.is_dir():  # the polling emitter would start, then stop at once
                raise FileNotFoundError(f"no folder {self.folder}")
            observer.schedule(self.events, str(self.folder), recursive=False)
            observer.start()
        except OSError as exc:
            problem = _one_line(exc)
            if problem != self.observe_problem:
                log.error(self.ws.t("robust_io.watch_failed", path=self.folder, error=problem))
            self.observe_problem = problem
            return False
        self.observer, self.watched, self.observe_problem = observer, _folder_id(self.folder), ""
        return True

    def _observing(self) -> bool:
        """False once watchdog no longer hears this folder.

        Its emitter ends when the folder is deleted or unmounted; after the folder was moved away and another
        put in its place (a share remounted, a folder restored), inotify goes on listening to the old one.
        """
        observer = self.observer
        if observer is None or not observer.is_alive() or not all(e.is_alive() for e in observer.emitters):
            return False
        return _folder_id(self.folder) == self.watched

    def _unobserve(self) -> None:
        if self.observer is not None:
            self.observer.stop()
            if self.observer.is_alive():
                self.observer.join(timeout=5)
            self.observer = None


def _folder_id(folder: Path) -> tuple[int, int] | None:
    try:
        st = folder.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def _watch_google(ws: Workspace, stop: threading.Event) -> None:
    """No file events from Google: ask Drive every poll_seconds (one cheap call per spreadsheet when idle).

    A pass that could not reach Google is simply the next poll's work; the
    timers (reminders, writes owed) ride on the same polls. A pass that raised
    waits at least its backoff before the next.
    """
    original = ws
    ws.stop = stop
    guard, reloader = PassGuard(), _Reloader()
    log.info(ws.t("log.watching", path=", ".join(f"google:{sid}" for sid in ws.google_tabs()),
                  mode=f"Drive, {ws.cfg.google.poll_seconds:g} s"))
    try:
        while not stop.is_set():
            guard.run(ws, partial(run_pass, ws, final=True))
            wait = ws.cfg.google.poll_seconds
            due = seconds_to_due(ws)
            if due is not None:   # a deadline before the next poll: wake for it (C1's minutes), at least 1 s on
                wait = min(wait, max(due, 1.0))
            wait_unless_stopped(stop, max(wait, guard.remaining()))
            reloaded = reloader.check(ws)
            if reloaded is not None:
                reloaded.use_google_client(_client_to_keep(ws, reloaded))
                reloaded.stop = stop
                if ws is not original:
                    ws.close()
                ws = reloaded
    except KeyboardInterrupt:
        pass
    finally:
        log.info(ws.t("log.stopped"))
        if ws is not original:
            ws.close()


def _client_to_keep(old: Workspace, new: Workspace) -> object:
    """The open client carries the pacing window; keep it unless the [google] settings changed."""
    if new.cfg.google != old.cfg.google:
        return None
    try:
        return old.google_client()
    except Exception:  # never opened (bad credentials then): the new workspace opens its own, in a guarded pass
        return None
