"""A fault stays where it happens: an exception injected at every stage and hook of a pass.

For each named point of a pass (processors/faults.py POINTS), an exception is
raised there, in one row, one kind's hook, one workbook or the mail stage. The
pass must still complete; the other rows are decided, the other workbooks
written, the mail delivered; the fault is shown where it happened (the row's
message, or `sheetflow status`); and the next pass, without the fault, brings
everything to where it would have been.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from conftest import Book, good_row
from orders_helpers import FormSheet

from processors import faults
from processors.passes import run_pass
from processors.status_view import render_status
from processors.workspace import Workspace

REQUESTS, UNITS = "sheets/采购申请.xlsx", "sheets/铺位.xlsx"


class Injected(RuntimeError):
    pass


def when(**match: Any) -> Callable[..., None]:
    """A hook that raises only where every given context value matches (one row, one kind, one file)."""
    def hook(**ctx: Any) -> None:
        if all(ctx.get(k) == v for k, v in match.items()):
            raise Injected("injected fault 注入的故障")
    return hook


# point, what the hook must match, where the fault shows, whether the units book is written this pass,
# whether mail goes out this pass
MATRIX = [
    ("prepare", {"kind": "unit"}, "status", True, True),
    ("book_read", {"file": UNITS}, "status", False, True),
    ("decide_row", {"file": REQUESTS, "row": 3}, "row", True, True),
    ("kind_after_sync", {"kind": "purchase_request"}, "status", True, True),
    ("book_writing", {"file": UNITS}, "status", False, True),
    ("write_before_rename", {"file": UNITS}, "status", False, True),
    ("write_after_rename", {"file": UNITS}, "status", True, True),
    ("book_written", {"file": UNITS}, "status", True, True),
    ("timers", {"kind": "unit"}, "status", True, True),
    ("finish", {"kind": "unit"}, "status", True, True),
    ("outputs", {"kind": "unit"}, "status", True, True),
    ("route_timers", {}, "status", True, True),
    ("documents", {}, "status", True, True),
    ("mail", {}, "status", True, False),
]


def test_every_point_of_a_pass_is_in_the_matrix() -> None:
    covered = {p for p, *_ in MATRIX}
    # pass_start: the pass as a whole (watch's own test, test_watch_never_dies); after_sync: where the race tests
    # act as a person (test_backend_contract)
    assert set(faults.POINTS) - covered <= {"pass_start", "after_sync"}


def _units(ws: Workspace) -> FormSheet:
    return FormSheet(ws, "unit")


def _prepared(ws: Workspace, book: Book) -> FormSheet:
    book.put_rows([good_row(item="甲"), good_row(item="乙"), good_row(item="丙")])
    units = _units(ws)
    units.put([{"unit_no": "1F-01", "floor": "1F", "area": 80, "category": "餐饮"},
               {"unit_no": "1F-02", "floor": "1F", "area": 60, "category": "零售"}])
    return units


def _mailed(ws: Workspace, key: str) -> bool:
    return any(ws.store.conn.execute("SELECT 1 FROM outbox WHERE record_key = ? AND state = 'sent'", (key,)))


@pytest.mark.parametrize(("point", "match", "shown", "units_written", "mail_sent"), MATRIX,
                         ids=[m[0] for m in MATRIX])
def test_a_fault_at_each_point_stays_where_it_happened(ws: Workspace, book: Book, point: str,
                                                       match: dict[str, Any], shown: str, units_written: bool,
                                                       mail_sent: bool) -> None:
    units = _prepared(ws, book)
    with faults.hooked(point, when(**match), once=False):
        report = run_pass(ws)                        # completes: nothing escapes
    faulty_row = point == "decide_row"
    assert book.system(2)["key"] == "PR-2026-0001" and book.system(4)["key"]
    if faulty_row:
        assert book.system(3)["key"] == "" and "injected fault" in book.system(3)["message"]
        assert "其余行照常处理" in book.system(3)["message"]
    else:
        assert book.system(3)["key"]
    assert (units.cell(2, "key") == "1F-01") is units_written
    assert _mailed(ws, "PR-2026-0001") is mail_sent
    status = render_status(ws)
    assert "injected fault" in status                 # listed with where it happened
    assert report.files                               # the pass reported the workbooks it handled

    run_pass(ws)                                      # the fault is gone: everything converges
    keys = [book.system(r)["key"] for r in (2, 3, 4)]
    assert sorted(keys) == ["PR-2026-0001", "PR-2026-0002", "PR-2026-0003"]   # gap-free, none twice
    assert units.cell(2, "key") == "1F-01" and units.cell(3, "key") == "1F-02"
    assert _mailed(ws, "PR-2026-0001")
    assert "injected fault" not in render_status(ws)  # cleared once the work went through


def test_a_bug_in_one_row_rolls_back_that_row_alone(ws: Workspace, book: Book) -> None:
    """Whatever the row had done before the fault (a number taken, a route opened, mail queued) is undone."""
    book.put_rows([good_row(item="甲"), good_row(item="乙")])
    with faults.hooked("decide_row", when(row=2), once=False):
        run_pass(ws)
    assert [r.key for r in ws.store.records("purchase_request")] == ["PR-2026-0001"]
    assert book.system(3)["key"] == "PR-2026-0001"      # the other row took the first number: no gap
    assert not any(ws.store.conn.execute("SELECT 1 FROM outbox WHERE record_key = 'PR-2026-0002'"))
    run_pass(ws)
    assert book.system(2)["key"] == "PR-2026-0002"
