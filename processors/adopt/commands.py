"""`sheetflow adopt FILE [--form FORM] [-w DIR] [--by NAME] [--dry-run]`: bring a department's existing sheet in.

Rows that carry a number keep it, the others are numbered after the highest of
their series, and every row is recorded in the state its columns show, with no
route opened, no code made, no mail queued and no document issued; then a
summary and output/接管报告-<file>-<date>.xlsx say what was adopted and what was
not, and why. See processors/adopt/adopter.py for how a row is decided.
"""

from __future__ import annotations

import argparse
import getpass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..workspace import Workspace


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    cmd = sub.add_parser("adopt", parents=[common],
                         help="接管已有表格：保留编号、按表中状态登记，不送签、不发邮件 / adopt an existing sheet: "
                              "numbers kept, rows recorded in the state they show, no sign-off, no mail")
    cmd.set_defaults(command_module=__name__)
    cmd.add_argument("file", type=Path, help="the workbook (one in sheets/, or one to bring in)")
    cmd.add_argument("--form", help="the form's id (default: found from the sheet name and headers)")
    cmd.add_argument("--by", default=None, help="who adopts, for the history (default: the login name)")
    cmd.add_argument("--dry-run", action="store_true", help="say what would be adopted; change nothing")
    cmd.add_argument("-w", "--workspace", type=Path, default=Path("."), help="workspace folder (default .)")


def run(ws: Workspace, args: argparse.Namespace) -> int:
    from ..errors import WorkbookError
    from .book import AdoptError, adopt_book, choose_form, refusal
    from .report import summary, write_report

    if ws.cfg.backend == "google":
        raise AdoptError(ws.t("adopt.local_only"))
    path = args.file if args.file.is_absolute() or args.file.exists() else ws.cfg.sheets_dir / args.file
    if not path.exists():
        raise AdoptError(ws.t("adopt.no_file", file=str(args.file)))
    try:
        form = choose_form(ws, path, args.form)
        why = refusal(ws, form)
        if why:
            raise AdoptError(why)
        adoption = adopt_book(ws, form, path, by=args.by or getpass.getuser(), dry_run=args.dry_run)
    except WorkbookError as exc:   # said as a pass says it in `status`
        raise AdoptError(ws.t(f"file.{exc.code}", **{"detail": exc.detail, **exc.params})) from None
    for each in (adoption, *([adoption.lines] if adoption.lines is not None else [])):   # an order's lines too
        each.dry_run, each.by = adoption.dry_run, adoption.by
        report = None if each.dry_run else write_report(ws, each)
        for line in summary(ws, each, report):
            print(line)
    return 0
