"""Queue an email in the caller's transaction, under a key that makes it exactly-once.

The key (record, event, version) is unique: queueing the same event twice is a
no-op, so a pass that is repeated after a crash cannot send a second copy. The
Message-ID is derived from the key, so a retried delivery is the same message.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from ..store import Store


@dataclass
class Mail:
    key: str                       # e.g. "PR-2026-0001:code:dept_head:3"
    to: list[str]                  # "王芳 <wangfang@example.com>"
    subject: str
    text: str
    html: str | None = None
    record_key: str | None = None
    secrets: list[str] = field(default_factory=list)   # e.g. a one-time code, blanked once delivered


def message_id(key: str, sender: str) -> str:
    domain = sender.rpartition("@")[2] or "sheetflow.invalid"
    digest = hashlib.blake2b(key.encode(), digest_size=10).hexdigest()
    return f"<{digest}.sheetflow@{domain}>"


def enqueue(store: Store, mail: Mail, *, sender: str, at: str) -> bool:
    """Insert into the outbox inside the caller's open transaction; False if this key was queued before."""
    assert store.conn.in_transaction, "queue mail in the same transaction as the state change"
    cur = store.conn.execute(
        "INSERT INTO outbox (key, message_id, record_key, recipients, subject, body_text, body_html, secrets, "
        "next_attempt_at, created_at) VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT (key) DO NOTHING",
        (mail.key, message_id(mail.key, sender), mail.record_key, json.dumps(mail.to, ensure_ascii=False),
         mail.subject, mail.text, mail.html, json.dumps(mail.secrets), at, at))
    return cur.rowcount == 1
