"""A record's sign-offs as its document's sign-off boxes show them: one box per route step, in route order.

Every family's documents print the same box (title, 签名 Name, 日期 Date; documents/_macros.html
`signoff`), so what goes into it is built once here, from the store's sign-offs of the record's
current route version: a box whose step nobody signed yet stays blank.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..store.db import Record
from ..workflow.route import Route
from ..workspace import Workspace

if TYPE_CHECKING:
    from ..forms.definition import FormDef


def route_signers(ws: Workspace, form: FormDef, record: Record) -> list[dict[str, str]]:
    """[{title, title_en, name, date}] for each step of `form`'s route that applies to the record (an over-price
    order's general manager; a request's above the threshold); a deputy's name says whom they signed for."""
    rows = {r["step"]: r for r in ws.store.signoffs(record.id, record.route_version)}
    out = []
    for step in Route(ws, form).steps_for(record.data):
        row = rows.get(step.name)
        person = ws.cfg.person(row["person"]) if row else None
        behalf = ws.cfg.person(row["on_behalf_of"]) if row and row["on_behalf_of"] else None
        name = person.name if person else ""
        if name and behalf:
            name += f"（代 {behalf.name}）"
        out.append({"title": step.label.get("zh", ""), "title_en": step.label.get("en", ""), "name": name,
                    "date": row["at"][:10] if row else ""})
    return out


def signer(title: str, title_en: str, name: str = "", date: str = "") -> dict[str, str]:
    """A box that is no route step (the planner who consolidated a plan, a paper signature)."""
    return {"title": title, "title_en": title_en, "name": name, "date": date}
