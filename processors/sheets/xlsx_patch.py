"""Write cell values into an .xlsx by patching its sheet XML in place.

openpyxl's load/save rebuilds the whole workbook and drops what it does not model
(images, charts, extended validation, slicers …). Here every zip entry but one
sheet's XML is copied as it was, and inside that XML only the target <c> elements
change: the cell's style (s=) is kept, the value becomes an inline string, so the
shared-string table is never touched. Everything else is left byte for byte.

The file being read may be a staff save still in progress (a copy over a network
share writes in place): whatever the zip or XML layer raises while reading it is
a transient CorruptWorkbookError here, so the pass retries it instead of dying.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

from ..errors import CorruptWorkbookError
from .base import column_index, column_letter

_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CALC_CHAIN_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml"

_ROW = re.compile(r"<row\b([^>]*?)(/>|>)")
_ROW_END = "</row>"
_CELL = re.compile(r"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.DOTALL)
_ATTR = re.compile(r'(\w+(?::\w+)?)\s*=\s*"([^"]*)"')
_REF = re.compile(r"([A-Z]+)(\d+)")
# Characters XML 1.0 cannot carry; lone surrogates cannot even be encoded as UTF-8.
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Excel's ST_Xstring escape: readers turn "_x0041_" in <t> into "A", so a literal one is written "_x005F_x0041_".
_XSTRING_ESC = re.compile("_(x[0-9A-Fa-f]{4}_)")
_DIMENSION = re.compile(r'(<dimension\b[^>]*?\bref=")([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')

Cells = Mapping[tuple[int, int], str | None]  # (row, col), both 1-based -> text or None (empty)

# Every way reading a zip fails when it is caught half-written: the end record or a local header cut short
# (BadZipFile, EOFError, struct.error), a member that fails its CRC or does not inflate (BadZipFile, zlib.error),
# garbage where a header was (NotImplementedError: "compression method"), a member the directory names but the
# data lacks (KeyError), a part cut mid-tag (ParseError) or mid-character (UnicodeDecodeError, a ValueError),
# the file shrinking or vanishing under us (OSError).
_TORN = (zipfile.BadZipFile, EOFError, struct.error, zlib.error, NotImplementedError, KeyError, ET.ParseError,
         ValueError, OSError)


@dataclass
class PatchResult:
    written: list[tuple[int, int]] = field(default_factory=list)
    #: cells left alone because they hold the master of a shared formula others depend on
    refused: list[tuple[int, int]] = field(default_factory=list)
    dropped_calc_chain: bool = False


def sheet_part(zf: zipfile.ZipFile, sheet_name: str) -> str:
    """The zip path of a sheet's XML, found through workbook.xml and its relationships."""
    workbook = _xml_part(zf, "xl/workbook.xml")
    rels = _xml_part(zf, "xl/_rels/workbook.xml.rels")
    rid = None
    for sheet in workbook.iter(f"{{{_NS_MAIN}}}sheet"):
        if sheet.get("name") == sheet_name:
            rid = sheet.get(f"{{{_NS_REL}}}id")
    if rid is None:
        raise CorruptWorkbookError(zf.filename or "", f"sheet {sheet_name!r} not in workbook.xml")
    for rel in rels.iter(f"{{{_NS_PKG_REL}}}Relationship"):
        if rel.get("Id") == rid:
            target = rel.get("Target", "")
            if target.startswith("/"):
                return target.lstrip("/")
            return "xl/" + target if not target.startswith("xl/") else target
    raise CorruptWorkbookError(zf.filename or "", f"no relationship {rid} for sheet {sheet_name!r}")


def torn(path: object, exc: BaseException, where: str = "") -> CorruptWorkbookError:
    """The transient error for a read that failed the way a half-written file fails, saying where and how."""
    what = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return CorruptWorkbookError(path, f"({where}: {what})" if where else f"({what})")


