"""Domain rules a TOML line cannot say, as small named functions a form refers to.

Each rule gets the typed values of a row (None where blank or invalid) and the
rule's parameters from the form, and returns the problems it finds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..config import Config
from .fields import Problem

Rule = Callable[[dict[str, Any], dict[str, Any], Config], list[Problem]]
RULES: dict[str, Rule] = {}


def rule(fn: Rule) -> Rule:
    RULES[fn.__name__] = fn
    return fn


@rule
def nonstandard_needs_attachment(values: dict[str, Any], params: dict[str, Any], cfg: Config) -> list[Problem]:
    """R3: a non-standard item must carry a description of what makes it special."""
    type_field = params.get("type_field", "item_type")
    target = params.get("field", "attachment")
    if values.get(type_field) == params.get("value", "nonstandard") and not values.get(target):
        return [Problem(target, "rule.nonstandard_needs_attachment")]
    return []
