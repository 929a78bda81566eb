"""Google's partial-response syntax (`fields=`), shared by Drive v3 and Sheets v4, and its projection of an answer.

Drive writes paths with "/" ("lastModifyingUser/me"), Sheets' own examples with "." ("sheets.properties.title");
the recordings show Google taking both on Sheets, so both separate names here. Drive answers 400 for a name its
file resource does not have (strict); Sheets leaves out a field that is not set, as proto3 JSON does (lenient).
"""

from __future__ import annotations

from typing import Any

from .errors import GoogleError

# name -> sub-selection (None: the whole value).  "a,b(c/d,e)" -> {"a": None, "b": {"c": {"d": None}, "e": None}}
Selection = dict[str, "Selection | None"]


def parse_fields(text: str) -> Selection:
    """Parse Drive's partial-response syntax: commas, ``a/b`` paths and ``a(b,c)`` sub-selections, nested.

    A hand-written parser rather than a split on commas, because ``lastModifyingUser(me,emailAddress)`` has
    commas inside parentheses and backends do send that form.
    """
    selection, pos = _parse_list(text, 0)
    if pos != len(text):
        raise _invalid(text)
    return selection


def _parse_list(text: str, pos: int) -> tuple[Selection, int]:
    out: Selection = {}
    while True:
        item, pos = _parse_item(text, pos)
        _merge(out, item)
        pos = _skip_spaces(text, pos)
        if pos < len(text) and text[pos] == ",":
            pos += 1
            continue
        return out, pos


def _parse_item(text: str, pos: int) -> tuple[Selection, int]:
    """One ``a/b/c`` path, optionally followed by ``(sub-selection)`` applied to its last name."""
    names = []
    while True:
        pos = _skip_spaces(text, pos)
        start = pos
        while pos < len(text) and (text[pos].isalnum() or text[pos] in "_*"):
            pos += 1
        if pos == start:
            raise _invalid(text)
        names.append(text[start:pos])
        pos = _skip_spaces(text, pos)
        if pos < len(text) and text[pos] in "/.":
            pos += 1
            continue
        break
    leaf: Selection | None = None
    if pos < len(text) and text[pos] == "(":
        leaf, pos = _parse_list(text, pos + 1)
        pos = _skip_spaces(text, pos)
        if pos >= len(text) or text[pos] != ")":
            raise _invalid(text)
        pos += 1
    item: Selection | None = leaf
    for name in reversed(names):
        item = {name: item}
    assert item is not None
    return item, pos


def _merge(into: Selection, new: Selection) -> None:
    """``a(b),a(c)`` selects both; a bare ``a`` anywhere selects all of ``a``."""
    for name, sub in new.items():
        if name not in into:
            into[name] = sub
        elif into[name] is None or sub is None:
            into[name] = None
        else:
            old = into[name]
            assert old is not None
            _merge(old, sub)


def _skip_spaces(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos


def _invalid(what: str) -> GoogleError:
    return GoogleError(400, f"Invalid field selection {what}", drive_reason="invalidParameter")


def project(value: dict[str, Any], selection: Selection, path: str = "", *, strict: bool = True) -> dict[str, Any]:
    """The parts of `value` the selection names; ``*`` means every field at that level.

    A sub-selection of a list applies to each of its items (Sheets' ``sheets(properties)``). Strict (Drive): a
    name the value lacks is a 400; lenient (Sheets): it is left out, and an object left empty stays, as {}.
    """
    out: dict[str, Any] = {}
    for name, sub in selection.items():
        keys = list(value) if name == "*" else [name]
        for key in keys:
            where = f"{path}{key}"
            if key not in value:
                if strict:
                    raise _invalid(where)
                continue
            out[key] = _pick(value[key], sub, where, strict)
    return out


def _pick(value: Any, sub: Selection | None, where: str, strict: bool) -> Any:
    if sub is None:
        return value
    if isinstance(value, dict):
        return project(value, sub, where + "/", strict=strict)
    if isinstance(value, list) and not strict:
        return [_pick(item, sub, where, strict) for item in value]
    raise _invalid(where)          # a sub-selection of a plain value
