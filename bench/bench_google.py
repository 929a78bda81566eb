#!/usr/bin/env python
"""Requests (and loopback time) for one Google pass against the naive gspread way, measured in the same run.

    .venv/bin/python bench/bench_google.py [--rows-per-tab 4] [--tabs 5]

Against the local fake (tests/google_fake), since no machine here reaches Google. The quota is what
matters at Google (60 requests per minute per user), so the figure is requests; wall time on loopback is
printed for context only. The scenario is the issue's: 5 forms in one spreadsheet, 4 changed rows each.

* ours:  run_pass -- Drive version check, one values.batchGet for all tabs, Drive check, one values.batchUpdate;
* naive: what a straightforward gspread script does per form: open_by_key + worksheet(title) (metadata),
         get_all_values (one read per tab), then update_cell for each status cell it writes;
* idle:  run_pass again with nothing changed, and the naive script's re-read of every tab.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "tests"), str(HERE.parent)]

from backends import GoogleSheet, make_google_workspace  # noqa: E402
from conftest import COLS, NOW, SHEET, good_row  # noqa: E402
from google_fake import FakeGoogle, client_for  # noqa: E402

from processors.passes import run_pass  # noqa: E402
from processors.resources import bundled_dir  # noqa: E402

SYSTEM = ("key", "status", "message", "updated")


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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tabs", type=int, default=5)
    ap.add_argument("--rows-per-tab", type=int, default=4)
    args = ap.parse_args()
    with FakeGoogle() as fake, tempfile.TemporaryDirectory() as tmp:
        ws, sid, names = workspace(Path(tmp) / "ws", fake, args.tabs)
        fill(ws, fake, sid, names, args.rows_per_tab, 0)
        mark, t0 = fake.mark(), time.perf_counter()
        run_pass(ws, follow_up=False)
        ours_t = time.perf_counter() - t0
        ours = sheets_requests(fake, mark)
        mark, t0 = fake.mark(), time.perf_counter()
        run_pass(ws, follow_up=False)        # sees only our own write
        run_pass(ws, follow_up=False)
        idle = sheets_requests(fake, mark)
        naive_sid = fake.create_spreadsheet("naive", {n: [[c for c in COLS]] for n in names})
        for n in names:
            fake.set_values(naive_sid, n, [[f"x{i}"] for i in range(args.rows_per_tab)], start="A2")
        mark, t0 = fake.mark(), time.perf_counter()
        naive(fake, naive_sid, names, args.rows_per_tab, 0)
        naive_t = time.perf_counter() - t0
        naive_n = sheets_requests(fake, mark)
        ws.close()  # type: ignore[attr-defined]
    changed = args.tabs * args.rows_per_tab
    minute = 60
    print(f"{args.tabs} forms in one spreadsheet, {changed} changed rows, {len(SYSTEM)} system cells per row\n")
    print("| Way | Sheets requests | Drive requests | Loopback time | Minutes of a 60/min quota |")
    print("|---|---:|---:|---:|---:|")
    print(f"| sheetflow pass | {ours[0]} | {ours[1]} | {ours_t * 1000:.0f} ms | {ours[0] / minute:.2f} |")
    print(f"| naive gspread (open + read per tab, update_cell per cell) | {naive_n[0]} | {naive_n[1]} | "
          f"{naive_t * 1000:.0f} ms | {naive_n[0] / minute:.2f} |")
    print(f"| sheetflow, two idle passes after it | {idle[0]} | {idle[1]} | | 0 |")
    print(f"\nRatio (Sheets requests, naive / ours): **{naive_n[0] / ours[0]:.0f}×**")


if __name__ == "__main__":
    main()
