"""The row height a patched row needs so its wrapped cells show whole (textfit.py says why sheetflow sets it).

What the patcher needs to know, read from the workbook itself: which cell
styles wrap and at what font size (xl/styles.xml), and how wide each column is
(the sheet's <cols>). A row's stored height is changed only when it is too low
for what sheetflow writes, or when it is a height sheetflow gave (it may shrink
then): a row someone made taller stays as they made it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

from .textfit import CJK_WIDTH, cjk_width, is_fitted, row_height, wrapped_lines

_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_ATTR = re.compile(r'(\w+(?::\w+)?)\s*=\s*"([^"]*)"')
_HT = re.compile(r'\sht="([^"]*)"')
DEFAULT_SIZE = 11.0
DEFAULT_WIDTH = 8.43   # Excel's column width when the sheet gives none


@dataclass(frozen=True)
class StyleFacts:
    """Of each cell style (cellXfs index): whether it wraps, and its font size; and how wide CJK text runs."""

    wraps: frozenset[int] = frozenset()
    sizes: dict[int, float] = field(default_factory=dict)
    #: a CJK character in column-width units, by the default font (the first), which those units count
    cjk: float = CJK_WIDTH

    def size(self, style: int) -> float:
        return self.sizes.get(style, DEFAULT_SIZE)


def _true(value: str | None) -> bool:
    return value in ("1", "true")


def style_facts(styles_xml: bytes) -> StyleFacts:
    """Read from xl/styles.xml (any namespace prefix); a part that does not parse gives no facts, never an error."""
    try:
        root = ET.fromstring(styles_xml)
    except ET.ParseError:
        return StyleFacts()
    fonts = root.find(f"{{{_NS_MAIN}}}fonts")
    first = fonts.find(f"{{{_NS_MAIN}}}font/{{{_NS_MAIN}}}name") if fonts is not None else None
    sizes_by_font: list[float] = []
    for font in fonts if fonts is not None else []:
        sz = font.find(f"{{{_NS_MAIN}}}sz")
        try:
            sizes_by_font.append(float(sz.get("val", DEFAULT_SIZE)) if sz is not None else DEFAULT_SIZE)
        except ValueError:
            sizes_by_font.append(DEFAULT_SIZE)
    xfs = root.find(f"{{{_NS_MAIN}}}cellXfs")
    wraps: set[int] = set()
    sizes: dict[int, float] = {}
    for i, xf in enumerate(xfs if xfs is not None else []):
        align = xf.find(f"{{{_NS_MAIN}}}alignment")
        if align is not None and _true(align.get("wrapText")):
            wraps.add(i)
        font_id = xf.get("fontId", "0")
        if font_id.isdigit() and int(font_id) < len(sizes_by_font):
            sizes[i] = sizes_by_font[int(font_id)]
    return StyleFacts(frozenset(wraps), sizes, cjk_width(first.get("val", "")) if first is not None else CJK_WIDTH)


def column_widths(cols_xml: str) -> dict[int, float]:
    """Widths set in a sheet's <cols> body, by 1-based column."""
    widths: dict[int, float] = {}
    for m in re.finditer(r"<(?:\w+:)?col\b([^>]*)/?>", cols_xml):
        attrs = dict(_ATTR.findall(m.group(1)))
        try:
            lo, hi, width = int(attrs["min"]), int(attrs["max"]), float(attrs["width"])
        except (KeyError, ValueError):
            continue
        for c in range(lo, min(hi, lo + 1024) + 1):
            widths[c] = width
    return widths


@dataclass
class RowFit:
    """What one sheet's patch needs to size rows: its styles and column widths."""

    facts: StyleFacts
    widths: dict[int, float]
    default_width: float = DEFAULT_WIDTH

    def needed(self, written: list[tuple[int, str | None, str]]) -> tuple[int, float] | None:
        """(lines, height) that shows every wrapped cell written in a row; None when none of them wraps."""
        best: tuple[int, float] | None = None
        for col, style, text in written:
            if style is None or not style.isdigit() or int(style) not in self.facts.wraps or not text:
                continue
            size = self.facts.size(int(style))
            lines = wrapped_lines(text, self.widths.get(col, self.default_width), self.facts.cjk)
            height = row_height(lines, size)
            if best is None or height > best[1]:
                best = (lines, height)
        return best

    def row_attrs(self, attrs: str, written: list[tuple[int, str | None, str]]) -> str:
        """The row's attributes with the height its written cells need (see the module's docstring)."""
        need = self.needed(written)
        if need is None:
            return attrs
        lines, height = need
        m = _HT.search(attrs)
        if m is None:
            return attrs if lines <= 1 else f'{attrs} ht="{height:g}"'
        try:
            current = float(m.group(1))
        except ValueError:
            current = 0.0
        sizes = {self.facts.size(int(s)) for _, s, _ in written if s and s.isdigit()} or {DEFAULT_SIZE}
        ours = any(is_fitted(current, size) for size in sizes)
        if abs(current - height) < 0.06 or (current > height and not ours):
            return attrs
        return attrs[: m.start()] + f' ht="{height:g}"' + attrs[m.end():]
