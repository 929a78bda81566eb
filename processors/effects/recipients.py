"""Who a family's mail goes to: people of a role from config.toml, or an outside party by address."""

from __future__ import annotations

from ..config import Person
from ..workspace import Workspace


def address(name: str, email: str) -> Person:
    """An outside party (a supplier, an archive mailbox) as a mail recipient."""
    return Person(id=f"ext:{email}", name=name, email=email, department="", roles=())


def people(ws: Workspace, role: str) -> list[Person]:
    return ws.cfg.people_with_role(role)
