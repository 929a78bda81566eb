"""The workspace store. One connection per process, WAL, explicit transactions.

Every decision that must survive a crash is written here before it takes effect:
records and their transitions, the number series, the cell writes still owed to
a workbook. Numbers are taken inside the transaction that writes them into the
sheet, so a failed or refused write gives the number back and the series stays
gap-free.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..filemodes import create_private, private_dir
from ..resources import package_file
from .adopt import AdoptMixin
from .audit import Who
from .bills import BillsMixin
from .catalogue import CatalogueMixin
from .codes import CodesMixin
from .outbox import OutboxMixin
from .pass_state import PassStateMixin
from .planning import PlanningMixin
from .reissue import ReissueMixin
from .transitions import TransitionsMixin

SCHEMA_VERSION = 11  # 2: meta, indexes; 3: outbox; 4: attachments; 5: bills; 6: documents; 7: landed, faults;
#                    8: outbox.secret_count, refusals.fingerprint, step_locks; 9: schema_<area>.sql files; 10: audit;
#                    11: plan_versions


def schema_files() -> list[Path]:
    """schema.sql, then each area's own file: every statement IF NOT EXISTS, so running them again upgrades."""
    main = package_file("store/schema.sql")
    return [main, *sorted(main.parent.glob("schema_*.sql"))]


@dataclass
class Record:
    id: int
    form: str
    key: str
    state: str
    data: dict[str, str]
    content_hash: str
    message: str
    file: str
    row_hint: int | None
    created_at: str
    updated_at: str
    notice: str = ""
    route_version: int = 0
    step_opened_at: str = ""
    landed: bool = True


@dataclass
class PendingWrite:
    id: int
    form: str
    file: str
    target: str
    cells: dict[str, str]
    expected: dict[str, Any]
    new_record: dict[str, Any] | None
    reason: str
    created_at: str


