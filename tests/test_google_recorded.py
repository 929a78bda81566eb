"""The fake held against Google itself: every recorded request sheetflow could make, replayed, answers alike.

gspread's recorded traffic (tests/data/google-recorded.tar.xz, see google_replay/) is replayed in order on
FakeGoogle. While the fake holds what Google held, each answer is compared field by field, type by type and,
for what a reader acts on (cell values, ranges, counts, error codes), value by value. A difference is either
mended in the fake or listed below with the reason it does not matter to sheetflow; a listed difference that
no longer occurs fails too, so the list says what is true today.
"""

from __future__ import annotations

from collections import defaultdict

import pytest
from google_replay.against_fake import REPLAYED, Outcome, replay_all, tally
from google_replay.cassettes import exchanges
from google_replay.listed import LISTED


@pytest.fixture(scope="module")
def outcomes() -> list[Outcome]:
    return replay_all()


def _found(outcomes: list[Outcome]) -> dict[tuple[str, str, str], list[str]]:
    found: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for o in outcomes:
        if o.replayed and o.in_step:
            for d in o.differences:
                found[(o.exchange.api, d.path, d.kind)].append(f"{o.exchange.where}: Google {d.google}, fake {d.fake}")
    return found


def test_every_difference_from_google_is_mended_or_listed_with_its_reason(outcomes: list[Outcome]) -> None:
    found = _found(outcomes)
    unexplained = {k: v[:3] for k, v in found.items() if k not in LISTED}
    assert not unexplained, "the fake answers unlike Google here (mend the fake, or list why it does not matter):\n" \
        + "\n".join(f"{k}: {v}" for k, v in unexplained.items())
    stale = sorted(set(LISTED) - set(found))
    assert not stale, f"listed differences that no longer occur (drop them from LISTED): {stale}"


def test_each_api_method_sheetflow_calls_is_compared_on_real_answers(outcomes: list[Outcome]) -> None:
    counts = tally(outcomes)
    for api in REPLAYED:
        assert counts[api].in_step >= 2, f"{api}: too few recorded answers compared ({counts[api]})"
    values = counts["values.get"]
    assert values.alike / values.in_step > 0.85       # the formula cells are the exception, not the rule


ERRORS = [ex for ex in exchanges() if ex.status >= 400]


@pytest.mark.parametrize("recorded", ERRORS, ids=[ex.where for ex in ERRORS])
def test_errors_come_back_with_googles_status_and_body_shape(outcomes: list[Outcome], recorded: object) -> None:
    [o] = [o for o in outcomes if o.exchange is recorded]
    assert o.replayed and o.fake_status == o.exchange.status
    google, fake = o.exchange.answer["error"], o.fake_answer["error"]
    assert (fake["code"], fake["status"]) == (google["code"], google["status"])
    assert set(fake) == set(google)          # "details" (a field violation) exactly where Google sends it
    if "details" in google:
        assert [v["field"] for v in fake["details"][0]["fieldViolations"]] == \
            [v["field"] for v in google["details"][0]["fieldViolations"]]


def test_the_recorded_date_cells_read_back_as_google_sends_them(outcomes: list[Outcome]) -> None:
    """A typed date is a serial under UNFORMATTED_VALUE + SERIAL_NUMBER and its text otherwise (the render
    options sheetflow uses are the first pair)."""
    dated = [o for o in outcomes if o.exchange.cassette == "WorksheetTest.test_get_all_values_date_time_render_options"
             and o.exchange.api == "values.get" and "dateTimeRenderOption" in o.exchange.query]
    assert len(dated) == 8
    for o in dated:
        assert o.fake_answer["values"][0][1] == o.exchange.answer["values"][0][1]     # 43831 or "2020-01-01"
        assert o.fake_answer["values"][1][2] == o.exchange.answer["values"][1][2]     # 36162 or "1999-01-02"


def test_drive_version_and_modified_time_have_googles_form(outcomes: list[Outcome]) -> None:
    """No recorded files.get asks for `version` (gspread asks id,name,createdTime,modifiedTime); the one full
    file resource recorded (Drive v2, an import) has it as a string of digits, which the fake matches."""
    import re

    from google_fake import FakeGoogle

    [v2] = [ex for ex in exchanges() if ex.api == "files.update (v2 upload)"][:1]
    recorded_times = [o.exchange.answer["modifiedTime"] for o in outcomes
                      if o.exchange.api == "files.get" and o.exchange.status == 200]
    with FakeGoogle() as fake:
        resource = fake.drive_file(fake.create_spreadsheet("x"))
    assert isinstance(v2.answer["version"], str) and v2.answer["version"].isdigit()
    assert isinstance(resource["version"], str) and resource["version"].isdigit()
    stamp = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
    assert recorded_times and all(stamp.fullmatch(t) for t in recorded_times)
    assert stamp.fullmatch(resource["modifiedTime"])


def test_the_figures_in_the_docs_are_the_replays(outcomes: list[Outcome]) -> None:
    from pathlib import Path

    from google_replay.report import table

    doc = (Path(__file__).resolve().parent.parent / "docs" / "google-recorded.md").read_text(encoding="utf-8")
    shown = doc.split("<!-- replay-table -->\n", 1)[1].split("\n<!-- /replay-table -->", 1)[0]
    assert shown == table(outcomes), "docs/google-recorded.md is out of date: paste `python -m google_replay.report`"
