"""sheetflow's own Google code (the book, the paced client, setup) reading Google's recorded answers.

The fake's answers are held against Google's in test_google_recorded.py; here the other half: the code that
reads them is given Google's own bytes (google_replay/answers.py), so reading a real response is proven, not
only reading the fake's. Each test names the recorded exchange it answers with.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from google_replay.answers import Answer, RecordedGoogle, envelope, recorded
from google_replay.cassettes import Exchange, cassettes

from processors.errors import GoogleAccessError, GoogleRequestError, WorkbookError
from processors.sheets.google.book import GoogleBook
from processors.sheets.google.pacing import PacedHTTPClient
from processors.sheets.google.setup import setup_spreadsheet
from processors.workspace import Workspace


def at(where: str) -> Exchange:
    name, _, index = where.partition("#")
    ex = cassettes()[name][int(index)]
    assert ex.where == where
    return ex


def book_on(google: RecordedGoogle, spreadsheet_id: str) -> GoogleBook:
    return GoogleBook(google.client(), spreadsheet_id, "sheetflow@example.iam.gserviceaccount.com")


BATCH_GET = "SpreadsheetTest.test_values_batch_get#5"      # three one-column ranges, B and C not starting at A
RAGGED = "WorksheetTest.test_batch_update#6"                # rows 2 and 3 empty ([]), an empty cell inside a row
SERIALS = "WorksheetTest.test_get_all_values_date_time_render_options#8"   # UNFORMATTED_VALUE + SERIAL_NUMBER


def test_book_reads_a_real_batch_get_with_each_range_placed_where_google_says_it_starts() -> None:
    ex = at(BATCH_GET)
    with RecordedGoogle([recorded(ex)]) as google:
        grids = book_on(google, ex.spreadsheet_id).read(["a", "b", "c"])
    assert grids == {"a": [["🍇"], ["🍐"]], "b": [["", "🍉"], ["", "🍎"]], "c": [["", "", "🍋"], ["", "", "🍓"]]}
    [sent] = google.sent
    assert sent.api == "values.batchGet" and sent.query["ranges"] == ["'a'", "'b'", "'c'"]
    assert (sent.query["valueRenderOption"], sent.query["dateTimeRenderOption"]) == (["UNFORMATTED_VALUE"],
                                                                                    ["SERIAL_NUMBER"])


def test_book_keeps_googles_ragged_rows_and_typed_values_as_sent() -> None:
    """Empty rows come as [], trailing empty cells are left out, numbers are numbers and dates serials, under the
    render options the book sends (the recorded ValueRanges in the recorded batchGet envelope)."""
    ragged, serials = at(RAGGED), at(SERIALS)
    with RecordedGoogle([envelope(ragged.spreadsheet_id, ragged, serials)]) as google:
        grids = book_on(google, ragged.spreadsheet_id).read(["ragged", "serials"])
    assert grids["ragged"] == [["A1", "B1", "", "D1"], [], [], ["A4", "B4", "", "D4"]]
    assert grids["serials"] == [[2, 43831, "string", 53], [1.5, 0.12, 36162]]     # row 2 stops before its empty D


def test_book_writes_and_reads_googles_count_of_cells_written() -> None:
    ex = at("WorksheetTest.test_batch_update#5")
    with RecordedGoogle([recorded(ex)]) as google:
        written = book_on(google, ex.spreadsheet_id).write({"Sheet1": {(1, 1): "A1", (1, 2): "B1", (1, 3): None}})
    assert written == ex.answer["totalUpdatedCells"] == 8
    [sent] = google.sent
    assert sent.body == {"valueInputOption": "RAW", "data": [{"range": "'Sheet1'!A1:C1", "values": [["A1", "B1", ""]]}]}


def test_book_lists_tab_titles_from_a_real_spreadsheet_resource() -> None:
    ex = at("SpreadsheetTest.test_add_del_worksheet#7")
    with RecordedGoogle([recorded(ex)]) as google:
        titles = book_on(google, ex.spreadsheet_id).titles()
    assert titles == ["Sheet1", "test_add_del_worksheet 1", "test_add_del_worksheet 2", "test_add_del_worksheet 3"]


@pytest.mark.parametrize(("where", "api", "call", "error", "says"), [
    ("ClientTest.test_access_non_existing_spreadsheet#3", "spreadsheets.get", lambda b: b.titles(),
     GoogleAccessError, "404 Requested entity was not found."),
    ("ClientTest.test_access_private_spreadsheet#3", "values.batchGet", lambda b: b.read(["Sheet1"]),
     GoogleAccessError, "403 The caller does not have permission"),
    ("WorksheetTest.test_add_validation#5", "values.batchUpdate", lambda b: b.write({"Sheet1": {(1, 1): "x"}}),
     GoogleRequestError, "400 Invalid value at 'data.values'"),
    ("WorksheetTest.test_hide_show_worksheet#5", "spreadsheets.get", lambda b: b.titles(), GoogleRequestError,
     "400 Invalid requests[0].updateSheetProperties: You can't hide all the sheets in a document."),
])
def test_googles_real_error_bodies_become_a_clear_problem(where: str, api: str, call: Callable[[GoogleBook], object],
                                                          error: type[WorkbookError], says: str) -> None:
    """A recorded error body, answered to the call the book makes (the body is what the book reads)."""
    ex = at(where)
    with RecordedGoogle([Answer(api, ex.status, ex.answer, ex.where)]) as google, pytest.raises(error) as caught:
        call(book_on(google, ex.spreadsheet_id or "1someid"))
    assert [s.api for s in google.sent] == [api]
    assert caught.value.detail.startswith(says)


def test_paced_client_does_not_retry_a_real_4xx_and_counts_it() -> None:
    ex = at("ClientTest.test_access_private_spreadsheet#3")
    with RecordedGoogle([recorded(ex), recorded(ex)]) as google:
        client = google.client()
        with pytest.raises(GoogleAccessError):
            GoogleBook(client, ex.spreadsheet_id).titles()
        http = client.http_client
        assert isinstance(http, PacedHTTPClient)
    assert len(google.sent) == 1 and http.use.retries == 0 and http.use.sheets_read == 1
    assert len(google.unanswered) == 1


def test_setup_reads_real_answers_and_addresses_the_tab_google_made(ws: Workspace) -> None:
    """spreadsheets.get: a real resource with a protected range on gid 0, which Google sends without sheetId;
    addSheet: Google's reply with the new tab's id; values.batchGet: the header rows (a recorded ValueRange);
    the final batchUpdate: a recorded reply. What setup then sends must address the tabs by Google's ids."""
    meta = at("WorksheetTest.test_add_protected_range_normal#5")
    added = at("SpreadsheetTest.test_values_batch_get#3")
    headers = at("WorksheetTest.test_batch_update#6")
    done = at("WorksheetTest.test_add_protected_range_normal#4")
    form = ws.forms["purchase_request"]
    script = [recorded(meta), recorded(added), envelope(meta.spreadsheet_id, headers), recorded(done)]
    with RecordedGoogle(script) as google:
        report = setup_spreadsheet(google.client(), meta.spreadsheet_id, [(form, "Sheet1"), (form, "新表")],
                                   ws.cfg, ws.t)
    assert not google.unanswered and [s.api for s in google.sent] == [a.api for a in script]
    new_id = added.answer["replies"][0]["addSheet"]["properties"]["sheetId"]
    assert [(p.tab, p.sheet_id, p.created) for p in report.tabs] == [("Sheet1", 0, False), ("新表", new_id, True)]
    requests = google.sent[-1].body["requests"]
    ids = {r[k].get("properties", r[k].get("range", r[k].get("start", {}))).get("sheetId")
           for r in requests for k in r if k in ("updateSheetProperties", "updateCells", "repeatCell")}
    assert ids == {0, new_id}
    # the recorded range has no sheetflow description, so every protection is added, none "updated"
    assert not [r for r in requests if "updateProtectedRange" in r]
    assert [r for r in requests if "addProtectedRange" in r]


def test_drive_state_reads_googles_modified_time_as_sent() -> None:
    """No recorded files.get asks for `version` (gspread asks id,name,createdTime,modifiedTime): the answer
    proves the reading of a real modifiedTime, and that a missing version leaves modifiedTime to tell edits
    apart rather than failing, and that an answer without lastModifyingUser names nobody (the audit trail then
    falls back to the row's person)."""
    first, later = at("CellTest.test_a1_value#2"), at("SpreadsheetTest.test_values_batch_get#2")
    with RecordedGoogle([recorded(first), recorded(later)]) as google:
        book = book_on(google, first.spreadsheet_id)
        a, b = book.drive_state(), book.drive_state()
    assert (a.version, a.modified) == ("", first.answer["modifiedTime"])
    assert a.identity() != b.identity()
    assert a.modified_by == {}
    [sent, _] = google.sent
    assert sent.api == "files.get"
    assert sent.query["fields"] == ["version,modifiedTime,lastModifyingUser(displayName,emailAddress,me)"]
