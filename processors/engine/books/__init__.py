"""Where sheets live: a local workbook, or a Google spreadsheet's tabs. One interface, one orchestrator.

A book is read as a whole (one file, or one values.batchGet for every tab) and
written as a whole (one rename, or one values.batchUpdate), so the orchestrator
in `processors.passes` runs the same steps for both: is anything new (a cheap
check), read, decide each tab, write what is owed, record how the book was left.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from ...errors import WorkbookError
from ...forms.definition import FormDef
from ...sheets.base import Snapshot
from ..report import FileReport


@dataclass
class Tab:
    form: FormDef
    label: str                  # how the store and messages name it: "sheets/采购申请.xlsx", "google:<id>/<tab>"
    report: FileReport


@dataclass
class Read:
    """What one read of a book gave: a snapshot per tab that could be read, a problem per tab that could not."""

    snaps: dict[str, Snapshot] = field(default_factory=dict)
    problems: dict[str, WorkbookError] = field(default_factory=dict)


class Book(Protocol):
    tabs: list[Tab]

    def unchanged(self) -> bool:
        """Nothing moved since our last pass left it (the cheap check an idle pass makes)."""

    def read(self) -> Read:
        """Every tab's rows; raises a WorkbookError when the book as a whole cannot be read."""

    def write(self, snaps: dict[str, Snapshot]) -> None:
        """Put every owed cell in place (resolved against the book as it is now), fill the tabs' reports,
        and record how the book was left; raises WorkbookChangedError when it moved under us."""

    def problem(self, exc: WorkbookError, *, final: bool, form_id: str | None = None) -> None:
        """Record that the book (or one tab of it, `form_id`) could not be used this pass."""
