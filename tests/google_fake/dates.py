"""Dates as Google keeps them: a number of days since 1899-12-30 (a serial) with a date format on the cell.

Typed (USER_ENTERED) "2020-01-01" becomes 43831 and "1999-01-02" 36162, shown as typed (recorded:
WorksheetTest.test_get_all_values_date_time_render_options); a date-time keeps its time as the fraction of a
day. Reading it back: UNFORMATTED_VALUE with dateTimeRenderOption SERIAL_NUMBER gives the serial (fractional for
a date-time), FORMATTED_STRING or FORMATTED_VALUE the text.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

EPOCH = dt.datetime(1899, 12, 30)
_TYPED = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?")
DATE_PATTERN, DATE_TIME_PATTERN = "yyyy-mm-dd", "yyyy-mm-dd hh:mm:ss"


def parse_typed(text: str) -> tuple[float | int, dict[str, Any]] | None:
    """(serial, numberFormat) for a date or date-time typed as yyyy-mm-dd[ hh:mm[:ss]]; None for anything else."""
    m = _TYPED.fullmatch(text.strip())
    if m is None:
        return None
    y, mo, d, h, mi, sec = (int(g) if g else 0 for g in m.groups())
    try:
        when = dt.datetime(y, mo, d, h, mi, sec)
    except ValueError:
        return None
    days = (when - EPOCH).total_seconds() / 86400
    if m.group(4) is None:
        return int(days), {"type": "DATE", "pattern": DATE_PATTERN}
    return days, {"type": "DATE_TIME", "pattern": DATE_TIME_PATTERN}


def formatted(serial: float, number_format: dict[str, Any]) -> str:
    when = EPOCH + dt.timedelta(days=serial)
    if number_format.get("type") == "DATE_TIME":
        return when.strftime("%Y-%m-%d %H:%M:%S")
    return when.strftime("%Y-%m-%d")


def is_dated(number_format: dict[str, Any] | None) -> bool:
    return bool(number_format) and number_format.get("type") in ("DATE", "DATE_TIME", "TIME")  # type: ignore[union-attr]
