"""Patch cell values into one sheet's XML text: the target <c> elements change, every other byte stays.

The XML is edited as text, never parsed and re-serialised, so whatever sheetflow
does not model (extLst, x14 validation, odd whitespace) survives as it was. The
elements may carry a namespace prefix (`<x:row>`): it is read off <sheetData>
and used for what is written in. xlsx_patch.py has the why of inline strings and
of the runs that keep `_x0041_` as typed.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..errors import CorruptWorkbookError
from .base import column_index, column_letter
from .xlsx_rowfit import DEFAULT_WIDTH, RowFit, StyleFacts, column_widths

_ATTR = re.compile(r'(\w+(?::\w+)?)\s*=\s*"([^"]*)"')
_REF = re.compile(r"([A-Z]+)(\d+)")
# Characters XML 1.0 cannot carry; lone surrogates cannot even be encoded as UTF-8.
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Excel's ST_Xstring escape "_xHHHH_" (an X in either case, to be safe): a run boundary goes after its first "_".
_XSTRING_LOOKALIKE = re.compile("(?=_[xX][0-9A-Fa-f]{4}_)")
_SHEET_DATA = re.compile(r"<(?:([A-Za-z_][\w.-]*):)?sheetData\b")
_DEFAULT_COL_WIDTH = re.compile(r'<(?:\w+:)?sheetFormatPr\b[^>]*?\bdefaultColWidth="([\d.]+)"')

Cells = Mapping[tuple[int, int], str | None]  # (row, col), both 1-based -> text or None (empty)
Written = list[tuple[int, str | None, str]]   # (col, style, text) of the cells a row gets


@dataclass
class PatchResult:
    written: list[tuple[int, int]] = field(default_factory=list)
    #: cells left alone because they hold the master of a shared formula others depend on
    refused: list[tuple[int, int]] = field(default_factory=list)
    dropped_calc_chain: bool = False


@dataclass(frozen=True)
class _Tags:
    """The element patterns of a sheet whose SpreadsheetML elements carry prefix `p` ("" or "x:")."""

    p: str
    row: re.Pattern[str]
    cell: re.Pattern[str]
    cols: re.Pattern[str]
    dimension: re.Pattern[str]
    empty_data: re.Pattern[str]


@functools.cache
def _tags(prefix: str) -> _Tags:
    p = f"{prefix}:" if prefix else ""
    e = re.escape(p)
    return _Tags(p, re.compile(rf"<{e}row\b([^>]*?)(/>|>)"),
                 re.compile(rf"<{e}c\b([^>]*?)(?:/>|>(.*?)</{e}c>)", re.DOTALL),
                 re.compile(rf"<{e}cols>(.*?)</{e}cols>", re.DOTALL),
                 re.compile(rf'(<{e}dimension\b[^>]*?\bref=")([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"'),
                 re.compile(rf"<{e}sheetData\s*/>"))


def escape(text: str) -> str:
    text = _XML_BAD.sub("", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # A bare CR would come back as LF (XML end-of-line handling); a character reference survives.
    return text.replace("\r", "&#13;")


def inline_string(text: str, p: str = "") -> str:
    """The <is> of an inline string cell: one <t>, or runs where the text holds an `_xHHHH_` look-alike."""
    body = escape(text)
    cuts = [m.start() + 1 for m in _XSTRING_LOOKALIKE.finditer(body)]
    if not cuts:
        return f'<{p}is><{p}t xml:space="preserve">{body}</{p}t></{p}is>'
    pieces = [body[a:b] for a, b in zip([0, *cuts], [*cuts, len(body)], strict=True)]
    runs = "".join(f'<{p}r><{p}t xml:space="preserve">{piece}</{p}t></{p}r>' for piece in pieces)
    return f"<{p}is>{runs}</{p}is>"


def _cell_xml(tags: _Tags, ref: str, style: str | None, value: str | None) -> str:
    s_attr = f' s="{style}"' if style is not None else ""
    p = tags.p
    if value is None or value == "":
        return f'<{p}c r="{ref}"{s_attr}/>' if style is not None else ""
    return f'<{p}c r="{ref}"{s_attr} t="inlineStr">{inline_string(value, p)}</{p}c>'


def _patch_row(tags: _Tags, row_no: int, attrs: str, body: str, cells: dict[int, str | None],
               col_styles: dict[int, str], result: PatchResult) -> tuple[str, str, Written]:
    """Return the row's new attribute text and body with `cells` replaced or inserted, and what went in."""
    pieces: list[tuple[int, str]] = []
    written: Written = []
    pending = dict(cells)
    implied = 0
    formula = f"<{tags.p}f"
    for m in tags.cell.finditer(body):
        cattrs = dict(_ATTR.findall(m.group(1)))
        ref = cattrs.get("r")
        col = column_index(_REF.match(ref).group(1)) if ref and _REF.match(ref) else implied + 1
        implied = col
        if col in pending:
            inner = m.group(2) or ""
            if formula in inner and 'ref="' in inner[: inner.find(">", inner.find(formula)) + 1]:
                result.refused.append((row_no, col))
                pending.pop(col)
                pieces.append((col, m.group(0)))
                continue
            if formula in inner:
                result.dropped_calc_chain = True
            value = pending.pop(col)
            pieces.append((col, _cell_xml(tags, f"{column_letter(col)}{row_no}", cattrs.get("s"), value)))
            result.written.append((row_no, col))
            written.append((col, cattrs.get("s"), value or ""))
        else:
            pieces.append((col, m.group(0)))
    for col, value in pending.items():
        pieces.append((col, _cell_xml(tags, f"{column_letter(col)}{row_no}", col_styles.get(col), value)))
        result.written.append((row_no, col))
        written.append((col, col_styles.get(col), value or ""))
    pieces.sort(key=lambda p: p[0])
    # Anything in the row after its cells (extLst) stays after them.
    tail_at = max((m.end() for m in tags.cell.finditer(body)), default=0)
    new_body = "".join(p for _, p in pieces) + body[tail_at:]
    return _widen_spans(attrs, [c for c, p in pieces if p]), new_body, written


