"""The cell-level audit trail (issue 16, A3): every change of a record's data is kept with who and from where,
`sheetflow history` prints it, `sheetflow audit` lists a period's changes, and one row is restored from it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from backends import GoogleSheet
from conftest import BOOK, COLS, NOW, TZ, Book, good_row, run_cli
from google_fake import USER_EMAIL

from processors.audit.book import PeriodError, parse_period, write_audit_book
from processors.audit.history import UnknownRecordError, history_lines
from processors.audit.restore_row import RestoreError, restore_row
from processors.audit.who import declared_modifier
from processors.engine.rows import content_text
from processors.passes import run_pass
from processors.sheets.cells import neutral_text
from processors.store.audit import Who
from processors.workspace import Workspace

KEY = "PR-2026-0001"


def declare(book: Book, name: str | None) -> None:
    """Save the workbook as the person whose user name the spreadsheet program writes into core.xml."""
    def set_by(sheet: Any) -> None:
        sheet.parent.properties.lastModifiedBy = name
    book.edit(set_by)


def changes(ws: Workspace, key: str = KEY) -> list[tuple[str, str | None, str | None, str, str]]:
    return [(c.field, c.old, c.new, c.who, c.source) for c in ws.store.audit_of(key)]


def mails(ws: Workspace) -> int:
    return len(list((ws.root / "outbox").glob("*.eml")))


# -- recording: who, from where, what --------------------------------------------------------------------------
@pytest.mark.parametrize(("declared", "who", "source"), [
    ("王芳", "王芳", "declared"),                      # the name Excel / WPS writes
    ("wangfang@example.com", "王芳", "declared"),      # an email config.toml knows is that person's
    ("Somebody Else", "Somebody Else", "declared"),   # a name nobody registered: kept as the file says it
    (None, "李强", "row"),                             # the file names nobody: the applicant the row names
])
def test_an_edit_is_recorded_field_by_field_with_who_and_source(ws: Workspace, book: Book, declared: str | None,
                                                              who: str, source: str) -> None:
    book.put_rows([good_row()])
    declare(book, declared)
    run_pass(ws)
    book.set(2, "quantity", 12)
    run_pass(ws)
    trail = changes(ws)
    assert ("item", None, "石膏板", who, source) in trail                 # what the record started with
    assert trail[-1] == ("quantity", "10", "12", who, source)            # the edit, from what to what
    assert not any(field.startswith("_") for field, *_ in trail)         # internal keys are not history


def test_declared_modifier_reads_core_xml_alone(ws: Workspace, book: Book) -> None:
    declare(book, "张三 & 李四 <x>")
    assert declared_modifier(book.path) == "张三 & 李四 <x>"
    assert declared_modifier(ws.root / "config.toml") == ""             # not a zip: nobody, no error


def test_a_choice_is_recorded_as_the_row_shows_it(ws: Workspace, book: Book) -> None:
    book.put_rows([good_row(item_type="常规")])
    run_pass(ws)
    assert ("item_type", None, "常规", "李强", "row") in changes(ws)     # not its stored value `standard`


def test_an_unchanged_pass_records_nothing(ws: Workspace, book: Book) -> None:
    book.put_rows([good_row()])
    run_pass(ws)
    count = len(changes(ws))
    book.set(2, "remarks", None)          # saved again, nothing a user sees changed
    run_pass(ws)
    run_pass(ws)
    assert len(changes(ws)) == count


def test_a_remark_edit_is_recorded_without_a_new_route(ws: Workspace, book: Book) -> None:
    book.put_rows([good_row()])
    run_pass(ws)
    transitions = len(ws.store.transitions(KEY))
    book.set(2, "remarks", "请尽快")
    run_pass(ws)
    assert changes(ws)[-1] == ("remarks", None, "请尽快", "李强", "row")
    assert len(ws.store.transitions(KEY)) == transitions


def _insert(ws: Workspace, by: Who | None) -> Any:
    with ws.store.transaction():
        rid = ws.store.insert_record(form="purchase_request", key="PR-2026-0042", series="PR-2026", number=42,
                                     state="draft", data={"item": "石膏板", "_cells": "{}"}, content_hash="h",
                                     message="", file="sheets/x.xlsx", row=2, at="2026-11-29T10:00:00+08:00", by=by)
    return rid


def _update(ws: Workspace, rid: int, by: Who | None) -> None:
    ws.store.update_record(rid, state="draft", data={"item": "龙骨"}, content_hash="h", message="", row=2,
                           at="2026-11-29T10:05:00+08:00", by=by)


def _transition(ws: Workspace, rid: int, by: Who | None) -> None:
    ws.store.transition(ws.store.record("PR-2026-0042"), "invalid", actor="system", reason="r",  # type: ignore[arg-type]
                        at="2026-11-29T10:05:00+08:00", data={"item": "龙骨"}, by=by)


def _save(ws: Workspace, rid: int, by: Who | None) -> None:
    ws.store.save_record(ws.store.record("PR-2026-0042"), at="2026-11-29T10:05:00+08:00",  # type: ignore[arg-type]
                         data={"item": "龙骨"}, by=by)


@pytest.mark.parametrize("path", [_update, _transition, _save])
@pytest.mark.parametrize(("by", "expected"), [
    (Who("王芳", "google"), ("王芳", "google")),
    (None, ("sheetflow", "sheetflow")),          # a value the system applied
])
def test_every_path_that_changes_data_records_it(ws: Workspace, path: Callable[..., None], by: Who | None,
                                                 expected: tuple[str, str]) -> None:
    rid = _insert(ws, by)
    with ws.store.transaction():
        path(ws, rid, by)
    assert changes(ws, "PR-2026-0042") == [("item", None, "石膏板", *expected), ("item", "石膏板", "龙骨", *expected)]


def test_bookkeeping_keys_are_kept_but_shown_only_with_all(ws: Workspace, book: Book) -> None:
    """A kind's own facts (an hourly countdown, an approval time) are in the trail, not in the way of the edits."""
    book.put_rows([good_row()])
    run_pass(ws)
    record = ws.store.record(KEY)
    assert record is not None
    with ws.store.transaction():
        for hours in ("48", "47", "46"):
            ws.store.save_record(record, at=NOW.isoformat(), data={**record.data, "left_shown": hours})
    plain = "\n".join(history_lines(ws, KEY))
    assert "left_shown" not in plain and "物料名称：（空） → 石膏板" in plain
    assert "另有 3 条系统内部记录" in plain and "--all" in plain
    full = "\n".join(history_lines(ws, KEY, facts=True))
    assert "left_shown：48 → 47" in full and "另有" not in full
    done = run_cli("history", KEY, "--all", "-w", str(ws.root))
    assert done.returncode == 0 and "left_shown：47 → 46" in done.stdout


