"""The Google fake is faithful enough to build the Sheets backend on: gspread's real client works against it unchanged.

Every test drives the fake through gspread (or plain requests for raw HTTP details), never by calling its handlers,
so what passes here is what the backend will see.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import gspread
import pytest
import requests
from google.auth import crypt, jwt
from google_fake import PERSON_EMAIL, TOKEN, USER_EMAIL, FakeGoogle, client_for, redirect
from gspread.http_client import BackOffHTTPClient
from gspread.utils import DateTimeOption, ValueRenderOption

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
    assert protected["editors"]["users"] == ["owner@example.com"]      # the reply echoes the request (recorded)
    assert "sheetId" not in protected["range"]                          # gid 0 is left out, as Google does
    [kept] = fake.protected_ranges(sid, SHEET)
    assert kept["editors"]["users"] == ["owner@example.com", USER_EMAIL]  # the requester is kept as an editor
    assert {k: v for k, v in kept.items() if k != "editors"} == {k: v for k, v in protected.items() if k != "editors"}
    assert fake.validation(sid, SHEET) == {"E2": {"condition": {"type": "BOOLEAN"}, "strict": True},
                                           "E3": {"condition": {"type": "BOOLEAN"}, "strict": True}}
    assert fake.notes(sid, SHEET) == {"C2": "数量不能为0"}
    assert fake.values(sid, SHEET) == PURCHASES            # formats and notes leave values alone
    assert int(fake.drive_file(sid)["version"]) == int(version) + 1

    # what spreadsheets.get and gspread's own note reader see afterwards
    meta = spreadsheet.fetch_sheet_metadata()
    assert meta["sheets"][0]["protectedRanges"] == [kept]
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
        client.open_by_key(sid).values_append(f"'{SHEET}'!A1", {"valueInputOption": "RAW"},
                                              {"values": [["x"]]})     # values:append is outside the fake's subset
    assert err.value.code == 404
    assert fake.counts()[("POST", "unknown")] == 1


# ------------------------------------------------------------------------------------------ read options

@pytest.mark.parametrize("option", [DateTimeOption.serial_number, DateTimeOption.formatted_string])
def test_date_time_render_option_is_accepted(fake: FakeGoogle, sid: str, client: gspread.Client,
                                             option: str) -> None:
    ws = client.open_by_key(sid).worksheet(SHEET)
    assert ws.get("A2:C2", date_time_render_option=option) == [["李强", "工程部", "10"]]
    assert ws.batch_get(["A2:B2", "C2"], value_render_option=ValueRenderOption.unformatted,
                        date_time_render_option=option) == [[["李强", "工程部"]], [[10]]]


@pytest.mark.parametrize(("param", "value", "field"), [
    ("dateTimeRenderOption", "FORMATTED_VALUE", "date_time_render_option"),
    ("valueRenderOption", "SERIAL_NUMBER", "value_render_option"),
])
def test_misspelt_render_options_are_400(sid: str, client: gspread.Client, param: str, value: str,
                                         field: str) -> None:
    spreadsheet = client.open_by_key(sid)
    for read in (lambda: spreadsheet.values_get("A1", params={param: value}),
                 lambda: spreadsheet.values_batch_get(["A1"], params={param: value})):
        with pytest.raises(gspread.exceptions.APIError) as err:
            read()
        assert err.value.code == 400 and f"Invalid value at '{field}'" in err.value.error["message"]


# ------------------------------------------------------------------------------------------ who changed it last

def drive_get(client: gspread.Client, sid: str, fields: str) -> dict[str, Any]:
    return client.http_client.request("get", DRIVE + sid, params={"fields": fields}).json()


def last_change(client: gspread.Client, sid: str) -> tuple[int, bool]:
    meta = drive_get(client, sid, "version,modifiedTime,lastModifyingUser(me)")
    assert set(meta) == {"version", "modifiedTime", "lastModifyingUser"}
    return int(meta["version"]), meta["lastModifyingUser"]["me"]


API_WRITES: dict[str, Callable[[gspread.Spreadsheet], Any]] = {
    "values.update": lambda book: book.worksheet(OTHER).update([["x"]], "A1"),
    "values.batchUpdate": lambda book: book.values_batch_update(
        {"valueInputOption": "RAW", "data": [{"range": "'It''s'!A1", "values": [["x"]]}]}),
    "spreadsheets.batchUpdate": lambda book: book.worksheet(OTHER).update_note("A1", "n"),
}
PERSON_EDITS: dict[str, Callable[[FakeGoogle, str], None]] = {
    "set_values": lambda fake, sid: fake.set_values(sid, OTHER, [["y"]]),
    "insert_rows": lambda fake, sid: fake.insert_rows(sid, OTHER, 2, [["new"]]),
    "delete_rows": lambda fake, sid: fake.delete_rows(sid, OTHER, 2),
    "sort_rows": lambda fake, sid: fake.sort_rows(sid, OTHER, 1, key="A", reverse=True),
}


@pytest.mark.parametrize("write", API_WRITES)
@pytest.mark.parametrize("edit", PERSON_EDITS)
def test_last_modifying_user_is_me_after_api_writes_only(fake: FakeGoogle, sid: str, client: gspread.Client,
                                                         write: str, edit: str) -> None:
    spreadsheet = client.open_by_key(sid)
    version, me = last_change(client, sid)
    assert not me                                  # a new file was made by a person
    API_WRITES[write](spreadsheet)
    assert last_change(client, sid) == (version + 1, True)
    PERSON_EDITS[edit](fake, sid)
    assert last_change(client, sid) == (version + 2, False)
    with pytest.raises(gspread.exceptions.APIError):             # a rejected write changes nothing, author included
        spreadsheet.values_update("'It''s'!A1:A1", params={"valueInputOption": "RAW"}, body={"values": [[1], [2]]})
    assert last_change(client, sid) == (version + 2, False)


def test_last_modifying_user_resource_and_helper(fake: FakeGoogle, sid: str, client: gspread.Client) -> None:
    assert drive_get(client, sid, "lastModifyingUser") == {"lastModifyingUser": {
        "kind": "drive#user", "displayName": "staff", "emailAddress": PERSON_EMAIL, "me": False}}
    client.open_by_key(sid).worksheet(SHEET).update([["x"]], "H1")
    assert drive_get(client, sid, "lastModifyingUser") == {"lastModifyingUser": {
        "kind": "drive#user", "displayName": USER_EMAIL.split("@")[0], "emailAddress": USER_EMAIL, "me": True}}
    fake.set_values(sid, SHEET, [["y"]], "H1", by="boss@example.com")
    assert fake.drive_file(sid)["lastModifyingUser"]["emailAddress"] == "boss@example.com"


@pytest.mark.parametrize(("fields", "expected"), [
    ("lastModifyingUser/me", {"lastModifyingUser": {"me": False}}),
    ("lastModifyingUser(me,emailAddress)", {"lastModifyingUser": {"me": False, "emailAddress": PERSON_EMAIL}}),
    (" version , lastModifyingUser( me ) ", {"version": "1", "lastModifyingUser": {"me": False}}),
    ("lastModifyingUser(me),lastModifyingUser/emailAddress",
     {"lastModifyingUser": {"me": False, "emailAddress": PERSON_EMAIL}}),
    ("lastModifyingUser(*)", {"lastModifyingUser": {"kind": "drive#user", "displayName": "staff",
                                                    "emailAddress": PERSON_EMAIL, "me": False}}),
])
def test_drive_nested_field_selection(sid: str, client: gspread.Client, fields: str,
                                      expected: dict[str, Any]) -> None:
    assert drive_get(client, sid, fields) == expected


def test_drive_star_selects_every_field(fake: FakeGoogle, sid: str, client: gspread.Client) -> None:
    assert drive_get(client, sid, "*") == fake.drive_file(sid)
    assert set(fake.drive_file(sid)) == {"kind", "id", "name", "mimeType", "version", "createdTime", "modifiedTime",
                                         "lastModifyingUser"}


@pytest.mark.parametrize("fields", ["lastModifyingUser(nope)", "version(me)", "lastModifyingUser(me",
                                    "version,,name", "owners", "lastModifyingUser/me)", "name/"])
def test_drive_bad_field_selection_is_400(sid: str, client: gspread.Client, fields: str) -> None:
    with pytest.raises(gspread.exceptions.APIError) as err:
        drive_get(client, sid, fields)
    assert err.value.code == 400 and err.value.error["errors"][0]["reason"] == "invalidParameter"


# ------------------------------------------------------------------------------------------ rows moved by a person

def test_insert_rows_shifts_values_notes_validation_and_protection(fake: FakeGoogle, sid: str,
                                                                   client: gspread.Client) -> None:
    spreadsheet = client.open_by_key(sid)
    spreadsheet.batch_update({"requests": [
        {"updateCells": {"range": {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 2,
                                   "startColumnIndex": 2, "endColumnIndex": 3},
                         "rows": [{"values": [{"note": "李强的数量"}]}], "fields": "note"}},
        {"setDataValidation": {"range": {"sheetId": 0, "startRowIndex": 4, "endRowIndex": 5,
                                         "startColumnIndex": 4, "endColumnIndex": 5},
                               "rule": {"condition": {"type": "BOOLEAN"}}}},
        {"addProtectedRange": {"protectedRange": {"range": {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 3}}}},
    ]})
    version = int(fake.drive_file(sid)["version"])
    fake.insert_rows(sid, SHEET, 2, [["赵六", "财务部", 2, 9.9], ["钱七"]])
    assert fake.values(sid, SHEET) == [PURCHASES[0], ["赵六", "财务部", 2, 9.9], ["钱七"], *PURCHASES[1:]]
    assert fake.notes(sid, SHEET) == {"C4": "李强的数量"}
    assert list(fake.validation(sid, SHEET)) == ["E7"]
    grid = fake.protected_ranges(sid, SHEET)[0]["range"]
    assert (grid["startRowIndex"], grid["endRowIndex"]) == (3, 5)
    assert int(fake.drive_file(sid)["version"]) == version + 1

    ws = spreadsheet.worksheet(SHEET)            # what gspread sees: a taller grid, the old rows two further down
    assert ws.row_count == 1002
    assert ws.get("A2:A4") == [["赵六"], ["钱七"], ["李强"]]
    assert ws.get_note("C4") == "李强的数量"
    fake.insert_rows(sid, SHEET, 1003, [["末行"]])          # row_count + 1 appends
    assert fake.values(sid, SHEET)[-1] == ["末行"] and len(fake.values(sid, SHEET)) == 1003
    with pytest.raises(ValueError, match="outside"):
        fake.insert_rows(sid, SHEET, 1005, [["x"]])


def test_delete_rows_drops_their_notes_and_moves_the_rest_up(fake: FakeGoogle, sid: str,
                                                             client: gspread.Client) -> None:
    ws = client.open_by_key(sid).worksheet(SHEET)
    ws.update_note("A2", "删掉")
    ws.update_note("A5", "留下")
    ws.spreadsheet.batch_update({"requests": [
        {"addProtectedRange": {"protectedRange": {"range": {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 3}}}},
        {"addProtectedRange": {"protectedRange": {"range": {"sheetId": 0, "startRowIndex": 4, "endRowIndex": 5}}}},
    ]})
    fake.delete_rows(sid, SHEET, 2, count=2)
    assert fake.values(sid, SHEET) == [PURCHASES[0], [], PURCHASES[4]]
    assert fake.notes(sid, SHEET) == {"A3": "留下"}
    assert [(p["range"]["startRowIndex"], p["range"]["endRowIndex"]) for p in fake.protected_ranges(sid, SHEET)] \
        == [(2, 3)]                                   # the first range's rows are gone, so is it
    assert client.open_by_key(sid).worksheet(SHEET).row_count == 998
    with pytest.raises(ValueError, match="not all inside"):
        fake.delete_rows(sid, SHEET, 998, count=2)


def test_sort_rows_keeps_header_moves_whole_rows_and_puts_blanks_last(fake: FakeGoogle, client: gspread.Client) -> None:
    rows = [["名字", "部门", "数量"], ["c", "B组", 3], ["a", "", 10], ["b", "A组", 2], [], ["d", "A组", 1]]
    sid = fake.create_spreadsheet("排序", {"S": rows})
    ws = client.open_by_key(sid).worksheet("S")
    ws.update_note("A2", "c 的备注")
    fake.sort_rows(sid, "S", 2, key="B")
    assert fake.values(sid, "S") == [rows[0], ["b", "A组", 2], ["d", "A组", 1], ["c", "B组", 3], ["a", "", 10]]
    assert fake.notes(sid, "S") == {"A4": "c 的备注"}        # the note travelled with its row
    assert ws.get_note("A4") == "c 的备注"
    fake.sort_rows(sid, "S", 2, key="C", reverse=True)        # as text: "3" > "2" > "10" > "1"
    assert [r[0] for r in fake.values(sid, "S")[1:]] == ["c", "b", "a", "d"]
    fake.sort_rows(sid, "S", 2, key=lambda row: row[2], reverse=True)   # by the stored number
    assert [r[0] for r in fake.values(sid, "S")[1:]] == ["a", "c", "b", "d"]
    assert fake.notes(sid, "S") == {"A3": "c 的备注"}
    assert ws.get_all_values()[0] == ["名字", "部门", "数量"]


# ------------------------------------------------------------------------------------------ service-account login

@pytest.fixture
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """A proxy in the environment must not catch google-auth's token POST to 127.0.0.1, which nothing redirects."""
    for name in ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")         # a dead proxy: any request sent there fails
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")


