#!/usr/bin/env python
"""What guessing a sign-off code costs: lockouts, mails to the approver, and what the row says.

    .venv/bin/python bench/bench_guessing.py                    # 1,000 attempts, burst and one a minute
    .venv/bin/python bench/bench_guessing.py --attempts 300 --scenario minute
    .venv/bin/python bench/bench_guessing.py --source ../main   # the engine, forms and templates of another checkout
    .venv/bin/python bench/bench_guessing.py --smoke            # 30 attempts per scenario, checks only (CI)

One purchase request is numbered and waits for its department head (王芳). Then a guesser, who has the
sheet but not the mail, makes N attempts, each one a real save of the .xlsx followed by a real pass:

* burst:  every attempt at the same instant (a script hammering the file);
* minute: one attempt a minute (N minutes in all); whenever the row says the sign-off is locked
          (锁定 / locked), the guesser types 验证码 instead of a code, to get a new code mailed as soon
          as the engine allows it.

Counted from what a user would see: the .eml files in outbox/ (to the approver, to the applicant), the
row's message, and the refusals table for the lockouts. Checked: the request was never signed.
Writes its tables to bench/results_guessing.md unless --no-results or --smoke.
"""

from __future__ import annotations

import argparse
import datetime as dt
import email
import email.policy
import logging
import random
import re
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


from source import source_arg  # noqa: E402  (bench/: the script's own folder is on sys.path)

SOURCE = source_arg(sys.argv[1:])
sys.path[:0] = [str(SOURCE or REPO)]

import openpyxl  # noqa: E402

import processors  # noqa: E402
from processors.clock import Clock  # noqa: E402
from processors.init_workspace import init_workspace  # noqa: E402
from processors.passes import run_pass  # noqa: E402
from processors.workspace import Workspace  # noqa: E402

ENGINE = Path(processors.__file__).resolve().parent.parent
TZ = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2026, 11, 29, 10, 32, tzinfo=TZ)
BOOK, SHEET = "采购申请.xlsx", "采购申请"
APPROVER, APPLICANT = "wangfang@example.com", "liqiang@example.com"
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LOCKED = re.compile(r"锁定|locked", re.I)
ROW = {"申请人": "李强", "部门": "工程部", "项目": "万达广场", "物料名称": "石膏板", "规格型号": "9.5mm",
       "单位": "张", "数量": 10, "预估单价": 28.5, "需用日期": dt.date(2026, 12, 20), "物料类别": "常规"}


@dataclass
class Outcome:
    scenario: str
    attempts: int
    guesses: int = 0
    requests: int = 0
    lockouts: int = 0
    to_approver: int = 0
    to_applicant: int = 0
    signed: bool = False
    seconds: float = 0.0
    messages: list[tuple[int, str]] = field(default_factory=list)   # (attempt, the row's message)