def test_a_change_rolled_back_leaves_no_trail(ws: Workspace) -> None:
    rid = _insert(ws, None)
    with ws.store.transaction(), pytest.raises(RuntimeError), ws.store.savepoint():
        _save(ws, rid, None)
        raise RuntimeError("a row's fault")
    assert changes(ws, "PR-2026-0042") == [("item", None, "石膏板", "sheetflow", "sheetflow")]


# -- Google: Drive's lastModifyingUser -------------------------------------------------------------------------
@pytest.mark.parametrize(("by", "who", "source"), [
    ("wangfang@example.com", "王芳", "google"),          # a person config.toml knows, by email
    ("stranger@example.com", "stranger", "google"),      # Drive's displayName for someone unknown
])
def test_google_records_drives_last_modifier(gsheet: GoogleSheet, by: str, who: str, source: str) -> None:
    gsheet.put_rows([good_row()])
    gsheet.run()
    gsheet.fake.set_values(gsheet.sid, gsheet.tab, [[12]], start="J2", by=by)
    gsheet.run()
    assert changes(gsheet.ws)[-1] == ("quantity", "10", "12", who, source)


def test_google_never_credits_its_own_writes(gsheet: GoogleSheet) -> None:
    """After our write Drive names the service account (`me`): that says nothing about the person."""
    gsheet.put_rows([good_row()])
    gsheet.run()                           # our write is now Drive's last modification
    gsheet.fake.set_values(gsheet.sid, gsheet.tab, [["请尽快"]], start="O2", by=USER_EMAIL)
    gsheet.run()
    assert changes(gsheet.ws)[-1] == ("remarks", None, "请尽快", "李强", "row")


