"""`sheetflow setup`: make each form's tab in its Google spreadsheet ready for staff, and keep it so.

Run it again after a form or config change: a missing tab is added, laid out
as a new workbook is (layout.py: number, status and message first, frozen with
the header); in an existing tab, the header cells already there stay where staff
put them and only missing columns are appended; validation, notes, protections
and the look (tab_look.py) are laid over the columns where they now are. A protection is found again by its description
(`sheetflow:<column>`), so a second run updates rather than duplicates.

Protections: the system columns (number, status, message, time) may be edited
by the service account only. Where approval codes are off, a sign-off column is
what proves who signed, so it is editable only by the people holding that
step's role (and the service account, which writes stamps). A form that names
`edit_roles` (or a field its own) has each staff column protected to the people
holding those roles and the service account (A1: back-office users edit within
their remit; access/levels.py); a form that names none leaves its staff columns
open, and the report says so. The spreadsheet's owner can always edit
everything: Google does not let anyone restrict an owner.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import gspread

from ...access.levels import staff_columns
from ...config import Config
from ...forms.definition import FormDef, normalize_header
from ...forms.fields import choice_options
from ...i18n import Translator
from ..base import column_letter
from ..form_layout import frozen_columns, header_note, new_sheet_columns  # as in a generated workbook
from ..grid import HEADER_SEARCH_ROWS
from .book import GoogleBook, quote_tab
from .client import account_email
from .tab_look import look_requests

VALIDATION_ROWS = 1000
PROTECT_PREFIX = "sheetflow:"


@dataclass
class TabPlan:
    form: FormDef
    tab: str
    sheet_id: int | None = None
    header_row: int = 1
    columns: dict[str, int] = field(default_factory=dict)   # name or role -> 1-based column
    added: list[str] = field(default_factory=list)          # headers this run appends
    created: bool = False
    staff: list[str] = field(default_factory=list)          # what the report says of the staff columns' editors


@dataclass
class SetupReport:
    spreadsheet: str
    tabs: list[TabPlan]
    requests: int


def setup_spreadsheet(client: gspread.Client, spreadsheet_id: str, tabs: list[tuple[FormDef, str]], cfg: Config,
                      t: Translator) -> SetupReport:
    book = GoogleBook(client, spreadsheet_id, account_email(client))
    http = client.http_client
    meta = book._call(lambda: http.request(
        "get", f"https://sheets.googleapis.com/v4/spreadsheets/{spreadsheet_id}",
        params={"fields": "sheets(properties(sheetId,title,gridProperties),protectedRanges)"}).json())
    existing = {s["properties"]["title"]: s for s in meta.get("sheets", [])}
    plans = [TabPlan(form, tab) for form, tab in tabs]
    requests = 1
    missing = [p for p in plans if p.tab not in existing]
    if missing:
        body = {"requests": [{"addSheet": {"properties": {
            "title": p.tab, "gridProperties": {"rowCount": VALIDATION_ROWS,
                                               "columnCount": max(26, len(p.form.fields) + len(p.form.system)),
                                               "frozenRowCount": 1}}}} for p in missing]}
        replies = book._call(lambda: http.batch_update(spreadsheet_id, body)).get("replies", [])
        requests += 1
        for p, reply in zip(missing, replies, strict=True):
            p.sheet_id, p.created = reply["addSheet"]["properties"]["sheetId"], True
    present = [p for p in plans if not p.created]
    if present:
        grids = book._call(lambda: http.values_batch_get(
            spreadsheet_id, [f"{quote_tab(p.tab)}!A1:ZZ{HEADER_SEARCH_ROWS}" for p in present])).get("valueRanges", [])
        requests += 1
        for p, vr in zip(present, grids, strict=True):
            p.sheet_id = existing[p.tab]["properties"]["sheetId"]
            _place_existing(p, vr.get("values") or [])
    for p in plans:
        if p.created:
            _place_new(p)
    protected = {(pr.get("range", {}).get("sheetId", 0), pr.get("description")): pr
                 for s in existing.values() for pr in s.get("protectedRanges", [])}
    body = {"requests": [r for p in plans for r in _tab_requests(p, cfg, t, book.account, protected)]}
    book._call(lambda: http.batch_update(spreadsheet_id, body))
    return SetupReport(spreadsheet_id, plans, requests + 1)


def _spellings(form: FormDef) -> list[tuple[str, set[str], str]]:
    out = [(f.name, f.spellings(), f.header()) for f in form.fields]
    return out + [(c.role, c.spellings(), c.header()) for c in form.system]


def _place_existing(p: TabPlan, rows: list[list[Any]]) -> None:
    """Keep staff's header where it is; append what is missing after the last used header cell."""
    best: tuple[int, dict[str, int]] = (1, {})
    for number, cells in enumerate(rows, start=1):
        found: dict[str, int] = {}
        for col, cell in enumerate(cells, start=1):
            norm = normalize_header(cell) if cell not in ("", None) else ""
            for name, names, _ in _spellings(p.form):
                if norm and norm in names and name not in found:
                    found[name] = col
                    break
        if len(found) > len(best[1]):
            best = (number, found)
    p.header_row, p.columns = best
    header_cells = rows[p.header_row - 1] if rows else []
    last = max([len(header_cells), *p.columns.values()], default=0)
    for name, _, header in _spellings(p.form):
        if name not in p.columns:
            last += 1
            p.columns[name] = last
            p.added.append(header)


