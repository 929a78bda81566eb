"""Which rows of a snapshot changed since the last pass, and what else the decide stage must know about them.

Rows are matched to the last pass's view by fingerprint, never by position, so a
sort or an insert costs no decisions, only a cheap update of where keyed rows
now stand (mails and `status` name the row a record is in now). Rows that share
a key, or a value their form declares unique, are re-decided together, so each
can name the other.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field

from ..fingerprint import fingerprint
from ..forms.definition import FormDef
from ..sheets.base import Snapshot
from ..store.db import Store
from .rows import INVALID, cell_text, row_names


@dataclass
class Diff:
    snap: Snapshot
    file: str
    fps: list[str]
    changed: list[int] = field(default_factory=list)        # indexes into snap.rows
    gone: list[int] = field(default_factory=list)           # row_view rowids no longer in the sheet as they were
    moved: list[tuple[int, int]] = field(default_factory=list)   # (row_view rowid, row number now)
    hints: list[tuple[str, int]] = field(default_factory=list)   # (record key, row number now)
    keys: dict[str, list[int]] = field(default_factory=dict)     # key cell -> row indexes
    #: row index -> (field, value, the other rows' indexes) for each unique value it shares
    clashes: dict[int, list[tuple[str, str, list[int]]]] = field(default_factory=dict)
    clash_values: list[str] = field(default_factory=list)
    landed: set[str] = field(default_factory=set)           # numbered records whose key now stands in the sheet
    occurrence: list[int] = field(default_factory=list)     # the n-th row with this exact content
    dirty: set[str] = field(default_factory=set)            # records flagged for a rewrite when the pass began
    matched: dict[int, int] = field(default_factory=dict)   # row index -> its row_view rowid (unchanged rows)

    @property
    def idle(self) -> bool:
        return not (self.changed or self.gone or self.moved or self.landed or self.dirty)


def clash_meta(file: str) -> str:
    return f"clashes:{file}"


def diff_snapshot(store: Store, form: FormDef, snap: Snapshot, file: str) -> Diff:
    names = row_names(snap)
    fps = [fingerprint(r.values, names) for r in snap.rows]
    snap.extra["fps"] = fps
    dirty = store.dirty_records(file)  # news from outside the sheet (a bounced mail, an order issued)
    diff = Diff(snap=snap, file=file, fps=fps, dirty=dirty)
    by_fp: dict[str, list[tuple[int, int, str, str]]] = {}
    for rowid, fp, number, key, state in store.row_view(file):
        by_fp.setdefault(fp, []).append((rowid, number, key, state))
    seen: Counter[str] = Counter()
    for i, fp in enumerate(fps):
        row = snap.rows[i]
        diff.occurrence.append(seen[fp])
        seen[fp] += 1
        key = cell_text(row.values.get("key"))
        if key:
            diff.keys.setdefault(key, []).append(i)
        match = by_fp.get(fp)
        if match and not (dirty and key in dirty):
            rowid, number, old_key, state = match.pop()
            diff.matched[i] = rowid
            if number != row.number:
                diff.moved.append((rowid, row.number))
                if old_key and state != INVALID:
                    diff.hints.append((old_key, row.number))
        else:
            diff.changed.append(i)
    diff.gone = [entry[0] for entries in by_fp.values() for entry in entries]
    _shared(store, form, diff)
    unlanded = store.unlanded_keys(file)
    diff.landed = unlanded & set(diff.keys) if unlanded else set()
    return diff


def _shared(store: Store, form: FormDef, diff: Diff) -> None:
    """Rows sharing a key or a unique value are decided together (each names the other), and so are rows
    whose value clashed last pass (the clash may be gone: their message must go too)."""
    rows = diff.snap.rows
    groups: list[list[int]] = [idx for idx in diff.keys.values() if len(idx) > 1]
    values: dict[str, list[int]] = {}
    for name in form.unique:
        if name not in diff.snap.columns:
            continue
        for i, row in enumerate(rows):
            value = cell_text(row.values.get(name)).upper()
            if value:
                values.setdefault(f"{name}={value}", []).append(i)
    for tag, idx in values.items():
        if len(idx) > 1:
            diff.clash_values.append(tag)
            name, _, value = tag.partition("=")
            for i in idx:
                diff.clashes.setdefault(i, []).append((name, value, [j for j in idx if j != i]))
            groups.append(idx)
    before = json.loads(store.meta(clash_meta(diff.file)) or "[]")
    groups += [values.get(tag, []) for tag in before if tag not in diff.clash_values]
    forced = {i for idx in groups for i in idx} - set(diff.changed)
    if forced:
        diff.changed = sorted(set(diff.changed) | forced)
        diff.gone += [diff.matched[i] for i in forced if i in diff.matched]
        again = {diff.matched[i] for i in forced if i in diff.matched}
        diff.moved = [(rowid, n) for rowid, n in diff.moved if rowid not in again]
