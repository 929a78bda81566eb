#!/usr/bin/env python
"""The pass benchmark for two commits in the same run, old and new interleaved: is the new one slower?

    .venv/bin/python bench/compare_commits.py OLD NEW [--sizes 1000 10000 50000] [--repeat N] [--results PATH]
    .venv/bin/python bench/compare_commits.py --smoke HEAD HEAD    # 500 rows, once, writes nothing (CI)

Both commits are checked out as detached git worktrees in a temporary folder. THIS checkout's bench_pass.py
runs against each (--source: that commit's engine, forms and templates), in two worker processes that stay up
for the whole run, so both sides are measured by the same code. Per size both are set up, then the
repetitions alternate between them (old-new, new-old, ...), so load from elsewhere on the machine hits both
alike; each side also times openpyxl load + save of its own edited file in the same repetitions. Only
timings and read-back checks cross between the processes (JSON lines), never engine objects.

bench/results.md (or --results) gets the old commit's numbers beside the new, the ratios new / old, each side
against openpyxl, and each side's full tables (stage table included, where its source has the names).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from compare_report import Side, document, summary
from report import SMOKE_SIZE, SizeResult, check_counts

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results.md"


class CompareError(Exception):
    """A commit that cannot be checked out, or a worker that failed; the message says which and why."""


def git(*args: str, cwd: Path = REPO) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise CompareError(f"git {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout.strip()


def commit_of(rev: str) -> tuple[str, str]:
    """(full hash, 'abc1234 subject') of a revision, or CompareError."""
    full = git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    return full, git("log", "-1", "--format=%h %s", full)


@dataclass
class Worker:
    """One bench_pass.py --worker process serving one commit's source."""

    side: Side
    proc: subprocess.Popen[str]
    log: Path
    _log_file: IO[str] = field(repr=False)

    @classmethod
    def start(cls, side: Side, log: Path) -> Worker:
        log_file = log.open("w", encoding="utf-8")
        proc = subprocess.Popen([sys.executable, str(HERE / "bench_pass.py"), "--source", str(side.tree), "--worker"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log_file, text=True,
                                encoding="utf-8")
        return cls(side, proc, log, log_file)

    def ask(self, cmd: str, **params: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        try:
            self.proc.stdin.write(json.dumps({"cmd": cmd, **params}) + "\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            pass  # the worker is gone; reading says so
        line = self.proc.stdout.readline()
        if not line:
            raise CompareError(f"{self.side.label}: the worker stopped (exit {self.proc.wait()}):\n{self.tail()}")
        reply = json.loads(line)
        if not reply.pop("ok"):
            raise CompareError(f"{self.side.label}: {cmd} {params} failed:\n{reply['error']}")
        return reply

    def tail(self, lines: int = 30) -> str:
        self._log_file.flush()
        return "\n".join(self.log.read_text("utf-8", errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                assert self.proc.stdin is not None
                self.proc.stdin.write(json.dumps({"cmd": "quit"}) + "\n")
                self.proc.stdin.close()
                self.proc.wait(timeout=60)
            except (BrokenPipeError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        self._log_file.close()


def measure_size(workers: list[Worker], size: int, repeat: int) -> None:
    """Set both up, then alternate their repetitions (ABBA ...) so drifting load hits both alike."""
    for w in workers if size % 2 else reversed(workers):
        t0 = time.perf_counter()
        w.ask("setup", size=size, repeat=repeat)
        print(f"  {w.side.name}: set up in {time.perf_counter() - t0:.0f} s (first pass numbers every row)", flush=True)
    for i in range(repeat):
        for w in workers if i % 2 == 0 else reversed(workers):
            got = w.ask("rep", size=size, i=i)
            print(f"  rep {i + 1}/{repeat} {w.side.name}: pass {got['ours'] * 1000:,.0f} ms, "
                  f"openpyxl {got['naive'] * 1000:,.0f} ms", flush=True)
    for i in range(min(repeat, 3)):
        for w in workers if i % 2 == 0 else reversed(workers):
            w.ask("stages", size=size)
    for w in workers:
        w.side.results.append(SizeResult.from_dict(w.ask("result", size=size)["result"]))


def run(sides: list[Side], sizes: list[int], repeat: int | None, tmp: Path) -> None:
    """Both workers up and every size measured, into each side's results."""
    workers: list[Worker] = []
    try:
        for side in sides:
            workers.append(Worker.start(side, tmp / f"{side.name}.log"))
        for w in workers:
            hello = w.ask("hello")
            if Path(hello["engine"]) != w.side.tree:
                raise CompareError(f"{w.side.label}: the engine came from {hello['engine']}, not {w.side.tree}")
            w.side.notes, w.side.machine = hello["notes"], hello["machine"]
        for size in sizes:
            reps = repeat or (5 if size <= 10_000 else 3)
            print(f"\n== {size:,} rows, {reps} repetitions each ==", flush=True)
            measure_size(workers, size, reps)
    except CompareError:
        for w in workers:
            print(f"--- last lines of {w.side.name}'s log ---\n{w.tail()}", file=sys.stderr)
        raise
    finally:
        for w in workers:
            w.stop()


def checkout(sides: list[Side]) -> None:
    for side in sides:
        git("worktree", "add", "--detach", "--quiet", str(side.tree), side.commit)


def remove_checkouts(trees: list[Path]) -> None:
    for tree in trees:
        if tree.exists():
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=REPO, capture_output=True)
    subprocess.run(["git", "worktree", "prune"], cwd=REPO, capture_output=True)


def parse(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("old", help="the commit before (any git revision: HEAD~1, a hash, a branch)")
    ap.add_argument("new", help="the commit after")
    ap.add_argument("--sizes", nargs="+", type=int, default=[1000, 10000, 50000], help="row counts")
    ap.add_argument("--repeat", type=int, default=None, help="repetitions per side (default 5, or 3 above 10,000)")
    ap.add_argument("--results", type=Path, default=RESULTS, help="where the Markdown goes (default %(default)s)")
    ap.add_argument("--keep", action="store_true", help="keep the worktrees and the workers' logs (printed)")
    ap.add_argument("--smoke", action="store_true", help=f"{SMOKE_SIZE} rows, once, no results file")
    args = ap.parse_args(argv)
    if args.smoke:
        args.sizes, args.repeat, args.results = [SMOKE_SIZE], 1, None
    check_counts(ap, args.sizes, args.repeat)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="sheetflow-compare-"))
    try:
        sides = [Side("old", *commit_of(args.old), tmp / "old"), Side("new", *commit_of(args.new), tmp / "new")]
        checkout(sides)
        for side in sides:
            print(f"{side.name}: {side.subject}  ({side.tree})", flush=True)
        run(sides, args.sizes, args.repeat, tmp)
    except CompareError as exc:
        print(f"compare_commits: {exc}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            remove_checkouts([tmp / "old", tmp / "new"])
            shutil.rmtree(tmp, ignore_errors=True)
    command = " ".join(["bench/compare_commits.py", *(argv if argv is not None else sys.argv[1:])])
    text = document(command, sides)
    print("\n" + summary(sides))
    if args.results is None:
        print(f"compare_commits smoke: ok, {sides[0].subject.split()[0]} vs {sides[1].subject.split()[0]} at "
              f"{SMOKE_SIZE} rows in two workers, each pass read back; {time.perf_counter() - started:.0f} s")
    else:
        args.results.write_text(text, "utf-8")
        print(f"written to {args.results} ({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
