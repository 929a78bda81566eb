"""The example's sales contracts (forms/samples/contract_story.toml), played into `init --sample`'s story.

`contract_steps(story)` gives the steps the sample story sorts into its timeline and runs, a pass after
each: a contract typed, its three reviews signed with the codes mailed to the reviewers (each with a
remark), shipments and payments entered on the days they happened. The plans are written as dates from
the story's today, so the example stays current: one contract shipped in part with its advance paid, one
shipped in full whose last payment is late and escalated.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable
from typing import Any, Protocol

from ..resources import bundled_dir
from ..workspace import Workspace

Step = tuple[int, int, Callable[[], None]]
FIELDS = ("salesperson", "customer", "contact", "email", "address", "items", "delivery_date", "delivery_place",
          "payment_terms", "clauses")
REVIEW = ("commerce_sign", "production_sign", "finance_sign")
REMARK = {"commerce_sign": "commerce_remark", "production_sign": "production_remark",
          "finance_sign": "finance_remark"}


class StoryLike(Protocol):
    """What of processors.sample_story.Story the steps use (it cannot be imported from here: it imports us)."""

    today: dt.date
    ws: Workspace | None

    def append(self, form_id: str, rows: list[dict[str, Any]]) -> list[int]: ...
    def type(self, form_id: str, key: str, **values: Any) -> None: ...
    def sign(self, form_id: str, key: str, column: str) -> None: ...


def story_data() -> list[dict[str, Any]]:
    with (bundled_dir("forms") / "samples" / "contract_story.toml").open("rb") as fh:
        return list(tomllib.load(fh)["contracts"])


def plan_text(lines: list[list[Any]], today: dt.date) -> str:
    return "\n".join(f"{(today + dt.timedelta(days=int(d))).isoformat()} | {share}" for d, share in lines)


def contract_rows(today: dt.date) -> list[dict[str, Any]]:
    """The example's contracts as the salesperson types them, dates from `today`."""
    return [{**{k: c[k] for k in FIELDS if k in c}, "shipment_plan": plan_text(c["shipment_plan"], today),
             "collection_plan": plan_text(c["collection_plan"], today)} for c in story_data()]


def contract_steps(story: StoryLike) -> list[Step]:
    """(days ago, hour, action) for each contract: typed, reviewed over two days, its movements entered."""
    data = story_data()
    rows = contract_rows(story.today)

    def key(customer: str) -> str:
        assert story.ws is not None
        return next(r.key for r in story.ws.store.records("sales_contract") if r.data.get("customer") == customer)

    def review(contract: dict[str, Any], step: str) -> None:
        number = key(contract["customer"])
        story.type("sales_contract", number, **{REMARK[step]: contract["remarks"][REMARK[step]]})
        story.sign("sales_contract", number, step)

    def moved(contract: dict[str, Any], move: dict[str, Any]) -> None:
        story.append("contract_movement", [{
            "contract": key(contract["customer"]), "kind": move["kind"], "day": f"-{move['days_ago']}d",
            "amount": move["amount"], "reference": move["reference"], "recorded_by": contract["salesperson"]}])

    steps: list[Step] = []
    for contract, row in zip(data, rows, strict=True):
        day = int(contract["typed"])
        steps.append((day, 9, lambda r=row: [story.append("sales_contract", [r]), None][1]))
        for i, step in enumerate(REVIEW):
            when = (day, 14) if i == 0 else (day - 1, 10 + 4 * (i - 1))
            steps.append((*when, lambda c=contract, s=step: review(c, s)))
        for move in contract["movements"]:
            steps.append((int(move["days_ago"]), 16, lambda c=contract, m=move: moved(c, m)))
    return steps