# -- sheetflow history -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("language", "expected"), [
    ("zh", ["PR-2026-0001（采购申请）的修改记录", "王芳（声明）  数量：10 → 12",
            "李强  状态：（空） → 待部门负责人签批", "李强（表中所填）  物料名称：（空） → 石膏板"]),
    ("en", ["History of PR-2026-0001", "王芳 (declared)  Quantity: 10 → 12", "李强  Status: (empty) → awaiting",
            "李强 (named in the row)  Item: (empty) → 石膏板"]),
])
def test_history_prints_fields_and_states_oldest_first(make_workspace: Callable[..., Workspace], language: str,
                                                      expected: list[str]) -> None:
    ws = make_workspace(language=language)
    book = Book(ws.cfg.sheets_dir / BOOK)
    book.put_rows([good_row()])
    run_pass(ws)
    declare(book, "王芳")
    book.set(2, "quantity", 12)
    run_pass(ws)
    text = "\n".join(history_lines(ws, KEY))
    for part in expected:
        assert part in text
    lines = text.splitlines()
    created = next(i for i, line in enumerate(lines) if "→ 10" in line)
    submitted = next(i for i, line in enumerate(lines) if "→ 待部门负责人签批" in line or "→ awaiting" in line)
    edited = next(i for i, line in enumerate(lines) if "10 → 12" in line)
    assert created < submitted < edited          # the order it happened in, though the clock stood still


def test_history_cli_prints_it_and_an_unknown_key_exits_1(ws: Workspace, book: Book) -> None:
    book.put_rows([good_row()])
    run_pass(ws)
    done = run_cli("history", KEY, "-w", str(ws.root))
    assert done.returncode == 0, done.stderr
    assert "物料名称：（空） → 石膏板" in done.stdout
    unknown = run_cli("history", "PR-2026-0099", "-w", str(ws.root))
    assert unknown.returncode == 1
    assert "PR-2026-0099" in unknown.stderr and "Traceback" not in unknown.stderr
    with pytest.raises(UnknownRecordError):
        history_lines(ws, "PR-2026-0099")


# -- the audit workbook ----------------------------------------------------------------------------------------
def typed_text(row: int, name: str, text: str) -> Callable[[Any], None]:
    def put(sheet: Any) -> None:
        cell = sheet.cell(row=row, column=COLS[name])
        cell.value = text
        cell.data_type = "s"     # openpyxl would take a leading '=' as a formula
    return put


def read_book(path: Path) -> list[list[Any]]:
    wb = openpyxl.load_workbook(path)
    sheet = wb["审计记录"]
    assert not [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]   # data, never formulas
    return [[c.value for c in row] for row in sheet.iter_rows()]


def test_audit_workbook_lists_the_periods_changes(make_workspace: Callable[..., Workspace]) -> None:
    ws = make_workspace()
    book = Book(ws.cfg.sheets_dir / BOOK)
    book.put_rows([good_row()])
    run_pass(ws)
    ws.close()
    later = make_workspace(now=dt.datetime(2026, 12, 2, 9, 0))        # the same workspace, in December
    declare(book, "王芳")
    book.edit(typed_text(2, "remarks", "=SUM(A1:A3)"))    # typed as text (a leading apostrophe in Excel)
    run_pass(later)
    november = read_book(write_audit_book(later, *parse_period(later, "2026-11", None, None))[0])
    december = read_book(write_audit_book(later, *parse_period(later, None, "2026-12-01", "2026-12-31"))[0])
    assert "编号 Record" in november[0][0] and (later.cfg.output_dir / "审计记录-2026-11.xlsx").exists()
    assert next(r for r in november if r[2] == "物料名称")[:7] \
        == [KEY, "采购申请", "物料名称", "（空）", "石膏板", "2026-11-29 10:32:00", "李强（表中所填）"]
    assert not any(r[4] == "=SUM(A1:A3)" for r in november)
    edit = next(r for r in december if r[2] == "备注")
    assert edit[3:8] == ["（空）", neutral_text("=SUM(A1:A3)"), "2026-12-02 09:00:00", "王芳（声明）",
                         "文件声明的最后修改人（任何人都可改）"]          # as every generated workbook neutralises it


