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

    def codes_sent_since(self, record_id: int, step: str, person: str, since: str) -> int:
        return int(self.conn.execute("SELECT count(*) FROM codes WHERE record_id = ? AND step = ? AND person = ? "
                                     "AND created_at >= ?", (record_id, step, person, since)).fetchone()[0])

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
    def add_refusal(self, *, record_id: int, step: str, version: int, reason: str, typed: str, at: str,
                    fingerprint: bytes | None = None) -> None:
        """`typed` must already be redacted: refusals are kept, codes never are (a wrong one only as a fingerprint)."""
        self.conn.execute(
            "INSERT INTO refusals (record_id, step, version, reason, typed, at, fingerprint) VALUES (?,?,?,?,?,?,?)",
            (record_id, step, version, reason, typed, at, fingerprint))

    def wrong_tries(self, record_id: int, step: str, version: int) -> int:
        """Distinct wrong codes typed since the step was last locked out (a value typed again is not counted)."""
        return int(self.conn.execute(
            "SELECT count(*) FROM refusals WHERE record_id = ?1 AND step = ?2 AND version = ?3 AND "
            "reason = 'wrong_code' AND id > coalesce((SELECT max(id) FROM refusals WHERE record_id = ?1 AND "
            "step = ?2 AND reason = 'too_many_wrong'), 0)",
            (record_id, step, version)).fetchone()[0])

    def typed_before(self, record_id: int, step: str, fingerprint: bytes) -> bool:
        """Was this wrong code typed on the step before (in any window, any route version)?"""
        return self.conn.execute(
            "SELECT 1 FROM refusals WHERE record_id = ? AND step = ? AND fingerprint = ? LIMIT 1",
            (record_id, step, fingerprint)).fetchone() is not None

    # -- locks against guessing --------------------------------------------------------------
    def step_lock(self, record_id: int, step: str) -> sqlite3.Row | None:
        """The step's guard (salt, lockouts, locked_until); None until a wrong code was first typed on it."""
        return self.conn.execute("SELECT * FROM step_locks WHERE record_id = ? AND step = ?",
                                 (record_id, step)).fetchone()

    def lock_salt(self, record_id: int, step: str, new_salt: bytes) -> bytes:
        """The step's fingerprint salt, made from `new_salt` the first time it is asked for."""
        self.conn.execute("INSERT INTO step_locks (record_id, step, salt) VALUES (?,?,?) "
                          "ON CONFLICT (record_id, step) DO NOTHING", (record_id, step, new_salt))
        return bytes(self.conn.execute("SELECT salt FROM step_locks WHERE record_id = ? AND step = ?",
                                       (record_id, step)).fetchone()[0])

    def locked_steps(self, now: str) -> list[sqlite3.Row]:
        """Steps locked against guessing right now, with their record's key and form (for `sheetflow status`)."""
        return list(self.conn.execute(
            "SELECT r.key, r.form, l.step, l.lockouts, l.locked_until FROM step_locks l JOIN records r "
            "ON r.id = l.record_id WHERE l.locked_until IS NOT NULL AND l.locked_until > ? ORDER BY l.locked_until",
            (now,)))

    def lock_step(self, record_id: int, step: str, *, at: str, until: str) -> None:
        """One more lockout: the step takes no code before `until`."""
        self.conn.execute("UPDATE step_locks SET lockouts = lockouts + 1, locked_at = ?, locked_until = ? "
                          "WHERE record_id = ? AND step = ?", (at, until, record_id, step))

    def live_codes(self, record_id: int, step: str, version: int) -> int:
        """Codes of the step's current version that could still sign (neither used nor voided)."""
        return int(self.conn.execute(
            "SELECT count(*) FROM codes WHERE record_id = ? AND step = ? AND version = ? AND used_at IS NULL AND "
            "voided_at IS NULL", (record_id, step, version)).fetchone()[0])