def _widen_spans(attrs: str, cols: list[int]) -> str:
    m = re.search(r'\bspans="(\d+):(\d+)"', attrs)
    if not m or not cols:
        return attrs
    lo, hi = int(m.group(1)), int(m.group(2))
    new_lo, new_hi = min(lo, *cols), max(hi, *cols)
    if (new_lo, new_hi) == (lo, hi):
        return attrs
    return attrs[: m.start()] + f'spans="{new_lo}:{new_hi}"' + attrs[m.end():]


def _column_styles(cols_xml: str) -> dict[int, str]:
    """Styles set on whole columns: a new cell there takes the column's look."""
    styles: dict[int, str] = {}
    for m in re.finditer(r"<(?:\w+:)?col\b([^>]*)/?>", cols_xml):
        attrs = dict(_ATTR.findall(m.group(1)))
        if "style" in attrs and "min" in attrs and "max" in attrs:
            for c in range(int(attrs["min"]), min(int(attrs["max"]), 16384) + 1):
                styles[c] = attrs["style"]
    return styles


def _widen_dimension(tags: _Tags, xml: str, start: int, cells: list[tuple[int, int]]) -> str:
    """Grow <dimension ref> over new cells: openpyxl's read-only mode (pandas) reads no row past it."""
    m = tags.dimension.search(xml, 0, start)
    if not m or not cells:
        return xml
    c1, r1 = column_index(m.group(2)), int(m.group(3))
    c2, r2 = (column_index(m.group(4)), int(m.group(5))) if m.group(4) else (c1, r1)
    rows, cols = [r for r, _ in cells], [c for _, c in cells]
    n1, n2 = (min(c1, *cols), min(r1, *rows)), (max(c2, *cols), max(r2, *rows))
    if n1 == (c1, r1) and n2 == (c2, r2):
        return xml
    ref = f"{column_letter(n1[0])}{n1[1]}:{column_letter(n2[0])}{n2[1]}"
    return xml[: m.start(2)] + ref + xml[m.end() - 1:]


