"""What `sheetflow adopt` stores besides what a pass stores: a lease's bills from before its adoption, settled.

A mixin of `Store` (no SQL outside store/). Every method runs in the caller's transaction.
"""

from __future__ import annotations

import sqlite3


class AdoptMixin:
    conn: sqlite3.Connection

    def settle_bills_before(self, lease: str, day: str, basis_note: str) -> int:
        """Bills of `lease` due before `day` were dealt with before sheetflow kept the ledger: settled in full on
        `day`, never noticed or dunned, yet known (a later termination or amendment must not bill them again)."""
        return self.conn.execute(
            "UPDATE bills SET paid = amount, paid_on = ?, basis = basis || ? WHERE lease = ? AND due_date < ? "
            "AND void = 0 AND paid_on = ''", (day, basis_note, lease, day)).rowcount
