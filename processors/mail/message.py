"""An outbox row as the bytes a mail server or an .eml reader gets.

Headers are encoded for any server (RFC 2047 for Chinese names and subjects, no
SMTPUTF8 needed) and bodies are 7-bit (base64 or quoted-printable), so a server
without 8BITMIME still takes them. The same bytes go into an .eml file.
"""

from __future__ import annotations

import datetime as dt
import email.policy
import re
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path

from .outbox import OutboxRow

# CRLF everywhere, headers folded at 78, non-ASCII bodies transfer-encoded to 7 bit.
POLICY = email.policy.SMTP.clone(cte_type="7bit")


class BadAddress(ValueError):
    """A recipient or sender that is not a mail address: no server will ever take it."""


def envelope_address(text: str) -> str:
    """The bare address for MAIL FROM / RCPT TO from "王芳 <wangfang@example.com>".

    Only ASCII addresses: an internationalized mailbox would need SMTPUTF8, which not every server has.
    """
    addr = parseaddr(text)[1]
    if "@" not in addr or addr.startswith("@") or addr.endswith("@") or not addr.isascii():
        raise BadAddress(text)
    return addr


def build(row: OutboxRow, sender: str, now: dt.datetime, root: Path | None = None) -> EmailMessage:
    """multipart/alternative (text, html) when there is HTML, else text/plain; issued PDFs attached.

    An attachment is read when the mail is built, from the workspace-relative path queued with it: the
    document is written (immutable) before the mail is queued, so the bytes sent are the bytes issued.
    """
    for text in (sender, *row.recipients):
        envelope_address(text)
    msg = EmailMessage(policy=POLICY)
    msg["From"] = sender
    msg["To"] = ", ".join(row.recipients)
    msg["Subject"] = " ".join(row.subject.split())      # one line, whatever the template did
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = row.message_id
    msg["Auto-Submitted"] = "auto-generated"            # RFC 3834: no vacation replies to the system
    msg["X-Sheetflow-Key"] = row.key
    msg.set_content(row.body_text, charset="utf-8")
    if row.body_html:
        msg.add_alternative(row.body_html, subtype="html", charset="utf-8")
    for rel in row.attachments:
        path = (root or Path(".")) / rel
        msg.add_attachment(path.read_bytes(), maintype="application",
                           subtype="pdf" if path.suffix.lower() == ".pdf" else "octet-stream", filename=path.name)
    return msg


def to_bytes(msg: EmailMessage) -> bytes:
    """The message with CRLF line ends, ending in CRLF (what an .eml file holds)."""
    data = re.sub(rb"\r\n|\r|\n", b"\r\n", msg.as_bytes(policy=POLICY))
    return data if data.endswith(b"\r\n") else data + b"\r\n"


def dot_stuffed(data: bytes) -> bytes:
    """The DATA payload: a line starting with "." gets a second one (RFC 5321 4.5.2); no terminator."""
    return re.sub(rb"(?m)^\.", b"..", data)

