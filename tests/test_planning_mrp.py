"""The monthly purchase plan's MRP (processors/planning/mrp.py): netted level by level, once per item, with every
figure worked out by hand below; BOM cycles named by their rows; codes compared as a planner means them."""

from __future__ import annotations

import sys
from datetime import date
from decimal import Decimal as D

import pytest

from processors.planning.mrp import (
    BomCycle,
    Line,
    Override,
    Plan,
    Quota,
    Stock,
    Task,
    compute,
    find_cycles,
    normal_code,
    order_quantity,
)

# ---------------------------------------------------------------------------------------------------------------
# The hand-worked example: 书桌 DESK-A (two tasks, different weeks) and 书柜 CAB-B share the semi-finished 桌腿组件
# LEG-SET, which has stock of its own; screws are used by both products and by LEG-SET (two levels).

TASKS = [
    Task("PT-0001", 2, "DESK-A", D(30), date(2026, 12, 7), date(2026, 12, 11)),
    Task("PT-0002", 3, "desk-a ", D(20), date(2026, 12, 14), date(2026, 12, 18)),  # the same product, as typed
    Task("PT-0003", 4, "CAB-B", D(10), date(2026, 12, 10), date(2026, 12, 16)),
]
QUOTAS = [
    Quota("BM-0001", 2, "DESK-A", "TOP-D", D(1)),  # 桌面板
    Quota("BM-0002", 3, "DESK-A", "LEG-SET", D(1)),
    Quota("BM-0003", 4, "DESK-A", "SCREW-M6", D(8)),
    Quota("BM-0004", 5, "DESK-A", "BOX", D(1)),  # 纸箱
    Quota("BM-0005", 6, "CAB-B", "PANEL-C", D(5), D(4)),  # 柜板, 4 % loss
    Quota("BM-0006", 7, "CAB-B", "LEG-SET", D(1)),
    Quota("BM-0007", 8, "CAB-B", "SCREW-M6", D(12)),
    Quota("BM-0008", 9, "CAB-B", "GLUE", D("0.2")),
    Quota("BM-0009", 10, "LEG-SET", "LEG", D(4)),  # 桌腿
    Quota("BM-0010", 11, "LEG-SET", "SCREW-M6", D(4)),
    Quota("BM-0011", 12, "CHAIR-X", "SCREW-M6", D(6)),  # no task makes CHAIR-X: not this month's demand
]
STOCKS = {
    "LEG-SET": Stock("LEG-SET", on_hand=D(12), reserved=D(3), safety=D(5)),
    "TOP-D": Stock("TOP-D", on_hand=D(10), moq=D(40)),
    "PANEL-C": Stock("PANEL-C", on_hand=D(2), safety=D(10), multiple=D(25)),
    "SCREW-M6": Stock("SCREW-M6", on_hand=D(300), reserved=D(40), safety=D(100), moq=D(500), multiple=D(200)),
    "LEG": Stock("LEG", on_hand=D(50)),
    "GLUE": Stock("GLUE", on_hand=D(5)),
}
ON_ORDER = {"TOP-D": D(15), "LEG": D(30)}
OVERRIDES = {"BOX": Override(D(60), "spare boxes for the showroom", "王芳", "OV-0001")}

