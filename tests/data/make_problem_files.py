"""Author the committed problem workbooks that tests/test_file_problems.py feeds to a pass.

- problem_encrypted.xlsx: a real password-protected workbook (ECMA-376 agile encryption, an
  OLE container holding EncryptedInfo/EncryptedPackage), made with msoffcrypto-tool from a
  generated purchase-request workbook. Password: sheetflow.
- problem_old_format.xlsx: the same workbook saved by LibreOffice as an old .xls (BIFF8 in an
  OLE container), then given the .xlsx name, as when someone renames a file instead of saving as.

The other bad kinds (truncated zip, random bytes, CSV text, missing header, renamed sheet) are
made by the tests themselves from the generated workbook.

Needs, only here: `pip install msoffcrypto-tool` and LibreOffice (`soffice`).
Run from anywhere:  .venv/bin/python tests/data/make_problem_files.py
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import msoffcrypto
import openpyxl
from msoffcrypto.format.ooxml import OOXMLFile

HERE = Path(__file__).resolve().parent
ENCRYPTED = HERE / "problem_encrypted.xlsx"
OLD_FORMAT = HERE / "problem_old_format.xlsx"
PASSWORD = "sheetflow"
SHEET = "采购申请"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def base_workbook(folder: Path) -> Path:
    """A workbook exactly as `sheetflow init` makes it, with one valid row filled in."""
    from processors.init_workspace import init_workspace

    root = folder / "ws"
    init_workspace(root)
    path = root / "sheets" / "采购申请.xlsx"
    wb = openpyxl.load_workbook(path)
    row = ["李强", "工程部", "万达广场", "石膏板", "9.5mm", "张", 10, 28.5, dt.date(2026, 12, 20), "常规",
           None, None, "王芳"]
    for col, value in enumerate(row, start=1):
        wb[SHEET].cell(row=2, column=col).value = value
    wb.save(path)
    return path


def encrypt(src: Path, dst: Path) -> None:
    out = io.BytesIO()
    with src.open("rb") as fh:
        OOXMLFile(fh).encrypt(PASSWORD, out)
    dst.write_bytes(out.getvalue())
    # check: an OLE file with an EncryptedPackage stream that opens with the password to the same workbook
    data = dst.read_bytes()
    assert data.startswith(OLE_MAGIC), "not an OLE container"
    assert "EncryptedPackage".encode("utf-16-le") in data
    office = msoffcrypto.OfficeFile(io.BytesIO(data))
    assert office.is_encrypted()
    plain = io.BytesIO()
    office.load_key(password=PASSWORD)
    office.decrypt(plain)
    assert openpyxl.load_workbook(plain)[SHEET]["D2"].value == "石膏板"


def to_xls(src: Path, dst: Path, work: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        sys.exit("LibreOffice (soffice) is needed to write the old .xls file")
    outdir = work / "xls"
    profile = work / "lo-profile"
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "xls",
                    "--outdir", str(outdir), str(src)], check=True, capture_output=True, timeout=180)
    [xls] = outdir.glob("*.xls")
    data = xls.read_bytes()
    assert data.startswith(OLE_MAGIC), "LibreOffice did not write an OLE file"
    assert "EncryptedPackage".encode("utf-16-le") not in data
    assert "Workbook".encode("utf-16-le") in data, "no BIFF Workbook stream"
    dst.write_bytes(data)


def main() -> None:
    sys.path.insert(0, str(HERE.parent.parent))
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        src = base_workbook(work)
        encrypt(src, ENCRYPTED)
        to_xls(src, OLD_FORMAT, work)
    for path in (ENCRYPTED, OLD_FORMAT):
        print(f"wrote {path} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
