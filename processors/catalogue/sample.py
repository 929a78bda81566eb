"""The example's catalogue (P1–P4) for `init --sample`, as steps of the story (processors/sample_story.py).

Played like the rest of the story: rows typed into the workbooks and one pass per step, so every number, code,
mail, price and deadline is the real one; the marketing director's codes are read from her mail in outbox/.
Data: forms/samples/catalogue_story.toml.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..resources import bundled_dir

if TYPE_CHECKING:
    from ..sample_story import Story

Step = tuple[int, int, Callable[[], None]]


def catalogue_steps(story: Story) -> list[Step]:
    """(days ago, hour, step): on file and listed eight days ago, sold out, repriced, promoted, a change pending."""
    with (bundled_dir("forms") / "samples" / "catalogue_story.toml").open("rb") as fh:
        data = tomllib.load(fh)
    items: list[dict[str, Any]] = data["items"]

    def keys(form: str) -> list[str]:
        assert story.ws is not None
        return [r.key for r in story.ws.store.records(form) if r.state != "invalid"]

    def item_key(sku: str) -> str:
        assert story.ws is not None
        row = story.ws.store.catalogue_item(sku=sku)
        assert row is not None, sku
        return str(row["key"])

    def publish(form: str) -> None:
        assert story.ws is not None
        now = story.ws.clock.now().replace(tzinfo=None, second=0, microsecond=0)
        for key in keys(form):
            story.type(form, key, published_at=now, published_by=data["listing"]["applicant"])

    def sign(form: str) -> Callable[[], None]:
        return lambda: [story.sign(form, key, "marketing_sign") for key in keys(form)
                        if story.ws is not None and story.ws.store.record(key).state.startswith("awaiting")]

    listings = [{"sku": i["sku"], "action": "上架", "effective": "-8d", **data["listing"]} for i in items]
    return [
        (8, 9, lambda: story.append("catalogue", items)),
        (8, 10, lambda: story.append("listing_change", listings)),
        (8, 15, sign("listing_change")),
        (8, 17, lambda: publish("listing_change")),
        (7, 11, lambda: story.type("catalogue", item_key(data["sold_out"]["sku"]), stock=0)),
        (5, 10, lambda: story.append("price_change", [{**data["late_price"], "effective": "-5d"}])),
        (5, 14, sign("price_change")),
        (3, 10, lambda: story.append("promotion", [data["promotion"]])),
        (3, 15, sign("promotion")),
        (3, 16, lambda: publish("promotion")),
        (1, 10, lambda: story.append("price_change", [data["pending_price"]])),
    ]
