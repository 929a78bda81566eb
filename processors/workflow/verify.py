"""Is the typed sign-off genuine? A one-time code (the default) or, codes off, an allowed name.

Each check either returns (signer, the absent holder they sign for) or records a
refusal, with its reason, in the row's review and the refusals table.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from ..config import Person
from ..forms.route_def import StepDef
from ..store.db import Record
from . import codes as codelib
from . import guessing
from .misplaced import misplaced
from .signing import SignInput

if TYPE_CHECKING:
    from .route import CellReview, Route


def check_name(self: Route, record: Record, step: StepDef, entry: SignInput, typed: str,
               out: CellReview) -> tuple[Person, Person | None] | None:
    """Codes off: the sheet's permissions vouch for who typed; the name must still be allowed to sign."""
    allowed = self.approvers(step, record.data, self._now().date())
    for signer, behalf in allowed:
        if signer.answers_to(entry.name):
            return signer, behalf
    person = self.cfg.find_person(entry.name)
    applicant = self.applicant(record.data)
    reason = "self_approval" if person is not None and person == applicant else \
        "no_role" if person is not None else "unknown_person"
    self.refuse(record, step, reason, typed, out, role=self.t(f"roles.{step.role}"),
                 names="、".join(p.name for p, _ in allowed) or "-")
    return None

def check_code(self: Route, record: Record, step: StepDef, entry: SignInput, typed: str,
               out: CellReview) -> tuple[Person, Person | None] | None:
    rows = self.store.codes_for(record.id, step.name)
    match = next((r for r in rows if codelib.matches(entry.code, r["salt"], r["hash"])), None)
    now = self._now()
    if match is None:
        if not misplaced(self, record, step, entry, typed, out):   # another record's live code: void it
            guessing.wrong_code(self, record, step, entry, typed, out)
        return None
    if match["used_at"]:
        self.refuse(record, step, "reused_code", typed, out)
    elif match["version"] != record.route_version or match["content_hash"] != record.content_hash:
        self.refuse(record, step, "other_content", typed, out)
    elif match["voided_at"]:
        self.refuse(record, step, "voided_code", typed, out)
    elif dt.datetime.fromisoformat(match["expires_at"]) < now:
        self.refuse(record, step, "expired_code", typed, out)
        signer, behalf = self.cfg.person(match["person"]), self.cfg.person(match["on_behalf_of"])
        if signer is not None:
            n = len(rows)
            self.send_code(record, step, signer, behalf, event=f"renew{n}")
    else:
        signer, behalf = self.cfg.person(match["person"]), self.cfg.person(match["on_behalf_of"])
        allowed = {p.id for p, _ in self.approvers(step, record.data, now.date())}
        if signer is None or signer.id not in allowed:
            self.refuse(record, step, "no_role", typed, out, role=self.t(f"roles.{step.role}"),
                         names="-")
            return None
        self.store.use_code(match["id"], now.isoformat(timespec="seconds"))
        return signer, behalf
    return None
