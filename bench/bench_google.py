#!/usr/bin/env python
"""Requests (and loopback time) for one Google pass against the naive gspread way, measured in the same run.

    .venv/bin/python bench/bench_google.py [--rows-per-tab 4] [--tabs 5]
    .venv/bin/python bench/bench_google.py --smoke     # 1 tab, 1 row: the checks, no figure judged (CI)

Against the local fake (tests/google_fake), since no machine here reaches Google. The quota is what
matters at Google (60 requests per minute per user), so the figure is requests; wall time on loopback is
printed for context only. The scenario is the issue's: 5 forms in one spreadsheet, 4 changed rows each.

* ours:  run_pass -- Drive check, one values.batchGet for all tabs, Drive check, one values.batchUpdate;
* after: run_pass again: Drive cannot say whether our write was the only change, so it reads the tabs once
         (one Drive check, one values.batchGet) and finds nothing new;
* idle:  run_pass once more with nothing changed: one Drive check;
* naive: what a straightforward gspread script does per form: open_by_key + worksheet(title) (metadata),
         get_all_values (one read per tab), then update_cell for each status cell it writes.

Both ways are checked by reading the fake spreadsheet back: every new row shows its number and status after
our pass (and the passes after it leave it as it was); every cell the naive script wrote holds what it wrote.
"""

from __future__ import annotations

import argparse
import inspect
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "tests"), str(HERE.parent)]

from backends import GoogleSheet, make_google_workspace  # noqa: E402
from conftest import COLS, NOW, SHEET, good_row  # noqa: E402
from google_fake import FakeGoogle, client_for  # noqa: E402

from processors.passes import run_pass  # noqa: E402
from processors.resources import bundled_dir  # noqa: E402

SYSTEM = ("key", "status", "message", "updated")
KEY = re.compile(r"[A-Z][A-Z0-9]*-2026-\d{4,}")  # PR-2026-0001 on the first tab, R2-2026-0001 on the next ...


def sheets_requests(fake: FakeGoogle, mark: int) -> tuple[int, int]:
    counts = fake.requests_since(mark)
    sheets = sum(n for (_, kind), n in counts.items() if not kind.startswith(("files.", "oauth")))
    drive = sum(n for (_, kind), n in counts.items() if kind.startswith("files."))
    return sheets, drive


def workspace(root: Path, fake: FakeGoogle, tabs: int) -> tuple[object, str, list[str]]:
    source = (bundled_dir("forms") / "purchase_request.toml").read_text(encoding="utf-8")
    (root / "forms").mkdir(parents=True)
    names = [SHEET]
    for n in range(2, tabs + 1):
        (root / "forms" / f"request_{n}.toml").write_text(
            source.replace('id = "purchase_request"', f'id = "request_{n}"')
            .replace('sheet = "采购申请"', f'sheet = "采购申请{n}"').replace('prefix = "PR"', f'prefix = "R{n}"'),
            encoding="utf-8")
        names.append(f"{SHEET}{n}")
    ws, sid = make_google_workspace(root, fake, NOW)
    return ws, sid, names


def fill(ws: object, fake: FakeGoogle, sid: str, names: list[str], rows: int, round_: int) -> None:
    for name in names:
        sheet = GoogleSheet(ws, fake, sid)  # type: ignore[arg-type]
        sheet.tab = name
        sheet.put_rows([good_row(item=f"物料{round_}-{i}") for i in range(rows)], start=2 + round_ * rows)


def naive(fake: FakeGoogle, sid: str, names: list[str], rows: int, round_: int) -> None:
    """Per form: open, read the tab, write each status cell of the changed rows with update_cell."""
    client = client_for(fake)
    for name in names:
        book = client.open_by_key(sid)
        tab = book.worksheet(name)
        tab.get_all_values()
        for i in range(rows):
            row = 2 + round_ * rows + i
            for role in SYSTEM:
                tab.update_cell(row, COLS[role], f"{role}-{row}")


def check_ours(fake: FakeGoogle, sid: str, names: list[str], rows: int) -> list[list[list[object]]]:
    """The pass did the work a user sees: every new row of every tab shows a number and a status."""
    grids = [fake.values(sid, name) for name in names]
    for name, grid in zip(names, grids, strict=True):
        for row in range(2, 2 + rows):
            cells = grid[row - 1] if row - 1 < len(grid) else []
            key, status = (str(cells[COLS[r] - 1]) if COLS[r] - 1 < len(cells) else "" for r in ("key", "status"))
            assert KEY.fullmatch(key), f"{name} row {row}: no number written ({key!r})"
            assert status, f"{name} row {row}: no status written"
    return grids


