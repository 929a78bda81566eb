"""`--source DIR` for a bench: which checkout's engine, forms and templates it measures.

Read before anything imports the engine, because DIR has to come first on
sys.path; so this module imports nothing of sheetflow's.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def source_arg(argv: list[str]) -> Path | None:
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--source", type=Path)
    known, _ = pre.parse_known_args(argv)
    return known.source.resolve() if known.source else None
