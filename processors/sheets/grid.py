"""From a grid of cell values to a Snapshot: the header found by its names, rows keyed by field.

Both backends hand over a plain grid (a workbook sheet read by calamine, a tab
read by values.batchGet), so the header search and the row shape are one code.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import HeaderMissingError, SheetMissingError
from ..forms.definition import REQUIRED_SYSTEM_ROLES, FormDef, normalize_header
from .base import FileIdentity, SheetRow, Snapshot, VersionIdentity

HEADER_SEARCH_ROWS = 10


def snapshot_from_grid(where: object, grid: list[list[object]], form: FormDef, sheet: str,
                       identity: FileIdentity | VersionIdentity, *, path: Path | None = None,
                       label: str = "") -> Snapshot:
    """`where` names the source in error messages; grid row 0 is sheet row 1."""
    header_row, columns = find_header(where, grid, form)
    names = list(columns)
    indexes = [columns[n] - 1 for n in names]
    rows: list[SheetRow] = []
    for number in range(header_row + 1, len(grid) + 1):
        cells = grid[number - 1]
        width = len(cells)
        values = {n: (cells[i] if i < width else "") for n, i in zip(names, indexes, strict=True)}
        if any(v != "" and v is not None for v in values.values()):
            rows.append(SheetRow(number=number, values=values))
    return Snapshot(path=path, sheet=sheet, header_row=header_row, columns=columns, rows=rows,
                    identity=identity, label=label)


def find_sheet(path: object, names: list[str], form: FormDef, wanted: str | None) -> str:
    candidates = [wanted] if wanted else [form.sheet, *form.sheet_aliases]
    by_norm = {normalize_header(n): n for n in names}
    for candidate in candidates:
        if candidate in names:
            return candidate
        if normalize_header(candidate) in by_norm:
            return by_norm[normalize_header(candidate)]
    raise SheetMissingError(path, sheet=candidates[0], found=", ".join(names) or "-", form=form.id)


def find_header(path: object, grid: list[list[object]], form: FormDef) -> tuple[int, dict[str, int]]:
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
