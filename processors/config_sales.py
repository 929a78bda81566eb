"""config.toml sections of the sales side and of what every deadline shares: [calendar], [sales], [feedback], [backup].

Kept apart from config_sections.py (purchasing, leasing, Google) so each file stays one screenful of rules.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from .tomlcheck import Section

_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class YearDays:
    """A year the holiday library does not know yet: its public holidays and make-up working days, as announced."""
    holidays: tuple[dt.date, ...] = ()
    workdays: tuple[dt.date, ...] = ()    # 调休: weekend days that are working days


@dataclass(frozen=True)
class CalendarSettings:
    working_hours: tuple[tuple[dt.time, dt.time], ...] = ((dt.time(9), dt.time(12)), (dt.time(13), dt.time(18)))
    days_off: tuple[dt.date, ...] = ()    # the company's own days off, on top of the public holidays
    years: dict[int, YearDays] = field(default_factory=dict)


@dataclass(frozen=True)
class SalesSettings:
    confirm_minutes: int = 10             # C1: working minutes to confirm an accepted order with the customer
    on_duty_role: str = "order_desk"      # who is reminded at once (the person on duty)
    escalate_role: str = "commerce_head"  # who is told when the minutes pass without a logged confirmation
    remind_days: tuple[int, ...] = (3, 1)   # C4: working days before a planned shipment or collection
    overdue_escalate_days: int = 3        # C4: a collection this many working days late goes to the head and finance
    plans_file: str = "发运回款计划.xlsx"  # C4: the generated workbook of what ships and what is due


@dataclass(frozen=True)
class FeedbackSettings:
    target_hours: int = 24                # C5: working hours to resolve a feedback, when its kind sets none
    kind_hours: dict[str, int] = field(default_factory=dict)      # kind (质量, 交付 …) -> working hours
    resolvers: dict[str, str] = field(default_factory=dict)       # kind -> role of who resolves it
    default_resolver: str = "commerce_head"
    summary_file: str = "客户反馈汇总.xlsx"


@dataclass(frozen=True)
class BackupSettings:
    order_data_at: dt.time = dt.time(18)  # C3: the daily backup of order data, local time
    keep_days: int = 30                   # backups older than this are removed (the newest is always kept)
    folder: str = "backups"               # in the workspace's private part, beside the store
    full_weekday: int = 5                 # A4: the weekly backup of everything, ISO weekday (1 Monday … 7 Sunday)
    full_at: dt.time = dt.time(19)        # local time on that day; a missed one is taken by the next pass
    keep_full: int = 8                    # generations of the full backup kept (the newest good one always)


#: what [backup] full_weekday accepts besides 1–7: English names and 周一 … 周日 / 星期一 … 星期日 (周天, 星期天)
WEEKDAYS = {name: n for n, names in enumerate(
    (("monday", "mon", "一"), ("tuesday", "tue", "二"), ("wednesday", "wed", "三"), ("thursday", "thu", "四"),
     ("friday", "fri", "五"), ("saturday", "sat", "六"), ("sunday", "sun", "日", "天")), start=1) for name in names}


def _clock(sec: Section, key: str, text: str) -> dt.time:
    m = _CLOCK.match(text)
    if not m or int(m[1]) > 23 or int(m[2]) > 59:
        raise sec.fail(key, f"a time of day like \"18:00\", got {text!r}")
    return dt.time(int(m[1]), int(m[2]))


def _date_list(sec: Section, key: str) -> tuple[dt.date, ...]:
    days = sec.get(key, list, [], what="a list of dates like [2027-01-01, 2027-02-11]")
    if not all(isinstance(d, dt.date) and not isinstance(d, dt.datetime) for d in days):
        raise sec.fail(key, "a list of dates like [2027-01-01, 2027-02-11] (TOML dates, not text)")
    return tuple(sorted(set(days)))


def _file_name(sec: Section, key: str, default: str) -> str:
    name = sec.text(key, default)
    if not name.endswith(".xlsx") or "/" in name or "\\" in name:
        raise sec.fail(key, "a file name ending in .xlsx (written in the output folder)")
    return str(name)


def load_calendar(sec: Section) -> CalendarSettings:
    """[calendar]: working hours and the company's days off; holidays of years the library does not know."""
    sec.unknown({"working_hours", "days_off", "years"})
    spans: list[tuple[dt.time, dt.time]] = []
    for i, text in enumerate(sec.str_list("working_hours", ["09:00-12:00", "13:00-18:00"])):
        m = _SPAN.match(text)
        if not m or int(m[1]) > 23 or int(m[2]) > 59 or int(m[4]) > 59 or int(m[3]) > 24 \
                or (int(m[3]) == 24 and int(m[4]) != 0):     # 24:00 is the end of the day, 24:30 is no time
            raise sec.fail(f"working_hours[{i}]", f"时段，如 \"09:00-12:00\" / a span like \"09:00-12:00\", "
                                                  f"got {text!r}")
        start = dt.time(int(m[1]), int(m[2]))
        end = dt.time.max if int(m[3]) == 24 else dt.time(int(m[3]), int(m[4]))
        if end <= start or (spans and start < spans[-1][1]):
            raise sec.fail(f"working_hours[{i}]", "时段按一天中的先后排列，且结束晚于开始 / "
                                                  "spans in order through the day, each ending after it starts")
        spans.append((start, end))
    if not spans:
        raise sec.fail("working_hours", "至少一个时段，如 \"09:00-18:00\" / at least one span like \"09:00-18:00\"")
    years: dict[int, YearDays] = {}
    ysec = sec.section("years", None)
    for name in ysec.data:
        if not str(name).isdigit() or not 2000 <= int(name) <= 2100:
            raise ysec.fail(str(name), "年份，如 [calendar.years.2027] / a year, e.g. [calendar.years.2027]")
        one = ysec.section(str(name))
        one.unknown({"holidays", "workdays"})
        hol, work = _date_list(one, "holidays"), _date_list(one, "workdays")
        for key, days in (("holidays", hol), ("workdays", work)):
            stray = [d for d in days if d.year != int(name)]
            if stray:
                raise one.fail(key, f"只能写 {name} 年的日期 / dates of {name} only, got {stray[0].isoformat()}")
        both = sorted(set(hol) & set(work))
        if both:   # which one wins would be a guess; the announcement says one or the other
            raise one.fail("workdays", f"调休上班日不能同时是假日 / dates that are not also holidays, "
                                       f"got {both[0].isoformat()} in both")
        years[int(name)] = YearDays(holidays=hol, workdays=work)
    return CalendarSettings(working_hours=tuple(spans), days_off=_date_list(sec, "days_off"), years=years)