# (code, level, gross, on_hand, on_order, reserved, safety, net, suggested, final), in the plan's order
HAND_WORKED = [
    # tasks' products: planned as the tasks say, no netting. DESK-A = 30 + 20 (PT-0001 + PT-0002, " desk-a ")
    ("CAB-B", 0, 10, 0, 0, 0, 0, 10, 10, 10),  # PT-0003: 10
    ("DESK-A", 0, 50, 0, 0, 0, 0, 50, 50, 50),  # 30 + 20 = 50
    # BOX: gross 50 × 1 = 50; net 50 − 0 = 50; suggested 50 (no MOQ); final = override 60
    ("BOX", 1, 50, 0, 0, 0, 0, 50, 50, 60),
    # GLUE: gross 10 × 0.2 = 2; net max(0, 2 − 5) = 0 → suggested 0 (stock covers it)
    ("GLUE", 1, 2, 5, 0, 0, 0, 0, 0, 0),
    # LEG-SET (made): gross 50 × 1 + 10 × 1 = 60; net 60 − 12 − 0 − 3 + 5 = 50; made: suggested = net = 50
    ("LEG-SET", 1, 60, 12, 0, 3, 5, 50, 50, 50),
    # PANEL-C: gross 10 × 5 × 1.04 = 52; net 52 − 2 + 10 = 60; multiple 25: 60 / 25 = 2.4 → 3 packs = 75
    ("PANEL-C", 1, 52, 2, 0, 0, 10, 60, 75, 75),
    # TOP-D: gross 50 × 1 = 50; net 50 − 10 − 15 = 25; MOQ 40: max(25, 40) = 40
    ("TOP-D", 1, 50, 10, 15, 0, 0, 25, 40, 40),
    # LEG: gross LEG-SET's final 50 × 4 = 200 (not LEG-SET's gross 60); net 200 − 50 − 30 = 120
    ("LEG", 2, 200, 50, 30, 0, 0, 120, 120, 120),
    # SCREW-M6, level 2 (deepest: under LEG-SET): gross 50 × 8 + 10 × 12 + 50 × 4 = 400 + 120 + 200 = 720
    # (CHAIR-X's 6 per unit not counted); net 720 − 300 − 0 − 40 + 100 = 480 (safety once);
    # MOQ 500: max(480, 500) = 500; multiple 200: 500 / 200 = 2.5 → 3 packs = 600
    ("SCREW-M6", 2, 720, 300, 0, 40, 100, 480, 600, 600),
]


@pytest.fixture(scope="module")
def plan() -> Plan:
    return compute(TASKS, QUOTAS, STOCKS, ON_ORDER, OVERRIDES)


def the(plan: Plan, code: str) -> Line:
    line = plan.line(code)
    assert line is not None, f"{code} is not in the plan"
    return line


def figures(line: Line) -> tuple[object, ...]:
    return (line.code, line.level, line.gross, line.on_hand, line.on_order, line.reserved, line.safety, line.net,
            line.suggested, line.final)


@pytest.mark.parametrize("expected", HAND_WORKED, ids=[row[0] for row in HAND_WORKED])
def test_hand_worked_line(plan: Plan, expected: tuple[object, ...]) -> None:
    line = plan.line(str(expected[0]))
    assert line is not None
    assert figures(line) == tuple(D(x) if isinstance(x, int) and i > 1 else x for i, x in enumerate(expected))


def test_hand_worked_plan_holds_exactly_those_lines_in_level_then_code_order(plan: Plan) -> None:
    assert [ln.code for ln in plan.lines] == [row[0] for row in HAND_WORKED]
    assert plan.line("CHAIR-X") is None


def test_made_is_having_bom_rows_of_its_own(plan: Plan) -> None:
    assert {ln.code for ln in plan.lines if ln.made} == {"DESK-A", "CAB-B", "LEG-SET"}


def test_purchased_lists_bought_items_with_a_need_even_when_stock_covers_it(plan: Plan) -> None:
    assert [ln.code for ln in plan.purchased()] == ["BOX", "GLUE", "PANEL-C", "TOP-D", "LEG", "SCREW-M6"]


def test_the_override_is_kept_on_its_line(plan: Plan) -> None:
    line = plan.line("box")
    assert line is not None and line.override == OVERRIDES["BOX"]
    assert the(plan, "LEG-SET").override is None


