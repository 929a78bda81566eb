"""SMTP against a real aiosmtpd server on 127.0.0.1: delivery, login, TLS, retries, refusals."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from email.utils import parseaddr
from pathlib import Path

import pytest
from conftest import NOW, TZ
from mail_helpers import (
    APPLICANT,
    APPROVER,
    BAD,
    Recorder,
    add_record,
    authenticator,
    body,
    free_port,
    mail,
    queue,
    record_flags,
    row,
    self_signed,
    server_tls,
    smtp_config,
    start_server,
)

from processors.config import MailSettings
from processors.mail.sender import deliver_due, retry_delay
from processors.status_view import render_status
from processors.workspace import Workspace


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def server(port: int, recorder: Recorder) -> Iterator[Recorder]:
    controller = start_server(port, recorder)
    yield recorder
    controller.stop()


def iso(moment: dt.datetime) -> str:
    return moment.replace(tzinfo=TZ).isoformat(timespec="seconds")


def test_delivered_over_smtp(make_workspace: Callable[..., Workspace], server: Recorder, port: int) -> None:
    ws = make_workspace(config_extra=smtp_config(port))
    assert ws.cfg.mail.transport == "smtp"
    text = "第一行\n.以点开头的一行\n..两个点\n"
    queue(ws, mail(text=text), mail("PR-2026-0001:submitted:1", (APPLICANT,), secrets=()))
    report = deliver_due(ws)
    assert (report.sent, report.deferred, report.failed, report.unknown) == (2, 0, 0, 0)
    first = row(ws, mail().key)
    assert server.count(first.message_id) == 1
    got = next(r for r in server.received if r["message"]["Message-ID"] == first.message_id)
    assert got["from"] == parseaddr(ws.cfg.mail.sender)[1]
    assert got["to"] == ["wangfang@example.com"] and not got["authenticated"] and not got["tls"]
    assert body(got["message"], "plain") == text                      # dot-stuffing undone by the server
    assert got["message"]["To"].addresses[0].display_name == "王芳"
    assert first.state == "sent" and "K7M3QX" not in first.body_text
    assert deliver_due(ws).sent == 0 and len(server.received) == 2


@pytest.mark.parametrize(("env", "logged_in"), [
    ({"SHEETFLOW_SMTP_USER": "mailer", "SHEETFLOW_SMTP_PASSWORD": "s3cret"}, True),
    ({}, False),
])
def test_login_only_when_the_environment_names_one(make_workspace: Callable[..., Workspace], recorder: Recorder,
                                                   port: int, monkeypatch: pytest.MonkeyPatch,
                                                   env: dict[str, str], logged_in: bool) -> None:
    for name in ("SHEETFLOW_SMTP_USER", "SHEETFLOW_SMTP_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    controller = start_server(port, recorder, authenticator=authenticator, auth_require_tls=False)
    try:
        ws = make_workspace(config_extra=smtp_config(port))
        queue(ws, mail())
        assert deliver_due(ws).sent == 1
    finally:
        controller.stop()
    (got,) = recorder.received
    assert got["authenticated"] is logged_in
    assert got["login"] == (b"mailer" if logged_in else None)


@pytest.mark.parametrize(("env", "says"), [
    ({"SHEETFLOW_SMTP_USER": "mailer"}, "SHEETFLOW_SMTP_PASSWORD is not set"),
    ({"SHEETFLOW_SMTP_USER": "mailer", "SHEETFLOW_SMTP_PASSWORD": "wrong"}, "login as 'mailer' refused: 535"),
])
def test_a_login_problem_keeps_the_mail_queued(make_workspace: Callable[..., Workspace], recorder: Recorder,
                                               port: int, monkeypatch: pytest.MonkeyPatch,
                                               env: dict[str, str], says: str) -> None:
    monkeypatch.delenv("SHEETFLOW_SMTP_PASSWORD", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    controller = start_server(port, recorder, authenticator=authenticator, auth_require_tls=False)
    try:
        ws = make_workspace(config_extra=smtp_config(port))
        queue(ws, mail())
        assert deliver_due(ws).deferred == 1
    finally:
        controller.stop()
    stored = row(ws, mail().key)
    assert stored.state == "queued" and says in stored.last_error and recorder.received == []


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_with_a_certificate_the_client_trusts(make_workspace: Callable[..., Workspace], recorder: Recorder,
                                                   port: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   security: str) -> None:
    cert, key = self_signed(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))                   # the machine trusts our test CA
    monkeypatch.setenv("SHEETFLOW_SMTP_USER", "mailer")
    monkeypatch.setenv("SHEETFLOW_SMTP_PASSWORD", "s3cret")
    tls = server_tls(cert, key)
    # STARTTLS: aiosmtpd offers AUTH only after it. SSL: the whole connection is TLS, which aiosmtpd's
    # AUTH check does not see, hence auth_require_tls=False there.
    kwargs = ({"tls_context": tls, "require_starttls": True} if security == "starttls"
              else {"ssl_context": tls, "auth_require_tls": False})
    controller = start_server(port, recorder, authenticator=authenticator, **kwargs)
    try:
        ws = make_workspace(config_extra=smtp_config(port, security))
        queue(ws, mail())
        assert deliver_due(ws).sent == 1
    finally:
        controller.stop()
    (got,) = recorder.received
    assert got["authenticated"] and (got["tls"] or security == "ssl")


def test_an_untrusted_certificate_is_not_accepted(make_workspace: Callable[..., Workspace], recorder: Recorder,
                                                  port: int, tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    controller = start_server(port, recorder, tls_context=server_tls(cert, key))
    try:
        ws = make_workspace(config_extra=smtp_config(port, "starttls"))
        queue(ws, mail())
        assert deliver_due(ws).deferred == 1
    finally:
        controller.stop()
    assert "CERTIFICATE_VERIFY_FAILED" in row(ws, mail().key).last_error and recorder.received == []


def test_starttls_required_but_not_offered_sends_nothing_in_the_clear(
        make_workspace: Callable[..., Workspace], server: Recorder, port: int) -> None:
    ws = make_workspace(config_extra=smtp_config(port, "starttls"))
    queue(ws, mail())
    assert deliver_due(ws).deferred == 1
    assert "offers no STARTTLS" in row(ws, mail().key).last_error and server.received == []


def test_server_down_keeps_mail_queued_then_delivers_once(make_workspace: Callable[..., Workspace],
                                                         recorder: Recorder, port: int) -> None:
    ws = make_workspace(config_extra=smtp_config(port))                 # nothing listens on the port
    queue(ws, mail(), mail("PR-2026-0001:submitted:1", (APPLICANT,)))
    report = deliver_due(ws)
    assert (report.sent, report.deferred) == (0, 2)
    stored = row(ws, mail().key)
    assert stored.state == "queued" and stored.attempts == 1 and "Connection refused" in stored.last_error
    base = ws.cfg.mail.retry_base_seconds
    assert iso(NOW + dt.timedelta(seconds=0.75 * base) - dt.timedelta(seconds=1)) <= stored.next_attempt_at
    assert stored.next_attempt_at <= iso(NOW + dt.timedelta(seconds=base))
    outbox = render_status(ws).split("== 邮件 ==")[1]
    assert "待发送" in outbox and "等待重试" in outbox and mail().key in outbox and "wangfang@example.com" in outbox
    assert deliver_due(ws).deferred == 0                                  # not due yet: no knocking
    controller = start_server(port, recorder)
    try:
        later = make_workspace(now=NOW + dt.timedelta(seconds=base + 1))
        report = deliver_due(later)
        assert report.sent == 2
        assert deliver_due(later).sent == 0
    finally:
        controller.stop()
    assert recorder.count(stored.message_id) == 1 and len(recorder.received) == 2
    assert row(later, mail().key).state == "sent"


@pytest.mark.parametrize(("attempts", "low", "high"), [
    (0, 22.5, 30), (1, 45, 60), (2, 90, 120), (6, 1440, 1920), (7, 2700, 3600), (8, 2700, 3600), (500, 2700, 3600),
])
def test_backoff_doubles_up_to_the_cap_with_jitter(attempts: int, low: float, high: float) -> None:
    settings = MailSettings(retry_base_seconds=30, retry_max_seconds=3600)
    delays = [retry_delay(settings, attempts, random.Random(seed)) for seed in range(50)]
    assert all(low <= d <= high for d in delays)
    assert len(set(delays)) > 1                                           # jittered


@pytest.mark.parametrize(("where", "reply"), [
    ("rcpt", "451 4.3.0 try later"),
    ("rcpt", "421 4.3.2 shutting down"),
    ("data", "451 4.3.0 try later"),
    ("data", "421 4.3.2 shutting down"),
])
def test_a_4xx_reply_defers_the_mail(make_workspace: Callable[..., Workspace], server: Recorder, port: int,
                                     where: str, reply: str) -> None:
    if where == "rcpt":
        server.rcpt_replies["wangfang@example.com"] = reply
    else:
        server.data_reply = reply
    ws = make_workspace(config_extra=smtp_config(port))
    queue(ws, mail(), mail("PR-2026-0001:submitted:1", (APPLICANT,)))
    report = deliver_due(ws)
    stored = row(ws, mail().key)
    assert stored.state == "queued" and stored.attempts == 1 and reply.split()[0] in stored.last_error
    assert stored.next_attempt_at > iso(NOW)
    other = row(ws, "PR-2026-0001:submitted:1")
    if where == "rcpt":                                                  # the other mail still went out
        assert report.sent == 1 and other.state == "sent"
    else:
        assert report.deferred == 2 and other.state == "queued"


@pytest.mark.parametrize(("where", "reply"), [
    ("rcpt", "550 5.1.1 no such user"),
    ("data", "554 5.7.1 message refused"),
])
def test_a_5xx_reply_fails_the_mail_and_flags_the_record(make_workspace: Callable[..., Workspace],
                                                        server: Recorder, port: int, where: str,
                                                        reply: str) -> None:
    if where == "rcpt":
        server.rcpt_replies["nobody@example.com"] = reply
    else:
        server.data_reply = reply
    ws = make_workspace(config_extra=smtp_config(port))
    add_record(ws)
    queue(ws, mail(to=(BAD,)))
    assert deliver_due(ws).failed == 1
    stored = row(ws, mail().key)
    assert stored.state == "failed" and reply in stored.last_error
    notice, dirty = record_flags(ws)
    assert dirty == 1 and "nobody@example.com" in notice and reply.split()[0] in notice
    outbox = render_status(ws).split("== 邮件 ==")[1]
    assert "失败" in outbox and "mail resend" in outbox
    assert deliver_due(ws).failed == 0 and server.received == []         # failed is final: no retry


def test_english_workspace_reports_the_bounce_in_english(make_workspace: Callable[..., Workspace],
                                                         server: Recorder, port: int) -> None:
    server.rcpt_replies["nobody@example.com"] = "550 5.1.1 no such user"
    ws = make_workspace(language="en", config_extra=smtp_config(port))
    add_record(ws)
    queue(ws, mail(to=(BAD,)))
    deliver_due(ws)
    assert record_flags(ws)[0].startswith("Email to 没有这个人 <nobody@example.com> could not be delivered: ")
    assert "== Outbox ==" in render_status(ws)


def test_one_refused_recipient_of_two_is_reported_and_the_other_gets_it(
        make_workspace: Callable[..., Workspace], server: Recorder, port: int) -> None:
    server.rcpt_replies["nobody@example.com"] = "550 5.1.1 no such user"
    ws = make_workspace(config_extra=smtp_config(port))
    add_record(ws)
    queue(ws, mail(to=(APPROVER, BAD)))
    assert deliver_due(ws).sent == 1
    (got,) = server.received
    assert got["to"] == ["wangfang@example.com"]
    assert row(ws, mail().key).state == "sent"
    notice, dirty = record_flags(ws)
    assert dirty == 1 and "nobody@example.com" in notice



def test_no_answer_to_the_final_dot_leaves_the_mail_unknown(make_workspace: Callable[..., Workspace],
                                                             server: Recorder, port: int) -> None:
    server.data_delay = 1.0                                               # answers after our timeout
    ws = make_workspace(config_extra=smtp_config(port, timeout=0.3))
    queue(ws, mail())
    assert deliver_due(ws).unknown == 1
    stored = row(ws, mail().key)
    assert stored.state == "unknown" and "mail mark-sent" in stored.last_error
    server.settle()                                                       # the late DATA handler ended
    copies = server.count(stored.message_id)                              # aiosmtpd drops it when we hang up;
    assert copies <= 1                                                    # a real server may have kept it
    server.data_delay = 0
    assert deliver_due(ws).sent == 0 and server.count(stored.message_id) == copies   # never a silent resend
