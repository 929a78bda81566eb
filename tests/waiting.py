"""Waiting on a condition (never on a fixed sleep): the one helper the watch tests share."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

WAIT = 20.0   # generous: CI machines are shared; a wait returns as soon as its condition holds


def wait_for(predicate: Callable[[], Any], timeout: float = WAIT, step: float = 0.05) -> float | None:
    """Seconds until predicate() is true, or None if it stayed false for `timeout`."""
    start = time.monotonic()
    while True:
        if predicate():
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            return None
        time.sleep(step)
