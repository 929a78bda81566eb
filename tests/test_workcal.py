"""The working calendar every deadline counts on: China's 2026 holidays and 调休 from chinesecalendar, the company's
days off, a year the library does not know yet (config, else weekends), what `status` says, reminders that wait.

The unknown year is found by asking the library, not written down, so these tests still hold after it learns 2027.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import chinese_calendar
import pytest
from approvals_helpers import mails_to
from conftest import BOOK, TZ, Book, good_row, run_cli

from processors.clock import Clock
from processors.config_sales import CalendarSettings
from processors.errors import ConfigError
from processors.init_workspace import init_workspace
from processors.passes import run_pass
from processors.status_view import render_status
from processors.workcal import CONFIG, LIBRARY, WEEKENDS, WorkCalendar
from processors.workflow.timers import reminder_schedule
from processors.workspace import Workspace

D, T = dt.date, dt.datetime
CAL = WorkCalendar(CalendarSettings(), TZ)          # the default hours: 09:00-12:00, 13:00-18:00
WANG, WU = "wangfang@example.com", "wujun@example.com"   # the department head and her superior
HOURS = 'working_hours = ["09:00-12:00", "13:00-18:00"]'


def _first_unknown_year() -> int:
    for year in range(2027, 2101):
        try:
            chinese_calendar.is_workday(D(year, 1, 4))
        except NotImplementedError:
            return year
    pytest.skip("chinesecalendar knows every year up to 2100", allow_module_level=True)


UNKNOWN = _first_unknown_year()


def _weekday(year: int, month: int, weekday: int) -> dt.date:
    """The first `weekday` (0 = Monday) of the month: holidays for the unknown year, whatever year that is."""
    day = D(year, month, 1)
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


UNKNOWN_HOLIDAY, UNKNOWN_WORKDAY = _weekday(UNKNOWN, 2, 0), _weekday(UNKNOWN, 2, 5)   # a Monday off, a Saturday on
UNKNOWN_YEAR_CONFIG = (f"[calendar.years.{UNKNOWN}]\nholidays = [{UNKNOWN}-01-01, {UNKNOWN_HOLIDAY}]\n"
                       f"workdays = [{UNKNOWN_WORKDAY}]")


def _calendar_ws(tmp_path: Path, old: str = "", new: str = "", extra: str = "") -> Workspace:
    """A real workspace whose config.toml has `old` replaced by `new` and `extra` appended."""
    root = tmp_path / "w"
    init_workspace(root)
    text = (root / "config.toml").read_text("utf-8")
    assert old in text
    (root / "config.toml").write_text(text.replace(old, new, 1) + "\n" + extra + "\n", "utf-8")
    return Workspace(root)


# -- days: 2026's Spring Festival and National Day weeks, as the library has them ----------------------------------
WORKING_DAYS = [
    (D(2026, 2, 13), True),     # Friday before the festival
    (D(2026, 2, 14), True),     # make-up Saturday
    *((D(2026, 2, d), False) for d in range(15, 24)),   # Spring Festival: Feb 15 (Sun) to Feb 23 (Mon)
    (D(2026, 2, 24), True),
    (D(2026, 2, 28), True),     # make-up Saturday
    (D(2026, 3, 1), False),     # a plain Sunday
    (D(2026, 9, 19), False),    # a plain Saturday
    (D(2026, 9, 20), True),     # make-up Sunday for National Day
    (D(2026, 9, 25), False),    # Mid-autumn Festival (Friday)
    *((D(2026, 10, d), False) for d in range(1, 8)),    # National Day: Oct 1 to Oct 7
    (D(2026, 10, 8), True),
    (D(2026, 10, 10), True),    # make-up Saturday
    (D(2026, 10, 11), False),
]


@pytest.mark.parametrize(("day", "working"), WORKING_DAYS)
def test_working_day_2026(day: dt.date, working: bool) -> None:
    assert CAL.source(day.year) == LIBRARY
    assert CAL.is_working_day(day) is working


@pytest.mark.parametrize(("day", "expected"), [
    (D(2026, 2, 14), D(2026, 2, 14)),     # a working day is its own
    (D(2026, 2, 15), D(2026, 2, 24)),     # rent due in the festival: the first day back
    (D(2026, 10, 1), D(2026, 10, 8)),
    (D(2026, 10, 11), D(2026, 10, 12)),
    (D(2026, 2, 27), D(2026, 2, 27)),
])
def test_next_working_day(day: dt.date, expected: dt.date) -> None:
    assert CAL.next_working_day(day) == expected


@pytest.mark.parametrize(("day", "count", "expected"), [
    (D(2026, 2, 13), 1, D(2026, 2, 14)),   # Friday → make-up Saturday
    (D(2026, 2, 14), 1, D(2026, 2, 24)),   # over the whole festival
    (D(2026, 2, 24), -1, D(2026, 2, 14)),  # and back
    (D(2026, 9, 30), 1, D(2026, 10, 8)),
    (D(2026, 10, 8), 2, D(2026, 10, 10)),  # Thursday, Friday, make-up Saturday
    (D(2026, 10, 1), 0, D(2026, 10, 8)),   # zero: moved onto a working day
    (D(2026, 9, 18), 1, D(2026, 9, 20)),   # Friday → make-up Sunday
])
def test_add_working_days(day: dt.date, count: int, expected: dt.date) -> None:
    assert CAL.add_working_days(day, count) == expected


@pytest.mark.parametrize(("start", "end", "expected"), [
    (D(2026, 2, 13), D(2026, 2, 24), 2),    # Feb 14 and Feb 24
    (D(2026, 9, 30), D(2026, 10, 12), 4),   # Oct 8, 9, 10 (Saturday), 12
    (D(2026, 10, 12), D(2026, 9, 30), -4),
    (D(2026, 3, 2), D(2026, 3, 2), 0),
])
def test_working_days_between(start: dt.date, end: dt.date, expected: int) -> None:
    assert CAL.working_days_between(start, end) == expected


# -- hours ----------------------------------------------------------------------------------------------------------
def _at(*parts: int) -> dt.datetime:
    return T(*parts, tzinfo=TZ)


TEN = dt.timedelta(minutes=10)
WORKING_TIME = [
    (_at(2026, 3, 2, 10, 0), TEN, _at(2026, 3, 2, 10, 10)),
    (_at(2026, 3, 2, 11, 55), TEN, _at(2026, 3, 2, 13, 5)),       # across lunch
    (_at(2026, 3, 2, 12, 30), TEN, _at(2026, 3, 2, 13, 10)),      # begun at lunch
    (_at(2026, 3, 2, 17, 55), TEN, _at(2026, 3, 3, 9, 5)),        # across the evening
    (_at(2026, 3, 2, 20, 0), TEN, _at(2026, 3, 3, 9, 10)),        # begun in the evening
    (_at(2026, 3, 2, 17, 55), dt.timedelta(minutes=5), _at(2026, 3, 2, 18, 0)),   # ends as the office closes
    (_at(2026, 3, 2, 9, 0), dt.timedelta(hours=8), _at(2026, 3, 2, 18, 0)),       # a whole day
    (_at(2026, 2, 13, 17, 55), TEN, _at(2026, 2, 14, 9, 5)),      # Friday → make-up Saturday
    (_at(2026, 2, 14, 17, 55), TEN, _at(2026, 2, 24, 9, 5)),      # last working day before Spring Festival
    (_at(2026, 2, 18, 3, 0), TEN, _at(2026, 2, 24, 9, 10)),       # begun in the festival
    (_at(2026, 9, 30, 17, 55), TEN, _at(2026, 10, 8, 9, 5)),      # over National Day
    (_at(2026, 10, 9, 17, 55), TEN, _at(2026, 10, 10, 9, 5)),     # into the make-up Saturday
    (_at(2026, 10, 10, 17, 55), TEN, _at(2026, 10, 12, 9, 5)),
    (_at(2026, 9, 24, 17, 0), dt.timedelta(hours=2), _at(2026, 9, 28, 10, 0)),    # over Mid-autumn
    (_at(2026, 10, 3, 3, 0), dt.timedelta(0), _at(2026, 10, 8, 9, 0)),            # zero: the next opening
    (T(2026, 3, 2, 1, 55, tzinfo=dt.UTC), TEN, _at(2026, 3, 2, 10, 5)),           # given in UTC (09:55 local)
]


@pytest.mark.parametrize(("start", "delta", "expected"), WORKING_TIME)
def test_add_working_time(start: dt.datetime, delta: dt.timedelta, expected: dt.datetime) -> None:
    assert CAL.add_working_time(start, delta) == expected


@pytest.mark.parametrize(("start", "delta", "end"), WORKING_TIME)
def test_working_time_between_undoes_add(start: dt.datetime, delta: dt.timedelta, end: dt.datetime) -> None:
    assert CAL.working_time_between(start, end) == delta


@pytest.mark.parametrize(("start", "end", "expected"), [
    (_at(2026, 2, 13, 17, 0), _at(2026, 2, 24, 10, 0), dt.timedelta(hours=10)),   # 1 h + a Saturday's 8 h + 1 h
    (_at(2026, 3, 2, 11, 0), _at(2026, 3, 2, 14, 0), dt.timedelta(hours=2)),
    (_at(2026, 10, 1, 0, 0), _at(2026, 10, 7, 23, 59), dt.timedelta(0)),          # the holiday week
    (_at(2026, 3, 2, 14, 0), _at(2026, 3, 2, 11, 0), dt.timedelta(0)),            # end before start
])
def test_working_time_between(start: dt.datetime, end: dt.datetime, expected: dt.timedelta) -> None:
    assert CAL.working_time_between(start, end) == expected


@pytest.mark.parametrize(("moment", "expected"), [
    (_at(2026, 3, 2, 10, 15), _at(2026, 3, 2, 10, 15)),   # open: itself
    (_at(2026, 3, 2, 12, 0), _at(2026, 3, 2, 13, 0)),
    (_at(2026, 3, 2, 18, 0), _at(2026, 3, 3, 9, 0)),
    (_at(2026, 2, 14, 8, 0), _at(2026, 2, 14, 9, 0)),     # a make-up Saturday opens
    (_at(2026, 2, 14, 18, 0), _at(2026, 2, 24, 9, 0)),
    (_at(2026, 10, 1, 3, 0), _at(2026, 10, 8, 9, 0)),
    (_at(2026, 10, 9, 18, 30), _at(2026, 10, 10, 9, 0)),
    (T(2026, 10, 1, 3, 0), _at(2026, 10, 8, 9, 0)),       # naive: taken as local time, not the server's zone
])
def test_next_opening(moment: dt.datetime, expected: dt.datetime) -> None:
    assert CAL.next_opening(moment) == expected
    assert CAL.is_open(moment) is (moment.replace(tzinfo=TZ) == expected)


def test_a_span_to_midnight_ends_at_midnight() -> None:
    night = WorkCalendar(CalendarSettings(working_hours=((dt.time(20), dt.time.max),)), TZ)
    assert night.is_open(_at(2026, 3, 2, 23, 59, 59))
    assert night.add_working_time(_at(2026, 3, 2, 23, 55), TEN) == _at(2026, 3, 3, 20, 5)
    assert night.working_time_between(_at(2026, 3, 2, 20, 0), _at(2026, 3, 3, 0, 0)) == dt.timedelta(hours=4)


def test_negative_working_time_is_refused() -> None:
    with pytest.raises(ValueError, match="zero or more"):
        CAL.add_working_time(_at(2026, 3, 2, 10, 0), -TEN)


# -- the company's days off, a year the library does not know ------------------------------------------------------
def test_company_days_off_on_top_of_the_holidays(tmp_path: Path) -> None:
    ws = _calendar_ws(tmp_path, "days_off = []", "days_off = [2026-02-28, 2026-03-02]")
    try:
        cal = ws.calendar
        assert not cal.is_working_day(D(2026, 2, 28))         # a make-up Saturday the company gives off
        assert not cal.is_working_day(D(2026, 3, 2))
        assert cal.add_working_time(_at(2026, 2, 27, 17, 55), TEN) == _at(2026, 3, 3, 9, 5)
        assert cal.add_working_days(D(2026, 2, 27), 1) == D(2026, 3, 3)
    finally:
        ws.close()


@pytest.mark.parametrize(("day", "working"), [
    (D(UNKNOWN, 1, 1), D(UNKNOWN, 1, 1).weekday() < 5),
    (UNKNOWN_HOLIDAY, True),                 # a Monday: weekends alone know no holidays
    (UNKNOWN_WORKDAY, False),                # a Saturday
    (UNKNOWN_WORKDAY + dt.timedelta(days=2), True),
])
def test_unknown_year_without_config_is_weekends_alone(day: dt.date, working: bool) -> None:
    assert CAL.source(UNKNOWN) == WEEKENDS
    assert CAL.is_working_day(day) is working


def test_unknown_year_takes_config(tmp_path: Path) -> None:
    ws = _calendar_ws(tmp_path, extra=UNKNOWN_YEAR_CONFIG)
    try:
        cal = ws.calendar
        assert cal.source(UNKNOWN) == CONFIG and cal.source(UNKNOWN + 1) == WEEKENDS
        assert not cal.is_working_day(D(UNKNOWN, 1, 1))
        assert not cal.is_working_day(UNKNOWN_HOLIDAY)
        assert cal.is_working_day(UNKNOWN_WORKDAY)
        friday = UNKNOWN_WORKDAY - dt.timedelta(days=1)
        assert cal.add_working_time(_at(friday.year, friday.month, friday.day, 17, 55), TEN) \
            == _at(UNKNOWN, UNKNOWN_WORKDAY.month, UNKNOWN_WORKDAY.day, 9, 5)
        assert cal.next_working_day(UNKNOWN_HOLIDAY) == UNKNOWN_HOLIDAY + dt.timedelta(days=1)
        assert cal.unknown_years(D(UNKNOWN - 1, 12, 1)) == []
        assert cal.config_years(D(UNKNOWN - 1, 12, 1)) == [UNKNOWN]
    finally:
        ws.close()


@pytest.mark.parametrize(("today", "unknown"), [
    (D(UNKNOWN - 1, 11, 30), []),                  # not before December
    (D(UNKNOWN - 1, 12, 1), [UNKNOWN]),            # from December on, before the year starts
    (D(UNKNOWN, 1, 5), [UNKNOWN]),
    (D(UNKNOWN, 12, 1), [UNKNOWN, UNKNOWN + 1]),
])
def test_unknown_years_from_december(today: dt.date, unknown: list[int]) -> None:
    assert CAL.unknown_years(today) == unknown


def test_config_for_a_year_the_library_knows_is_not_used(tmp_path: Path) -> None:
    ws = _calendar_ws(tmp_path, extra="[calendar.years.2026]\nworkdays = [2026-03-01]")
    try:
        assert ws.calendar.source(2026) == LIBRARY and not ws.calendar.is_working_day(D(2026, 3, 1))
        assert ws.calendar.stale_config_years() == [2026]
    finally:
        ws.close()


@pytest.mark.parametrize(("old", "new", "extra", "key", "expected"), [
    (HOURS, 'working_hours = ["9-12"]', "", "calendar.working_hours[0]", "a span like"),
    (HOURS, 'working_hours = ["13:00-18:00", "09:00-12:00"]', "", "calendar.working_hours[1]", "spans in order"),
    (HOURS, 'working_hours = ["12:00-09:00"]', "", "calendar.working_hours[0]", "spans in order"),
    (HOURS, 'working_hours = ["20:00-24:30"]', "", "calendar.working_hours[0]", "a span like"),
    (HOURS, "working_hours = []", "", "calendar.working_hours", "at least one span"),
    ("days_off = []", 'days_off = ["2026-12-31"]', "", "calendar.days_off", "TOML dates"),
    ("", "", "[calendar.years.2027]\nholidays = [2026-10-01]", "calendar.years.2027.holidays", "dates of 2027 only"),
    ("", "", "[calendar.years.2027]\nworkdays = [2028-01-01]", "calendar.years.2027.workdays", "dates of 2027 only"),
    ("", "", "[calendar.years.2027]\nholidays = [2027-02-06]\nworkdays = [2027-02-06]",
     "calendar.years.2027.workdays", "not also holidays"),
    ("", "", "[calendar.years.next]\nholidays = []", "calendar.years.next", "a year"),
    ("", "", "[calendar.years.2027]\nholiday = [2027-01-01]", "calendar.years.2027.holiday", "a known key"),
])
def test_bad_calendar_config_is_named(tmp_path: Path, old: str, new: str, extra: str, key: str,
                                      expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        _calendar_ws(tmp_path, old, new, extra).close()
    assert info.value.key == key
    assert expected in info.value.expected


def test_midnight_span_loads(tmp_path: Path) -> None:
    ws = _calendar_ws(tmp_path, HOURS, 'working_hours = ["20:00-24:00"]')
    try:
        assert ws.calendar.working_time_between(_at(2026, 3, 2, 0, 0), _at(2026, 3, 3, 0, 0)) \
            == dt.timedelta(hours=4)
    finally:
        ws.close()


# -- what status says --------------------------------------------------------------------------------------------
def test_status_warns_from_december_and_the_pass_goes_on(tmp_path: Path) -> None:
    root = tmp_path / "w"
    assert run_cli("init", str(root), "--sample").returncode == 0
    december = {"SHEETFLOW_NOW": f"{UNKNOWN - 1}-12-03T10:00"}
    run = run_cli("run", "-w", str(root), env=december)
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    status = run_cli("status", "-w", str(root), env=december).stdout
    assert (f"工作日历：{UNKNOWN} 年的法定节假日与调休未知（chinesecalendar 尚未收录，config.toml 也未列出 "
            f"[calendar.years.{UNKNOWN}]），暂按周末计算。") in status
    assert "出错记录" not in status                       # no fault recorded by the pass
    november = run_cli("status", "-w", str(root), env={"SHEETFLOW_NOW": f"{UNKNOWN - 1}-11-30T10:00"}).stdout
    assert "工作日历" not in november


@pytest.mark.parametrize(("extra", "expected"), [
    ("", f"Working calendar: the public holidays and make-up working days of {UNKNOWN} are not known"),
    (UNKNOWN_YEAR_CONFIG, f"of {UNKNOWN} come from [calendar.years.{UNKNOWN}] in config.toml (chinesecalendar does "
                          "not have them yet): 2 holiday(s), 1 make-up working day(s)."),
])
def test_status_in_english_says_where_the_year_comes_from(make_workspace: Callable[..., Workspace], extra: str,
                                                          expected: str) -> None:
    ws = make_workspace(language="en", config_extra=extra, now=T(UNKNOWN - 1, 12, 3, 10, 0))
    status = render_status(ws)
    assert expected in status
    assert ("are not known" in status) is (not extra)


# -- approval reminders keep to working time --------------------------------------------------------------------
@pytest.mark.parametrize(("opened", "now", "period", "following"), [
    (_at(2026, 3, 2, 10, 0), _at(2026, 3, 3, 9, 59), 0, _at(2026, 3, 3, 10, 0)),     # a weekday: 24 h as before
    (_at(2026, 3, 2, 10, 0), _at(2026, 3, 3, 10, 0), 1, _at(2026, 3, 4, 10, 0)),
    (_at(2026, 3, 2, 20, 0), _at(2026, 3, 3, 21, 0), 0, _at(2026, 3, 4, 9, 0)),      # due in the evening: morning
    (_at(2026, 9, 30, 17, 0), _at(2026, 10, 3, 3, 0), 0, _at(2026, 10, 8, 9, 0)),    # not at 3 a.m. on a holiday
    (_at(2026, 9, 30, 17, 0), _at(2026, 10, 8, 9, 0), 1, _at(2026, 10, 9, 9, 0)),    # the week is one reminder
    (_at(2026, 9, 30, 17, 0), _at(2026, 10, 10, 9, 30), 3, _at(2026, 10, 12, 9, 0)),  # make-up Saturday counts
    (_at(2026, 2, 13, 11, 0), _at(2026, 2, 14, 11, 0), 1, _at(2026, 2, 24, 9, 0)),   # then the festival
])
def test_reminder_schedule(opened: dt.datetime, now: dt.datetime, period: int, following: dt.datetime) -> None:
    day = dt.timedelta(hours=24)
    assert reminder_schedule(CAL, opened, now, day, day) == (period, following)


def _reminders(ws: Workspace) -> list[str]:
    return [m.subject for m in mails_to(ws.cfg.outbox_dir, WANG) if "提醒" in m.subject]


def _pass_at(ws: Workspace, moment: dt.datetime) -> None:
    ws.clock = Clock(TZ, moment)
    run_pass(ws)


def test_reminders_wait_out_national_day(make_workspace: Callable[..., Workspace]) -> None:
    ws = make_workspace(now=T(2026, 9, 30, 17, 0))        # submitted the afternoon before the holiday
    Book(ws.cfg.sheets_dir / BOOK).put_rows([good_row()])
    run_pass(ws)
    assert len(mails_to(ws.cfg.outbox_dir, WANG)) == 1    # the code
    for moment in (_at(2026, 10, 1, 17, 5), _at(2026, 10, 3, 3, 0), _at(2026, 10, 7, 20, 0)):
        _pass_at(ws, moment)
    assert _reminders(ws) == []
    [(remind_at,)] = ws.store.conn.execute("SELECT remind_at FROM records WHERE key = 'PR-2026-0001'").fetchall()
    assert remind_at == "2026-10-08T01:00:00+00:00"       # 09:00 local, the first working morning
    _pass_at(ws, _at(2026, 10, 8, 9, 0))
    _pass_at(ws, _at(2026, 10, 8, 15, 0))
    assert len(_reminders(ws)) == 1 and "第 1 次提醒" in _reminders(ws)[0]
    assert mails_to(ws.cfg.outbox_dir, WU) == []          # a week away is not two unanswered reminders
    _pass_at(ws, _at(2026, 10, 9, 9, 0))
    assert "第 2 次提醒" in _reminders(ws)[-1]
    assert len(mails_to(ws.cfg.outbox_dir, WU)) == 1      # escalated after the second, as configured
    _pass_at(ws, _at(2026, 10, 10, 9, 0))                 # the make-up Saturday is a working day
    assert len(_reminders(ws)) == 3


def test_a_reminder_due_while_closed_waits_for_the_opening(make_workspace: Callable[..., Workspace]) -> None:
    ws = make_workspace(now=T(2026, 3, 2, 10, 0))
    Book(ws.cfg.sheets_dir / BOOK).put_rows([good_row()])
    run_pass(ws)
    _pass_at(ws, _at(2026, 3, 3, 23, 30))                 # due at 10:00 but no pass ran until the night
    assert _reminders(ws) == []
    _pass_at(ws, _at(2026, 3, 4, 9, 0))
    assert len(_reminders(ws)) == 1