@pytest.mark.parametrize(("month", "start", "end", "label"), [
    ("2026-11", None, None, "2026-11"),
    ("2026-12", None, None, "2026-12"),
    (None, "2026-11-01", "2026-11-15", "2026-11-01_2026-11-15"),
])
def test_periods(ws: Workspace, month: str | None, start: str | None, end: str | None, label: str) -> None:
    first, after, got = parse_period(ws, month, start, end)
    assert got == label and first < after


@pytest.mark.parametrize(("month", "start", "end"), [
    ("2026-13", None, None), (None, "2026-11-01", None), (None, "2026-11-30", "2026-11-01"), (None, "昨天", "今天"),
])
def test_bad_periods_say_what_to_write(ws: Workspace, month: str | None, start: str | None, end: str | None) -> None:
    with pytest.raises(PeriodError) as err:
        parse_period(ws, month, start, end)
    assert "2026-11" in str(err.value) and err.value.exit_code == 2


def test_audit_cli_writes_the_month(ws: Workspace, book: Book) -> None:
    book.put_rows([good_row()])
    run_pass(ws)
    done = run_cli("audit", "--month", "2026-11", "-w", str(ws.root))
    assert done.returncode == 0, done.stderr
    assert "output/审计记录-2026-11.xlsx" in done.stdout
    bad = run_cli("audit", "--month", "11月", "-w", str(ws.root))
    assert bad.returncode == 2 and "2026-11" in bad.stderr


# -- restoring one record's row --------------------------------------------------------------------------------
def two_rows(ws: Workspace, book: Book) -> list[list[Any]]:
    book.put_rows([good_row(), good_row(item="龙骨")])
    run_pass(ws)
    return book.grid()


@pytest.mark.parametrize("damage", [
    {"item": "乱写", "quantity": None},            # a bad paste, not yet passed
    {"spec": None},                                 # a cleared cell
])
def test_restore_puts_one_row_back_and_the_next_pass_does_nothing(ws: Workspace, book: Book,
                                                                   damage: dict[str, Any]) -> None:
    before = two_rows(ws, book)
    for name, value in damage.items():
        book.set(2, name, value)
    book.set(3, "remarks", "另一行的改动")            # another row's edit, which the restore leaves alone
    transitions, sent = len(ws.store.transitions(KEY)), mails(ws)
    lines = restore_row(ws, KEY, None)
    assert "已恢复" in lines[-1]
    row = book.grid()[1]
    assert [content_text(v) for v in row[3:13]] == [content_text(v) for v in before[1][3:13]]
    assert book.cell(3, "remarks") == "另一行的改动"
    run_pass(ws)
    assert len(ws.store.transitions(KEY)) == transitions and mails(ws) == sent     # no new route, no mail
    assert ws.store.record(KEY).data["item"] == "石膏板"                            # type: ignore[union-attr]


def test_restore_of_an_intact_row_writes_nothing(ws: Workspace, book: Book) -> None:
    two_rows(ws, book)
    stamp = book.path.stat().st_mtime_ns
    assert "无需恢复" in restore_row(ws, KEY, None)[-1]
    assert book.path.stat().st_mtime_ns == stamp


