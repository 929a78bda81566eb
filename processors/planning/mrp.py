"""The monthly purchase plan's computation: level-by-level MRP netting in one topological pass over the BOM.

Each item is netted exactly once, after every parent that demands it has exploded its own planned quantity, so
safety stock is added once per item and a shared semi-finished item's stock is used once. Pure: no I/O, no other
sheetflow module; the caller reads the sheets and writes the plan.

Decisions the rules left open:
- Duplicate quota rows for one (parent, component) are both counted: each is a contribution of its own, so the
  plan shows the doubled demand and names both rows, rather than silently keeping one.
- An item named by a task that is also some item's component takes its low-level code (the deepest level it
  appears at) and is netted at that level like any other item; its task demand is one more contribution.
- A product of a task with no BOM rows is `made=False` yet stays a level-0 line, planned as the tasks say (no
  MOQ or multiple): a task is what to make, never a purchase.
- Stock figures are shown on level-0 lines too, but not netted there.
- Quota and task rows with a blank code are left out (the caller reports them); keys of `stocks`, `on_order` and
  `overrides` are normalized: `on_order` amounts for one code are summed (open lines add up), while two stock or
  override entries for one code raise ValueError (which one holds is not ours to guess). Overrides for a code not
  in the plan are ignored; the caller can tell with `Plan.line(code) is None`.
- Arithmetic runs in a 200-digit context with Inexact trapped, so a figure is exact or the computation stops.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Context, Decimal, DivisionByZero, Inexact, InvalidOperation, Overflow, localcontext
from operator import itemgetter
from typing import TypeVar

from processors.planning.bom import (
    BomCycle,
    Quota,
    children,
    cycles_in,
    edges,
    find_cycles,
    normal_code,
    parents_pending,
    reachable,
)

__all__ = [
    "BomCycle",
    "Contribution",
    "Line",
    "Override",
    "Plan",
    "Quota",
    "Stock",
    "Task",
    "compute",
    "find_cycles",
    "normal_code",
    "order_quantity",
]

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)
T = TypeVar("T")
_EXACT = Context(prec=200, traps=[InvalidOperation, DivisionByZero, Overflow, Inexact])


@dataclass(frozen=True, slots=True)
class Task:
    """One production-task row: make `quantity` of `product`, starting `start`."""

    ref: str
    row: int
    product: str
    quantity: Decimal
    start: date | None
    due: date | None


@dataclass(frozen=True, slots=True)
class Stock:
    """One material's figures (物料库存 row); a figure not set on the sheet is 0.

    `reserved` is stock already set aside for this month's production, so it covers part of the need."""

    code: str
    on_hand: Decimal = ZERO
    reserved: Decimal = ZERO
    safety: Decimal = ZERO
    moq: Decimal = ZERO
    multiple: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class Override:
    """A planner's own quantity for an item, kept with who and why so the plan can be audited."""

    quantity: Decimal
    reason: str
    by: str
    ref: str = ""


@dataclass(frozen=True, slots=True)
class Contribution:
    """One term of a gross need, so a reader can add them up and find the row each came from."""

    code: str
    source: str
    quota_ref: str
    parent_qty: Decimal
    per_unit: Decimal
    scrap: Decimal
    quantity: Decimal


@dataclass
class Line:
    """One item of the plan with every figure a field, so the sheet shows the working and not only the answer."""

    code: str
    level: int
    made: bool
    gross: Decimal
    on_hand: Decimal
    on_order: Decimal
    reserved: Decimal
    safety: Decimal
    net: Decimal
    moq: Decimal
    multiple: Decimal
    suggested: Decimal
    final: Decimal
    override: Override | None
    needed_by: date | None
    contributions: list[Contribution]
    tasks: list[str]


@dataclass
class Plan:
    """The computed plan; a result to read, not to edit (`line` indexes the lines once)."""

    lines: list[Line]
    _index: dict[str, Line] = field(default_factory=dict, init=False, repr=False, compare=False)

    def purchased(self) -> list[Line]:
        """The purchase plan: bought items (not made, below level 0) with a need or a quantity to buy.

        A line whose stock covers its need (gross > 0, final 0) is kept, so the sheet shows why nothing is bought;
        one an override asks for is kept even if nothing demanded it. Filter on `final > 0` for the orders."""
        return [ln for ln in self.lines if not ln.made and ln.level > 0 and (ln.gross > 0 or ln.final > 0)]

    def line(self, code: str) -> Line | None:
        """The line of a code however typed (compared with normal_code)."""
        if len(self._index) != len(self.lines):
            self._index = {ln.code: ln for ln in self.lines}
        return self._index.get(normal_code(code))


def order_quantity(net: Decimal, moq: Decimal, multiple: Decimal) -> Decimal:
    """What a supplier will sell for a need: nothing for no need, else at least the MOQ, in whole packs."""
    if net <= 0:
        return ZERO
    wanted = max(net, moq)
    if multiple <= 0:
        return wanted
    packs, rest = divmod(wanted, multiple)
    return wanted if not rest else (packs + 1) * multiple