@pytest.mark.parametrize("code", [row[0] for row in HAND_WORKED])
def test_contributions_add_up_to_the_gross(plan: Plan, code: str) -> None:
    line = plan.line(code)
    assert line is not None and line.contributions
    assert sum(c.quantity for c in line.contributions) == line.gross
    for c in line.contributions:
        assert c.code == code
        assert c.quantity == c.parent_qty * c.per_unit * (1 + c.scrap / 100)


@pytest.mark.parametrize(("code", "terms"), [
    ("SCREW-M6", [("DESK-A", "BM-0003", 50, 8, 0, 400), ("CAB-B", "BM-0007", 10, 12, 0, 120),
                  ("LEG-SET", "BM-0010", 50, 4, 0, 200)]),
    ("DESK-A", [("PT-0001", "", 30, 1, 0, 30), ("PT-0002", "", 20, 1, 0, 20)]),
    ("PANEL-C", [("CAB-B", "BM-0005", 10, 5, 4, 52)]),
    ("LEG", [("LEG-SET", "BM-0009", 50, 4, 0, 200)]),
])
def test_contributions_name_their_sources(plan: Plan, code: str, terms: list[tuple[object, ...]]) -> None:
    line = plan.line(code)
    assert line is not None
    got = [(c.source, c.quota_ref, c.parent_qty, c.per_unit, c.scrap, c.quantity) for c in line.contributions]
    assert got == [(s, q, D(a), D(b), D(c), D(d)) for s, q, a, b, c, d in terms]


@pytest.mark.parametrize(("code", "needed_by", "tasks"), [
    ("DESK-A", date(2026, 12, 7), ["PT-0001", "PT-0002"]),
    ("CAB-B", date(2026, 12, 10), ["PT-0003"]),
    ("PANEL-C", date(2026, 12, 10), ["PT-0003"]),
    ("LEG-SET", date(2026, 12, 7), ["PT-0001", "PT-0002", "PT-0003"]),
    ("LEG", date(2026, 12, 7), ["PT-0001", "PT-0002", "PT-0003"]),
    ("GLUE", date(2026, 12, 10), ["PT-0003"]),
])
def test_needed_by_and_tasks_of_the_hand_worked_plan(plan: Plan, code: str, needed_by: date,
                                                     tasks: list[str]) -> None:
    line = plan.line(code)
    assert line is not None and (line.needed_by, line.tasks) == (needed_by, tasks)


# ---------------------------------------------------------------------------------------------------------------


def plan_of(tasks: list[Task], quotas: list[Quota], stocks: dict[str, Stock] | None = None,
            on_order: dict[str, D] | None = None, overrides: dict[str, Override] | None = None) -> Plan:
    return compute(tasks, quotas, stocks or {}, on_order or {}, overrides or {})


def task(ref: str, product: str, quantity: int | str, start: date | None = None) -> Task:
    return Task(ref, int(ref[-1]) + 1, product, D(quantity), start, None)


def quota(ref: str, parent: str, component: str, per_unit: int | str = 1, scrap: int | str = 0) -> Quota:
    return Quota(ref, int(ref[-2:]) + 1, parent, component, D(per_unit), D(scrap))


def test_needed_by_is_the_earliest_start_through_any_path() -> None:
    # X is used directly by LATE (starts the 20th) and, two levels down, through EARLY → SUB (starts the 1st);
    # a task with no start date does not count
    tasks = [task("PT-1", "LATE", 1, date(2026, 12, 20)), task("PT-2", "EARLY", 1, date(2026, 12, 1)),
             task("PT-3", "LATE", 1, None)]
    quotas = [quota("BM-01", "LATE", "X"), quota("BM-02", "EARLY", "SUB"), quota("BM-03", "SUB", "X")]
    line = plan_of(tasks, quotas).line("X")
    assert line is not None
    assert (line.needed_by, line.tasks) == (date(2026, 12, 1), ["PT-1", "PT-2", "PT-3"])


