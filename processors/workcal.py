"""The working calendar every deadline counts on: weekends, China's public holidays and make-up days, days off.

China's holidays and 调休 (weekend days worked to make a holiday longer) come from
`chinesecalendar`, which is updated each year when the State Council announces
them, rather than a hand-kept list. A year the library does not know yet is taken
from config ([calendar.years.2027]) and, failing that, as weekends alone; `status`
says so from December of the year before. The company's own days off come on top.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar

from .config_sales import CalendarSettings

LIBRARY, CONFIG, WEEKENDS = "library", "config", "weekends"


@lru_cache(maxsize=64)
def _library_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


class WorkCalendar:
    def __init__(self, settings: CalendarSettings, tz: ZoneInfo) -> None:
        self.settings, self.tz = settings, tz
        self._off = frozenset(settings.days_off)

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
            return bool(chinese_calendar.is_workday(day))
        if source == CONFIG:
            year = self.settings.years[day.year]
            if day in year.workdays:
                return True
            if day in year.holidays:
                return False
        return day.weekday() < 5

    def next_working_day(self, day: dt.date) -> dt.date:
        """The day itself when it is a working day, else the first one after it (a due date on a holiday)."""
        for _ in range(400):
            if self.is_working_day(day):
                return day
            day += dt.timedelta(days=1)
        return day

    def add_working_days(self, day: dt.date, count: int) -> dt.date:
        """`count` working days after (or, negative, before) `day`; 0 gives `day` moved onto a working day."""
        if count == 0:
            return self.next_working_day(day)
        step = dt.timedelta(days=1 if count > 0 else -1)
        left = abs(count)
        while left:
            day += step
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
        if not self.is_working_day(day):
            return []
        return [(dt.datetime.combine(day, a, self.tz), dt.datetime.combine(day, b, self.tz))
                for a, b in self.settings.working_hours]

    def is_open(self, moment: dt.datetime) -> bool:
        local = moment.astimezone(self.tz)
        return any(a <= local < b for a, b in self._spans(local.date()))

    def next_opening(self, moment: dt.datetime) -> dt.datetime:
        """`moment` itself while open, else when the next working span starts (the clock of a deadline starts then)."""
        local = moment.astimezone(self.tz)
        day = local.date()
        for _ in range(400):
            for a, b in self._spans(day):
                if local < b:
                    return max(a, local)
            day += dt.timedelta(days=1)
        return local

    def add_working_time(self, start: dt.datetime, delta: dt.timedelta) -> dt.datetime:
        """The moment `delta` of working time after `start` (time outside working hours does not count)."""
        moment, left = self.next_opening(start), delta
        for _ in range(5000):
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
        if end <= start:
            return dt.timedelta(0)
        total, day = dt.timedelta(0), start.astimezone(self.tz).date()
        last = end.astimezone(self.tz).date()
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
        years = [today.year] + ([today.year + 1] if today.month == 12 else [])
        return [y for y in years if self.source(y) == WEEKENDS]