def test_restore_waits_while_the_workbook_is_open(ws: Workspace, book: Book) -> None:
    two_rows(ws, book)
    book.set(2, "item", "乱写")
    lock = book.path.with_name(f"~${book.path.name}")
    lock.write_text("excel")
    assert "关闭后写入" in restore_row(ws, KEY, None)[-1]
    assert book.cell(2, "item") == "乱写"
    lock.unlink()
    run_pass(ws)                                  # the write waited in the store: it lands now
    assert book.cell(2, "item") == "石膏板"


def test_restore_as_of_takes_a_remark_back(make_workspace: Callable[..., Workspace]) -> None:
    ws = make_workspace()
    book = Book(ws.cfg.sheets_dir / BOOK)
    book.put_rows([good_row(remarks="原备注")])
    run_pass(ws)
    ws.close()
    later = make_workspace(now=dt.datetime(2026, 11, 30, 9, 0))
    book.set(2, "remarks", "改坏了")
    run_pass(later)
    lines = restore_row(later, KEY, NOW.replace(tzinfo=TZ) + dt.timedelta(hours=1))
    assert "备注" in lines[0] and book.cell(2, "remarks") == "原备注"
    assert later.store.record(KEY).data["remarks"] == "原备注"                     # type: ignore[union-attr]
    assert changes(later)[-1] == ("remarks", "改坏了", "原备注", "sheetflow", "sheetflow")
    transitions = len(later.store.transitions(KEY))
    run_pass(later)
    assert len(later.store.transitions(KEY)) == transitions


@pytest.mark.parametrize(("setup", "as_of", "message"), [
    ("signed_edit", "2026-11-29 11:00", "需要重新签批"),        # taking signed content back is an edit
    ("none", "2026-11-28", "还不存在"),                         # before the record was made
    ("row_gone", None, "找不到编号为"),                         # the row is not in the workbook
    ("two_rows", None, "有 2 行编号为"),
    ("none", "下周", "无法识别"),
])
def test_restore_refuses_with_what_to_do(make_workspace: Callable[..., Workspace], setup: str, as_of: str | None,
                                         message: str) -> None:
    ws = make_workspace()
    book = Book(ws.cfg.sheets_dir / BOOK)
    two_rows(ws, book)
    if setup == "signed_edit":
        ws.close()
        ws = make_workspace(now=dt.datetime(2026, 11, 30, 9, 0))
        book.set(2, "quantity", 20)
        run_pass(ws)
    elif setup == "row_gone":
        book.set(2, "key", None)
        book.put_rows([{"item": "别的"}])
    elif setup == "two_rows":
        book.set(3, "key", KEY)
    with pytest.raises(RestoreError) as err:
        restore_row(ws, KEY, as_of)
    assert message in str(err.value)
    assert KEY in str(err.value) or as_of == "下周"


def test_restore_of_an_unknown_record(ws: Workspace) -> None:
    with pytest.raises(UnknownRecordError):
        restore_row(ws, "PR-2026-0099", None)


def test_restore_cli(ws: Workspace, book: Book) -> None:
    two_rows(ws, book)
    book.set(2, "item", "乱写")
    done = run_cli("restore", "--record", KEY, "-w", str(ws.root))
    if "invalid choice" in done.stderr:
        pytest.skip("`sheetflow restore` is not in this tree")
    assert done.returncode == 0, done.stderr
    assert book.cell(2, "item") == "石膏板"


def test_restore_on_google_puts_one_row_back(gsheet: GoogleSheet) -> None:
    gsheet.put_rows([good_row(), good_row(item="龙骨")])
    gsheet.run()
    gsheet.set(2, "item", "乱写")
    gsheet.set(3, "remarks", "另一行的改动")
    transitions = len(gsheet.ws.store.transitions(KEY))
    assert "已恢复" in restore_row(gsheet.ws, KEY, None)[-1]
    assert gsheet.cell(2, "item") == "石膏板" and gsheet.cell(3, "remarks") == "另一行的改动"
    gsheet.run()
    assert len(gsheet.ws.store.transitions(KEY)) == transitions
