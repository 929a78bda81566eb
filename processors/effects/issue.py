"""Deciding to issue a document: one row in the store, in the deciding transaction; no file yet.

Rendering inside the transaction used to date a retried pass's document by the
retry's day, find the first try's file, refuse to overwrite it, swallow that and
mail the old file. Now the decision stores what the document says (its context,
the letterhead, the day it is dated) and `produce_documents` makes the file
after the commit from that row alone, so every try yields the same bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..store import documents
from ..workspace import Workspace
from . import context as stored


def issue_document(ws: Workspace, template: str, key: str, context: dict[str, Any],
                   record_key: str | None = None, family: str | None = None) -> Path:
    """Record `documents/{template}.html` for output/{key}.pdf; the workspace-relative path mails attach.

    Called again for the same key (a repeated pass) it returns the recorded path and leaves the stored
    context as it is: what was decided first is what is issued. `record_key` is the record whose row
    hears of a failure; by default the record named `key` or the longest one `key` starts with
    ("PO-2026-0001-付款申请" → PO-2026-0001). `family` (purchasing, leasing, sales) picks the company
    that heads and signs it: [company.FAMILY] in config.toml where a group's companies differ, else [company].
    """
    found = documents.get(ws.store, key)
    if found is not None:
        return Path(found.path)
    path = ws.rel(ws.cfg.output_dir / f"{key}.pdf")
    text = stored.dumps({**context, "company": dict(ws.cfg.letterhead_for(family).__dict__)})
    documents.record(ws.store, key=key, record_key=record_key or _owner(ws, key), template=template, context=text,
                     issued_on=ws.clock.today().isoformat(), path=path,
                     at=ws.clock.now().isoformat(timespec="seconds"))
    return Path(path)


def _owner(ws: Workspace, key: str) -> str:
    parts = key.split("-")
    for end in range(len(parts), 0, -1):
        candidate = "-".join(parts[:end])
        if ws.store.record(candidate) is not None:
            return candidate
    return key
