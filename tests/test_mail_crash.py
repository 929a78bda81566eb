"""Kill `sheetflow mail send` at each step (a real child process), restart it, and count what arrived.

The aiosmtpd server runs in this test process and counts copies per Message-ID;
the child is killed with os._exit at a named crash point, like a power cut.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from conftest import run_cli
from mail_helpers import APPLICANT, Recorder, free_port, mail, queue, row, smtp_config, start_server

from processors.faults import CRASH_EXIT_CODE
from processors.mail.eml import eml_path, temp_path
from processors.mail.outbox import Mail, claim
from processors.mail.sender import deliver_due, delivery_lock
from processors.workspace import Workspace

FIRST = mail()
SECOND = mail("PR-2026-0001:submitted:1", (APPLICANT,), secrets=())


@pytest.fixture
def smtp(make_workspace: Callable[..., Workspace]) -> Iterator[tuple[Workspace, Recorder]]:
    port = free_port()
    recorder = Recorder()
    controller = start_server(port, recorder)
    ws = make_workspace(config_extra=smtp_config(port))
    yield ws, recorder
    controller.stop()


def send(ws: Workspace, crash_at: str | None = None) -> str:
    proc = run_cli("mail", "send", "-w", str(ws.root), env={"SHEETFLOW_CRASH_AT": crash_at or ""})
    assert proc.returncode == (CRASH_EXIT_CODE if crash_at else 0), proc.stdout + proc.stderr
    return proc.stdout


# point, state the crash leaves, copies the server can hold by then, state after restart, copies after restart
SMTP_POINTS = [
    ("mail_before_send", "sending", {0}, "sent", 1),
    ("mail_during_data", "sending", {0}, "sent", 1),       # the server discards a message without its final dot
    ("mail_after_data_end", "data_end", {0, 1}, "unknown", None),  # None: same as before the restart
    ("mail_after_250", "data_end", {1}, "unknown", 1),
    ("mail_before_mark", "data_end", {1}, "unknown", 1),
]


@pytest.mark.parametrize(("point", "left", "copies_then", "final", "copies_after"), SMTP_POINTS)
def test_smtp_crash_then_restart(smtp: tuple[Workspace, Recorder], point: str, left: str, copies_then: set[int],
                                 final: str, copies_after: int | None) -> None:
    ws, recorder = smtp
    queue(ws, FIRST, SECOND)
    message_id = row(ws, FIRST.key).message_id
    send(ws, point)
    recorder.settle()           # the dead sender's session ended: what it left on the server is all there is
    assert row(ws, FIRST.key).state == left
    assert row(ws, SECOND.key).state == "queued"                  # the crash came at the first mail
    then = recorder.count(message_id)
    assert then in copies_then
    out = send(ws)
    recorder.settle()
    assert row(ws, FIRST.key).state == final
    assert recorder.count(message_id) == (then if copies_after is None else copies_after)
    assert row(ws, SECOND.key).state == "sent" and recorder.count(row(ws, SECOND.key).message_id) == 1
    assert "已发送" in out
    send(ws)                                                      # and a third run changes nothing
    recorder.settle()
    assert recorder.count(message_id) == (then if copies_after is None else copies_after)
    if final == "unknown":
        status = run_cli("status", "-w", str(ws.root)).stdout.split("== 邮件 ==")[1]
        assert "待核实" in status and FIRST.key in status and "mail mark-sent" in status
        unknown = row(ws, FIRST.key)                                 # masked once unknown: it is never
        assert "K7M3QX" not in unknown.body_text and unknown.secrets == []   # resent as it was (test_privacy)


# resend sends a mail without a code again as it was; a code mail gets a fresh code instead (test_privacy.py)
@pytest.mark.parametrize(("sent", "action", "copies"), [(SECOND, "resend", 2), (FIRST, "mark-sent", 1)])
def test_a_person_settles_an_unknown_mail(smtp: tuple[Workspace, Recorder], sent: Mail, action: str,
                                          copies: int) -> None:
    ws, recorder = smtp
    queue(ws, sent)
    message_id = row(ws, sent.key).message_id
    send(ws, "mail_after_250")
    send(ws)
    assert row(ws, sent.key).state == "unknown" and recorder.count(message_id) == 1
    proc = run_cli("mail", action, sent.key, "-w", str(ws.root))
    assert proc.returncode == 0, proc.stderr
    assert sent.key in proc.stdout
    send(ws)
    recorder.settle()
    stored = row(ws, sent.key)
    assert stored.state == "sent" and recorder.count(message_id) == copies and stored.secrets == []
    assert "K7M3QX" not in stored.body_text or not sent.secrets
    again = run_cli("mail", action, sent.key, "-w", str(ws.root))   # a sent mail is settled already
    assert again.returncode == 1 and "已发送" in again.stderr


def test_settling_an_unknown_key_says_so(smtp: tuple[Workspace, Recorder]) -> None:
    ws, _ = smtp
    proc = run_cli("mail", "resend", "PR-2026-9999:nothing:1", "-w", str(ws.root))
    assert proc.returncode == 1 and "没有这个编号的邮件" in proc.stderr


# eml: the file's existence proves delivery, so a crash after the rename never makes a second file.
EML_POINTS = [
    ("mail_before_send", False, False),
    ("mail_during_data", False, True),          # half a temp file, never renamed into place
    ("mail_before_mark", True, False),          # the file is there, the row still says queued
]


@pytest.mark.parametrize(("point", "file_then", "temp_then"), EML_POINTS)
def test_eml_crash_then_restart(ws: Workspace, point: str, file_then: bool, temp_then: bool) -> None:
    queue(ws, FIRST)
    path = eml_path(ws.cfg.outbox_dir, FIRST.key, FIRST.record_key)
    send(ws, point)
    assert path.exists() is file_then and temp_path(path).exists() is temp_then
    assert row(ws, FIRST.key).state == "queued"
    send(ws)
    assert [p.name for p in ws.cfg.outbox_dir.iterdir()] == [path.name]
    assert row(ws, FIRST.key).state == "sent"


def test_a_second_sender_leaves_a_live_senders_rows_alone(ws: Workspace) -> None:
    queue(ws, FIRST)
    assert claim(ws.store, row(ws, FIRST.key).id)                  # as a sender does before MAIL FROM
    with delivery_lock(ws) as mine:                                 # … while it is still alive
        assert mine
        other = Workspace(ws.root, clock=ws.clock)
        try:
            assert deliver_due(other).busy
            assert row(other, FIRST.key).state == "sending"         # not recovered under its feet
        finally:
            other.close()
    assert deliver_due(ws).sent == 1                                # the lock is free: recovered and sent
