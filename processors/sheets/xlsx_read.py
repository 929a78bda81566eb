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
    HeaderMissingError,
    NotXlsxError,
    SheetMissingError,
)
from ..forms.definition import REQUIRED_SYSTEM_ROLES, FormDef, normalize_header
from .base import FileIdentity, SheetRow, Snapshot

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
HEADER_SEARCH_ROWS = 10


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
    header_row, columns = find_header(path, grid, form)
    names = list(columns)
    indexes = [columns[n] - 1 for n in names]
    rows: list[SheetRow] = []
    for number in range(header_row + 1, len(grid) + 1):
        cells = grid[number - 1]
        width = len(cells)
        values = {n: (cells[i] if i < width else "") for n, i in zip(names, indexes, strict=True)}
        if any(v != "" and v is not None for v in values.values()):
            rows.append(SheetRow(number=number, values=values))
    return Snapshot(path=path, sheet=name, header_row=header_row, columns=columns, rows=rows,
                    identity=identity)


def find_sheet(path: Path, names: list[str], form: FormDef, wanted: str | None) -> str:
    candidates = [wanted] if wanted else [form.sheet, *form.sheet_aliases]
    by_norm = {normalize_header(n): n for n in names}
    for candidate in candidates:
        if candidate in names:
            return candidate
        if normalize_header(candidate) in by_norm:
            return by_norm[normalize_header(candidate)]
    raise SheetMissingError(path, sheet=candidates[0], found=", ".join(names) or "-", form=form.id)


def find_header(path: Path, grid: list[list[object]], form: FormDef) -> tuple[int, dict[str, int]]:
    """The header is the row (among the first few) naming the most of the form's columns."""
    spellings: list[tuple[str, set[str]]] = [(f.name, f.spellings()) for f in form.fields]
    spellings += [(c.role, c.spellings()) for c in form.system]
    best: tuple[int, dict[str, int]] = (1, {})
    for number, cells in enumerate(grid[:HEADER_SEARCH_ROWS], start=1):
        columns: dict[str, int] = {}
        for col, cell in enumerate(cells, start=1):
            if cell == "" or cell is None:
                continue
            norm = normalize_header(cell)
            for name, names in spellings:
                if norm in names and name not in columns:
                    columns[name] = col
                    break
        if len(columns) > len(best[1]):
            best = (number, columns)
    header_row, columns = best
    missing = [f.header() for f in form.fields if (f.required or f.type == "signoff") and f.name not in columns]
    missing += [c.header() for c in form.system if c.role in REQUIRED_SYSTEM_ROLES and c.role not in columns]
    if missing:
        raise HeaderMissingError(path, row=header_row, missing="、".join(missing))
    return header_row, columns
