"""The plans' versions, as stored (R5). A mixin of `Store`; every method runs in the caller's transaction."""

from __future__ import annotations

import hashlib
import json
import sqlite3


class PlanningMixin:
    conn: sqlite3.Connection

    def plan_versions(self, plan: str) -> list[sqlite3.Row]:
        return list(self.conn.execute("SELECT * FROM plan_versions WHERE plan = ? ORDER BY version", (plan,)))

    def add_plan_version(self, plan: str, digest: str, at: str, summary: str, data: str) -> int:
        """The plan's figures changed: keep them as its next version (nothing when the digest is its latest)."""
        last = self.conn.execute("SELECT version, digest FROM plan_versions WHERE plan = ? ORDER BY version DESC "
                                 "LIMIT 1", (plan,)).fetchone()
        if last is not None and last["digest"] == digest:
            return int(last["version"])
        version = (int(last["version"]) if last else 0) + 1
        self.conn.execute("INSERT INTO plan_versions (plan, version, digest, at, summary, data) "
                          "VALUES (?, ?, ?, ?, ?, ?)", (plan, version, digest, at, summary, data))
        return version

    def records_mark(self, forms: tuple[str, ...], tracked: dict[str, str]) -> str:
        """A digest of the records of `forms` (key, state, content) and, per form in `tracked`, one data field
        the content hash does not cover (an order line's received quantity): it changes when any of them does."""
        h = hashlib.blake2b(digest_size=12)
        for form in forms:
            field = tracked.get(form)
            for key, state, content, data in self.conn.execute(
                    "SELECT key, state, content_hash, data FROM records WHERE form = ? ORDER BY id", (form,)):
                extra = json.loads(data or "{}").get(field, "") if field else ""
                h.update(f"{key}\x1f{state}\x1f{content}\x1f{extra}\x1e".encode())
        return h.hexdigest()
