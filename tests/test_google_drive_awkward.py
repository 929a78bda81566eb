"""Change detection against Drive as Google documents it, not as the ordinary fake happens to behave.

Drive promises that `version` grows with every change and that `modifiedTime` is the last change's time
(recorded answers show milliseconds). It does not promise how far `version` steps, nor that two quick edits
get two steps, nor when `lastModifyingUser` catches up. `FakeGoogle.drive_awkward` plays every one of those
against the engine; each test asserts what a person sees in the sheet afterwards.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from backends import GoogleSheet, make_google_workspace
from conftest import NOW, good_row
from google_fake import FakeGoogle, client_for

from processors import faults
from processors.resources import bundled_dir
from processors.workspace import Workspace

DRIVE = "https://www.googleapis.com/drive/v3/files/"
SYSTEM = ("key", "status", "message")


def workspace(root: Path, fake: FakeGoogle) -> tuple[Workspace, str]:
    """A Google workspace whose purchase requests have a spreadsheet to themselves, the other forms another.

    The fake copies a whole spreadsheet for every write (to undo a refused batch), ten set-up tabs at 2 s a
    copy; one tab is a fifth of that, which is what lets these tests make many passes."""
    others = fake.create_spreadsheet("其他 Other forms")
    extra = "".join(f'\n[forms.{p.stem}]\nspreadsheet = "{others}"\n'
                    for p in sorted(bundled_dir("forms").glob("*.toml")) if p.stem != "purchase_request")
    ws, sid = make_google_workspace(root, fake, NOW, config_edit=lambda text: text + extra)
    ws.google_client().http_client.configure(100_000, 6, 0.01)    # many passes: not paced to a real minute
    return ws, sid


@pytest.fixture
def gsheet(tmp_path: Path, fake_google: FakeGoogle) -> Iterator[GoogleSheet]:
    ws, sid = workspace(tmp_path / "ws", fake_google)
    try:
        yield GoogleSheet(ws, fake_google, sid)
    finally:
        ws.close()


def drive_get(fake: FakeGoogle, sid: str, fields: str = "version,modifiedTime,lastModifyingUser(me)") -> dict[str, Any]:
    return client_for(fake).http_client.request("get", DRIVE + sid, params={"fields": fields}).json()


def reads(fake: FakeGoogle, mark: int) -> tuple[int, int, int]:
    """(Drive checks, Sheets reads, Sheets writes) since `mark`; a pass checks both spreadsheets (`workspace`)."""
    counts = fake.requests_since(mark)
    return (counts[("GET", "files.get")], counts[("POST", "values.batchGet")] + counts[("GET", "values.batchGet")],
            counts[("POST", "values.batchUpdate")])


# -- the fake itself ------------------------------------------------------------------------------

def test_awkward_version_steps_as_scripted_and_never_goes_back(fake_google: FakeGoogle) -> None:
    sid = fake_google.create_spreadsheet("awkward", {"A": [["x"]]})
    fake_google.drive_awkward(sid, steps=[0, 4, 1], seed=7)
    seen = [drive_get(fake_google, sid, "version,modifiedTime")]
    for i in range(12):
        fake_google.set_values(sid, "A", [[i]])
        seen.append(drive_get(fake_google, sid, "version,modifiedTime"))
    versions = [int(s["version"]) for s in seen]
    steps = [b - a for a, b in itertools.pairwise(versions)]
    assert steps[:3] == [0, 4, 1]                           # the script, then the seed's draws
    assert all(0 <= step <= 4 for step in steps)
    times = [s["modifiedTime"] for s in seen]
    assert times == sorted(set(times)), "modifiedTime moves with every edit, even within one millisecond"
    assert all(len(t) == len("2023-07-25T15:43:44.232Z") and t.endswith("Z") for t in times)
    with pytest.raises(ValueError, match="never goes back"):
        fake_google.drive_awkward(sid, steps=[-1])


def test_awkward_random_steps_repeat_with_their_seed(fake_google: FakeGoogle) -> None:
    def run(seed: int | None) -> list[str]:
        sid = fake_google.create_spreadsheet("seeded", {"A": []})
        fake_google.drive_awkward(sid, seed=seed)
        out = []
        for i in range(20):
            fake_google.set_values(sid, "A", [[i]])
            out.append(fake_google.drive_file(sid)["version"])
        return out

    assert run(3) == run(3) != run(4)
    assert run(None) == [str(v) for v in range(2, 22)]     # no seed, script run out: one step per edit


def test_awkward_last_modifier_lags_one_read(fake_google: FakeGoogle) -> None:
    sid = fake_google.create_spreadsheet("lag", {"A": []})
    fake_google.drive_awkward(sid)
    client_for(fake_google).open_by_key(sid).values_update("A!A1", params={"valueInputOption": "RAW"},
                                                           body={"values": [["ours"]]})

    def me() -> bool:
        return bool(drive_get(fake_google, sid, "lastModifyingUser(me)")["lastModifyingUser"]["me"])

    assert (me(), me()) == (False, True)                    # first still the file's maker, then us
    fake_google.set_values(sid, "A", [["a person's"]])
    assert (me(), me()) == (True, False)                    # first still us, then the person


# -- the engine against it ------------------------------------------------------------------------

def test_a_persons_edit_sharing_our_write_s_version_step_is_read_next_pass(gsheet: GoogleSheet,
                                                                           fake_google: FakeGoogle) -> None:
    """Drive counts the person's edit made during our write and the write as one step: version +1 in all."""
    gsheet.put_rows([good_row(), good_row(item="龙骨")])
    fake_google.drive_awkward(gsheet.sid, steps=[0, 1])     # the person's edit stays, our batchUpdate steps once
    before = int(fake_google.drive_file(gsheet.sid)["version"])
    with faults.hooked("book_writing", lambda **_: gsheet.set(3, "quantity", 0)):
        gsheet.run()
    assert int(fake_google.drive_file(gsheet.sid)["version"]) == before + 1
    gsheet.run()
    assert gsheet.cell(3, "status") == "无效"
    assert gsheet.cell(2, "key") == "PR-2026-0001"


