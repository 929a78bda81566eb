"""Editor lock files: while one exists the workbook is open and must not be written.

Excel and WPS write `~$name.xlsx` (Office shortens long names by two leading
characters), LibreOffice `.~lock.name.xlsx#`, WPS on Linux `.~name.xlsx`.
"""

from __future__ import annotations

from pathlib import Path


def lock_names(name: str) -> list[str]:
    names = [f"~${name}", f".~lock.{name}#", f".~{name}"]
    if len(name) > 2:
        names.append(f"~${name[2:]}")
    return names


def find_lock(path: Path) -> Path | None:
    for candidate in lock_names(path.name):
        lock = path.with_name(candidate)
        if lock.exists():
            return lock
    return None


def is_lock_or_temp(name: str) -> bool:
    """Files the watcher must not treat as workbooks."""
    return (
        name.startswith(("~$", ".~lock.", ".~", "."))
        or name.endswith(("#", ".tmp", ".sheetflow-tmp", "~"))
    )


def workbook_for_lock(name: str) -> str | None:
    """The workbook a lock file belongs to (for re-trying writes when it disappears)."""
    if name.startswith(".~lock.") and name.endswith("#"):
        return name[len(".~lock."):-1]
    if name.startswith("~$"):
        return name[2:]
    if name.startswith(".~"):
        return name[2:]
    return None
