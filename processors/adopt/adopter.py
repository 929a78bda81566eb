"""Decide each historic row of a sheet the way a pass decides a new row, but record it as the sheet shows it.

`Adopter` is the pass's own `Decider` with one step replaced: where a pass numbers
a valid new row and opens its route (a code hashed, a mail queued for every row:
100 s for 10k rows), adoption keeps the number the row carries, or gives the next
one after the highest of its series, and records the record directly in the state
its status (or its filled columns) shows, with one transition 接管 / adopted, the
sign-off cells as they stand, and nothing sent. Validation, the kind's checks, the
content hash, the savepoint per row, the owed cell writes and the row view are
the pass's, so the next pass finds every adopted row exactly as it would have
left it.
"""

from __future__ import annotations

from ..config import Person
from ..engine.decide import Decider
from ..engine.diff import Diff
from ..engine.rows import INVALID, cell_text, format_key
from ..forms.definition import FormDef, normalize_header
from ..forms.fields import is_blank
from ..forms.validate import RowResult, render_problems, summary_values
from ..i18n import Translator
from ..kinds import Kind
from ..sheets.base import SheetRow, Snapshot
from ..store.db import Record
from ..workspace import Workspace
from .derived import after_adopted

Key = tuple[str, str, int]   # (key, series, number)


def spellings(form: FormDef) -> dict[str, str]:
    """Every way a status column may name a state of this form, in either language, normalised like headers."""
    out: dict[str, str] = {}
    langs = [Translator("zh"), Translator("en")]
    for t in langs:
        out[normalize_header(t("status.invalid"))] = INVALID
        for step in form.route:
            for label in step.label.values():
                out[normalize_header(t("sign.state_awaiting", step=label))] = f"awaiting:{step.name}"
    for name, sdef in form.states.items():
        for text in (name, *sdef.label.values()):
            out[normalize_header(text)] = name
    if form.adopt is not None:
        for name, aliases in form.adopt.aliases.items():
            for text in aliases:
                out[normalize_header(text)] = name
    return out


def parse_key(form: FormDef, text: str) -> Key | None:
    """'PR-2026-7' -> ('PR-2026-0007', 'PR-2026', 7); an amendment 'LC-2026-0003-1' -> its own series."""
    parts = text.strip().upper().split("-")
    if len(parts) not in (3, 4) or parts[0] != form.prefix or not all(p.isdigit() for p in parts[1:]):
        return None
    if len(parts[1]) != 4:
        return None
    series = f"{parts[0]}-{parts[1]}"
    base = format_key(form, series, int(parts[2]))
    if len(parts) == 3:
        return base, series, int(parts[2])
    return f"{base}-{int(parts[3])}", base, int(parts[3])


def highest(form: FormDef, snap: Snapshot) -> dict[str, int]:
    """The highest number each series has in the sheet's key cells: new numbers come after it."""
    out: dict[str, int] = {}
    for row in snap.rows:
        parsed = parse_key(form, cell_text(row.values.get("key")))
        if parsed is not None and parsed[1].count("-") == 1:
            out[parsed[1]] = max(out.get(parsed[1], 0), parsed[2])
    return out


