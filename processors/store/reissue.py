"""The codes one person holds for a step, for replacing them: a code mail resent, or codes that lay readable.

A mixin of `Store` beside `codes.py` (issue 11): every method runs in the
caller's transaction, so the old code is voided and the fresh one queued together.
"""

from __future__ import annotations

import sqlite3


class ReissueMixin:
    conn: sqlite3.Connection

    def void_codes_of(self, record_id: int, step: str, version: int, person: str, at: str) -> int:
        """This person's open codes for the step stop counting (another approver's codes stay as they are)."""
        return self.conn.execute(
            "UPDATE codes SET voided_at = ? WHERE record_id = ? AND step = ? AND version = ? AND person = ? "
            "AND used_at IS NULL AND voided_at IS NULL", (at, record_id, step, version, person)).rowcount

    def open_code_holders(self, created_until: str) -> list[sqlite3.Row]:
        """(key, step, version, person) of every record step with a code neither used nor voided, created until
        then (expired ones too: voiding them is harmless, and the step may still want a fresh one)."""
        return list(self.conn.execute(
            "SELECT DISTINCT r.key, c.step, c.version, c.person FROM codes c JOIN records r ON r.id = c.record_id "
            "WHERE c.used_at IS NULL AND c.voided_at IS NULL AND c.created_at <= ? ORDER BY r.key, c.step, c.person",
            (created_until,)))

    def open_codes_elsewhere(self, persons: list[str], record_id: int, now: str, limit: int) -> list[sqlite3.Row]:
        """These people's live codes for other records, newest first: what a code typed in the wrong row may be."""
        if not persons:
            return []
        marks = ",".join("?" * len(persons))
        return list(self.conn.execute(
            "SELECT c.*, r.key AS record_key, r.form AS record_form FROM codes c JOIN records r ON r.id = c.record_id "
            f"WHERE c.person IN ({marks}) AND c.record_id != ? AND c.used_at IS NULL AND c.voided_at IS NULL "
            "AND c.expires_at > ? ORDER BY c.id DESC LIMIT ?", (*persons, record_id, now, limit)))

    def void_code(self, code_id: int, at: str) -> None:
        self.conn.execute("UPDATE codes SET voided_at = ? WHERE id = ? AND voided_at IS NULL", (at, code_id))
