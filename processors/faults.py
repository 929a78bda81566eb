"""Named crash points, so tests can kill a real process at an exact step.

Set SHEETFLOW_CRASH_AT=<name> and the process exits hard (no cleanup, no
finally blocks, like a power cut) when it reaches that point. Unset, a point
costs one dictionary lookup.
"""

from __future__ import annotations

import os

CRASH_EXIT_CODE = 97


def point(name: str) -> None:
    if os.environ.get("SHEETFLOW_CRASH_AT") == name:
        os._exit(CRASH_EXIT_CODE)