def check_naive(fake: FakeGoogle, sid: str, names: list[str], rows: int) -> None:
    for name in names:
        grid = fake.values(sid, name)
        for row in range(2, 2 + rows):
            for role in SYSTEM:
                assert grid[row - 1][COLS[role] - 1] == f"{role}-{row}", f"naive: {name} row {row} {role} not written"


@dataclass
class Measured:
    ours: tuple[int, int]          # (Sheets, Drive) requests of our pass
    ours_t: float
    after: tuple[int, int]         # the same for the pass after it (reads once)
    idle: tuple[int, int]          # and for an idle pass after that
    naive: tuple[int, int]
    naive_t: float


def one_pass(ws: object) -> None:
    """A pass without its follow-up mail (which costs no Sheets request) where the engine can tell them apart."""
    if "follow_up" in inspect.signature(run_pass).parameters:
        run_pass(ws, follow_up=False)  # type: ignore[arg-type]
    else:
        run_pass(ws)  # type: ignore[arg-type]


def measure(tabs: int, rows: int) -> Measured:
    with FakeGoogle() as fake, tempfile.TemporaryDirectory() as tmp:
        ws, sid, names = workspace(Path(tmp) / "ws", fake, tabs)
        fill(ws, fake, sid, names, rows, 0)
        mark, t0 = fake.mark(), time.perf_counter()
        one_pass(ws)
        ours_t = time.perf_counter() - t0
        ours = sheets_requests(fake, mark)
        written = check_ours(fake, sid, names, rows)
        mark = fake.mark()
        one_pass(ws)        # reads once: our write may not have been the only change
        after = sheets_requests(fake, mark)
        mark = fake.mark()
        one_pass(ws)
        idle = sheets_requests(fake, mark)
        assert [fake.values(sid, n) for n in names] == written, "a pass after ours changed the sheet"
        naive_sid = fake.create_spreadsheet("naive", {n: [[c for c in COLS]] for n in names})
        for n in names:
            fake.set_values(naive_sid, n, [[f"x{i}"] for i in range(rows)], start="A2")
        mark, t0 = fake.mark(), time.perf_counter()
        naive(fake, naive_sid, names, rows, 0)
        naive_t = time.perf_counter() - t0
        naive_n = sheets_requests(fake, mark)
        check_naive(fake, naive_sid, names, rows)
        ws.close()  # type: ignore[attr-defined]
    assert ours[0] >= 1 and naive_n[0] >= 1, (ours, naive_n)
    return Measured(ours, ours_t, after, idle, naive_n, naive_t)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tabs", type=int, default=5)
    ap.add_argument("--rows-per-tab", type=int, default=4)
    ap.add_argument("--smoke", action="store_true", help="once at the smallest size (1 tab, 1 row): checks only")
    args = ap.parse_args(argv)
    if args.smoke:
        args.tabs, args.rows_per_tab = 1, 1
    started = time.perf_counter()
    m = measure(args.tabs, args.rows_per_tab)
    ours, after, idle, naive_n, ours_t, naive_t = m.ours, m.after, m.idle, m.naive, m.ours_t, m.naive_t
    changed = args.tabs * args.rows_per_tab
    minute = 60
    print(f"{args.tabs} forms in one spreadsheet, {changed} changed rows, {len(SYSTEM)} system cells per row\n")
    print("| Way | Sheets requests | Drive requests | Loopback time | Minutes of a 60/min quota |")
    print("|---|---:|---:|---:|---:|")
    print(f"| sheetflow pass | {ours[0]} | {ours[1]} | {ours_t * 1000:.0f} ms | {ours[0] / minute:.2f} |")
    print(f"| naive gspread (open + read per tab, update_cell per cell) | {naive_n[0]} | {naive_n[1]} | "
          f"{naive_t * 1000:.0f} ms | {naive_n[0] / minute:.2f} |")
    print(f"| sheetflow, the pass after it (reads once, nothing new) | {after[0]} | {after[1]} | | "
          f"{after[0] / minute:.2f} |")
    print(f"| sheetflow, an idle pass | {idle[0]} | {idle[1]} | | {idle[0] / minute:.2f} |")
    print(f"\nRatio (Sheets requests, naive / ours): **{naive_n[0] / ours[0]:.0f}×** for the pass, "
          f"**{naive_n[0] / (ours[0] + after[0]):.0f}×** with the re-read the pass after it makes")
    if args.smoke:
        print(f"bench_google smoke: ok, {changed} row numbered and written back (read from the fake); "
              f"ours {ours[0]} Sheets requests, naive {naive_n[0]}; {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
