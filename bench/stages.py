"""Where a pass spends its time: timers wrapped around engine internals for one instrumented pass.

Only this table reaches into the engine's internals, and they are being rebuilt: every name is looked up
by its dotted path when the table is made, so a source that lacks one (another commit, a new engine) gets
"stage table not available for this source" and the names that are missing, while every other measurement
goes on. To follow a rebuilt engine, change the paths in STAGES; nothing else depends on them.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

# (label, module, attribute path inside it). "read" must return the snapshot (its rows are fingerprinted).
STAGES: list[tuple[str, str, str]] = [
    ("read", "processors.passes", "read_snapshot"),
    ("decide", "processors.passes", "FileSync.run"),
    ("changed rows", "processors.sync", "FileSync._row"),
    ("view read", "processors.store.db", "Store.row_view"),
    ("view write", "processors.store.db", "Store.update_row_view"),
    ("write back", "processors.passes", "flush"),
    ("zip patch", "processors.writeback", "patch_workbook"),
]
FINGERPRINT = ("processors.sync", "row_fingerprint")  # the per-row call FileSync.run makes, timed apart
_INHERITED = object()  # a method found on a base class: the wrapper is removed again rather than restored


class StagesUnavailable(Exception):
    """The source lacks a name the stage table wraps; the message lists them."""


def resolve(module: str, path: str) -> tuple[Any, str]:
    """(owner, attribute) for `module`:`path`, or StagesUnavailable naming what is missing."""
    try:
        owner: Any = importlib.import_module(module)  # by name: the engine's layout differs between sources
    except ImportError as exc:
        raise StagesUnavailable(f"{module} ({exc})") from None
    *parents, name = path.split(".")
    for part in parents:
        owner = getattr(owner, part, None)
        if owner is None:
            raise StagesUnavailable(f"{module}.{path}")
    if not callable(getattr(owner, name, None)):
        raise StagesUnavailable(f"{module}.{path}")
    return owner, name


def targets() -> list[tuple[str, Any, str]]:
    """Every stage resolved, or StagesUnavailable naming all the missing ones at once."""
    found, missing = [], []
    for label, module, path in [*STAGES, ("fingerprints", *FINGERPRINT)]:
        try:
            found.append((label, *resolve(module, path)))
        except StagesUnavailable as exc:
            missing.append(str(exc))
    if missing:
        raise StagesUnavailable(", ".join(missing))
    return found


@contextmanager
def instrumented(acc: dict[str, float], snaps: list[Any]) -> Iterator[Callable[[Any], Any]]:
    """Wrap every stage with a timer (this process only; put back afterwards). Yields the fingerprint function."""
    resolved = targets()
    wrapped = [(label, owner, name) for label, owner, name in resolved if label != "fingerprints"]
    fingerprint = next(getattr(owner, name) for label, owner, name in resolved if label == "fingerprints")
    saved = [(owner, name, vars(owner).get(name, _INHERITED)) for _, owner, name in wrapped]

    def wrap(label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timer(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                out = fn(*args, **kwargs)
            finally:
                acc[label] = acc.get(label, 0.0) + time.perf_counter() - t0
            if label == "read":
                snaps.append(out)
            return out
        return timer

    for label, owner, name in wrapped:
        setattr(owner, name, wrap(label, getattr(owner, name)))
    try:
        yield fingerprint
    finally:
        for owner, name, fn in saved:
            if fn is _INHERITED:
                delattr(owner, name)
            else:
                setattr(owner, name, fn)  # the original object, so a staticmethod stays one


def split(total: float, acc: dict[str, float], fingerprints: float) -> dict[str, float]:
    """The stage table's row for one pass: the stages, their parts, and what is left of the total."""
    row = {"total": total, "fingerprints": fingerprints, "view": acc.get("view read", 0.0) + acc.get("view write", 0.0),
           "other": total - acc.get("read", 0.0) - acc.get("decide", 0.0) - acc.get("write back", 0.0)}
    row.update({k: v for k, v in acc.items() if k not in ("view read", "view write")})
    return row