def test_safety_stock_is_added_once_for_an_item_several_parents_demand() -> None:
    # M: gross 10 × 2 (P1) + 10 × 3 (P2) + 10 × 5 (P3) = 100; net 100 − 30 + 25 = 95 (per demand it would be
    # 20 − 30 + 25 = 15, 30 − 30 + 25 = 25 and 50 − 30 + 25 = 45: 85 in all; or 100 − 30 + 75 = 145)
    tasks = [task("PT-1", "P1", 10), task("PT-2", "P2", 10), task("PT-3", "P3", 10)]
    quotas = [quota("BM-01", "P1", "M", 2), quota("BM-02", "P2", "M", 3), quota("BM-03", "P3", "M", 5)]
    line = plan_of(tasks, quotas, {"M": Stock("M", on_hand=D(30), safety=D(25))}).line("M")
    assert line is not None and (line.gross, line.net, line.suggested) == (D(100), D(95), D(95))


def test_a_shared_semi_finished_item_is_netted_once_against_its_stock() -> None:
    # S: gross 40 + 60 = 100, net 100 − 70 = 30 (per parent: max(0, 40 − 70) + max(0, 60 − 70) = 0); M = 30 × 2
    tasks = [task("PT-1", "P1", 40), task("PT-2", "P2", 60)]
    quotas = [quota("BM-01", "P1", "S"), quota("BM-02", "P2", "S"), quota("BM-03", "S", "M", 2)]
    plan = plan_of(tasks, quotas, {"S": Stock("S", on_hand=D(70))})
    assert (the(plan, "S").net, the(plan, "M").gross) == (D(30), D(60))


@pytest.mark.parametrize(("net", "moq", "multiple", "suggested"), [
    ("0", "0", "0", "0"),
    ("0", "500", "200", "0"),  # no need: nothing bought, whatever the MOQ
    ("7", "0", "0", "7"),
    ("7", "10", "0", "10"),  # MOQ lifts
    ("12", "10", "0", "12"),  # above the MOQ: as needed
    ("7", "0", "5", "10"),  # up to the next pack
    ("10", "0", "5", "10"),  # already whole packs
    ("480", "500", "200", "600"),  # MOQ first, then packs: 500 → 600
    ("600", "500", "200", "600"),
    ("0.3", "0", "0.25", "0.5"),  # fractional packs (kg, m)
    ("1.01", "1", "1", "2"),
])
def test_order_quantity(net: str, moq: str, multiple: str, suggested: str) -> None:
    assert order_quantity(D(net), D(moq), D(multiple)) == D(suggested)


def test_moq_and_multiple_apply_to_bought_items_only() -> None:
    tasks = [task("PT-1", "P", 7)]
    quotas = [quota("BM-01", "P", "S"), quota("BM-02", "S", "M")]
    stocks = {code: Stock(code, moq=D(100), multiple=D(50)) for code in ("P", "S", "M")}
    plan = plan_of(tasks, quotas, stocks)
    assert [(ln.code, ln.suggested) for ln in plan.lines] == [("P", D(7)), ("S", D(7)), ("M", D(100))]


def test_an_override_on_a_product_replaces_its_planned_quantity_and_explodes() -> None:
    tasks = [task("PT-1", "P", 10)]
    quotas = [quota("BM-01", "P", "M", 3)]
    plan = plan_of(tasks, quotas, overrides={"p": Override(D(4), "only 4 frames", "李")})
    assert (the(plan, "P").suggested, the(plan, "P").final, the(plan, "M").gross) == (D(10), D(4), D(12))


def test_an_override_on_a_semi_finished_item_is_what_explodes() -> None:
    tasks = [task("PT-1", "P", 10)]
    quotas = [quota("BM-01", "P", "S", 2), quota("BM-02", "S", "M", 3)]
    plan = plan_of(tasks, quotas, overrides={"S": Override(D(5), "5 in rework", "李")})
    assert (the(plan, "S").net, the(plan, "S").final, the(plan, "M").gross) == (D(20), D(5), D(15))


