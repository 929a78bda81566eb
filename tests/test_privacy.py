"""No valid sign-off code is readable by anyone but its addressee (issue 11).

Another local account reads the shared sheets and no code anywhere in the
workspace; the private part is made 0600/0700 whatever the umask; a start finds
what was loosened, tightens it, says so and replaces codes that lay open;
status shows it; a private folder sheetflow cannot make private stops run.
The mail side (codes masked once failed or unknown, a resend sending a fresh
code) is in test_privacy_mail.py.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import stat
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from approvals_helpers import CODE, cell, mails_to, sign
from conftest import BOOK, Book, good_row, run_cli, workspace_maker
from mail_helpers import free_port, smtp_config
from privacy_helpers import (
    as_other_account,
    can_become_other,
    old_code_voided_fresh_one_signs,
    other_ids,
    read_everything,
)

from processors import cli
from processors.init_workspace import init_workspace
from processors.passes import run_pass
from processors.status_view import render_status
from processors.workspace import Workspace

WANG = "wangfang@example.com"
SHARED = ("config.toml", "sheets", "output", "published")   # what staff (and readers) open; the rest is private


@pytest.fixture
def umask() -> Iterator[Callable[[int], None]]:
    """Set the process umask for the test (sheetflow's private modes must not depend on it)."""
    before = os.umask(0o022)

    def set_to(value: int) -> None:
        os.umask(value)

    yield set_to
    os.umask(before)


@pytest.fixture
def shared_root(umask: Callable[[int], None]) -> Iterator[Path]:
    """A folder another account can walk into (pytest's tmp_path sits under a 0700 folder)."""
    root = Path(tempfile.mkdtemp(prefix="sheetflow-privacy-"))
    root.chmod(0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def open_ws(shared_root: Path) -> Iterator[Callable[..., Workspace]]:
    with workspace_maker(shared_root) as make:
        yield lambda config_extra="", language=None: make("ws", config_extra=config_extra, language=language)


def submit(ws: Workspace) -> Book:
    book = Book(ws.cfg.sheets_dir / BOOK)
    book.put_rows([good_row()])
    run_pass(ws)
    return book


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def not_private(root: Path) -> list[str]:
    """Every path outside the shared part that lets group or other in, with its mode."""
    out = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if rel.parts[0] not in SHARED and mode(path) & 0o077:
            out.append(f"{rel} {mode(path):04o}")
    return out


# -- another account ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("transport", ["eml", "smtp, server down"])
def test_another_account_reads_the_sheets_and_no_valid_code(open_ws: Callable[..., Workspace],
                                                            transport: str) -> None:
    """With the default layout, `nobody` (or, not as root, anyone the mode bits let in) walks the whole
    workspace: it reads the request sheet, and the approver's valid code is in none of the files it can open.
    The owner, walking the same way, finds the code: where it lies (the .eml, or the queued mail in the
    store) is only closed to the other account."""
    ws = open_ws(smtp_config(free_port()) if transport != "eml" else "")
    book = submit(ws)
    if transport == "eml":
        code = mails_to(ws.cfg.outbox_dir, WANG)[0].code
    else:
        queued = ws.store.conn.execute("SELECT body_text FROM outbox WHERE key LIKE '%:open:dept_head:%'")
        match = CODE.search(queued.fetchone()[0])
        assert match
        code = match.group(1)
    owner = read_everything(ws.root, code, by_modes=False)
    assert owner["found"], "the owner's walk must find the code, or the other's walk proves nothing"
    other = as_other_account(lambda: read_everything(ws.root, code, by_modes=not can_become_other()))
    assert "sheets/采购申请.xlsx" in other["readable"] and "config.toml" in other["readable"]
    assert other["found"] == []
    assert not any(p.startswith(("outbox", "sheetflow.db")) for p in other["readable"])
    if transport == "eml":                      # and the code it could not find was a valid one
        sign(book, 2, "dept_head", f"同意 {code}")
        run_pass(ws)
        assert cell(book, 2, "dept_head") == "✔ 王芳 2026-11-29 10:32"


# -- modes --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("umask_value", [0o000, 0o022])
def test_private_part_is_private_after_init_and_a_pass_whatever_the_umask(
        open_ws: Callable[..., Workspace], umask: Callable[[int], None], umask_value: int) -> None:
    umask(umask_value)
    ws = open_ws()
    assert mode(ws.cfg.outbox_dir) == 0o700                     # after init, before any pass
    assert mode(ws.cfg.state_path) == 0o600                     # the store, as the workspace opened it
    submit(ws)
    private = [ws.cfg.outbox_dir, ws.cfg.state_path, ws.root / "sheetflow.db-wal", ws.root / "sheetflow.db-shm",
               ws.root / ".sheetflow.lock", ws.root / ".sheetflow-mail.lock", *ws.cfg.outbox_dir.glob("*.eml")]
    assert any(p.suffix == ".eml" for p in private)             # the code mail is there
    assert {str(p.relative_to(ws.root)): mode(p) for p in private} == {
        str(p.relative_to(ws.root)): 0o700 if p.is_dir() else 0o600 for p in private}
    assert not_private(ws.root) == []                           # nor anything else sheetflow made
    sheet = ws.cfg.sheets_dir / BOOK                            # the shared part stays as the umask makes it
    assert mode(sheet) == 0o666 & ~umask_value and mode(ws.cfg.sheets_dir) == 0o777 & ~umask_value


# -- the start-up check -------------------------------------------------------------------------------------

def loosen_like_an_older_sheetflow(ws: Workspace) -> None:
    ws.cfg.outbox_dir.chmod(0o755)
    for path in [ws.cfg.state_path, *ws.cfg.outbox_dir.glob("*.eml")]:
        path.chmod(0o644)


@pytest.mark.parametrize(("language", "says"), [
    ("zh", ["outbox/（原 0755，现 0700）", "（原 0644，现 0600）", "验证码可能已被看到", "下一次处理时全部换成新码",
            "sheetflow.db（原 0644，现 0600）"]),
    ("en", ["outbox/ was open to other accounts (mode 0755); made private (0700)", "may have shown sign-off codes",
            "Every code sent until now is replaced by a fresh one on the next pass"]),
])
def test_a_start_tightens_what_was_loosened_and_says_so(open_ws: Callable[..., Workspace], language: str,
                                                        says: list[str]) -> None:
    ws = open_ws(language=language)
    submit(ws)
    loosen_like_an_older_sheetflow(ws)
    proc = run_cli("status", "-w", str(ws.root))
    assert proc.returncode == 0, proc.stderr
    for text in says:
        assert text in proc.stdout
    assert not_private(ws.root) == []


def test_codes_that_lay_open_are_replaced_on_the_next_pass(open_ws: Callable[..., Workspace]) -> None:
    ws = open_ws()
    book = submit(ws)
    old = mails_to(ws.cfg.outbox_dir, WANG)[0].code
    loosen_like_an_older_sheetflow(ws)
    reopened = open_ws()                       # the start that finds it
    run_pass(reopened)
    fresh = [m.code for m in mails_to(reopened.cfg.outbox_dir, WANG)]
    assert len(fresh) == 2 and fresh[0] == old and fresh[1] != old
    old_code_voided_fresh_one_signs(reopened, book, old, fresh[1])
    run_pass(open_ws())                        # replaced once: a later start finds nothing open
    assert len(mails_to(reopened.cfg.outbox_dir, WANG)) == 2


@pytest.mark.parametrize(("language", "config_extra", "shown", "not_shown"), [
    ("zh", "", ["== 隐私 ==", "共享（员工打开）：sheets/  output/", "私有（仅账户", "sheetflow.db  outbox/",
                "仅适用于单人使用或演示", "私有路径均为私有"], ["对其他账户开放"]),
    ("en", "", ["== Privacy ==", "Shared (staff open these): sheets/  output/", "sheetflow.db  outbox/",
                "a single-user or demo transport", "private paths found are private"], ["Open to other"]),
    ("en", smtp_config(2525), ["== Privacy ==", "private paths found are private"], ["demo transport"]),
])
def test_status_shows_the_privacy_state(open_ws: Callable[..., Workspace], language: str, config_extra: str,
                                        shown: list[str], not_shown: list[str]) -> None:
    ws = open_ws(config_extra, language=language)
    text = render_status(ws).split("==", 1)[1]
    privacy = text[text.index("== " + ("隐私" if language == "zh" else "Privacy")):]
    for line in shown:
        assert line in privacy
    for line in not_shown:
        assert line not in privacy


def test_run_refuses_while_a_private_folder_cannot_be_made_private(shared_root: Path) -> None:
    """The store configured into /tmp: a folder every account shares and sheetflow's account does not own.
    run says which folder, its mode and what to do, exits 2 and writes no code there; status still works."""
    root = shared_root / "ws"
    init_workspace(root)
    state = f"/tmp/sheetflow-privacy-{uuid.uuid4().hex}.db"
    text = (root / "config.toml").read_text("utf-8").replace('state = "sheetflow.db"', f'state = "{state}"')
    (root / "config.toml").write_text(text, "utf-8")
    if can_become_other():                     # root may chmod anything: the run is nobody's, in its own workspace
        uid, gid = other_ids()
        for path in [root, *root.rglob("*")]:
            os.chown(path, uid, gid)

    def main(*args: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main([*args, "-w", str(root)])
        return code, out.getvalue(), err.getvalue()

    try:
        ran = as_other_account(lambda: main("run"))
        status = as_other_account(lambda: main("status"))
    finally:
        for leftover in Path("/tmp").glob(Path(state).name + "*"):
            leftover.unlink()
    code, _, err = ran
    assert code == 2
    assert "/tmp/：所有账户共用的文件夹（权限 1777，属主 root）" in err and "config.toml 的 [paths]" in err
    assert status[0] == 0 and "对其他账户开放（修复前 run、watch 和 mail 不运行）" in status[1]


@pytest.mark.parametrize(("lang", "says"), [
    ("zh", ["共享（员工打开）：sheets/  output/", "私有（仅账户 ", "）：sheetflow.db  outbox/", "请配置 [mail.smtp]"]),
    ("en", ["Shared (staff open these): sheets/  output/", "Private (only the account ", "): sheetflow.db  outbox/",
            "set [mail.smtp] for real use"]),
])
def test_init_says_which_folder_is_shared_and_which_part_private(shared_root: Path, lang: str,
                                                                says: list[str]) -> None:
    proc = run_cli("init", str(shared_root / "ws"), "--lang", lang)
    assert proc.returncode == 0, proc.stderr
    for text in says:
        assert text in proc.stdout
    assert mode(shared_root / "ws" / "outbox") == 0o700
