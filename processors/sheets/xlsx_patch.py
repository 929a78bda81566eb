"""Write cell values into an .xlsx by patching its sheet XML in place.

openpyxl's load/save rebuilds the whole workbook and drops what it does not model
(images, charts, extended validation, slicers …). Here every zip entry but one
sheet's XML is copied as it was, and inside that XML only the target <c> elements
change: the cell's style (s=) is kept, the value becomes an inline string, so the
shared-string table is never touched. Everything else is left byte for byte, but
for the height of a row whose wrapped cells sheetflow writes (xlsx_rowfit.py).
The sheet's elements may carry a namespace prefix (`<x:sheetData>`, as the Open
XML SDK writes them); what is written in uses the same prefix.

Text that looks like Excel's ST_Xstring escape (`_x0041_`) is written as rich-text
runs split inside the look-alike, so no <t> holds one: by the standard Excel would
decode `_x0041_` to "A", and the standard's own escape (`_x005F_x0041_`) is read
literally from an inline string by openpyxl (so pandas); runs read as typed in
Excel, LibreOffice, openpyxl and calamine alike.

The file being read may be a staff save still in progress (a copy over a network
share writes in place): whatever the zip or XML layer raises while reading it is
a transient CorruptWorkbookError here, so the pass retries it instead of dying.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from pathlib import Path
from xml.etree import ElementTree as ET

from ..errors import CorruptWorkbookError
from .xlsx_rowfit import StyleFacts, style_facts
from .xlsx_sheetxml import Cells, PatchResult, escape, inline_string, patch_sheet_xml

__all__ = ["Cells", "PatchResult", "escape", "inline_string", "patch_sheet_xml", "patch_workbook", "sheet_part",
           "torn"]

_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CALC_CHAIN_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml"

# Every way reading a zip fails when it is caught half-written: the end record or a local header cut short
# (BadZipFile, EOFError, struct.error), a member that fails its CRC or does not inflate (BadZipFile, zlib.error),
# garbage where a header was (NotImplementedError: "compression method"), a member the directory names but the
# data lacks (KeyError), a part cut mid-tag (ParseError) or mid-character (UnicodeDecodeError, a ValueError),
# the file shrinking or vanishing under us (OSError).
_TORN = (zipfile.BadZipFile, EOFError, struct.error, zlib.error, NotImplementedError, KeyError, ET.ParseError,
         ValueError, OSError)


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
            return _part_name(rel.get("Target", ""))
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
        styles = _styles(zin)
        try:
            new_xml = patch_sheet_xml(_sheet_text(zin, part), cells, result, styles).encode("utf-8")
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


def _styles(zf: zipfile.ZipFile) -> StyleFacts:
    """The workbook's cell styles, for row heights; a workbook without a readable styles part gets none fitted."""
    rels = _xml_part(zf, "xl/_rels/workbook.xml.rels")
    target = next((rel.get("Target", "") for rel in rels.iter(f"{{{_NS_PKG_REL}}}Relationship")
                   if rel.get("Type", "").endswith("/styles")), "")
    name = _part_name(target) if target else "xl/styles.xml"
    if name not in zf.namelist():
        return StyleFacts()
    return style_facts(_member(zf, name))


def _part_name(target: str) -> str:
    """A workbook relationship's target as a zip path."""
    if target.startswith("/"):
        return target.lstrip("/")
    return "xl/" + target if not target.startswith("xl/") else target


def _without_calc_chain(name: str, data: bytes) -> bytes:
    """Excel rebuilds a calc chain it lacks, but repairs the file when one names a formula we overwrote."""
    if name == "[Content_Types].xml":
        return re.sub(rb'<Override[^>]*calcChain[^>]*/>', b"", data)
    if name == "xl/_rels/workbook.xml.rels":
        return re.sub(rb'<Relationship[^>]*calcChain[^>]*/>', b"", data)
    return data
