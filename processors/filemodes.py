"""Making the private part of a workspace (store, outbox, locks) so that it is never readable by others.

Modes are given where each thing is created (os.open with 0o600, mkdir with
0o700) rather than by a process umask: the umask would also reach what must stay
shared (the workbooks sheetflow rewrites keep their own mode, issued PDFs are
0644), and a file created first and tightened after would be readable for a
moment. The umask can only take bits away, so what is created here is at most
0o600 / 0o700 whatever the umask says.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import IO

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
#: group and other bits: any of them makes a private path loose (read shows codes, write lets others tamper,
#: a folder's x lets them open files whose names they can guess)
OTHERS = 0o077
#: the lock files of a workspace: one pass at a time, one deliverer at a time
WORKSPACE_LOCK = ".sheetflow.lock"
MAIL_LOCK = ".sheetflow-mail.lock"
#: held (shared) by every running watcher for its whole life; `sheetflow restore` refuses while it is held
WATCH_LOCK = ".sheetflow-watch.lock"


def loose(mode: int) -> bool:
    return bool(mode & OTHERS)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def private_dir(path: Path) -> Path:
    """mkdir -p, the last folder 0700. A folder that exists is left as it is: the start-up check tightens it and
    says so (privacy.secure)."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    return path


def open_private(path: Path, flags: int) -> int:
    """os.open that creates the file 0600 and tightens one left behind loose (a temp file from before)."""
    fd = os.open(path, flags | os.O_CREAT, PRIVATE_FILE)
    try:
        if loose(stat.S_IMODE(os.fstat(fd).st_mode)):
            os.fchmod(fd, PRIVATE_FILE)
    except OSError:
        os.close(fd)
        raise
    return fd


def create_private(path: Path) -> None:
    """An empty file, 0600, unless it exists (SQLite gives its -wal, -shm and -journal the database's mode)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        return
    os.close(fd)


def private_lock(path: Path) -> IO[str]:
    """A lock file opened for flock, created 0600."""
    return os.fdopen(open_private(path, os.O_WRONLY | os.O_APPEND), "a")
