"""What a route keeps besides the record's state: one-time codes (as hashes), sign-offs and refusals.

A mixin of `Store`, so the approval route asks and records through the store and
writes no SQL of its own (issue 10: no SQL outside store/). Every method runs in
the caller's transaction: a code, the sign-off it allows and the state it moves
the record to are committed together or not at all.
"""

from __future__ import annotations

import sqlite3


class CodesMixin:
    conn: sqlite3.Connection

    # -- codes -------------------------------------------------------------------------------
    def add_code(self, *, record_id: int, step: str, version: int, person: str, on_behalf_of: str | None,
                 content_hash: str, salt: bytes, digest: bytes, created_at: str, expires_at: str) -> None:
        """Only the salted hash is kept: the code itself exists in the mail alone."""
        self.conn.execute(
            "INSERT INTO codes (record_id, step, version, person, on_behalf_of, content_hash, salt, hash, "
            "created_at, expires_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (record_id, step, version, person, on_behalf_of, content_hash, salt, digest, created_at, expires_at))

    def codes_for(self, record_id: int, step: str) -> list[sqlite3.Row]:
        """Every code sent for the step, newest first (a typed code is matched against each)."""
        return list(self.conn.execute("SELECT * FROM codes WHERE record_id = ? AND step = ? ORDER BY id DESC",
                                      (record_id, step)))

    def codes_sent(self, record_id: int, step: str, person: str) -> int:
        """How many codes this person was sent for the step: each renewal gets a mail key of its own."""
        return int(self.conn.execute("SELECT count(*) FROM codes WHERE record_id = ? AND step = ? AND "
                                     "person = ?", (record_id, step, person)).fetchone()[0])

    def use_code(self, code_id: int, at: str) -> None:
        self.conn.execute("UPDATE codes SET used_at = ? WHERE id = ?", (at, code_id))

    def void_codes(self, record_id: int, at: str, step: str | None = None) -> None:
        """Open codes (of one step, or all) stop counting: a step signed, a route restarted, too many wrong tries."""
        sql = "UPDATE codes SET voided_at = ? WHERE record_id = ? AND used_at IS NULL AND voided_at IS NULL"
        args: tuple[object, ...] = (at, record_id)
        if step is not None:
            sql, args = sql + " AND step = ?", (*args, step)
        self.conn.execute(sql, args)

    # -- sign-offs ---------------------------------------------------------------------------
    def add_signoff(self, *, record_id: int, step: str, version: int, action: str, person: str,
                    on_behalf_of: str | None, reason: str, content_hash: str, stamp: str, at: str) -> None:
        self.conn.execute(
            "INSERT INTO signoffs (record_id, step, version, action, person, on_behalf_of, reason, content_hash, "
            "stamp, at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (record_id, step, version, action, person, on_behalf_of, reason, content_hash, stamp, at))

    def signoffs(self, record_id: int, version: int) -> list[sqlite3.Row]:
        """The sign-offs of one route version: a restarted route starts with none."""
        return list(self.conn.execute("SELECT * FROM signoffs WHERE record_id = ? AND version = ? ORDER BY id",
                                      (record_id, version)))

    # -- refusals ----------------------------------------------------------------------------
    def add_refusal(self, *, record_id: int, step: str, version: int, reason: str, typed: str, at: str) -> None:
        """`typed` must already be redacted: refusals are kept, codes never are."""
        self.conn.execute(
            "INSERT INTO refusals (record_id, step, version, reason, typed, at) VALUES (?,?,?,?,?,?)",
            (record_id, step, version, reason, typed, at))

    def wrong_tries(self, record_id: int, step: str, version: int) -> int:
        """Wrong codes typed since the step's codes were last voided for too many."""
        return int(self.conn.execute(
            "SELECT count(*) FROM refusals WHERE record_id = ?1 AND step = ?2 AND version = ?3 AND "
            "reason = 'wrong_code' AND id > coalesce((SELECT max(id) FROM refusals WHERE record_id = ?1 AND "
            "step = ?2 AND version = ?3 AND reason = 'too_many_wrong'), 0)",
            (record_id, step, version)).fetchone()[0])

    def lockouts(self, record_id: int, step: str) -> int:
        """Times the step's codes were voided for too many wrong tries: each lockout sends a code of its own."""
        return int(self.conn.execute(
            "SELECT count(*) FROM refusals WHERE record_id = ? AND step = ? AND reason = 'too_many_wrong'",
            (record_id, step)).fetchone()[0])
