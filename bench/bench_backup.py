#!/usr/bin/env python
"""The backups (C3 daily order data, A4 weekly everything) on the example workspace: take, verify, restore.

    .venv/bin/python bench/bench_backup.py                 # the sample workspace padded to 10,000 records, 5 reps
    .venv/bin/python bench/bench_backup.py --records 50000 --repeat 3
    .venv/bin/python bench/bench_backup.py --smoke         # the sample workspace as init makes it, 1 repetition

Setup (untimed): `init --sample` in a temporary folder (the example's sheets, store and issued documents).
First the figure issue 16 asks for, on the example workspace as init makes it: `take_verified(ws, EVERYTHING)`
(what `sheetflow backup` does: SQLite online backup of the store, every workbook and output/ copied, the
manifest, then restored into a temporary folder and read back) against the naive way measured in the same run,
`shutil.copytree` of the workspace (a plain copy: unsafe while a pass writes, never checked); and `restore`
(verify, the safety backup of the current state, the store merged and replaced, the files put back) against
copytree back. Then the store padded with copies of its records under fresh keys (raw SQL, one transaction) up
to --records, and per set (orders: the store and the sales forms' workbooks; full: every workbook and the
output folder too): `take_backup` then `verify`. Checked: every verify passes and its record count is the
store's; a restore brings the backup's record count back. Nothing is judged; tables go to stdout.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from processors.backup import EVERYTHING, ORDER_DATA, BackupSet, take_backup, take_verified, verify  # noqa: E402
from processors.backup.restore import restore  # noqa: E402
from processors.clock import Clock  # noqa: E402
from processors.init_workspace import init_workspace  # noqa: E402
from processors.workspace import Workspace  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 29, 18, 0, tzinfo=TZ)


def pad(db: Path, records: int) -> int:
    """Copies of the store's records under fresh keys until it holds `records`; the count it holds."""
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        have = conn.execute("SELECT count(*) FROM records").fetchone()[0]
        if have and records > have:
            cols = [r[1] for r in conn.execute("PRAGMA table_info(records)") if r[1] not in ("id", "key", "number")]
            names = ", ".join(cols)
            conn.execute("BEGIN IMMEDIATE")
            for n in range(records - have):
                conn.execute(f"INSERT INTO records (key, number, {names}) SELECT ?, ?, {names} FROM records "
                             "ORDER BY id LIMIT 1 OFFSET ?", (f"BENCH-{n:06d}", 100000 + n, n % have))
            conn.execute("COMMIT")
        return int(conn.execute("SELECT count(*) FROM records").fetchone()[0])
    finally:
        conn.close()


def measure(ws: Workspace, bset: BackupSet, repeat: int, expected: int) -> tuple[list[float], list[float], int]:
    took, checked, size = [], [], 0
    for n in range(repeat):
        ws.clock.fixed = NOW + dt.timedelta(seconds=n)   # a folder of its own per repetition
        start = time.perf_counter()
        folder = take_backup(ws, bset)
        took.append(time.perf_counter() - start)
        start = time.perf_counter()
        manifest = verify(folder)
        checked.append(time.perf_counter() - start)
        assert sum(manifest.records.values()) == expected, (manifest.records, expected)
        size = sum(f.size for f in manifest.files)
    return took, checked, size


def naive_copy(root: Path, dest: Path) -> float:
    """The naive way: copy the workspace folder as it lies (what a person might script with cp -r)."""
    shutil.rmtree(dest, ignore_errors=True)
    start = time.perf_counter()
    shutil.copytree(root, dest, ignore=shutil.ignore_patterns("backups"))
    return time.perf_counter() - start


def example_figures(root: Path, repeat: int) -> None:
    """A full backup and a restore of the example workspace as init makes it, each against copytree."""
    took, restored, naive_in, naive_out = [], [], [], []
    for n in range(repeat):
        ws = Workspace(root, clock=Clock(TZ, NOW + dt.timedelta(minutes=n)))
        try:
            taken = take_verified(ws, EVERYTHING)
            took.append(taken.seconds)
            start = time.perf_counter()
            done = restore(ws, taken.folder)
            restored.append(time.perf_counter() - start)
        finally:
            ws.close()
        assert sum(done.manifest.records.values()) == sum(taken.manifest.records.values())
        naive_in.append(naive_copy(root, root.parent / "copy"))
        naive_out.append(naive_copy(root.parent / "copy", root.parent / "copy-back"))
    size = taken.size / 1e6
    print(f"example workspace as init makes it: {len(taken.manifest.files)} files, {size:.1f} MB, "
          f"{sum(taken.manifest.records.values())} records\n")
    print("| step | median s | naive copytree median s | ratio |\n|---|---:|---:|---:|")
    for name, ours, naive in (("backup (take + verify)", took, naive_in), ("restore (verify, safety backup, merge, "
                                                                           "put back)", restored, naive_out)):
        mine, theirs = statistics.median(ours), statistics.median(naive)
        print(f"| {name} | {mine:.3f} | {theirs:.3f} | {mine / theirs:.1f}x |")
    print()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--records", type=int, default=10_000, help="pad the store to this many records")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--smoke", action="store_true", help="the sample workspace unpadded, 1 repetition; checks only")
    args = ap.parse_args()
    if args.smoke:
        args.records, args.repeat = 0, 1
    with tempfile.TemporaryDirectory(prefix="sheetflow-bench-backup-") as tmp:
        root = Path(tmp) / "ws"
        init_workspace(root, sample=True)
        example_figures(root, args.repeat)
        ws = Workspace(root, clock=Clock(TZ, NOW))
        try:
            records = pad(ws.cfg.state_path, args.records)
            print("| set | records | files MB | take median s | verify median s |\n|---|---:|---:|---:|---:|")
            for bset in (ORDER_DATA, EVERYTHING):
                took, checked, size = measure(ws, bset, args.repeat, records)
                print(f"| {bset.name} | {records:,} | {size / 1e6:.1f} | {statistics.median(took):.3f} "
                      f"| {statistics.median(checked):.3f} |")
        finally:
            ws.close()
    if args.smoke:
        print(f"bench_backup smoke: ok, orders and full sets of the sample workspace ({records} records) taken "
              "and verified (restored, integrity_check, counts, sha256), and a full backup restored")


if __name__ == "__main__":
    main()