def test_gspread_service_account_logs_in_through_token_endpoint(fake: FakeGoogle, sid: str, tmp_path: Path,
                                                                no_proxy: None) -> None:
    key_file = fake.service_account_file(tmp_path / "sa.json")
    info = json.loads(key_file.read_text())
    assert (info["type"], info["client_email"], info["token_uri"]) == ("service_account", USER_EMAIL,
                                                                       fake.base_url + "/token")
    assert info["private_key"].startswith("-----BEGIN PRIVATE KEY-----")

    client = redirect(gspread.service_account(filename=key_file), fake)
    assert fake.log() == []                                  # no token until the first API call
    assert client.open_by_key(sid).worksheet(OTHER).get_all_values() == NOTES_TAB
    client.open_by_key(sid).worksheet(OTHER).update([["新"]], "A1")
    log = fake.log()
    assert log[0] == ("POST", "oauth.token", 200)
    assert [k for _, k, _ in log].count("oauth.token") == 1  # the token is cached for its hour
    assert all(status == 200 for _, _, status in log)
    assert last_change(client, sid)[1] is True               # the service account wrote last


def token_post(fake: FakeGoogle, data: dict[str, str]) -> requests.Response:
    return requests.post(fake.base_url + "/token", data=data, timeout=5, proxies={"http": "", "https": ""})


