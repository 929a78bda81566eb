"""Who last changed a book, as cheaply as the backend can say it.

A local .xlsx names its last editor in docProps/core.xml (`cp:lastModifiedBy`): Excel, WPS and LibreOffice
write the user name set in their options, which anyone can change, so it is recorded as *declared*. Reading
it costs one small zip member per read of a workbook (not per row). Google Drive's `lastModifyingUser` is
the account that made the last change, but it may be reported a read late, so it too is a declaration,
Google's; sheetflow's own service account there names nobody.
"""

from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path
from typing import Any

from ..config import Config
from ..store.audit import Who

CORE = "docProps/core.xml"
_LAST_BY = re.compile(rb"<(?:[\w.-]+:)?lastModifiedBy(?:\s[^>]*)?>([^<]*)</", re.S)


def declared_modifier(path: Path) -> str:
    """cp:lastModifiedBy of a workbook, '' when it has none (or the file cannot be opened as a zip)."""
    try:
        with zipfile.ZipFile(path) as z:
            data = z.read(CORE)
    except (KeyError, OSError, zipfile.BadZipFile, ValueError):
        return ""
    m = _LAST_BY.search(data)
    return html.unescape(m.group(1).decode("utf-8", "replace")).strip() if m else ""


def person_name(cfg: Config, text: str) -> str:
    """The config's name for whoever `text` names (a name, an alias or an email), else the text as given."""
    text = text.strip()
    if not text:
        return ""
    for person in cfg.people:
        if person.email and person.email.lower() == text.lower():
            return person.name
    person = cfg.find_person(text)
    return person.name if person is not None else text


def local_who(cfg: Config, path: Path) -> Who | None:
    name = person_name(cfg, declared_modifier(path))
    return Who(name, "declared") if name else None


def google_who(cfg: Config, user: dict[str, Any] | None) -> Who | None:
    """Drive's lastModifyingUser; None when it is absent or is sheetflow's own account (`me`)."""
    if not user or user.get("me"):
        return None
    email, display = str(user.get("emailAddress") or ""), str(user.get("displayName") or "")
    for text in (email, display):
        name = person_name(cfg, text)
        if name and name != text:   # a person config.toml knows
            return Who(name, "google")
    name = display or email
    return Who(name, "google") if name else None
