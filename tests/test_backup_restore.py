"""`sheetflow backup` and `sheetflow restore` (issue 16, A4): a backup taken in the middle of a pass, a restore
over a workspace that moved on, a pass after it; damaged backups refused; a running workspace refused; the
weekly backup of everything on its schedule, caught up when missed, and its generations.

Through the real CLI (processors.cli.main) on real workspaces (tmp_path): a real SQLite store, real .xlsx
workbooks, mail as .eml files in outbox/, documents as the PDFs in output/.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import logging
import shutil
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import BOOK, NOW, TZ, Book, good_row
from waiting import wait_for

from processors import faults
from processors.backup import EVERYTHING, FULL_LAST, generations, is_verified, next_full_backup, set_folder
from processors.backup.restore import BEFORE_RESTORE
from processors.cli import main
from processors.errors import ConfigError
from processors.filemodes import MAIL_LOCK, WORKSPACE_LOCK
from processors.passes import run_pass
from processors.status_view import render_status
from processors.watch import watch
from processors.watch_lock import WATCH_LOCK
from processors.workspace import Workspace

FRIDAY = dt.date(2026, 12, 4)     # the default full_weekday (星期五), full_at 19:00


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TZ)


@pytest.fixture(autouse=True)
def pinned_now(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The CLI's clock (SHEETFLOW_NOW) is the test workspaces' fixed one; the log handler the CLI sets up (on the
    test's captured stdout) is taken down after."""
    monkeypatch.setenv("SHEETFLOW_NOW", NOW.isoformat())
    logger = logging.getLogger("sheetflow")
    handlers, propagate = list(logger.handlers), logger.propagate
    yield
    logger.handlers[:], logger.propagate = handlers, propagate


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    said = capsys.readouterr()
    return code, said.out, said.err


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree(folder: Path) -> dict[str, tuple[str, int]]:
    """{relative path: (sha256, mtime_ns)} of every file under `folder`: a file rewritten shows."""
    return {p.relative_to(folder).as_posix(): (sha(p), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def store_rows(root: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(f"{(root / 'sheetflow.db').as_uri()}?mode=ro", uri=True)
    try:
        return [tuple(r) for r in conn.execute(sql)]
    finally:
        conn.close()


def all_keys(root: Path) -> list[str]:
    return [str(r[0]) for r in store_rows(root, "SELECT key FROM records ORDER BY id")]


@pytest.fixture
def requests(make_workspace: Callable[..., Workspace]) -> Workspace:
    """Two purchase requests numbered, their code mails sent (outbox/*.eml); the workspace handle closed, as
    the CLI opens its own."""
    ws = make_workspace()
    Book(ws.cfg.sheets_dir / BOOK).put_rows([good_row(), good_row(item="龙骨")])
    run_pass(ws)
    assert len(ws.store.records()) == 2 and list((ws.root / "outbox").glob("*.eml"))
    ws.close()
    return ws


def reopened(ws: Workspace) -> Workspace:
    return Workspace(ws.root, clock=ws.clock)


# -- a backup in the middle of a pass, restored, and a pass after it --------------------------------------------

def test_a_backup_taken_mid_pass_restores_with_nothing_numbered_or_mailed_twice(
        requests: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    root = requests.root
    book = Book(requests.cfg.sheets_dir / BOOK)
    book.put_rows([good_row(item="瓷砖")], start=4)
    said: list[tuple[int, str, str]] = []
    ws = reopened(requests)
    with faults.hooked("mail", lambda: said.append(cli(capsys, "backup", "-w", str(root)))):
        run_pass(ws)    # row 4 numbered and its code mail queued when the backup is taken; sent after it
    ws.close()
    code, out, _ = said[0]
    assert code == 0 and "backups/full/" in out and ("MB" in out or "kB" in out)
    (_, folder), = generations(requests.cfg, EVERYTHING)
    assert is_verified(folder)
    queued_then = store_rows(root, "SELECT key FROM outbox WHERE state = 'sent' ORDER BY id")[-1][0]
    mid = sqlite3.connect(folder / "store" / "sheetflow.db")
    assert mid.execute("SELECT state FROM outbox WHERE key = ?", (queued_then,)).fetchone()[0] == "queued"
    mid.close()
    book.put_rows([good_row(item="水泥")], start=5)
    ws = reopened(requests)
    run_pass(ws)                                         # the workspace moves on: one more number, one more mail
    ws.close()
    numbered_before = all_keys(root)
    mails_before = tree(root / "outbox")

    code, out, err = cli(capsys, "restore", folder.name, "-w", str(root), "--yes")
    assert code == 0, err
    assert "PR-2026" in out and "不会再次使用" in out            # the series' high-water mark kept, and said
    assert "标记为已发送" in out                                 # the mail queued in the backup, sent since

    code, _, err = cli(capsys, "run", "-w", str(root))
    assert code == 0, err
    assert tree(root / "outbox") == mails_before             # no mail again: no file added, none rewritten
    assert len(store_rows(root, "SELECT 1 FROM outbox WHERE state = 'queued'")) == 0
    book.put_rows([good_row(item="石材")], start=5)       # row 5 is free again in the restored sheet
    code, _, err = cli(capsys, "run", "-w", str(root))
    assert code == 0, err
    keys = all_keys(root)
    assert len(keys) == len(set(keys))
    new = book.cell(5, "key")
    assert new not in numbered_before and new > max(numbered_before)   # PR-2026-0005, never 0004 again


def test_restoring_an_older_backup_keeps_every_issued_document_byte_identical(
        make_workspace: Callable[..., Workspace], capsys: pytest.CaptureFixture[str]) -> None:
    ws = make_workspace(sample=True)      # the example's history: weekly full backups, documents, mail
    root = ws.root
    ws.close()
    older = next(p for _, p in generations(ws.cfg, EVERYTHING))     # three weeks of history ago
    issued = {path: digest for path, digest in store_rows(
        root, "SELECT path, sha256 FROM documents WHERE state = 'written'")}
    docs_before = tree(root / "output")
    mails_before = tree(root / "outbox")
    assert issued and all(sha(root / p) == d for p, d in issued.items())
    code, out, err = cli(capsys, "restore", str(older), "-w", str(root), "--yes")
    assert code == 0, err
    assert "单据仍为已出具" in out                     # documents issued since: said, and left as issued
    code, _, err = cli(capsys, "run", "-w", str(root))
    assert code in (0, 1), err
    for path, digest in issued.items():                   # every document issued before: its very bytes
        assert sha(root / path) == digest, path
    assert {p: v for p, v in tree(root / "output").items() if f"output/{p}" in issued} == \
        {p: v for p, v in docs_before.items() if f"output/{p}" in issued}
    after = tree(root / "outbox")
    assert {p: after.get(p) for p in mails_before} == mails_before     # no mail sent before is sent again
    keys = all_keys(root)
    assert len(keys) == len(set(keys))


# -- damaged backups are refused, the workspace untouched -------------------------------------------------------

def _flip_store(folder: Path) -> None:
    path = folder / "store" / "sheetflow.db"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def _edit_manifest(folder: Path) -> None:
    data = json.loads((folder / "manifest.json").read_text("utf-8"))
    data["records"] = {"purchase_request": 7}
    (folder / "manifest.json").write_text(json.dumps(data), "utf-8")


DAMAGE = [
    pytest.param(_flip_store, "store/sheetflow.db", "损坏", id="byte flipped in the store copy"),
    pytest.param(lambda f: (f / "sheets" / BOOK).unlink(), BOOK, "不完整", id="a workbook missing"),
    pytest.param(_edit_manifest, "purchase_request", "manifest", id="manifest edited"),
    pytest.param(lambda f: (f / "manifest.json").unlink(), "manifest.json", "不完整", id="no manifest"),
]


@pytest.mark.parametrize(("harm", "named", "word"), DAMAGE)
def test_a_damaged_backup_is_refused_with_what_is_wrong_and_nothing_touched(
        requests: Workspace, capsys: pytest.CaptureFixture[str], harm: Callable[[Path], None], named: str,
        word: str) -> None:
    root = requests.root
    assert cli(capsys, "backup", "-w", str(root))[0] == 0
    (_, folder), = generations(requests.cfg, EVERYTHING)
    harm(folder)
    Book(requests.cfg.sheets_dir / BOOK).put_rows([good_row(item="瓷砖")], start=4)
    before = tree(root / "sheets") | {"db": (sha(root / "sheetflow.db"), 0)}
    code, _, err = cli(capsys, "restore", folder.name, "-w", str(root), "--yes")
    assert code == 1
    assert named in err and str(folder) in err and word in err and "do not restore" in err
    assert tree(root / "sheets") | {"db": (sha(root / "sheetflow.db"), 0)} == before
    assert not set_folder(requests.cfg, BEFORE_RESTORE).exists()      # not even the safety copy was made


def test_a_workspace_whose_store_is_damaged_is_restored_and_the_damaged_store_kept_aside(
        requests: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    root = requests.root
    assert cli(capsys, "backup", "-w", str(root))[0] == 0
    keys = all_keys(root)
    with (root / "sheetflow.db").open("r+b") as fh:     # a failing disk: the header is gone
        fh.write(b"\x00" * 100)
    for suffix in ("-wal", "-shm"):
        Path(f"{root / 'sheetflow.db'}{suffix}").unlink(missing_ok=True)
    damaged = sha(root / "sheetflow.db")
    code, out, err = cli(capsys, "restore", "latest", "-w", str(root), "--yes")
    assert code == 0, err
    aside, = root.glob("sheetflow.db.damaged-*")
    assert sha(aside) == damaged and "无法打开" in out and aside.name in out
    assert all_keys(root) == keys
    assert cli(capsys, "run", "-w", str(root))[0] == 0


# -- a running workspace is refused ------------------------------------------------------------------------------

def _held_exclusive(path: Path) -> bool:
    with path.open("a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fh, fcntl.LOCK_UN)
        return False


@pytest.fixture
def watching(requests: Workspace) -> Iterator[threading.Event]:
    """`watch` running on the workspace in a thread, until the test ends."""
    ws, stop = reopened(requests), threading.Event()
    thread = threading.Thread(target=watch, args=(ws,), kwargs={"stop": stop}, daemon=True)
    thread.start()
    assert wait_for(lambda: _held_exclusive(requests.root / WATCH_LOCK)) is not None
    yield stop
    stop.set()
    thread.join(timeout=20)
    ws.close()


def test_restore_is_refused_while_watch_runs_and_goes_ahead_once_it_stopped(
        requests: Workspace, watching: threading.Event, capsys: pytest.CaptureFixture[str]) -> None:
    root = requests.root
    assert cli(capsys, "backup", "-w", str(root))[0] == 0     # a backup is fine beside watch
    db = sha(root / "sheetflow.db")
    code, _, err = cli(capsys, "restore", "latest", "-w", str(root), "--yes")
    assert code == 3
    assert "sheetflow watch" in err and "stop it first" in err and "请先停止" in err
    assert sha(root / "sheetflow.db") == db and not set_folder(requests.cfg, BEFORE_RESTORE).exists()
    watching.set()
    assert wait_for(lambda: not _held_exclusive(root / WATCH_LOCK)) is not None
    code, _, err = cli(capsys, "restore", "latest", "-w", str(root), "--yes")
    assert code == 0, err


@pytest.mark.parametrize(("lock", "said"), [(WORKSPACE_LOCK, "a sheetflow pass"), (MAIL_LOCK, "mail send")],
                         ids=["a pass running", "mail being sent"])
def test_restore_is_refused_while_a_pass_or_a_delivery_holds_the_workspace(
        requests: Workspace, capsys: pytest.CaptureFixture[str], lock: str, said: str) -> None:
    root = requests.root
    assert cli(capsys, "backup", "-w", str(root))[0] == 0
    with (root / lock).open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)            # as a pass (ws.exclusive) or `mail send` holds it
        code, _, err = cli(capsys, "restore", "latest", "-w", str(root), "--yes")
    assert code == 3 and said in err and "Nothing was changed" in err


# -- the command line --------------------------------------------------------------------------------------------

def test_backup_list_shows_each_generation_and_whether_it_checked_out(
        requests: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    root = requests.root
    assert cli(capsys, "backup", "-w", str(root))[0] == 0
    assert cli(capsys, "backup", "--orders", "-w", str(root))[0] == 0
    (_, folder), = generations(requests.cfg, EVERYTHING)
    unchecked = folder.with_name("20261128-190000")
    unchecked.mkdir(mode=0o700)
    shutil.copy2(folder / "manifest.json", unchecked / "manifest.json")    # (private, as the original)
    folder.with_name("20261127-190000").mkdir(mode=0o700)   # never finished: no manifest
    code, out, _ = cli(capsys, "backup", "--list", "-w", str(root))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("== full")
    assert "20261127-190000" in lines[1] and "不可用" in lines[1] and "manifest.json" in lines[1]
    assert "20261128-190000" in lines[2] and "未检查" in lines[2]
    assert folder.name in lines[3] and "已检查" in lines[3] and "2 条记录" in lines[3]
    assert any(line.startswith("== orders") for line in lines)


@pytest.mark.parametrize(("args", "exit_code", "said"), [
    (["restore", "20991231-000000", "--yes"], 2, "no backup 20991231-000000"),
    (["restore", "--yes"], 2, "name the backup"),
    (["restore", "latest", "--as-of", "2026-11-29"], 2, "--as-of goes with --record"),
    (["restore", "latest"], 2, "add --yes"),
], ids=["no such backup", "no backup named", "--as-of alone", "no --yes and no terminal"])
def test_restore_command_line_mistakes_exit_2_with_a_message_and_change_nothing(
        requests: Workspace, capsys: pytest.CaptureFixture[str], args: list[str], exit_code: int,
        said: str) -> None:
    root = requests.root
    assert cli(capsys, "backup", "-w", str(root))[0] == 0
    db = sha(root / "sheetflow.db")
    code, _, err = cli(capsys, *args, "-w", str(root))
    assert code == exit_code and said in err.replace("\n", " ")
    assert sha(root / "sheetflow.db") == db and not set_folder(requests.cfg, BEFORE_RESTORE).exists()


def test_a_restore_is_undone_by_restoring_its_safety_backup(requests: Workspace,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    root = requests.root
    assert cli(capsys, "backup", "-w", str(root))[0] == 0
    Book(requests.cfg.sheets_dir / BOOK).put_rows([good_row(item="瓷砖")], start=4)
    ws = reopened(requests)
    run_pass(ws)
    ws.close()
    moved_on = all_keys(root)
    assert len(moved_on) == 3
    code, out, _ = cli(capsys, "restore", "latest", "-w", str(root), "--yes")
    assert code == 0 and len(all_keys(root)) == 2
    (_, safety), = generations(requests.cfg, BEFORE_RESTORE)
    assert f"before-restore/{safety.name}" in out
    code, _, err = cli(capsys, "restore", f"before-restore/{safety.name}", "-w", str(root), "--yes")
    assert code == 0, err
    assert all_keys(root) == moved_on
    assert Book(requests.cfg.sheets_dir / BOOK).cell(4, "key") == moved_on[-1]


# -- the weekly backup of everything ----------------------------------------------------------------------------

def fulls(ws: Workspace) -> list[dt.datetime]:
    return [when for when, _ in generations(ws.cfg, EVERYTHING)]


def pass_at(ws: Workspace, when: dt.datetime) -> None:
    ws.clock.fixed = when
    run_pass(ws)


def test_the_weekly_full_backup_is_taken_at_its_time_and_a_missed_one_at_the_next_pass(
        make_workspace: Callable[..., Workspace]) -> None:
    ws = make_workspace(now=at(FRIDAY, 9))
    pass_at(ws, at(FRIDAY, 9))
    assert fulls(ws) == [] and next_full_backup(ws) == at(FRIDAY, 19)    # watch wakes for it
    pass_at(ws, at(FRIDAY, 18, 59))
    assert fulls(ws) == []
    pass_at(ws, at(FRIDAY, 19))
    pass_at(ws, at(FRIDAY, 23))
    assert fulls(ws) == [at(FRIDAY, 19).replace(tzinfo=None)]
    assert next_full_backup(ws) == at(FRIDAY + dt.timedelta(days=7), 19)
    (_, folder), = generations(ws.cfg, EVERYTHING)
    assert is_verified(folder) and json.loads(ws.store.meta(FULL_LAST))["folder"] == ws.rel(folder)
    assert f"最近一次全部备份（数据库、所有表格、output/）：2026-12-04 19:00，{ws.rel(folder)}" in render_status(ws)
    monday = FRIDAY + dt.timedelta(days=10)                  # the machine was off all the next Friday evening
    ws.clock.fixed = at(monday, 8, 30)
    assert next_full_backup(ws) == at(FRIDAY + dt.timedelta(days=7), 19)   # owed: watch wakes at once
    assert "每周全部备份已到期" in render_status(ws)
    pass_at(ws, at(monday, 8, 30))
    assert fulls(ws)[-1] == at(monday, 8, 30).replace(tzinfo=None)    # caught up, once
    assert "每周全部备份已到期" not in render_status(ws)
    pass_at(ws, at(monday, 9))
    assert len(fulls(ws)) == 2


def test_a_backup_by_hand_counts_as_the_weeks_full_backup(make_workspace: Callable[..., Workspace],
                                                          capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    ws = make_workspace(now=at(FRIDAY, 9))
    pass_at(ws, at(FRIDAY, 9))
    monkeypatch.setenv("SHEETFLOW_NOW", at(FRIDAY, 19, 30).replace(tzinfo=None).isoformat())
    assert cli(capsys, "backup", "-w", str(ws.root))[0] == 0
    pass_at(ws, at(FRIDAY, 20))
    assert len(fulls(ws)) == 1


@pytest.mark.parametrize("keep", [1, 3])
def test_the_full_backups_keep_keep_full_generations(make_workspace: Callable[..., Workspace], keep: int) -> None:
    ws = make_workspace(now=at(FRIDAY, 9))
    path = ws.root / "config.toml"
    path.write_text(path.read_text("utf-8").replace("keep_full = 8", f"keep_full = {keep}"), "utf-8")
    ws = make_workspace(now=at(FRIDAY, 9))
    pass_at(ws, at(FRIDAY, 9))
    weeks = [FRIDAY + dt.timedelta(days=7 * n) for n in range(5)]
    for day in weeks:
        pass_at(ws, at(day, 19))
    assert fulls(ws) == [at(day, 19).replace(tzinfo=None) for day in weeks[-keep:]]


@pytest.mark.parametrize(("value", "day"), [
    ('"星期五"', 5), ('"周日"', 7), ('"星期天"', 7), ('"sunday"', 7), ('"Mon"', 1), ("3", 3), ('"6"', 6),
])
def test_full_weekday_takes_a_number_or_a_name(make_workspace: Callable[..., Workspace], value: str,
                                               day: int) -> None:
    ws = make_workspace()
    path = ws.root / "config.toml"
    path.write_text(path.read_text("utf-8").replace('full_weekday = "星期五"', f"full_weekday = {value}"), "utf-8")
    assert make_workspace().cfg.backup.full_weekday == day


@pytest.mark.parametrize("value", ['"someday"', "8", "0", '"full_at"'])
def test_a_wrong_full_weekday_is_refused_naming_the_key(make_workspace: Callable[..., Workspace],
                                                        value: str) -> None:
    ws = make_workspace()
    path = ws.root / "config.toml"
    path.write_text(path.read_text("utf-8").replace('full_weekday = "星期五"', f"full_weekday = {value}"), "utf-8")
    with pytest.raises(ConfigError, match=r"backup\.full_weekday.*星期几"):
        make_workspace()
