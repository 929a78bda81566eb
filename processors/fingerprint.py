"""Stable hashes of row contents, to tell changed rows from unchanged ones between passes."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping


def fingerprint(values: Mapping[str, object], names: Iterable[str]) -> str:
    """One hash over the row's values in column order; this runs for every row of every read.

    repr() of str, float, bool and date values is stable across processes and
    versions; blank cells are '' from the reader and from our own writes alike.
    """
    text = repr(tuple(values.get(name, "") for name in names))
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()