def signed(key_file: Path, **claims: Any) -> str:
    now = int(time.time())
    payload = {"iss": USER_EMAIL, "aud": "https://oauth2.googleapis.com/token", "iat": now, "exp": now + 3600,
               "scope": "https://www.googleapis.com/auth/spreadsheets", **claims}
    return jwt.encode(crypt.RSASigner.from_service_account_file(str(key_file)), payload).decode()


GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def test_token_endpoint_answers_the_jwt_grant(fake: FakeGoogle, tmp_path: Path) -> None:
    key_file = fake.service_account_file(tmp_path / "sa.json")
    answer = token_post(fake, {"grant_type": GRANT, "assertion": signed(key_file)})
    assert answer.status_code == 200
    assert answer.json() == {"access_token": TOKEN, "expires_in": 3600, "token_type": "Bearer"}
    assert fake.counts() == Counter({("POST", "oauth.token"): 1})


@pytest.mark.parametrize(("make", "error", "description"), [
    (lambda k: {"grant_type": "password", "assertion": signed(k)}, "unsupported_grant_type", "password"),
    (lambda k: {"grant_type": GRANT}, "invalid_request", "assertion"),
    (lambda k: {"grant_type": GRANT, "assertion": "not.a.jwt"}, "invalid_grant", "not a JSON Web Token"),
    (lambda k: {"grant_type": GRANT, "assertion": "abc"}, "invalid_grant", "not a JSON Web Token"),
    (lambda k: {"grant_type": GRANT, "assertion": signed(k, iss="sheetflow")}, "invalid_grant", "iss"),
    (lambda k: {"grant_type": GRANT, "assertion": signed(k, aud="https://example.com/token")}, "invalid_grant",
     "audience"),
    (lambda k: {"grant_type": GRANT, "assertion": signed(k, exp=int(time.time()) + 7200)}, "invalid_grant",
     "short-lived"),
    (lambda k: {"grant_type": GRANT, "assertion": signed(k, iss="other@example.iam.gserviceaccount.com")},
     "invalid_grant", "Signature"),
    (lambda k: {"grant_type": GRANT, "assertion": signed(k)[:-4] + "AAAA"}, "invalid_grant", "Signature"),
])
def test_token_endpoint_rejects_bad_grants(fake: FakeGoogle, tmp_path: Path, make: Callable[[Path], dict[str, str]],
                                           error: str, description: str) -> None:
    answer = token_post(fake, make(fake.service_account_file(tmp_path / "sa.json")))
    assert answer.status_code == 400
    assert answer.json()["error"] == error and description in answer.json()["error_description"]
    assert fake.log() == [("POST", "oauth.token", 400)]