class Sheet:
    """The request workbook, edited the way a person's spreadsheet program would (openpyxl, then a save)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        wb = openpyxl.load_workbook(path, read_only=True)
        header = [str(c.value or "") for c in next(wb[SHEET].iter_rows(min_row=1, max_row=1))]
        wb.close()
        self.col = {label: i + 1 for i, label in enumerate(header)}

    def column(self, start: str) -> int:
        return next(i for label, i in self.col.items() if label.split(" ")[0] == start)

    def edit(self, values: dict[int, object]) -> None:
        wb = openpyxl.load_workbook(self.path)
        for col, value in values.items():
            wb[SHEET].cell(row=2, column=col).value = value
        wb.save(self.path)

    def read(self, col: int) -> str:
        wb = openpyxl.load_workbook(self.path, read_only=True)
        value = wb[SHEET].cell(row=2, column=col).value
        wb.close()
        return str(value or "")


def recipients(outbox: Path) -> list[str]:
    out = []
    for path in outbox.glob("*.eml"):
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        out.append(str(msg["To"]))
    return out


def lockouts(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT count(*) FROM refusals WHERE reason = 'too_many_wrong'").fetchone()[0])
    finally:
        conn.close()


def run(scenario: str, attempts: int, work: Path, *, show_every: int) -> Outcome:
    root = work / scenario
    init_workspace(root)
    ws = Workspace(root, clock=Clock(TZ, START))
    try:
        sheet = Sheet(ws.cfg.sheets_dir / BOOK)
        sheet.edit({sheet.column(label): value for label, value in ROW.items()})
        run_pass(ws)
        sign, message, status = sheet.column("部门负责人签批"), sheet.column("系统说明"), sheet.column("状态")
        assert sheet.read(sheet.column("申请编号")) == "PR-2026-0001", "the request was not numbered"
        out = Outcome(scenario, attempts)
        rng = random.Random(11)
        started = time.perf_counter()
        for i in range(1, attempts + 1):
            if scenario == "minute":
                ws.clock = Clock(TZ, START + dt.timedelta(minutes=i))
            if scenario == "minute" and LOCKED.search(sheet.read(message)):
                typed, out.requests = "验证码", out.requests + 1
            else:
                typed, out.guesses = "同意 " + "".join(rng.choice(ALPHABET) for _ in range(6)), out.guesses + 1
            sheet.edit({sign: typed})
            run_pass(ws)
            if i % show_every == 0 or i == attempts:
                out.messages.append((i, sheet.read(message)))
        out.seconds = time.perf_counter() - started
        sent = recipients(ws.cfg.outbox_dir)
        out.to_approver = sum(APPROVER in to for to in sent)
        out.to_applicant = sum(APPLICANT in to for to in sent)
        out.lockouts = lockouts(ws.cfg.root / "sheetflow.db")
        out.signed = sheet.read(status) != "待部门负责人签批"
        assert not out.signed, f"{scenario}: the request moved on to {sheet.read(status)!r} without its code"
        return out
    finally:
        ws.close()


def tables(results: list[Outcome]) -> str:
    lines = [f"Engine: `{ENGINE}`", "",
             "| scenario | attempts | codes guessed | 验证码 typed | lockouts | mails to the approver | "
             "mails to the applicant | pass time (s) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        lines.append(f"| {r.scenario} | {r.attempts} | {r.guesses} | {r.requests} | {r.lockouts} | "
                     f"{r.to_approver} | {r.to_applicant} | {r.seconds:.1f} |")
    for r in results:
        lines += ["", f"What the row says ({r.scenario}):", ""]
        lines += [f"- after attempt {i}: {text}" for i, text in r.messages]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--attempts", type=int, default=1000)
    ap.add_argument("--scenario", choices=["burst", "minute", "both"], default="both")
    ap.add_argument("--source", type=Path, help="measure the engine of another checkout")
    ap.add_argument("--results", type=Path, default=HERE / "results_guessing.md")
    ap.add_argument("--no-results", action="store_true")
    ap.add_argument("--smoke", action="store_true", help="30 attempts per scenario, checks only, writes nothing")
    args = ap.parse_args(argv)
    logging.getLogger("sheetflow").setLevel(logging.ERROR)   # a refusal per attempt: the tables say it all
    attempts = 30 if args.smoke else args.attempts
    scenarios = ["burst", "minute"] if args.scenario == "both" else [args.scenario]
    with tempfile.TemporaryDirectory(prefix="sheetflow-guessing-") as tmp:
        results = [run(s, attempts, Path(tmp), show_every=max(1, attempts // 5)) for s in scenarios]
    text = tables(results)
    print(text)
    if args.smoke:
        print(f"bench_guessing smoke: ok, {attempts} attempts per scenario, never signed; "
              + ", ".join(f"{r.scenario}: {r.lockouts} lockouts, {r.to_approver} mails to the approver"
                          for r in results))
    elif not args.no_results:
        args.results.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
