"""What happens to a record as its row changes: one interface whether or not the form has a route.

sync.py decides which rows changed and what they contain; this decides what a
valid edit, a fix or an untouched row means for the record's state, and what the
row should say next.
"""

from __future__ import annotations

from ..forms.definition import FormDef
from ..store.db import Record
from ..workspace import Workspace
from .route import AWAITING, REJECTED, CellReview, Route, RouteEvents

INVALID = "invalid"


class Lifecycle:
    def __init__(self, ws: Workspace, form: FormDef, events: RouteEvents | None = None) -> None:
        """`events`: the form's kind, told when the route ends (None where nothing can end: labels, guidance)."""
        self.ws, self.form, self.t = ws, form, ws.t
        self.route = Route(ws, form, events) if form.route else None
        self.events = events

    def sign_columns(self) -> list[str]:
        return [s.column for s in self.form.route]

    def initial_state(self, data: dict[str, str]) -> str:
        return self.route.first_state(data) if self.route else self.form.on_valid

    def label(self, state: str) -> str:
        if state == INVALID:
            return self.t("status.invalid")
        if self.route:
            return self.route.state_label(state)
        sdef = self.form.states.get(state)
        return self.t.pick(sdef.label) if sdef else state

    def guidance(self, state: str, data: dict[str, str]) -> str:
        if self.route:
            return self.route.guidance(state, data, self.ws.clock.today())
        sdef = self.form.states.get(state)
        return self.t.pick(sdef.next) if sdef and sdef.next else ""

    def stamps(self, record: Record) -> dict[str, str]:
        """Every sign-off column with what it should show ('' where nobody has signed this version)."""
        if not self.route:
            return {}
        shown = self.route.stamps(record)
        return {col: shown.get(col, "") for col in self.sign_columns()}

    def on_new(self, record: Record, actor: str, reason: str) -> None:
        """A new record was numbered (inside the write-back transaction)."""
        if self.route:
            self.route.start(record, actor, reason)
        else:
            self._transition(record, self.form.on_valid, actor, reason)
            self._valid(record)

    def on_edit(self, record: Record, was_invalid: bool, actor: str) -> str:
        """The record's content changed and is valid (or was invalid and is fixed); returns a note for the row."""
        if self.route:
            signed = bool(self.route.signoffs(record))
            if was_invalid and not signed:
                self.route.start(record, actor, self.t("transition.revalidated"))
            else:
                self.route.restart(record, self.t("sign.content_changed"))
            notes = [self.t("sign.content_changed") if signed else "", self.route.lock_note(record)]
            return " ".join(n for n in notes if n)   # a step locked after wrong codes stays locked
        new_state = self.form.on_valid if was_invalid else record.state
        self._transition(record, new_state, actor,
                         self.t("transition.revalidated" if was_invalid else "transition.edited"))
        if was_invalid:
            self._valid(record)
        return ""

    def _valid(self, record: Record) -> None:
        """A form without a route: valid is as approved as it gets (the kind's on_approved, as the contract says)."""
        if self.events is not None:
            fresh = self.ws.store.record(record.key)
            self.events.on_approved(fresh if fresh is not None else record)

    def on_invalid(self, record: Record) -> None:
        if self.route:
            self.route.void_codes(record)

    def on_unchanged(self, record: Record, cells: dict[str, str], actor: str) -> CellReview:
        """Content as signed: look at the sign-off cells (a code typed, a stamp touched, a resubmission)."""
        if not self.route:
            return CellReview()
        if not self.route.is_route_state(record.state):
            # Signed off before this form had a route (or by an older version): start it now.
            self.route.start(record, actor, self.t("sign.route_added"))
            return CellReview(cells=self.stamps(record))
        review = self.route.review(record, cells)
        if review.restart:
            self.route.start(record, actor, self.t("sign.resubmitted"))
            review.cells = self.stamps(record)
        return review

    def _transition(self, record: Record, state: str, actor: str, reason: str) -> None:
        at = self.ws.clock.now().isoformat(timespec="seconds")
        self.ws.store.transition(record, state, actor=actor, reason=reason, at=at)


__all__ = ["AWAITING", "INVALID", "REJECTED", "Lifecycle"]
