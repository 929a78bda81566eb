"""Drive v3 files.get: the file resource the fake keeps, and Drive's `fields` selection syntax applied to it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .constants import USER_EMAIL
from .errors import GoogleError
from .state import Book

if TYPE_CHECKING:
    from .server import FakeGoogle

# name -> sub-selection (None: the whole value).  "a,b(c/d,e)" -> {"a": None, "b": {"c": {"d": None}, "e": None}}
Selection = dict[str, "Selection | None"]

DEFAULT_FIELDS = "kind,id,name,mimeType"      # Drive v3's projection when no `fields` is sent


def drive_user(email: str) -> dict[str, Any]:
    """A Drive user resource; `me` is whether it is the caller, who for the fake is always the service account."""
    return {"kind": "drive#user", "displayName": email.split("@", 1)[0], "emailAddress": email,
            "me": email == USER_EMAIL}


def file_resource(book: Book) -> dict[str, Any]:
    """Every files.get field the fake models; a selection naming anything else is a 400, not a silent gap."""
    return {"kind": "drive#file", "id": book.spreadsheet_id, "name": book.title,
            "mimeType": "application/vnd.google-apps.spreadsheet", "version": str(book.version),
            "createdTime": book.created, "modifiedTime": book.modified,
            "lastModifyingUser": drive_user(book.modified_by)}


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
        if pos < len(text) and text[pos] == "/":
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


def project(value: dict[str, Any], selection: Selection, path: str = "") -> dict[str, Any]:
    """The parts of `value` the selection names; ``*`` means every field at that level."""
    out: dict[str, Any] = {}
    for name, sub in selection.items():
        keys = list(value) if name == "*" else [name]
        for key in keys:
            where = f"{path}{key}"
            if key not in value:
                raise _invalid(where)
            if sub is None:
                out[key] = value[key]
            elif isinstance(value[key], dict):
                out[key] = project(value[key], sub, where + "/")
            else:
                raise _invalid(where)          # a sub-selection of a plain value
    return out


def files_get(fake: FakeGoogle, fid: str, query: dict[str, list[str]]) -> dict[str, Any]:
    book = fake._books.get(fid)
    if book is None:
        raise GoogleError(404, f"File not found: {fid}.", drive_reason="notFound")
    fields = ",".join(query.get("fields", [])).strip() or DEFAULT_FIELDS
    return project(file_resource(book), parse_fields(fields))