class Store(PassStateMixin, TransitionsMixin, CodesMixin, ReissueMixin, OutboxMixin, BillsMixin, AdoptMixin,
            CatalogueMixin, PlanningMixin):
    def __init__(self, path: Path) -> None:
        self.path = path
        if not path.parent.exists():
            private_dir(path.parent)   # a folder of its own for the store ([paths] state) is private like it
        create_private(path)   # before SQLite makes it (0644 by the umask); its -wal and -shm take this mode
        self.conn = sqlite3.connect(path, timeout=30, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("PRAGMA foreign_keys=ON")
        if self.conn.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
            schema = "\n".join(p.read_text("utf-8") for p in schema_files())
            self.conn.executescript(f"BEGIN IMMEDIATE;\n{self._added_columns()}{schema}\n"
                                    f"PRAGMA user_version={SCHEMA_VERSION};\nCOMMIT;")

    def _added_columns(self) -> str:
        """Columns added to existing tables since version 1 (CREATE TABLE IF NOT EXISTS cannot add them)."""
        have = {r[1] for r in self.conn.execute("PRAGMA table_info(records)")}
        added = {"notice": "TEXT NOT NULL DEFAULT ''", "sheet_dirty": "INTEGER NOT NULL DEFAULT 0",
                 "route_version": "INTEGER NOT NULL DEFAULT 0", "step_opened_at": "TEXT NOT NULL DEFAULT ''",
                 "remind_at": "TEXT NOT NULL DEFAULT ''", "landed": "INTEGER NOT NULL DEFAULT 1"}
        out = "".join(f"ALTER TABLE records ADD COLUMN {name} {decl};\n"
                      for name, decl in added.items() if have and name not in have)
        outbox = {r[1] for r in self.conn.execute("PRAGMA table_info(outbox)")}
        if outbox and "attachments" not in outbox:
            out += "ALTER TABLE outbox ADD COLUMN attachments TEXT NOT NULL DEFAULT '[]';\n"
        if outbox and "secret_count" not in outbox:   # a code mail stays known as one once its code is masked
            out += ("ALTER TABLE outbox ADD COLUMN secret_count INTEGER NOT NULL DEFAULT 0;\n"
                    "UPDATE outbox SET secret_count = json_array_length(secrets);\n")
        refusals = {r[1] for r in self.conn.execute("PRAGMA table_info(refusals)")}
        if refusals and "fingerprint" not in refusals:
            out += "ALTER TABLE refusals ADD COLUMN fingerprint BLOB;\n"
        return out

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any exception."""
        if self.conn.in_transaction:
            yield self.conn
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    # -- records -------------------------------------------------------------------------
    def record(self, key: str) -> Record | None:
        row = self.conn.execute("SELECT * FROM records WHERE key = ?", (key,)).fetchone()
        return _record(row) if row else None

    def records(self, form: str | None = None) -> list[Record]:
        sql, args = "SELECT * FROM records", ()
        if form:
            sql, args = sql + " WHERE form = ?", (form,)
        return [_record(r) for r in self.conn.execute(sql + " ORDER BY series, number", args)]

    def records_in(self, form: str, states: tuple[str, ...]) -> list[Record]:
        """Records of `form` in one of `states` (the index on form and state): what a timer looks at each pass,
        without decoding the records that are done (1,000 confirmed orders cost nothing to an idle watch)."""
        marks = ",".join("?" * len(states))
        rows = self.conn.execute(f"SELECT * FROM records WHERE form = ? AND state IN ({marks}) ORDER BY series, number",
                                 (form, *states))
        return [_record(r) for r in rows]

    def records_naming(self, form: str, field: str, key: str) -> list[Record]:
        """Records of `form` whose `field` names `key`, as its value or in the JSON list it holds.

        A plan keeps its requests as a JSON list inside `data`, a line its one
        request as text; asking SQLite spares parsing every plan and line in
        Python for each edited request (what RequestKind.settled asks per row).
        """
        path = f"$.{field}"
        rows = self.conn.execute(
            "SELECT * FROM records WHERE form = ? AND (json_extract(data, ?) = ? OR EXISTS ("
            " SELECT 1 FROM json_each(CASE WHEN json_valid(json_extract(data, ?)) THEN json_extract(data, ?)"
            " ELSE '[]' END) WHERE json_each.value = ?)) ORDER BY series, number",
            (form, path, key, path, path, key))
        return [_record(r) for r in rows]

    def records_by_content(self, form: str, content_hash: str) -> list[Record]:
        rows = self.conn.execute("SELECT * FROM records WHERE form = ? AND content_hash = ? ORDER BY id",
                                 (form, content_hash))
        return [_record(r) for r in rows]

    def next_number(self, series: str) -> int:
        row = self.conn.execute("SELECT last FROM series WHERE name = ?", (series,)).fetchone()
        return (row[0] if row else 0) + 1

    def take_number(self, series: str, number: int) -> None:
        """Advance the series to `number`; must be inside the transaction that uses it."""
        assert self.conn.in_transaction
        self.conn.execute("INSERT INTO series (name, last) VALUES (?, ?) "
                          "ON CONFLICT (name) DO UPDATE SET last = max(last, excluded.last)", (series, number))

    def insert_record(self, *, form: str, key: str, series: str, number: int, state: str,
                      data: dict[str, str], content_hash: str, message: str, file: str, row: int,
                      at: str, landed: bool = True, by: Who | None = None) -> int:
        cur = self.conn.execute(
            "INSERT INTO records (form, key, series, number, state, data, content_hash, message, file, "
            "row_hint, created_at, updated_at, landed) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (form, key, series, number, state, json.dumps(data, ensure_ascii=False), content_hash, message,
             file, row, at, at, int(landed)))
        record_id = int(cur.lastrowid or 0)
        self.audit_changes(record_id, None, data, at=at, by=by)   # every field it starts with, in the audit trail
        return record_id

    def update_record(self, record_id: int, *, state: str, data: dict[str, str], content_hash: str,
                      message: str, row: int, at: str, by: Who | None = None) -> None:
        self.audit_changes(record_id, self.stored_data(record_id), data, at=at, by=by)
        self.conn.execute(
            "UPDATE records SET state=?, data=?, content_hash=?, message=?, row_hint=?, updated_at=? WHERE id=?",
            (state, json.dumps(data, ensure_ascii=False), content_hash, message, row, at, record_id))

    def add_transition(self, record_id: int, *, at: str, from_state: str | None, to_state: str,
                       actor: str, reason: str) -> None:
        self.conn.execute(
            "INSERT INTO transitions (record_id, at, from_state, to_state, actor, reason) VALUES (?,?,?,?,?,?)",
            (record_id, at, from_state, to_state, actor, reason))

    def flag_record(self, key: str, notice: str) -> None:
        """Something outside the sheet happened to a record (a mail bounced): show it in its row next pass."""
        self.conn.execute("UPDATE records SET notice = ?, sheet_dirty = 1 WHERE key = ?", (notice, key))

    def dirty_records(self, file: str) -> set[str]:
        return {r[0] for r in self.conn.execute("SELECT key FROM records WHERE file = ? AND sheet_dirty = 1",
                                                (file,))}

    def clear_dirty(self, keys: set[str]) -> None:
        """The rows of these records were just decided with the news they were flagged for (news that came
        while deciding them, from a later record's hook, stays flagged for the next round)."""
        self.conn.executemany("UPDATE records SET sheet_dirty = 0 WHERE key = ?", [(k,) for k in keys])

    def rebind_content(self, record: Record, content_hash: str) -> None:
        """The same signed content under a new hash: open codes stay bound to it."""
        self.conn.execute("UPDATE codes SET content_hash = ? WHERE record_id = ? AND content_hash = ?",
                          (content_hash, record.id, record.content_hash))
        self.conn.execute("UPDATE records SET content_hash = ? WHERE id = ?", (content_hash, record.id))
        record.content_hash = content_hash

    def reminders_due(self, utc_now: str) -> list[tuple[str, str]]:
        """(key, form) of records whose next reminder is due; indexed, so an idle pass costs one lookup."""
        return [(r[0], r[1]) for r in self.conn.execute(
            "SELECT key, form FROM records WHERE remind_at != '' AND remind_at <= ? ORDER BY remind_at", (utc_now,))]

    def set_remind_at(self, record_id: int, utc_at: str) -> None:
        self.conn.execute("UPDATE records SET remind_at = ? WHERE id = ?", (utc_at, record_id))

    def dirty_files(self) -> set[str]:
        return {r[0] for r in self.conn.execute("SELECT DISTINCT file FROM records WHERE sheet_dirty = 1")}

    def transitions(self, key: str) -> list[sqlite3.Row]:
        return list(self.conn.execute(
            "SELECT t.* FROM transitions t JOIN records r ON r.id = t.record_id WHERE r.key = ? ORDER BY t.id",
            (key,)))

    # -- row view ------------------------------------------------------------------------
    def row_view(self, file: str) -> list[tuple[int, str, int, str, str]]:
        """(rowid, fingerprint, row, key, state) of each row after the last pass."""
        return [tuple(r) for r in self.conn.execute(  # type: ignore[misc]
            "SELECT rowid, fp, row, key, state FROM row_view WHERE file = ?", (file,))]

    def update_row_view(self, file: str, *, gone: list[int], added: list[tuple[str, int, str, str, str]],
                        moved: list[tuple[int, int]]) -> None:
        """Change only what changed: a pass over 10k rows with 10 edits touches about 10 entries.

        gone: rowids no longer in the sheet as they were; added: (fp, row, key, state, message);
        moved: (rowid, new row number) of entries `status` shows by row number.
        """
        self.conn.executemany("DELETE FROM row_view WHERE rowid = ?", [(r,) for r in gone])
        self.conn.executemany("INSERT INTO row_view (file, fp, row, key, state, message) VALUES (?,?,?,?,?,?)",
                              [(file, *r) for r in added])
        self.conn.executemany("UPDATE row_view SET row = ? WHERE rowid = ?", [(n, r) for r, n in moved])

    def refresh_view_row(self, file: str, old_fp: str, new_fp: str, key: str) -> None:
        self.conn.execute("UPDATE row_view SET fp = ?, key = ? WHERE rowid = "
                          "(SELECT rowid FROM row_view WHERE file = ? AND fp = ? LIMIT 1)",
                          (new_fp, key, file, old_fp))

    def invalid_rows(self) -> list[sqlite3.Row]:
        return list(self.conn.execute(
            "SELECT file, row, message FROM row_view WHERE key = '' AND state = 'invalid' ORDER BY file, row"))

    # -- pending writes ------------------------------------------------------------------
    def put_pending(self, *, form: str, file: str, target: str, cells: dict[str, str],
                    expected: dict[str, Any], new_record: dict[str, Any] | None, at: str) -> None:
        self.conn.execute(
            "INSERT INTO pending_writes (form, file, target, cells, expected, new_record, created_at) "
            "VALUES (?,?,?,?,?,?,?) ON CONFLICT (file, target) DO UPDATE SET cells=excluded.cells, "
            "expected=excluded.expected, new_record=excluded.new_record, form=excluded.form",
            (form, file, target, json.dumps(cells, ensure_ascii=False), json.dumps(expected, ensure_ascii=False),
             json.dumps(new_record, ensure_ascii=False) if new_record is not None else None, at))

    def pending(self, file: str | None = None) -> list[PendingWrite]:
        sql, args = "SELECT * FROM pending_writes", ()
        if file is not None:
            sql, args = sql + " WHERE file = ?", (file,)
        return [PendingWrite(id=r["id"], form=r["form"], file=r["file"], target=r["target"],
                             cells=json.loads(r["cells"]), expected=json.loads(r["expected"]),
                             new_record=json.loads(r["new_record"]) if r["new_record"] else None,
                             reason=r["reason"], created_at=r["created_at"])
                for r in self.conn.execute(sql + " ORDER BY id", args)]

    def pending_files(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT DISTINCT file FROM pending_writes")]

    def drop_pending(self, ids: list[int]) -> None:
        self.conn.executemany("DELETE FROM pending_writes WHERE id = ?", [(i,) for i in ids])

    def mark_pending(self, file: str, reason: str) -> None:
        self.conn.execute("UPDATE pending_writes SET reason = ? WHERE file = ?", (reason, file))

    # -- meta ----------------------------------------------------------------------------
    def meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
                          "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, value))

    def forget_file_view(self, file: str) -> None:
        """Make every row of one sheet count as changed next time it is synced (what it depends on changed)."""
        self.conn.execute("DELETE FROM row_view WHERE file = ?", (file,))
        self.conn.execute("UPDATE file_status SET identity = '' WHERE file = ?", (file,))

    def forget_views(self) -> None:
        """Make every row count as changed on the next pass (the rules themselves changed)."""
        self.conn.execute("DELETE FROM row_view")
        self.conn.execute("UPDATE file_status SET identity = ''")

    # -- file status ---------------------------------------------------------------------
    def set_file_status(self, file: str, form: str, state: str, at: str, code: str = "", message: str = "",
                        identity: str = "") -> None:
        self.conn.execute(
            "INSERT INTO file_status (file, form, state, code, message, identity, since, updated_at) "
            "VALUES (?,?,?,?,?,?,?,?) "
            "ON CONFLICT (file) DO UPDATE SET form=excluded.form, code=excluded.code, message=excluded.message, "
            "since = CASE WHEN file_status.state = excluded.state AND file_status.code = excluded.code "
            "THEN file_status.since ELSE excluded.since END, state=excluded.state, identity=excluded.identity, "
            "updated_at=excluded.updated_at",
            (file, form, state, code, message, identity, at, at))

    def file_status(self, file: str | None = None) -> list[sqlite3.Row]:
        if file is not None:
            return list(self.conn.execute("SELECT * FROM file_status WHERE file = ?", (file,)))
        return list(self.conn.execute("SELECT * FROM file_status ORDER BY file"))


def _record(row: sqlite3.Row) -> Record:
    return Record(id=row["id"], form=row["form"], key=row["key"], state=row["state"], data=json.loads(row["data"]),
                  content_hash=row["content_hash"], message=row["message"], file=row["file"],
                  row_hint=row["row_hint"], created_at=row["created_at"], updated_at=row["updated_at"],
                  notice=row["notice"], route_version=row["route_version"], step_opened_at=row["step_opened_at"],
                  landed=bool(row["landed"]))
