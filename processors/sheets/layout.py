"""How wide the columns of a generated workbook and how tall its rows must be for what they show.

Widths typed once per column cut headers ("铺位数 Uni") and wasted paper on short values,
so they are measured instead: the longest value of each column as a reader sees it (its
number format applied, 1234.5 shown as "1,234.50"), a CJK character counting about twice
a digit, as it does on screen. The unit is the spreadsheet's own column width: the width
of a digit in the default font (Excel's Calibri, LibreOffice's stand-in for it).

A column stops growing at a cap; longer text wraps inside it and its row is made as tall
as its lines. A bilingual header that is wider than its values goes on two lines
(Chinese above, English below) rather than widening the column, and its row shows both.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from .cells import COUNT, DATETIME, PERCENT, format_of, neutral_text

WIDE = 2.1        # a CJK character (ideograph, full-width form) against a digit's 1: 11 pt against Calibri's 7 px
CAPITAL = 1.2     # most capitals run a little wider than a digit
_WIDTHS = (("MW@%m", 1.55), ("#&+<=>^~×w", 1.35), (" .,:;'|!ijlfrtI", 0.65))
PAD = 1.5         # the cell's inner margins and a little air, so a value never touches the grid line
BOLD = 1.1        # the header is bold
CAP = 50.0        # about 25 CJK characters; a longer value wraps
LINE_PT = 16.0    # one line of 11 pt text with a CJK font's ascent and descent
_TOKENS = re.compile(r"\s+|[^\s\u1100-\uffff]+|.")    # spaces, a run of Latin letters/digits, one other character


@dataclass(frozen=True)
class Column:
    """One column of a generated table: its bilingual header, the number format of its numbers, its width cap."""

    zh: str
    en: str
    format: str | None = None
    cap: float = CAP


@dataclass(frozen=True)
class Layout:
    widths: tuple[float, ...]
    headers: tuple[str, ...]             # "中文 English", or "中文\nEnglish" where the column is narrower
    header_height: float | None          # points; None when every header fits on one line
    heights: tuple[float | None, ...]    # per data row, points; None for a row of one line
    wrapped: frozenset[tuple[int, int]]  # (row index, column index) of the cells that wrap

    def printed_heights(self) -> list[float]:
        """Every row's height as it prints, header first: a one-line row counts as one line."""
        return [self.header_height or LINE_PT] + [h or LINE_PT for h in self.heights]


def char_width(ch: str) -> float:
    """A character's width in digits: about what DejaVu Sans (LibreOffice's stand-in for Calibri) and Calibri
    give it, a little more where they differ."""
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return WIDE
    for chars, width in _WIDTHS:
        if ch in chars:
            return width
    return CAPITAL if ch.isupper() else 1.0


def text_width(text: str) -> float:
    """The width of the widest line of `text`, in digit widths."""
    return max((sum(char_width(ch) for ch in line) for line in text.split("\n")), default=0.0)


def line_count(text: str, width: float) -> int:
    """The lines `text` takes in a column `width` wide, wrapped as a spreadsheet does: at spaces, between CJK
    characters, and anywhere inside a run longer than a line."""
    room = max(width - PAD, 1.0)
    lines = 0
    for paragraph in text.split("\n"):
        lines += 1
        used = 0.0
        for token in _TOKENS.findall(paragraph):
            w = text_width(token)
            if token.isspace() or used + w <= room:
                used += w
            elif w <= room:
                lines, used = lines + 1, w
            else:                      # a run wider than a line: on a line of its own, broken where it must
                extra = math.ceil(w / room) - 1
                lines += extra + (1 if used else 0)
                used = w - room * extra
    return lines


def shown(value: object, fmt: str | None = None) -> str:
    """`value` as the cell shows it, with the number format put_value gives it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M" if (fmt or DATETIME) == DATETIME else "%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (int, float, Decimal)):
        return _number(value, format_of(value, fmt))
    return neutral_text(str(value))


def _number(value: int | float | Decimal, fmt: str) -> str:
    try:
        if fmt == PERCENT:
            return f"{value * 100:.1f}%"
        if fmt == COUNT:
            return f"{value:.0f}"
        decimals = fmt.split(".")[1] if "." in fmt else ""
        text = f"{value:,.{len(decimals)}f}"
        return text.rstrip("0") if decimals.startswith("#") else text
    except (ValueError, OverflowError):
        return str(value)


def _header(column: Column, values: float) -> tuple[float, str]:
    """The column's width and its header text: on one line if that fits what the values need, else on two."""
    one_line = text_width(f"{column.zh} {column.en}") * BOLD + PAD
    two_lines = max(text_width(column.zh), text_width(column.en)) * BOLD + PAD
    width = max(min(values, column.cap), two_lines)
    if one_line <= width:
        return width, f"{column.zh} {column.en}"
    return width, f"{column.zh}\n{column.en}"


def lay_out(columns: Sequence[Column], rows: Sequence[Sequence[object]]) -> Layout:
    texts = [[shown(v, columns[c].format if c < len(columns) else None) for c, v in enumerate(row)] for row in rows]
    need = [0.0] * len(columns)
    for row in texts:
        for c, text in enumerate(row[:len(columns)]):
            need[c] = max(need[c], text_width(text) + PAD)
    widths, headers = zip(*(_header(col, need[c]) for c, col in enumerate(columns)), strict=True) \
        if columns else ((), ())
    header_lines = max((h.count("\n") + 1 for h in headers), default=1)
    heights: list[float | None] = []
    wrapped: set[tuple[int, int]] = set()
    for r, row in enumerate(texts):
        lines = 1
        for c, text in enumerate(row[:len(columns)]):
            if "\n" in text or text_width(text) + PAD > widths[c]:
                wrapped.add((r, c))
                lines = max(lines, line_count(text, widths[c]))
        heights.append(lines * LINE_PT if lines > 1 else None)
    return Layout(tuple(widths), tuple(headers), header_lines * LINE_PT if header_lines > 1 else None,
                  tuple(heights), frozenset(wrapped))