def test_duplicate_quota_rows_are_both_counted_and_both_named() -> None:
    tasks = [task("PT-1", "P", 10)]
    quotas = [quota("BM-01", "P", "M", 2), quota("BM-02", "p", "m", 3)]
    line = plan_of(tasks, quotas).line("M")
    assert line is not None and line.gross == D(50)
    assert [c.quota_ref for c in line.contributions] == ["BM-01", "BM-02"]


def test_a_product_that_is_also_a_component_is_netted_at_its_deepest_level() -> None:
    # S is made by its own task (5) and used by P (10 × 1): gross 15, level 1, netted: 15 − 4 = 11; M = 11 × 2
    tasks = [task("PT-1", "P", 10), task("PT-2", "S", 5)]
    quotas = [quota("BM-01", "P", "S"), quota("BM-02", "S", "M", 2)]
    plan = plan_of(tasks, quotas, {"S": Stock("S", on_hand=D(4))})
    s = plan.line("S")
    assert s is not None and (s.level, s.gross, s.net, s.final) == (1, D(15), D(11), D(11))
    assert [c.source for c in s.contributions] == ["PT-2", "P"]
    assert the(plan, "M").gross == D(22)


def test_a_product_without_bom_rows_is_planned_not_purchased() -> None:
    plan = plan_of([task("PT-1", "NEW-1", 3)], [], {"NEW-1": Stock("NEW-1", on_hand=D(2), moq=D(10))})
    line = plan.line("NEW-1")
    assert line is not None and (line.made, line.level, line.net, line.final) == (False, 0, D(3), D(3))
    assert plan.purchased() == []


def test_an_item_whose_parent_needs_nothing_stays_in_the_plan_with_no_need() -> None:
    tasks = [task("PT-1", "P", 10)]
    quotas = [quota("BM-01", "P", "S"), quota("BM-02", "S", "M")]
    plan = plan_of(tasks, quotas, {"S": Stock("S", on_hand=D(50))})
    m = plan.line("M")
    assert m is not None and (m.gross, m.final, m.tasks) == (D(0), D(0), ["PT-1"])
    assert plan.purchased() == []


def test_codes_are_compared_normalized_everywhere() -> None:
    tasks = [task("PT-1", "ＤＥＳＫ－Ａ", 2)]
    quotas = [quota("BM-01", " desk-a", "ｓｃｒｅｗ")]
    plan = plan_of(tasks, quotas, {"Screw ": Stock("SCREW", on_hand=D(1))}, {"screw": D(1), "SCREW": D(2)})
    assert [ln.code for ln in plan.lines] == ["DESK-A", "SCREW"]
    screw = plan.line("screw")
    assert screw is not None and (screw.on_hand, screw.on_order, screw.net) == (D(1), D(3), D(0))


@pytest.mark.parametrize(("stocks", "overrides"), [
    ({"m": Stock("m"), "M": Stock("M")}, {}),
    ({}, {"m": Override(D(1), "", ""), "M ": Override(D(2), "", "")}),
])
def test_two_entries_for_one_code_are_refused(stocks: dict[str, Stock], overrides: dict[str, Override]) -> None:
    with pytest.raises(ValueError, match=r"two .* entries for M: 'm' and 'M ?'"):
        plan_of([task("PT-1", "P", 1)], [quota("BM-01", "P", "M")], stocks, overrides=overrides)


def test_rows_with_a_blank_code_are_left_out() -> None:
    plan = plan_of([task("PT-1", "P", 1), task("PT-2", " ", 5)], [quota("BM-01", "P", ""), quota("BM-02", "", "P")])
    assert [(ln.code, ln.gross) for ln in plan.lines] == [("P", D(1))]


def test_arithmetic_stays_exact() -> None:
    # 3 × 0.333 × 1.025 = 1.023975 exactly (no float, no quantizing)
    plan = plan_of([task("PT-1", "P", 3)], [quota("BM-01", "P", "M", "0.333", "2.5")])
    assert str(the(plan, "M").gross) == "1.023975"


