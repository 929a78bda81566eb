"""The default transport: each mail an .eml file in the workspace outbox/ folder.

The file name carries a stable hash of the outbox key, and the file appears by
rename only when complete. So the file's existence is the proof of delivery: a
crash after the rename and before the row is marked finds the file on the next
run and marks the row sent instead of writing a second file.

A code mail lies here in clear, so the folder is 0700 and every file 0600 from
its first byte: only the account sheetflow runs as reads them. That makes this
transport one for a single user or a demo (the README says so); real approvers
get their codes by SMTP, each in their own mailbox.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from pathlib import Path

from ..filemodes import open_private, private_dir


def eml_path(outbox_dir: Path, key: str, record_key: str | None) -> Path:
    """outbox/PR-2026-0001-<hash of key>.eml: sorted by record for people, unique by key for us."""
    digest = hashlib.blake2b(key.encode(), digest_size=8).hexdigest()
    prefix = re.sub(r"[^\w.-]+", "_", record_key or "mail").strip("._") or "mail"
    return outbox_dir / f"{prefix}-{digest}.eml"


def temp_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp")


def write_eml(path: Path, data: bytes, halfway: Callable[[], None] = lambda: None) -> None:
    """Write temp, fsync, rename, fsync the folder. `halfway` runs after half the bytes (a crash point)."""
    private_dir(path.parent)
    tmp = temp_path(path)
    with os.fdopen(open_private(tmp, os.O_WRONLY | os.O_TRUNC), "wb") as fh:   # 0600 from its first byte
        half = len(data) // 2
        fh.write(data[:half])
        fh.flush()
        halfway()
        fh.write(data[half:])
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # not possible on every platform; the rename itself is still atomic
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
