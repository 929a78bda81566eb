"""What only the Google backend has: the request budget, pacing and backoff, setup, credentials, config.

gspread's real client talks to the local fake over HTTP; the fake counts every
request, so the call budget the issue sets is asserted, not assumed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from backends import GoogleSheet, make_google_workspace, paced_client
from conftest import NOW, SHEET, good_row, run_cli
from google_fake import PERSON_EMAIL, USER_EMAIL, FakeGoogle

from processors.errors import ConfigError, GoogleCredentialsError
from processors.passes import run_pass
from processors.sheets.google.client import open_client
from processors.sheets.google.pacing import Pacer, backoff_delay
from processors.workspace import Workspace

SHEETS_READS = {"values.batchGet", "values.get", "spreadsheets.get"}
SHEETS_WRITES = {"values.batchUpdate", "values.update", "spreadsheets.batchUpdate"}


def budget(fake: FakeGoogle, mark: int) -> dict[str, int]:
    counts = fake.requests_since(mark)
    return {"read": sum(n for (_, k), n in counts.items() if k in SHEETS_READS),
            "write": sum(n for (_, k), n in counts.items() if k in SHEETS_WRITES),
            "drive": sum(n for (_, k), n in counts.items() if k == "files.get"),
            "batchGet": sum(n for (_, k), n in counts.items() if k == "values.batchGet"),
            "batchUpdate": sum(n for (_, k), n in counts.items() if k == "values.batchUpdate")}


def make_five_form_workspace(root: Path, fake: FakeGoogle) -> tuple[Workspace, str]:
    """The purchase-request form plus four copies under other ids, tabs and prefixes, all in one spreadsheet."""
    from processors.resources import bundled_dir

    source = (bundled_dir("forms") / "purchase_request.toml").read_text(encoding="utf-8")
    root.mkdir(parents=True)
    (root / "forms").mkdir()
    for n in range(2, 6):
        text = (source.replace('id = "purchase_request"', f'id = "request_{n}"')
                .replace('sheet = "采购申请"', f'sheet = "采购申请{n}"')
                .replace('prefix = "PR"', f'prefix = "R{n}"'))
        (root / "forms" / f"request_{n}.toml").write_text(text, encoding="utf-8")
    return make_google_workspace(root, fake, NOW)


# -- the call budget -----------------------------------------------------------------------------

def test_five_forms_twenty_changed_rows_cost_one_read_and_one_write(tmp_path: Path, fake_google: FakeGoogle) -> None:
    ws, sid = make_five_form_workspace(tmp_path / "ws", fake_google)
    tabs = [SHEET] + [f"{SHEET}{n}" for n in range(2, 6)]
    sheets = [GoogleSheet(ws, fake_google, sid) for _ in tabs]
    for s, tab in zip(sheets, tabs, strict=True):
        s.tab = tab
        s.put_rows([good_row(item=f"物料{i}") for i in range(4)])      # 5 tabs x 4 rows = 20 changed rows
    mark = fake_google.mark()
    report = run_pass(ws)
    used = budget(fake_google, mark)
    assert (used["batchGet"], used["batchUpdate"]) == (1, 1)
    assert (used["read"], used["write"]) == (1, 1)
    assert used["drive"] == 2       # the change check, the check just before the write (none after it)
    assert report.quota is not None and (report.quota.sheets_read, report.quota.sheets_write) == (1, 1)
    for s, prefix in zip(sheets, ["PR", "R2", "R3", "R4", "R5"], strict=True):
        assert [s.cell(r, "key") for r in range(2, 6)] == [f"{prefix}-2026-{i:04d}" for i in range(1, 5)]
    ws.close()


def test_idle_pass_is_one_drive_call_and_no_sheets_read(gsheet: GoogleSheet, fake_google: FakeGoogle) -> None:
    gsheet.put_rows([good_row(), good_row(quantity=0)])
    gsheet.run()
    gsheet.run()                                    # reads once after our write, finds nothing new, settles
    mark = fake_google.mark()
    gsheet.run()
    assert budget(fake_google, mark) == {"read": 0, "write": 0, "drive": 1, "batchGet": 0, "batchUpdate": 0}


def test_after_our_write_the_next_pass_reads_once_then_idles(gsheet: GoogleSheet, fake_google: FakeGoogle) -> None:
    """Drive cannot say whether our write was the only change, so the pass after it reads once (the request
    the old third Drive check after the write cost, moved to the next pass), and the one after that idles."""
    gsheet.put_rows([good_row()])
    mark = fake_google.mark()
    gsheet.run()
    assert budget(fake_google, mark) == {"read": 1, "write": 1, "drive": 2, "batchGet": 1, "batchUpdate": 1}
    mark = fake_google.mark()
    gsheet.run()
    assert budget(fake_google, mark) == {"read": 1, "write": 0, "drive": 1, "batchGet": 1, "batchUpdate": 0}
    mark = fake_google.mark()
    gsheet.run()
    assert budget(fake_google, mark) == {"read": 0, "write": 0, "drive": 1, "batchGet": 0, "batchUpdate": 0}
    assert gsheet.cell(2, "key") == "PR-2026-0001"


def test_a_persons_edit_after_our_write_is_read(gsheet: GoogleSheet, fake_google: FakeGoogle) -> None:
    gsheet.put_rows([good_row()])
    gsheet.run()
    gsheet.set(2, "quantity", 0)
    mark = fake_google.mark()
    gsheet.run()
    assert budget(fake_google, mark)["batchGet"] == 1
    assert gsheet.cell(2, "status") == "无效"


def test_edit_between_read_and_write_costs_one_fresh_read(gsheet: GoogleSheet, fake_google: FakeGoogle) -> None:
    from processors import faults

    gsheet.put_rows([good_row(), good_row(item="龙骨")])
    mark = fake_google.mark()
    with faults.hooked("after_sync", lambda: gsheet.sort_rows("item", reverse=True)):
        gsheet.run()
    used = budget(fake_google, mark)
    assert (used["batchGet"], used["batchUpdate"], used["drive"]) == (2, 1, 3)   # check, gate, gate again


# -- quota: pacing and backoff -------------------------------------------------------------------

@pytest.mark.parametrize("status", [429, 500, 503])
def test_429_and_5xx_are_retried_and_the_pass_completes(gsheet: GoogleSheet, fake_google: FakeGoogle,
                                                        status: int) -> None:
    gsheet.put_rows([good_row()])
    fake_google.fail_next(status, times=2)
    report = gsheet.run()
    assert gsheet.cell(2, "key") == "PR-2026-0001"
    assert report.quota is not None and report.quota.retries == 2
    assert not report.problems


def test_google_down_through_every_retry_is_reported_and_nothing_is_lost(gsheet: GoogleSheet,
                                                                         fake_google: FakeGoogle) -> None:
    gsheet.put_rows([good_row()])
    gsheet.run()
    gsheet.put_rows([good_row(item="龙骨")], start=3)
    fake_google.fail_next(503, times=7)            # the first try and all 6 retries
    report = gsheet.run()
    [problem] = {f.problem.code for f in report.problems if f.problem}
    assert problem == "google_unreachable"
    assert gsheet.cell(3, "key") == ""
    report = gsheet.run()
    assert not report.problems
    assert gsheet.cell(3, "key") == "PR-2026-0002"  # numbered once Google answers; no number burnt


def test_a_write_that_fails_is_owed_and_nobody_is_mailed_until_the_number_is_in_the_sheet(
        gsheet: GoogleSheet, fake_google: FakeGoogle) -> None:
    from processors import faults

    gsheet.put_rows([good_row()])
    with faults.hooked("after_sync", lambda: fake_google.fail_next(500, times=8)):
        gsheet.run()                                # the gate and the write fail through every retry
    record = gsheet.ws.store.record("PR-2026-0001")
    assert record is not None and not record.landed  # decided (and checked) now; its number waits for the sheet
    states = {r[0] for r in gsheet.ws.store.conn.execute("SELECT state FROM outbox")}
    assert states == {"held"}
    gsheet.run()
    assert gsheet.cell(2, "key") == "PR-2026-0001"
    assert {r[0] for r in gsheet.ws.store.conn.execute("SELECT state FROM outbox")} == {"sent"}


def test_an_edit_made_while_our_write_is_under_way_is_read_next_pass(gsheet: GoogleSheet,
                                                                     fake_google: FakeGoogle) -> None:
    """Drive names us as the last modifier of both changes, and may count both as one version step: the pass
    after a write reads whatever Drive says (test_google_drive_awkward.py has the awkward Drive's cases)."""
    from processors import faults

    gsheet.put_rows([good_row(), good_row(item="龙骨")])
    with faults.hooked("book_writing", lambda **_: gsheet.set(3, "quantity", 0)):
        gsheet.run()
    mark = fake_google.mark()
    gsheet.run()
    assert budget(fake_google, mark)["batchGet"] == 1      # our write is never taken as the only change
    assert gsheet.cell(3, "status") == "无效"


def test_backoff_grows_exponentially_with_jitter_and_honours_retry_after() -> None:
    low = [backoff_delay(n, 1.0, rand=lambda: 0.0) for n in range(8)]
    high = [backoff_delay(n, 1.0, rand=lambda: 0.999) for n in range(8)]
    assert low == [1, 2, 4, 8, 16, 32, 64, 64]
    assert all(lo < hi <= 64 for lo, hi in zip(low[:6], high[:6], strict=True))
    assert backoff_delay(0, 1.0, retry_after=30, rand=lambda: 0.5) == 30


def test_pacer_keeps_to_the_requests_per_minute() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    pacer = Pacer(60, sleep=sleep, clock=lambda: now[0])
    for _ in range(60):
        now[0] += 0.1
        assert pacer.acquire() == 0.0
    waited = pacer.acquire()                        # the 61st within a minute waits for the first to age out
    assert now[0] >= 0.1 + 60 and waited == pytest.approx(54.11)   # first went at 0.1 s, 61st at 6.0 s
    assert pacer.in_last_minute() == 60


def test_pass_reports_the_quota_it_used(gsheet: GoogleSheet, caplog: pytest.LogCaptureFixture) -> None:
    gsheet.put_rows([good_row()])
    with caplog.at_level("INFO", logger="sheetflow"):
        gsheet.run()
    line = next(r.getMessage() for r in caplog.records if "Google 配额" in r.getMessage())
    assert re.search(r"Sheets 读 1 次、写 1 次，Drive 2 次，重试 0 次；最近一分钟 \d+/60", line)


# -- problems with a spreadsheet -----------------------------------------------------------------

def test_missing_tab_is_named_with_the_tabs_found(gsheet: GoogleSheet, fake_google: FakeGoogle) -> None:
    fake_google.book(gsheet.sid).sheet_by_title(SHEET).title = "改了名"
    report = gsheet.run()
    [rep] = report.problems
    assert rep.problem is not None and rep.problem.code == "tab_missing"
    [status] = gsheet.ws.store.file_status(rep.label)
    assert "「采购申请」" in status["message"] and "改了名" in status["message"] and "setup" in status["message"]


def test_spreadsheet_not_shared_says_whom_to_share_with(gsheet: GoogleSheet) -> None:
    path = gsheet.ws.root / "config.toml"
    path.write_text(re.sub(r"spreadsheets/d/[^/]+/", "spreadsheets/d/1nosuchsheet0000000000000000/",
                           path.read_text(encoding="utf-8")), encoding="utf-8")
    ws = Workspace(gsheet.ws.root, clock=gsheet.ws.clock)
    ws.use_google_client(gsheet.ws.google_client())
    report = run_pass(ws)
    assert report.problems and {rep.problem.code for rep in report.problems if rep.problem} == {"google_no_access"}
    [status] = ws.store.file_status(report.problems[0].label)
    assert "共享给" in status["message"] and "编辑者" in status["message"]
    ws.close()


# -- setup -----------------------------------------------------------------------------------------

def test_setup_lays_out_headers_dropdowns_notes_and_protections(gsheet: GoogleSheet, fake_google: FakeGoogle) -> None:
    sid = gsheet.sid
    header = fake_google.values(sid, SHEET)[0]
    assert header[:4] == ["申请编号 Request No.", "状态 Status", "系统说明 Message", "申请人 Applicant"]
    assert header[-1] == "更新时间 Updated"
    notes = fake_google.notes(sid, SHEET)
    assert "R1" in notes["D1"] and "请勿修改" in notes["A1"]
    rules = fake_google.validation(sid, SHEET)
    dept = rules["E2"]["condition"]
    assert dept["type"] == "ONE_OF_LIST" and {"userEnteredValue": "工程部"} in dept["values"]
    protected = {p["description"]: p for p in fake_google.protected_ranges(sid, SHEET)}
    system = {"sheetflow:key", "sheetflow:status", "sheetflow:message", "sheetflow:updated"}
    assert system <= set(protected)                  # and each staff column to its roles (tests/test_access.py)
    assert protected["sheetflow:key"]["editors"]["users"] == [USER_EMAIL]
    tab = fake_google.book(sid).sheet_by_title(SHEET)
    assert (tab.frozen_rows, tab.frozen_columns) == (1, 3)                     # number, status, message in view


def test_setup_again_keeps_staff_columns_and_adds_what_is_missing(gsheet: GoogleSheet,
                                                                  fake_google: FakeGoogle) -> None:
    from processors.sheets.google.setup import setup_spreadsheet

    sid, ws = gsheet.sid, gsheet.ws
    header = fake_google.values(sid, SHEET)[0]
    header = [h for h in header if not str(h).startswith("系统说明")]      # staff deleted the message column
    fake_google.set_values(sid, SHEET, [[*header, ""]])
    for spreadsheet, tabs in ws.google_tabs().items():
        setup_spreadsheet(ws.google_client(), spreadsheet, tabs, ws.cfg, ws.t)
    after = fake_google.values(sid, SHEET)[0]
    assert after[:len(header)] == header
    assert str(after[len(header)]).startswith("系统说明")
    assert len(fake_google.protected_ranges(sid, SHEET)) == 4 + 12          # updated, not duplicated (12 staff)


def test_setup_protects_signoff_columns_per_role_when_codes_are_off(tmp_path: Path, fake_google: FakeGoogle) -> None:
    ws, sid = make_google_workspace(tmp_path / "ws", fake_google, NOW,
                                    config_edit=lambda t: t.replace("codes = true", "codes = false"))
    protected = {p["description"]: p for p in fake_google.protected_ranges(sid, SHEET)}
    head = protected["sheetflow:dept_head"]["editors"]["users"]
    assert USER_EMAIL in head and "wangfang@example.com" in head and "liqiang@example.com" not in head
    assert "sheetflow:purchasing_review" in protected and "sheetflow:gm_signoff" in protected
    ws.close()


# -- config and credentials ------------------------------------------------------------------------

def test_google_backend_needs_a_spreadsheet_per_form(tmp_path: Path, fake_google: FakeGoogle) -> None:
    with pytest.raises(ConfigError, match=r"forms\.\w+\.spreadsheet"):
        make_google_workspace(tmp_path / "ws", fake_google, NOW,
                              config_edit=lambda t: re.sub(r"\nspreadsheet = .*\n", "\n", t))


@pytest.mark.parametrize(("value", "ok"), [
    ("https://docs.google.com/spreadsheets/d/1AbC_dEf-0123456789xyzXYZ/edit#gid=0", True),
    ("1AbC_dEf-0123456789xyzXYZ", True),
    ("采购申请表", False),
    ("https://example.com/sheet", False),
])
def test_spreadsheet_is_an_address_or_an_id(tmp_path: Path, value: str, ok: bool) -> None:
    from processors.init_workspace import init_workspace

    init_workspace(tmp_path / "ws")
    cfg = tmp_path / "ws" / "config.toml"
    cfg.write_text(cfg.read_text(encoding="utf-8").replace('kind = "xlsx"', 'kind = "google"')
                   + f'\n[google]\nspreadsheet = "{value}"\n', encoding="utf-8")
    if ok:
        ws = Workspace(tmp_path / "ws")
        assert list(ws.google_tabs()) == ["1AbC_dEf-0123456789xyzXYZ"]
        ws.close()
    else:
        with pytest.raises(ConfigError, match=r"google\.spreadsheet"):
            Workspace(tmp_path / "ws")


def test_credentials_in_config_are_refused(tmp_path: Path) -> None:
    from processors.init_workspace import init_workspace

    init_workspace(tmp_path / "ws")
    cfg = tmp_path / "ws" / "config.toml"
    cfg.write_text(cfg.read_text(encoding="utf-8") + '\n[google]\ncredentials = "key.json"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="SHEETFLOW_GOOGLE_CREDENTIALS"):
        Workspace(tmp_path / "ws")


@pytest.mark.parametrize(("where", "message"), [
    (None, "SHEETFLOW_GOOGLE_CREDENTIALS"),
    ("missing", "no such file"),
    ("inside", "inside the workspace"),
    ("not-a-key", "not a service-account key"),
])
def test_bad_credentials_get_a_clear_message(gsheet: GoogleSheet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             where: str | None, message: str) -> None:
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    paths = {"missing": tmp_path / "nope.json", "inside": gsheet.ws.root / "key.json",
             "not-a-key": tmp_path / "other.json"}
    if where is None:
        monkeypatch.delenv("SHEETFLOW_GOOGLE_CREDENTIALS", raising=False)
    else:
        path = paths[where]
        if where == "inside":
            gsheet.fake.service_account_file(path)
        if where == "not-a-key":
            path.write_text(json.dumps({"type": "authorized_user"}), encoding="utf-8")
        monkeypatch.setenv("SHEETFLOW_GOOGLE_CREDENTIALS", str(path))
    with pytest.raises(GoogleCredentialsError, match=message):
        open_client(gsheet.ws.cfg)


def test_cli_setup_and_run_with_a_service_account_key(tmp_path: Path, fake_google: FakeGoogle) -> None:
    """The real entry point, in a child process: key file from the environment, real JWT token flow."""
    from backends import cli_google_workspace

    root, key, sid = cli_google_workspace(tmp_path, fake_google)
    env = {"SHEETFLOW_GOOGLE_CREDENTIALS": str(key), "SHEETFLOW_GOOGLE_API_ENDPOINT": fake_google.base_url,
           "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"}
    setup = run_cli("setup", "-w", str(root), env=env)
    assert setup.returncode == 0, setup.stderr
    assert "已创建" in setup.stdout
    fake_google.set_values(sid, SHEET, [["李强", "工程部", "万达广场", "石膏板", "9.5mm", "张", 10, 28.5, 46376,
                                         "常规"]], start="D2", by=PERSON_EMAIL)   # after number, status, message
    mark = fake_google.mark()
    run = run_cli("run", "-w", str(root), env=env)
    assert run.returncode == 0, run.stderr
    assert fake_google.values(sid, SHEET)[1][0] == "PR-2026-0001"
    assert fake_google.requests_since(mark)[("POST", "oauth.token")] == 1
    assert str(key) not in run.stdout + run.stderr and "BEGIN PRIVATE KEY" not in run.stdout + run.stderr


def test_watch_polls_drive_and_processes_an_edit(tmp_path: Path, fake_google: FakeGoogle) -> None:
    import threading
    import time

    from processors.watch import watch

    ws, sid = make_google_workspace(tmp_path / "ws", fake_google, NOW,
                                    config_edit=lambda t: t.replace("backoff_seconds = 0.01",
                                                                    "backoff_seconds = 0.01\npoll_seconds = 0.05"))
    sheet = GoogleSheet(ws, fake_google, sid)
    root, clock = ws.root, ws.clock
    ws.close()
    stop = threading.Event()

    def run() -> None:                              # SQLite connections belong to the thread that opens them
        mine = Workspace(root, clock=clock)
        mine.use_google_client(paced_client(fake_google))
        try:
            watch(mine, stop=stop)
        finally:
            mine.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        start = fake_google.mark()
        sheet.put_rows([good_row()])

        def batch_gets() -> int:
            return sum(n for (_, kind), n in fake_google.requests_since(start).items() if kind == "values.batchGet")

        deadline = time.monotonic() + 10            # numbered, then read once more after our write
        while (sheet.cell(2, "key") == "" or batch_gets() < 2) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert sheet.cell(2, "key") == "PR-2026-0001"
        mark = fake_google.mark()
        deadline = time.monotonic() + 10            # idle: Drive checks only, three of them at least
        while fake_google.requests_since(mark)[("GET", "files.get")] < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        counts = fake_google.requests_since(mark)
        assert counts[("GET", "files.get")] >= 3
        assert set(counts) <= {("GET", "files.get")}
    finally:
        stop.set()
        thread.join(timeout=10)


def test_cli_setup_on_an_unshared_spreadsheet_says_what_to_do(tmp_path: Path, fake_google: FakeGoogle) -> None:
    from backends import google_config

    from processors.init_workspace import init_workspace

    root = tmp_path / "ws"
    init_workspace(root)
    (root / "config.toml").write_text(google_config((root / "config.toml").read_text(encoding="utf-8"),
                                                    "1nosuchsheet0000000000000000"), encoding="utf-8")
    (tmp_path / "secrets").mkdir()
    key = fake_google.service_account_file(tmp_path / "secrets" / "key.json")
    env = {"SHEETFLOW_GOOGLE_CREDENTIALS": str(key), "SHEETFLOW_GOOGLE_API_ENDPOINT": fake_google.base_url,
           "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"}
    result = run_cli("setup", "-w", str(root), env=env)
    assert result.returncode == 1
    assert f"共享给 {USER_EMAIL}" in result.stdout
    assert "Traceback" not in result.stderr
