#!/usr/bin/env python
"""Time one sheetflow pass over a big purchase-request workbook against openpyxl load + save.

    .venv/bin/python bench/bench_pass.py [--sizes 1000,10000,50000] [--repeat N] [--profile]

For each size: author a workbook (openpyxl write-only, not timed), number every row with
one pass (timed and printed, but it is setup), let a "user" change the quantity of 10 rows
(openpyxl, once, not timed), then per repetition start from a fresh copy of the workspace
as it was after the first pass with the edited file copied in, and time:

* our pass:   run_pass(ws, follow_up=False) -- calamine read, diff, validate the 10 rows, store (opening the
              sign-off route of the 4 rows that get a number: code hash + queued mail), patch + rename;
* mail out:   follow_up_work(ws) right after -- reminders due, then the 4 queued mails written as .eml;
* naive:      openpyxl.load_workbook + set the same status cells + wb.save;
* idle:       run_pass(ws) again with the file untouched (identity check only);
* re-saved:   run_pass(ws) after the file's mtime moved but no row changed (read + diff);
* read only:  read_snapshot (calamine) vs openpyxl read_only iter_rows.

The Markdown tables go to stdout and to bench/results.md. The workbooks and the user's edit come from
bench/workbooks.py, the tables from bench/report.py.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import pstats
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import openpyxl  # noqa: E402
from report import STAGE_COLUMNS, SizeResult, Timings, document, fmt, machine, ratio, tables, verdict  # noqa: E402
from workbooks import (  # noqa: E402
    BOOK,
    CHANGED_ROWS,
    FORM,
    SHEET,
    author_workbook,
    cell,
    column_numbers,
    create_workspace,
    grid_of,
    make_rows,
    open_workspace,
    plan_user_edit,
    save_user_edit,
)

from processors import passes as passes_mod  # noqa: E402
from processors import sync as sync_mod  # noqa: E402
from processors import writeback as writeback_mod  # noqa: E402
from processors.passes import FileReport, follow_up_work, run_pass  # noqa: E402
from processors.sheets.base import Snapshot  # noqa: E402
from processors.sheets.xlsx_read import read_snapshot  # noqa: E402
from processors.store import db as db_mod  # noqa: E402
from processors.sync import row_fingerprint  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results.md"


# -- measurements ------------------------------------------------------------------------------
def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


# Where a pass spends its time: (label, owner, attribute) wrapped with a timer for one instrumented run.
# Only this process's module attributes are swapped, and put back afterwards.
STAGES: list[tuple[str, Any, str]] = [
    ("read", passes_mod, "read_snapshot"),
    ("decide", passes_mod.FileSync, "run"),
    ("changed rows", sync_mod.FileSync, "_row"),
    ("view read", db_mod.Store, "row_view"),
    ("view write", db_mod.Store, "update_row_view"),
    ("write back", passes_mod, "flush"),
    ("zip patch", writeback_mod, "patch_workbook"),
]


@contextmanager
def instrumented(acc: dict[str, float], snaps: list[Snapshot]) -> Iterator[None]:
    saved = [(owner, name, getattr(owner, name)) for _, owner, name in STAGES]

    def wrap(label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timer(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                out = fn(*args, **kwargs)
            finally:
                acc[label] = acc.get(label, 0.0) + time.perf_counter() - t0
            if label == "read":
                snaps.append(out)
            return out
        return timer

    for label, owner, name in STAGES:
        setattr(owner, name, wrap(label, getattr(owner, name)))
    try:
        yield
    finally:
        for owner, name, fn in saved:
            setattr(owner, name, fn)


class Bench:
    def __init__(self, size: int, repeat: int, work: Path) -> None:
        self.size, self.repeat, self.work = size, repeat, work / f"rows_{size}"
        # The workspace always lives at the same path: its rules hash covers config.toml's path, and a
        # moved workspace would re-check every row. Each repetition restores it from `baseline`.
        self.root = self.work / "ws"
        self.baseline = self.work / "after_first_pass"
        self.edited = self.work / "edited.xlsx"     # the workbook after the user's 10 edits
        self.t = Timings()

    # setup ------------------------------------------------------------------------------------
    def setup(self) -> SizeResult:
        self.work.mkdir(parents=True)
        ws = create_workspace(self.root)
        form = ws.forms[FORM]
        self.cols = column_numbers(form)
        made = make_rows(self.size)
        book = self.root / "sheets" / BOOK
        author_s, _ = timed(lambda: author_workbook(book, form, [r for r, _ in made]))
        print(f"  authored {self.size:,} rows in {author_s:.1f} s ({book.stat().st_size / 1e6:.1f} MB)", flush=True)
        first_s, rep = timed(lambda: run_pass(ws))
        [frep] = rep.files
        assert frep.problem is None, frep.problem
        ws.close()
        invalid = sum(1 for _, k in made if k)
        print(f"  first pass (numbers {len(frep.numbered):,} rows, {invalid} invalid): {first_s:.1f} s", flush=True)
        assert len(frep.numbered) == self.size - invalid, (len(frep.numbered), self.size, invalid)
        shutil.copytree(self.root, self.baseline)

        # The user's edit: 6 valid rows get a bad quantity, 4 rows invalid for their quantity get a good one.
        self.edit = plan_user_edit(book, made, self.cols)
        edit_s, _ = timed(lambda: save_user_edit(book, self.edited, self.edit, self.cols))
        print(f"  user edit of {CHANGED_ROWS} rows with openpyxl (setup): {edit_s:.1f} s", flush=True)
        return SizeResult(self.size, self.edited.stat().st_size, author_s, first_s, edit_s, self.repeat, self.t)

    def fresh_workspace(self) -> tuple[Path, Path]:
        """The workspace as the first pass left it, with the user's edited workbook in place."""
        shutil.rmtree(self.root, ignore_errors=True)
        shutil.copytree(self.baseline, self.root)
        book = self.root / "sheets" / BOOK
        shutil.copyfile(self.edited, book)  # new mtime and inode: the pass must read it
        return self.root, book

    # our pass ---------------------------------------------------------------------------------
    def check_ours(self, frep: FileReport, book: Path) -> dict[int, dict[int, Any]]:
        assert frep.problem is None and not frep.skipped, frep
        assert frep.changed == CHANGED_ROWS, f"{frep.changed} rows seen as changed, expected {CHANGED_ROWS}"
        edit = self.edit
        assert len(frep.numbered) == len(edit.fixed), frep.numbered
        grid = grid_of(book)
        written: dict[int, dict[int, Any]] = {}
        c = self.cols
        for r in (*edit.invalidated, *edit.fixed):
            key, status, message = cell(grid, r, c["key"]), cell(grid, r, c["status"]), cell(grid, r, c["message"])
            old_key, old_status, old_message = edit.before[r]
            if r in edit.invalidated:
                assert status == edit.invalid_status and key == old_key and "数量" in message, (r, status, message)
            else:
                assert status == edit.valid_status and re.fullmatch(r"PR-2026-\d{4,}", key) and not old_key, (r, key)
            assert status != old_status and message != old_message, (r, status, message)
            written[r] = {c[n]: cell(grid, r, c[n]) for n in ("key", "status", "message", "updated")}
        return written

    def run_ours(self) -> None:
        root, book = self.fresh_workspace()
        ws = open_workspace(root)
        try:
            secs, rep = timed(lambda: run_pass(ws, follow_up=False))  # read, decide, write back the sheet
            self.t.ours.append(secs)
            self.written = self.check_ours(rep.files[0], book)
            secs, mail = timed(lambda: follow_up_work(ws))                # then the new requests' mails go out
            assert mail.sent == 4, mail
            self.t.mail.append(secs)

            secs, rep = timed(lambda: run_pass(ws))  # nothing touched the file since
            assert rep.files[0].skipped, rep.files[0]
            self.t.idle.append(secs)

            st = book.stat()  # saved again without a change (Ctrl+S): same rows, new mtime
            os.utime(book, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))
            secs, rep = timed(lambda: run_pass(ws))
            frep = rep.files[0]
            assert not frep.skipped and frep.changed == 0 and frep.written == 0, frep
            self.t.resaved.append(secs)
        finally:
            ws.close()

    def profile_ours(self) -> str:
        root, _ = self.fresh_workspace()
        ws = open_workspace(root)
        prof = cProfile.Profile()
        try:
            prof.runcall(run_pass, ws, follow_up=False)
        finally:
            ws.close()
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(30)
        return out.getvalue()

    def run_stages(self) -> None:
        """One more pass, instrumented: how its time splits between reading, deciding and writing back."""
        _, book = self.fresh_workspace()
        ws = open_workspace(self.root)
        acc: dict[str, float] = {}
        snaps: list[Snapshot] = []
        try:
            with instrumented(acc, snaps):
                secs, rep = timed(lambda: run_pass(ws, follow_up=False))
        finally:
            ws.close()
        self.check_ours(rep.files[0], book)
        snap = snaps[0]
        fp_secs, _ = timed(lambda: [row_fingerprint(snap, r) for r in snap.rows])  # same call as FileSync.run
        row = {"total": secs, "fingerprints": fp_secs, "view": acc["view read"] + acc["view write"],
               "other": secs - acc["read"] - acc["decide"] - acc["write back"]}
        row.update({k: v for k, v in acc.items() if k in STAGE_COLUMNS})
        for k in STAGE_COLUMNS:
            self.t.stages.setdefault(k, []).append(row[k])

    # the naive way ----------------------------------------------------------------------------
    def run_naive(self, i: int) -> None:
        path = self.work / f"naive_{i}.xlsx"
        shutil.copyfile(self.edited, path)

        def naive() -> None:
            wb = openpyxl.load_workbook(path)
            sh = wb[SHEET]
            for r, cells in self.written.items():
                for col, value in cells.items():
                    sh.cell(row=r, column=col).value = value
            wb.save(path)
        secs, _ = timed(naive)
        self.t.naive.append(secs)
        grid = grid_of(path)
        for r, cells in self.written.items():
            assert all(cell(grid, r, col) == v for col, v in cells.items()), r
        path.unlink()

    # reads alone ------------------------------------------------------------------------------
    def run_reads(self) -> None:
        root, book = self.fresh_workspace()
        ws = open_workspace(root)
        form, sheet = ws.forms[FORM], ws.sheet_name(ws.forms[FORM])
        ws.close()
        secs, snap = timed(lambda: read_snapshot(book, form, sheet))
        assert len(snap.rows) == self.size
        self.t.read_calamine.append(secs)

        def openpyxl_read() -> int:
            wb = openpyxl.load_workbook(book, read_only=True)
            try:
                return sum(1 for _ in wb[SHEET].iter_rows(values_only=True))
            finally:
                wb.close()
        secs, n = timed(openpyxl_read)
        assert n >= self.size + 1
        self.t.read_openpyxl.append(secs)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--sizes", default="1000,10000,50000", help="comma-separated row counts (default %(default)s)")
    ap.add_argument("--repeat", type=int, default=None,
                    help="repetitions per measurement (default 5, or 3 above 10,000 rows)")
    ap.add_argument("--profile", action="store_true", help="also print a cProfile (cumulative) of one pass per size")
    ap.add_argument("--keep", action="store_true", help="keep the work folder (printed) for inspection")
    ap.add_argument("--no-results", action="store_true", help="do not overwrite bench/results.md")
    args = ap.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    if any(s < 500 for s in sizes):
        ap.error("sizes must be at least 500 rows")
    if args.repeat is not None and args.repeat < 1:
        ap.error("--repeat must be at least 1")
    about = machine()
    work = Path(tempfile.mkdtemp(prefix="sheetflow-bench-"))
    print(about)
    results: list[SizeResult] = []
    started = time.perf_counter()
    try:
        for size in sizes:
            repeat = args.repeat or (5 if size <= 10_000 else 3)
            print(f"\n== {size:,} rows, {repeat} repetitions ==", flush=True)
            b = Bench(size, repeat, work)
            res = b.setup()
            for i in range(repeat):
                b.run_ours()  # first: the naive run writes the values our pass wrote
                b.run_naive(i)
                b.run_reads()
            for _ in range(min(repeat, 3)):
                b.run_stages()
            t = b.t
            print(f"  our pass {fmt(t.ours)} | openpyxl load+save {fmt(t.naive)} | ratio {ratio(res):.1f}× | "
                  f"idle {fmt(t.idle)} | re-saved {fmt(t.resaved)} | read calamine {fmt(t.read_calamine)} "
                  f"vs openpyxl {fmt(t.read_openpyxl)}", flush=True)
            if args.profile:
                print(b.profile_ours())
            results.append(res)
            if not args.keep:
                shutil.rmtree(b.work)
    finally:
        if args.keep:
            print(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    body = tables(results)
    command = " ".join([".venv/bin/python bench/bench_pass.py", *(argv if argv is not None else sys.argv[1:])])
    text = document(command, about, results)
    print("\n" + body + "\n\n" + verdict(results))
    print(f"\ntotal {time.perf_counter() - started:.0f} s")
    if not args.no_results:
        RESULTS.write_text(text, "utf-8")
        print(f"written to {RESULTS.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
