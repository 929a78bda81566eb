"""The Markdown of an old-vs-new run (compare_commits.py): the two commits side by side, then each in full."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from pathlib import Path

from report import SizeResult, fmt, tables

# Above this new / old (median of the pass and its mail out) the summary calls it a regression. The runs
# interleave, but a shared 2-core machine still moves single medians by a few per cent.
REGRESSION = 1.10


@dataclass
class Side:
    name: str                  # "old" or "new"
    commit: str                # full hash
    subject: str               # "abc1234 subject line"
    tree: Path                 # its detached worktree
    results: list[SizeResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    machine: str = ""

    @property
    def label(self) -> str:
        return f"{self.name} ({self.subject.split(' ')[0] if self.subject else self.commit[:7]})"


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def over(new: list[float], old: list[float]) -> str:
    return f"{med(new) / med(old):.2f}" if new and old else "–"


def median_only(values: list[float]) -> str:
    """fmt's median without the minimum, where two sides share a cell."""
    if not values:
        return "–"
    return fmt(values).split(" / ")[0] + (" s" if fmt(values).endswith(" s") else " ms")


def naive_ratio(r: SizeResult) -> str:
    return f"{med(r.t.naive) / med(r.t.ours):.1f}×"


def verdict(old: SizeResult, new: SizeResult) -> str:
    q = med(new.t.ours_and_mail) / med(old.t.ours_and_mail)
    word = "no regression" if q <= REGRESSION else f"**slower by {(q - 1) * 100:.0f} %**"
    return f"{new.rows:,} rows: new / old = {q:.2f} (pass + mail out, medians): {word}"


def summary(sides: list[Side]) -> str:
    """The side-by-side tables and one verdict line per size."""
    old, new = sides
    lines = [
        "Medians / minimums over the repetitions; the two commits' repetitions alternate in the same run. "
        "\"Pass + mail out\" is what compares across commits whatever the engine's shape; openpyxl load + save "
        "was timed by each side on its own copy of the same edited file.",
        "",
        "| Rows | Old: our pass | New: our pass | new / old | Old: pass + mail out | New: pass + mail out | new / old "
        "| openpyxl load+save, median (old's run / new's run) | naive / old | naive / new |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for o, n in zip(old.results, new.results, strict=True):
        lines.append(f"| {o.rows:,} | {fmt(o.t.ours)} | {fmt(n.t.ours)} | **{over(n.t.ours, o.t.ours)}** "
                     f"| {fmt(o.t.ours_and_mail)} | {fmt(n.t.ours_and_mail)} "
                     f"| **{over(n.t.ours_and_mail, o.t.ours_and_mail)}** "
                     f"| {median_only(o.t.naive)} / {median_only(n.t.naive)} "
                     f"| {naive_ratio(o)} | {naive_ratio(n)} |")
    lines += [
        "",
        "| Rows | Idle pass, new / old | Save with no change, new / old | Mail out, new / old "
        "| Read (calamine), new / old | Setup: first pass, old → new |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for o, n in zip(old.results, new.results, strict=True):
        lines.append(f"| {o.rows:,} | {over(n.t.idle, o.t.idle)} | {over(n.t.resaved, o.t.resaved)} "
                     f"| {over(n.t.mail, o.t.mail)} | {over(n.t.read_calamine, o.t.read_calamine)} "
                     f"| {o.first_pass_s:.1f} s → {n.first_pass_s:.1f} s |")
    lines += ["", *(f"- {verdict(o, n)}" for o, n in zip(old.results, new.results, strict=True))]
    if any(r.mail_included for side in sides for r in side.results):
        lines += ["", "A side whose engine cannot stop a pass before its mail has its mail inside \"our pass\" "
                      "(see its own tables): compare \"pass + mail out\"."]
    return "\n".join(lines)


def document(command: str, sides: list[Side]) -> str:
    """The whole results file."""
    old, new = sides
    parts = [
        f"# sheetflow pass benchmark: {old.subject.split(' ')[0]} (old) against {new.subject.split(' ')[0]} (new)",
        "",
        f"`{command}`",
        "",
        old.machine,
        "",
        f"- old: `{old.commit}` {old.subject}",
        f"- new: `{new.commit}` {new.subject}",
        "",
        summary(sides),
    ]
    for side in sides:
        parts += ["", f"## {side.name}: {side.subject}", "", *(f"- {note}" for note in side.notes), "",
                  tables(side.results)]
    return "\n".join(parts) + "\n"
