"""The working calendar every deadline counts on: weekends, China's public holidays and make-up days, days off.

China's holidays and 调休 (weekend days worked to make a holiday longer) come from
`chinesecalendar`, which is updated each year when the State Council announces
them, rather than a hand-kept list. A year the library does not know yet is taken
from config ([calendar.years.2027]) and, failing that, as weekends alone; `status`
says so from December of the year before. The company's own days off come on top.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar

from .config_sales import CalendarSettings

LIBRARY, CONFIG, WEEKENDS = "library", "config", "weekends"


_SEARCH_DAYS = 3660   # how far a search for a working day or span goes before giving up (ten years)


@lru_cache(maxsize=64)
def _library_knows(year: int) -> bool:
    """Asked of the library itself, not of a year range copied here, so a library update is picked up alone."""
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


class WorkCalendar:
    """One calendar for every deadline, so a reminder, a due date and the 10-minute rule agree on what a working
    day is. Nothing here raises for a year nobody knows: such a year is counted as weekends alone."""

    def __init__(self, settings: CalendarSettings, tz: ZoneInfo) -> None:
        self.settings, self.tz = settings, tz
        self._off = frozenset(settings.days_off)

    def _local(self, moment: dt.datetime) -> dt.datetime:
        """In the workspace's zone; a naive moment is taken as already local (not as the server's zone)."""
        return moment.replace(tzinfo=self.tz) if moment.tzinfo is None else moment.astimezone(self.tz)

    # -- days ---------------------------------------------------------------------------------------
    def source(self, year: int) -> str:
        """Where a year's holidays come from: the library, config, or nowhere (weekends alone)."""
        if _library_knows(year):
            return LIBRARY
        return CONFIG if year in self.settings.years else WEEKENDS

    def is_working_day(self, day: dt.date) -> bool:
        if day in self._off:
            return False
        source = self.source(day.year)
        if source == LIBRARY:
            try:
                return bool(chinese_calendar.is_workday(day))
            except NotImplementedError:   # a library whose data stops inside a year: config, then weekends
                source = CONFIG if day.year in self.settings.years else WEEKENDS
        if source == CONFIG:
            year = self.settings.years[day.year]
            if day in year.workdays:
                return True
            if day in year.holidays:
                return False
        return day.weekday() < 5

    def next_working_day(self, day: dt.date) -> dt.date:
        """The day itself when it is a working day, else the first one after it (a due date on a holiday)."""
        for _ in range(_SEARCH_DAYS):
            if self.is_working_day(day):
                return day
            day += dt.timedelta(days=1)
        return day

    def add_working_days(self, day: dt.date, count: int) -> dt.date:
        """`count` working days after (or, negative, before) `day`; 0 gives `day` moved onto a working day."""
        if count == 0:
            return self.next_working_day(day)
        step = dt.timedelta(days=1 if count > 0 else -1)
        left, walked = abs(count), 0
        while left and walked < _SEARCH_DAYS + abs(count) * 7:
            day += step
            walked += 1
            if self.is_working_day(day):
                left -= 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end` (negative when `end` is before `start`)."""
        if end < start:
            return -self.working_days_between(end, start)
        return sum(1 for i in range(1, (end - start).days + 1) if self.is_working_day(start + dt.timedelta(days=i)))

    # -- hours --------------------------------------------------------------------------------------
    def _spans(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        """The day's working spans as moments; a span "…-24:00" ends at the next midnight, not a microsecond before."""
        if not self.is_working_day(day):
            return []
        midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), self.tz)
        return [(dt.datetime.combine(day, a, self.tz),
                 midnight if b == dt.time.max else dt.datetime.combine(day, b, self.tz))
                for a, b in self.settings.working_hours]

    def is_open(self, moment: dt.datetime) -> bool:
        local = self._local(moment)
        return any(a <= local < b for a, b in self._spans(local.date()))

    def next_opening(self, moment: dt.datetime) -> dt.datetime:
        """`moment` itself while open, else when the next working span starts (the clock of a deadline starts then)."""
        local = self._local(moment)
        day = local.date()
        for _ in range(_SEARCH_DAYS):
            for a, b in self._spans(day):
                if local < b:
                    return max(a, local)
            day += dt.timedelta(days=1)
        return local

    def add_working_time(self, start: dt.datetime, delta: dt.timedelta) -> dt.datetime:
        """The moment `delta` of working time after `start` (time outside working hours does not count).

        A negative delta is a caller's mistake, refused rather than read as "before".
        """
        if delta < dt.timedelta(0):
            raise ValueError(f"add_working_time needs a delta of zero or more, got {delta}")
        moment, left = self.next_opening(start), delta
        for _ in range(_SEARCH_DAYS * 2):
            day = moment.date()
            for a, b in self._spans(day):
                if moment >= b:
                    continue
                moment = max(moment, a)
                if moment + left <= b:
                    return moment + left
                left -= b - moment
                moment = b
            moment = self.next_opening(dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), self.tz))
        return moment

    def working_time_between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """How much working time lies between two moments (zero when `end` is not after `start`)."""
        start, end = self._local(start), self._local(end)
        if end <= start:
            return dt.timedelta(0)
        total, day, last = dt.timedelta(0), start.date(), end.date()
        while day <= last:
            for a, b in self._spans(day):
                lo, hi = max(a, start), min(b, end)
                if hi > lo:
                    total += hi - lo
            day += dt.timedelta(days=1)
        return total

    # -- what status says ---------------------------------------------------------------------------
    def unknown_years(self, today: dt.date) -> list[int]:
        """This year, and from December on next year, when neither the library nor config knows its holidays."""
        return [y for y in self._years_ahead(today) if self.source(y) == WEEKENDS]

    def config_years(self, today: dt.date) -> list[int]:
        """Years from this one on whose holidays come from config.toml, so status can say the calendar uses them."""
        return sorted(y for y in self.settings.years if y >= today.year and self.source(y) == CONFIG)

    def stale_config_years(self) -> list[int]:
        """Years config.toml lists that the library now knows: config is not used for them and may be removed."""
        return sorted(y for y in self.settings.years if self.source(y) == LIBRARY)

    @staticmethod
    def _years_ahead(today: dt.date) -> list[int]:
        return [today.year] + ([today.year + 1] if today.month == 12 else [])


def status_lines(cal: WorkCalendar, t: Callable[..., str], today: dt.date) -> list[str]:
    """What `status` says about the calendar, so nobody learns in January from a late reminder that 2027's
    holidays were counted as working days: years nobody knows, years taken from config, config no longer used."""
    lines = [t("calendar.unknown_year", year=y) for y in cal.unknown_years(today)]
    for y in cal.config_years(today):
        days = cal.settings.years[y]
        lines.append(t("calendar.config_year", year=y, holidays=len(days.holidays), workdays=len(days.workdays)))
    lines += [t("calendar.stale_year", year=y) for y in cal.stale_config_years()]
    return [*lines, ""] if lines else []
