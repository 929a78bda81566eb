"""A valid new row gets its number in the decide stage, from a gap-free series, exactly once.

The number is taken in the same transaction that records the decision, so what
the row was checked against (R6's quantity still open) is what it is numbered
with. Until the number stands in the sheet the record is `unlanded` and its
mails are held, so nobody is asked to sign a row that does not show its number.
If the row changed (or went) before the write could put the number in, the
next new row of that workbook takes the number over: the series
stays gap-free and no number is issued twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..store.audit import Who
from ..store.db import Record
from .rows import format_key

if TYPE_CHECKING:
    from .decide import Decider


def restore_cleared(d: Decider, chash: str) -> Record | None:
    """A numbered row whose number someone cleared: the same content, in the same file, not in the sheet."""
    for record in d.store.records_by_content(d.form.id, chash):
        if record.landed and record.key not in d.keys_in_sheet and record.file == d.file:
            return record
    return None


def orphans(d: Decider) -> list[str]:
    """Numbers of this file not in the sheet whose own row is gone or changed, oldest first. Computed once per
    sheet and pass: a record numbered later in the same pass has its row in this snapshot, so it is none."""
    live = {f"fp:{fp}:{occ}" for fp, occ in zip(d.diff.fps, d.diff.occurrence, strict=True)}
    return [key for key, target in d.store.unlanded_in(d.form.id, d.file)
            if key not in d.keys_in_sheet and target not in live]


def adopt_orphan(d: Decider, data: dict[str, str], chash: str, row: int, actor: str,
                 by: Who | None = None) -> Record | None:
    """A number taken for a row that changed before it could be written: this new row takes it over."""
    if not d.orphans or d.kind.key_for(data) is not None:   # a number of its own kind (a unit, an amendment)
        return None
    key = d.orphans.pop(0)
    record = d.store.record(key)
    if record is None:
        return None
    d.store.drop_pending_for_new(d.file, key)
    d.store.drop_held_mail(key)
    d.store.save_record(record, at=d.now, data=data, content_hash=chash, message="", row_hint=row, by=by)
    d.life.on_new(record, actor, d.ws.t("transition.submitted"))   # a fresh route version: new codes
    d.store.hold_mail(key)
    return record


def new_record(d: Decider, data: dict[str, str], chash: str, row: int, actor: str, note: str,
               by: Who | None = None) -> Record:
    store, form = d.store, d.form
    special = d.kind.key_for(data)   # an amendment: PO-2026-0001-1; a unit: its unit number
    if special is not None:
        key, series, number = special
    else:
        series = f"{form.prefix}-{d.ws.clock.now().year}"
        number = store.next_number(series)
        key = format_key(form, series, number)
    store.take_number(series, number)
    store.insert_record(form=form.id, key=key, series=series, number=number, state="", data=data,
                        content_hash=chash, message="", file=d.file, row=row, at=d.now, landed=False, by=by)
    record = store.record(key)
    assert record is not None
    reason = d.ws.t("transition.submitted") + (f" ({note})" if note else "")
    d.life.on_new(record, actor, reason)   # opens the route: codes and mails, held until the number lands
    store.hold_mail(key)
    return record
