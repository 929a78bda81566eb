"""An inquiry's 「询价物料」 cell: one item per line, `name | spec | unit | quantity`, as a buyer types it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from ..cell_lines import cell_lines
from ..sourcing import same


@dataclass(frozen=True)
class Item:
    no: int          # its line in the cell, from 1: how the comparison numbers it
    name: str
    spec: str
    unit: str
    quantity: Decimal

    def as_dict(self) -> dict[str, str]:
        return {"no": str(self.no), "name": self.name, "spec": self.spec, "unit": self.unit,
                "quantity": str(self.quantity)}


@dataclass(frozen=True)
class Bad:
    line: int
    text: str
    why: str         # "parts" (not four parts) or "quantity" (not a positive number)


def parse_items(text: str) -> tuple[list[Item], list[Bad]]:
    """The items and the lines that are not items; blank lines are skipped, the numbering follows the items."""
    items: list[Item] = []
    bad: list[Bad] = []
    for n, line, parts in cell_lines(text):
        if len(parts) != 4 or not parts[0]:
            bad.append(Bad(n, line, "parts"))
            continue
        try:
            quantity = Decimal(parts[3].replace(",", ""))
        except InvalidOperation:
            bad.append(Bad(n, line, "quantity"))
            continue
        if not quantity.is_finite() or quantity <= 0:
            bad.append(Bad(n, line, "quantity"))
            continue
        items.append(Item(len(items) + 1, parts[0], parts[1], parts[2], quantity))
    return items, bad


def find_item(items: list[dict[str, str]], name: str, spec: str) -> tuple[dict[str, str] | None, str]:
    """The inquiry's item a quote or decision names: by name, and by spec where two share the name.
    Returns (item, "") or (None, "unknown" | "ambiguous")."""
    named = [i for i in items if same(i["name"], name)]
    if spec:
        specced = [i for i in named if same(i["spec"], spec)]
        named = specced or named
    if len(named) == 1:
        return named[0], ""
    return None, ("ambiguous" if named else "unknown")
