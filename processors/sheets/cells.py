"""One value into one openpyxl cell: text stays text, numbers and dates stay numbers and dates.

Why this exists: openpyxl makes a formula of any str that starts with "=" and an error
cell of "#N/A", so staff text copied into a workbook (an item, a tenant) came out live.
And text that a program shows as plain can still be evaluated one step later: a CSV
export (LibreOffice, Excel's "Save as CSV", a script) writes the bare text, and Excel,
WPS or LibreOffice opening that CSV runs a field starting with = + - @ (OWASP's "CSV
injection": `=HYPERLINK(...)`, a DDE `=cmd|'/c calc'!A1`).

Two ways in, for two kinds of workbook:

- `put_value`, for the workbooks sheetflow generates whole (output/): nobody types into
  them and sheetflow never reads them back, so the text itself is neutralised the way
  OWASP advises, with a leading apostrophe. Excel's quotePrefix style (what typing ' in
  a cell sets) alone would hide the apostrophe but lives only in the styles part: the CSV
  export drops it and the next program evaluates the bare text. So the apostrophe is part
  of the string and shows (`'=1+1`); that is the price of text that stays text everywhere.
- `put_text`, for the form workbooks staff fill (headers, sample rows): there the text is
  data sheetflow reads back, so it is kept exactly and only forced to be a string cell,
  with quotePrefix set where it starts like a formula so that editing it in Excel keeps it text.

Numbers go in as numbers and dates as date cells, each with a number format, so sums,
filters and sorting work and the look (thousands separators, two decimals for money) is
the format's, not a preformatted string's.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

# What a spreadsheet program or a CSV import may read as the start of a formula (OWASP), and, as a precaution
# beyond OWASP, their full-width forms that Chinese input methods type (NFKC, which some importers apply, turns
# them into the ASCII ones).
FORMULA_START = frozenset("=+-@\t\r＝＋－＠")
# Characters XML 1.0 cannot carry (openpyxl refuses them; a lone surrogate cannot even be saved as UTF-8):
# dropped, as xlsx_patch drops them.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

MONEY = "#,##0.00"
AREA = "#,##0.00"
COUNT = "0"
PERCENT = "0.0%"
DATE = "yyyy-mm-dd"
DATETIME = "yyyy-mm-dd hh:mm"
QUANTITY = "quantity"   # not an Excel format: whole numbers as "#,##0", others with up to three decimals
_WHOLE, _FRACTION = "#,##0", "#,##0.###"   # "#,##0.###" alone shows 5 as "5."


def looks_like_formula(text: str) -> bool:
    return text[:1] in FORMULA_START


def neutral_text(text: str) -> str:
    """Text no spreadsheet program or CSV import evaluates: a leading apostrophe where it starts like a formula."""
    text = _ILLEGAL.sub("", text)
    return "'" + text if looks_like_formula(text) else text


def put_value(cell: Any, value: object, number_format: str | None = None) -> None:
    """A generated workbook's cell: neutral text, a number (in `number_format`, or one fitting its type) or a date."""
    if value is None or value == "":
        cell.value = None
    elif isinstance(value, bool):   # before int, which it is to Python: a TRUE/FALSE cell, not 1/0
        cell.value = value
    elif isinstance(value, dt.datetime):
        cell.value = value.replace(tzinfo=None)
        cell.number_format = number_format or DATETIME
    elif isinstance(value, dt.date):
        cell.value = value
        cell.number_format = number_format or DATE
    elif isinstance(value, (int, float, Decimal)):
        cell.value = value
        cell.number_format = format_of(value, number_format)
    else:
        _string(cell, neutral_text(str(value)))


def put_text(cell: Any, value: object) -> None:
    """A staff workbook's cell written by sheetflow (a header, a sample row): a str stays that exact string."""
    if not isinstance(value, str):
        cell.value = value
        return
    text = _ILLEGAL.sub("", value)
    _string(cell, text)
    if looks_like_formula(text):
        cell.quotePrefix = True


def _string(cell: Any, text: str) -> None:
    cell.value = text
    cell.data_type = "s"   # openpyxl typed "=…" as a formula and "#N/A" as an error; this is a string


def format_of(value: int | float | Decimal, wanted: str | None) -> str:
    """The format a number is shown in: the column's, with QUANTITY resolved for this value."""
    fmt = wanted or (COUNT if isinstance(value, int) else QUANTITY)
    if fmt != QUANTITY:
        return fmt
    try:
        whole = value == int(value)
    except (ValueError, OverflowError):   # NaN, infinity: openpyxl leaves the cell empty anyway
        whole = False
    return _WHOLE if whole else _FRACTION


def as_date(text: str) -> dt.date | str:
    """An ISO date the store keeps as text, as a date for a date column; anything else is left as it was."""
    try:
        return dt.date.fromisoformat(text[:10]) if len(text) >= 10 else text
    except ValueError:
        return text
