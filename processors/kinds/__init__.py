"""Behaviour a form adds beyond its TOML: the order documents, plans and lines (frappe's doctype controllers).

A form names its kind (`kind = "purchase_order"`); the engine calls the kind's
hooks at fixed points of a pass. A form without a kind gets `Kind`, whose hooks
do nothing, so the purchase request runs exactly as before.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..forms.definition import FormDef
    from ..forms.validate import RowResult
    from ..store.db import Record
    from ..workspace import Workspace

KINDS: dict[str, type[Kind]] = {}


def register(name: str) -> Any:
    def wrap(cls: type[Kind]) -> type[Kind]:
        KINDS[name] = cls
        return cls
    return wrap


class Kind:
    def __init__(self, ws: Workspace, form: FormDef) -> None:
        self.ws, self.form, self.t, self.store = ws, form, ws.t, ws.store

    def prepare(self) -> None:
        """Before this form's sheet is synced in a pass (a plan made from newly approved requests)."""

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

    def check(self, result: RowResult, key: str, row: int) -> str:
        """After the row's own validation: add problems or derived values; return extra content to sign."""
        return ""

    def after_sync(self, changed: bool) -> None:
        """After this form's sheet was synced (lines changed: their orders must be looked at again)."""

    def key_for(self, data: dict[str, str]) -> tuple[str, str, int] | None:
        """A number outside the form's series, as (key, series, number); None: the next of the series."""
        return None

    def immutable(self, record: Record) -> bool:
        """An issued document: an edit to its content is put back, never taken."""
        return False

    def settled(self, record: Record) -> str | None:
        """Why the record's signed content can no longer change because later records depend on it (in an
        approved plan, ordered, billed); None: it may change. The engine puts an edit back with this text."""
        return None

    def on_tracking(self, record: Record, before: dict[str, str], after: dict[str, str]) -> list[str]:
        """After-signing columns changed (received quantity, paid on …): move on; return notes for the row."""
        return []

    def on_approved(self, record: Record) -> None:
        """The approval route ended in approval (inside the pass's transaction)."""

    def on_rejected(self, record: Record, by: str, reason: str) -> None:
        """The approval route ended in a rejection (inside the pass's transaction)."""

    def guidance(self, record: Record) -> str | None:
        """The row's message for a state the route does not know (delivery, payment …); None: the default."""
        return None

    def timers(self) -> None:
        """Time-driven work once per pass: reminders before a due date, overdue notices, payments due."""

    def finish(self) -> None:
        """Once at the end of a pass: settle what the pass's one write numbered (a payment, a month's sales)."""

    def outputs(self) -> None:
        """After every kind finished: rewrite the generated sheets and reports this form feeds, if they changed."""


def kind_for(ws: Workspace, form: FormDef) -> Kind:
    if form.kind is None:
        return Kind(ws, form)
    _load_builtin()
    return KINDS[form.kind](ws, form)


def known_kinds() -> set[str]:
    _load_builtin()
    return set(KINDS)


def _load_builtin() -> None:
    from ..leases import fitout as _fitout  # noqa: F401  (registers fitout)
    from ..leases import kinds as _leases  # noqa: F401  (registers unit, lease, rent_payment)
    from ..leases import sales as _sales  # noqa: F401  (registers tenant_sales)
    from ..orders import kinds  # noqa: F401  (registers purchase_plan, order_line, purchase_order)


def cells_of(data: dict[str, str]) -> dict[str, str]:
    """The content cells as they read when last accepted (kept to put back an edit to an issued document)."""
    try:
        return dict(json.loads(data.get("_cells", "{}")))
    except ValueError:
        return {}


def amendment_key(kind: Kind, data: dict[str, str], field: str = "amends") -> tuple[str, str, int] | None:
    """An amendment is numbered after what it changes: PO-2026-0001-1, LC-2026-0003-2 …"""
    original = data.get(field, "")
    if not original:
        return None
    n = kind.store.next_number(original)
    return f"{original}-{n}", original, n
