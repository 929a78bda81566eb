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


#: GB 32100-2015: the 31 characters a unified social credit code may use (no I, O, S, V, Z), and the weights
#: of its first 17 characters (3^i mod 31).
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(first17: str) -> str:
    """The 18th character GB 32100-2015 derives from the first 17 (they must be from USCC_CHARS)."""
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def uscc_problem(code: str) -> tuple[str, dict[str, str]] | None:
    """Why `code` is not a unified social credit code (message key, params), or None when it is one."""
    if len(code) != 18:
        return "suppliers.uscc_length", {"value": code, "length": str(len(code))}
    bad = [c for c in code if c not in USCC_CHARS]
    if bad:
        return "suppliers.uscc_chars", {"value": code, "chars": "".join(dict.fromkeys(bad))}
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        return "suppliers.uscc_check", {"value": code, "got": code[17], "expected": expected}
    return None


@rule
def credit_code_valid(values: dict[str, Any], params: dict[str, Any], cfg: Config,
                      ctx: RuleContext) -> list[Problem]:
    """S5: a supplier's 统一社会信用代码, checked by its check character (a mistyped digit is caught at once)."""
    target = params.get("field", "credit_code")
    code = str(values.get(target) or "").strip().upper().replace(" ", "")
    if not code:
        return []
    values[target] = code
    found = uscc_problem(code)
    return [Problem(target, found[0], found[1])] if found else []