def test_token_endpoint_rejects_keys_it_did_not_issue(tmp_path: Path) -> None:
    with FakeGoogle() as one, FakeGoogle() as other:
        foreign = one.service_account_file(tmp_path / "one.json")
        answer = token_post(other, {"grant_type": GRANT, "assertion": signed(foreign)})
        assert (answer.status_code, answer.json()["error_description"]) == (400, "Invalid JWT Signature.")


def test_injected_faults_pass_the_token_endpoint_by(fake: FakeGoogle, sid: str, tmp_path: Path) -> None:
    key_file = fake.service_account_file(tmp_path / "sa.json")
    fake.fail_next(429)
    assert token_post(fake, {"grant_type": GRANT, "assertion": signed(key_file)}).status_code == 200
    sheets = requests.get(f"{fake.base_url}/v4/spreadsheets/{sid}", headers={"Authorization": f"Bearer {TOKEN}"},
                          timeout=5, proxies={"http": "", "https": ""})
    assert sheets.status_code == 429


def test_requests_since_a_mark(fake: FakeGoogle, sid: str, client: gspread.Client) -> None:
    spreadsheet = client.open_by_key(sid)
    mark = fake.mark()
    spreadsheet.worksheet(SHEET).get("A1")
    assert fake.requests_since(mark) == Counter({("GET", "spreadsheets.get"): 1, ("GET", "values.get"): 1})
    assert fake.counts()[("GET", "spreadsheets.get")] == 2
