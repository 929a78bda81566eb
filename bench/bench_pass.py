#!/usr/bin/env python
"""Time one sheetflow pass over a big purchase-request workbook against openpyxl load + save.

    .venv/bin/python bench/bench_pass.py [--sizes 1000 10000 50000] [--repeat N] [--profile]
    .venv/bin/python bench/bench_pass.py --smoke              # once, 500 rows, checks only (CI)
    .venv/bin/python bench/bench_pass.py --source DIR ...     # the engine, forms and templates of DIR

For each size: author a workbook (openpyxl write-only, not timed), number every row with
one pass (timed and printed, but it is setup), let a "user" change the quantity of 10 rows
(openpyxl, once, not timed), then per repetition start from a fresh copy of the workspace
as it was after the first pass with the edited file copied in, and time:

* our pass:   run_pass(ws, follow_up=False) -- read, diff, validate the 10 rows, store (opening the
              sign-off route of the 4 rows that get a number: code hash + queued mail), write back;
* mail out:   follow_up_work(ws) right after -- reminders due, then the 4 queued mails written as .eml;
* naive:      openpyxl.load_workbook + set the same status cells + wb.save;
* idle:       run_pass(ws) again with the file untouched (identity check only);
* re-saved:   run_pass(ws) after the file's mtime moved but no row changed (read + diff);
* read only:  read_snapshot (calamine) vs openpyxl read_only iter_rows.

Each pass is checked by reading the workbook and outbox/ back (passbench.py), never by its report object.
--worker serves the same measurements one at a time over stdin/stdout (JSON lines) for compare_commits.py,
which runs two commits side by side. The tables come from report.py, the workbooks from workbooks.py.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import tomllib
import traceback
from importlib import metadata
from pathlib import Path
from typing import Any, TextIO

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results.md"


from source import source_arg  # noqa: E402  (bench/: the script's own folder is on sys.path)

SOURCE = source_arg(sys.argv[1:])
if SOURCE is not None and not (SOURCE / "processors" / "__init__.py").is_file():
    raise SystemExit(f"--source {SOURCE}: no processors/ package there (a checkout of sheetflow is expected)")
# The bench's own modules from here; the engine (and, through processors/resources.py, the forms/ and
# templates/ beside it) from SOURCE, ahead of the editable install's path entry.
sys.path[:0] = [str(HERE), str(SOURCE or REPO)]

from passbench import SEPARATE_MAIL, Bench  # noqa: E402
from report import SMOKE_SIZE, SizeResult, check_counts, document, fmt, machine, ratio, tables, verdict  # noqa: E402

import processors  # noqa: E402
from processors.resources import bundled_dir  # noqa: E402

ENGINE = Path(processors.__file__).resolve().parent.parent
if SOURCE is not None and SOURCE != ENGINE:
    raise SystemExit(f"--source {SOURCE}: processors was imported from {ENGINE} instead")


def source_notes() -> list[str]:
    """What the shared .venv may get wrong about ENGINE: it was installed from another checkout's pyproject."""
    notes = [f"engine {ENGINE / 'processors'}, forms {bundled_dir('forms')}, templates {bundled_dir('templates')}"]
    pyproject = ENGINE / "pyproject.toml"
    if pyproject.is_file():
        declared = tomllib.loads(pyproject.read_text("utf-8")).get("project", {}).get("entry-points", {})
        wanted = {(group, name, value) for group, points in declared.items() for name, value in points.items()}
        installed = {(ep.group, ep.name, ep.value) for ep in metadata.distribution("sheetflow").entry_points
                     if ep.group != "console_scripts"}
        if wanted != installed:
            notes.append(f"warning: entry points of {pyproject} differ from the installed sheetflow's "
                         f"({sorted(wanted ^ installed)}); run `pip install -e` from that checkout to match")
    return notes


# -- one process, whole sizes ------------------------------------------------------------------
def run_size(size: int, repeat: int, work: Path, *, stage_runs: int, profile: bool) -> SizeResult:
    print(f"\n== {size:,} rows, {repeat} repetitions ==", flush=True)
    b = Bench(size, repeat, work)
    res = b.setup()
    for i in range(repeat):
        b.repetition(i)
    for _ in range(stage_runs):
        b.run_stages()
    t = b.t
    print(f"  our pass {fmt(t.ours)} | openpyxl load+save {fmt(t.naive)} | ratio {ratio(res):.1f}× | "
          f"idle {fmt(t.idle)} | re-saved {fmt(t.resaved)} | read calamine {fmt(t.read_calamine)} "
          f"vs openpyxl {fmt(t.read_openpyxl)}", flush=True)
    if res.stages_missing:
        print(f"  stage table not available for this source (missing: {res.stages_missing})", flush=True)
    if profile:
        print(b.profile_ours())
    return res


