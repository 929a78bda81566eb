"""Parse and check one row against its form: typed values plus problems, never an exception."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..config import Config, Person
from ..i18n import Translator
from .definition import FieldDef, FormDef
from .fields import Problem, choice_options, convert, is_blank
from .rules import RULES, RuleContext


@dataclass
class RowResult:
    values: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def validate_row(form: FormDef, raw: dict[str, object], cfg: Config, ctx: RuleContext | None = None) -> RowResult:
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for fdef in form.fields:
        cell = raw.get(fdef.name)
        if is_blank(cell) and fdef.default is not None:
            cell = fdef.default
        try:
            value = convert(fdef, cell, cfg)
        except Problem as problem:
            problems.append(problem)
            values[fdef.name] = None
            continue
        if value is None and fdef.required:
            code = "required_signature" if fdef.type == "signature" else "required"
            problems.append(Problem(fdef.name, code, {"role": fdef.role or ""}))
        values[fdef.name] = value
    for fdef in form.fields:
        problems.extend(_department_check(fdef, values))
    for rdef in form.rules:
        problems.extend(RULES[rdef.check](values, rdef.params, cfg, ctx or RuleContext(ws=None)))
    return RowResult(values=values, problems=problems)


def _department_check(fdef: FieldDef, values: dict[str, Any]) -> list[Problem]:
    """A department head signs for their own department only."""
    person = values.get(fdef.name)
    expected = values.get(fdef.same_department_as) if fdef.same_department_as else None
    if isinstance(person, Person) and expected and person.department and person.department != expected:
        return [Problem(fdef.name, "wrong_department", {
            "value": person.name, "role": fdef.role or "", "department": person.department,
            "expected": expected})]
    return []


def render_problems(form: FormDef, problems: list[Problem], t: Translator, cfg: Config) -> str:
    """One message for the row's message cell: each problem names its field and what to do."""
    parts = []
    for problem in problems:
        fdef = form.field(problem.field)
        params = dict(problem.params)
        params["label"] = t.pick(fdef.label)
        params["help"] = t.pick(fdef.help) if fdef.help else ""
        if problem.code == "bad_choice":
            params["options"] = "、".join(label for _, label in choice_options(fdef, cfg, t.language))
        if "role" in params:
            params["role"] = t(f"roles.{params['role']}") if params["role"] else ""
        key = problem.code if "." in problem.code else f"field.{problem.code}"
        parts.append(t(key, **params).strip())
    # Each message is a sentence; joined, only the last keeps its full stop ("…改正；…" not "…改正。；…").
    return t("row.join").join([p.rstrip("。.") for p in parts[:-1]] + parts[-1:])


def summary_values(values: dict[str, Any]) -> dict[str, str]:
    """JSON-safe text of the typed values, as kept in the store."""
    out: dict[str, str] = {}
    for key, value in values.items():
        if value is None:
            continue
        out[key] = value.name if isinstance(value, Person) else str(value)
    return out


__all__ = ["RowResult", "is_blank", "render_problems", "summary_values", "validate_row"]
