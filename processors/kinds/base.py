"""The class a kind subclasses, with the defaults the contract gives a hook nobody implements.

A kind's methods named after a hook in hookspecs.KindHooks are its hook
implementations (no marker needed, as pytest takes `pytest_*` functions); a
method left as inherited from here is not registered at all, so the engine sees
the spec's default without a call. What each hook may do is documented once, in
hookspecs.py; the docstrings here only say what the default is.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection
from typing import TYPE_CHECKING

from ..forms.fields import Problem

if TYPE_CHECKING:
    from ..forms.definition import FormDef
    from ..forms.validate import RowResult
    from ..store.db import Record
    from ..workspace import Workspace


class Kind:
    def __init__(self, ws: Workspace, form: FormDef) -> None:
        self.ws, self.form, self.t, self.store = ws, form, ws.t, ws.store

    # -- helpers a kind calls (not hooks) ---------------------------------------------------------
    def recheck_when(self, mark: str) -> None:
        """What this form's rows depend on outside their sheet changed (given as a digest): read them all again."""
        meta = f"inputs:{self.form.id}"
        if self.store.meta(meta) == mark:
            return
        with self.store.transaction():
            for row in self.store.file_status():
                if row["form"] == self.form.id:
                    self.store.forget_file_view(row["file"])
            self.store.set_meta(meta, mark)

    def problem(self, field: str, **text: str) -> Problem:
        """A row problem in the kind's own words (zh=…, en=…): a plugin cannot add keys to sheetflow's locales."""
        return Problem(field, "hooks.problem", {"text": self.t.pick(text)})

    # -- hook defaults (see hookspecs.KindHooks for when each runs and what it may change) --------
    def prepare(self) -> None:
        """Default: nothing to prepare."""

    def check(self, result: RowResult, key: str, row: int) -> str:
        """Default: no problems added, nothing more to sign."""
        return ""

    def after_sync(self, changed: bool) -> None:
        """Default: nothing follows the sheet."""

    def key_for(self, data: dict[str, str]) -> tuple[str, str, int] | None:
        """Default: the next number of the form's series."""
        return None

    def immutable(self, record: Record) -> bool:
        """Default: an edit is taken (and restarts sign-off if it changed what was signed)."""
        return False

    def settled(self, record: Record) -> str | None:
        """Default: nothing depends on the record."""
        return None

    def on_tracking(self, record: Record, before: dict[str, str], after: dict[str, str]) -> list[str]:
        """Default: after-signing columns are only recorded."""
        return []

    def on_approved(self, record: Record) -> None:
        """Default: the route's own approval mail is all."""

    def on_rejected(self, record: Record, by: str, reason: str) -> None:
        """Default: the route's own rejection mail is all."""

    def guidance(self, record: Record) -> str | None:
        """Default: the form's workflow says what comes next."""
        return None

    def timers(self) -> None:
        """Default: no time-driven work."""

    def next_due(self) -> dt.datetime | None:
        """Default: nothing due sooner than the watcher's tick."""
        return None

    def finish(self) -> None:
        """Default: nothing to settle at the end of a pass."""

    def outputs(self) -> None:
        """Default: no generated sheets or reports."""


def cells_of(data: dict[str, str]) -> dict[str, str]:
    """The content cells as they read when last accepted (kept to put back an edit to an issued document)."""
    try:
        return dict(json.loads(data.get("_cells", "{}")))
    except ValueError:
        return {}


def check_amends(kind: Kind, result: RowResult, key: str, issued: Collection[str], problem: str,
                 field: str = "amends") -> Record | None:
    """An amendment row's 「修订原单」: the issued record of this form it changes, or a problem in the row.

    What purchase orders and customer orders share (one machinery, C2/O-rules): the original must be this
    form's, issued (binding), not closed or already superseded, and not the row itself. Once the amendment is
    issued its original is superseded, so the check stops then (that is the point of an amendment).
    """
    amends = str(result.values.get(field) or "").strip().upper()
    if not amends:
        return None
    result.values[field] = amends
    own = kind.store.record(key) if key else None
    if own is not None and own.form == kind.form.id and own.state in issued:
        return kind.store.record(amends)
    original = kind.store.record(amends)
    if original is None or original.form != kind.form.id or original.state not in issued \
            or original.state in ("closed", "superseded") or amends == key:
        result.problems.append(Problem(field, problem, {"order": amends, "contract": amends}))
        return None
    return original


def differences(kind: Kind, before: dict[str, str], after: dict[str, object]) -> list[tuple[str, str, str]]:
    """(label, was, now) for each signed field an amendment changes: what the row and the document say differs."""
    out: list[tuple[str, str, str]] = []
    for f in kind.form.fields:
        if not f.content or f.name in ("amends",) or f.type in ("signoff", "signature"):
            continue
        was, now = str(before.get(f.name) or ""), str(after.get(f.name) or "")
        if was.strip() != now.strip():
            out.append((kind.t.pick(f.label), was, now))
    return out


def amendment_key(kind: Kind, data: dict[str, str], field: str = "amends") -> tuple[str, str, int] | None:
    """An amendment is numbered after what it changes: PO-2026-0001-1, LC-2026-0003-2 …"""
    original = data.get(field, "")
    if not original:
        return None
    n = kind.store.next_number(original)
    return f"{original}-{n}", original, n
