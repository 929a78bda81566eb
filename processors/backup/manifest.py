"""What a backup folder says about itself: manifest.json, and copying a file privately while hashing it.

The manifest is written last, so a folder without one is a backup that never
finished. It names every file (where it sits in the backup, where it came from
in the workspace, its size and sha256) and what the store copy held (records per
form, rows per table), so a check, or a restore, needs nothing but the folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..errors import BackupError
from ..filemodes import open_private, private_dir
from ..i18n import Translator

MANIFEST = "manifest.json"
FORMAT = 1
CHUNK = 1 << 20
_LANGUAGES = (Translator("zh"), Translator("en"))


@dataclass(frozen=True)
class FileEntry:
    """One file of a backup. `part` is store, sheet or output; `source` is its place in the workspace (relative
    to the workspace folder where it lies inside it), which is where a restore puts it back."""

    path: str
    part: str
    source: str
    size: int
    sha256: str
    form: str = ""


@dataclass
class Manifest:
    set: str
    at: str                                        # local time, ISO 8601 with offset
    workspace: str
    parts: dict[str, object]
    files: list[FileEntry] = field(default_factory=list)
    records: dict[str, int] = field(default_factory=dict)   # records per form in the store copy
    tables: dict[str, int] = field(default_factory=dict)    # rows per table in the store copy
    schema_version: int = 0
    format: int = FORMAT

    @property
    def when(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.at)

    @property
    def store(self) -> FileEntry | None:
        return next((f for f in self.files if f.part == "store"), None)

    def write(self, folder: Path) -> None:
        data = json.dumps(asdict(self), ensure_ascii=False, indent=2).encode("utf-8")
        fd = open_private(folder / MANIFEST, os.O_WRONLY | os.O_TRUNC)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        """The folder's manifest; a BackupError when there is none (never finished) or it cannot be read."""
        path = folder / MANIFEST
        if not path.is_file():
            raise problem("no_manifest", folder)
        try:
            data = json.loads(path.read_text("utf-8"))
            if data.get("format") != FORMAT:
                raise ValueError(f"format {data.get('format')!r}, expected {FORMAT}")
            data["files"] = [FileEntry(**f) for f in data["files"]]
            return cls(**data)
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
            raise problem("bad_manifest", folder, detail=str(exc)) from exc


def problem(code: str, folder: Path | str, **params: object) -> BackupError:
    """A BackupError whose message says it in Chinese, then English, naming the backup folder."""
    text = " / ".join(t(f"backup.{code}", folder=str(folder), **params) for t in _LANGUAGES)
    return BackupError(text, code=code, folder=str(folder))


def copy_private(source: Path, dest: Path) -> tuple[int, str]:
    """Copy a file into a private place (folders 0700, the file 0600), fsynced: (size, sha256) of what was
    written. A plain copy, for files that are not databases (workbooks, PDFs): one read of an open file, so a
    save that replaces the file meanwhile leaves us the whole old one."""
    private_dirs(dest.parent)
    digest, size = hashlib.sha256(), 0
    with source.open("rb") as src, os.fdopen(open_private(dest, os.O_WRONLY | os.O_TRUNC), "wb") as dst:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            dst.write(chunk)
            size += len(chunk)
        dst.flush()
        os.fsync(dst.fileno())
    return size, digest.hexdigest()


def file_hash(path: Path) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def private_dirs(path: Path, top: Path | None = None) -> None:
    """mkdir -p with every folder made here 0700 (mkdir's parents=True would give the parents the umask's)."""
    missing = []
    while not path.exists() and path != top and path.parent != path:
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        private_dir(folder)
