"""Replay the recorded requests sheetflow could make on FakeGoogle, in recorded order, and compare the answers.

Each recorded session starts from a spreadsheet made as Google makes one (files.create: one tab "Sheet1",
1000 x 26, gid 0) under the recorded id, so the recorded paths work unchanged. Requests sheetflow never makes
are not replayed; once one of them changed the spreadsheet at Google (a values:append, a mergeCells ...), the
fake no longer holds what Google held, and the rest of that session is compared by shape only.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from google_fake import TOKEN, FakeGoogle

from .cassettes import Exchange, Session, sessions
from .listed import LISTED
from .shapes import Difference, compare

#: the API methods sheetflow calls, or whose answers have the shape of what it reads
REPLAYED = ("spreadsheets.get", "values.get", "values.batchGet", "values.update", "values.batchUpdate",
            "spreadsheets.batchUpdate", "files.get")
#: the spreadsheets.batchUpdate requests sheetflow sends (setup.py, tab_look.py)
OUR_BATCH_REQUESTS = frozenset({"addSheet", "updateSheetProperties", "updateCells", "setDataValidation",
                                "addProtectedRange", "updateProtectedRange", "repeatCell",
                                "updateDimensionProperties"})
#: not sheetflow's, but the fake applies them so that it stays in step with Google for what follows
APPLIED = ("values.clear", "values.batchClear")
APPLIED_BATCH_REQUESTS = frozenset({"deleteSheet"})
#: answered without changing the spreadsheet: skipping them keeps the fake in step
READ_ONLY = frozenset({"files.list", "files.export", "comments.list", "files.delete"})


@dataclass
class Outcome:
    exchange: Exchange
    replayed: bool
    in_step: bool                       # the fake held what Google held when this was sent
    fake_status: int | None = None
    fake_answer: Any = None
    differences: list[Difference] = field(default_factory=list)
    why_not: str = ""                   # for one not replayed: which API method or request kind


def ours(ex: Exchange) -> str:
    """'' if sheetflow could send this request; else why it could not (the reason it is not replayed)."""
    if ex.api not in REPLAYED and ex.api not in APPLIED:
        return ex.api
    if ex.api == "spreadsheets.batchUpdate":
        kinds = ex.batch_kinds()
        others = sorted(set(kinds) - OUR_BATCH_REQUESTS - APPLIED_BATCH_REQUESTS)
        if others:
            return "batchUpdate " + ",".join(others)
        for req in (ex.body or {}).get("requests", []):
            usp = req.get("updateSheetProperties")
            if usp and not all(f.strip().startswith("gridProperties") or f.strip() == "title"
                               for f in str(usp.get("fields", "")).split(",")):
                return f"batchUpdate updateSheetProperties fields={usp.get('fields')}"
    return ""


def send(fake: FakeGoogle, ex: Exchange) -> tuple[int, Any]:
    """The recorded request, byte for byte in path, query and body, sent to the fake with its token."""
    parts = urlsplit(ex.url)
    url = fake.base_url + parts.path + (f"?{parts.query}" if parts.query else "")
    data = json.dumps(ex.body).encode() if ex.body is not None else None
    headers = {"Authorization": f"Bearer {TOKEN}"}
    if data is not None:
        headers["Content-Type"] = "application/json"
    resp = requests.request(ex.method, url, data=data, headers=headers, timeout=30,
                            proxies={"http": "", "https": ""})
    try:
        return resp.status_code, resp.json()
    except ValueError:
        return resp.status_code, None


def replay_session(fake: FakeGoogle, session: Session) -> Iterator[Outcome]:
    in_step = True
    for ex in session.exchanges:
        if ex.status == 403 and ex.spreadsheet_id and ex.spreadsheet_id not in fake._books:
            # a file that exists at Google but was never shared with the recording account
            fake.create_spreadsheet("private", spreadsheet_id=ex.spreadsheet_id, shared=False)
        if ex.api == "files.create":
            if ex.status == 200 and session.spreadsheet_id:
                fake.create_spreadsheet(session.title, spreadsheet_id=session.spreadsheet_id)
            continue
        why = ours(ex)
        if why and ex.status < 400:     # a request Google refused changed nothing: replayed for its error body
            if ex.api not in READ_ONLY:
                in_step = False
            yield Outcome(ex, replayed=False, in_step=in_step, why_not=why)
            continue
        status, answer = send(fake, ex)
        diffs = compare(ex.answer, answer, values=in_step) if ex.answer is not None or answer is not None else []
        if status != ex.status:
            diffs.insert(0, Difference("HTTP status", "value", str(ex.status), str(status)))
            if ex.status < 400:
                in_step = False     # Google did it and the fake did not: the two part ways here
        yield Outcome(ex, replayed=True, in_step=in_step, fake_status=status, fake_answer=answer,
                      differences=diffs)


def replay_all() -> list[Outcome]:
    with FakeGoogle() as fake:
        return [o for s in sessions() for o in replay_session(fake, s)]


@dataclass
class Tally:
    """Per API method: how much of the recorded traffic was held against the fake, and how it came out."""

    recorded: int = 0
    replayed: int = 0
    in_step: int = 0            # compared field by field and value by value
    alike: int = 0              # of those, no difference at all
    alike_but_listed: int = 0   # no difference but those listed.py gives a reason for
    shape_only: int = 0         # replayed after the fake had parted ways with Google: not compared


def tally(outcomes: list[Outcome]) -> dict[str, Tally]:
    out: dict[str, Tally] = {}
    for o in outcomes:
        t = out.setdefault(o.exchange.api, Tally())
        t.recorded += 1
        if not o.replayed:
            continue
        t.replayed += 1
        if o.in_step:
            t.in_step += 1
            t.alike += not o.differences
            t.alike_but_listed += all((o.exchange.api, d.path, d.kind) in LISTED for d in o.differences)
        else:
            t.shape_only += 1
    return out