@dataclass(slots=True)
class _Item:
    """What the parents have handed an item so far; complete once its last parent has exploded."""

    contributions: list[tuple[tuple[int, int], Contribution]] = field(default_factory=list)
    level: int = 0
    needed_by: date | None = None
    tasks: set[int] = field(default_factory=set)  # ranks of the task refs in sorted order: cheap to merge and sort


@dataclass(frozen=True, slots=True)
class _Books:
    stocks: dict[str, Stock]
    on_order: dict[str, Decimal]
    overrides: dict[str, Override]


def compute(tasks: Iterable[Task], quotas: Iterable[Quota], stocks: Mapping[str, Stock],
            on_order: Mapping[str, Decimal], overrides: Mapping[str, Override]) -> Plan:
    """The plan for these tasks. Raises BomCycle, before computing anything, when the quotas hold a cycle."""
    rows = edges(quotas)
    cycles = cycles_in(rows)
    if cycles:
        raise BomCycle(cycles)
    kids = children(rows)
    books = _Books(_unique(stocks, "stock"), _summed(on_order), _unique(overrides, "override"))
    refs, items = _task_demand(list(tasks))
    pending = parents_pending(reachable(items, kids), kids)
    ready = deque(code for code, count in pending.items() if count == 0)
    lines = []
    with localcontext(_EXACT):
        while ready:
            code = ready.popleft()
            item = items.pop(code)
            line = _line(code, item, code in kids, books, refs)
            lines.append(line)
            for child, index, quota in kids.get(code, ()):
                _explode(line, item.tasks, items.setdefault(child, _Item()), child, (1, index), quota)
                pending[child] -= 1
                if not pending[child]:
                    ready.append(child)
    lines.sort(key=lambda ln: (ln.level, ln.code))
    return Plan(lines)


def _task_demand(tasks: list[Task]) -> tuple[list[str], dict[str, _Item]]:
    """Level-0 demand: each task a contribution to its product, named by its ref; the refs in sorted order."""
    refs = sorted({task.ref for task in tasks})
    rank = {ref: n for n, ref in enumerate(refs)}
    items: dict[str, _Item] = {}
    for index, task in enumerate(tasks):
        code = normal_code(task.product)
        if not code:
            continue
        item = items.setdefault(code, _Item())
        own = Contribution(code, task.ref, "", task.quantity, ONE, ZERO, task.quantity)
        item.contributions.append(((0, index), own))
        item.tasks.add(rank[task.ref])
        item.needed_by = _earliest(item.needed_by, task.start)
    return refs, items


def _explode(parent: Line, tasks: set[int], item: _Item, code: str, order: tuple[int, int], quota: Quota) -> None:
    """Hand a child its share of the parent's planned quantity, its depth, its date and its tasks."""
    quantity = parent.final * quota.per_unit * (ONE + quota.scrap / HUNDRED)
    item.contributions.append(
        (order, Contribution(code, parent.code, quota.ref, parent.final, quota.per_unit, quota.scrap, quantity)))
    item.level = max(item.level, parent.level + 1)
    item.needed_by = _earliest(item.needed_by, parent.needed_by)
    item.tasks.update(tasks)


def _line(code: str, item: _Item, made: bool, books: _Books, refs: list[str]) -> Line:
    """Net an item whose demand is complete: tasks' products as planned, items below against their stock."""
    contributions = [c for _, c in sorted(item.contributions, key=itemgetter(0))]
    gross = sum((c.quantity for c in contributions), ZERO)
    stock = books.stocks.get(code) or Stock(code)
    coming = books.on_order.get(code, ZERO)
    if item.level == 0:
        net = suggested = gross
    else:
        net = max(ZERO, gross - stock.on_hand - coming - stock.reserved + stock.safety)
        suggested = net if made else order_quantity(net, stock.moq, stock.multiple)
    override = books.overrides.get(code)
    return Line(code=code, level=item.level, made=made, gross=gross, on_hand=stock.on_hand, on_order=coming,
                reserved=stock.reserved, safety=stock.safety, net=net, moq=stock.moq, multiple=stock.multiple,
                suggested=suggested, final=suggested if override is None else override.quantity, override=override,
                needed_by=item.needed_by, contributions=contributions, tasks=[refs[n] for n in sorted(item.tasks)])


def _earliest(known: date | None, other: date | None) -> date | None:
    if known is None:
        return other
    return known if other is None or known <= other else other


def _unique(mapping: Mapping[str, T], what: str) -> dict[str, T]:
    """Keys normalized; two entries for one code are a sheet error the caller must show, not one we pick from."""
    out: dict[str, T] = {}
    typed: dict[str, str] = {}
    for key, value in mapping.items():
        code = normal_code(key)
        if code in out:
            raise ValueError(f"two {what} entries for {code}: {typed[code]!r} and {key!r}")
        out[code], typed[code] = value, key
    return out


def _summed(on_order: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """Open order lines for one code however typed add up: each is stock still to come."""
    out: dict[str, Decimal] = {}
    for key, quantity in on_order.items():
        code = normal_code(key)
        out[code] = out.get(code, ZERO) + quantity
    return out

