"""`sheetflow access`: who is at which access level (A1), and where each level's data live.

It reads the configuration and the forms only, so it opens the workspace itself and does not refuse to run
while the private part is open to others (like `status`, it is how a person finds out what to fix).
"""

from __future__ import annotations

import argparse
from pathlib import Path

OPENS_WORKSPACE = False


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    cmd = sub.add_parser("access", parents=[common],
                         help="who is at which access level: administrator, back-office users by form, "
                              "where ordinary users read")
    cmd.set_defaults(command_module=__name__)
    cmd.add_argument("-w", "--workspace", type=Path, default=Path("."), help="workspace folder (default .)")


def run(ws: object, args: argparse.Namespace) -> int:
    from ..workspace import Workspace
    from .levels import access_lines

    opened = Workspace(args.workspace)
    try:
        for line in access_lines(opened.cfg, opened.forms, opened.t):
            print(line)
    finally:
        opened.close()
    return 0