class Adopter(Decider):
    def __init__(self, ws: Workspace, form: FormDef, kind: Kind, diff: Diff, *, by: str, source: str) -> None:
        super().__init__(ws, form, kind, diff)
        assert form.adopt is not None
        self.adopt, self.by, self.source = form.adopt, by, source
        self.states = spellings(form)
        self.high = highest(form, diff.snap)
        self.claimed: dict[str, int] = {}          # key -> the row that took it in this run
        self.skipped: list[tuple[int, str]] = []   # (row, key) already sheetflow's: a change is the pass's
        self.signers: dict[str, Person | None] = {}   # sign-off cell -> the person it names

    def _row(self, i: int, row: SheetRow, fp: str, occ: int) -> None:
        text = cell_text(row.values.get("key"))
        target = f"fp:{fp}:{occ}"
        parsed = parse_key(self.form, text) if text else None
        key = parsed[0] if parsed else text
        known = self.store.record(key) if key else None
        if known is not None and known.form == self.form.id and known.file == self.file \
                and key not in self.claimed:
            self.skipped.append((row.number, key))
            return
        result, chash, blank = self.validated(i, row, key if known is None else "")
        if blank:
            self.show(row, fp, target, key="", state="", valid=False, message="", updated="")
            return
        state, why = self.state_of(row, result)
        reasons = [render_problems(self.form, result.problems, self.ws.t, self.ws.cfg)] if not result.ok else []
        reasons += [r for r in (self.key_problem(text, parsed, known), why) if r]
        if reasons:
            reasons.append(self.ws.t("adopt.fix_and_again"))   # its status stays as the sheet had it: the next
            self.show(row, fp, target, key=text, state=INVALID, valid=False, message=" ".join(reasons),
                      status=cell_text(row.values.get("status")))   # adopt reads it again once the row is fixed
            return
        data = summary_values(result.values)
        key, series, number = parsed or self.number(data)
        self.store.take_number(series, number)
        self.high[series] = max(self.high.get(series, 0), number)
        landed = key == text
        rid = self.store.insert_record(form=self.form.id, key=key, series=series, number=number, state="",
                                       data=data, content_hash=chash, message="", file=self.file, row=row.number,
                                       at=self.now, landed=landed)
        record = Record(id=rid, form=self.form.id, key=key, state="", data=data, content_hash=chash, message="",
                        file=self.file, row_hint=row.number, created_at=self.now, updated_at=self.now, landed=landed)
        stamps = self.record_as_shown(record, row, state, cell_text(row.values.get("status")))
        self.claimed[key] = row.number
        self.show(row, fp, target, key=key, state=record.state, valid=True, message=self.guidance(record),
                  updated=record.updated_at, extra=stamps, new_key="" if landed else key)

    def key_problem(self, text: str, parsed: Key | None, known: Record | None) -> str:
        t, label = self.ws.t, self.key_label()
        if not text:
            return ""
        if parsed is None:
            series = f"{self.form.prefix}-{self.ws.clock.today().year}"
            return t("adopt.key_foreign", key=text, label=label, pattern=format_key(self.form, series, 1))
        if parsed[0] in self.claimed:
            return t("row.duplicate_key", key=parsed[0], other=self.claimed[parsed[0]], label=label)
        if known is not None:
            return t("adopt.key_taken", key=parsed[0], file=known.file, row=known.row_hint or "?")
        if parsed[1].count("-") > 1:
            original = self.store.record(parsed[1])
            if original is None or original.form != self.form.id:
                return t("adopt.amends_unknown", key=parsed[0], original=parsed[1])
        return ""

    def state_of(self, row: SheetRow, result: RowResult) -> tuple[str, str]:
        """The state the row's status names, else the first filled column that shows one, else the form's default."""
        t = self.ws.t
        options = "、".join(self.life.label(s) for s in self.adopt.states)
        status = cell_text(row.values.get("status"))
        if status:
            state = self.states.get(normalize_header(status))
            if state is None:
                return "", t("adopt.status_unknown", status=status, options=options)
            if state not in self.adopt.states:
                return "", t("adopt.status_not_adoptable", status=status, options=options)
            return state, ""
        for name, state in self.adopt.filled:
            if not is_blank(result.values.get(name)):
                return state, ""
        if self.adopt.blank:
            return self.adopt.blank, ""
        return "", t("adopt.status_blank", options=options)

    def number(self, data: dict[str, str]) -> Key:
        """A row without a number: an amendment's own (the kind says), else the next after the series' highest."""
        special = self.kind.key_for(data)
        if special is not None:
            return special
        year = self.ws.clock.today().year
        field = self.adopt.year_from
        if field and data.get(field, "")[:4].isdigit():
            year = int(data[field][:4])
        series = f"{self.form.prefix}-{year}"
        number = max(self.store.next_number(series), self.high.get(series, 0) + 1)
        return format_key(self.form, series, number), series, number

    def note(self, record: Record, state: str) -> str:
        """What the history adds for this form (a historic order's lines: why R6's plan was not asked for)."""
        return ""

    def record_as_shown(self, record: Record, row: SheetRow, state: str, status: str) -> dict[str, str]:
        """One transition 接管 / adopted; the sign-off cells kept as the route's stamps of its first version, so a
        later pass reads them as signed; then what the kind keeps for a record in that state (a lease's bills).
        Returns the stamps, as `Lifecycle.stamps` would read them back."""
        version = 1 if self.form.route else 0
        reason = self.ws.t("adopt.transition", file=self.source, row=row.number, status=status or "-")
        note = self.note(record, state)
        reason = f"{reason} {note}" if note else reason
        self.store.transition(record, state, actor=self.by, reason=reason, at=self.now, route_version=version)
        stamps: dict[str, str] = {}
        for step in self.form.route:
            stamp = cell_text(row.values.get(step.column)) if step.column in self.snap.columns else ""
            stamps[step.column] = stamp
            if not stamp:
                continue
            if stamp not in self.signers:      # a historic sheet repeats the same few sign-offs
                self.signers[stamp] = _signer(self.ws, stamp)
            who = self.signers[stamp]
            self.store.add_signoff(record_id=record.id, step=step.name, version=version,
                                   action="reject" if stamp.startswith("✘") else "approve",
                                   person=who.id if who else "", on_behalf_of=None, reason="",
                                   content_hash=record.content_hash, stamp=stamp, at=self.now)
        after_adopted(self.ws, self.form, record)
        return stamps


def _signer(ws: Workspace, stamp: str) -> Person | None:
    """The person a historic sign-off cell names (its first word that is someone's name), if any."""
    for word in stamp.replace("✔", " ").replace("✘", " ").split():
        person = ws.cfg.find_person(word)
        if person is not None:
            return person
    return None
