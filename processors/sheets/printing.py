"""How a generated workbook prints: on as few A4 pages as its data allows, never below 8 pt.

Without a page setup a spreadsheet program prints portrait at 100 % and breaks wide
tables column by column (the rent roll came out on 9 pages, 4 columns on the first).
Here every orientation and scale from 100 % down to the smallest that keeps 11 pt text
at 8 pt is tried against the sheet's measured widths and heights, and the one with the
fewest pages wins; of those, the one that cuts the columns least (a reader follows a row
across one sheet of paper), then the largest scale, then portrait. Where that layout is one
page wide, the sheet asks for fit-to-width instead of a fixed scale, so that a program
whose fonts run narrower prints larger; wider tables print at the fixed scale, across
then down, with the first column repeated so every page says whose row it is.

The measures are LibreOffice's on a machine without Calibri (its digits are the widest
of the common stand-ins): Excel, with narrower fonts, fits at least as much on a page.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

A4 = (595.28, 841.89)                  # points
MARGIN_SIDE, MARGIN_END, MARGIN_TEXT = 0.3, 0.75, 0.3   # inches: left/right, top/bottom, header/footer
POINTS_PER_UNIT = 7.2                  # a column width unit at 100 %, in points (LibreOffice: 7.0-7.1)
FONT_PT, SMALLEST_PT = 11.0, 8.0
SMALLEST_SCALE = math.ceil(100 * SMALLEST_PT / FONT_PT)      # 73 %
HEADER_FOOTER_PT, TITLE_PT = 9, 10     # as printed


@dataclass(frozen=True)
class PageText:
    """What the page header and footer say: the workbook's title, when it was written, the page number."""

    title: str
    written: str
    page: str


@dataclass(frozen=True)
class Plan:
    orientation: str
    scale: int          # percent
    fit_width: bool     # ask the program to fit the width on one page (it picks the scale, never below `scale`)
    wide: int           # pages across
    tall: int           # pages down

    @property
    def pages(self) -> int:
        return self.wide * self.tall


def printable(orientation: str) -> tuple[float, float]:
    """The width and height, in points, that the sheet's cells print on."""
    w, h = A4 if orientation == "portrait" else A4[::-1]
    return w - 2 * 72 * MARGIN_SIDE, h - 2 * 72 * MARGIN_END


def _pages(sizes: Sequence[float], room: float) -> int:
    """Whole columns (or rows) laid out page by page, the first one repeated on every later page."""
    pages, used = 1, 0.0
    repeat = sizes[0] if sizes else 0.0
    for size in sizes:
        if used + size > room and used > (repeat if pages > 1 else 0.0):
            pages, used = pages + 1, repeat
        used += size
    return pages


def pages_wide(widths: Sequence[float], room: float) -> int:
    """Columns across pages, the first column repeated on every later page."""
    return _pages(widths, room)


def pages_tall(heights: Sequence[float], room: float) -> int:
    """Rows down pages, the header row (the first) repeated on every later page."""
    return _pages(heights, room)


def _at(widths: Sequence[float], heights: Sequence[float], orientation: str, scale: int) -> Plan:
    room_w, room_h = printable(orientation)
    s = scale / 100
    wide = pages_wide(widths, room_w / (POINTS_PER_UNIT * s))
    return Plan(orientation, scale, False, wide, pages_tall(heights, room_h / s))


def plan(widths: Sequence[float], heights: Sequence[float]) -> Plan:
    """The page setup for a sheet whose columns are `widths` (width units) and rows `heights` (points)."""
    options = [_at(widths, heights, o, s) for o in ("portrait", "landscape")
               for s in range(100, SMALLEST_SCALE - 1, -1)]
    best = min(options, key=lambda p: (p.pages, p.wide, -p.scale, p.orientation != "portrait"))
    room_w, _ = printable(best.orientation)
    fit = min(100, math.floor(100 * room_w / (POINTS_PER_UNIT * sum(widths)))) if sum(widths) else 100
    if fit >= SMALLEST_SCALE:
        fitted = _at(widths, heights, best.orientation, fit)
        if fitted.pages == best.pages:
            return Plan(best.orientation, fit, True, fitted.wide, fitted.tall)
    return best


def apply(sheet: Any, chosen: Plan, text: PageText) -> None:
    """Page setup, repeated titles, margins, header and footer on an openpyxl worksheet."""
    setup = sheet.page_setup
    setup.paperSize = sheet.PAPERSIZE_A4
    setup.orientation = chosen.orientation
    if chosen.fit_width:
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        setup.fitToWidth, setup.fitToHeight = 1, 0
    else:
        setup.scale = chosen.scale
    setup.pageOrder = "overThenDown"      # a wide table: the right half of the same rows comes next
    sheet.print_title_rows = "1:1"
    if chosen.wide > 1:
        sheet.print_title_cols = "A:A"
    sheet.print_options.horizontalCentered = chosen.wide == 1
    m = sheet.page_margins
    m.left = m.right = MARGIN_SIDE
    m.top = m.bottom = MARGIN_END
    m.header = m.footer = MARGIN_TEXT
    # Header and footer shrink with the sheet (LibreOffice always scales them; Excel is told to as well, so both
    # print alike): their size is chosen so that what prints stays at 9 pt (the title 10 pt) at the plan's scale.
    sheet.HeaderFooter.scaleWithDoc = True
    for part, words, size in ((sheet.oddHeader.left, text.title.replace("&", "&&"), TITLE_PT),
                              (sheet.oddHeader.right, text.written.replace("&", "&&"), HEADER_FOOTER_PT),
                              (sheet.oddFooter.center, text.page, HEADER_FOOTER_PT)):
        part.text = words
        part.size = math.ceil(size * 100 / chosen.scale)
    sheet.oddHeader.left.font = "-,Bold"
