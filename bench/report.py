"""The benchmark's results: what was measured for each size, and the Markdown tables and verdict made from it."""

from __future__ import annotations

import os
import platform
import statistics
from dataclasses import asdict, dataclass, field
from importlib import metadata
from typing import Any

import openpyxl
from workbooks import CHANGED_ROWS

TARGET_SIZE, TARGET_RATIO, TARGET_SECONDS = 10_000, 5.0, 0.5
# The stage table's columns, filled by Bench.run_stages in bench_pass.py.
STAGE_COLUMNS = ["total", "read", "decide", "fingerprints", "view", "changed rows", "write back", "zip patch",
                 "other"]


# -- measurements ------------------------------------------------------------------------------
@dataclass
class Timings:
    ours: list[float] = field(default_factory=list)
    ours_and_mail: list[float] = field(default_factory=list)  # the pass, then its mail out: comparable everywhere
    naive: list[float] = field(default_factory=list)
    idle: list[float] = field(default_factory=list)
    resaved: list[float] = field(default_factory=list)
    mail: list[float] = field(default_factory=list)     # follow-up after the pass: reminders due + mail out
    read_calamine: list[float] = field(default_factory=list)
    read_openpyxl: list[float] = field(default_factory=list)
    stages: dict[str, list[float]] = field(default_factory=dict)


@dataclass
class SizeResult:
    rows: int
    file_bytes: int
    author_s: float
    first_pass_s: float
    edit_s: float
    repeat: int
    t: Timings
    mail_included: bool = False   # the source cannot stop a pass before its mail: "our pass" includes it
    stages_missing: str = ""      # the internals the stage table needs and this source lacks
    stages_layout: str = ""       # which of stages.LAYOUTS the stage table timed

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SizeResult:
        return cls(**{**data, "t": Timings(**data["t"])})


# -- report ------------------------------------------------------------------------------------
def fmt(values: list[float]) -> str:
    if not values:
        return "–"
    med, lo = statistics.median(values), min(values)
    if med >= 1:
        return f"{med:.2f} / {lo:.2f} s"
    digits = 0 if med >= 0.01 else 2
    return f"{med * 1000:.{digits}f} / {lo * 1000:.{digits}f} ms"


def ratio(res: SizeResult) -> float:
    return statistics.median(res.t.naive) / statistics.median(res.t.ours)


def ms(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds >= 10 else f"{seconds * 1000:,.0f} ms"


def tables(results: list[SizeResult]) -> str:
    lines = [
        f"Pass with {CHANGED_ROWS} changed rows vs. openpyxl load + save of the same edited file, "
        "median / min over the repetitions (the two alternate, so background load hits both alike).",
        "",
        "| Rows | File | Repeats | Our pass | openpyxl load+save | naive / ours |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(f"| {r.rows:,} | {r.file_bytes / 1e6:.1f} MB | {r.repeat} | {fmt(r.t.ours)} | {fmt(r.t.naive)} "
                     f"| **{ratio(r):.1f}×** |")
    lines += [
        "",
        "Context: what follows the pass (the 4 newly numbered requests' sign-off mails, as .eml files), a pass "
        "when nothing changed, reading alone, and the (untimed) setup, whose first pass opens a route, hashes a "
        "code and queues a mail for every row.",
        "",
        "| Rows | Then: mail out | Idle pass (file untouched) | Pass after a save with no change "
        "| Read: calamine (read_snapshot) | Read: openpyxl read-only | Setup: first pass numbering every row |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(f"| {r.rows:,} | {fmt(r.t.mail)} | {fmt(r.t.idle)} | {fmt(r.t.resaved)} "
                     f"| {fmt(r.t.read_calamine)} | {fmt(r.t.read_openpyxl)} | {r.first_pass_s:.1f} s |")
    lines += [
        "",
        "Where our pass spends its time (median of instrumented runs): read = reading the workbook; decide = "
        "diff + decisions for the sheet, which includes the row fingerprints (timed apart on the same "
        "snapshot), the row-view read + rewrite and the 10 changed rows (validate + store; numbering and the new "
        "routes' code hashes where the engine does them here); write back = patching the workbook and renaming "
        "it, which includes the zip patch (and the numbering, where the engine numbers as it writes); other = the "
        "rest of run_pass (status rows, locks, the other workbooks' identity checks). The names timed for each "
        "layout are in stages.py.",
        "",
        "| Rows | Total | Read | Decide | ↳ fingerprints | ↳ row view | ↳ changed rows | Write back | ↳ zip patch "
        "| Other |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [stage_row(r) for r in results]
    layouts = sorted({r.stages_layout for r in results if r.stages_layout})
    if layouts:
        lines += ["", "Engine layout timed: " + "; ".join(layouts) + "."]
    if any(r.mail_included for r in results):
        lines += ["", "This source cannot stop a pass before its mail goes out: its \"our pass\" includes the mail."]
    return "\n".join(lines)


def stage_row(r: SizeResult) -> str:
    if r.stages_missing or not r.t.stages:
        return (f"| {r.rows:,} | stage table not available for this source (missing: {r.stages_missing or '?'}) |"
                + " |" * (len(STAGE_COLUMNS) - 1))
    st = {k: statistics.median(v) for k, v in r.t.stages.items()}
    return "| " + " | ".join([f"{r.rows:,}", *(ms(st.get(k, 0.0)) for k in STAGE_COLUMNS)]) + " |"


def verdict(results: list[SizeResult]) -> str:
    target = next((r for r in results if r.rows == TARGET_SIZE), None)
    if target is None:
        return f"Target not checked: run with a size of {TARGET_SIZE:,} rows."
    med, rt = statistics.median(target.t.ours), ratio(target)
    ok = rt >= TARGET_RATIO and med <= TARGET_SECONDS
    return (f"Target ({TARGET_SIZE:,} rows, {CHANGED_ROWS} changed: ≥ {TARGET_RATIO:.0f}× faster than openpyxl "
            f"load+save and ≤ {TARGET_SECONDS} s): {'**met**' if ok else '**not met**'} — our pass "
            f"{med:.3f} s median, {rt:.1f}× faster.")


def machine() -> str:
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"Python {platform.python_version()}, {platform.system()} {platform.machine()}, "
            f"{os.cpu_count()} CPUs (load average {load} at start), openpyxl {openpyxl.__version__}, "
            f"python-calamine {metadata.version('python-calamine')}")


def document(command: str, about: str, results: list[SizeResult]) -> str:
    """The whole of bench/results.md."""
    return f"# sheetflow pass benchmark\n\n`{command}`\n\n{about}\n\n{tables(results)}\n\n{verdict(results)}\n"


#: the smallest size the user's edit fits in (4 rows invalid for their quantity); --smoke runs at it
SMOKE_SIZE = 500


def check_counts(ap: Any, sizes: list[int], repeat: int | None) -> None:
    """The same limits for bench_pass and compare_commits: sizes the edit fits in, at least one repetition."""
    if any(s < SMOKE_SIZE for s in sizes):
        ap.error(f"sizes must be at least {SMOKE_SIZE} rows")
    if repeat is not None and repeat < 1:
        ap.error("--repeat must be at least 1")
