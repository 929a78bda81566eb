"""Read a form's sheet from a local .xlsx with python-calamine (about 6x openpyxl read-only).

The file is classified first by its magic bytes, so a renamed .xls, a CSV or a
password-protected workbook gets its own clear message instead of a zip error.
"""

from __future__ import annotations

from pathlib import Path

import python_calamine as pc

from ..errors import (
    CorruptWorkbookError,
    EncryptedWorkbookError,
    NotXlsxError,
)
from ..forms.definition import FormDef
from .base import FileIdentity, Snapshot
from .grid import find_sheet, snapshot_from_grid

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def classify(path: Path) -> None:
    """Raise the specific WorkbookError for a file that is not a readable xlsx container."""
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
    raise NotXlsxError(path, "empty file" if not head else "not a zip container")


def read_snapshot(path: Path, form: FormDef, sheet: str | None = None) -> Snapshot:
    identity = FileIdentity.of(path)
    classify(path)
    try:
        wb = pc.CalamineWorkbook.from_path(str(path))
    except pc.PasswordError:
        raise EncryptedWorkbookError(path) from None
    except (pc.CalamineError, OSError, ValueError) as exc:
        raise CorruptWorkbookError(path, str(exc)) from None
    try:
        name = find_sheet(path, wb.sheet_names, form, sheet)
        try:
            grid = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except (pc.CalamineError, ValueError) as exc:
            raise CorruptWorkbookError(path, str(exc)) from None
    finally:
        wb.close()
    return snapshot_from_grid(path, grid, form, name, identity, path=path)