def _place_new(p: TabPlan) -> None:
    for col, column in enumerate(new_sheet_columns(p.form), start=1):
        p.columns[column.name] = col
        p.added.append(column.header)


def _frozen(p: TabPlan) -> dict[str, int]:
    """The header row, and the system columns when they stand first (a tab laid out before keeps its own)."""
    at = {col: name for name, col in p.columns.items()}
    lead = frozen_columns([at.get(col, "") for col in range(1, max(at) + 1)])
    return {"frozenRowCount": p.header_row, **({"frozenColumnCount": lead} if lead else {})}


def _look(p: TabPlan) -> list[dict[str, Any]]:
    columns = {c.name: c for c in new_sheet_columns(p.form)}
    placed = sorted((col, columns[name]) for name, col in p.columns.items())
    sized = {c.name for c in columns.values() if c.header in p.added}
    return look_requests(p.sheet_id, p.header_row, placed, sized, VALIDATION_ROWS)


def _tab_requests(p: TabPlan, cfg: Config, t: Translator, account: str,
                  protected: dict[tuple[int, str | None], dict[str, Any]]) -> list[dict[str, Any]]:
    sid, hr = p.sheet_id, p.header_row - 1
    headers = {name: header for name, _, header in _spellings(p.form)}
    reqs: list[dict[str, Any]] = []
    width = max(p.columns.values())
    frozen = _frozen(p)
    reqs.append({"updateSheetProperties": {"properties": {"sheetId": sid, "gridProperties": {
        **frozen, "columnCount": max(26, width)}},
        "fields": ",".join(f"gridProperties.{k}" for k in (*frozen, "columnCount"))}})
    reqs += _look(p)
    system_note = t.pick({"zh": "系统填写，请勿修改。", "en": "Written by sheetflow; do not edit."})
    for fdef in p.form.fields:
        col = p.columns[fdef.name] - 1
        cell: dict[str, Any] = {"note": header_note(fdef.required, fdef.help, t) or ""}
        fields = "note"
        if fdef.header() in p.added:
            cell["userEnteredValue"] = {"stringValue": headers[fdef.name]}
            fields = "userEnteredValue,note"
        reqs.append(_update_cell(sid, hr, col, cell, fields))
        if fdef.type == "choice":
            labels = [label for _, label in choice_options(fdef, cfg, t.language)]
            if labels:
                reqs.append({"setDataValidation": {
                    "range": _column(sid, col, p.header_row, VALIDATION_ROWS),
                    "rule": {"condition": {"type": "ONE_OF_LIST",
                                           "values": [{"userEnteredValue": v} for v in labels]},
                             "strict": False, "showCustomUi": True,
                             "inputMessage": t.pick({"zh": "请从列表中选择。", "en": "Pick a value from the list."})}}})
    for sys_col in p.form.system:
        col = p.columns[sys_col.role] - 1
        cell = {"note": system_note}
        fields = "note"
        if sys_col.header() in p.added:
            cell["userEnteredValue"] = {"stringValue": headers[sys_col.role]}
            fields = "userEnteredValue,note"
        reqs.append(_update_cell(sid, hr, col, cell, fields))
        reqs.append(_protect(sid, col, sys_col.role, [account], protected))
    reqs += _staff_requests(p, cfg, t, account, protected)
    if not cfg.approvals.codes:
        for step in p.form.route:
            if step.column not in p.columns:
                continue
            editors = [account, *sorted({pp.email for pp in cfg.people_with_role(step.role) if pp.email})]
            reqs.append(_protect(sid, p.columns[step.column] - 1, step.column, editors, protected))
    return reqs


