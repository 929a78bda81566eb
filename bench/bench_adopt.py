#!/usr/bin/env python
"""`sheetflow adopt` of a sheet of historic purchase requests, against the naive way: the first `run` over it.

    .venv/bin/python bench/bench_adopt.py                   # 10,000 rows; the naive pass over 1,000, scaled
    .venv/bin/python bench/bench_adopt.py --rows 50000 --naive-rows 2000
    .venv/bin/python bench/bench_adopt.py --smoke           # 200 rows both ways (CI)

Setup (untimed): a workspace made by `init`, its 采购申请.xlsx filled with --rows historic requests (openpyxl):
half carry their number (PR-2026-0001 …, with gaps), a status in Chinese or English and the sign-offs as the old
sheet had them, half have neither. Timed: `adopt` (read, decide and record every row in one transaction, write
the key / status / message cells back, the report workbook). The naive way is the first pass over the same
requests without numbers or statuses (what a department would do without adopt): every row numbered, its route
opened, a code hashed and a mail queued, the cells written, the mails delivered to outbox/. It is measured in
the same run over --naive-rows rows and scaled linearly to --rows when smaller (said in the output). Checked:
every row adopted, no mail, and the pass after adoption writes nothing. Nothing is judged; figures to stdout.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from processors.adopt.book import adopt_book  # noqa: E402
from processors.adopt.report import write_report  # noqa: E402
from processors.clock import Clock  # noqa: E402
from processors.init_workspace import init_workspace  # noqa: E402
from processors.passes import run_pass  # noqa: E402
from processors.sheets.form_layout import new_sheet_columns  # noqa: E402
from processors.workspace import Workspace  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 29, 10, 32, tzinfo=TZ)
PEOPLE = ("李强", "赵敏", "刘洋", "陈晨")


def fill(ws: Workspace, rows: int, *, historic: bool) -> Path:
    form = ws.forms["purchase_request"]
    path = ws.cfg.sheets_dir / ws.file_pattern(form)
    cols = {c.name: i for i, c in enumerate(new_sheet_columns(form), start=1)}
    wb = openpyxl.load_workbook(path)
    sheet = wb[form.sheet]
    for n in range(rows):
        r = n + 2
        values: dict[str, object] = {
            "applicant": PEOPLE[n % 4], "department": "工程部", "project": f"项目{n % 37}", "item": f"物料{n}",
            "spec": f"{n % 50}mm", "unit": "个", "quantity": 1 + n % 9, "unit_price": 12.5,
            "needed_by": dt.date(2026, 1 + n % 11, 1 + n % 27), "item_type": "常规"}
        if historic and n % 2 == 0:
            values.update(key=f"PR-2026-{n // 2 * 3 + 1:04d}", status=("已批准", "approved")[n % 4 // 2],
                          dept_head="王芳", purchasing_review="赵敏")
        for name, value in values.items():
            sheet.cell(row=r, column=cols[name]).value = value
    wb.save(path)
    return path


def workspace(root: Path) -> Workspace:
    init_workspace(root)
    return Workspace(root, clock=Clock(TZ, NOW))


def time_adopt(base: Path, rows: int) -> tuple[tuple[float, float], Workspace, Path]:
    ws = workspace(base / "adopt")
    path = fill(ws, rows, historic=True)
    started, cpu = time.perf_counter(), time.process_time()
    adoption = adopt_book(ws, ws.forms["purchase_request"], path, by="bench", dry_run=False)
    write_report(ws, adoption)
    took = (time.perf_counter() - started, time.process_time() - cpu)
    assert len(ws.store.records()) == rows, "every row adopted"
    return took, ws, path


def time_naive(base: Path, rows: int) -> tuple[float, float]:
    ws = workspace(base / "naive")
    fill(ws, rows, historic=False)
    started, cpu = time.perf_counter(), time.process_time()
    run_pass(ws)
    took = (time.perf_counter() - started, time.process_time() - cpu)
    assert len(ws.store.records()) == rows
    ws.close()
    return took


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--rows", type=int, default=10_000, help="historic requests in the sheet")
    ap.add_argument("--naive-rows", type=int, default=1_000, help="rows for the naive first pass (scaled up)")
    ap.add_argument("--smoke", action="store_true", help="200 rows both ways, for CI")
    args = ap.parse_args()
    rows, naive_rows = (200, 200) if args.smoke else (args.rows, min(args.naive_rows, args.rows))
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        adopt_s, ws, path = time_adopt(base, rows)
        before = path.stat().st_mtime_ns
        after = run_pass(ws)
        quiet = all(f.written == 0 for f in after.files) and path.stat().st_mtime_ns == before
        mails = len(list((ws.root / "outbox").glob("*.eml")))
        ws.close()
        naive_s = time_naive(base, naive_rows)
    scale = rows / naive_rows
    print("| rows | adopt wall s (CPU s) | naive first pass wall s (CPU s) | naive measured over | naive / adopt |")
    print("|---:|---:|---:|---:|---:|")
    how = f"{naive_rows:,} rows" + (f", ×{scale:g} scaled" if naive_rows != rows else "")
    print(f"| {rows:,} | {adopt_s[0]:.2f} ({adopt_s[1]:.2f}) | {naive_s[0] * scale:.1f} ({naive_s[1] * scale:.1f}) "
          f"| {how} | **{naive_s[0] * scale / adopt_s[0]:.0f}×** wall, {naive_s[1] / adopt_s[1] * scale:.0f}× CPU |")
    print(f"after adopt: {mails} mails in outbox/, the next pass wrote {'nothing' if quiet else 'cells'}")
    print("load average (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg())
          + f" on {os.cpu_count()} CPUs (a shared machine: the CPU figures are the steadier ones)")
    assert mails == 0 and quiet
    if args.smoke:
        print(f"bench_adopt smoke: ok, {rows} historic requests adopted in {adopt_s[0]:.2f} s against "
              f"{naive_s[0]:.2f} s for the first pass ({naive_s[0] / adopt_s[0]:.0f}×), no mail, next pass idle")
    return 0


if __name__ == "__main__":
    sys.exit(main())
