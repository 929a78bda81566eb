"""What every backend hands the engine: a snapshot of a form's rows, and cell writes back."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class FileIdentity:
    """Enough to tell that a file is byte-for-byte the one we read, without reading it again."""

    mtime_ns: int
    size: int
    inode: int

    @classmethod
    def of(cls, path: Path) -> FileIdentity:
        st = path.stat()
        return cls(st.st_mtime_ns, st.st_size, st.st_ino)

    def text(self) -> str:
        """How the store keeps it, to skip reading a file that is as we left it."""
        return f"{self.mtime_ns}:{self.size}:{self.inode}"


@dataclass(frozen=True)
class VersionIdentity:
    """A Google spreadsheet as Drive last reported it: its version and its modifiedTime, both.

    Drive promises only that version grows with every change (not by how much, nor one step per edit) and
    that modifiedTime is the last change's time; an edit that moved either is a change."""

    version: str
    modified: str

    def text(self) -> str:
        return f"v{self.version}@{self.modified}"


@dataclass
class SheetRow:
    number: int                 # 1-based row number in the sheet, for messages and writes
    values: dict[str, object]   # field name or system role -> raw cell value ('' when empty)


@dataclass
class Snapshot:
    path: Path | None           # the workbook, for the local backend
    sheet: str
    header_row: int
    columns: dict[str, int]     # field name or system role -> 1-based column index
    rows: list[SheetRow]
    identity: FileIdentity | VersionIdentity
    extra: dict[str, object] = field(default_factory=dict)
    #: how the store names a source that is not a local file ("google:<id>/<tab>")
    label: str = ""

    def column_letter(self, name: str) -> str:
        return column_letter(self.columns[name])


def column_letter(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n
