"""The outbox table: each mail's row, from queued to sent (or failed, or unknown).

A mixin of `Store`, so `mail/` writes no SQL of its own (issue 10: no SQL outside
store/). Each method is one statement and opens no transaction: the caller sets
the boundaries. `processors/mail/outbox.py` commits every state change on its
own, because the step it guards talks to the outside world (see `mail/sender.py`);
queueing happens inside the transaction of the state change that causes the mail.
"""

from __future__ import annotations

import json
import sqlite3

#: a sender may still move these; a person's decision (resend, mark-sent) is final
IN_FLIGHT = "('queued', 'sending', 'data_end')"


class OutboxMixin:
    conn: sqlite3.Connection

    # -- queueing ----------------------------------------------------------------------------
    def mail_queued(self, key: str) -> bool:
        """This key was queued before (whatever became of it): the event is not mailed twice."""
        return self.conn.execute("SELECT 1 FROM outbox WHERE key = ?", (key,)).fetchone() is not None

    def insert_mail(self, *, key: str, message_id: str, record_key: str | None, recipients: list[str],
                    subject: str, body_text: str, body_html: str | None, secrets: list[str],
                    attachments: list[str], at: str) -> bool:
        """False if this key was queued before."""
        assert self.conn.in_transaction, "queue mail in the same transaction as the state change"
        cur = self.conn.execute(
            "INSERT INTO outbox (key, message_id, record_key, recipients, subject, body_text, body_html, secrets, "
            "secret_count, attachments, next_attempt_at, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) "
            "ON CONFLICT (key) DO NOTHING",
            (key, message_id, record_key, json.dumps(recipients, ensure_ascii=False), subject, body_text, body_html,
             json.dumps(secrets), sum(1 for s in secrets if s), json.dumps(attachments, ensure_ascii=False), at, at))
        return cur.rowcount == 1

    # -- reading -----------------------------------------------------------------------------
    def outbox_row(self, key: str) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.conn.execute("SELECT * FROM outbox WHERE key = ?", (key,)).fetchone()
        return row

    def outbox_due(self, now: str) -> list[sqlite3.Row]:
        """Queued mails whose time has come, oldest first (ISO strings of one zone compare as times)."""
        return list(self.conn.execute("SELECT * FROM outbox WHERE state = 'queued' AND next_attempt_at <= ? "
                                      "ORDER BY next_attempt_at, id", (now,)))

    def outbox_counts(self) -> dict[str, int]:
        return {r[0]: r[1] for r in self.conn.execute("SELECT state, count(*) FROM outbox GROUP BY state")}

    def outbox_attention(self, limit: int) -> list[sqlite3.Row]:
        """Failed, unknown, in-flight, and queued mails that have failed at least once; the undecided first."""
        return list(self.conn.execute(
            "SELECT * FROM outbox WHERE state IN ('failed', 'unknown', 'sending', 'data_end') "
            "OR (state = 'queued' AND attempts > 0) "
            "ORDER BY CASE state WHEN 'unknown' THEN 0 WHEN 'failed' THEN 1 ELSE 2 END, next_attempt_at, id LIMIT ?",
            (limit,)))

    # -- moving a row ------------------------------------------------------------------------
    def outbox_recover(self, sending_note: str, data_end_note: str) -> tuple[int, int]:
        """(requeued, unknown): `sending` rows back to the queue, `data_end` rows to `unknown`."""
        requeued = self.conn.execute("UPDATE outbox SET state = 'queued', last_error = ? WHERE state = 'sending'",
                                     (sending_note,)).rowcount
        unknown = self.conn.execute("UPDATE outbox SET state = 'unknown', last_error = ? WHERE state = 'data_end'",
                                    (data_end_note,)).rowcount
        return requeued, unknown

    def outbox_claim(self, row_id: int) -> bool:
        return self.conn.execute("UPDATE outbox SET state = 'sending' WHERE id = ? AND state = 'queued'",
                                 (row_id,)).rowcount == 1

    def outbox_data_end(self, row_id: int) -> None:
        self.conn.execute("UPDATE outbox SET state = 'data_end' WHERE id = ? AND state = 'sending'", (row_id,))

    def outbox_defer(self, row_id: int, *, error: str, next_attempt_at: str) -> None:
        self.conn.execute("UPDATE outbox SET state = 'queued', attempts = attempts + 1, next_attempt_at = ?, "
                          f"last_error = ? WHERE id = ? AND state IN {IN_FLIGHT}",
                          (next_attempt_at, error, row_id))

    def outbox_fail(self, row_id: int, *, error: str, body_text: str | None, body_html: str | None) -> bool:
        """Failed, with the bodies as kept from now on (codes masked). False if a person (or another sender)
        settled the row meanwhile."""
        return self.conn.execute("UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = ?, "
                                 f"body_text = ?, body_html = ?, secrets = '[]' WHERE id = ? AND state IN {IN_FLIGHT}",
                                 (error, body_text, body_html, row_id)).rowcount == 1

    def outbox_unknown(self, row_id: int, *, error: str, body_text: str | None, body_html: str | None) -> None:
        """To check, with the bodies as kept from now on (codes masked: a resend sends a fresh code)."""
        self.conn.execute("UPDATE outbox SET state = 'unknown', attempts = attempts + 1, last_error = ?, "
                          f"body_text = ?, body_html = ?, secrets = '[]' WHERE id = ? AND state IN {IN_FLIGHT}",
                          (error, body_text, body_html, row_id))

    def outbox_unmasked_settled(self) -> list[sqlite3.Row]:
        """Failed or unknown rows still holding their codes: left by a crash (data_end) or an older sheetflow."""
        return list(self.conn.execute("SELECT * FROM outbox WHERE state IN ('failed', 'unknown') AND secrets != '[]'"))

    def outbox_mask(self, row_id: int, *, body_text: str | None, body_html: str | None) -> None:
        self.conn.execute("UPDATE outbox SET body_text = ?, body_html = ?, secrets = '[]' WHERE id = ?",
                          (body_text, body_html, row_id))

    def outbox_replaced(self, row_id: int, *, note: str) -> bool:
        """A failed or unknown code mail whose code was voided and sent afresh under another key (`note` says
        which): final, like sent."""
        return self.conn.execute("UPDATE outbox SET state = 'replaced', last_error = ? WHERE id = ? AND "
                                 "state IN ('failed', 'unknown')", (note, row_id)).rowcount == 1

    def outbox_sent(self, row_id: int, *, at: str, note: str, body_text: str | None,
                    body_html: str | None) -> bool:
        """Delivered, with the bodies as kept afterwards (secrets masked) and the secrets forgotten."""
        return self.conn.execute(
            "UPDATE outbox SET state = 'sent', sent_at = ?, attempts = attempts + 1, last_error = ?, "
            f"body_text = ?, body_html = ?, secrets = '[]' WHERE id = ? AND state IN {IN_FLIGHT}",
            (at, note, body_text, body_html, row_id)).rowcount == 1

    def outbox_requeue(self, key: str, *, at: str) -> bool:
        """A person asks for another delivery of an unknown or failed mail without a code: queued now, attempts
        from zero (a code mail's code is masked by now; it is replaced instead, workflow/reissue.py)."""
        return self.conn.execute("UPDATE outbox SET state = 'queued', attempts = 0, next_attempt_at = ?, "
                                 "last_error = '' WHERE key = ? AND state IN ('unknown', 'failed') "
                                 "AND secret_count = 0", (at, key)).rowcount == 1

    def outbox_settle(self, row_id: int, *, at: str, note: str, body_text: str | None,
                      body_html: str | None) -> None:
        """A person's word that the mail arrived: sent, whatever state the caller found it in."""
        self.conn.execute("UPDATE outbox SET state = 'sent', sent_at = ?, last_error = ?, body_text = ?, "
                          "body_html = ?, secrets = '[]' WHERE id = ?", (at, note, body_text, body_html, row_id))