def test_our_write_counted_as_a_jump_costs_one_re_read_then_idles(gsheet: GoogleSheet,
                                                                  fake_google: FakeGoogle) -> None:
    gsheet.put_rows([good_row()])
    fake_google.drive_awkward(gsheet.sid, steps=[4])
    gsheet.run()
    key = gsheet.cell(2, "key")
    mark = fake_google.mark()
    gsheet.run()
    assert reads(fake_google, mark) == (2, 1, 0)            # our write not taken on trust: read once, nothing to do
    mark = fake_google.mark()
    gsheet.run()
    assert reads(fake_google, mark) == (2, 0, 0)            # then idle
    assert (key, gsheet.cell(2, "key")) == ("PR-2026-0001", "PR-2026-0001")
    assert gsheet.cell(2, "status") != ""


@pytest.mark.parametrize("when", ["between passes", "just after our re-read"])
def test_a_second_quick_edit_that_does_not_move_version_is_decided(gsheet: GoogleSheet, fake_google: FakeGoogle,
                                                                   when: str) -> None:
    gsheet.put_rows([good_row()])
    fake_google.drive_awkward(gsheet.sid, steps=[1, 0], lag=False)   # our write steps once, the second edit stays
    gsheet.run()                                            # the first edit decided and written
    second = lambda **_: gsheet.put_rows([good_row(item="龙骨")], start=3)   # noqa: E731
    if when == "between passes":
        gsheet.run()                                        # the pass after our write reads once and settles
        version = fake_google.drive_file(gsheet.sid)["version"]
        second()
    else:
        version = fake_google.drive_file(gsheet.sid)["version"]
        with faults.hooked("book_read", second):
            gsheet.run()
    assert fake_google.drive_file(gsheet.sid)["version"] == version     # only modifiedTime tells
    gsheet.run()
    assert [gsheet.cell(r, "key") for r in (2, 3)] == ["PR-2026-0001", "PR-2026-0002"]


