"""Text sheetflow writes into the workbooks staff fill stays text: new form workbooks, sample rows, Google cells.

Here the text is data sheetflow reads back, so it is kept exactly ("=1+1" stays "=1+1",
never an apostrophe added); what must not happen is that it becomes a formula.
The write-back of status cells (xlsx_patch) is covered in test_generated_cells and
test_xlsx_patch_xml.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import NOW, TZ
from google_fake import FakeGoogle, client_for
from orders_helpers import FormSheet

from processors.clock import Clock
from processors.init_workspace import init_workspace
from processors.passes import run_pass
from processors.resources import bundled_dir
from processors.sheets.google.book import GoogleBook
from processors.sheets.xlsx_patch import sheet_part
from processors.workspace import Workspace

FORMULA = re.compile(rb"<f[\s/>]")
SAMPLE = '''[[rows]]
unit_no = "S-01"
floor = "1F"
area = 50
category = "=1+1"
remarks = '=HYPERLINK("http://x","y")'

[[rows]]
unit_no = "S-02"
floor = "-1F"
area = 60
category = "@品类"
remarks = "#N/A"
'''


@pytest.fixture
def own_units(tmp_path: Path) -> Path:
    """A workspace whose own unit form (a header starting with "=") and sample rows came after `init`."""
    root = tmp_path / "ws"
    init_workspace(root)
    form = (bundled_dir("forms") / "unit.toml").read_text(encoding="utf-8")
    form = form.replace('label = { zh = "楼层", en = "Floor" }', 'label = { zh = "=楼层", en = "Floor" }')
    (root / "forms" / "samples").mkdir(parents=True)
    (root / "forms" / "unit.toml").write_text(form, encoding="utf-8")
    (root / "forms" / "samples" / "unit.toml").write_text(SAMPLE, encoding="utf-8")
    (root / "sheets" / "铺位.xlsx").unlink()
    init_workspace(root, sample=True)             # only the unit workbook is new: it gets the sample rows
    return root


# unit_no, floor, area, category, remarks stand in D:H, after the number, status and message
@pytest.mark.parametrize(("ref", "text"), [("E1", "=楼层 Floor"), ("G2", "=1+1"),
                                           ("H2", '=HYPERLINK("http://x","y")'), ("E3", "-1F"),
                                           ("G3", "@品类"), ("H3", "#N/A"), ("D2", "S-01")])
def test_new_form_workbook_and_its_samples_hold_text_not_formulas(own_units: Path, ref: str, text: str) -> None:
    path = own_units / "sheets" / "铺位.xlsx"
    with zipfile.ZipFile(path) as zf:
        assert not FORMULA.search(zf.read(sheet_part(zf, "铺位")))
    cell = openpyxl.load_workbook(path)["铺位"][ref]
    assert (cell.data_type, cell.value) == ("s", text)
    assert cell.quotePrefix == (text[0] in "=+-@")   # Excel keeps it text when someone edits the cell


def test_sheetflow_reads_the_sample_text_back_as_typed(own_units: Path) -> None:
    ws = Workspace(own_units, clock=Clock(TZ, NOW.replace(tzinfo=TZ)))
    try:
        run_pass(ws)
        units = FormSheet(ws, "unit")
        assert [units.cell(r, "status") for r in (2, 3)] == ["空置", "空置"]   # the "=楼层" header was found
        data = {r.key: r.data for r in ws.store.records("unit")}
        assert data["S-01"]["category"] == "=1+1" and data["S-02"]["remarks"] == "#N/A"
    finally:
        ws.close()


def test_google_cells_are_written_raw_so_text_is_never_parsed(fake_google: FakeGoogle) -> None:
    """RAW: "'=1+1" keeps its apostrophe and "007" its zeros (USER_ENTERED would parse both, and run "=1+1")."""
    sid = fake_google.create_spreadsheet("raw", {"T": [["header"]]})
    written = ["=1+1", "'=1+1", "007", "@SUM(A1)", "- 备注"]
    GoogleBook(client_for(fake_google), sid).write({"T": {(2, c): v for c, v in enumerate(written, start=1)}})
    assert fake_google.values(sid, "T")[1] == written
