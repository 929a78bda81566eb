"""A form's access keys in its TOML: which records are published, and which roles edit its staff columns.

Kept apart from forms/definition.py so that the whole of A1's data is read in one place, and a form without
them behaves as before (nothing published, staff columns left unprotected on Google).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..tomlcheck import Section


@dataclass(frozen=True)
class PublishDef:
    """`[publish] states = [...]`: the states in which a record is approved and in force, so ordinary users may
    read it; `leave_out` names staff fields that stay out of the published copy (a tenant's phone number)."""

    states: tuple[str, ...] = ()
    leave_out: tuple[str, ...] = ()


def load_publish(top: Section, states: dict[str, Any], fields: list[str]) -> PublishDef:
    sec = top.section("publish", None)
    sec.unknown({"states", "leave_out"})
    listed = tuple(sec.str_list("states", []))
    for name in listed:
        if name not in states:
            raise sec.fail("states", f"states of this form ({', '.join(states)}), got {name!r}")
    if sec.has("states") and not listed:
        raise sec.fail("states", "at least one state (leave [publish] out to publish nothing of this form)")
    leave_out = tuple(sec.str_list("leave_out", []))
    for name in leave_out:
        if name not in fields:
            raise sec.fail("leave_out", f"names of fields of this form, got {name!r}")
    return PublishDef(states=listed, leave_out=leave_out)


def load_edit_roles(sec: Section) -> tuple[str, ...] | None:
    """`edit_roles = ["buyer"]` on a form or a field; None when not given (a field then takes its form's)."""
    if not sec.has("edit_roles"):
        return None
    roles = tuple(sec.str_list("edit_roles"))
    for role in roles:
        if not role.strip():
            raise sec.fail("edit_roles", "role names as config.toml's people have them (e.g. \"requester\")")
    return roles
