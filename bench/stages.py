"""Where a pass spends its time: timers wrapped around engine internals for one instrumented pass.

Only this table reaches into the engine's internals, and they differ between commits: every name is looked
up by its dotted path when the table is made, in each known layout of the engine in turn (LAYOUTS, newest
first), and the first layout whose names all exist is timed. A source that matches none (a later rebuild)
gets "stage table not available for this source" and the names that are missing, while every other
measurement goes on. To follow a rebuilt engine, add its layout; nothing else depends on these names.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

Stage = tuple[str, str, str]  # (label, module, attribute path inside it)
# Per layout: "read" must return the snapshot (its rows are fingerprinted); "fingerprints" is not wrapped but
# called once per row of that snapshot, timed apart (the same call the diff makes per row).
LAYOUTS: list[tuple[str, list[Stage]]] = [
    ("engine/ (the issue 10 rebuild: books, diff + decide, write-back only writes)", [
        ("read", "processors.engine.books.local", "read_snapshot"),
        ("decide", "processors.passes", "sync_sheet"),
        ("changed rows", "processors.engine.decide", "Decider._one"),
        ("view read", "processors.store.db", "Store.row_view"),
        ("view write", "processors.store.db", "Store.update_row_view"),
        ("write back", "processors.engine.books.local", "LocalBook.write"),
        ("zip patch", "processors.engine.books.local", "patch_workbook"),
        ("fingerprints", "processors.engine.rows", "row_fingerprint"),
    ]),
    ("passes + sync + writeback (before the rebuild: numbering in write-back)", [
        ("read", "processors.passes", "read_snapshot"),
        ("decide", "processors.passes", "FileSync.run"),
        ("changed rows", "processors.sync", "FileSync._row"),
        ("view read", "processors.store.db", "Store.row_view"),
        ("view write", "processors.store.db", "Store.update_row_view"),
        ("write back", "processors.passes", "flush"),
        ("zip patch", "processors.writeback", "patch_workbook"),
        ("fingerprints", "processors.sync", "row_fingerprint"),
    ]),
]
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


def targets() -> tuple[str, list[tuple[str, Any, str]]]:
    """(layout, every stage resolved) for the first layout that fits, or StagesUnavailable naming what is missing."""
    why = []
    for layout, stages in LAYOUTS:
        found, missing = [], []
        for label, module, path in stages:
            try:
                found.append((label, *resolve(module, path)))
            except StagesUnavailable as exc:
                missing.append(str(exc))
        if not missing:
            return layout, found
        why.append(f"{layout.split(' ')[0]}: {', '.join(dict.fromkeys(missing))}")
    raise StagesUnavailable("; ".join(why))


@contextmanager
def instrumented(acc: dict[str, float], snaps: list[Any]) -> Iterator[tuple[str, Callable[[Any, Any], Any]]]:
    """Wrap every stage with a timer (this process only; put back afterwards). Yields (layout, fingerprint)."""
    layout, resolved = targets()
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
        yield layout, fingerprint
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
