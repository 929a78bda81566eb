"""Field types: each converts a raw cell value or fails with a Problem (like click's ParamType).

Raw values come from the backend as calamine gives them: '' for empty, str, float
(numbers, even whole ones), bool, date or datetime. Problems carry a message key
and parameters; the language is chosen only when the message is rendered.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from ..config import Config, Person
from .definition import FieldDef, normalize_header


@dataclass
class Problem(Exception):
    """Why one field of a row is not acceptable; rendered in the workspace language later."""

    field: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)


def is_blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def display(raw: object) -> str:
    """How a raw value is quoted back to the user in a message."""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, dt.datetime):
        return raw.strftime("%Y-%m-%d %H:%M")
    if isinstance(raw, dt.date):
        return raw.isoformat()
    text = str(raw).strip()
    return text if len(text) <= 40 else text[:39] + "…"


def _text(raw: object) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, dt.datetime):
        return raw.isoformat(sep=" ")
    if isinstance(raw, dt.date):
        return raw.isoformat()
    return str(raw).strip()


Converter = Callable[[FieldDef, object, Config], Any]
_CONVERTERS: dict[str, Converter] = {}


def converter(name: str) -> Callable[[Converter], Converter]:
    def register(fn: Converter) -> Converter:
        _CONVERTERS[name] = fn
        return fn
    return register


def convert(fdef: FieldDef, raw: object, cfg: Config) -> Any:
    """Return the typed value, or raise Problem. Blank input returns None."""
    if is_blank(raw):
        return None
    return _CONVERTERS[fdef.type](fdef, raw, cfg)


@converter("text")
def _convert_text(fdef: FieldDef, raw: object, cfg: Config) -> str:
    text = _text(raw)
    if fdef.max_length and len(text) > fdef.max_length:
        raise Problem(fdef.name, "too_long", {"length": len(text), "max": fdef.max_length})
    return text


_TOO_BIG = Decimal(10) ** 15  # beyond any quantity or price; also keeps Decimal within its precision
_NUMBER_JUNK = re.compile(r"[,，\s¥￥元]|RMB|CNY", re.IGNORECASE)


def _decimal(fdef: FieldDef, raw: object, decimals: int | None) -> Decimal:
    if isinstance(raw, (bool, dt.date)):
        raise Problem(fdef.name, "not_a_number", {"value": display(raw)})
    if isinstance(raw, int | float):
        # repr gives the shortest text that round-trips: 0.1 stays 0.1, not 0.1000000000000000055.
        value = Decimal(repr(float(raw)))
    else:
        text = _NUMBER_JUNK.sub("", unicodedata.normalize("NFKC", str(raw)))
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise Problem(fdef.name, "not_a_number", {"value": display(raw)}) from None
        if not value.is_finite():
            raise Problem(fdef.name, "not_a_number", {"value": display(raw)})
    if abs(value) >= _TOO_BIG:
        raise Problem(fdef.name, "too_big", {"value": display(raw)})
    if value == value.to_integral_value():
        value = value.quantize(Decimal(1))
    if decimals is not None and -value.as_tuple().exponent > decimals:  # type: ignore[operator]
        raise Problem(fdef.name, "too_many_decimals", {"value": display(raw), "decimals": decimals})
    for key, bound in fdef.bounds.items():
        ok = {"gt": value > bound, "ge": value >= bound, "lt": value < bound, "le": value <= bound}[key]
        if not ok:
            raise Problem(fdef.name, f"not_{key}", {"value": display(raw), "bound": bound})
    return value


@converter("decimal")
def _convert_decimal(fdef: FieldDef, raw: object, cfg: Config) -> Decimal:
    return _decimal(fdef, raw, fdef.decimals)


@converter("money")
def _convert_money(fdef: FieldDef, raw: object, cfg: Config) -> Decimal:
    return _decimal(fdef, raw, 2 if fdef.decimals is None else fdef.decimals)


@converter("integer")
def _convert_integer(fdef: FieldDef, raw: object, cfg: Config) -> int:
    value = _decimal(fdef, raw, None)
    if value != value.to_integral_value():
        raise Problem(fdef.name, "not_an_integer", {"value": display(raw)})
    return int(value)


_DATE_PATTERNS = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T].*)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})[日号]?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]
# Excel's 1900 date system; serial numbers in this window are plausible dates (1954–2119).
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_SERIAL_RANGE = (20000, 80000)


@converter("date")
def _convert_date(fdef: FieldDef, raw: object, cfg: Config) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        if _SERIAL_RANGE[0] <= raw < _SERIAL_RANGE[1] + 1:   # a fraction is the time of day: Google's
            return _EXCEL_EPOCH + dt.timedelta(days=int(raw))  # UNFORMATTED_VALUE sends a date-time so
        raise Problem(fdef.name, "not_a_date", {"value": display(raw), "example": "2026-12-15"})
    text = unicodedata.normalize("NFKC", str(raw)).strip().replace(" ", "")
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            try:
                return dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                break
    raise Problem(fdef.name, "not_a_date", {"value": display(raw), "example": "2026-12-15"})


_MONTH_PATTERNS = [
    re.compile(r"^(\d{4})[-/.年](\d{1,2})月?(?:[-/.](\d{1,2})[日号]?)?(?:[ T].*)?$"),
    re.compile(r"^(\d{4})(\d{2})$"),
]


@converter("month")
def _convert_month(fdef: FieldDef, raw: object, cfg: Config) -> str:
    """A calendar month as "2026-12". Excel turns a typed 2026-12 into the date 2026-12-01, so a date (or its
    serial number) stands for its month; 2026年12月, 2026/12 and 202612 are read too."""
    if isinstance(raw, dt.date | int | float) and not isinstance(raw, bool):
        day = _convert_date(fdef, raw, cfg)
        return f"{day.year}-{day.month:02d}"
    text = unicodedata.normalize("NFKC", str(raw)).strip().replace(" ", "")
    for pattern in _MONTH_PATTERNS:
        m = pattern.match(text)
        if m and 1 <= int(m[2]) <= 12 and 1990 <= int(m[1]) <= 2200:
            return f"{int(m[1])}-{int(m[2]):02d}"
    raise Problem(fdef.name, "not_a_month", {"value": display(raw), "example": "2026-12"})


_DATETIME = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})[日号]?[ T]*(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?$")
_TIME = re.compile(r"^(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?$")


@converter("datetime")
def _convert_datetime(fdef: FieldDef, raw: object, cfg: Config) -> dt.datetime | dt.time:
    """A moment to the minute (a confirmation logged at 10:07). A time alone is taken as-is: the kind that
    reads it knows which day it belongs to (the day its clock ran), as staff type "10:07" on the day."""
    example = {"value": display(raw), "example": "2026-12-03 10:07"}
    if isinstance(raw, dt.datetime):
        return raw.replace(second=0, microsecond=0, tzinfo=None)
    if isinstance(raw, dt.time):
        return raw.replace(second=0, microsecond=0)
    if isinstance(raw, dt.date):
        raise Problem(fdef.name, "not_a_datetime", example)
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        if _SERIAL_RANGE[0] <= raw < _SERIAL_RANGE[1] + 1:
            moment = dt.datetime.combine(_EXCEL_EPOCH, dt.time()) + dt.timedelta(days=float(raw))
            return (moment + dt.timedelta(seconds=30)).replace(second=0, microsecond=0)
        if 0 <= raw < 1:   # a time of day as a fraction (Excel's and Google's serial time)
            minutes = round(float(raw) * 1440)
            return dt.time(min(minutes // 60, 23), minutes % 60)
        raise Problem(fdef.name, "not_a_datetime", example)
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    m = _DATETIME.match(text)
    try:
        if m:
            return dt.datetime(int(m[1]), int(m[2]), int(m[3]), int(m[4]), int(m[5]))
        m = _TIME.match(text)
        if m:
            return dt.time(int(m[1]), int(m[2]))
    except ValueError:
        pass
    raise Problem(fdef.name, "not_a_datetime", example)


def choice_options(fdef: FieldDef, cfg: Config, language: str) -> list[tuple[str, str]]:
    """(value, label) pairs, the label in the workspace language, as dropdowns show them."""
    if fdef.choices_from == "departments":
        return [(d, d) for d in cfg.departments]
    return [(c.value, c.labels.get(language) or c.labels.get("en") or c.value) for c in fdef.choices]


@converter("choice")
def _convert_choice(fdef: FieldDef, raw: object, cfg: Config) -> str:
    wanted = normalize_header(_text(raw))
    if fdef.choices_from == "departments":
        for dept in cfg.departments:
            if normalize_header(dept) == wanted:
                return dept
    for choice in fdef.choices:
        if wanted in choice.spellings():
            return choice.value
    raise Problem(fdef.name, "bad_choice", {"value": display(raw)})


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@converter("email")
def _convert_email(fdef: FieldDef, raw: object, cfg: Config) -> str:
    text = _text(raw)
    if not _EMAIL.match(text):
        raise Problem(fdef.name, "not_an_email", {"value": display(raw)})
    return text


@converter("signature")
def _convert_signature(fdef: FieldDef, raw: object, cfg: Config) -> Person:
    """A name counts as a signature when config.toml gives that person the field's role.

    (Issue 3 replaces this with one-time codes; a typed name proves little.)
    """
    text = _text(raw)
    role = fdef.role or ""
    person = cfg.find_person(text, role)
    if person is None:
        holders = cfg.people_with_role(role)
        if not holders:
            raise Problem(fdef.name, "no_role_holder", {"value": display(raw), "role": role})
        raise Problem(fdef.name, "unknown_person", {
            "value": display(raw), "role": role, "people": "、".join(p.name for p in holders[:6])})
    return person