def _open_zip(src: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(src)
    except _TORN as exc:
        raise torn(src, exc) from None


def _member(zf: zipfile.ZipFile, member: str | zipfile.ZipInfo) -> bytes:
    """One member's bytes, CRC-checked by zipfile; a torn read is a CorruptWorkbookError, never a zip error."""
    try:
        return zf.read(member)
    except _TORN as exc:
        name = member.filename if isinstance(member, zipfile.ZipInfo) else member
        raise torn(zf.filename or "", exc, name) from None


def _xml_part(zf: zipfile.ZipFile, member: str) -> ET.Element:
    data = _member(zf, member)
    try:
        return ET.fromstring(data)
    except _TORN as exc:
        raise torn(zf.filename or "", exc, member) from None


def _sheet_text(zf: zipfile.ZipFile, part: str) -> str:
    try:
        return _member(zf, part).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise torn(zf.filename or "", exc, part) from None


def escape(text: str) -> str:
    text = _XML_BAD.sub("", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # A bare CR would come back as LF (XML end-of-line handling); a character reference survives.
    return _XSTRING_ESC.sub(r"_x005F_\1", text).replace("\r", "&#13;")


def _cell_xml(ref: str, style: str | None, value: str | None) -> str:
    s_attr = f' s="{style}"' if style is not None else ""
    if value is None or value == "":
        return f'<c r="{ref}"{s_attr}/>' if style is not None else ""
    return f'<c r="{ref}"{s_attr} t="inlineStr"><is><t xml:space="preserve">{escape(value)}</t></is></c>'


def _patch_row(row_no: int, attrs: str, body: str, cells: dict[int, str | None],
               col_styles: dict[int, str], result: PatchResult) -> tuple[str, str]:
    """Return the row's new attribute text and body with `cells` replaced or inserted."""
    pieces: list[tuple[int, str]] = []
    pending = dict(cells)
    implied = 0
    for m in _CELL.finditer(body):
        cattrs = dict(_ATTR.findall(m.group(1)))
        ref = cattrs.get("r")
        col = column_index(_REF.match(ref).group(1)) if ref and _REF.match(ref) else implied + 1
        implied = col
        if col in pending:
            inner = m.group(2) or ""
            if "<f" in inner and 'ref="' in inner[: inner.find(">", inner.find("<f")) + 1]:
                result.refused.append((row_no, col))
                pending.pop(col)
                pieces.append((col, m.group(0)))
                continue
            if "<f" in inner:
                result.dropped_calc_chain = True
            new = _cell_xml(f"{column_letter(col)}{row_no}", cattrs.get("s"), pending.pop(col))
            result.written.append((row_no, col))
            pieces.append((col, new))
        else:
            pieces.append((col, m.group(0)))
    for col, value in pending.items():
        new = _cell_xml(f"{column_letter(col)}{row_no}", col_styles.get(col), value)
        result.written.append((row_no, col))
        pieces.append((col, new))
    pieces.sort(key=lambda p: p[0])
    # Anything in the row after its cells (extLst) stays after them.
    tail_at = max((m.end() for m in _CELL.finditer(body)), default=0)
    new_body = "".join(p for _, p in pieces) + body[tail_at:]
    return _widen_spans(attrs, [c for c, p in pieces if p]), new_body


def _widen_spans(attrs: str, cols: list[int]) -> str:
    m = re.search(r'\bspans="(\d+):(\d+)"', attrs)
    if not m or not cols:
        return attrs
    lo, hi = int(m.group(1)), int(m.group(2))
    new_lo, new_hi = min(lo, *cols), max(hi, *cols)
    if (new_lo, new_hi) == (lo, hi):
        return attrs
    return attrs[: m.start()] + f'spans="{new_lo}:{new_hi}"' + attrs[m.end():]


def _column_styles(xml: str) -> dict[int, str]:
    """Styles set on whole columns: a new cell there takes the column's look."""
    styles: dict[int, str] = {}
    cols = re.search(r"<cols>(.*?)</cols>", xml, re.DOTALL)
    if cols:
        for m in re.finditer(r"<col\b([^>]*)/?>", cols.group(1)):
            attrs = dict(_ATTR.findall(m.group(1)))
            if "style" in attrs and "min" in attrs and "max" in attrs:
                for c in range(int(attrs["min"]), min(int(attrs["max"]), 16384) + 1):
                    styles[c] = attrs["style"]
    return styles


def _new_row(row_no: int, cells: dict[int, str | None], col_styles: dict[int, str],
             result: PatchResult) -> str:
    _, body = _patch_row(row_no, "", "", cells, col_styles, result)
    return f'<row r="{row_no}">{body}</row>'


def _widen_dimension(xml: str, cells: list[tuple[int, int]]) -> str:
    """Grow <dimension ref> over new cells: openpyxl's read-only mode (pandas) reads no row past it."""
    m = _DIMENSION.search(xml, 0, max(xml.find("<sheetData"), 0))
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


def patch_sheet_xml(xml: str, cells: Cells, result: PatchResult) -> str:
    first_written = len(result.written)
    by_row: dict[int, dict[int, str | None]] = {}
    for (row, col), value in cells.items():
        by_row.setdefault(row, {})[col] = value
    col_styles = _column_styles(xml) if by_row else {}
    start = xml.find("<sheetData")
    if start < 0:
        raise CorruptWorkbookError("", "sheet has no sheetData")
    targets = sorted(by_row)
    ti = 0
    out: list[str] = []
    pos = 0
    implied = 0
    for m in _ROW.finditer(xml, start):
        if ti == len(targets):
            break
        attrs = m.group(1)
        rm = re.search(r'\br="(\d+)"', attrs)
        row_no = int(rm.group(1)) if rm else implied + 1
        implied = row_no
        # A target row with no <row> element yet goes in before the first row after it.
        while ti < len(targets) and targets[ti] < row_no:
            out.append(xml[pos:m.start()])
            pos = m.start()
            out.append(_new_row(targets[ti], by_row[targets[ti]], col_styles, result))
            ti += 1
        if ti == len(targets) or targets[ti] != row_no:
            continue
        if m.group(2) == "/>":
            end, body = m.end(), ""
        else:
            close = xml.find(_ROW_END, m.end())
            if close < 0:
                raise CorruptWorkbookError("", f"row {row_no} is not closed")
            end, body = close + len(_ROW_END), xml[m.end():close]
        new_attrs, new_body = _patch_row(row_no, attrs, body, by_row[row_no], col_styles, result)
        out.append(xml[pos:m.start()])
        out.append(f"<row{new_attrs}>{new_body}</row>")
        pos = end
        ti += 1
    if ti < len(targets):  # rows after the last existing one
        tail = "".join(_new_row(r, by_row[r], col_styles, result) for r in targets[ti:])
        close = xml.find("</sheetData>", pos)
        if close >= 0:
            out.append(xml[pos:close] + tail)
            pos = close
        else:
            empty = re.compile(r"<sheetData\s*/>").search(xml, pos)
            if not empty:
                raise CorruptWorkbookError("", "sheetData not closed")
            out.append(xml[pos:empty.start()] + f"<sheetData>{tail}</sheetData>")
            pos = empty.end()
    out.append(xml[pos:])
    filled = [rc for rc in result.written[first_written:] if cells.get(rc)]
    return _widen_dimension("".join(out), filled)


def patch_workbook(src: Path, dst: Path, sheet_name: str, cells: Cells, compresslevel: int = 6) -> PatchResult:
    """Copy src to dst with the given cells of one sheet set; src is never modified.

    Reading src fails only with a WorkbookError (a torn save is a transient CorruptWorkbookError); an error
    while writing dst (a full disk) is not the workbook's fault and is raised as it is.
    """
    if Path(dst).exists() and Path(src).exists() and Path(dst).samefile(src):
        # Opening dst for writing would truncate the very file being read.
        raise ValueError(f"patch_workbook needs a dst other than src: {src}")
    result = PatchResult()
    with _open_zip(src) as zin:
        part = sheet_part(zin, sheet_name)
        try:
            new_xml = patch_sheet_xml(_sheet_text(zin, part), cells, result).encode("utf-8")
        except CorruptWorkbookError as exc:
            raise CorruptWorkbookError(src, exc.detail) from None  # patch_sheet_xml knows no path
        with zipfile.ZipFile(dst, "w", allowZip64=True) as zout:
            for info in zin.infolist():
                data = new_xml if info.filename == part else _member(zin, info)
                if result.dropped_calc_chain:
                    if info.filename == "xl/calcChain.xml":
                        continue
                    data = _without_calc_chain(info.filename, data)
                level = compresslevel if info.compress_type == zipfile.ZIP_DEFLATED else None
                zout.writestr(info, data, compress_type=info.compress_type, compresslevel=level)
    return result


def _without_calc_chain(name: str, data: bytes) -> bytes:
    """Excel rebuilds a calc chain it lacks, but repairs the file when one names a formula we overwrote."""
    if name == "[Content_Types].xml":
        return re.sub(rb'<Override[^>]*calcChain[^>]*/>', b"", data)
    if name == "xl/_rels/workbook.xml.rels":
        return re.sub(rb'<Relationship[^>]*calcChain[^>]*/>', b"", data)
    return data
