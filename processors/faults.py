"""Named points in a pass, so tests can act at an exact step.

Set SHEETFLOW_CRASH_AT=<name> and the process exits hard (no cleanup, no
finally blocks, like a power cut) when it reaches that point. In-process, a
test may `hook` a point to act there as a person would (sort the rows between
our read and our write), or raise there to prove a fault stays where it
happens. A point may pass what it is working on (`file`, `row`, `key`, `kind`),
so a hook can act on one row alone. Unset, a point costs two dictionary lookups.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

CRASH_EXIT_CODE = 97
_hooks: dict[str, Callable[..., None]] = {}

#: every point a pass passes, in order; the fault-injection tests go through each of them
POINTS = (
    "pass_start", "prepare", "book_read", "decide_row", "kind_after_sync", "after_sync", "book_writing",
    "write_before_rename", "write_after_rename", "book_written", "timers", "finish", "outputs", "route_timers",
    "documents", "mail",
)


def point(name: str, **ctx: Any) -> None:
    hook = _hooks.get(name)
    if hook is not None:
        hook(**ctx) if ctx else hook()
    if os.environ.get("SHEETFLOW_CRASH_AT") == name:
        os._exit(CRASH_EXIT_CODE)


@contextmanager
def hooked(name: str, action: Callable[..., None], *, once: bool = True) -> Iterator[None]:
    def run(**ctx: Any) -> None:
        if once:
            _hooks.pop(name, None)
        action(**ctx)

    _hooks[name] = run
    try:
        yield
    finally:
        _hooks.pop(name, None)
