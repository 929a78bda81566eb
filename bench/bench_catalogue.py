#!/usr/bin/env python
"""The catalogue's owned cells (现价, 促销) kept in step with the store, on a catalogue of many SKUs.

    .venv/bin/python bench/bench_catalogue.py                 # 2,000 SKUs, 5 repetitions
    .venv/bin/python bench/bench_catalogue.py --skus 10000 --repeat 3
    .venv/bin/python bench/bench_catalogue.py --smoke         # 50 SKUs, 1 repetition

Setup (untimed): a fresh workspace, the SKUs typed into 商品目录.xlsx (openpyxl) and numbered by one pass.
Timed: what the catalogue kind does after every sync of its sheet — make each SKU's row show the price and
promotion the store says — the way it does it (`CatalogueKind.after_sync`: an SKU not read this pass and shown as
last written costs one row of one query) against the naive way measured in the same run (for every SKU: its
record, what it should show, what it shows, each looked up). Then a whole pass after one price change was applied
(its cell written into a catalogue of that size). Checked: both ways owe no write when nothing changed, and the
changed price lands in its cell. Nothing is judged; figures go to stdout.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from processors.catalogue.cells import push  # noqa: E402
from processors.catalogue.item import CatalogueKind  # noqa: E402
from processors.clock import Clock  # noqa: E402
from processors.init_workspace import init_workspace  # noqa: E402
from processors.passes import run_pass  # noqa: E402
from processors.sheets.form_layout import new_sheet_columns  # noqa: E402
from processors.workspace import Workspace  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 30, 10, 0, tzinfo=TZ)


def fill(ws: Workspace, skus: int) -> Path:
    form = ws.forms["catalogue"]
    path = ws.cfg.sheets_dir / ws.file_pattern(form)
    cols = {c.name: i for i, c in enumerate(new_sheet_columns(form), start=1)}
    wb = openpyxl.load_workbook(path)
    sheet = wb[form.sheet]
    for n in range(skus):
        for name, value in (("sku", f"SKU-{n:05d}"), ("name", f"商品 {n}"), ("list_price", 100 + n % 900),
                            ("stock", 1 + n % 50)):
            sheet.cell(row=2 + n, column=cols[name]).value = value
    wb.save(path)
    return path


def naive(ws: Workspace) -> int:
    owed = 0
    with ws.store.transaction():
        for item in ws.store.catalogue_items():
            record = ws.store.record(item["key"])
            if record is not None:
                owed += push(ws, record)
    return owed


def timed(fn: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skus", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    skus, repeat = (50, 1) if args.smoke else (args.skus, args.repeat)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        init_workspace(root)
        ws = Workspace(root, clock=Clock(TZ, NOW))
        ws.generate_outputs = False
        path = fill(ws, skus)
        start = time.perf_counter()
        run_pass(ws)
        first = time.perf_counter() - start
        kind = CatalogueKind(ws, ws.forms["catalogue"])
        kind.prepare()
        ours = timed(lambda: kind.after_sync(True), repeat)
        theirs = timed(lambda: naive(ws), repeat)
        assert not ws.store.pending(), "nothing changed, yet a write is owed"
        key = ws.store.catalogue_item(sku="SKU-00007")["key"]
        with ws.store.transaction():
            ws.store.set_catalogue_item(key, price="88.00")
            push(ws, ws.store.record(key))
        start = time.perf_counter()
        run_pass(ws)
        one = time.perf_counter() - start
        wb = openpyxl.load_workbook(path, read_only=True)
        prices = [str(c.value) for c in next(wb.active.iter_rows(min_row=9, max_row=9))]
        assert "88.00" in prices, prices
        ws.close()
    print(f"SKUs {skus}, repetitions {repeat}")
    print(f"first pass (number every SKU, write its price)   {first:8.3f} s")
    print(f"after_sync, nothing changed: sheetflow's way      {ours * 1000:8.2f} ms")
    print(f"after_sync, nothing changed: naive (per SKU)      {theirs * 1000:8.2f} ms   ratio {theirs / ours:5.1f}x")
    print(f"pass after one price change (one cell written)    {one:8.3f} s")
    if args.smoke:
        print("smoke: ok, both ways owe nothing when nothing changed and the changed price landed in its cell")


if __name__ == "__main__":
    main()