def _staff_requests(p: TabPlan, cfg: Config, t: Translator, account: str,
                    protected: dict[tuple[int, str | None], dict[str, Any]]) -> list[dict[str, Any]]:
    """Each staff column protected to the people whose roles may edit it (and the service account); a column
    whose form names no roles is left open, and a protection an earlier setup gave it is taken away."""
    reqs: list[dict[str, Any]] = []
    editors: dict[str, list[str]] = {}
    for group in staff_columns(cfg, p.form):
        editors.update({name: [account, *group.emails] for name in group.fields})
        p.staff.append(t("access.setup_protected", columns=len(group.fields), roles=", ".join(group.roles),
                         people=", ".join(group.emails) or t("access.nobody")))
    signing = {step.column for step in p.form.route}     # a sign-off column keeps its own rule (above)
    for fdef in p.form.fields:
        if fdef.type == "signoff" or fdef.name in signing or fdef.name not in p.columns:
            continue
        if fdef.name in editors:
            reqs.append(_protect(p.sheet_id, p.columns[fdef.name] - 1, fdef.name, editors[fdef.name], protected))
            continue
        old = protected.get((p.sheet_id or 0, f"{PROTECT_PREFIX}{fdef.name}"))
        if old is not None:
            reqs.append({"deleteProtectedRange": {"protectedRangeId": old["protectedRangeId"]}})
    if not editors:
        p.staff.append(t("access.setup_open", file=p.form.path.name))
    return reqs


def _update_cell(sid: int | None, row: int, col: int, cell: dict[str, Any], fields: str) -> dict[str, Any]:
    return {"updateCells": {"start": {"sheetId": sid, "rowIndex": row, "columnIndex": col},
                            "rows": [{"values": [cell]}], "fields": fields}}


def _column(sid: int | None, col: int, first_row: int, last_row: int) -> dict[str, Any]:
    return {"sheetId": sid, "startRowIndex": first_row, "endRowIndex": last_row,
            "startColumnIndex": col, "endColumnIndex": col + 1}


def _protect(sid: int | None, col: int, name: str, editors: list[str],
             protected: dict[tuple[int, str | None], dict[str, Any]]) -> dict[str, Any]:
    description = f"{PROTECT_PREFIX}{name}"
    rng = {"sheetId": sid, "startColumnIndex": col, "endColumnIndex": col + 1}
    pr: dict[str, Any] = {"range": rng, "description": description, "warningOnly": False,
                          "editors": {"users": [e for e in editors if e]}}
    old = protected.get((sid or 0, description))
    if old is not None:
        pr["protectedRangeId"] = old["protectedRangeId"]
        return {"updateProtectedRange": {"protectedRange": pr, "fields": "range,description,warningOnly,editors"}}
    return {"addProtectedRange": {"protectedRange": pr}}


def describe(report: SetupReport, t: Translator) -> list[str]:
    lines = []
    for p in report.tabs:
        verb = t.pick({"zh": "已创建", "en": "created"}) if p.created else t.pick({"zh": "已更新", "en": "updated"})
        added = "、".join(h.replace("\n", " ") for h in p.added) if p.added and not p.created else ""
        extra = (t.pick({"zh": "；新增栏目：", "en": "; columns added: "}) + added) if added else ""
        lines.append(f"google:{report.spreadsheet}/{p.tab}: {verb}{extra} "
                     f"({column_letter(1)}–{column_letter(max(p.columns.values()))})")
        lines += [f"  {line}" for line in p.staff]
    return lines
