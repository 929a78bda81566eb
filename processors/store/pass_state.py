"""What a pass keeps besides records: savepoints, faults, where rows moved, and numbers not yet in the sheet.

A mixin of `Store`, so the engine never writes SQL of its own (issue 10: no SQL
outside store/).
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

_names = itertools.count()


class PassStateMixin:
    conn: sqlite3.Connection

    # -- one record's work, undone alone -------------------------------------------------------
    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Inside the pass's transaction: an exception rolls back this block alone, then propagates."""
        assert self.conn.in_transaction, "a savepoint lives inside the pass's transaction"
        name = f"sp{next(_names)}"
        self.conn.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            self.conn.execute(f"ROLLBACK TO {name}")
            self.conn.execute(f"RELEASE {name}")
            raise
        else:
            self.conn.execute(f"RELEASE {name}")

    # -- faults --------------------------------------------------------------------------------
    def add_fault(self, *, file: str, form: str, row: int, key: str, stage: str, error: str,
                  at: str) -> None:
        self.conn.execute(
            "INSERT INTO faults (file, form, row, key, stage, error, at) VALUES (?,?,?,?,?,?,?) "
            "ON CONFLICT (file, stage, row, key) DO UPDATE SET error = excluded.error, at = excluded.at",
            (file, form, row, key, stage, error[:500], at))

    def clear_faults(self, file: str, stage: str, rows: Iterable[int] = (), keys: Iterable[str] = ()) -> None:
        """A row decided cleanly (or a hook that ran cleanly) is no longer at fault."""
        self.conn.executemany("DELETE FROM faults WHERE file = ? AND stage = ? AND row = ?",
                              [(file, stage, r) for r in rows])
        self.conn.executemany("DELETE FROM faults WHERE file = ? AND stage = ? AND key = ? AND key != ''",
                              [(file, stage, k) for k in keys])

    def clear_stage_fault(self, file: str, stage: str) -> None:
        self.conn.execute("DELETE FROM faults WHERE file = ? AND stage = ? AND row = 0 AND key = ''", (file, stage))

    def has_faults(self) -> bool:
        return self.conn.execute("SELECT 1 FROM faults LIMIT 1").fetchone() is not None

    def fault_files(self) -> set[str]:
        """Workbooks where something failed (a row, a hook, the book): read again each pass until it goes through."""
        return {r[0] for r in self.conn.execute("SELECT DISTINCT file FROM faults WHERE file != ''")}

    def faults(self) -> list[sqlite3.Row]:
        return list(self.conn.execute("SELECT * FROM faults ORDER BY at, id"))

    # -- records whose number is not yet in their sheet -----------------------------------------
    def unlanded_keys(self, file: str) -> set[str]:
        return {r[0] for r in self.conn.execute("SELECT key FROM records WHERE file = ? AND landed = 0", (file,))}

    def mark_landed(self, keys: Iterable[str]) -> None:
        """The key is in the sheet: the record's mails (held till now, so nobody is asked to sign a row that
        does not show its number) may go."""
        keys = list(keys)
        self.conn.executemany("UPDATE records SET landed = 1 WHERE key = ?", [(k,) for k in keys])
        self.conn.executemany("UPDATE outbox SET state = 'queued' WHERE record_key = ? AND state = 'held'",
                              [(k,) for k in keys])

    def hold_mail(self, key: str) -> None:
        self.conn.execute("UPDATE outbox SET state = 'held' WHERE record_key = ? AND state = 'queued'", (key,))

    def drop_held_mail(self, key: str) -> None:
        """The record's content changed before its number reached the sheet: what was held is out of date."""
        self.conn.execute("DELETE FROM outbox WHERE record_key = ? AND state = 'held'", (key,))

    def unlanded_in(self, form: str, file: str) -> list[tuple[str, str | None]]:
        """(key, target of the write that waits to put it in the sheet, or None) of this file's records whose
        number is not in the sheet yet, oldest number first."""
        return [(r[0], r[1]) for r in self.conn.execute(
            "SELECT r.key, (SELECT p.target FROM pending_writes p WHERE p.file = r.file AND "
            "json_extract(p.new_record, '$.key') = r.key) FROM records r WHERE r.form = ? AND r.file = ? "
            "AND r.landed = 0 ORDER BY r.series, r.number", (form, file))]

    def unlanded(self) -> list[sqlite3.Row]:
        """Every record whose number is not yet in its sheet, and whether a write still waits to put it there."""
        return list(self.conn.execute(
            "SELECT key, file, row_hint, NOT EXISTS (SELECT 1 FROM pending_writes p WHERE p.file = r.file AND "
            "json_extract(p.new_record, '$.key') = r.key) AS orphan FROM records r WHERE landed = 0 "
            "ORDER BY series, number"))

    def drop_pending_for_new(self, file: str, key: str) -> None:
        self.conn.execute("DELETE FROM pending_writes WHERE file = ? AND json_extract(new_record, '$.key') = ?",
                          (file, key))

    # -- rows that moved ---------------------------------------------------------------------------
    def set_row_hints(self, hints: Iterable[tuple[str, int]]) -> None:
        """Keyed rows that moved (a sort, an insert above): mails and status name the row they are in now."""
        self.conn.executemany("UPDATE records SET row_hint = ? WHERE key = ?", [(row, key) for key, row in hints])
