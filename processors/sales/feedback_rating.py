"""A feedback's rating (C5): read from its cell, and checked against the one-time code its outcome mail carried.

The customer is mailed the outcome with a short code; their reply ("满意 5 K7M3QX") is pasted or typed into the
rating column by staff. The code is kept as sign-off codes are (processors/store/codes.py: a salted hash, the code
itself only in the mail, masked in the outbox once sent), so a rating "by reply code" shows the customer answered
that mail, while a bare "4" is what staff entered from a call. A code is used once; wrong codes are counted, and
after `approvals.max_attempts` of them the codes are voided so the sheet cannot be used to guess one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass

from ..store.db import Record
from ..workflow import codes as codelib
from ..workspace import Workspace

STEP = "rating"                 # the codes table's step name for a feedback's rating code
VALID_DAYS = 30                 # a customer may take weeks to answer; after that staff enter what they said
BY_CODE, BY_ROW = "code", "row"
#: words customers answer with, when they give no number (longest first, so 非常满意 is not read as 满意)
WORDS = (("非常不满意", 1), ("very dissatisfied", 1), ("不满意", 2), ("dissatisfied", 2), ("非常满意", 5),
         ("very satisfied", 5), ("满意", 4), ("satisfied", 4), ("一般", 3), ("neutral", 3))
_SCORE = re.compile(r"(?<![0-9A-Za-z.])([1-5])(?:\s*(?:分|星|/\s*5|points?))?(?![0-9A-Za-z.])")
_TOKEN = re.compile(r"[0-9A-Za-z\-]{6,8}")


@dataclass(frozen=True)
class Rating:
    score: int | None           # 1–5, None when the text gives none
    code: str = ""              # the code typed with it (normalized), "" when none

    @property
    def readable(self) -> bool:
        return self.score is not None


def parse_rating(text: str) -> Rating:
    """What a person typed or pasted: a score 1–5 (a digit, or a word such as 满意), and perhaps a code."""
    plain = unicodedata.normalize("NFKC", text or "").strip()
    code = ""
    rest = plain
    for m in _TOKEN.finditer(plain):
        token = m.group(0)
        # a code as the mail prints it: upper case, or with a digit; "Thanks" is a word, not a code
        if codelib.looks_like_code(token) and not token.isdigit() and (token.isupper() or any(
                c.isdigit() for c in token)):
            code = codelib.normalize(token)
            rest = plain[:m.start()] + " " + plain[m.end():]
            break
    scores = {int(m.group(1)) for m in _SCORE.finditer(rest)}
    if len(scores) == 1:
        return Rating(scores.pop(), code)
    if scores:
        return Rating(None, code)            # "3 or 4": not a rating
    low = rest.casefold()
    for word, score in WORDS:
        if word in low:
            return Rating(score, code)
    return Rating(None, code)


def redacted(text: str, code: str) -> str:
    """What is kept of a typed reply: the code never (refusals are kept, codes are not)."""
    if not code:
        return text
    out = unicodedata.normalize("NFKC", text)
    for m in _TOKEN.finditer(out):
        if codelib.normalize(m.group(0)) == code:
            out = out[:m.start()] + "******" + out[m.end():]
            break
    return out


def issue_code(ws: Workspace, record: Record, email: str) -> tuple[str, str]:
    """A fresh rating code for the record's customer, kept as a hash; (code, expires as shown in the mail)."""
    now = ws.clock.now()
    expires = now + dt.timedelta(days=VALID_DAYS)
    code = codelib.new_code()
    salt, digest = codelib.new_hash(code)
    ws.store.add_code(record_id=record.id, step=STEP, version=record.route_version, person=f"customer:{email}",
                      on_behalf_of=None, content_hash=record.content_hash, salt=salt, digest=digest,
                      created_at=now.isoformat(timespec="seconds"), expires_at=expires.isoformat(timespec="seconds"))
    return code, expires.strftime("%Y-%m-%d")


def own_code_in(ws: Workspace, record: Record, rating: Rating, typed: str) -> Rating:
    """A reply whose code was typed in lower case and happens to hold no digit ("kmpqxz") reads as words to
    parse_rating; here a token that is this record's own code is taken as the code (a word never matches)."""
    if rating.code:
        return rating
    rows = ws.store.codes_for(record.id, STEP)
    for m in _TOKEN.finditer(unicodedata.normalize("NFKC", typed or "")):
        token = codelib.normalize(m.group(0))
        if codelib.looks_like_code(m.group(0)) and any(codelib.matches(token, r["salt"], r["hash"]) for r in rows):
            return Rating(rating.score, token)
    return rating


def check_code(ws: Workspace, record: Record, rating: Rating, typed: str) -> str:
    """'' when the code is this record's live rating code (and it is now used); else why not (a locale key)."""
    store, now = ws.store, ws.clock.now()
    at = now.isoformat(timespec="seconds")
    rows = store.codes_for(record.id, STEP)
    if not rows:
        return "feedback.code_none"
    match = next((r for r in rows if codelib.matches(rating.code, r["salt"], r["hash"])), None)
    if match is None:
        fingerprint = hashlib.blake2b(rating.code.encode(), key=bytes(record.id.to_bytes(8, "big")),
                                      digest_size=16).digest()
        if not store.typed_before(record.id, STEP, fingerprint):
            store.add_refusal(record_id=record.id, step=STEP, version=record.route_version, reason="wrong_code",
                              typed=redacted(typed, rating.code), at=at, fingerprint=fingerprint)
        if store.wrong_tries(record.id, STEP, record.route_version) >= ws.cfg.approvals.max_attempts:
            store.void_codes(record.id, at, STEP)
            store.add_refusal(record_id=record.id, step=STEP, version=record.route_version, reason="too_many_wrong",
                              typed="", at=at)
            return "feedback.code_locked"
        return "feedback.code_wrong"
    if match["used_at"]:
        return "feedback.code_used"
    if match["voided_at"]:
        return "feedback.code_voided"
    if dt.datetime.fromisoformat(match["expires_at"]) < now:
        return "feedback.code_expired"
    store.use_code(match["id"], at)
    return ""
