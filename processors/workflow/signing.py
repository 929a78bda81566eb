"""Read what a person typed into a sign-off cell.

`同意 K7M3QX` / `approve K7M3QX` approves, `驳回 K7M3QX 理由` / `reject K7M3QX reason`
rejects, `验证码` / `new code` asks for a fresh code. Where a workspace turns codes
off, the approver's name (optionally after 同意/驳回) is the signature.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .codes import looks_like_code, normalize

APPROVE_WORDS = ("同意", "批准", "approve", "approved", "ok", "yes")
REJECT_WORDS = ("驳回", "不同意", "拒绝", "reject", "rejected", "no")
RENEW_WORDS = ("验证码", "新验证码", "重发验证码", "new code", "code", "resend")
STAMP_MARKS = ("✔", "✘")


@dataclass(frozen=True)
class SignInput:
    kind: str                 # empty | approve | reject | renew | stamp | name | unreadable
    code: str = ""
    reason: str = ""
    name: str = ""


def _split_word(text: str, words: tuple[str, ...]) -> str | None:
    """The rest of `text` if it starts with one of `words` (case-insensitive), else None."""
    low = text.casefold()
    for word in sorted(words, key=len, reverse=True):
        if low.startswith(word.casefold()):
            rest = text[len(word):]
            if not rest or not rest[0].isalnum() or not word.isascii():
                return rest.lstrip(" :：,，")
    return None


def _raw_reason(cell: str, normalized: str) -> str:
    """The reason as typed (full-width punctuation kept), when the cell reads "word code reason"."""
    parts = cell.strip().split(maxsplit=2)
    return parts[2].strip() if len(parts) == 3 and normalized else normalized


def parse(cell: str, codes: bool) -> SignInput:
    text = unicodedata.normalize("NFKC", cell).strip()
    if not text:
        return SignInput("empty")
    if text.startswith(STAMP_MARKS):
        return SignInput("stamp")
    if text.casefold() in (w.casefold() for w in RENEW_WORDS):
        return SignInput("renew")
    for kind, words in (("approve", APPROVE_WORDS), ("reject", REJECT_WORDS)):
        rest = _split_word(text, words)
        if rest is None:
            continue
        if not codes:
            name, _, reason = rest.partition(" ") if kind == "reject" else (rest, "", "")
            return SignInput(kind, name=name.strip(), reason=reason.strip())
        m = re.match(r"^([0-9A-Za-z\-]{6,8})\s*(.*)$", rest, re.S)
        if m and looks_like_code(m.group(1)):
            return SignInput(kind, code=normalize(m.group(1)), reason=_raw_reason(cell, m.group(2).strip()))
        return SignInput("unreadable")
    if not codes:
        return SignInput("approve", name=text)
    if looks_like_code(text):
        return SignInput("approve", code=normalize(text))
    return SignInput("name", name=text)
