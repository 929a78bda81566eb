"""The recorded exchanges: one Session per spreadsheet gspread's tests made (from Drive files.create to delete)."""

from __future__ import annotations

import json
import re
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

ARCHIVE = Path(__file__).resolve().parent.parent / "data" / "google-recorded.tar.xz"

# (method, path pattern, API method) in the order they are tried; {id} and {range} are still percent-encoded
_ROUTES: list[tuple[str, re.Pattern[str], str]] = [(m, re.compile(p), k) for m, p, k in [
    ("GET", r"^/v4/spreadsheets/[^/:]+$", "spreadsheets.get"),
    ("POST", r"^/v4/spreadsheets/[^/:]+:batchUpdate$", "spreadsheets.batchUpdate"),
    ("GET", r"^/v4/spreadsheets/[^/]+/values:batchGet$", "values.batchGet"),
    ("POST", r"^/v4/spreadsheets/[^/]+/values:batchUpdate$", "values.batchUpdate"),
    ("POST", r"^/v4/spreadsheets/[^/]+/values:batchClear$", "values.batchClear"),
    ("POST", r"^/v4/spreadsheets/[^/]+/values/.+:clear$", "values.clear"),
    ("POST", r"^/v4/spreadsheets/[^/]+/values/.+:append$", "values.append"),
    ("GET", r"^/v4/spreadsheets/[^/]+/values/[^:]+$", "values.get"),
    ("PUT", r"^/v4/spreadsheets/[^/]+/values/[^:]+$", "values.update"),
    ("POST", r"^/drive/v3/files$", "files.create"),
    ("GET", r"^/drive/v3/files$", "files.list"),
    ("GET", r"^/drive/v3/files/[^/]+$", "files.get"),
    ("DELETE", r"^/drive/v3/files/[^/]+$", "files.delete"),
    ("POST", r"^/drive/v3/files/[^/]+/copy$", "files.copy"),
    ("GET", r"^/drive/v3/files/[^/]+/export$", "files.export"),
    ("GET", r"^/drive/v3/files/[^/]+/comments$", "comments.list"),
    ("PUT", r"^/upload/drive/v2/files/[^/]+$", "files.update (v2 upload)"),
]]


@dataclass(frozen=True)
class Exchange:
    """One request and Google's answer to it, as recorded."""

    cassette: str
    index: int
    method: str
    url: str
    path: str                       # percent-encoded, as sent
    query: dict[str, list[str]]
    body: Any                       # the request's JSON body, or None
    status: int
    answer: Any                     # the response's JSON body, or None (204, export bytes)
    api: str                        # e.g. "values.get"; "unknown" if none of _ROUTES matches

    @property
    def where(self) -> str:
        return f"{self.cassette}#{self.index}"

    @property
    def spreadsheet_id(self) -> str:
        m = re.match(r"^/(?:v4/spreadsheets|drive/v3/files|upload/drive/v2/files)/([A-Za-z0-9_-]+)", self.path)
        return m.group(1) if m else ""

    @property
    def a1(self) -> str:
        """The range in a values.* path, decoded (gspread sends it percent-encoded, Google echoes it decoded)."""
        m = re.match(r"^/v4/spreadsheets/[^/]+/values/([^:]+)", self.path)
        return unquote(m.group(1)) if m else ""

    def batch_kinds(self) -> list[str]:
        """The request kinds inside a spreadsheets.batchUpdate body (addSheet, mergeCells, ...)."""
        if self.api != "spreadsheets.batchUpdate" or not isinstance(self.body, dict):
            return []
        return [next(iter(r)) for r in self.body.get("requests", [])]


@dataclass
class Session:
    """One spreadsheet's life in a cassette: created by files.create, used, deleted."""

    cassette: str
    spreadsheet_id: str
    title: str
    exchanges: list[Exchange] = field(default_factory=list)


def api_of(method: str, path: str) -> str:
    for verb, pattern, api in _ROUTES:
        if verb == method and pattern.match(path):
            return api
    return "unknown"


def _json(text: str | bytes | None) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except (ValueError, UnicodeDecodeError):
        return None


def _body(raw: Any) -> Any:
    return _json(raw.get("string") if isinstance(raw, dict) else raw)


@cache
def cassettes() -> dict[str, list[Exchange]]:
    """Every cassette by test name ("WorksheetTest.test_acell"), its exchanges in recorded order."""
    out: dict[str, list[Exchange]] = {}
    with tarfile.open(ARCHIVE) as tar:
        for member in sorted(tar.getmembers(), key=lambda m: m.name):
            if not member.name.endswith(".json"):
                continue
            f = tar.extractfile(member)
            assert f is not None
            name = Path(member.name).stem
            out[name] = [_exchange(name, i, it) for i, it in enumerate(json.load(f)["interactions"])]
    return out


def _exchange(cassette: str, index: int, it: dict[str, Any]) -> Exchange:
    req, resp = it["request"], it["response"]
    parts = urlsplit(req["uri"])
    return Exchange(cassette, index, req["method"], req["uri"], parts.path,
                    parse_qs(parts.query, keep_blank_values=True), _body(req.get("body")),
                    int(resp["status"]["code"]), _json((resp.get("body") or {}).get("string")),
                    api_of(req["method"], parts.path))


def exchanges() -> Iterator[Exchange]:
    for recorded in cassettes().values():
        yield from recorded


def sessions() -> list[Session]:
    """Each files.create starts a session; exchanges before the first one (an open of a missing file) have their own."""
    out: list[Session] = []
    for name, recorded in cassettes().items():
        current: Session | None = None
        for ex in recorded:
            if ex.api == "files.create" and isinstance(ex.answer, dict):
                current = Session(name, str(ex.answer.get("id", "")), str(ex.answer.get("name", "")))
                out.append(current)
            elif current is None:
                current = Session(name, ex.spreadsheet_id, "")
                out.append(current)
            current.exchanges.append(ex)
    return out
