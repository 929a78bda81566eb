"""What the order forms do to the world: state changes the rows show, documents written once, mails queued.

All of it runs inside the pass's store transaction. A document is written (or
found, byte for byte, from an earlier try) before the mail that carries it is
queued, under keys (record, event) so a repeated pass neither issues nor sends
twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

from ..config import Person
from ..mail.outbox import Mail, enqueue
from ..mail.render import person_address, render
from ..store.db import Record
from ..workspace import Workspace

log = logging.getLogger("sheetflow")


def set_state(ws: Workspace, record: Record, state: str, reason: str, actor: str = "system") -> None:
    """Move a record on outside its approval route; its row shows the new status on the next sync."""
    if record.state == state:
        return
    at = ws.clock.now().isoformat(timespec="seconds")
    ws.store.add_transition(record.id, at=at, from_state=record.state or None, to_state=state, actor=actor,
                            reason=reason)
    ws.store.conn.execute("UPDATE records SET state = ?, updated_at = ?, sheet_dirty = 1 WHERE id = ?",
                          (state, at, record.id))
    record.state, record.updated_at = state, at


def save_data(ws: Workspace, record: Record, **values: str) -> None:
    import json

    record.data = {**record.data, **values}
    ws.store.conn.execute("UPDATE records SET data = ?, updated_at = ?, sheet_dirty = 1 WHERE id = ?",
                          (json.dumps(record.data, ensure_ascii=False),
                           ws.clock.now().isoformat(timespec="seconds"), record.id))


def issue_document(ws: Workspace, template: str, key: str, context: dict[str, Any]) -> Path:
    """Render `documents/{template}.html` to output/{key}.pdf once; the workspace-relative path."""
    from ..documents.pdf import DocumentExistsError, render_pdf, write_document  # WeasyPrint: only when issuing

    path = ws.cfg.output_dir / f"{key}.pdf"
    data = render_pdf(template, {**context, "company": ws.cfg.letterhead.__dict__}, ws.cfg.templates_dir)
    try:
        write_document(path, data)
    except DocumentExistsError:  # issued on an earlier try whose pass did not commit: that file stands
        log.info("%s: already issued, kept as it is", path.name)
    return Path(ws.rel(path))


def address(name: str, email: str) -> Person:
    """An outside party (a supplier, an archive mailbox) as a mail recipient."""
    return Person(id=f"ext:{email}", name=name, email=email, department="", roles=())


def send(ws: Workspace, key: str, template: str, to: list[Person], record: Record,
         attachments: list[Path] | None = None, **ctx: Any) -> bool:
    """Queue one mail to everyone in `to` who has an address; False if none has or it was queued before."""
    recipients = [person_address(p) for p in to if p.email]
    if not recipients:
        return False
    if ws.store.conn.execute("SELECT 1 FROM outbox WHERE key = ?", (key,)).fetchone():
        return False
    subject, text, html = render(ws, template, record_key=record.key, **ctx)
    return enqueue(ws.store, Mail(key=key, to=recipients, subject=subject, text=text, html=html or None,
                                  record_key=record.key, attachments=[str(a) for a in attachments or []]),
                   sender=ws.cfg.mail.sender, at=ws.clock.now().isoformat(timespec="seconds"))


def people(ws: Workspace, role: str) -> list[Person]:
    return ws.cfg.people_with_role(role)


def today(ws: Workspace) -> dt.date:
    return ws.clock.today()