class _Patch:
    """One patch of one sheet: the rows it rewrites, in document order."""

    def __init__(self, xml: str, cells: Cells, result: PatchResult, styles: StyleFacts | None) -> None:
        m = _SHEET_DATA.search(xml)
        if m is None:
            raise CorruptWorkbookError("", "sheet has no sheetData")
        self.xml, self.result, self.start = xml, result, m.start()
        self.tags = _tags(m.group(1) or "")
        self.by_row: dict[int, dict[int, str | None]] = {}
        for (row, col), value in cells.items():
            self.by_row.setdefault(row, {})[col] = value
        cols = self.tags.cols.search(xml, 0, self.start)
        cols_xml = cols.group(1) if cols else ""
        self.col_styles = _column_styles(cols_xml) if self.by_row else {}
        self.fit: RowFit | None = None
        if styles is not None:
            default = _DEFAULT_COL_WIDTH.search(xml, 0, self.start)
            self.fit = RowFit(styles, column_widths(cols_xml), float(default.group(1)) if default else DEFAULT_WIDTH)

    def row(self, row_no: int, attrs: str, body: str) -> str:
        tags = self.tags
        new_attrs, new_body, written = _patch_row(tags, row_no, attrs, body, self.by_row[row_no], self.col_styles,
                                                  self.result)
        if self.fit is not None:
            new_attrs = self.fit.row_attrs(new_attrs, written)
        return f"<{tags.p}row{new_attrs}>{new_body}</{tags.p}row>"

    def new_row(self, row_no: int) -> str:
        return self.row(row_no, f' r="{row_no}"', "")


def patch_sheet_xml(xml: str, cells: Cells, result: PatchResult, styles: StyleFacts | None = None) -> str:
    """`xml` with `cells` set; given the workbook's `styles`, rows also get the height their wrapped cells need."""
    first_written = len(result.written)
    patch = _Patch(xml, cells, result, styles)
    tags, targets = patch.tags, sorted(patch.by_row)
    row_end = f"</{tags.p}row>"
    ti, pos, implied = 0, 0, 0
    out: list[str] = []
    for m in tags.row.finditer(xml, patch.start):
        if ti == len(targets):
            break
        rm = re.search(r'\br="(\d+)"', m.group(1))
        row_no = int(rm.group(1)) if rm else implied + 1
        implied = row_no
        # A target row with no <row> element yet goes in before the first row after it.
        while ti < len(targets) and targets[ti] < row_no:
            out.append(xml[pos:m.start()])
            pos = m.start()
            out.append(patch.new_row(targets[ti]))
            ti += 1
        if ti == len(targets) or targets[ti] != row_no:
            continue
        if m.group(2) == "/>":
            end, body = m.end(), ""
        else:
            close = xml.find(row_end, m.end())
            if close < 0:
                raise CorruptWorkbookError("", f"row {row_no} is not closed")
            end, body = close + len(row_end), xml[m.end():close]
        out.append(xml[pos:m.start()])
        out.append(patch.row(row_no, m.group(1), body))
        pos = end
        ti += 1
    if ti < len(targets):  # rows after the last existing one
        pos = _append_rows(patch, out, pos, "".join(patch.new_row(r) for r in targets[ti:]))
    out.append(xml[pos:])
    filled = [rc for rc in result.written[first_written:] if cells.get(rc)]
    return _widen_dimension(tags, "".join(out), patch.start, filled)


def _append_rows(patch: _Patch, out: list[str], pos: int, tail: str) -> int:
    xml, p = patch.xml, patch.tags.p
    close = xml.find(f"</{p}sheetData>", pos)
    if close >= 0:
        out.append(xml[pos:close] + tail)
        return close
    empty = patch.tags.empty_data.search(xml, pos)
    if not empty:
        raise CorruptWorkbookError("", "sheetData not closed")
    out.append(xml[pos:empty.start()] + f"<{p}sheetData>{tail}</{p}sheetData>")
    return empty.end()
