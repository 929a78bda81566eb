"""The approval route a form declares: ordered steps, each a role signing in one column.

[[route]] entries in forms/*.toml. A step may carry a condition (`when`): a field
equal to a value (a step only for non-standard items), a field filled in (the general
manager's step for an order priced above the approved price, with its reason) or the record's amount over
a threshold named in config.toml's [approvals.thresholds] (an extra general
manager step above an amount).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..tomlcheck import Section


@dataclass(frozen=True)
class Condition:
    field: str | None = None
    equals: str | None = None
    amount_over: str | None = None          # name of a threshold in config [approvals.thresholds]
    filled: bool | None = None              # the field holds something (True) or is blank (False)

    def holds(self, values: dict[str, str], amount: Decimal | None, thresholds: dict[str, Decimal]) -> bool:
        if self.field is not None and self.filled is not None:
            return bool(str(values.get(self.field) or "").strip()) is self.filled
        if self.field is not None:
            return values.get(self.field) == self.equals
        if self.amount_over is not None:
            return amount is not None and amount > thresholds[self.amount_over]
        return True


@dataclass(frozen=True)
class StepDef:
    name: str
    role: str
    column: str                              # the signoff field the step signs in
    label: dict[str, str]
    same_department_as: str | None = None
    when: Condition | None = None
    help: dict[str, str] = field(default_factory=dict)


def load_route(top: Section, fields: dict[str, Any], labels: Any) -> tuple[tuple[StepDef, ...], tuple[str, ...]]:
    """Parse [[route]] and [amount]; `fields` maps field name -> FieldDef, `labels` parses a zh/en table."""
    amount: tuple[str, ...] = ()
    if top.has("amount"):
        asec = top.section("amount")
        asec.unknown({"multiply"})
        amount = tuple(asec.str_list("multiply"))
        for name in amount:
            if name not in fields or fields[name].type not in ("integer", "decimal", "money"):
                raise asec.fail("multiply", f"names of numeric fields of this form, got {name!r}")
    steps: list[StepDef] = []
    for sec in top.sections("route"):
        sec.unknown({"step", "role", "column", "label", "same_department_as", "when", "help"})
        name = sec.text("step")
        if any(s.name == name for s in steps):
            raise sec.fail("step", f"a unique step name; {name!r} repeats")
        column = sec.text("column")
        if column not in fields or fields[column].type != "signoff":
            raise sec.fail("column", f"the name of a field with type = \"signoff\", got {column!r}")
        if any(s.column == column for s in steps):
            raise sec.fail("column", f"a column no other step signs in; {column!r} is taken")
        same = sec.text("same_department_as", None)
        if same is not None and same not in fields:
            raise sec.fail("same_department_as", f"the name of a field, got {same!r}")
        when = None
        if sec.has("when"):
            wsec = sec.section("when")
            wsec.unknown({"field", "equals", "amount_over", "filled"})
            if wsec.has("amount_over"):
                if not amount:
                    raise wsec.fail("amount_over", "an [amount] table saying which fields multiply to the amount")
                when = Condition(amount_over=wsec.text("amount_over"))
            elif wsec.has("field"):
                fname = wsec.text("field")
                if fname not in fields:
                    raise wsec.fail("field", f"the name of a field, got {fname!r}")
                if wsec.has("filled"):
                    when = Condition(field=fname, filled=wsec.get("filled", bool))
                else:
                    when = Condition(field=fname, equals=wsec.text("equals"))
            else:
                raise sec.fail("when", '{ field = "…", equals = "…" }, { field = "…", filled = true } or '
                                       '{ amount_over = "<threshold name>" }')
        steps.append(StepDef(name=name, role=sec.text("role"), column=column, label=labels(sec, "label"),
                             same_department_as=same, when=when, help=labels(sec, "help", False)))
    used = {s.column for s in steps}
    for fname, fdef in fields.items():
        if fdef.type == "signoff" and fname not in used:
            raise top.fail("route", f"a [[route]] step signing in the signoff field {fname!r}")
    return tuple(steps), amount
