"""Two JSON answers compared the way a client depends on them: which fields, of which JSON type, nested how.

Identifiers, titles and timestamps differ between Google and the fake by nature and are compared by type only;
the keys in VALUE_KEYS carry what a reader acts on (cell values, the range they start at, counts of cells
written, error codes) and are compared by value as well, when the fake holds the same cells Google held.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

VALUE_KEYS = frozenset({"values", "range", "majorDimension", "updatedRange", "updatedRows", "updatedColumns",
                        "updatedCells", "totalUpdatedRows", "totalUpdatedColumns", "totalUpdatedCells",
                        "totalUpdatedSheets", "clearedRange", "code", "status", "rowCount", "columnCount",
                        "frozenRowCount", "frozenColumnCount", "index", "title", "sheetType", "note"})


@dataclass(frozen=True)
class Difference:
    path: str           # "sheets[].properties.gridProperties" - list positions folded to []
    kind: str           # missing (Google has it, the fake not) | extra | type | value | length | formula
    google: str         # what Google sent there (short)
    fake: str


def json_type(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int | float):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


def _short(v: Any) -> str:
    text = repr(v)
    return text if len(text) <= 60 else text[:57] + "..."


def compare(google: Any, fake: Any, *, values: bool) -> list[Difference]:
    """Differences found walking both answers side by side; `values`: compare VALUE_KEYS by value too."""
    out: list[Difference] = []
    _walk(google, fake, "", values, False, out)
    return out


def _walk(g: Any, f: Any, path: str, values: bool, exact: bool, out: list[Difference]) -> None:
    tg, tf = json_type(g), json_type(f)
    if isinstance(f, str) and f.startswith("=") and g != f:    # the fake keeps a formula's text, Google its value
        out.append(Difference(path or ".", "formula", f"{tg} {_short(g)}", f"{tf} {_short(f)}"))
        return
    if tg != tf:
        out.append(Difference(path or ".", "type", f"{tg} {_short(g)}", f"{tf} {_short(f)}"))
        return
    if tg == "object":
        for key in g:
            sub = f"{path}.{key}" if path else key
            if key not in f:
                out.append(Difference(sub, "missing", _short(g[key]), "-"))
            else:
                _walk(g[key], f[key], sub, values, exact or (values and key in VALUE_KEYS), out)
        for key in f:
            if key not in g:
                out.append(Difference(f"{path}.{key}" if path else key, "extra", "-", _short(f[key])))
    elif tg == "array":
        if len(g) != len(f) and (exact or not _same_shape_items(g, f)):
            out.append(Difference(path + "[]", "length", f"{len(g)} items", f"{len(f)} items"))
        for a, b in zip(g, f, strict=False):
            _walk(a, b, path + "[]", values, exact, out)
    elif exact and g != f and not (tg == "number" and float(g) == float(f)):
        out.append(Difference(path, "value", _short(g), _short(f)))


def _same_shape_items(g: list[Any], f: list[Any]) -> bool:
    """Lists of differing length whose items are all of one type: compared item by item up to the shorter."""
    return len({json_type(x) for x in [*g, *f]}) <= 1


def fold(path: str) -> str:
    return re.sub(r"\[\d+\]", "[]", path)
