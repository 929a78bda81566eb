"""A customer order's or contract's 「货品明细」 cell: one line per item, `name | spec | unit | quantity | unit price`.

Typed as staff write it in a cell (Alt+Enter between lines); `|`, `｜` or a tab
separate the parts. A line that is not five parts, or whose quantity or price is
not a positive number, is named in the row by its line number, so the rest of
the order is not lost and the typist sees what to fix.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from ..cell_lines import cell_lines
from ..money import line_total, round_fen


@dataclass(frozen=True)
class SaleItem:
    no: int
    name: str
    spec: str
    unit: str
    quantity: Decimal
    price: Decimal

    @property
    def amount(self) -> Decimal:
        return line_total(self.quantity, self.price)

    def as_dict(self) -> dict[str, str]:
        return {"no": str(self.no), "name": self.name, "spec": self.spec, "unit": self.unit,
                "quantity": str(self.quantity), "price": str(self.price), "amount": str(self.amount)}


@dataclass(frozen=True)
class BadLine:
    line: int
    text: str
    why: str         # "parts" | "quantity" | "price"


def _positive(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", "").replace("，", "").replace("¥", "").replace("￥", ""))
    except InvalidOperation:
        return None
    return value if value.is_finite() and value > 0 else None


def parse_sale_items(text: str) -> tuple[list[SaleItem], list[BadLine]]:
    """The items and the lines that are not items; blank lines are skipped, numbering follows the items."""
    items: list[SaleItem] = []
    bad: list[BadLine] = []
    for n, line, parts in cell_lines(text):
        if len(parts) != 5 or not parts[0]:
            bad.append(BadLine(n, line, "parts"))
            continue
        quantity, price = _positive(parts[3]), _positive(parts[4])
        if quantity is None:
            bad.append(BadLine(n, line, "quantity"))
            continue
        if price is None:
            bad.append(BadLine(n, line, "price"))
            continue
        items.append(SaleItem(len(items) + 1, parts[0], parts[1], parts[2], quantity, price))
    return items, bad


def total_of(items: list[SaleItem]) -> Decimal:
    return round_fen(sum((i.amount for i in items), Decimal(0)))


def items_json(items: list[SaleItem]) -> str:
    """How the items are kept with the record (derived value `item_list`): what documents print, as stored."""
    return json.dumps([i.as_dict() for i in items], ensure_ascii=False)


def stored_items(data: dict[str, str]) -> list[dict[str, str]]:
    try:
        return list(json.loads(data.get("item_list") or "[]"))
    except (TypeError, ValueError):
        return []
