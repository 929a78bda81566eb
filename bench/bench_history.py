#!/usr/bin/env python
"""`sheetflow history KEY` among many records (issue 16: under 50 ms), and what the audit trail costs a pass.

    .venv/bin/python bench/bench_history.py                     # 10,000 records, 12 changes each, 5 reps
    .venv/bin/python bench/bench_history.py --records 200       # small, for CI
    .venv/bin/python bench/bench_history.py --smoke             # 200 records, 300 rows, 1 repetition

Setup (untimed): a workspace as `sheetflow init` makes it; --records purchase requests written through the
store's own paths (insert_record, then save_record(data=…) edits and transitions, each in its own
transaction as a pass would), so the audit table holds what a pass would have put there.

1. history: `history_lines(ws, key)` (the audit rows of one record by index, its transitions, labels, merged)
   for --sample keys spread over the store, against the naive way measured in the same run: replay every
   transition and every record's data in Python, keeping those of the one record (what one would do without
   a per-record trail: diff each stored version against the one before).
2. the pass: one `run_pass` that numbers --rows new rows of a workbook (every field of every row goes into the
   trail) and one after a person changed 10 of them, against the same passes with `Store.audit_changes`
   replaced by a no-op (the pass as it was before the trail), in fresh copies of one workspace, and the time
   spent inside the trail's own calls (clocked, not estimated); plus the core.xml read (`declared_modifier`)
   against the whole workbook read (`read_snapshot`).
Checked: every history holds its record's changes; both pass variants number the same rows.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
for extra in (REPO, REPO / "bench"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

import openpyxl  # noqa: E402
from workbooks import author_workbook, create_workspace, make_rows, open_workspace  # noqa: E402

from processors.audit.history import history_lines  # noqa: E402
from processors.audit.who import declared_modifier  # noqa: E402
from processors.passes import run_pass  # noqa: E402
from processors.sheets.xlsx_read import read_snapshot  # noqa: E402
from processors.store.audit import AuditMixin, Who, changed_fields  # noqa: E402
from processors.workspace import Workspace  # noqa: E402

AT = "2026-11-{day:02d}T{hour:02d}:{minute:02d}:00+08:00"
PEOPLE = [Who("李强", "declared"), Who("王芳", "google"), Who("赵敏", "row")]


def fill_store(ws: Workspace, records: int, edits: int) -> list[str]:
    """`records` requests, each edited `edits` times (two fields a time) and moved on a state every third."""
    rng = random.Random(16)
    rows = [r for r, _ in make_rows(min(records, 500))]
    keys, store = [], ws.store
    for n in range(records):
        key = f"PR-2026-{n + 1:05d}"
        data = {k: str(v) for k, v in rows[n % len(rows)].items() if v not in (None, "")}
        data["_cells"] = json.dumps(data, ensure_ascii=False)
        with store.transaction():
            store.insert_record(form="purchase_request", key=key, series="PR-2026", number=n + 1, state="",
                                data=data, content_hash="h", message="", file="sheets/采购申请.xlsx", row=n + 2,
                                at=AT.format(day=1, hour=8, minute=0), by=PEOPLE[n % 3])
        record = store.record(key)
        assert record is not None
        for e in range(edits):
            at = AT.format(day=2 + e % 27, hour=9 + e % 8, minute=rng.randrange(60))
            with store.transaction():
                changed = {**record.data, "quantity": str(rng.randrange(1, 500)), "remarks": f"第 {e} 次修改"}
                store.save_record(record, at=at, data=changed, by=PEOPLE[(n + e) % 3])
                if e % 3 == 0:
                    store.transition(record, f"awaiting:step{e}", actor="李强", reason=f"第 {e} 次", at=at)
        keys.append(key)
    return keys


def naive_history(ws: Workspace, key: str) -> list[tuple[str, str, str | None, str | None]]:
    """Without a per-record trail: every transition and every field change of the store read and replayed in
    Python, the one record's kept (a full scan, what a log of all changes without an index costs)."""
    conn = ws.store.conn
    keys = {r[0]: r[1] for r in conn.execute("SELECT id, key FROM records")}
    out: list[tuple[str, str, str | None, str | None]] = []
    for record_id, at, old, new in conn.execute(
            "SELECT record_id, at, from_state, to_state FROM transitions ORDER BY id"):
        if keys[record_id] == key:
            out.append((at, "state", old, new))
    for record_id, field, old, new, at in conn.execute("SELECT record_id, field, old, new, at FROM audit ORDER BY id"):
        if keys[record_id] == key:
            out.extend((at, f, a, b) for f, a, b in changed_fields({field: old}, {field: new}))
    out.sort()
    return out


