"""The example's monthly plan (R5) for `init --sample`, as steps of the story (processors/sample_story.py).

Played like the rest of the story: rows typed into the workbooks and one pass per step, so the plan, its
versions, the fund plan's prices and the approvers' codes (read from their mail in outbox/) are the real ones.
It is played two days and one day ago, after the example's orders are placed and the gypsum-board price is
approved (three weeks ago): a plan made before them would show nothing on order and nothing priced.
The month is the one of the story's today, so the example never plans a month already gone.
Data: forms/samples/planning_story.toml.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..resources import bundled_dir
from .reading import month_days

if TYPE_CHECKING:
    from ..sample_story import Story

Step = tuple[int, int, Callable[[], None]]


def planning_steps(story: Story) -> list[Step]:
    """(days ago, hour, step): inputs and the override two days ago, the plan signed by the commerce head that
    afternoon and by the executive director yesterday morning, then the fund plan signed by finance and the GM."""
    with (bundled_dir("forms") / "samples" / "planning_story.toml").open("rb") as fh:
        data = tomllib.load(fh)
    month = f"{story.today.year}-{story.today.month:02d}"
    first, last = month_days(month)
    planner: str = data["planner"]

    def start(offset: int) -> dt.date:
        """The task's start within the month: a short month (or a late offset) ends on its last day."""
        return min(first + dt.timedelta(days=offset), last)

    tasks: list[dict[str, Any]] = [{k: v for k, v in t.items() if k != "start_day"}
                                   | {"month": month, "start": start(int(t["start_day"]))} for t in data["tasks"]]

    def key(form: str) -> str:
        """The month's row of a plan form (one per month: the form's `unique`)."""
        assert story.ws is not None
        return next(r.key for r in story.ws.store.records(form)
                    if r.data.get("month") == month and r.state != "invalid")

    def sign(form: str, column: str) -> Callable[[], None]:
        return lambda: story.sign(form, key(form), column)

    def inputs() -> None:
        story.append("production_task", tasks)
        story.append("bom", data["quotas"])
        story.append("material", data["materials"])

    return [
        (2, 9, inputs),
        (2, 11, lambda: story.append("plan_override", [data["override"] | {"planner": planner, "month": month}])),
        (2, 14, lambda: story.append("monthly_plan", [{"planner": planner, "month": month}])),
        (2, 16, sign("monthly_plan", "commerce_sign")),
        (1, 9, sign("monthly_plan", "executive_sign")),
        (1, 11, lambda: story.append("fund_plan", [{"preparer": planner, "month": month}])),
        (1, 14, sign("fund_plan", "finance_sign")),
        (1, 16, sign("fund_plan", "gm_sign")),
    ]
