"""Decide, for the changed rows of one snapshot, what the store records and what the sheet must show.

Everything is decided here, in one store transaction per sheet: validation,
numbering (a valid new row gets its number now, so what it was checked against
is what it is numbered with), route starts and moves, mails (held until the
number stands in the sheet), documents to issue. Each row runs in a savepoint of
its own: whatever goes wrong with one row (a rule, a kind's hook, a number clash,
a template) rolls back that row alone, and the row says so; the others go on.
The write-back stage that follows only writes.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

from .. import faults
from ..errors import TemplateProblem
from ..fingerprint import fingerprint
from ..forms.definition import FormDef
from ..forms.fields import Problem, is_blank
from ..forms.rules import RuleContext
from ..forms.validate import RowResult, render_problems, summary_values, validate_row
from ..guard import describe, record_fault
from ..kinds import Kind
from ..sheets.base import SheetRow, Snapshot
from ..workflow.lifecycle import Lifecycle
from ..workspace import Workspace
from .diff import Diff, clash_meta, diff_snapshot
from .keyed import HASH_SCHEME, KeyedRows
from .numbering import adopt_orphan, new_record, orphans, restore_cleared
from .report import RowOutcome, SyncResult
from .rows import INVALID, actor_of, cell_text, content_cells, content_hash, display_time, signed_names, who_of

log = logging.getLogger("sheetflow")


@dataclass
class RowPlan:
    """One row's decision, kept aside until its savepoint is released (a rolled-back row leaves none)."""

    pending: list[dict[str, Any]] = field(default_factory=list)
    outcome: RowOutcome | None = None
    view: tuple[str, int, str, str, str] | None = None
    numbered: str = ""


