"""Decide, for the rows of one snapshot, what the store records and what the sheet must show.

Only rows whose fingerprint differs from the last pass are parsed. Rows are tied
to records by their key cell, never by position. A row without a key that is
valid gets its number only when the number can be written (writeback.py), so a
refused or delayed write never burns a number.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .config import Person
from .fingerprint import fingerprint
from .forms.definition import FormDef
from .forms.fields import is_blank
from .forms.rules import RuleContext
from .forms.validate import RowResult, render_problems, summary_values, validate_row
from .kinds import cells_of, kind_for
from .sheets.base import SheetRow, Snapshot
from .store.db import Record
from .workflow.lifecycle import Lifecycle
from .workspace import Workspace

log = logging.getLogger("sheetflow")
INVALID = "invalid"


@dataclass
class RowOutcome:
    row: int
    valid: bool
    message: str
    key: str = ""
    new: bool = False
    state: str = ""


@dataclass
class SyncResult:
    rows: int = 0
    changed: int = 0
    outcomes: list[RowOutcome] = field(default_factory=list)
    pending: int = 0


def row_names(snap: Snapshot) -> list[str]:
    return sorted(snap.columns)


def row_fingerprint(snap: Snapshot, row: SheetRow) -> str:
    return fingerprint(row.values, row_names(snap))


def user_names(form: FormDef, snap: Snapshot) -> list[str]:
    """The cells a record's content is made of (sign-off cells are not content: signing changes nothing)."""
    return [f.name for f in form.content_fields if f.name in snap.columns]


def content_hash(form: FormDef, snap: Snapshot, row: SheetRow) -> str:
    if form.kind:  # by text, so a value put back as text (an issued order restored) reads as the same
        return fingerprint(content_cells(form, snap, row), user_names(form, snap))
    return fingerprint(row.values, user_names(form, snap))


def content_cells(form: FormDef, snap: Snapshot, row: SheetRow) -> dict[str, str]:
    return {name: content_text(row.values.get(name)) for name in user_names(form, snap)}


def content_text(value: object) -> str:
    """A cell as text, the same whether it holds a date or number or the text of one."""
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    return cell_text(value)


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def display_time(iso: str) -> str:
    """Store times are ISO with seconds; the sheet shows local time to the minute."""
    return iso[:16].replace("T", " ") if iso else ""


def state_label(ws: Workspace, form: FormDef, state: str) -> str:
    return Lifecycle(ws, form).label(state)


def series_of(form: FormDef, key: str) -> tuple[str, int] | None:
    """'PR-2026-0007' -> ('PR-2026', 7) when it belongs to this form's series."""
    parts = key.split("-")
    if len(parts) == 3 and parts[0] == form.prefix and parts[1].isdigit() and parts[2].isdigit():
        return f"{parts[0]}-{parts[1]}", int(parts[2])
    return None


def format_key(form: FormDef, series: str, number: int) -> str:
    return f"{series}-{number:0{form.digits}d}"


def _actor(result: RowResult) -> str:
    for value in result.values.values():
        if isinstance(value, Person):
            return value.name
    return "sheet"


