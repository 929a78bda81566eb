"""A live code typed into another record's row: it no longer signs anything, and its owner gets a fresh one.

Why: a wrong code stays in its cell (it is counted once, guessing.py), and the
sheet is shared. An approver who pastes the code of PR-0012 into PR-0013's row
has shown a valid code to everyone who opens the workbook, and that code would
still sign PR-0012 for whoever copies it first. So a code that matches nothing of
this step is checked against the live codes of the people who may sign it; a
match is voided, the cell cleared, and, where the other record is of the same
form, a fresh code goes to its addressee at once (another form's record: the
addressee asks for one there with “new code”; the row says so).

Cost: one scrypt per live code of those people (about 8 ms each), only for a
code that matched nothing here, at most `LIMIT` codes (the newest): a guesser is
stopped by the step's lock long before this adds up.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from ..config import Person
from ..forms.route_def import StepDef
from ..store.db import Record
from . import codes as codelib
from .signing import SignInput

if TYPE_CHECKING:
    from .route import CellReview, Route

LIMIT = 200


def misplaced(route: Route, record: Record, step: StepDef, entry: SignInput, typed: str, out: CellReview) -> bool:
    """True if the typed code was another record's live code (now voided, the row told); else False."""
    now = route._now()
    people = [signer.id for signer, _ in route.approvers(step, record.data, now.date())]
    at = now.isoformat(timespec="seconds")
    for row in route.store.open_codes_elsewhere(people, record.id, at, LIMIT):
        if not codelib.matches(entry.code, row["salt"], row["hash"]):
            continue
        route.store.void_code(row["id"], at)
        signer = route.cfg.person(row["person"])
        name = signer.name if signer else row["person"]
        other = route.store.record(row["record_key"])
        sent = other is not None and other.form == route.form.id and _fresh(route, other, row, signer)
        route.refuse(record, step, "misplaced_code", typed, out, restore="",
                     message="misplaced.refused_sent" if sent else "misplaced.refused_ask",
                     key=row["record_key"], name=name)
        return True
    return False


def _fresh(route: Route, other: Record, row: sqlite3.Row, signer: Person | None) -> bool:
    """A new code for the other record's step, to the same person, through the same route."""
    step_name = row["step"]
    if signer is None or other.route_version != row["version"] or other.state != f"awaiting:{step_name}":
        return False
    step = route.form.step(step_name)
    for who, behalf in route.approvers(step, other.data, route._now().date()):
        if who.id == signer.id:
            n = route.store.codes_sent(other.id, step.name, who.id)
            return bool(route.send_code(other, step, who, behalf, event=f"misplaced{n}"))
    return False
