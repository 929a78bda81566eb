"""The example's customer orders for `init --sample`, as steps of the story (processors/sample_story.py).

The 10 minutes run on working time, so the story's days are the last working
days before today (by the workspace's own calendar), not fixed days ago: on a
Monday the orders are Friday's, and a confirmation typed at 10:06 is in time.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..config import load_config
from ..resources import bundled_dir
from ..workcal import WorkCalendar

if TYPE_CHECKING:
    from ..sample_story import Story

Step = tuple[int, int, Callable[[], None]]
HOUR = 10    # orders are taken at 10:00; the pass that hour accepts them


def working_days_back(story: Story, count: int) -> list[int]:
    """How many days ago each of the last `count` working days before today was, oldest first."""
    cfg = load_config(story.root)
    calendar = WorkCalendar(cfg.calendar, cfg.tz)
    found: list[int] = []
    back = 1
    while len(found) < count and back < 60:
        if calendar.is_working_day(story.today - dt.timedelta(days=back)):
            found.append(back)
        back += 1
    return sorted(found, reverse=True)


def order_steps(story: Story) -> list[Step]:
    with (bundled_dir("forms") / "samples" / "sales_story.toml").open("rb") as fh:
        orders: list[dict[str, Any]] = tomllib.load(fh)["orders"]
    meta = ("stage", "confirmed_after", "confirmed_how", "confirmed_by", "amend")
    first, second = working_days_back(story, 2)

    def row(order: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in order.items() if k not in meta}

    def key_of(customer: str, amended: bool = False) -> str:
        assert story.ws is not None
        keys = [r.key for r in story.ws.store.records("customer_order") if r.data.get("customer") == customer]
        return keys[-1] if amended else keys[0]

    def confirm(order: dict[str, Any], days_ago: int, amended: bool = False) -> None:
        at = dt.datetime.combine(story.today - dt.timedelta(days=days_ago), dt.time(HOUR))
        at += dt.timedelta(minutes=int(order["confirmed_after"]) + (60 * 4 if amended else 0))
        story.type("customer_order", key_of(order["customer"], amended),
                   confirmed_at=at, confirmed_how=order["confirmed_how"], confirmed_by=order["confirmed_by"])

    past = [o for o in orders if o["stage"] != "new"]
    steps: list[Step] = [(first, HOUR, lambda: story.append("customer_order", [row(o) for o in past]))]
    def confirm_all(late: bool) -> None:   # one step each: a pass between two of them would escalate the next
        for order in past:
            if (int(order["confirmed_after"]) > 60) == late:
                confirm(order, first)

    steps += [(first, HOUR + 1, lambda: confirm_all(False)), (first, HOUR + 2, lambda: confirm_all(True))]
    for order in (o for o in orders if o["stage"] == "amended"):
        changed = row(order) | dict(order["amend"])

        def amend(o: dict[str, Any] = order, c: dict[str, Any] = changed) -> None:
            story.append("customer_order", [c | {"amends": key_of(o["customer"])}])

        steps.append((second, HOUR + 4, amend))
        steps.append((second, HOUR + 5, lambda o=order: confirm(o, second, amended=True)))
    steps.append((0, 9, lambda: story.append("customer_order", [row(o) for o in orders if o["stage"] == "new"])))
    return steps
