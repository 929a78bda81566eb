"""Stable hashes of row contents, to tell changed rows from unchanged ones between passes."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping


def _canon(value: object) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return f"b:{value}"
    if isinstance(value, float):
        return f"n:{value!r}"
    if isinstance(value, int):
        return f"n:{float(value)!r}"
    if isinstance(value, dt.datetime | dt.date | dt.time | dt.timedelta):
        return f"d:{value.isoformat() if hasattr(value, 'isoformat') else value}"
    return f"s:{value}"


def fingerprint(values: Mapping[str, object], names: Iterable[str]) -> str:
    h = hashlib.blake2b(digest_size=12)
    for name in names:
        h.update(name.encode())
        h.update(b"\x1f")
        h.update(_canon(values.get(name, "")).encode())
        h.update(b"\x1e")
    return h.hexdigest()
