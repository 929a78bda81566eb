"""`sheetflow watch`: process each save within seconds, and keep trying what had to wait.

Editors save in bursts (Excel writes a temp file and renames it over the
workbook; LibreOffice rewrites in place), so events per workbook are debounced.
A file that cannot be read yet is retried until it has stayed unreadable for
`settle_seconds`, and only then reported. A lock file going away, or the clock
tick, flushes writes that were waiting for the workbook to be closed.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from .errors import SheetflowError
from .passes import run_pass
from .sheets.locks import is_lock_or_temp, workbook_for_lock
from .workspace import Workspace, rules_hash

log = logging.getLogger("sheetflow")


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


def watch(ws: Workspace, *, poll: bool = False, stop: threading.Event | None = None) -> None:
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    if ws.cfg.backend == "google":
        _watch_google(ws, stop)
        return
    settings = ws.cfg.watch
    folder = ws.cfg.sheets_dir
    folder.mkdir(parents=True, exist_ok=True)
    events = _Events()
    observer = PollingObserver(timeout=settings.poll_interval_seconds) if poll else Observer()
    observer.schedule(events, str(folder), recursive=False)
    observer.start()
    mode = "polling" if poll else "inotify"
    log.info(ws.t("log.watching", path=folder, mode=mode))
    retry: dict[Path, tuple[float, float]] = {}  # path -> (first failure, next attempt)
    original = ws
    try:
        _handle(ws, run_pass(ws, final=False), retry, settings.settle_seconds)
        next_tick = time.monotonic() + settings.tick_seconds
        while not stop.is_set():
            stop.wait(0.1)
            due, released = events.take_due(settings.debounce_seconds)
            now = time.monotonic()
            due |= {p for p, (_, at) in retry.items() if at <= now and p not in events.dirty}
            if due:
                _handle(ws, run_pass(ws, due, final=False), retry, settings.settle_seconds)
            elif released or now >= next_tick:
                _handle(ws, run_pass(ws, set(), final=False), retry, settings.settle_seconds)
            if now >= next_tick:
                next_tick = now + settings.tick_seconds
                reloaded = _reload_if_changed(ws)
                if reloaded is not None:
                    if ws is not original:
                        ws.close()
                    ws = reloaded
                    settings = ws.cfg.watch  # new timings apply; a moved sheets_dir needs a restart
                    _handle(ws, run_pass(ws, final=False), retry, settings.settle_seconds)
    except KeyboardInterrupt:
        pass
    finally:
        observer.stop()
        observer.join(timeout=5)
        log.info(ws.t("log.stopped"))
        if ws is not original:
            ws.close()


def _watch_google(ws: Workspace, stop: threading.Event) -> None:
    """No file events from Google: ask Drive every poll_seconds (one cheap call per spreadsheet when idle).

    A pass that could not reach Google is simply the next poll's work; the
    timers (reminders, writes owed) ride on the same polls.
    """
    original = ws
    log.info(ws.t("log.watching", path=", ".join(f"google:{sid}" for sid in ws.google_tabs()),
                  mode=f"Drive, {ws.cfg.google.poll_seconds:g} s"))
    try:
        while not stop.is_set():
            try:
                run_pass(ws, final=True)
            except SheetflowError as exc:  # credentials gone bad mid-run: say so, keep polling
                log.error(str(exc))
            stop.wait(ws.cfg.google.poll_seconds)
            reloaded = _reload_if_changed(ws)
            if reloaded is not None:
                reloaded.use_google_client(ws.google_client() if reloaded.cfg.google == ws.cfg.google else None)
                if ws is not original:
                    ws.close()
                ws = reloaded
    except KeyboardInterrupt:
        pass
    finally:
        log.info(ws.t("log.stopped"))
        if ws is not original:
            ws.close()


def _reload_if_changed(ws: Workspace) -> Workspace | None:
    """Pick up an edited config.toml or form without a restart; keep the old one if the new one is wrong."""
    if rules_hash(ws.cfg) == ws.rules_hash:
        return None
    try:
        fresh = Workspace(ws.root, clock=ws.clock)
    except SheetflowError as exc:
        log.error(ws.t("log.config_rejected", error=exc))
        ws.rules_hash = rules_hash(ws.cfg)  # say it once, not every tick
        return None
    log.info(fresh.t("log.config_reloaded"))
    return fresh


def _handle(ws: Workspace, report: object, retry: dict[Path, tuple[float, float]], settle: float) -> None:
    """Schedule transient failures for another try; give up (and report) once they have settled."""
    from .passes import PassReport

    assert isinstance(report, PassReport)
    now = time.monotonic()
    for file in report.files:
        if file.skipped:
            continue
        path = file.path
        if not file.transient:
            retry.pop(path, None)
            continue
        first, _ = retry.get(path, (now, now))
        if now - first >= settle:
            retry.pop(path, None)
            run_pass(ws, {path}, final=True)
        else:
            retry[path] = (first, now + min(1.0 + (now - first) / 2, 3.0))
