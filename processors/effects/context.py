"""A document's render context as JSON text and back, so the file can be made later from the stored row alone.

Plain JSON would turn Decimal("1.10") into 1.1 (an amount printed differently)
and dates into strings (a template formatting a date would fail), so those are
tagged: {"$decimal": "1.10"}, {"$date": "2026-11-29"}, {"$datetime": "…+08:00"}.
Dataclasses (a lease's schedule of Bills, its LeaseTerms) are stored in their
plain-dict form: a template reads `bill.amount` from a dict as from the object.
A user dict whose keys start with "$" is wrapped ({"$dict": …}) so it can never
be mistaken for a tag. Tuples come back as lists; a datetime keeps its UTC
offset (not its zone's name); anything else is refused when recorded, not when
the file is due.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

DECIMAL, DATE, DATETIME, DICT = "$decimal", "$date", "$datetime", "$dict"


class UnstorableContext(TypeError):
    """A context value with no faithful JSON form: a bug in the caller, found when the document is recorded."""


def dumps(context: Mapping[str, Any]) -> str:
    return json.dumps(_encode(context), ensure_ascii=False, allow_nan=False)


def loads(text: str) -> dict[str, Any]:
    value = _decode(json.loads(text))
    assert isinstance(value, dict)
    return value


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return {DECIMAL: str(value)}
    if isinstance(value, dt.datetime):        # before date: a datetime is a date too
        return {DATETIME: value.isoformat()}
    if isinstance(value, dt.date):
        return {DATE: value.isoformat()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _encode({f.name: getattr(value, f.name) for f in dataclasses.fields(value)})
    if isinstance(value, Mapping):
        if not all(isinstance(k, str) for k in value):
            raise UnstorableContext(f"document context: a mapping with non-text keys: {list(value)[:3]!r}")
        out = {k: _encode(v) for k, v in value.items()}
        return {DICT: out} if any(k.startswith("$") for k in out) else out
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    raise UnstorableContext(f"document context: cannot store a {type(value).__name__}: {value!r}")


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        (tag, inner), = value.items()
        if tag == DECIMAL:
            return Decimal(inner)
        if tag == DATE:
            return dt.date.fromisoformat(inner)
        if tag == DATETIME:
            return dt.datetime.fromisoformat(inner)
        if tag == DICT:
            return {k: _decode(v) for k, v in inner.items()}
    return {k: _decode(v) for k, v in value.items()}
