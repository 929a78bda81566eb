"""Named points in a pass, so tests can act at an exact step.

Set SHEETFLOW_CRASH_AT=<name> and the process exits hard (no cleanup, no
finally blocks, like a power cut) when it reaches that point. In-process, a
test may `hook` a point to act there as a person would (sort the rows between
our read and our write). Unset, a point costs two dictionary lookups.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager

CRASH_EXIT_CODE = 97
_hooks: dict[str, Callable[[], None]] = {}


def point(name: str) -> None:
    hook = _hooks.get(name)
    if hook is not None:
        hook()
    if os.environ.get("SHEETFLOW_CRASH_AT") == name:
        os._exit(CRASH_EXIT_CODE)


@contextmanager
def hooked(name: str, action: Callable[[], None], *, once: bool = True) -> Iterator[None]:
    def run() -> None:
        if once:
            _hooks.pop(name, None)
        action()

    _hooks[name] = run
    try:
        yield
    finally:
        _hooks.pop(name, None)