# ---------------------------------------------------------------------------------------------------------------


def refs(cycles: list[list[Quota]]) -> list[list[tuple[str, int]]]:
    return [[(q.ref, q.row) for q in cycle] for cycle in cycles]


LOOP = [quota("BM-01", "A", "B"), quota("BM-02", "B", "C"), quota("BM-03", "C", "A")]
OUTSIDE = [quota("BM-04", "A", "X"), quota("BM-05", "D", "A"), quota("BM-06", "C", "Y")]


@pytest.mark.parametrize(("quotas", "expected"), [
    (LOOP + OUTSIDE, [[("BM-01", 2), ("BM-02", 3), ("BM-03", 4)]]),
    # in loop order whatever the input's, starting at the row given first
    (OUTSIDE + LOOP[::-1], [[("BM-03", 4), ("BM-01", 2), ("BM-02", 3)]]),
    ([*OUTSIDE, quota("BM-07", "X", "x ")], [[("BM-07", 8)]]),  # a self-loop, through normal_code
    ([*LOOP, quota("BM-07", "P", "Q"), quota("BM-08", "Q", "P")],
     [[("BM-01", 2), ("BM-02", 3), ("BM-03", 4)], [("BM-07", 8), ("BM-08", 9)]]),  # two cycles, apart
    (OUTSIDE, []),
])
def test_find_cycles_names_exactly_the_rows_of_each_loop(quotas: list[Quota],
                                                         expected: list[list[tuple[str, int]]]) -> None:
    assert refs(find_cycles(quotas)) == expected


def test_every_row_of_a_tangle_is_named_in_a_loop() -> None:
    # A→B→A and A→C→A share A: one strong component, two loops, each row named once
    quotas = [quota("BM-01", "A", "B"), quota("BM-02", "B", "A"), quota("BM-03", "A", "C"), quota("BM-04", "C", "A")]
    assert refs(find_cycles(quotas)) == [[("BM-01", 2), ("BM-02", 3)], [("BM-03", 4), ("BM-04", 5)]]


def test_compute_raises_bom_cycle_before_computing_even_off_the_tasks_path() -> None:
    quotas = [quota("BM-01", "P", "M"), *LOOP]
    with pytest.raises(BomCycle) as caught:
        plan_of([task("PT-1", "P", 1)], quotas)
    assert refs(caught.value.cycles) == [[("BM-01", 2), ("BM-02", 3), ("BM-03", 4)]]
    assert str(caught.value) == "BOM cycle: A → B (BM-01 row 2) → C (BM-02 row 3) → A (BM-03 row 4)"


def test_deep_boms_need_no_recursion() -> None:
    depth = sys.getrecursionlimit() * 2
    chain = [Quota(f"BM-{i}", i, f"I{i}", f"I{i + 1}", D(1)) for i in range(depth)]
    assert find_cycles(chain) == []
    loop = [*chain, Quota("BM-back", 0, f"I{depth}", "I0", D(1))]
    assert len(find_cycles(loop)[0]) == depth + 1
    plan = plan_of([Task("PT-1", 2, "I0", D(2), None, None)], chain)
    assert (plan.lines[-1].code, plan.lines[-1].level, plan.lines[-1].gross) == (f"I{depth}", depth, D(2))


@pytest.mark.parametrize(("typed", "code"), [
    ("DESK-A", "DESK-A"),
    ("  desk-a\t", "DESK-A"),
    ("ＤＥＳＫ－Ａ", "DESK-A"),  # full-width letters and hyphen
    ("ｍ６　螺钉", "M6 螺钉"),  # full-width digit and space; CJK kept
    ("", ""),
    ("   ", ""),
])
def test_normal_code(typed: str, code: str) -> None:
    assert normal_code(typed) == code
