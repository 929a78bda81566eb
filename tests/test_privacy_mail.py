"""A code leaves the store's plain text as soon as its mail is settled, and a resent code mail carries a fresh one.

Real SMTP on 127.0.0.1 (aiosmtpd). The server here keeps a copy of every message
handed to it, also those it then refuses or never answers: what a code mail that
failed or went unknown may have shown to someone (a spool, a mail admin, the
wrong mailbox). That copy's code must not sign once the mail was resent.
"""

from __future__ import annotations

import stat
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from approvals_helpers import CODE
from conftest import BOOK, Book, good_row, run_cli
from mail_helpers import APPLICANT, Recorder, body, free_port, mail, parse, queue, row, smtp_config, start_server
from privacy_helpers import old_code_voided_fresh_one_signs

from processors.mail.eml import eml_path
from processors.mail.outbox import MASK, OutboxRow
from processors.mail.sender import deliver_due
from processors.passes import run_pass
from processors.status_view import render_status
from processors.workspace import Workspace

WANG = "wangfang@example.com"
NOTICE = mail("PR-2026-0001:submitted:1", (APPLICANT,), text="您的采购申请已提交。\n", html=None, secrets=())


class Keeping(Recorder):
    """A server that keeps what it was handed before it answers (or fails to)."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[EmailMessage] = []

    async def _data(self, session: Any, envelope: Any) -> str:
        self.seen.append(parse(envelope.original_content))
        return await super()._data(session, envelope)

    def code_to(self, address: str) -> str:
        """The code in the last message for this address the server was handed."""
        last = [m for m in self.seen if address in str(m["To"])][-1]
        found = CODE.search(body(last, "plain"))
        assert found, body(last, "plain")
        return found.group(1)


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def server(port: int) -> Iterator[Keeping]:
    keeping = Keeping()
    controller = start_server(port, keeping)
    yield keeping
    controller.stop()


def trouble(server: Keeping, how: str) -> None:
    """What goes wrong on the server: a refused address, a refused message, no answer to the final dot."""
    kind, _, reply = how.partition(" ")
    if kind == "rcpt":
        server.rcpt_replies[WANG] = reply
    elif kind == "data":
        server.data_reply = reply
    else:
        server.data_delay = 1.0                 # longer than the client's 0.3 s timeout


def healed(server: Keeping) -> None:
    server.rcpt_replies.clear()
    server.data_reply, server.data_delay = None, 0.0


def store_bytes(ws: Workspace) -> bytes:
    ws.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return b"".join(p.read_bytes() for p in ws.root.glob("sheetflow.db*"))


def code_mail(ws: Workspace) -> OutboxRow:
    (key,) = [r["key"] for r in ws.store.conn.execute("SELECT key FROM outbox WHERE key LIKE '%:open:dept_head:%'")]
    return row(ws, key)


# -- masked once settled ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("how", "state"), [
    ("rcpt 550 5.1.1 no such user", "failed"),
    ("data 554 5.7.1 message refused", "failed"),
    ("silence", "unknown"),
    ("eml: an address no server takes", "failed"),
])
def test_a_code_is_masked_in_the_store_once_its_mail_failed_or_is_unknown(
        make_workspace: Callable[..., Workspace], server: Keeping, port: int, how: str, state: str) -> None:
    if how.startswith("eml"):
        ws = make_workspace()
        queue(ws, mail(to=("王芳 <wangfang@>",)))
    else:
        trouble(server, how)
        ws = make_workspace(config_extra=smtp_config(port, timeout=0.3))
        queue(ws, mail())
    assert b"K7M3QX" in store_bytes(ws)                                  # queued: it still has to go out
    deliver_due(ws)
    server.settle()
    stored = row(ws, mail().key)
    assert stored.state == state
    assert "K7M3QX" not in stored.body_text + (stored.body_html or "") and MASK in stored.body_text
    assert stored.secrets == [] and stored.secret_count == 1              # still known as a code mail
    assert b"K7M3QX" not in store_bytes(ws)


# -- resend: a fresh code -----------------------------------------------------------------------------------

def submit(ws: Workspace) -> Book:
    book = Book(ws.cfg.sheets_dir / BOOK)
    book.put_rows([good_row()])
    run_pass(ws)
    return book


@pytest.mark.parametrize(("how", "state"), [
    ("data 554 5.7.1 message refused", "failed"),
    ("silence", "unknown"),
])
def test_resending_a_code_mail_sends_a_fresh_code_and_the_old_one_no_longer_signs(
        make_workspace: Callable[..., Workspace], server: Keeping, port: int, how: str, state: str) -> None:
    trouble(server, how)
    ws = make_workspace(config_extra=smtp_config(port, timeout=0.3))
    book = submit(ws)                                   # numbered, code hashed, mail tried: it fails
    server.settle()
    first = code_mail(ws)
    assert first.state == state
    old = server.code_to(WANG)                          # what the server (or a wrong mailbox) was shown
    healed(server)
    proc = run_cli("mail", "resend", first.key, "-w", str(ws.root))
    assert proc.returncode == 0, proc.stderr
    assert "其中的验证码已作废" in proc.stdout and ":resend" in proc.stdout
    assert row(ws, first.key).state == "replaced"
    assert "已换新码" in render_status(ws).split("== 邮件 ==")[1]
    run_pass(ws)                                        # the fresh code mail goes out
    server.settle()
    fresh = server.code_to(WANG)
    assert fresh != old
    old_code_voided_fresh_one_signs(ws, book, old, fresh)


def test_resending_a_code_mail_whose_step_moved_on_sends_nothing(
        make_workspace: Callable[..., Workspace], server: Keeping, port: int) -> None:
    trouble(server, "data 554 5.7.1 message refused")
    ws = make_workspace(config_extra=smtp_config(port, timeout=0.3))
    book = submit(ws)
    first = code_mail(ws)
    book.set(2, "quantity", 11)                         # content changed: the route starts again (version 2)
    run_pass(ws)
    proc = run_cli("mail", "resend", first.key, "-w", str(ws.root))
    assert proc.returncode == 1 and "已不再等待" in proc.stderr and "mark-sent" in proc.stderr
    assert row(ws, first.key).state == "failed"


def test_a_mail_without_a_code_is_resent_as_it_was(make_workspace: Callable[..., Workspace], server: Keeping,
                                                    port: int) -> None:
    server.rcpt_replies["liqiang@example.com"] = "550 5.1.1 no such user"
    ws = make_workspace(config_extra=smtp_config(port))
    queue(ws, NOTICE)
    deliver_due(ws)
    assert row(ws, NOTICE.key).state == "failed"
    healed(server)
    proc = run_cli("mail", "resend", NOTICE.key, "-w", str(ws.root))
    assert proc.returncode == 0 and "已重新排队" in proc.stdout
    deliver_due(ws)
    assert row(ws, NOTICE.key).state == "sent" and server.count(row(ws, NOTICE.key).message_id) == 1


# -- the .eml transport never writes a code where others can read it ----------------------------------------

def test_code_mails_wait_while_the_outbox_is_open_to_others(ws: Workspace) -> None:
    queue(ws, mail(), NOTICE)
    ws.cfg.outbox_dir.chmod(0o755)                      # loosened while sheetflow runs
    deliver_due(ws)
    held = row(ws, mail().key)
    assert held.state == "queued" and "chmod 700" in held.last_error and "0755" in held.last_error
    assert "K7M3QX" in held.body_text                   # still to be sent, so still in the (private) store
    assert row(ws, NOTICE.key).state == "sent"          # a mail without a code is not held
    assert "outbox 可被其他账户读取（权限 0755）" in render_status(ws).split("== 邮件 ==")[1]
    ws.cfg.outbox_dir.chmod(0o700)
    deliver_due(ws)
    path = eml_path(ws.cfg.outbox_dir, mail().key, "PR-2026-0001")
    assert row(ws, mail().key).state == "sent" and stat.S_IMODE(path.stat().st_mode) == 0o600


# -- a store an earlier sheetflow left ----------------------------------------------------------------------

def test_codes_an_earlier_sheetflow_left_in_failed_and_unknown_mails_are_masked(
        make_workspace: Callable[..., Workspace]) -> None:
    """Schema 7 kept a failed or unknown mail's code until a person settled it: after the upgrade the store
    still knows them as code mails (resend sends a fresh code) and the next delivery run masks them."""
    ws = make_workspace()
    queue(ws, mail(), mail("PR-2026-0002:code:dept_head:1", record_key="PR-2026-0002"), NOTICE)
    conn = ws.store.conn
    conn.executescript("UPDATE outbox SET state = 'failed' WHERE key = 'PR-2026-0001:code:dept_head:1';"
                       "UPDATE outbox SET state = 'unknown' WHERE key = 'PR-2026-0002:code:dept_head:1';"
                       "UPDATE outbox SET state = 'failed' WHERE key = 'PR-2026-0001:submitted:1';"
                       "ALTER TABLE outbox DROP COLUMN secret_count; PRAGMA user_version = 7;")
    ws.close()
    again = make_workspace()
    assert [row(again, k).secret_count for k in (mail().key, "PR-2026-0002:code:dept_head:1", NOTICE.key)] == [1, 1, 0]
    deliver_due(again)
    for key in (mail().key, "PR-2026-0002:code:dept_head:1"):
        stored = row(again, key)
        assert "K7M3QX" not in stored.body_text + (stored.body_html or "") and stored.secrets == []
    assert b"K7M3QX" not in store_bytes(again)
