"""The lock every running `watch` holds for its whole life, apart from watch.py so that `restore` can test it
without importing watchdog.

The workspace lock is held only during a pass; between passes a watcher holds
nothing else, and a restore would pull the store from under it.
"""

from __future__ import annotations

import fcntl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import WorkspaceBusyError
from .filemodes import WATCH_LOCK, private_lock

STEP = 0.1   # seconds between tries while a restore holds the lock

__all__ = ["WATCH_LOCK", "watching"]


@contextmanager
def watching(root: Path, stop: threading.Event, timeout: float = 60.0) -> Iterator[None]:
    """A shared flock on WATCH_LOCK for the watcher's whole life (the workspace lock is held only during a pass):
    `sheetflow restore` takes it exclusively, so it refuses while any watcher runs, and a watcher started
    during a restore waits for it to end."""
    with private_lock(root / WATCH_LOCK) as fh:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_SH | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if stop.is_set():
                    return
                if time.monotonic() > deadline:
                    raise WorkspaceBusyError(f"{root}: 正在从备份恢复，请等恢复结束再启动 watch / a restore from a "
                                             "backup is running: start watch once it has finished") from None
                stop.wait(STEP)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
