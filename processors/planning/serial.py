"""A computed plan as its record keeps it: plain text values in JSON, so the workbook, the PDF and a retried
pass are all made from what was stored, byte for byte, and a changed figure changes the digest the
plan's signatures cover."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

from ..store.db import Record
from .mrp import Contribution, Line, Plan


def q(value: Decimal) -> str:
    """A quantity as staff write it: 240, not 240.000 or 2.4E+2."""
    text = format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def line_dict(line: Line, names: dict[str, tuple[str, str, str]]) -> dict[str, Any]:
    name, spec, unit = names.get(line.code, ("", "", ""))
    o = line.override
    return {"code": line.code, "name": name, "spec": spec, "unit": unit, "level": line.level, "made": line.made,
            "gross": q(line.gross), "on_hand": q(line.on_hand), "on_order": q(line.on_order),
            "reserved": q(line.reserved), "safety": q(line.safety), "net": q(line.net), "moq": q(line.moq),
            "multiple": q(line.multiple), "suggested": q(line.suggested), "final": q(line.final),
            "override": q(o.quantity) if o else "", "reason": o.reason if o else "", "by": o.by if o else "",
            "override_ref": o.ref if o else "", "needed_by": line.needed_by.isoformat() if line.needed_by else "",
            "tasks": list(line.tasks)}


def trace_rows(plan: Plan) -> list[list[str]]:
    rows: list[list[str]] = []
    for line in plan.lines:
        for c in line.contributions:
            rows.append(_contribution(c))
    return rows


def _contribution(c: Contribution) -> list[str]:
    return [c.code, c.source, c.quota_ref, q(c.parent_qty), q(c.per_unit), q(c.scrap), q(c.quantity)]


def pack(plan: Plan, names: dict[str, tuple[str, str, str]]) -> dict[str, str]:
    """The record's derived values: purchase lines numbered 01, 02 … in code order, made items, the working."""
    bought, made = [], []
    for line in plan.purchased():
        bought.append(line_dict(line, names))
    for no, line in enumerate(bought, start=1):
        line["no"] = f"{no:02d}"
    for line in plan.lines:
        if line.made or line.level == 0:
            made.append(line_dict(line, names))
    out = {"lines": json.dumps(bought, ensure_ascii=False), "made": json.dumps(made, ensure_ascii=False),
           "trace": json.dumps(trace_rows(plan), ensure_ascii=False)}
    out["digest"] = digest(out)
    return out


def digest(values: dict[str, str]) -> str:
    h = hashlib.blake2b(digest_size=12)
    for name in ("lines", "made", "trace"):
        h.update(values.get(name, "").encode())
        h.update(b"\x1e")
    return h.hexdigest()


def loads(record: Record | None, name: str) -> list[Any]:
    if record is None:
        return []
    try:
        value = json.loads(record.data.get(name) or "[]")
    except ValueError:
        return []
    return value if isinstance(value, list) else []
