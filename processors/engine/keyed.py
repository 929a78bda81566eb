"""Decisions for a row that carries its record's number: an edit, a fix, a sign-off, or an edit to put back.

A record that others depend on (an issued order, a request in an approved plan,
a lease with bills) is settled: an edit to what was signed is put back, the
replaced values are kept in its history, and the row says how to change it.
Free columns (remarks) are recorded and never restart a route.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from ..forms.validate import RowResult, render_problems, summary_values
from ..kinds import cells_of
from ..sheets.base import SheetRow
from ..store.db import Record
from .rows import INVALID, actor_of, cell_text, content_cells, who_of

if TYPE_CHECKING:
    from .decide import Decider

log = logging.getLogger("sheetflow")
#: bumped when what a content hash covers changes; a sheet decided under an older scheme is rehashed once
HASH_SCHEME = "2"


class KeyedRows:
    def key_label(self: Decider) -> str:
        col = self.form.system_column("key")
        return self.ws.t.pick(col.label) if col else "key"

    def same_content(self: Decider, row: SheetRow, record: Record) -> bool:
        return content_cells(self.form, self.snap, row) == cells_of(record.data)

    def keyed(self: Decider, row: SheetRow, fp: str, record: Record, result: RowResult, chash: str, blank: bool,
              copies: list[int]) -> None:
        ws, life = self.ws, self.life
        if record.content_hash != chash and self.rehashing() and self.same_signed(record, result):
            self.store.rebind_content(record, chash)   # the same signed values under the new hash scheme
        if record.content_hash != chash and record.state != INVALID:
            why = self.settled_reason(record)
            if why is not None:  # even a broken edit of a settled record is put back, never taken
                self.put_back(row, fp, record, why)
                return
        if blank or not result.ok:
            self.invalid(row, fp, record, result, chash, blank)
            return
        cells = {col: cell_text(row.values.get(col)) for col in life.sign_columns() if col in self.snap.columns}
        notes: list[str] = self.tracking(record, result)
        if record.state == INVALID or record.content_hash != chash:
            was_invalid = record.state == INVALID
            self.store.save_record(record, at=self.now, data=summary_values(result.values), content_hash=chash,
                                   message="", row_hint=row.number, by=who_of(self.snap, result))
            note = life.on_edit(record, was_invalid, actor_of(result))
            wanted = life.stamps(record)
            notes += [note] if note else []
        else:
            self.free_fields(record, result)
            review = life.on_unchanged(record, cells, actor_of(result))
            wanted, notes = review.cells, notes + review.refusals
        if copies:
            notes.append(ws.t("engine.copied_to", rows="、".join(map(str, copies))))
        if record.notice:
            notes.append(record.notice)
        message = " ".join([*notes, self.guidance(record)]).strip()
        self.show(row, fp, f"key:{record.key}", key=record.key, state=record.state, valid=True, message=message,
                  updated=record.updated_at, extra=wanted)

    def invalid(self: Decider, row: SheetRow, fp: str, record: Record, result: RowResult, chash: str,
                blank: bool) -> None:
        ws = self.ws
        message = render_problems(self.form, result.problems, ws.t, ws.cfg) if result.problems else ws.t(
            "field.required", label=self.key_label(), help="")
        if record.state != INVALID or record.content_hash != chash:
            self.store.transition(record, INVALID, actor="system", at=self.now,
                                  reason=ws.t("transition.invalidated", message=message),
                                  data=summary_values(result.values), content_hash=chash, message=message,
                                  row_hint=row.number, by=who_of(self.snap, result))
            self.life.on_invalid(record)
        self.show(row, fp, f"key:{record.key}", key=record.key, state=INVALID, valid=False, message=message,
                  updated=record.updated_at)

    def settled_reason(self: Decider, record: Record) -> str | None:
        """Why this record's signed content can no longer change, as the row will say it; None when it can."""
        if self.kind.immutable(record):
            return self.ws.t("row.issued_immutable", key=record.key, label=self.ws.t.pick(self.form.title))
        why = self.kind.settled(record)
        return self.ws.t("engine.settled", key=record.key, why=why) if why else None

    def rehashing(self: Decider) -> bool:
        return self.store.meta(f"hash_scheme:{self.file}") != HASH_SCHEME

    def same_signed(self: Decider, record: Record, result: RowResult) -> bool:
        names = [f.name for f in self.form.signed_fields]
        now = summary_values({n: result.values.get(n) for n in names})
        return now == {n: record.data[n] for n in names if n in record.data}

    def split_tracking(self: Decider, result: RowResult) -> None:
        """A bad after-signing cell (a received quantity of 'abc') is refused on its own: the record stays valid."""
        names = {f.name for f in self.form.tracking_fields}
        bad = [p for p in result.problems if p.field in names]
        self.tracking_problems = bad
        if bad:
            result.problems = [p for p in result.problems if p.field not in names]

    def tracking(self: Decider, record: Record, result: RowResult) -> list[str]:
        """After-signing columns (delivery dates, quantities received, paid on): recorded, handed to the kind."""
        bad = getattr(self, "tracking_problems", [])
        names = [f.name for f in self.form.tracking_fields if f.name not in {p.field for p in bad}]
        refused = [render_problems(self.form, bad, self.ws.t, self.ws.cfg)] if bad else []
        if not names:
            return refused
        after = summary_values({n: result.values.get(n) for n in names})
        before = {n: record.data[n] for n in names if n in record.data}
        if after == before:
            return refused
        data = {**{k: v for k, v in record.data.items() if k not in names}, **after}
        self.store.save_record(record, at=self.now, data=data, by=who_of(self.snap, result))
        return refused + self.kind.on_tracking(record, before, after)

    def free_fields(self: Decider, record: Record, result: RowResult) -> None:
        """Remarks and other columns a signature does not cover: kept, and nothing else happens."""
        names = [f.name for f in self.form.free_fields]
        after = summary_values({n: result.values.get(n) for n in names})
        before = {n: record.data[n] for n in names if n in record.data}
        if names and after != before:
            data = {**{k: v for k, v in record.data.items() if k not in names}, **after}
            self.store.save_record(record, at=record.updated_at, data=data, by=who_of(self.snap, result),
                                   changed_at=self.now)

    def put_back(self: Decider, row: SheetRow, fp: str, record: Record, message: str) -> None:
        """A settled record's signed content was edited: restore it, keep what was typed, say how to change it.

        The one place the system writes over a person's cell; the history keeps the replaced values.
        """
        ws = self.ws
        issued = cells_of(record.data)
        now_cells = content_cells(self.form, self.snap, row)
        replaced = {n: v for n, v in now_cells.items() if n in issued and v != issued[n]}
        if replaced:
            labels = {f.name: ws.t.pick(f.label) for f in self.form.fields}
            what = "；".join(f"{labels.get(n, n)}: {issued[n] or '∅'} ← {v or '∅'}" for n, v in replaced.items())
            self.store.note_history(record, actor="sheet", at=self.now,
                                    reason=ws.t("transition.edit_reverted", changes=what))
            log.warning(ws.t("log.edit_reverted", file=self.file, row=row.number, key=record.key, changes=what))
        self.show(row, fp, f"key:{record.key}", key=record.key, state=record.state, valid=True, message=message,
                  updated=record.updated_at, extra={**{n: issued[n] for n in replaced}, **self.life.stamps(record)})