class FileSync:
    """One pass's decisions for one workbook."""

    def __init__(self, ws: Workspace, form: FormDef, snap: Snapshot) -> None:
        self.ws, self.form, self.snap = ws, form, snap
        self.file = snap.label or ws.rel(snap.path) if snap.path is not None else snap.label
        self.store = ws.store
        self.now = ws.clock.now().isoformat(timespec="seconds")
        self.result = SyncResult(rows=len(snap.rows))
        self.life = Lifecycle(ws, form)
        self.kind = kind_for(ws, form)
        self.view: list[tuple[str, int, str, str, str]] = []

    def run(self) -> SyncResult:
        snap = self.snap
        names = row_names(snap)
        fps = [fingerprint(r.values, names) for r in snap.rows]
        snap.extra["fps"] = fps
        previous = self.store.row_view(self.file)
        by_fp: dict[str, list[tuple[int, int, str, str]]] = {}
        for rowid, fp, number, key, state in previous:
            by_fp.setdefault(fp, []).append((rowid, number, key, state))
        dirty = self.store.dirty_records(self.file)  # news from outside the sheet (a bounced mail)
        changed: list[int] = []
        moved: list[tuple[int, int]] = []
        for i, fp in enumerate(fps):
            row = snap.rows[i]
            match = by_fp.get(fp)
            if match and not (dirty and cell_text(row.values.get("key")) in dirty):
                rowid, number, key, state = match.pop()
                if number != row.number and state == INVALID and not key:  # status lists these by row
                    moved.append((rowid, row.number))
            else:
                changed.append(i)
        gone = [entry[0] for entries in by_fp.values() for entry in entries]
        self.result.changed = len(changed)
        if not changed and not gone and not moved:
            return self.result
        keys: dict[str, list[int]] = {}
        for i, row in enumerate(snap.rows):
            key = cell_text(row.values.get("key"))
            if key:
                keys.setdefault(key, []).append(i)
        self._keys_in_sheet = set(keys)
        changed_set = set(changed)
        occurrences: Counter[str] = Counter()
        with self.store.transaction():
            for i, row in enumerate(snap.rows):
                fp = fps[i]
                occ = occurrences[fp]  # the n-th row with this exact content: how a keyless row is found again
                occurrences[fp] += 1
                if i in changed_set:
                    self._row(row, fp, occ, keys)
            self.store.update_row_view(self.file, gone=gone, added=self.view, moved=moved)
            if dirty:
                self.store.conn.execute("UPDATE records SET sheet_dirty = 0 WHERE file = ?", (self.file,))
        return self.result

    # -- one changed row ---------------------------------------------------------------------
    def _row(self, row: SheetRow, fp: str, occ: int, keys: dict[str, list[int]]) -> None:
        form, snap = self.form, self.snap
        raw = {name: row.values.get(name, "") for name in user_names(form, snap)}
        blank = all(is_blank(v) for v in raw.values())
        raw.update({f.name: row.values.get(f.name, "") for f in form.tracking_fields if f.name in snap.columns})
        key = cell_text(row.values.get("key"))
        extra = ""
        try:
            if blank:
                result = RowResult(values={})
            else:
                result = validate_row(form, raw, self.ws.cfg, RuleContext(self.ws, key, row.number))
                extra = self.kind.check(result, key, row.number)
                self._split_tracking(result)
                if form.kind:
                    result.values["_cells"] = json.dumps(content_cells(form, snap, row), ensure_ascii=False)
        except Exception:  # a bug of ours must cost one row, never the pass
            log.exception("%s row %d: validation failed", self.file, row.number)
            self._show(row, fp, f"fp:{fp}:{occ}", key=cell_text(row.values.get("key")), state=INVALID, valid=False,
                       message=self.ws.t("row.internal_error"))
            return
        chash = content_hash(form, snap, row)
        if extra:  # what the record's signature also covers (an order's lines)
            chash = fingerprint({"row": chash, "extra": extra}, ["row", "extra"])
        note = ""
        if key:
            record = self.store.record(key)
            if record is not None and record.form == form.id:
                owners = keys[key]
                owner = next((i for i in owners if self._same_content(snap.rows[i], record)), owners[0])
                if snap.rows[owner] is row:
                    self._keyed(row, fp, record, result, chash, blank)
                    return
                note = self.ws.t("row.duplicate_key", key=key, other=snap.rows[owner].number,
                                 label=self._key_label())
            elif self._adopt(row, key, chash, fp, result):
                return
            else:
                self._show(row, fp, f"fp:{fp}:{occ}", key=key, state=INVALID, valid=False,
                           message=self.ws.t("row.unknown_key", key=key, label=self._key_label()))
                return
        self._keyless(row, fp, occ, result, chash, blank, note)

    def _same_content(self, row: SheetRow, record: Record) -> bool:
        if self.form.kind:
            return content_cells(self.form, self.snap, row) == cells_of(record.data)
        return content_hash(self.form, self.snap, row) == record.content_hash

    def _key_label(self) -> str:
        col = self.form.system_column("key")
        return self.ws.t.pick(col.label) if col else "key"

    def _keyed(self, row: SheetRow, fp: str, record: Record, result: RowResult, chash: str, blank: bool) -> None:
        ws, form, life = self.ws, self.form, self.life
        if record.content_hash != chash and record.state != INVALID and self.kind.immutable(record):
            self._put_back(row, fp, record)  # an issued document: even a broken edit is put back, never taken
            return
        if blank or not result.ok:
            message = render_problems(form, result.problems, ws.t, ws.cfg) if result.problems else ws.t(
                "field.required", label=self._key_label(), help="")
            if record.state != INVALID or record.content_hash != chash:
                self.store.add_transition(record.id, at=self.now, from_state=record.state, to_state=INVALID,
                                          actor="system", reason=ws.t("transition.invalidated", message=message))
                self.store.update_record(record.id, state=INVALID, data=summary_values(result.values),
                                         content_hash=chash, message=message, row=row.number, at=self.now)
                record.state, record.updated_at = INVALID, self.now
                life.on_invalid(record)
            self._show(row, fp, f"key:{record.key}", key=record.key, state=INVALID, valid=False, message=message,
                       updated=record.updated_at)
            return
        cells = {col: cell_text(row.values.get(col)) for col in life.sign_columns() if col in self.snap.columns}
        refusals: list[str] = self._tracking(record, result)
        if record.state == INVALID or record.content_hash != chash:
            was_invalid = record.state == INVALID
            record.data, record.content_hash, record.row_hint = summary_values(result.values), chash, row.number
            self.store.update_record(record.id, state=record.state, data=record.data, content_hash=chash,
                                     message="", row=row.number, at=self.now)
            note = life.on_edit(record, was_invalid, _actor(result))
            wanted = life.stamps(record)
            refusals += [note] if note else []
        else:
            review = life.on_unchanged(record, cells, _actor(result))
            wanted, refusals = review.cells, refusals + review.refusals
        if record.notice:
            refusals.append(record.notice)
        guidance = self.kind.guidance(record)
        message = " ".join([*refusals, life.guidance(record.state, record.data) if guidance is None
                            else guidance]).strip()
        self._show(row, fp, f"key:{record.key}", key=record.key, state=record.state, valid=True,
                   message=message, updated=record.updated_at, extra=wanted)

    def _split_tracking(self, result: RowResult) -> None:
        """A bad after-signing cell (a received quantity of 'abc') is refused on its own: the record stays valid."""
        names = {f.name for f in self.form.tracking_fields}
        bad = [p for p in result.problems if p.field in names]
        self._tracking_problems = bad
        if bad:
            result.problems = [p for p in result.problems if p.field not in names]

    def _tracking(self, record: Record, result: RowResult) -> list[str]:
        """After-signing columns (delivery dates, quantities received, paid on): recorded, handed to the kind."""
        bad = getattr(self, "_tracking_problems", [])
        names = [f.name for f in self.form.tracking_fields if f.name not in {p.field for p in bad}]
        refused = [render_problems(self.form, bad, self.ws.t, self.ws.cfg)] if bad else []
        if not names:
            return refused
        after = summary_values({n: result.values.get(n) for n in names})
        before = {n: record.data[n] for n in names if n in record.data}
        if after == before:
            return refused
        record.data = {**{k: v for k, v in record.data.items() if k not in names}, **after}
        record.updated_at = self.now
        self.store.conn.execute("UPDATE records SET data = ?, updated_at = ? WHERE id = ?",
                                (json.dumps(record.data, ensure_ascii=False), self.now, record.id))
        return refused + self.kind.on_tracking(record, before, after)

    def _put_back(self, row: SheetRow, fp: str, record: Record) -> None:
        """An issued document's content was edited: restore the issued values, keep what was typed, say how to amend.

        The one place the system writes over a person's cell; the transition keeps the replaced values.
        """
        ws = self.ws
        issued = cells_of(record.data)
        now_cells = content_cells(self.form, self.snap, row)
        replaced = {n: v for n, v in now_cells.items() if n in issued and v != issued[n]}
        if replaced:
            labels = {f.name: ws.t.pick(f.label) for f in self.form.fields}
            what = "；".join(f"{labels.get(n, n)}: {issued[n] or '∅'} ← {v or '∅'}" for n, v in replaced.items())
            self.store.add_transition(record.id, at=self.now, from_state=record.state, to_state=record.state,
                                      actor="sheet", reason=ws.t("transition.edit_reverted", changes=what))
            log.warning(ws.t("log.edit_reverted", file=self.file, row=row.number, key=record.key, changes=what))
        message = ws.t("row.issued_immutable", key=record.key, label=ws.t.pick(self.form.title))
        self._show(row, fp, f"key:{record.key}", key=record.key, state=record.state, valid=True, message=message,
                   updated=record.updated_at, extra={**{n: issued[n] for n in replaced}, **self.life.stamps(record)})

    def _keyless(self, row: SheetRow, fp: str, occ: int, result: RowResult, chash: str, blank: bool,
                 note: str) -> None:
        ws, form = self.ws, self.form
        target = f"fp:{fp}:{occ}"
        if blank:
            self._show(row, fp, target, key="", state="", valid=False, message="", updated="")
            return
        if not result.ok:
            message = render_problems(form, result.problems, ws.t, ws.cfg)
            if note:
                message = note + ws.t("row.join") + message
            self._show(row, fp, target, key="", state=INVALID, valid=False, message=message)
            return
        # A numbered row whose number was cleared: give it back rather than number it twice.
        for record in self.store.records_by_content(form.id, chash):
            if record.key not in self._keys_in_sheet and record.file == self.file:
                self._show(row, fp, target, key=record.key, state=record.state, valid=True,
                           message=ws.t("row.key_restored", label=self._key_label()) + " "
                           + self.life.guidance(record.state, record.data), updated=record.updated_at,
                           extra=self.life.stamps(record))
                self._keys_in_sheet.add(record.key)
                return
        data = summary_values(result.values)
        state = self.life.initial_state(data)
        new_record = {"state": state, "data": data, "content_hash": chash, "actor": _actor(result), "note": note}
        parts = [note] if note else []
        signed_early = {col: "" for col in self.life.sign_columns() if cell_text(row.values.get(col))}
        if signed_early:  # a sign-off typed before the request had a number and a code
            parts.append(ws.t("sign.before_number"))
        draft = Record(id=0, form=form.id, key="", state=state, data=data, content_hash=chash, message="",
                       file=self.file, row_hint=row.number, created_at=self.now, updated_at=self.now)
        guidance = self.kind.guidance(draft)
        parts.append(self.life.guidance(state, data) if guidance is None else guidance)
        self._show(row, fp, target, key="", state=state, valid=True, message=" ".join(p for p in parts if p),
                   new_record=new_record, extra=signed_early)

    def _adopt(self, row: SheetRow, key: str, chash: str, fp: str, result: RowResult) -> bool:
        """Recover from a crash after a numbered file was renamed into place but before the commit."""
        parsed = series_of(self.form, key)
        if parsed is None:  # (the caller saw no record with this key)
            return False
        for pw in self.store.pending(self.file):
            nr = pw.new_record
            if nr and nr.get("content_hash") == chash:
                self.store.insert_record(form=self.form.id, key=key, series=parsed[0], number=parsed[1],
                                         state="", data=nr["data"], content_hash=chash, message="",
                                         file=self.file, row=row.number, at=self.now)
                self.store.take_number(parsed[0], parsed[1])
                self.store.drop_pending([pw.id])
                record = self.store.record(key)
                assert record is not None
                self.life.on_new(record, nr.get("actor", "sheet"), self.ws.t("transition.submitted"))
                self._keyed(row, fp, record, result, chash, False)
                return True
        return False

    # -- what the row should show ------------------------------------------------------------
    def _show(self, row: SheetRow, fp: str, target: str, *, key: str, state: str, valid: bool, message: str,
              updated: str | None = None, new_record: dict[str, Any] | None = None,
              extra: dict[str, str] | None = None) -> None:
        status = self.life.label(state) if state else ""
        wanted = {"key": key, "status": status, "message": message, **(extra or {})}
        if updated is not None:  # a record's time is its own, so a cleared or edited one is put back
            wanted["updated"] = display_time(updated)
        current = {role: cell_text(row.values.get(role)) for role in wanted}
        cells = {role: v for role, v in wanted.items() if role in self.snap.columns and current[role] != v}
        if new_record is not None:
            cells.pop("key", None)
        if cells or new_record is not None:
            if "updated" in self.snap.columns:
                cells["updated"] = display_time(self.now if updated is None else updated)
            self.store.put_pending(form=self.form.id, file=self.file, target=target, cells=cells,
                                   expected={"fp": fp}, new_record=new_record, at=self.now)
            self.result.pending += 1
        self.result.outcomes.append(RowOutcome(row=row.number, valid=valid, message=message, key=key,
                                               new=new_record is not None, state=status))
        self.view.append((fp, row.number, key, INVALID if not valid and state == INVALID else state, message))
