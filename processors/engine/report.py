"""What a pass did, per workbook (or Google tab) and as a whole: what `run`, `watch` and the tests read."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import WorkbookError
from ..mail.sender import DeliveryReport
from ..sheets.google.pacing import QuotaUse


@dataclass
class RowOutcome:
    row: int
    valid: bool
    message: str
    key: str = ""
    new: bool = False
    state: str = ""


@dataclass
class SyncResult:
    """One sheet's decisions in one pass."""

    rows: int = 0
    changed: int = 0
    outcomes: list[RowOutcome] = field(default_factory=list)
    pending: int = 0
    numbered: list[tuple[int, str]] = field(default_factory=list)   # (row, key) of records numbered
    faults: int = 0                                                 # rows whose decision was rolled back


@dataclass
class FileReport:
    path: Path | None           # a local workbook; None for a Google tab (see label)
    form: str
    rows: int = 0
    changed: int = 0
    outcomes: list[RowOutcome] = field(default_factory=list)
    numbered: list[tuple[int, str]] = field(default_factory=list)
    written: int = 0
    waiting: int = 0
    lock: Path | None = None
    problem: WorkbookError | None = None
    skipped: bool = False
    label: str = ""             # how messages and the store name the source
    faults: int = 0
    stale: int = 0             # owed writes dropped: their rows changed again, decided afresh next pass

    @property
    def transient(self) -> bool:
        return self.problem is not None and self.problem.transient

    def took(self, result: SyncResult) -> None:
        self.rows, self.changed, self.outcomes = result.rows, result.changed, result.outcomes
        self.numbered, self.faults = result.numbered, result.faults


@dataclass
class PassReport:
    files: list[FileReport] = field(default_factory=list)
    mail: DeliveryReport | None = None
    quota: QuotaUse | None = None   # Google backend: requests this pass made, by kind
    faults: list[str] = field(default_factory=list)   # stages (a kind's hook, the mail) that failed, isolated

    @property
    def problems(self) -> list[FileReport]:
        return [f for f in self.files if f.problem is not None]

    def transient_paths(self) -> list[Path]:
        return [f.path for f in self.files if f.transient and f.path is not None]