def timed(fn: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
    took, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        took.append((time.perf_counter() - start) * 1000)
    return took, result


def history_figures(work: Path, records: int, edits: int, sample: int, repeat: int) -> list[str]:
    ws = create_workspace(work / "history")
    try:
        start = time.perf_counter()
        keys = fill_store(ws, records, edits)
        setup = time.perf_counter() - start
        rows = ws.store.conn.execute("SELECT count(*) FROM audit").fetchone()[0]
        chosen = [keys[i * len(keys) // sample] for i in range(sample)]
        ours: list[float] = []
        for key in chosen:
            took, lines = timed(lambda k=key: history_lines(ws, k), repeat)
            assert len(lines) > edits, (key, len(lines))
            ours.append(statistics.median(took))
        naive: list[float] = []
        for key in chosen[: max(1, min(5, sample))]:
            took, found = timed(lambda k=key: naive_history(ws, k), max(1, repeat // 2))
            assert len(found) >= edits
            naive.append(statistics.median(took))
        p95 = sorted(ours)[int(0.95 * (len(ours) - 1))]
        return [f"store: {records} records, {edits} edits each, {rows} audit rows (setup {setup:.1f} s)",
                f"history of one record: median {statistics.median(ours):.2f} ms, p95 {p95:.2f} ms, "
                f"max {max(ours):.2f} ms over {len(chosen)} records",
                f"naive replay of the whole store: median {statistics.median(naive):.1f} ms",
                f"ratio naive / ours: {statistics.median(naive) / statistics.median(ours):.0f}x"]
    finally:
        ws.close()


def edit_ten(path: Path, rows: int) -> None:
    wb = openpyxl.load_workbook(path)
    sheet = wb.worksheets[0]
    header = [c.value for c in sheet[1]]
    col = next(i for i, h in enumerate(header, start=1) if h and str(h).startswith("数量"))
    for r in range(2, min(rows, 10) + 2):
        sheet.cell(row=r, column=col).value = 999
    wb.properties.lastModifiedBy = "王芳"
    wb.save(path)


INSIDE = [0.0]   # ms spent inside the trail's own calls (audit_changes, stored_data) while timing a pass


def _clocked(fn: Callable[..., Any]) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            INSIDE[0] += (time.perf_counter() - start) * 1000
    return run


def one_pass_pair(base: Path, work: Path, rows: int, audit: bool) -> tuple[float, float, int, float, float]:
    """(first pass ms, edit pass ms, records, ms inside the trail in each) in a fresh copy of `base`."""
    root = work / f"pass-{'audit' if audit else 'none'}-{time.perf_counter_ns()}"
    shutil.copytree(base, root)
    saved = AuditMixin.audit_changes, AuditMixin.stored_data
    if audit:   # the real calls, clocked
        AuditMixin.audit_changes, AuditMixin.stored_data = map(_clocked, saved)  # type: ignore[method-assign]
    else:       # the pass as it was before the trail
        AuditMixin.audit_changes = lambda self, *a, **k: 0  # type: ignore[method-assign]
    ws = open_workspace(root)
    try:
        INSIDE[0] = 0.0
        start = time.perf_counter()
        run_pass(ws, follow_up=False)
        first, first_in = (time.perf_counter() - start) * 1000, INSIDE[0]
        edit_ten(ws.cfg.sheets_dir / "采购申请.xlsx", rows)
        INSIDE[0] = 0.0
        start = time.perf_counter()
        run_pass(ws, follow_up=False)
        edited, edited_in = (time.perf_counter() - start) * 1000, INSIDE[0]
        count = len(ws.store.records("purchase_request"))
    finally:
        ws.close()
        AuditMixin.audit_changes, AuditMixin.stored_data = saved  # type: ignore[method-assign]
    return first, edited, count, first_in, edited_in


def pass_figures(work: Path, rows: int, repeat: int) -> list[str]:
    base = work / "passbase"
    ws = create_workspace(base)
    form = ws.forms["purchase_request"]
    path = ws.cfg.sheets_dir / "采购申请.xlsx"
    ws.close()
    author_workbook(path, form, [r for r, _ in make_rows(rows)])
    results: dict[bool, list[tuple[float, float, int, float, float]]] = {True: [], False: []}
    for _ in range(repeat):
        for audit in (False, True):
            results[audit].append(one_pass_pair(base, work, rows, audit))
    counts = {r[2] for rs in results.values() for r in rs}
    assert len(counts) == 1, counts
    with_, without = results[True], results[False]
    core, _ = timed(lambda: declared_modifier(path), 20)
    whole, _ = timed(lambda: read_snapshot(path, form), 3)
    lines = [f"pass over {rows} rows ({counts.pop()} numbered), median of {repeat}:"]
    for i, name in ((0, "first pass (every field of every row into the trail)"), (1, "pass after 10 edits")):
        a, b = statistics.median(r[i] for r in with_), statistics.median(r[i] for r in without)
        inside = statistics.median(r[3 + i] for r in with_)
        lines.append(f"  {name}: {a:.0f} ms with the trail, {b:.0f} ms without ({(a - b) / b * 100:+.1f} %, "
                     f"noise included); inside the trail's own calls {inside:.1f} ms = {inside / a * 100:.2f} %")
    lines.append(f"  core.xml lastModifiedBy: {statistics.median(core):.2f} ms per read of the workbook; "
                 f"the workbook read itself: {statistics.median(whole):.0f} ms")
    return lines


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--records", type=int, default=10_000, help="records in the store (default 10,000)")
    p.add_argument("--edits", type=int, default=12, help="edits per record (default 12)")
    p.add_argument("--rows", type=int, default=2_000, help="rows of the workbook a pass reads (default 2,000)")
    p.add_argument("--sample", type=int, default=50, help="records whose history is timed (default 50)")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--smoke", action="store_true", help="200 records, 300 rows, 1 repetition (CI)")
    args = p.parse_args(argv)
    if args.smoke:
        args.records, args.rows, args.sample, args.repeat = 200, 300, 10, 1
    with tempfile.TemporaryDirectory(prefix="sheetflow-bench-history-") as tmp:
        for line in history_figures(Path(tmp), args.records, args.edits, args.sample, max(args.repeat, 3)):
            print(line)
        for line in pass_figures(Path(tmp), args.rows, args.repeat):
            print(line)
    if args.smoke:
        print("smoke: ok, history and pass figures measured and checked")
    return 0


if __name__ == "__main__":
    sys.exit(main())
