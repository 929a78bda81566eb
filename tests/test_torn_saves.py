"""A save caught half-written is a transient problem for the reader and the patcher, never a crash.

A copy over a network share (and LibreOffice) writes the workbook in place, so a read can meet the file at
any moment of a save: empty, cut short, the new bytes over the old ones, a member whose CRC fails, a part
cut mid-tag, or gone for an instant. Each case is made here from a real workbook the way such a save
leaves it. The reader (calamine) and the patcher (zipfile) must both answer with a transient
WorkbookError, so the pass retries it until `settle_seconds` instead of dying; and the same file, once
the save completes, is read and patched as usual.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import BOOK, COLS, SHEET, Book, good_row, request_report, run_cli
from python_calamine import CalamineWorkbook

from processors import faults
from processors.errors import CorruptWorkbookError, NotXlsxError, WorkbookError
from processors.passes import run_pass
from processors.sheets.xlsx_patch import patch_workbook
from processors.sheets.xlsx_read import read_snapshot
from processors.workspace import Workspace

SHEET_XML = "xl/worksheets/sheet1.xml"
STATUS_CELL = (2, COLS["status"])


# --- ways a save is caught half-written, each from the bytes of the complete save -----------------------------------


def empty(data: bytes, older: bytes) -> bytes:
    """Truncated to nothing, nothing written yet."""
    return b""


def cut_short(data: bytes, older: bytes) -> bytes:
    """Half the new bytes written: no end-of-central-directory record yet."""
    return data[: len(data) // 2]


def new_over_old(data: bytes, older: bytes) -> bytes:
    """Written in place without truncating first: the new save's start over the end of the previous one."""
    return data[: len(data) // 2] + older[len(data) // 2:]


def crc_broken(member: str) -> Callable[[bytes, bytes], bytes]:
    def make(data: bytes, older: bytes) -> bytes:
        """A member whose bytes do not match its CRC-32 (both headers say another one)."""
        return with_bad_crc(data, member)

    make.__name__ = f"crc_broken({member})"
    return make


def part_cut(member: str) -> Callable[[bytes, bytes], bytes]:
    def make(data: bytes, older: bytes) -> bytes:
        """A well-formed zip whose XML part stops mid-tag."""
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in zin.infolist():
                body = zin.read(info)
                zout.writestr(info, body[: len(body) // 2] if info.filename == member else body)
        return out.getvalue()

    make.__name__ = f"part_cut({member})"
    return make


def with_bad_crc(data: bytes, member: str) -> bytes:
    """Flip the CRC-32 of `member` in its local header and in the central directory: same size, bad CRC."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo(member)
    bad = struct.pack("<I", info.CRC ^ 0xFFFFFFFF)
    out[info.header_offset + 14: info.header_offset + 18] = bad
    at = 0
    while (at := out.find(b"PK\x01\x02", at)) >= 0:
        name_len = struct.unpack("<H", out[at + 28: at + 30])[0]
        if out[at + 46: at + 46 + name_len].decode() == member:
            out[at + 16: at + 20] = bad
        at += 4
    return bytes(out)


READER_CASES = [empty, cut_short, crc_broken(SHEET_XML), part_cut(SHEET_XML), part_cut("xl/workbook.xml")]
# calamine reads neither docProps nor a CRC it does not reach; the patcher copies every member and checks them all
PATCHER_CASES = [empty, cut_short, new_over_old, crc_broken(SHEET_XML), crc_broken("docProps/app.xml"),
                 crc_broken("xl/workbook.xml"), part_cut("xl/workbook.xml"), part_cut("xl/_rels/workbook.xml.rels")]


@pytest.fixture
def saves(ws: Workspace, book: Book) -> tuple[bytes, bytes]:
    """(complete save, the save before it) of the workspace's purchase-request workbook, as bytes."""
    book.put_rows([good_row(item="石膏板")])
    older = book.path.read_bytes()
    book.put_rows([good_row(item="龙骨", quantity=40), good_row(item="螺丝", quantity=500)])
    return book.path.read_bytes(), older


def assert_transient(exc: pytest.ExceptionInfo[WorkbookError], path: Path) -> None:
    assert type(exc.value) in (CorruptWorkbookError, NotXlsxError), exc.value
    assert exc.value.transient, exc.value
    assert exc.value.path == str(path)


@pytest.mark.parametrize("torn", READER_CASES, ids=lambda f: f.__name__)
def test_reader_reports_a_torn_save_as_transient_then_reads_the_complete_one(
        ws: Workspace, book: Book, saves: tuple[bytes, bytes], torn: Callable[[bytes, bytes], bytes]) -> None:
    form = ws.forms["purchase_request"]
    data, older = saves
    book.path.write_bytes(torn(data, older))
    with pytest.raises(WorkbookError) as caught:
        read_snapshot(book.path, form)
    assert_transient(caught, book.path)

    book.path.write_bytes(data)  # the save completes
    snap = read_snapshot(book.path, form)
    assert [row.values["item"] for row in snap.rows] == ["龙骨", "螺丝"]


def test_reader_reports_a_file_gone_for_an_instant_as_transient(ws: Workspace, book: Book) -> None:
    """Between Excel's two renames the workbook's name points nowhere; a read then must not raise OSError."""
    aside = book.path.with_name("9B2E4D71.tmp")
    os.rename(book.path, aside)
    with pytest.raises(WorkbookError) as caught:
        read_snapshot(book.path, ws.forms["purchase_request"])
    assert_transient(caught, book.path)
    with pytest.raises(WorkbookError) as caught:
        patch_workbook(book.path, book.path.with_name("out.xlsx"), SHEET, {STATUS_CELL: "x"})
    assert_transient(caught, book.path)


@pytest.mark.parametrize("torn", PATCHER_CASES, ids=lambda f: f.__name__)
def test_patcher_reports_a_torn_save_as_transient_then_patches_the_complete_one(
        tmp_path: Path, book: Book, saves: tuple[bytes, bytes], torn: Callable[[bytes, bytes], bytes]) -> None:
    data, older = saves
    src, dst = tmp_path / "src.xlsx", tmp_path / "dst.xlsx"
    src.write_bytes(torn(data, older))
    with pytest.raises(WorkbookError) as caught:
        patch_workbook(src, dst, SHEET, {STATUS_CELL: "待部门负责人签批"})
    assert_transient(caught, src)

    src.write_bytes(data)  # the save completes
    patch_workbook(src, dst, SHEET, {STATUS_CELL: "待部门负责人签批"})
    with CalamineWorkbook.from_path(str(dst)) as wb:
        grid = wb.get_sheet_by_name(SHEET).to_python(skip_empty_area=False)
    assert grid[1][COLS["status"] - 1] == "待部门负责人签批"
    assert [grid[r][COLS["item"] - 1] for r in (1, 2)] == ["龙骨", "螺丝"]
    with zipfile.ZipFile(dst) as zf:
        assert zf.testzip() is None  # every member of the copy passes its CRC


def test_pass_retries_a_save_torn_under_the_patcher_and_processes_it_once_complete(
        ws: Workspace, book: Book, saves: tuple[bytes, bytes]) -> None:
    """The save is torn after our read and before our write, where the file's identity does not show it.

    The hook stands in for a save landing between the read and the patcher's copy: a member's CRC breaks
    while size, inode and mtime stay what the read saw (a share with coarse timestamps looks like this).
    """
    data, _ = saves
    book.path.write_bytes(b"")
    run_pass(ws, final=False)  # every workbook read once, so the next pass reads only this one
    book.path.write_bytes(data)

    def tear() -> None:
        st = book.path.stat()
        book.path.write_bytes(with_bad_crc(book.path.read_bytes(), "docProps/app.xml"))
        os.utime(book.path, ns=(st.st_atime_ns, st.st_mtime_ns))

    with faults.hooked("after_sync", tear):
        report = run_pass(ws, final=False)
    rep = request_report(report)
    assert rep.transient and type(rep.problem) is CorruptWorkbookError, rep.problem
    assert "docProps/app.xml" in rep.problem.detail
    [entry] = ws.store.file_status(f"sheets/{BOOK}")
    assert entry["state"] == "retrying"
    assert book.cell(2, "status") == ""  # nothing written from a file we could not copy

    book.path.write_bytes(data)  # the save completes
    rep = request_report(run_pass(ws, final=False))
    assert rep.problem is None
    assert book.keys() == ["PR-2026-0001", "PR-2026-0002"]
    assert book.cell(2, "status") == "待部门负责人签批"
    assert ws.store.file_status(f"sheets/{BOOK}")[0]["state"] == "ok"


@pytest.mark.parametrize("torn", [cut_short, crc_broken("docProps/app.xml")], ids=lambda f: f.__name__)
def test_run_on_a_half_written_file_exits_1_with_a_message(
        make_workspace: Callable[..., Workspace], torn: Callable[[bytes, bytes], bytes]) -> None:
    """`sheetflow run` retries the file for a moment, then says what is wrong with it: exit 1, never 70."""
    first = make_workspace()
    config = first.root / "config.toml"
    config.write_text(re.sub(r"(?m)^settle_seconds = .*$", "settle_seconds = 0.5",
                             config.read_text(encoding="utf-8")), encoding="utf-8")
    ws = make_workspace()
    book = Book(ws.cfg.sheets_dir / BOOK)
    book.put_rows([good_row()])
    complete = ws.root / "complete.xlsx"
    shutil.copyfile(book.path, complete)
    book.path.write_bytes(torn(complete.read_bytes(), b""))

    done = run_cli("run", "-w", str(ws.root))
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert "Traceback" not in out and "internal error" not in out, out
    [line] = [line for line in out.splitlines() if BOOK in line]
    assert f"sheets/{BOOK}：文件已损坏或不完整" in line and "重新保存" in line, line

    shutil.copyfile(complete, book.path)  # saved again, properly
    done = run_cli("run", "-w", str(ws.root))
    assert done.returncode == 0, done.stdout + done.stderr
    assert book.keys() == ["PR-2026-0001"]
