"""Helpers the mail tests share: a real SMTP server (aiosmtpd) on 127.0.0.1, queueing, reading rows back.

Named test_mail_* to sit with the mail tests; it holds no tests itself.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.policy
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

from processors.mail.outbox import Mail, OutboxRow, enqueue, get
from processors.workspace import Workspace

APPROVER = "王芳 <wangfang@example.com>"
APPLICANT = "李强 <liqiang@example.com>"
BAD = "没有这个人 <nobody@example.com>"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def smtp_config(port: int, security: str = "none", timeout: float = 5) -> str:
    """Lines appended to a workspace config.toml: [mail.smtp] alone switches the transport to smtp."""
    return f'[mail.smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "{security}"\ntimeout_seconds = {timeout}\n'


def parse(data: bytes) -> EmailMessage:
    msg = BytesParser(policy=email.policy.default).parsebytes(data)
    assert isinstance(msg, EmailMessage)
    return msg


class Recorder:
    """aiosmtpd handler: keeps every accepted message; replies can be set per address or for DATA.

    It also counts connections and DATA handlers as they start and end (see CountingSMTP), so a test can
    wait until the server has finished with every client, dead ones included, instead of sleeping: once
    `idle()` holds, no message can still arrive from a connection already made.
    """

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.rcpt_replies: dict[str, str] = {}
        self.data_reply: str | None = None
        self.data_delay = 0.0           # seconds before answering the final dot
        self._lock = threading.Lock()   # counters move on the server's thread, are read on the test's
        self.opened = self.closed = 0   # connections accepted / lost
        self.data_started = self.data_done = 0   # handle_DATA entered / left (returned or cancelled)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        reply = self.rcpt_replies.get(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.tally("data_started")
        try:
            return await self._data(session, envelope)
        finally:                        # also when the client hangs up during data_delay (cancelled)
            self.tally("data_done")

    async def _data(self, session: Any, envelope: Any) -> str:
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        if self.data_reply:
            return self.data_reply
        self.received.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos),
                              "message": parse(envelope.original_content),
                              "authenticated": bool(session.authenticated),
                              "login": getattr(session.auth_data, "login", None),
                              "tls": session.ssl is not None})
        return "250 2.0.0 accepted"

    def tally(self, counter: str) -> None:
        """Count one event (a counter named in __init__); called from the server's thread."""
        with self._lock:
            setattr(self, counter, getattr(self, counter) + 1)

    def idle(self) -> bool:
        """Every connection made so far is closed and no DATA handler is running.

        A lost connection cancels its session's task, so nothing more is recorded from it: what
        `received` holds then is final, whether the client quit, hung up or was killed.
        """
        with self._lock:
            return self.opened == self.closed and self.data_started == self.data_done

    def settle(self, seconds: float = 10.0) -> None:
        """Wait until the server is idle: it finished (or dropped) what every client sent, dead ones too."""
        assert self.wait(self.idle, seconds), (f"server still busy after {seconds} s: {self.opened} opened, "
                                               f"{self.closed} closed, {self.data_started} DATA started, "
                                               f"{self.data_done} done")

    def count(self, message_id: str) -> int:
        return sum(1 for r in self.received if r["message"]["Message-ID"] == message_id)

    def wait(self, done: Callable[[], bool], seconds: float = 5.0) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if done():
                return True
            time.sleep(0.05)
        return done()


class CountingSMTP(SMTP):
    """aiosmtpd's SMTP protocol, one per connection, telling the Recorder when its connection opens and closes.

    aiosmtpd has no handler hook for a closed connection; the protocol's asyncio callbacks are the place.
    """

    def __init__(self, recorder: Recorder, **kwargs: Any) -> None:
        super().__init__(recorder, **kwargs)
        self.recorder = recorder
        self.counted = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if not self.counted:            # STARTTLS calls it again for the same connection
            self.counted = True
            self.recorder.tally("opened")   # before the banner: a client past connect() is counted
        super().connection_made(transport)

    def connection_lost(self, error: Exception | None) -> None:
        super().connection_lost(error)  # cancels the session's task first
        self.recorder.tally("closed")


class CountingController(Controller):
    """The threaded Controller, building CountingSMTP instead of SMTP for each connection."""

    def factory(self) -> SMTP:
        assert isinstance(self.handler, Recorder)
        return CountingSMTP(self.handler, **self.SMTP_kwargs)


def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"mailer", b"s3cret")
    return AuthResult(success=ok, handled=False, auth_data=auth_data)   # handled=False: aiosmtpd replies 535


def start_server(port: int, recorder: Recorder, **kwargs: Any) -> Controller:
    controller = CountingController(recorder, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    return controller


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (cert.pem, key.pem), made with `cryptography` (google-auth needs it anyway)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                        x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def server_tls(cert: Path, key: Path) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    return ctx


def mail(key: str = "PR-2026-0001:code:dept_head:1", to: tuple[str, ...] = (APPROVER,), *,
         record_key: str | None = "PR-2026-0001", html: str | None = "<p>请审批 <b>K7M3QX</b></p>",
         text: str = "请在“部门负责人”一栏填写：同意 K7M3QX\n", secrets: tuple[str, ...] = ("K7M3QX",),
         subject: str = "【待审批】采购申请 PR-2026-0001（部门负责人）") -> Mail:
    return Mail(key=key, to=list(to), subject=subject, text=text, html=html, record_key=record_key,
                secrets=list(secrets))


def queue(ws: Workspace, *mails: Mail) -> None:
    """Queue in one transaction, as the engine does with the state change."""
    at = ws.clock.now().isoformat(timespec="seconds")
    with ws.store.transaction():
        for m in mails:
            assert enqueue(ws.store, m, sender=ws.cfg.mail.sender, at=at)


def add_record(ws: Workspace, key: str = "PR-2026-0001") -> None:
    at = ws.clock.now().isoformat(timespec="seconds")
    series, _, number = key.rpartition("-")
    with ws.store.transaction():
        ws.store.insert_record(form="purchase_request", key=key, series=series, number=int(number),
                               state="submitted", data={"item": "石膏板"}, content_hash="h", message="",
                               file="sheets/采购申请.xlsx", row=2, at=at)


def row(ws: Workspace, key: str) -> OutboxRow:
    found = get(ws.store, key)
    assert found is not None, key
    return found


def record_flags(ws: Workspace, key: str = "PR-2026-0001") -> tuple[str, int]:
    r = ws.store.conn.execute("SELECT notice, sheet_dirty FROM records WHERE key = ?", (key,)).fetchone()
    return r["notice"], r["sheet_dirty"]


def body(msg: EmailMessage, kind: str) -> str:
    """A part's text with line breaks as Python writes them (MIME text is CRLF on the wire, RFC 2046)."""
    part = msg.get_body((kind,))
    assert part is not None, kind
    return str(part.get_content()).replace("\r\n", "\n")
