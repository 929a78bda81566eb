"""A family's mail queued in the outbox, in the caller's transaction, under a key that makes it exactly-once.

Attachments are the workspace-relative paths `issue_document` returned: the
sender carries a document only once it is written and is the file recorded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..config import Person
from ..mail import outbox
from ..mail.render import person_address, render
from ..store.db import Record
from ..workspace import Workspace


def send(ws: Workspace, key: str, template: str, to: list[Person], record: Record,
         attachments: list[Path] | None = None, **ctx: Any) -> bool:
    """Queue one mail to everyone in `to` who has an address; False if none has or it was queued before."""
    recipients = [person_address(p) for p in to if p.email]
    if not recipients:
        return False
    if outbox.get(ws.store, key) is not None:   # before rendering: a repeated pass costs one lookup
        return False
    subject, text, html = render(ws, template, record_key=record.key, **ctx)
    mail = outbox.Mail(key=key, to=recipients, subject=subject, text=text, html=html or None,
                       record_key=record.key, attachments=[str(a) for a in attachments or []])
    return outbox.enqueue(ws.store, mail, sender=ws.cfg.mail.sender, at=ws.clock.now().isoformat(timespec="seconds"))
