"""How a sheet row reads as text and as a fingerprint: the vocabulary every stage of a pass shares."""

from __future__ import annotations

import datetime as dt

from ..config import Person
from ..fingerprint import fingerprint
from ..forms.definition import FormDef
from ..forms.validate import RowResult
from ..sheets.base import SheetRow, Snapshot
from ..store.audit import Who

INVALID = "invalid"


def row_names(snap: Snapshot) -> list[str]:
    return sorted(snap.columns)


def row_fingerprint(snap: Snapshot, row: SheetRow) -> str:
    return fingerprint(row.values, row_names(snap))


def signed_names(form: FormDef, snap: Snapshot) -> list[str]:
    """The cells a signature covers (the form's `signed` fields present in this sheet)."""
    return [f.name for f in form.signed_fields if f.name in snap.columns]


def user_names(form: FormDef, snap: Snapshot) -> list[str]:
    """Every cell staff own and sheetflow records: signed and free ones (sign-off cells are not content)."""
    return [f.name for f in form.content_fields if f.name in snap.columns]


def content_cells(form: FormDef, snap: Snapshot, row: SheetRow) -> dict[str, str]:
    """The signed cells as text: what an issued document's row is put back to."""
    return {name: content_text(row.values.get(name)) for name in signed_names(form, snap)}


def content_hash(form: FormDef, snap: Snapshot, row: SheetRow) -> str:
    """What a signature covers, by text, so a value put back as text (an issued order restored) reads the same."""
    return fingerprint(content_cells(form, snap, row), signed_names(form, snap))


def content_text(value: object) -> str:
    """A cell as text, the same whether it holds a date or number or the text of one."""
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return cell_text(value)


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def display_time(iso: str) -> str:
    """Store times are ISO with seconds; the sheet shows local time to the minute."""
    return iso[:16].replace("T", " ") if iso else ""


def series_of(form: FormDef, key: str) -> tuple[str, int] | None:
    """'PR-2026-0007' -> ('PR-2026', 7) when it belongs to this form's series."""
    parts = key.split("-")
    if len(parts) == 3 and parts[0] == form.prefix and parts[1].isdigit() and parts[2].isdigit():
        return f"{parts[0]}-{parts[1]}", int(parts[2])
    return None


def format_key(form: FormDef, series: str, number: int) -> str:
    return f"{series}-{number:0{form.digits}d}"


def actor_of(result: RowResult) -> str:
    """Who a row's history names: the person the row names (its applicant, buyer …), else the sheet."""
    for value in result.values.values():
        if isinstance(value, Person):
            return value.name
    return "sheet"


def who_of(snap: Snapshot, result: RowResult) -> Who:
    """Who the audit trail says changed a row: the backend's last modifier where it names one (Drive's, or the
    workbook's declared one), else the person the row names; the source says which, so nobody reads a
    declaration as proof."""
    by = snap.extra.get("modified_by")
    if isinstance(by, Who) and by.name:
        return by
    actor = actor_of(result)
    return Who(actor, "row") if actor != "sheet" else Who("", "unknown")
