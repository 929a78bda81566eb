"""One record's history as a person reads it: every field change and every state change, oldest first.

Field changes come from the audit table, state changes from `transitions` (where
they always were); both carry a time, so they merge by it, a record's creation
(its fields) before the state it was submitted into.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..errors import SheetflowError
from ..forms.definition import FormDef
from ..i18n import Translator
from ..store.audit import Change
from ..workflow.lifecycle import Lifecycle
from ..workspace import Workspace


class UnknownRecordError(SheetflowError):
    """No record has this key: the message says so (exit 1, as an unknown mail key does)."""


@dataclass(frozen=True)
class Entry:
    """One line of history: when, who (with the source marked), what, from, to, and why."""

    at: str
    who: str
    what: str
    old: str
    new: str
    why: str = ""


def when(at: str) -> str:
    return at[:19].replace("T", " ")


def who_text(t: Translator, name: str, source: str) -> str:
    """'张三（声明）' / 'Zhang San (declared)': the name with how far it can be trusted."""
    if source == "sheetflow":
        return t("audit.who_sheetflow")
    if not name or source == "unknown":
        return t("audit.who_unknown")
    return t(f"audit.source_{source}_who", name=name)


def field_label(t: Translator, form: FormDef | None, name: str) -> str:
    fdef = next((f for f in form.fields if f.name == name), None) if form else None
    return t.pick(fdef.label) if fdef is not None else name


def is_field(form: FormDef | None, name: str) -> bool:
    """A column of the form's sheet. The other keys are a kind's own bookkeeping (approved_at, the hours left
    shown …): kept like the rest, but shown only when asked for (--all), or an hourly countdown buries the edits."""
    return form is None or any(f.name == name for f in form.fields)


def value_text(t: Translator, value: str | None) -> str:
    return value if value else t("audit.empty")


def field_entry(ws: Workspace, change: Change) -> Entry:
    t, form = ws.t, ws.forms.get(change.form)
    return Entry(at=change.at, who=who_text(t, change.who, change.source),
                 what=field_label(t, form, change.field), old=value_text(t, change.old),
                 new=value_text(t, change.new))


def actor_text(t: Translator, actor: str) -> str:
    """A transition's actor: a person's name, or the system / the sheet itself."""
    if actor in ("system", "sheetflow"):
        return t("audit.who_sheetflow")
    if actor in ("sheet", ""):
        return t("audit.who_unknown")
    return actor   # as the state history names them: the submitter, or the holder of a sign-off code


def state_labeller(ws: Workspace, form_id: str) -> Callable[[str], str]:
    """States as the Status column shows them; a state the form no longer has (its route was changed since)
    keeps its stored name, so an old history still prints (A4: changes keep historical data usable)."""
    form = ws.forms.get(form_id)
    life = Lifecycle(ws, form) if form is not None else None

    def label(state: str) -> str:
        if not state:
            return ws.t("audit.empty")
        try:
            return life.label(state) if life is not None else state
        except (StopIteration, KeyError):
            return state
    return label


def history(ws: Workspace, key: str, *, facts: bool = False) -> tuple[list[Entry], int]:
    """Every change of one record, oldest first, and how many bookkeeping changes were left out (all of them
    shown with facts=True); raises UnknownRecordError when no record has the key."""
    record = ws.store.record(key)
    if record is None:
        raise UnknownRecordError(ws.t("audit.unknown_key", key=key))
    t, label = ws.t, state_labeller(ws, record.form)
    form = ws.forms.get(record.form)
    changes = ws.store.audit_of(key)
    shown = [c for c in changes if facts or is_field(form, c.field)]
    # the order they were written in: a field change after the transition written just before it
    timed: list[tuple[int, int, int, Entry]] = [(c.after, 1, i, field_entry(ws, c)) for i, c in enumerate(shown)]
    for tr in ws.store.transitions(key):
        timed.append((tr["id"], 0, 0, Entry(at=tr["at"], who=actor_text(t, tr["actor"]), what=t("audit.state"),
                                            old=label(tr["from_state"] or ""), new=label(tr["to_state"]),
                                            why=tr["reason"])))
    timed.sort(key=lambda e: (e[0], e[1], e[2]))
    return [e for *_, e in timed], len(changes) - len(shown)


def history_lines(ws: Workspace, key: str, *, facts: bool = False) -> list[str]:
    entries, hidden = history(ws, key, facts=facts)
    record = ws.store.record(key)
    assert record is not None
    form = ws.forms.get(record.form)
    lines = [ws.t("audit.history_title", key=key, form=ws.t.pick(form.title) if form else record.form,
                  count=len(entries))]
    for e in entries:
        line = ws.t("audit.history_line", at=when(e.at), who=e.who, what=e.what, old=e.old, new=e.new)
        lines.append(line + (ws.t("audit.history_why", why=e.why) if e.why else ""))
    if hidden:
        lines.append(ws.t("audit.history_hidden", count=hidden))
    return lines
