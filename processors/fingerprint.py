"""Stable hashes of row contents, to tell changed rows from unchanged ones between passes."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping


def _canon(value: object) -> str:
    if value is None or value == "":
        return ""
    if type(value) is str:  # the common case first
        return "s:" + value
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
    """One hash call per row: this runs for every row of every read (50k rows in a big sheet)."""
    text = "\x1f".join(_canon(values.get(name, "")) for name in names)
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()
