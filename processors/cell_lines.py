"""A cell that holds a list, one entry per line (Alt+Enter), its parts separated by `|`, `｜` or a tab.

Inquiry items, customer-order and contract items, shipment and collection plans are all typed this way; each
reader checks its own parts, and all of them name a bad line by the number the typist sees in the cell.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_SEP = re.compile(r"\s*[|｜\t]\s*")


def cell_lines(text: str | None) -> Iterator[tuple[int, str, list[str]]]:
    """(line number from 1, the line, its parts) for each non-blank line; blank lines keep their numbers."""
    for n, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if line:
            yield n, line, _SEP.split(line)
