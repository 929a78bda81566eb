"""Queue an email in the caller's transaction, under a key that makes it exactly-once.

The key (record, event, version) is unique: queueing the same event twice is a
no-op, so a pass that is repeated after a crash cannot send a second copy. The
Message-ID is derived from the key, so a retried delivery is the same message.

The rest of this module moves a queued row through its states; the sender
(`sender.py`) decides when, and commits each state before the step it guards.
"""

from __future__ import annotations

import hashlib
import html
import json
import sqlite3
from collections.abc import Callable
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
    secrets: list[str] = field(default_factory=list)   # one-time codes: blanked once sent, failed or unknown
    attachments: list[str] = field(default_factory=list)  # workspace-relative paths (issued PDFs)


def message_id(key: str, sender: str) -> str:
    domain = sender.rpartition("@")[2] or "sheetflow.invalid"
    digest = hashlib.blake2b(key.encode(), digest_size=10).hexdigest()
    return f"<{digest}.sheetflow@{domain}>"


def enqueue(store: Store, mail: Mail, *, sender: str, at: str) -> bool:
    """Insert into the outbox inside the caller's open transaction; False if this key was queued before."""
    assert store.conn.in_transaction, "queue mail in the same transaction as the state change"
    return store.insert_mail(key=mail.key, message_id=message_id(mail.key, sender), record_key=mail.record_key,
                             recipients=mail.to, subject=mail.subject, body_text=mail.text, body_html=mail.html,
                             secrets=mail.secrets, attachments=mail.attachments, at=at)


# -- the life of a row after it is queued --------------------------------------------------------
# queued → sending → data_end → sent, or back to queued (temporary trouble), failed (5xx), unknown (the
# process died after the final dot: SMTP cannot tell whether the server took it). Every change is its own
# committed transaction, because the next step talks to the outside world. A code mail's code is masked in
# the store as soon as the row is sent, failed or unknown: the store keeps a code only while it may still
# have to go out. A failed or unknown code mail that a person resends is replaced (workflow/reissue.py).

STATES = ("queued", "sending", "data_end", "sent", "failed", "unknown", "replaced")
MASK = "******"


@dataclass
class OutboxRow:
    id: int
    key: str
    message_id: str
    record_key: str | None
    recipients: list[str]
    subject: str
    body_text: str
    body_html: str | None
    secrets: list[str]
    state: str
    attempts: int
    next_attempt_at: str
    last_error: str
    created_at: str
    sent_at: str | None
    attachments: list[str] = field(default_factory=list)
    secret_count: int = 0          # codes it carried when queued: it stays a code mail once they are masked


def _row(r: sqlite3.Row) -> OutboxRow:
    return OutboxRow(id=r["id"], key=r["key"], message_id=r["message_id"], record_key=r["record_key"],
                     recipients=json.loads(r["recipients"]), subject=r["subject"], body_text=r["body_text"],
                     body_html=r["body_html"], secrets=json.loads(r["secrets"]), state=r["state"],
                     attempts=r["attempts"], next_attempt_at=r["next_attempt_at"], last_error=r["last_error"],
                     created_at=r["created_at"], sent_at=r["sent_at"],
                     attachments=json.loads(r["attachments"]), secret_count=r["secret_count"])


def get(store: Store, key: str) -> OutboxRow | None:
    r = store.outbox_row(key)
    return _row(r) if r else None


def due(store: Store, now: str) -> list[OutboxRow]:
    """Queued mails whose time has come, oldest first (ISO strings of one zone compare as times)."""
    return [_row(r) for r in store.outbox_due(now)]


def recover_interrupted(store: Store, sending_note: str, data_end_note: str) -> tuple[int, int]:
    """After a crash: `sending` rows go back to the queue, `data_end` rows become `unknown`.

    Only call this while holding the delivery lock, so no live sender owns these rows. A row in
    `sending` never had its final dot sent, so the server threw the message away and sending it again
    is safe. A row in `data_end` may have been accepted: resending it silently could deliver twice,
    so a person decides (`sheetflow mail resend` / `mark-sent`).
    """
    with store.transaction():
        found = store.outbox_recover(sending_note, data_end_note)
        for r in store.outbox_unmasked_settled():    # the new unknown rows, and any an older sheetflow left
            row = _row(r)
            store.outbox_mask(row.id, body_text=blank_secrets(row.body_text, row.secrets),
                              body_html=blank_secrets(row.body_html, row.secrets))
        return found


