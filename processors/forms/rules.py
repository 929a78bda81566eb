"""Domain rules a TOML line cannot say, as small named functions a form refers to.

Each rule gets the typed values of a row (None where blank or invalid), the
rule's parameters from the form, the config, and a context (the workspace and
the row's own key) for rules that look at other records (R6: an order line must
trace to an approved request), and returns the problems it finds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..config import Config
from .fields import Problem


@dataclass
class RuleContext:
    ws: Any                 # the Workspace (typed loosely: forms/ does not import the engine)
    key: str = ""           # the row's record key, '' before it has one
    row: int = 0


Rule = Callable[[dict[str, Any], dict[str, Any], Config, RuleContext], list[Problem]]
RULES: dict[str, Rule] = {}


def rule(fn: Rule) -> Rule:
    RULES[fn.__name__] = fn
    return fn


@rule
def nonstandard_needs_attachment(values: dict[str, Any], params: dict[str, Any], cfg: Config,
                                 ctx: RuleContext) -> list[Problem]:
    """R3: a non-standard item must carry a description of what makes it special."""
    type_field = params.get("type_field", "item_type")
    target = params.get("field", "attachment")
    if values.get(type_field) == params.get("value", "nonstandard") and not values.get(target):
        return [Problem(target, "rule.nonstandard_needs_attachment")]
    return []
