"""The kind contract: which hooks a form's kind may implement, when the engine calls each, and what each may change.

Two sets of hooks, as pytest and datasette declare theirs with pluggy:

* `PluginHooks`, called once per process on every plugin (a module: one of the
  built-in families, or a company's package named by a `sheetflow` entry point):
  which kinds it provides.
* `KindHooks`, called per form on that form's kind (one object per form and
  engine stage, made by `kind_for`): the points of a pass at which the kind
  adds what the form's TOML cannot say.

A kind implements a `KindHooks` hook by defining a method of that name on its
`Kind` subclass (no marker needed, as pytest takes `pytest_*` functions); a
hook it leaves out answers the default given here. Arguments are passed by
name, so a method may take fewer of them than the spec, never others: pluggy
refuses it when sheetflow starts. A kind's method is its form's one
implementation, so it is never a wrapper.

"The store transaction" below is the one SQLite transaction in which a stage
records its decisions (`Store.transaction()`): what a hook changes inside it
(record states and data, history, mail queued) commits or rolls back together
with the rest of that stage. A hook called OUTSIDE it opens its own
transaction for what it writes.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from ..forms.validate import RowResult
    from ..store.db import Record
    from .base import Kind

PROJECT = "sheetflow"
#: The entry point group a package names its plugin module in (pyproject: [project.entry-points.sheetflow]).
ENTRY_POINT_GROUP = "sheetflow"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


class PluginHooks:
    """Hooks on plugin modules, called when the plugins are loaded (once per process, before any Workspace)."""

    @hookspec
    def sheetflow_kinds(self) -> dict[str, type[Kind]]:
        """The kinds this plugin provides: {name a form's `kind =` uses: Kind subclass}.

        Called once when sheetflow starts, outside any pass and any store. Must not
        touch a workspace. Every plugin's answer is merged; a name two plugins claim
        (or a built-in name) stops sheetflow at start, naming both.
        """
        raise NotImplementedError


class KindHooks:
    """Hooks on a form's kind, in the order a pass meets them. Results combine as each says."""

    @hookspec
    def prepare(self) -> None:
        """Before this form's sheet is read, in every round of a pass (Google: before its spreadsheet is checked).

        OUTSIDE the store transaction. May decide that rows read unchanged must be
        decided again because what they depend on changed (`Kind.recheck_when`, e.g.
        a plan when requests were approved). Must not change records. Every
        implementation runs; nothing is returned.
        """

    @hookspec
    def check(self, result: RowResult, key: str, row: int) -> str:
        """A changed, non-blank row was validated by the form's own rules: add what the TOML cannot check.

        INSIDE the store transaction of the sheet's sync, once per changed row
        (never for rows read unchanged), rows in sheet order. `result.values` are
        the typed cells and `result.problems` what the rules found (possibly
        already some); `key` is the row's number ("" when new) and `row` its row
        number, for messages. May append problems (`Kind.problem(...)`: they go
        into the row's message and the row is invalid), set derived values in
        `result.values` (kept with the record) and remember on the kind object
        what earlier rows of this sync claimed (it lives for one sync). Must not
        write the store: the row's decision is the engine's. Returns content the
        signature also covers beyond the row (an order's lines); every
        implementation's non-empty return is joined, "" means nothing more.
        """
        raise NotImplementedError

    @hookspec
    def after_sync(self, changed: bool) -> None:
        """After this form's sheet was synced without a problem, in each round (`changed` is True today).

        OUTSIDE the store transaction (the sync committed). May move its own or other
        forms' records on in a transaction of its own (an order's payment request
        once its delivery note is typed) and mark rows for rewriting. Every
        implementation runs; nothing is returned.
        """

    @hookspec(firstresult=True)
    def key_for(self, data: dict[str, str]) -> tuple[str, str, int] | None:
        """A new record is being numbered: its number when it is not the next of the form's series.

        INSIDE the store transaction that numbers records. `data` is the record as
        validated. Returns (key, series, number), e.g. an amendment's
        ("PO-2026-0001-1", "PO-2026-0001", 1) (`amendment_key`); may read the series
        counter, must not change records. The first implementation that returns
        something wins; None: the next number of the series.
        """
        raise NotImplementedError

    @hookspec
    def immutable(self, record: Record) -> bool:
        """A numbered row's signed content changed: is the record an issued document whose content is fixed?

        INSIDE the sync's store transaction, once per such row. True: the edit is
        put back, the row says to amend instead. Must not change anything (a
        question, asked again on every edit). True when any implementation says so.
        """
        raise NotImplementedError

    @hookspec(firstresult=True)
    def settled(self, record: Record) -> str | None:
        """A numbered row's signed content changed: do later records depend on it, so that it can no longer change?

        INSIDE the sync's store transaction, once per such row, beside `immutable`.
        Returns why, in the workspace language, e.g. "in approved plan PP-2026-0002":
        the engine puts the edit back with this text and nothing downstream is left
        pointing at a record gone back to step one. None: the record is free. Must
        not change anything. The first implementation that gives a reason wins.
        """
        raise NotImplementedError

    @hookspec
    def on_tracking(self, record: Record, before: dict[str, str], after: dict[str, str]) -> list[str]:
        """After-signing columns (content = false: received quantity, paid on …) of a valid record changed.

        INSIDE the sync's store transaction; `after` is already stored in
        `record.data`. May move this and related records on (states, data, mail
        queued), all within the transaction. Returns notes for the row's message;
        every implementation's notes are shown, in order.
        """
        raise NotImplementedError

    @hookspec
    def on_approved(self, record: Record) -> None:
        """The record's approval route ended in approval (or it has no route and became valid).

        INSIDE the store transaction that recorded the last sign-off (or the
        numbering). May change this and related records, issue documents and
        queue mail, each under a key of record and event so that a retried pass
        neither repeats nor loses it; all of it commits or rolls back with the
        approval. Every implementation runs; nothing is returned.
        """

    @hookspec
    def on_rejected(self, record: Record, by: str, reason: str) -> None:
        """The record's approval route ended in a rejection by `by` (a person's name) for `reason`.

        INSIDE the sync's store transaction that recorded the rejection. May change
        related records and queue mail (a tenant told the outcome). Every
        implementation runs; nothing is returned.
        """

    @hookspec(firstresult=True)
    def guidance(self, record: Record) -> str | None:
        """The row's message for what comes next, when the record's state is one the route does not know.

        INSIDE the sync's store transaction, once per changed row that is shown.
        Returns the text in the workspace language (delivery due, payment
        applied …); must not change anything. The first implementation that
        returns text wins; None: the workflow's own text for the state.
        """
        raise NotImplementedError

    @hookspec
    def timers(self) -> None:
        """Time-driven work, once per pass after the sheets were first read (reminders, overdue, rent due).

        INSIDE a store transaction of its own, opened by the engine for this kind's
        timers. May change records, queue mail and mark rows for rewriting (they
        are rewritten in the next round of the same pass). Every implementation
        runs; nothing is returned.
        """

    @hookspec
    def next_due(self) -> dt.datetime | None:
        """After this pass's timers: the earliest moment this kind's timers will next have work (aware datetime).

        OUTSIDE any store transaction; reads the store, changes nothing. `watch`
        runs the timers again at that moment, to the second, instead of waiting
        for its tick (a customer order's 10 working minutes, C1). None: nothing
        sooner than the tick. The earliest of every implementation's answer wins.
        """
        raise NotImplementedError

    @hookspec
    def finish(self) -> None:
        """Once at the end of a pass, after every sheet: settle what the pass's one write numbered (a payment).

        OUTSIDE the store transaction: opens its own. May change its own records.
        Every implementation of every kind finishes before any `outputs` runs.
        """

    @hookspec
    def outputs(self) -> None:
        """After every kind finished: rewrite the generated sheets and reports this form feeds, if they changed.

        OUTSIDE any store transaction; reads the store, writes only files it owns
        (in the output folder or a generated workbook), and only when
        `ws.generate_outputs` is true. Must not change records. Every
        implementation runs; nothing is returned.
        """


#: Hook names a kind may implement, as the per-form manager looks them up.
KIND_HOOKS: frozenset[str] = frozenset(n for n in vars(KindHooks) if not n.startswith("_"))
