"""A1 notation: parsing ranges like ``'It''s'!B2:C`` into boxes and formatting them back."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import GoogleError

_COLS_ROW = re.compile(r"^([A-Za-z]*)(\d*)$")


def col_letters(index: int) -> str:
    """0-based column index -> letters, because Google reports ranges back in A1 form."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def col_index(letters: str) -> int:
    """Column letters -> 0-based index."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


def quote_sheet(title: str) -> str:
    """Sheet name as Google writes it in a returned range: bare when it is a plain identifier, else quoted."""
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", title) and not re.fullmatch(r"[A-Za-z]{1,3}\d+", title):
        return title
    return "'" + title.replace("'", "''") + "'"


def split_sheet(a1: str) -> tuple[str | None, str | None]:
    """Split ``'It''s'!B2`` into (sheet name, cell part); either may be None (bare name or bare cells)."""
    if a1.startswith("'"):
        i, name = 1, []
        while i < len(a1):
            if a1[i] == "'":
                if a1[i + 1:i + 2] == "'":
                    name.append("'")
                    i += 2
                    continue
                break
            name.append(a1[i])
            i += 1
        else:
            raise GoogleError(400, f"Unable to parse range: {a1}")
        rest = a1[i + 1:]
        if rest == "":
            return "".join(name), None
        if not rest.startswith("!"):
            raise GoogleError(400, f"Unable to parse range: {a1}")
        return "".join(name), rest[1:]
    if "!" in a1:
        name, _, cells = a1.partition("!")
        return name, cells
    return None, a1


@dataclass(frozen=True)
class Box:
    """A half-open rectangle of 0-based cells; ``None`` ends mean "to the edge of the grid" (``A2:S``, ``A:C``)."""

    r0: int
    c0: int
    r1: int | None
    c1: int | None
    single: bool = False      # "B2": a write may spill beyond it, as Google treats it as an anchor

    def clip(self, rows: int, cols: int) -> Box:
        return Box(self.r0, self.c0, min(self.r1 if self.r1 is not None else rows, rows),
                   min(self.c1 if self.c1 is not None else cols, cols), self.single)


def parse_cells(cells: str, original: str) -> Box:
    """Parse the cell part of an A1 range: ``B2``, ``A1:S``, ``A:C``, ``2:5``."""
    parts = cells.split(":")
    if len(parts) > 2 or not all(parts):
        raise GoogleError(400, f"Unable to parse range: {original}")
    ends = []
    for part in parts:
        m = _COLS_ROW.fullmatch(part)
        if not m or not (m.group(1) or m.group(2)) or m.group(2).startswith("0"):
            raise GoogleError(400, f"Unable to parse range: {original}")
        ends.append((col_index(m.group(1)) if m.group(1) else None, int(m.group(2)) - 1 if m.group(2) else None))
    if len(ends) == 1:
        col, row = ends[0]
        if col is None or row is None:
            raise GoogleError(400, f"Unable to parse range: {original}")
        return Box(row, col, row + 1, col + 1, single=True)
    (ca, ra), (cb, rb) = ends
    c0, c1 = (ca if ca is not None else 0), (cb + 1 if cb is not None else None)
    r0, r1 = (ra if ra is not None else 0), (rb + 1 if rb is not None else None)
    if c1 is not None and c1 <= c0:        # "C1:A3" means A1:C3
        c0, c1 = c1 - 1, c0 + 1
    if r1 is not None and r1 <= r0:
        r0, r1 = r1 - 1, r0 + 1
    return Box(r0, c0, r1, c1)


def format_box(title: str, box: Box) -> str:
    """The range string Google reports back: quoted-if-needed sheet name, then the clipped A1 box."""
    assert box.r1 is not None and box.c1 is not None
    start = f"{col_letters(box.c0)}{box.r0 + 1}"
    end = f"{col_letters(box.c1 - 1)}{box.r1}"
    return f"{quote_sheet(title)}!{start}" + ("" if start == end else f":{end}")