class Decider(KeyedRows):
    """One pass's decisions for one sheet."""

    def __init__(self, ws: Workspace, form: FormDef, kind: Kind, diff: Diff) -> None:
        self.ws, self.form, self.kind, self.diff = ws, form, kind, diff
        self.snap, self.file, self.store = diff.snap, diff.file, ws.store
        self.now = ws.clock.now().isoformat(timespec="seconds")
        self.result = SyncResult(rows=len(diff.snap.rows), changed=len(diff.changed))
        self.life = Lifecycle(ws, form, kind)
        self.view: list[tuple[str, int, str, str, str]] = []
        self.keys_in_sheet = set(diff.keys)
        self.plan = RowPlan()
        self.faulty = self.file in ws.store.fault_files()   # rows that failed before: cleared once they go
        self.orphans: list[str] = []


    def run(self) -> SyncResult:
        diff, store = self.diff, self.store
        if diff.idle:
            return self.result
        with store.transaction():
            self.orphans = orphans(self)
            for i in diff.changed:
                self._one(i)
            store.update_row_view(self.file, gone=diff.gone, added=self.view, moved=diff.moved)
            store.set_row_hints(diff.hints)
            if diff.landed:
                store.mark_landed(diff.landed)
            if diff.dirty:
                store.clear_dirty(diff.dirty)
            store.set_meta(clash_meta(self.file), _json(diff.clash_values))
            store.set_meta(f"hash_scheme:{self.file}", HASH_SCHEME)
        return self.result

    # -- one row, undone alone ---------------------------------------------------------------------
    def _one(self, i: int) -> None:
        row, fp, occ = self.snap.rows[i], self.diff.fps[i], self.diff.occurrence[i]
        self.plan = RowPlan()
        try:
            with self.store.savepoint():
                self._row(i, row, fp, occ)
                faults.point("decide_row", file=self.file, row=row.number, form=self.form.id)
        except Exception as exc:  # one row's fault must cost that row, never the sheet or the pass
            key = cell_text(row.values.get("key"))
            record_fault(self.ws, exc, stage="decide", file=self.file, form=self.form.id, row=row.number,
                         key=key if key in self.keys_in_sheet and self.store.record(key) else "")
            self.plan = RowPlan()
            self.result.faults += 1
            template = isinstance(exc, TemplateProblem)   # the administrator's to fix, not the row's author
            message = self.ws.t("template_problem.row" if template else "engine.fault_row",
                                **{"problem" if template else "error": describe(exc, self.ws.t)})
            record = self.store.record(key) if key else None
            if record is not None and record.form == self.form.id:
                self.show(row, fp, f"key:{key}", key=key, state=record.state, valid=True, message=message)
            else:
                self.show(row, fp, f"fp:{fp}:{occ}", key="", state=INVALID, valid=False, message=message,
                          status=self.ws.t("template_problem.status") if template else None)
            self.plan.view = None  # not remembered as decided: the next read of this sheet tries the row again
        else:
            if self.faulty:
                self.store.clear_faults(self.file, "decide", rows=[row.number])
        self._commit_plan()

    def _commit_plan(self) -> None:
        plan = self.plan
        for write in plan.pending:
            self.store.put_pending(**write)
            self.result.pending += 1
        if plan.outcome is not None:
            self.result.outcomes.append(plan.outcome)
        if plan.view is not None:
            self.view.append(plan.view)
        if plan.numbered and plan.outcome is not None:
            self.result.numbered.append((plan.outcome.row, plan.numbered))

    def validated(self, i: int, row: SheetRow, key: str) -> tuple[RowResult, str, bool]:
        """The row as a pass checks it: (typed values and problems, content hash, blank). `sheetflow adopt`
        checks historic rows through this same step, so what it records is what a pass would have."""
        form, snap = self.form, self.snap
        raw = {name: row.values.get(name, "") for name in (f.name for f in form.content_fields)
               if name in snap.columns}
        blank = all(is_blank(v) for v in raw.values())
        raw.update({f.name: row.values.get(f.name, "") for f in form.tracking_fields if f.name in snap.columns})
        extra = ""
        if blank:
            result = RowResult(values={})
            chash = content_hash(form, snap, row)
        else:
            result = validate_row(form, raw, self.ws.cfg, RuleContext(self.ws, key, row.number))
            extra = self.kind.check(result, key, row.number)
            self._clashes(i, key, result)
            self.split_tracking(result)
            cells = content_cells(form, snap, row)
            result.values["_cells"] = _json(cells)
            chash = fingerprint(cells, signed_names(form, snap))   # content_hash, its cells read once
        if extra:  # what the record's signature also covers (an order's lines)
            chash = fingerprint({"row": chash, "extra": extra}, ["row", "extra"])
        return result, chash, blank

    def _row(self, i: int, row: SheetRow, fp: str, occ: int) -> None:
        form, snap = self.form, self.snap
        key = cell_text(row.values.get("key"))
        result, chash, blank = self.validated(i, row, key)
        note = ""
        if key:
            record = self.store.record(key)
            if record is not None and record.form == form.id:
                owners = self.diff.keys[key]
                owner = next((j for j in owners if self.same_content(snap.rows[j], record)), owners[0])
                if snap.rows[owner] is row:
                    copies = [snap.rows[j].number for j in owners if j != owner]
                    self.keyed(row, fp, record, result, chash, blank, copies)
                    return
                note = self.ws.t("row.duplicate_key", key=key, other=snap.rows[owner].number,
                                 label=self.key_label())
            else:
                self.show(row, fp, f"fp:{fp}:{occ}", key=key, state=INVALID, valid=False,
                          message=self.ws.t("row.unknown_key", key=key, label=self.key_label()))
                return
        self._keyless(row, fp, occ, result, chash, blank, note)

    def _clashes(self, i: int, key: str, result: RowResult) -> None:
        """Uniqueness is a validation rule: each row sharing a unique value names the others."""
        for name, value, others in self.diff.clashes.get(i, []):
            own = self.store.record(key) if key else None
            if own is not None and self.kind.immutable(own):
                continue  # an issued document keeps its value; the new row is the one to change
            rows = "、".join(str(self.snap.rows[j].number) for j in others)
            result.problems.append(Problem(name, "engine.unique_clash", {"value": value, "rows": rows}))

    # -- rows without a number yet ----------------------------------------------------------------
    def _keyless(self, row: SheetRow, fp: str, occ: int, result: RowResult, chash: str, blank: bool,
                 note: str) -> None:
        ws, form = self.ws, self.form
        target = f"fp:{fp}:{occ}"
        if blank:
            self.show(row, fp, target, key="", state="", valid=False, message="", updated="")
            return
        if not result.ok:
            message = render_problems(form, result.problems, ws.t, ws.cfg)
            if note:
                message = note + ws.t("row.join") + message
            self.show(row, fp, target, key="", state=INVALID, valid=False, message=message)
            return
        restored = restore_cleared(self, chash)
        if restored is not None:  # a numbered row whose number was cleared: give it back, never number twice
            self.show(row, fp, target, key=restored.key, state=restored.state, valid=True,
                      message=ws.t("row.key_restored", label=self.key_label()) + " "
                      + self.guidance(restored), updated=restored.updated_at, extra=self.life.stamps(restored))
            self.keys_in_sheet.add(restored.key)
            return
        data = summary_values(result.values)
        actor = actor_of(result)
        by = who_of(self.snap, result)
        record = adopt_orphan(self, data, chash, row.number, actor, by) or new_record(self, data, chash, row.number,
                                                                                       actor, note, by)
        self.keys_in_sheet.add(record.key)
        parts = [note] if note else []
        signed_early = {col: "" for col in self.life.sign_columns() if cell_text(row.values.get(col))}
        if signed_early:  # a sign-off typed before the request had a number and a code
            parts.append(ws.t("sign.before_number"))
        parts.append(self.guidance(record))
        self.show(row, fp, target, key=record.key, state=record.state, valid=True,
                  message=" ".join(p for p in parts if p), updated=record.updated_at,
                  extra={**self.life.stamps(record), **signed_early}, new_key=record.key)
        self.plan.numbered = record.key

    def guidance(self, record: Any) -> str:
        text = self.kind.guidance(record)
        return self.life.guidance(record.state, record.data) if text is None else text

    # -- what the row should show --------------------------------------------------------------------
    def show(self, row: SheetRow, fp: str, target: str, *, key: str, state: str, valid: bool, message: str,
             updated: str | None = None, extra: dict[str, str] | None = None, new_key: str = "",
             status: str | None = None) -> None:
        if status is None:
            status = self.life.label(state) if state else ""
        wanted = {"key": key, "status": status, "message": message, **(extra or {})}
        if updated is not None:  # a record's time is its own, so a cleared or edited one is put back
            wanted["updated"] = display_time(updated)
        cells = {role: v for role, v in wanted.items()
                 if role in self.snap.columns and cell_text(row.values.get(role)) != v}
        if cells or new_key:
            if "updated" in self.snap.columns:
                cells["updated"] = display_time(self.now if updated is None else updated)
            self.plan.pending.append({"form": self.form.id, "file": self.file, "target": target, "cells": cells,
                                      "expected": {"fp": fp}, "at": self.now,
                                      "new_record": {"key": new_key} if new_key else None})
        self.plan.outcome = RowOutcome(row=row.number, valid=valid, message=message, key=key,
                                       new=bool(new_key), state=status)
        self.plan.view = (fp, row.number, key, INVALID if not valid and state == INVALID else state, message)


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def sync_sheet(ws: Workspace, form: FormDef, kind: Kind, snap: Snapshot, file: str) -> SyncResult:
    """The decide half of a pass for one sheet: which rows changed, then what each of them means."""
    return Decider(ws, form, kind, diff_snapshot(ws.store, form, snap, file)).run()
