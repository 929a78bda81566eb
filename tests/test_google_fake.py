"""The Google fake is faithful enough to build the Sheets backend on: gspread's real client works against it unchanged.

Every test drives the fake through gspread (or plain requests for raw HTTP details), never by calling its handlers,
so what passes here is what the backend will see.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import gspread
import pytest
import requests
from google_fake import TOKEN, USER_EMAIL, FakeGoogle, client_for
from gspread.http_client import BackOffHTTPClient
from gspread.utils import ValueRenderOption

SHEET = "采购申请"
OTHER = "It's"
DRIVE = "https://www.googleapis.com/drive/v3/files/"

PURCHASES = [
    ["申请人", "部门", "数量", "单价", "急"],
    ["李强", "工程部", 10, 28.5, True],
    ["王芳", "", 3, 100.0],
    [],
    ["张伟", "采购部", 1, 0.25, False],
]
NOTES_TAB = [["a", "b", "c"], ["d", "e", "f"], ["g", "h", "i"]]


@pytest.fixture
def fake() -> Iterator[FakeGoogle]:
    with FakeGoogle() as server:
        yield server


@pytest.fixture
def sid(fake: FakeGoogle) -> str:
    return fake.create_spreadsheet("采购台账", {SHEET: PURCHASES, OTHER: NOTES_TAB})


@pytest.fixture
def client(fake: FakeGoogle) -> gspread.Client:
    return client_for(fake)


def sheets_reads(counts: Counter[tuple[str, str]]) -> int:
    return sum(n for (_, kind), n in counts.items() if kind.startswith(("spreadsheets.", "values.")))


# ------------------------------------------------------------------------------------------ gspread, unmodified

def test_open_by_key_and_worksheets(fake: FakeGoogle, sid: str, client: gspread.Client) -> None:
    spreadsheet = client.open_by_key(sid)
    tabs = spreadsheet.worksheets()
    assert spreadsheet.title == "采购台账"
    assert [(w.title, w.id, w.index) for w in tabs] == [(SHEET, 0, 0), (OTHER, tabs[1].id, 1)]
    assert (tabs[0].row_count, tabs[0].col_count) == (1000, 26)
    assert fake.counts() == Counter({("GET", "spreadsheets.get"): 2})


def test_spreadsheets_get_metadata_shape(sid: str, client: gspread.Client) -> None:
    meta = client.http_client.fetch_sheet_metadata(sid)        # sends includeGridData=false
    assert set(meta) == {"spreadsheetId", "properties", "sheets", "spreadsheetUrl"}
    assert meta["properties"]["title"] == "采购台账"
    assert meta["sheets"][0] == {"properties": {"sheetId": 0, "title": SHEET, "index": 0, "sheetType": "GRID",
                                                "gridProperties": {"rowCount": 1000, "columnCount": 26}}}


def test_get_all_values_is_one_values_get(fake: FakeGoogle, sid: str, client: gspread.Client) -> None:
    ws = client.open_by_key(sid).worksheet(SHEET)
    fake.reset_counts()
    grid = ws.get_all_values()
    # gspread pads the trimmed answer back to a rectangle; formatted values are strings
    assert grid == [["申请人", "部门", "数量", "单价", "急"], ["李强", "工程部", "10", "28.5", "TRUE"],
                    ["王芳", "", "3", "100", ""], ["", "", "", "", ""], ["张伟", "采购部", "1", "0.25", "FALSE"]]
    assert fake.counts() == Counter({("GET", "values.get"): 1})


@pytest.mark.parametrize(("render", "row2"), [
    (ValueRenderOption.formatted, ["李强", "工程部", "10", "28.5", "TRUE"]),
    (ValueRenderOption.unformatted, ["李强", "工程部", 10, 28.5, True]),
])
def test_values_batch_get_two_tabs_in_one_request(fake: FakeGoogle, sid: str, client: gspread.Client,
                                                  render: str, row2: list[Any]) -> None:
    spreadsheet = client.open_by_key(sid)
    fake.reset_counts()
    got = spreadsheet.values_batch_get([f"'{SHEET}'!A1:S", "'It''s'!B2:C3"], params={"valueRenderOption": render})
    first, second = got["valueRanges"]
    assert first["range"] == f"'{SHEET}'!A1:S1000"      # the whole requested range, clipped to the grid
    assert first["values"][1] == row2
    assert first["values"][3] == []                       # an empty row inside the data stays as []
    assert second == {"range": "'It''s'!B2:C3", "majorDimension": "ROWS", "values": [["e", "f"], ["h", "i"]]}
    assert fake.counts() == Counter({("GET", "values.batchGet"): 1})


def test_values_batch_update_two_tabs_in_one_request(fake: FakeGoogle, sid: str, client: gspread.Client) -> None:
    spreadsheet = client.open_by_key(sid)
    version = fake.drive_file(sid)["version"]
    fake.reset_counts()
    result = spreadsheet.values_batch_update({
        "valueInputOption": "RAW",
        "data": [{"range": f"'{SHEET}'!F1:G2", "values": [["状态", "编号"], ["已提交", "PR-2026-0001"]]},
                 {"range": "'It''s'!A1", "values": [["z"]]}],
    })
    assert fake.counts() == Counter({("POST", "values.batchUpdate"): 1})
    assert (result["totalUpdatedCells"], result["totalUpdatedSheets"]) == (5, 2)
    assert [r["updatedRange"] for r in result["responses"]] == [f"'{SHEET}'!F1:G2", "'It''s'!A1"]
    assert fake.values(sid, SHEET)[1] == ["李强", "工程部", 10, 28.5, True, "已提交", "PR-2026-0001"]
    assert fake.values(sid, OTHER)[0] == ["z", "b", "c"]
    assert int(fake.drive_file(sid)["version"]) == int(version) + 1


def test_values_batch_update_is_all_or_nothing(fake: FakeGoogle, sid: str, client: gspread.Client) -> None:
    before, version = fake.values(sid, SHEET), fake.drive_file(sid)["version"]
    with pytest.raises(gspread.exceptions.APIError) as err:
        client.open_by_key(sid).values_batch_update({
            "valueInputOption": "RAW",
            "data": [{"range": f"'{SHEET}'!A1", "values": [["changed"]]},
                     {"range": f"'{SHEET}'!A1:B1", "values": [["too", "many", "cells"]]}],
        })
    assert err.value.code == 400
    assert "tried writing to column [C]" in err.value.error["message"]
    assert (fake.values(sid, SHEET), fake.drive_file(sid)["version"]) == (before, version)


@pytest.mark.parametrize(("raw", "sent", "stored"), [
    (True, ["10", "TRUE", "'x", 3], ["10", "TRUE", "'x", 3]),
    (False, ["10", "TRUE", "'x", 3], [10, True, "x", 3]),
    (False, ["1,234.5", "abc", "", 0.5], [1234.5, "abc", "", 0.5]),
])
def test_worksheet_update_uses_values_update(fake: FakeGoogle, sid: str, client: gspread.Client,
                                             raw: bool, sent: list[Any], stored: list[Any]) -> None:
    ws = client.open_by_key(sid).worksheet(OTHER)
    fake.reset_counts()
    result = ws.update([sent], "D1", raw=raw)
    assert fake.counts() == Counter({("PUT", "values.update"): 1})
    assert result["updatedRange"] == "'It''s'!D1:G1"
    assert fake.values(sid, OTHER)[0] == ["a", "b", "c", *stored]


def test_batch_update_protection_validation_and_notes(fake: FakeGoogle, sid: str, client: gspread.Client) -> None:
    spreadsheet = client.open_by_key(sid)
    version = fake.drive_file(sid)["version"]
    fake.reset_counts()
    result = spreadsheet.batch_update({"requests": [
        {"addProtectedRange": {"protectedRange": {
            "range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 1},
            "description": "header", "editors": {"users": ["owner@example.com"]}}}},
        {"setDataValidation": {
            "range": {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 3, "startColumnIndex": 4, "endColumnIndex": 5},
            "rule": {"condition": {"type": "BOOLEAN"}, "strict": True}}},
        {"updateCells": {"range": {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 2,
                                   "startColumnIndex": 2, "endColumnIndex": 3},
                         "rows": [{"values": [{"note": "数量不能为0"}]}], "fields": "note"}},
        {"repeatCell": {"range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 1},
                        "cell": {"userEnteredFormat": {"textFormat": {"bold": True}}},
                        "fields": "userEnteredFormat(textFormat)"}},
    ]})
    assert fake.counts() == Counter({("POST", "spreadsheets.batchUpdate"): 1})
    replies = result["replies"]
    assert replies[1:] == [{}, {}, {}]
    protected = replies[0]["addProtectedRange"]["protectedRange"]
    assert protected["editors"]["users"] == ["owner@example.com", USER_EMAIL]
    assert fake.protected_ranges(sid, SHEET) == [protected]
    assert fake.validation(sid, SHEET) == {"E2": {"condition": {"type": "BOOLEAN"}, "strict": True},
                                           "E3": {"condition": {"type": "BOOLEAN"}, "strict": True}}
    assert fake.notes(sid, SHEET) == {"C2": "数量不能为0"}
    assert fake.values(sid, SHEET) == PURCHASES            # formats and notes leave values alone
    assert int(fake.drive_file(sid)["version"]) == int(version) + 1

    # what spreadsheets.get and gspread's own note reader see afterwards
    meta = spreadsheet.fetch_sheet_metadata()
    assert meta["sheets"][0]["protectedRanges"] == [protected]
    assert "protectedRanges" not in meta["sheets"][1]
    ws = spreadsheet.worksheet(SHEET)
    assert ws.get_note("C2") == "数量不能为0"
    assert ws.get_notes() == [[], ["", "", "数量不能为0"]]

    spreadsheet.batch_update({"requests": [
        {"deleteProtectedRange": {"protectedRangeId": protected["protectedRangeId"]}},
        {"setDataValidation": {"range": {"sheetId": 0, "startRowIndex": 2, "endRowIndex": 3,
                                         "startColumnIndex": 4, "endColumnIndex": 5}}},
    ]})
    assert fake.protected_ranges(sid, SHEET) == []
    assert list(fake.validation(sid, SHEET)) == ["E2"]


def test_gspread_update_note_and_clear_note(fake: FakeGoogle, sid: str, client: gspread.Client) -> None:
    ws = client.open_by_key(sid).worksheet(OTHER)
    ws.update_note("B2", "看这里")
    assert fake.notes(sid, OTHER) == {"B2": "看这里"}
    ws.clear_note("B2")
    assert fake.notes(sid, OTHER) == {}


def test_add_worksheet_and_rename_through_gspread(fake: FakeGoogle, sid: str, client: gspread.Client) -> None:
    spreadsheet = client.open_by_key(sid)
    added = spreadsheet.add_worksheet("订单", rows=50, cols=5)
    added.update_title("订单2026")
    assert [(w.title, w.row_count, w.col_count) for w in spreadsheet.worksheets()] == [
        (SHEET, 1000, 26), (OTHER, 1000, 26), ("订单2026", 50, 5)]
    with pytest.raises(gspread.exceptions.APIError, match="already exists"):
        spreadsheet.add_worksheet(SHEET, rows=1, cols=1)


def test_unknown_batch_request_is_rejected_whole(fake: FakeGoogle, sid: str, client: gspread.Client) -> None:
    version = fake.drive_file(sid)["version"]
    with pytest.raises(gspread.exceptions.APIError) as err:
        client.open_by_key(sid).batch_update({"requests": [
            {"updateCells": {"range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 1,
                                       "startColumnIndex": 0, "endColumnIndex": 1},
                             "rows": [{"values": [{"note": "n"}]}], "fields": "note"}},
            {"mergeCells": {"range": {"sheetId": 0}, "mergeType": "MERGE_ALL"}},
        ]})
    assert err.value.code == 400
    assert 'Unknown name "mergeCells"' in err.value.error["message"]
    assert err.value.error["status"] == "INVALID_ARGUMENT"
    assert (fake.notes(sid, SHEET), fake.drive_file(sid)["version"]) == ({}, version)


def test_drive_files_get_is_one_request_and_no_sheets_read(fake: FakeGoogle, sid: str, client: gspread.Client) -> None:
    def drive_meta() -> dict[str, Any]:
        return client.http_client.request("get", DRIVE + sid, params={"fields": "id,name,version,modifiedTime"}).json()

    first = drive_meta()
    assert fake.counts() == Counter({("GET", "files.get"): 1})
    assert sheets_reads(fake.counts()) == 0
    assert set(first) == {"id", "name", "version", "modifiedTime"}
    assert (first["id"], first["name"]) == (sid, "采购台账")
    assert first["modifiedTime"].endswith("Z") and first["modifiedTime"][10] == "T"

    fake.set_values(sid, SHEET, [["改了"]], start="B3")      # someone edits in the browser
    second = drive_meta()
    assert int(second["version"]) == int(first["version"]) + 1
    assert second["modifiedTime"] >= first["modifiedTime"]
    assert fake.values(sid, SHEET)[2][1] == "改了"


@pytest.mark.parametrize(("fields", "expected"), [
    ("version", {"version"}),
    ("id,modifiedTime", {"id", "modifiedTime"}),
    (None, {"kind", "id", "name", "mimeType"}),
])
def test_drive_fields_projection(fake: FakeGoogle, sid: str, client: gspread.Client,
                                 fields: str | None, expected: set[str]) -> None:
    params = {"fields": fields} if fields else {}
    assert set(client.http_client.request("get", DRIVE + sid, params=params).json()) == expected


def test_gspread_drive_metadata_helper(sid: str, client: gspread.Client) -> None:
    meta = client.http_client.get_file_drive_metadata(sid)
    assert set(meta) == {"id", "name", "createdTime", "modifiedTime"}


# ------------------------------------------------------------------------------------------ A1 ranges

RANGES = [
    (f"'{SHEET}'!A1:S", f"'{SHEET}'!A1:S1000", PURCHASES),
    (f"'{SHEET}'!A2:B", f"'{SHEET}'!A2:B1000", [["李强", "工程部"], ["王芳"], [], ["张伟", "采购部"]]),
    (f"'{SHEET}'!C:D", f"'{SHEET}'!C1:D1000", [["数量", "单价"], [10, 28.5], [3, 100.0], [], [1, 0.25]]),
    (f"'{SHEET}'!B3", f"'{SHEET}'!B3", []),                     # an empty cell: no values key at all
    (f"'{SHEET}'!A5", f"'{SHEET}'!A5", [["张伟"]]),
    (f"'{SHEET}'!2:3", f"'{SHEET}'!A2:Z3", [["李强", "工程部", 10, 28.5, True], ["王芳", "", 3, 100.0]]),
    (f"'{SHEET}'!D3:C2", f"'{SHEET}'!C2:D3", [[10, 28.5], [3, 100.0]]),   # reversed corners
    (f"'{SHEET}'", f"'{SHEET}'!A1:Z1000", PURCHASES),
    (SHEET, f"'{SHEET}'!A1:Z1000", PURCHASES),
    ("'It''s'!B2", "'It''s'!B2", [["e"]]),
    ("'It''s'!A:A", "'It''s'!A1:A1000", [["a"], ["d"], ["g"]]),
    ("It's!C3", "'It''s'!C3", [["i"]]),
    ("A1:B1", f"'{SHEET}'!A1:B1", [["申请人", "部门"]]),                  # no sheet name: the first tab
    (f"'{SHEET}'!a1:b1", f"'{SHEET}'!A1:B1", [["申请人", "部门"]]),
    (f"'{SHEET}'!Z999:Z1000", f"'{SHEET}'!Z999:Z1000", []),
    (f"'{SHEET}'!Y1:AB2", f"'{SHEET}'!Y1:Z2", []),                       # clipped to the 26 columns
]


@pytest.mark.parametrize(("a1", "reported", "values"), RANGES)
def test_a1_ranges(sid: str, client: gspread.Client, a1: str, reported: str, values: list[list[Any]]) -> None:
    got = client.open_by_key(sid).values_get(a1, params={"valueRenderOption": "UNFORMATTED_VALUE"})
    assert got["range"] == reported
    assert got.get("values", []) == values


@pytest.mark.parametrize("a1", ["'Nope'!A1", "'采购申请!A1", f"'{SHEET}'!A0", f"'{SHEET}'!A1:B2:C3",
                                f"'{SHEET}'!1A", f"'{SHEET}'!AA1001"])
def test_bad_ranges_are_400(sid: str, client: gspread.Client, a1: str) -> None:
    with pytest.raises(gspread.exceptions.APIError) as err:
        client.open_by_key(sid).values_get(a1)
    assert (err.value.code, err.value.error["status"]) == (400, "INVALID_ARGUMENT")


@pytest.mark.parametrize(("a1", "values", "message"), [
    ("'It''s'!Z1", [["x", "y"]], "exceeds grid limits. Max rows: 1000, max columns: 26"),
    ("'It''s'!A1000", [["x"], ["y"]], "exceeds grid limits"),
    ("'It''s'!A1:A2", [["x"], ["y"], ["z"]], "tried writing to row [3]"),
])
def test_writes_outside_grid_or_range_fail(fake: FakeGoogle, sid: str, client: gspread.Client,
                                           a1: str, values: list[list[str]], message: str) -> None:
    with pytest.raises(gspread.exceptions.APIError) as err:
        client.open_by_key(sid).values_update(a1, params={"valueInputOption": "RAW"}, body={"values": values})
    assert err.value.code == 400 and message in err.value.error["message"]
    assert fake.values(sid, OTHER) == NOTES_TAB


# ------------------------------------------------------------------------------------------ errors and faults

def test_429_then_success_with_backoff_client(fake: FakeGoogle, sid: str) -> None:
    client = client_for(fake, http_client=BackOffHTTPClient)
    ws = client.open_by_key(sid).worksheet(OTHER)
    fake.reset_counts()
    fake.fail_next(429)
    assert ws.get("A1:B1") == [["a", "b"]]               # gspread slept (2 s, its first backoff) and retried
    assert fake.counts() == Counter({("GET", "values.get"): 2})
    assert [status for _, _, status in fake.log()] == [429, 200]


@pytest.mark.parametrize(("status", "name"), [(500, "INTERNAL"), (503, "UNAVAILABLE"), (429, "RESOURCE_EXHAUSTED")])
def test_faults_surface_as_api_error_with_plain_client(fake: FakeGoogle, sid: str, client: gspread.Client,
                                                       status: int, name: str) -> None:
    spreadsheet = client.open_by_key(sid)
    fake.fail_next(status)
    with pytest.raises(gspread.exceptions.APIError) as err:
        spreadsheet.values_batch_get([f"'{SHEET}'!A1"])
    assert (err.value.code, err.value.error["status"]) == (status, name)
    assert spreadsheet.values_batch_get([f"'{SHEET}'!A1"])["valueRanges"][0]["values"] == [["申请人"]]


def test_fail_next_times_and_retry_after(fake: FakeGoogle, sid: str) -> None:
    fake.fail_next(503, times=2, retry_after=7)
    url = f"{fake.base_url}/v4/spreadsheets/{sid}"
    answers = [requests.get(url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5) for _ in range(3)]
    assert [a.status_code for a in answers] == [503, 503, 200]
    assert answers[0].headers["Retry-After"] == "7"
    assert answers[0].json() == {"error": {"code": 503, "message": "The service is currently unavailable.",
                                           "status": "UNAVAILABLE"}}
    assert fake.counts() == Counter({("GET", "spreadsheets.get"): 3})


def test_unknown_spreadsheet_is_not_found(fake: FakeGoogle, client: gspread.Client) -> None:
    with pytest.raises(gspread.exceptions.SpreadsheetNotFound):
        client.open_by_key("1doesNotExist")
    with pytest.raises(gspread.exceptions.APIError) as err:
        client.http_client.request("get", DRIVE + "1doesNotExist", params={"fields": "version"})
    assert err.value.code == 404 and err.value.error["errors"][0]["reason"] == "notFound"


@pytest.mark.parametrize(("headers", "status"), [({}, 401), ({"Authorization": "Bearer wrong"}, 401),
                                                 ({"Authorization": f"Bearer {TOKEN}"}, 200)])
def test_requests_need_the_bearer_token(fake: FakeGoogle, sid: str, headers: dict[str, str], status: int) -> None:
    assert requests.get(f"{fake.base_url}/v4/spreadsheets/{sid}", headers=headers, timeout=5).status_code == status


def test_unrouted_request_is_404_and_counted_as_unknown(fake: FakeGoogle, sid: str, client: gspread.Client) -> None:
    with pytest.raises(gspread.exceptions.APIError) as err:
        client.open_by_key(sid).values_clear(f"'{SHEET}'!A1")     # values:clear is outside the fake's subset
    assert err.value.code == 404
    assert fake.counts()[("POST", "unknown")] == 1
