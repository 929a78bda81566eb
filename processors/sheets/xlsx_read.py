"""Read a form's sheet from a local .xlsx with python-calamine (about 6x openpyxl read-only).

The file is classified first by its magic bytes, so a renamed .xls, a CSV or a
password-protected workbook gets its own clear message instead of a zip error.
A staff save may still be in progress while we read (a copy over a network share
writes the file in place): whatever calamine or the OS raises then is a transient
CorruptWorkbookError, retried by the caller until it settles, never a crash.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import python_calamine as pc

from ..errors import (
    CorruptWorkbookError,
    EncryptedWorkbookError,
    NotXlsxError,
)
from ..forms.definition import FormDef
from .base import FileIdentity, Snapshot
from .grid import find_sheet, snapshot_from_grid
from .xlsx_patch import torn

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
T = TypeVar("T")


def classify(path: Path) -> None:
    """Raise the specific WorkbookError for a file that is not a readable xlsx container."""
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
            if head.startswith(_ZIP):
                return
            if head == _OLE:
                fh.seek(0)
                body = fh.read(4 * 1024 * 1024)
                if "EncryptedPackage".encode("utf-16-le") in body:
                    raise EncryptedWorkbookError(path)
                raise NotXlsxError(path, "an old .xls (OLE) file")
    except OSError as exc:  # gone or unreadable for an instant (an editor's rename, a share reconnecting)
        raise torn(path, exc) from None
    raise NotXlsxError(path, "empty file" if not head else "not a zip container")


def read_snapshot(path: Path, form: FormDef, sheet: str | None = None) -> Snapshot:
    """The form's sheet as a Snapshot; a file that cannot be read raises a WorkbookError and nothing else."""
    try:
        identity = FileIdentity.of(path)
    except OSError as exc:
        raise torn(path, exc) from None
    classify(path)
    wb = _calamine(path, lambda: pc.CalamineWorkbook.from_path(str(path)))
    try:
        names = _calamine(path, lambda: list(wb.sheet_names))
        if not names:  # every workbook has a sheet: an empty list is a workbook.xml cut short
            raise CorruptWorkbookError(path, "(no sheets in xl/workbook.xml)")
        name = find_sheet(path, names, form, sheet)
        grid = _calamine(path, lambda: wb.get_sheet_by_name(name).to_python(skip_empty_area=False))
    finally:
        wb.close()
    return snapshot_from_grid(path, grid, form, name, identity, path=path)


def _calamine(path: Path, call: Callable[[], T]) -> T:
    """Run one calamine call, its failures (a torn zip, XML cut short, a Rust panic) as WorkbookErrors."""
    try:
        return call()
    except pc.PasswordError:
        raise EncryptedWorkbookError(path) from None
    except (pc.CalamineError, OSError, ValueError, EOFError) as exc:
        raise torn(path, exc) from None
    except BaseException as exc:
        # pyo3 turns a panic inside calamine into PanicException, a BaseException; anything else of that
        # kind (KeyboardInterrupt, SystemExit) is not ours to keep.
        if type(exc).__name__ != "PanicException":
            raise
        raise torn(path, exc, "calamine") from None