def claim(store: Store, row_id: int) -> bool:
    """queued → sending, committed before the first SMTP command of the mail."""
    with store.transaction():
        return store.outbox_claim(row_id)


def mark_data_end(store: Store, row_id: int) -> None:
    """sending → data_end, committed just before the final dot: from here a crash leaves the outcome unknown."""
    with store.transaction():
        store.outbox_data_end(row_id)


def defer(store: Store, row_id: int, *, error: str, next_attempt_at: str) -> None:
    """Temporary trouble: back in the queue, one attempt more, not before next_attempt_at."""
    with store.transaction():
        store.outbox_defer(row_id, error=error, next_attempt_at=next_attempt_at)


def fail(store: Store, row: OutboxRow, *, error: str, notice: str) -> None:
    """Permanent refusal: failed, codes masked, and the record's row says so, in one transaction."""
    with store.transaction():
        if store.outbox_fail(row.id, error=error, body_text=blank_secrets(row.body_text, row.secrets),
                             body_html=blank_secrets(row.body_html, row.secrets)) and row.record_key:
            store.flag_record(row.record_key, notice)


def mark_unknown(store: Store, row: OutboxRow, *, error: str) -> None:
    """The server may or may not have it: to check, codes masked (it is never resent as it is)."""
    with store.transaction():
        store.outbox_unknown(row.id, error=error, body_text=blank_secrets(row.body_text, row.secrets),
                             body_html=blank_secrets(row.body_html, row.secrets))


def blank_secrets(text: str | None, secrets: list[str]) -> str | None:
    """The bodies as kept after delivery: one-time codes masked (also in their HTML-escaped form)."""
    if text is None:
        return None
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK).replace(html.escape(secret), MASK)
    return text


def mark_sent(store: Store, row: OutboxRow, *, at: str, note: str = "", notice: str = "") -> None:
    """Delivered: record the time, mask the secrets and forget them; notice flags the record (refused copies)."""
    with store.transaction():
        changed = store.outbox_sent(row.id, at=at, note=note, body_text=blank_secrets(row.body_text, row.secrets),
                                    body_html=blank_secrets(row.body_html, row.secrets))
        if changed and notice and row.record_key:
            store.flag_record(row.record_key, notice)


def requeue(store: Store, key: str, *, at: str) -> bool:
    """A person asks for another delivery of an unknown or failed mail: queued now, attempts from zero.

    Only for a mail without a code: a code mail's code is masked by now, and a second copy of a code that may
    have reached someone else would not be the same secret anyway (workflow/reissue.py sends a fresh one).
    """
    with store.transaction():
        return store.outbox_requeue(key, at=at)


def settle_sent(store: Store, key: str, *, at: str, note: str) -> bool:
    """A person confirms the mail arrived (or was handled another way): sent, secrets masked."""
    with store.transaction():
        row = get(store, key)
        if row is None or row.state not in ("unknown", "failed", "queued"):
            return False
        store.outbox_settle(row.id, at=at, note=note, body_text=blank_secrets(row.body_text, row.secrets),
                            body_html=blank_secrets(row.body_html, row.secrets))
        return True


def mark_replaced(store: Store, row: OutboxRow, *, note: str) -> bool:
    """A failed or unknown code mail superseded by a fresh code (inside the caller's transaction)."""
    return store.outbox_replaced(row.id, note=note)


def state_label(t: Callable[..., str], state: str) -> str:
    """A mail state as `status` and the mail commands name it."""
    return t("private.mail_state_replaced") if state == "replaced" else t(f"mail.state_{state}")


@dataclass
class OutboxSummary:
    counts: dict[str, int]
    attention: list[OutboxRow]     # failed, unknown, and queued mails that have failed at least once

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def summary(store: Store, limit: int = 50) -> OutboxSummary:
    counts = store.outbox_counts()
    return OutboxSummary(counts={s: counts[s] for s in STATES if s in counts},
                         attention=[_row(r) for r in store.outbox_attention(limit)])