def load_sales(sec: Section) -> SalesSettings:
    """[sales]: the customer-order and contract rules that are the company's to set (C1, C4)."""
    sec.unknown({"confirm_minutes", "on_duty_role", "escalate_role", "remind_days", "overdue_escalate_days",
                 "plans_file"})
    minutes = int(sec.get("confirm_minutes", int, 10))
    if not 1 <= minutes <= 480:
        raise sec.fail("confirm_minutes", "a whole number of working minutes from 1 to 480 (C1 asks for 10)")
    days = sec.get("remind_days", list, [3, 1])
    if not days or not all(isinstance(d, int) and 0 <= d <= 60 for d in days):
        raise sec.fail("remind_days", "a list of whole numbers of working days from 0 to 60, e.g. [3, 1]")
    late = int(sec.get("overdue_escalate_days", int, 3))
    if not 0 <= late <= 60:
        raise sec.fail("overdue_escalate_days", "a whole number of working days from 0 to 60")
    return SalesSettings(confirm_minutes=minutes, on_duty_role=sec.text("on_duty_role", "order_desk"),
                         escalate_role=sec.text("escalate_role", "commerce_head"),
                         remind_days=tuple(sorted(set(days), reverse=True)), overdue_escalate_days=late,
                         plans_file=_file_name(sec, "plans_file", "发运回款计划.xlsx"))


def load_feedback(sec: Section) -> FeedbackSettings:
    """[feedback]: who resolves each kind of customer feedback, and in how many working hours (C5)."""
    sec.unknown({"target_hours", "kind_hours", "resolvers", "default_resolver", "summary_file"})
    hours = int(sec.get("target_hours", int, 24))
    if not 1 <= hours <= 2000:
        raise sec.fail("target_hours", "a whole number of working hours from 1 to 2000")
    kind_hours: dict[str, int] = {}
    ksec = sec.section("kind_hours", None)
    for name, value in ksec.data.items():
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 2000:
            raise ksec.fail(str(name), "a whole number of working hours from 1 to 2000")
        kind_hours[str(name)] = value
    rsec = sec.section("resolvers", None)
    resolvers = {str(k): rsec.text(str(k)) for k in rsec.data}
    return FeedbackSettings(target_hours=hours, kind_hours=kind_hours, resolvers=resolvers,
                            default_resolver=sec.text("default_resolver", "commerce_head"),
                            summary_file=_file_name(sec, "summary_file", "客户反馈汇总.xlsx"))


def load_backup(sec: Section) -> BackupSettings:
    """[backup]: when order data are copied each day and how long copies are kept (C3, A4)."""
    sec.unknown({"order_data_at", "keep_days", "folder", "full_weekday", "full_at", "keep_full"})
    keep = int(sec.get("keep_days", int, 30))
    if not 1 <= keep <= 3650:
        raise sec.fail("keep_days", "a whole number of days from 1 to 3650")
    folder = sec.text("folder", "backups")
    if not folder or folder.startswith(("/", "..")) or "\\" in folder:
        raise sec.fail("folder", "a folder name inside the workspace, e.g. \"backups\"")
    generations = int(sec.get("keep_full", int, 8))
    if not 1 <= generations <= 520:
        raise sec.fail("keep_full", "a whole number of weekly generations from 1 to 520")
    return BackupSettings(order_data_at=_clock(sec, "order_data_at", sec.text("order_data_at", "18:00")),
                          keep_days=keep, folder=folder, full_weekday=_weekday(sec, "full_weekday"),
                          full_at=_clock(sec, "full_at", sec.text("full_at", "19:00")), keep_full=generations)


def _weekday(sec: Section, key: str) -> int:
    value = sec.get(key, (int, str), 5)
    text = str(value).strip().lower().removeprefix("星期").removeprefix("周")
    day = value if isinstance(value, int) and not isinstance(value, bool) else WEEKDAYS.get(text)
    if day is None and text.isdigit():
        day = int(text)
    if not isinstance(day, int) or not 1 <= day <= 7:
        raise sec.fail(key, f"星期几：1–7（1 为星期一）、\"friday\" 或 \"星期五\" / a day of the week: 1–7 (1 is "
                            f"Monday), \"friday\" or \"星期五\", got {value!r}")
    return day
