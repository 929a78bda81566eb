"""Where a new form sheet puts its columns, what it freezes, and where its printed pages break.

The outcome of a row must be in sight when the person saves it: so a new sheet
starts with the record's number, its status and the system's message (frozen,
with the header row), then the staff's columns in the form's order, the
sign-off columns among them as declared, and last the columns nobody needs at
a glance (the time of the last update). sheetflow finds every column by its
header (grid.find_header), so a workbook laid out before keeps working as it
is; only new workbooks and new Google tabs get this order.

Printing: a form is wider than a page at any legible size, so instead of
shrinking it onto one page (28 columns at 3 pt) the sheet prints at a fixed
scale with manual column breaks. Page one holds the number, status, message
and the first staff columns; the rest follow, each page repeating the header
row and the number column, in "over, then down" order so one block of rows
reads across consecutive pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..forms.definition import FormDef
from ..i18n import Translator
from .textfit import char_width

#: system columns that stand first in a new sheet, frozen
LEAD_ROLES = ("key", "status", "message")
#: roles whose cells wrap: a status can be longer than its column, a message always is
WRAPPED_ROLES = ("status", "message")

# Printing on A4 landscape at a fixed scale: the smallest text sheetflow writes is 11 pt, 8.25 pt printed.
FONT_SIZE = 11.0
PRINT_SCALE = 75
PAGE_WIDTH_PT = 842.0                         # A4 landscape
MARGIN_SIDE_IN, MARGIN_TOP_IN = 0.3, 0.5
#: a width unit printed at 100 %: the digit width of the widest default face involved (DejaVu Sans, which
#: LibreOffice uses for Latin text when Microsoft YaHei is missing, 0.636 em of 11 pt)
UNIT_PT = 7.0
#: share of the printable width the columns may fill: programs round column widths their own way
PAGE_FILL = 0.97


@dataclass(frozen=True)
class Column:
    name: str        # a field's name or a system column's role
    header: str
    width: float
    kind: str        # "system", "field" or "signoff"


def fit_width(width: float, label: dict[str, str]) -> float:
    """Wide enough that the header wraps into its Chinese and English words, never inside one."""
    words = [label.get("zh", ""), *label.get("en", "").split()]
    longest = max(sum(char_width(ch) for ch in w) for w in words)
    return max(width, round(longest + 1.5, 1))


def new_sheet_columns(form: FormDef) -> list[Column]:
    """The columns of a new sheet for `form`, left to right."""
    system = {c.role: c for c in form.system}
    lead = [system[r] for r in LEAD_ROLES if r in system]
    tail = [c for c in form.system if c.role not in LEAD_ROLES]
    cols = [Column(c.role, c.header(), fit_width(c.width, c.label), "system") for c in lead]
    cols += [Column(f.name, f.header(), fit_width(f.width, f.label), "signoff" if f.type == "signoff" else "field")
             for f in form.fields]
    cols += [Column(c.role, c.header(), fit_width(c.width, c.label), "system") for c in tail]
    return cols


def frozen_columns(order: Sequence[str]) -> int:
    """How many leading columns to freeze: the system columns standing first (none in an older layout)."""
    count = 0
    for name in order:
        if name not in LEAD_ROLES:
            break
        count += 1
    return count


def page_capacity(scale: int = PRINT_SCALE) -> float:
    """Column-width units that fit across one printed page."""
    printable = PAGE_WIDTH_PT - 2 * 72 * MARGIN_SIDE_IN
    return printable * PAGE_FILL / (UNIT_PT * scale / 100)


def column_breaks(widths: Sequence[float], repeat: int = 1, scale: int = PRINT_SCALE) -> list[int]:
    """1-based columns after which a new page starts, filling each page from the left.

    Every page after the first also prints the first `repeat` columns again (the number), so it has less room.
    """
    room = page_capacity(scale)
    repeated = sum(widths[:repeat])
    breaks: list[int] = []
    used = 0.0
    for col, width in enumerate(widths, start=1):
        if used and used + width > room:
            breaks.append(col - 1)
            used = repeated
        used += width
    return breaks


def header_note(required: bool, help_text: dict[str, str], t: Translator) -> str:
    """A header's note: whether the column is required, and its help in both languages."""
    parts = []
    if required:
        parts.append("必填 Required")
    if help_text:
        parts.append(" / ".join(v for v in (help_text.get("zh"), help_text.get("en")) if v))
    return "\n".join(parts)
