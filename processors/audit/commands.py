"""`sheetflow history KEY` and `sheetflow audit --month 2026-11 | --from DATE --to DATE` (issue 16, A3).

history prints one record's changes, oldest first, in the workspace language;
audit writes output/审计记录-<period>.xlsx with every change of the period.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..workspace import Workspace


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    hist = sub.add_parser("history", help="one record's changes, field by field, oldest first", parents=[common])
    hist.set_defaults(command_module=__name__)
    hist.add_argument("key", metavar="KEY", help="the record's number, e.g. PR-2026-0001")
    hist.add_argument("--all", dest="facts", action="store_true",
                      help="also the kinds' own bookkeeping (approval time, hours left shown …)")
    hist.add_argument("-w", "--workspace", type=Path, default=Path("."), help="workspace folder (default .)")
    audit = sub.add_parser("audit", help="write output/审计记录-<period>.xlsx: every change of a period",
                           parents=[common])
    audit.set_defaults(command_module=__name__)
    audit.add_argument("--month", help="a month, e.g. 2026-11")
    audit.add_argument("--from", dest="start", metavar="DATE", help="first day, e.g. 2026-11-01")
    audit.add_argument("--to", dest="end", metavar="DATE", help="last day (included), e.g. 2026-11-30")
    audit.add_argument("--all", dest="facts", action="store_true",
                       help="also the kinds' own bookkeeping (approval time, hours left shown …)")
    audit.add_argument("-w", "--workspace", type=Path, default=Path("."), help="workspace folder (default .)")


def run(ws: Workspace, args: argparse.Namespace) -> int:
    from .book import parse_period, write_audit_book
    from .history import UnknownRecordError, history_lines

    if args.command == "history":
        try:
            lines = history_lines(ws, args.key, facts=args.facts)
        except UnknownRecordError as exc:
            print(str(exc), file=sys.stderr)
            return 1
        print("\n".join(lines))
        return 0
    first, after, label = parse_period(ws, args.month, args.start, args.end)
    path, count = write_audit_book(ws, first, after, label, facts=args.facts)
    key = "audit.book_written" if count else "audit.book_empty"
    print(ws.t(key, path=ws.rel(path), count=count, period=label))
    return 0
