"""Values as Google really sends them, read by a whole pass: the fake now answers as the recordings show
(test_google_recorded.py), so these rows reach sheetflow in Google's own shapes.

- a date-time typed in the browser is a fractional serial under UNFORMATTED_VALUE + SERIAL_NUMBER;
- a number in a cell formatted as plain text is a JSON string;
- a row's empty trailing cells are left out, and an empty row in between is [].
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from backends import COLS, GoogleSheet
from conftest import SHEET, good_row

from processors.sheets.base import column_letter


def type_in(g: GoogleSheet, row: int, name: str, text: str) -> None:
    """What a person typing `text` into the cell does: the browser parses it (USER_ENTERED)."""
    g.fake.set_values(g.sid, g.tab, [[text]], start=f"{column_letter(COLS[name])}{row}", typed=True)


def read_back(g: GoogleSheet, row: int, name: str) -> object:
    """The cell as sheetflow's read gets it (UNFORMATTED_VALUE, SERIAL_NUMBER), through gspread."""
    from google_fake import client_for

    ws = client_for(g.fake).open_by_key(g.sid).worksheet(g.tab)
    cells = ws.get(f"{column_letter(COLS[name])}{row}", value_render_option="UNFORMATTED_VALUE",
                   date_time_render_option="SERIAL_NUMBER")
    return cells[0][0]


def test_a_date_time_typed_in_the_browser_is_a_fractional_serial_and_is_taken_as_that_day(gsheet: GoogleSheet) -> None:
    gsheet.put_rows([good_row(needed_by=None), good_row(needed_by=None)])
    type_in(gsheet, 2, "needed_by", "2026-12-20 15:30")
    type_in(gsheet, 3, "needed_by", "2026-12-20")
    assert read_back(gsheet, 2, "needed_by") == pytest.approx(46376.645833, abs=1e-5)
    assert read_back(gsheet, 3, "needed_by") == 46376
    gsheet.run()
    assert (gsheet.cell(2, "key"), gsheet.cell(3, "key")) == ("PR-2026-0001", "PR-2026-0002")
    assert gsheet.cell(2, "status") == gsheet.cell(3, "status") != "无效"
    stored = [r.data["needed_by"] for r in sorted(gsheet.ws.store.records("purchase_request"), key=lambda r: r.key)]
    assert stored == ["2026-12-20", "2026-12-20"]


def test_numbers_in_cells_formatted_as_text_arrive_as_strings_and_count_as_numbers(gsheet: GoogleSheet) -> None:
    gsheet.put_rows([good_row(quantity="12", unit_price="28.50"), good_row(quantity=12, unit_price=28.5)])
    assert (read_back(gsheet, 2, "quantity"), read_back(gsheet, 3, "quantity")) == ("12", 12)
    gsheet.run()
    assert gsheet.cell(2, "key") and gsheet.cell(3, "key")
    assert gsheet.cell(2, "status") == gsheet.cell(3, "status") != "无效"
    as_text, as_number = (r.data for r in sorted(gsheet.ws.store.records("purchase_request"), key=lambda r: r.key))
    assert as_text["quantity"] == as_number["quantity"] == "12"
    assert Decimal(as_text["unit_price"]) == Decimal(as_number["unit_price"]) == Decimal("28.5")


def test_ragged_rows_are_read_as_google_sends_them(gsheet: GoogleSheet) -> None:
    """Row 2 stops after its item (Google leaves out the empty cells after it), row 3 is empty ([]), row 4 is
    whole: the short row is told what it lacks, the empty one is left alone, the whole one is numbered."""
    gsheet.put_rows([{"applicant": "李强", "department": "工程部", "project": "万达广场", "item": "石膏板"}])
    gsheet.put_rows([good_row()], start=4)
    values = gsheet.fake.values(gsheet.sid, SHEET)
    assert len(values[1]) == COLS["item"] and values[2] == []
    gsheet.run()
    assert gsheet.cell(2, "status") == "无效" and "数量" in gsheet.cell(2, "message")
    assert (gsheet.cell(3, "status"), gsheet.cell(3, "key")) == ("", "")
    assert gsheet.cell(4, "key") == "PR-2026-0001"