def smoke(work: Path) -> int:
    """Once, at the smallest size, every code path (the stage table and the profile too); no timing judged."""
    started = time.perf_counter()
    res = run_size(SMOKE_SIZE, 1, work, stage_runs=1, profile=True)
    print(tables([res]))
    stage_note = "stage table ok" if not res.stages_missing else f"no stage table (missing {res.stages_missing})"
    print(f"bench_pass smoke: ok, {SMOKE_SIZE} rows, workbook and outbox read back; pass {fmt(res.t.ours)}, "
          f"openpyxl {fmt(res.t.naive)}, {stage_note}; {time.perf_counter() - started:.0f} s")
    return 0


# -- worker: one measurement per request, for compare_commits.py -------------------------------
def handle(req: dict[str, Any], benches: dict[int, Bench], work: Path) -> dict[str, Any]:
    cmd = req["cmd"]
    if cmd == "hello":
        return {"engine": str(ENGINE), "notes": source_notes(), "machine": machine(), "separate_mail": SEPARATE_MAIL}
    size = int(req["size"])
    if cmd == "setup":
        benches[size] = Bench(size, int(req["repeat"]), work)
        benches[size].setup()
        return {}
    b = benches[size]
    if cmd == "rep":
        b.repetition(int(req["i"]))
        return {"ours": b.t.ours[-1], "naive": b.t.naive[-1]}
    if cmd == "stages":
        b.run_stages()
        return {"missing": b.res.stages_missing}
    if cmd == "result":
        shutil.rmtree(b.work, ignore_errors=True)
        return {"result": benches.pop(size).res.to_dict()}
    raise ValueError(f"unknown command {cmd!r}")


def serve(work: Path) -> int:
    """JSON lines on stdin, one reply line each on the real stdout; everything printed goes to stderr."""
    proto: TextIO = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    benches: dict[int, Bench] = {}
    for line in sys.stdin:
        req = json.loads(line)
        if req["cmd"] == "quit":
            break
        try:
            reply = {"ok": True, **handle(req, benches, work)}
        except Exception:  # the orchestrator stops both sides and shows this
            reply = {"ok": False, "error": traceback.format_exc()}
        proto.write(json.dumps(reply) + "\n")
        proto.flush()
    return 0


def parse(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--sizes", nargs="+", default=["1000", "10000", "50000"],
                    help="row counts, space- or comma-separated (default 1000 10000 50000)")
    ap.add_argument("--repeat", type=int, default=None,
                    help="repetitions per measurement (default 5, or 3 above 10,000 rows)")
    ap.add_argument("--profile", action="store_true", help="also print a cProfile (cumulative) of one pass per size")
    ap.add_argument("--keep", action="store_true", help="keep the work folder (printed) for inspection")
    ap.add_argument("--no-results", action="store_true", help="do not write the results file")
    ap.add_argument("--results", type=Path, default=RESULTS, help="where the tables go (default bench/results.md)")
    ap.add_argument("--smoke", action="store_true", help=f"once at {SMOKE_SIZE} rows, checks only, writes nothing")
    ap.add_argument("--source", type=Path, help="a sheetflow checkout whose engine, forms and templates to measure")
    ap.add_argument("--worker", action="store_true", help="serve measurements over stdin/stdout (compare_commits)")
    args = ap.parse_args(argv)
    args.sizes = [int(s.replace("_", "")) for part in args.sizes for s in part.split(",") if s.strip()]
    check_counts(ap, args.sizes, args.repeat)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    work = Path(tempfile.mkdtemp(prefix="sheetflow-bench-"))
    try:
        if args.worker:
            return serve(work)
        about = machine()
        print(about + "\n" + "\n".join(source_notes()))
        if args.smoke:
            return smoke(work)
        started = time.perf_counter()
        results = []
        for size in args.sizes:
            repeat = args.repeat or (5 if size <= 10_000 else 3)
            results.append(run_size(size, repeat, work, stage_runs=min(repeat, 3), profile=args.profile))
            if not args.keep:
                shutil.rmtree(work / f"rows_{size}")
    finally:
        if args.keep:
            print(f"work folder kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    command = " ".join([".venv/bin/python bench/bench_pass.py", *(argv if argv is not None else sys.argv[1:])])
    print("\n" + tables(results) + "\n\n" + verdict(results))
    print(f"\ntotal {time.perf_counter() - started:.0f} s")
    if not args.no_results:
        args.results.write_text(document(command, about, results), "utf-8")
        print(f"written to {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