def test_a_last_modifier_still_naming_us_after_a_persons_edit_does_not_hide_it(gsheet: GoogleSheet,
                                                                              fake_google: FakeGoogle) -> None:
    gsheet.put_rows([good_row()])
    fake_google.drive_awkward(gsheet.sid, steps=[1, 0], lag=True)
    gsheet.run()
    gsheet.run()                                            # settled after our write: the last change is ours
    gsheet.set(2, "quantity", 0)                            # a person's edit; version stays
    assert drive_get(fake_google, gsheet.sid)["lastModifyingUser"]["me"] is True     # Drive still says: us
    gsheet.run()
    assert gsheet.cell(2, "status") == "无效"


# -- a random run against the ordinary Drive ---------------------------------------------------------

Edit = Callable[[GoogleSheet], None]
Step = tuple[str, Edit | None]  # ("pass", None): a pass; ("before", edit): an edit; (a point, edit): a pass, edit there
POINTS = ("book_read", "after_sync", "book_writing")


def script(seed: int, edits: int = 12) -> list[Step]:
    """Person edits (new rows, valid or not, and quantities changed) interleaved with passes, some made
    during a pass: just after its read, between decisions and write, while the write is under way."""
    rnd = random.Random(seed)
    rows = 0
    out: list[Step] = []
    for _ in range(edits):
        if rows and rnd.random() < 0.4:
            row, quantity = rnd.randint(2, rows + 1), rnd.choice([0, 3, 12])
            edit: Edit = lambda s, r=row, q=quantity: s.set(r, "quantity", q)   # noqa: E731
        else:
            rows += 1
            values = good_row(item=f"物料{rows}", quantity=rnd.choice([0, 5, 10]))
            edit = lambda s, v=values, r=rows + 1: s.put_rows([v], start=r)   # noqa: E731
        where = rnd.choice(["before", "before", *POINTS])
        out.append((where, edit))
        for _ in range(rnd.randint(0, 2)):
            out.append(("pass", None))
    return out


def act(sheet: GoogleSheet, step: Step) -> None:
    where, edit = step
    if edit is None:
        sheet.run()
    elif where == "before":
        edit(sheet)
    else:
        done: list[Edit] = []
        with faults.hooked(where, lambda e=edit, made=done, **_: (e(sheet), made.append(e))):
            sheet.run()
        if not done:                                        # that pass never got there (nothing to write)
            edit(sheet)


def seen(sheet: GoogleSheet) -> list[list[str]]:
    """What a person sees of every row: its number, status and message."""
    rows = len(sheet.fake.values(sheet.sid, sheet.tab))
    return [[sheet.cell(r, name) for name in SYSTEM] for r in range(2, rows + 1)]


def mail(sheet: GoogleSheet) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in sheet.ws.store.conn.execute("SELECT record_key, recipients, subject FROM outbox "
                                                          "ORDER BY id")]


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_a_random_run_under_awkward_drive_goes_as_under_the_ordinary_one(tmp_path: Path, fake_google: FakeGoogle,
                                                                         seed: int) -> None:
    """The same edits at the same moments against both Drives, side by side: after every step the sheets
    show the same, so no edit waits longer for its decision under the awkward Drive, and none is missed."""
    sheets = []
    for awkward in (False, True):
        ws, sid = workspace(tmp_path / f"ws-{awkward}", fake_google)
        if awkward:
            fake_google.drive_awkward(sid, seed=seed, lag=True)
        sheets.append(GoogleSheet(ws, fake_google, sid))
    plain, sheet = sheets
    try:
        for n, step in enumerate([*script(seed), *[("pass", None)] * 3]):
            act(plain, step)
            act(sheet, step)
            assert seen(sheet) == seen(plain), f"seed {seed}, step {n}: {step[0]}"
        cells = seen(sheet)
        keys = [row[0] for row in cells if row[0]]
        assert len(keys) == len(set(keys)), "a row numbered twice"
        assert all(row[1] for row in cells), "a row left undecided"
        assert mail(sheet) == mail(plain)                   # no mail missed, none sent twice
    finally:
        for s in sheets:
            s.ws.close()
