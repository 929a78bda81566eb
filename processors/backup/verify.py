"""Checking a backup the only way that proves it: restore it into a temporary folder and read what came back.

A copy that was never read back may be a truncated file, a flipped bit on a
failing disk, a folder someone tidied: found out on the day it is needed. So
each backup is unpacked into a tempfile.TemporaryDirectory as a restore would
unpack it, each file's bytes checked against the manifest's sha256, the
restored store opened read-only, PRAGMA integrity_check run and its records
counted against the manifest. Any difference is a BackupError naming the file
and what was wrong, in Chinese and English.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import tempfile
from pathlib import Path

from ..filemodes import open_private
from ..store.snapshot import check_copy
from .manifest import Manifest, copy_private, problem

VERIFIED = "verified.json"


def unpack(folder: Path, manifest: Manifest, into: Path) -> dict[str, Path]:
    """Copy every file the manifest names from `folder` into `into` (same relative paths), each checked against
    its size and sha256: {backup path: unpacked file}. The step a restore shares with the check."""
    out: dict[str, Path] = {}
    for entry in manifest.files:
        source = folder / entry.path
        if not source.is_file():
            raise problem("missing_file", folder, file=entry.path)
        dest = into / entry.path
        try:
            size, sha = copy_private(source, dest)
        except OSError as exc:
            raise problem("unreadable_file", folder, file=entry.path, detail=str(exc)) from exc
        if size != entry.size:
            raise problem("size_mismatch", folder, file=entry.path, expected=entry.size, found=size)
        if sha != entry.sha256:
            raise problem("hash_mismatch", folder, file=entry.path)
        out[entry.path] = dest
    return out


def verify(folder: Path) -> Manifest:
    """Restore the backup in `folder` into a temporary folder and read it back; its manifest when all is well,
    else a BackupError that says what is damaged or missing."""
    manifest = Manifest.read(folder)
    if manifest.parts.get("store") and manifest.store is None:
        raise problem("missing_file", folder, file="store/")
    with tempfile.TemporaryDirectory(prefix="sheetflow-verify-") as tmp:   # 0700: the copy holds codes
        unpacked = unpack(folder, manifest, Path(tmp))
        if manifest.store is not None:
            check_store(folder, manifest, unpacked[manifest.store.path])
    return manifest


def check_store(folder: Path, manifest: Manifest, restored: Path) -> None:
    """PRAGMA integrity_check on the restored store, then its counts against the manifest's."""
    try:
        problems, counts = check_copy(restored)
    except sqlite3.Error as exc:
        raise problem("store_damaged", folder, detail=str(exc)) from exc
    if problems:
        raise problem("store_damaged", folder, detail="; ".join(problems[:3]))
    for code, expected, found in (("records_mismatch", manifest.records, counts.records),
                                  ("rows_mismatch", manifest.tables, counts.tables)):
        for name in sorted(set(expected) | set(found)):
            if expected.get(name, 0) != found.get(name, 0):
                raise problem(code, folder, name=name, expected=expected.get(name, 0), found=found.get(name, 0))


def mark_verified(folder: Path, at: dt.datetime) -> None:
    """Note in the folder that it was restored and read back whole (pruning keeps the newest so marked)."""
    fd = open_private(folder / VERIFIED, os.O_WRONLY | os.O_TRUNC)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({"verified_at": at.isoformat(timespec="seconds")}, fh)


def is_verified(folder: Path) -> bool:
    return (folder / VERIFIED).is_file()
