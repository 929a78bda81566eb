"""The time as the workspace sees it, passed in so tests can fix it instead of patching."""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo


class Clock:
    def __init__(self, tz: ZoneInfo, fixed: dt.datetime | None = None) -> None:
        self.tz = tz
        self.fixed = fixed

    @classmethod
    def from_env(cls, tz: ZoneInfo) -> Clock:
        """SHEETFLOW_NOW=2026-11-29T10:32 pins the time for a run (examples, tests of the CLI)."""
        text = os.environ.get("SHEETFLOW_NOW")
        fixed = dt.datetime.fromisoformat(text).replace(tzinfo=tz) if text else None
        return cls(tz, fixed)

    def now(self) -> dt.datetime:
        return self.fixed if self.fixed else dt.datetime.now(self.tz)

    def today(self) -> dt.date:
        return self.now().date()

    def stamp(self) -> str:
        """What the 'updated' column shows: local time to the minute."""
        return self.now().strftime("%Y-%m-%d %H:%M")
