"""The BOM as a graph: codes compared as a planner means them, cycles found and named by their rows, and the
walk from the tasks' products down to every item they reach. Kept apart from the netting (mrp.py) so a cycle can
be reported before any figure is computed."""

from __future__ import annotations

import unicodedata
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

#: a parent's BOM rows as (normalized component code, index of the row in the input, the row)
Children = dict[str, list[tuple[str, int, "Quota"]]]


@dataclass(frozen=True, slots=True)
class Quota:
    """One consumption-quota (消耗定额 / BOM) row: one unit of `parent` consumes `per_unit` of `component`.

    `scrap` is the loss rate in percent, so a row reads as typed: demand = qty × per_unit × (1 + scrap/100)."""

    ref: str
    row: int
    parent: str
    component: str
    per_unit: Decimal
    scrap: Decimal = Decimal(0)


class BomCycle(Exception):
    """The quotas make an item consume itself, so no quantity can be planned; `cycles` names the rows to fix.

    Each cycle lists its BOM rows in the order of the loop (A→B, B→C, C→A), starting at the row that comes first
    in the input; cycles are in the order of their first row."""

    def __init__(self, cycles: list[list[Quota]]) -> None:
        self.cycles = cycles
        super().__init__("; ".join(describe(cycle) for cycle in cycles))


def describe(cycle: list[Quota]) -> str:
    """A loop as a planner reads it back: each code once, then back to the start, each step naming its row."""
    steps = [normal_code(cycle[0].parent)]
    steps += [f"{normal_code(q.component)} ({q.ref} row {q.row})" for q in cycle]
    return "BOM cycle: " + " → ".join(steps)


@lru_cache(maxsize=1 << 16)
def normal_code(text: str) -> str:
    """The code as meant, not as typed: sheets hold `desk-a `, `DESK-A` and full-width `ＤＥＳＫ－Ａ` for one item."""
    return unicodedata.normalize("NFKC", text).strip().upper()


#: a BOM row with its codes normalized: (parent, component, row)
Edge = tuple[str, str, "Quota"]


def edges(quotas: Iterable[Quota]) -> list[Edge]:
    """Rows with both codes filled; a half-typed row names no item, and the caller reports it as incomplete."""
    out = []
    for quota in quotas:
        parent, component = normal_code(quota.parent), normal_code(quota.component)
        if parent and component:
            out.append((parent, component, quota))
    return out


def children(rows: list[Edge]) -> Children:
    """Adjacency built once, so the netting pass never searches the rows."""
    out: Children = {}
    for index, (parent, component, quota) in enumerate(rows):
        out.setdefault(parent, []).append((component, index, quota))
    return out


def reachable(roots: Iterable[str], kids: Children) -> set[str]:
    """Items some task's demand reaches; the rest of the BOM is not this month's business."""
    seen = set(roots)
    todo = list(seen)
    while todo:
        for child, _, _ in kids.get(todo.pop(), ()):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return seen


def parents_pending(items: set[str], kids: Children) -> dict[str, int]:
    """For each item, how many rows of demanded parents feed it: netted only once all of them have exploded."""
    pending = dict.fromkeys(items, 0)
    for parent in items:
        for child, _, _ in kids.get(parent, ()):
            pending[child] += 1
    return pending


def find_cycles(quotas: Iterable[Quota]) -> list[list[Quota]]:
    """Every row lying on a loop, grouped into loops a planner can follow (a self-loop is a loop of one row).

    Strong components (Tarjan, iterative: a BOM chain thousands deep must not hit the recursion limit) tell which
    rows lie on a loop; each such row not yet named starts a loop closed by the shortest way back within its
    component. So every offending row is named, rows outside loops never are, and disjoint loops come apart."""
    return cycles_in(edges(quotas))


def cycles_in(rows: list[Edge]) -> list[list[Quota]]:
    """find_cycles on rows already normalized, so compute normalizes each code once."""
    succ: dict[str, list[int]] = {}
    for index, (parent, _, _) in enumerate(rows):
        succ.setdefault(parent, []).append(index)
    component = _strong_components(succ, rows)
    loops: list[list[int]] = []
    named: set[int] = set()
    for index, (parent, child, _) in enumerate(rows):
        if index in named or component.get(parent) != component.get(child):
            continue
        loop = [index, *_way_back(child, parent, succ, rows, component)]
        named.update(loop)
        start = loop.index(min(loop))
        loops.append(loop[start:] + loop[:start])
    loops.sort(key=lambda loop: loop[0])
    return [[rows[i][2] for i in loop] for loop in loops]


def _strong_components(succ: dict[str, list[int]], edges: list[Edge]) -> dict[str, int]:
    """Tarjan's algorithm with an explicit stack: the component id of every code that has rows."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    component: dict[str, int] = {}

    def enter(code: str) -> tuple[str, Iterator[int]]:
        index[code] = low[code] = len(index)
        stack.append(code)
        on_stack.add(code)
        return code, iter(succ.get(code, ()))

    for root in succ:
        if root in index:
            continue
        work = [enter(root)]
        while work:
            code, rows = work[-1]
            for row in rows:
                nxt = edges[row][1]
                if nxt not in index:
                    work.append(enter(nxt))
                    break
                if nxt in on_stack:
                    low[code] = min(low[code], index[nxt])
            else:
                work.pop()
                if work:
                    above = work[-1][0]
                    low[above] = min(low[above], low[code])
                if low[code] == index[code]:
                    _pop_component(code, stack, on_stack, component, index[code])
    return component


def _pop_component(root: str, stack: list[str], on_stack: set[str], component: dict[str, int], ident: int) -> None:
    while True:
        code = stack.pop()
        on_stack.discard(code)
        component[code] = ident
        if code == root:
            return


def _way_back(start: str, goal: str, succ: dict[str, list[int]], edges: list[Edge],
              component: dict[str, int]) -> list[int]:
    """The rows of a shortest path start → goal inside their component (breadth-first, rows in input order)."""
    if start == goal:
        return []
    home = component[goal]
    came: dict[str, int] = {start: -1}
    queue = deque([start])
    while queue:
        code = queue.popleft()
        for row in succ.get(code, ()):
            nxt = edges[row][1]
            if nxt in came or component.get(nxt) != home:
                continue
            came[nxt] = row
            if nxt == goal:
                return _rows_to(goal, came, edges)
            queue.append(nxt)
    raise AssertionError(f"{start} and {goal} share a strong component yet no path joins them")


def _rows_to(goal: str, came: dict[str, int], edges: list[Edge]) -> list[int]:
    path = []
    code = goal
    while came[code] != -1:
        path.append(came[code])
        code = edges[came[code]][0]
    return path[::-1]
