"""The audit workbook: output/审计记录-<period>.xlsx, every change of a period, as data for whoever checks A3.

Written on demand (`sheetflow audit`), not by the pass: a month's trail is read
when someone asks for it, so an idle pass pays nothing for it. Each cell is a
value (put_value via generated.write_table), never a formula, so a typed
'=SUM(…)' stays the text someone typed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook

from ..errors import SheetflowError
from ..sheets.generated import page_text, save, table_sheet
from ..sheets.layout import Column
from ..sheets.locks import find_lock
from ..workspace import Workspace
from .history import actor_text, field_label, is_field, state_labeller, value_text, when, who_text


class PeriodError(SheetflowError):
    """The period asked for cannot be read (exit 2, like any other bad command-line value)."""

    exit_code = 2


def parse_period(ws: Workspace, month: str | None, start: str | None, end: str | None) -> tuple[dt.date, dt.date,
                                                                                                 str]:
    """(first day, day after the last, label): --month 2026-11, or --from and --to, both days included."""
    t = ws.t
    if month and not (start or end):
        try:
            first = dt.date.fromisoformat(f"{month}-01")
        except ValueError:
            raise PeriodError(t("audit.bad_month", value=month)) from None
        after = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return first, after, month
    if not (start and end) or month:
        raise PeriodError(t("audit.bad_period"))
    days = []
    for value in (start, end):
        try:
            days.append(dt.date.fromisoformat(value))
        except ValueError:
            raise PeriodError(t("audit.bad_date", value=value)) from None
    if days[1] < days[0]:
        raise PeriodError(t("audit.bad_period"))
    return days[0], days[1] + dt.timedelta(days=1), f"{days[0].isoformat()}_{days[1].isoformat()}"


def columns(ws: Workspace) -> list[Column]:
    names = ("record", "form", "field", "from", "to", "at", "who", "source", "why")
    zh = {"record": "编号", "form": "表单", "field": "字段", "from": "原值", "to": "新值", "at": "时间",
          "who": "修改人", "source": "来源", "why": "说明"}
    en = {"record": "Record", "form": "Form", "field": "Field", "from": "From", "to": "To", "at": "When",
          "who": "Who", "source": "Source", "why": "Note"}
    return [Column(zh[n], en[n]) for n in names]


def audit_rows(ws: Workspace, first: dt.date, after: dt.date, *, facts: bool = False) -> list[list[object]]:
    """Field changes and state changes of the period, merged by time (the kinds' bookkeeping with facts=True)."""
    t, store = ws.t, ws.store
    start, end = first.isoformat(), after.isoformat()
    title = {fid: t.pick(f.title) for fid, f in ws.forms.items()}
    timed: list[tuple[int, int, int, list[object]]] = []   # in the order written (history.py says why)
    for i, c in enumerate(store.audit_between(start, end)):
        if not facts and not is_field(ws.forms.get(c.form), c.field):
            continue
        timed.append((c.after, 1, i, [c.key, title.get(c.form, c.form), field_label(t, ws.forms.get(c.form), c.field),
                                   value_text(t, c.old), value_text(t, c.new), when(c.at),
                                   who_text(t, c.who, c.source), t(f"audit.source_{c.source}"), ""]))
    labels = {fid: state_labeller(ws, fid) for fid in ws.forms}
    for tr in store.transitions_between(start, end):
        source = "sheetflow" if tr["actor"] in ("system", "sheetflow") else "state"
        label = labels.get(tr["form"]) or state_labeller(ws, tr["form"])
        timed.append((tr["id"], 0, 0, [tr["key"], title.get(tr["form"], tr["form"]), t("audit.state"),
                                       label(tr["from_state"] or ""), label(tr["to_state"]), when(tr["at"]),
                                       actor_text(t, tr["actor"]), t(f"audit.source_{source}"), tr["reason"]]))
    timed.sort(key=lambda e: (e[0], e[1], e[2]))
    return [row for *_, row in timed]


def write_audit_book(ws: Workspace, first: dt.date, after: dt.date, label: str, *,
                     facts: bool = False) -> tuple[Path, int]:
    """Write the period's workbook (always: an auditor asked for it, an empty period included)."""
    path = ws.cfg.output_dir / f"审计记录-{label}.xlsx"
    lock = find_lock(path)
    if lock is not None:
        raise PeriodError(ws.t("audit.book_locked", path=ws.rel(path), lock=lock.name))
    rows = audit_rows(ws, first, after, facts=facts)
    wb = Workbook()
    table_sheet(wb, "审计记录", columns(ws), rows, note=ws.t("audit.book_note", period=label),
                page=page_text(ws.t, "审计记录", "Audit trail", ws.clock.today()))
    save(wb, path)
    return path, len(rows)
