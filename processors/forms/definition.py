"""Load forms/*.toml into typed definitions, refusing a wrong one at start.

A form is data the business can read and change (like a frappe doctype). Every
mistake is reported with the file, the key and what was expected, because the
person fixing it is editing TOML, not reading Python.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..access.settings import PublishDef, load_edit_roles, load_publish
from ..errors import FormDefinitionError
from ..tomlcheck import Section, load_toml
from .adopt_def import AdoptDef, load_adopt
from .route_def import StepDef, load_route

FIELD_TYPES = ("text", "integer", "decimal", "money", "date", "datetime", "month", "choice", "signature", "email",
               "signoff")
NUMERIC_TYPES = ("integer", "decimal", "money")
SYSTEM_ROLES = ("key", "status", "message", "updated")
REQUIRED_SYSTEM_ROLES = ("key", "status", "message")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def normalize_header(text: object) -> str:
    """Match headers as people type them: width, case, spaces, '*' markers ignored."""
    s = unicodedata.normalize("NFKC", str(text)).casefold()
    s = s.replace("(必填)", "").replace("*", "")
    return "".join(s.split())


@dataclass(frozen=True)
class Choice:
    value: str
    labels: dict[str, str]
    aliases: tuple[str, ...] = ()

    def spellings(self) -> set[str]:
        return {normalize_header(s) for s in (self.value, *self.labels.values(), *self.aliases)}


@dataclass(frozen=True)
class FieldDef:
    name: str
    label: dict[str, str]
    type: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    help: dict[str, str] = field(default_factory=dict)
    width: float = 12
    choices: tuple[Choice, ...] = ()
    choices_from: str | None = None
    role: str | None = None
    same_department_as: str | None = None
    bounds: dict[str, Any] = field(default_factory=dict)  # gt/ge/lt/le as Decimal
    max_length: int | None = None
    decimals: int | None = None
    default: str | None = None
    #: False for a column filled after the record is signed (delivery dates, received quantity, paid on):
    #: not part of what a signature covers, and free to change on an issued document
    content: bool = True
    edit_roles: tuple[str, ...] | None = None   # who may edit this column on Google; None: the form's edit_roles

    def header(self) -> str:
        return header_text(self.label)

    def spellings(self) -> set[str]:
        return {normalize_header(s) for s in (self.header(), self.name, *self.label.values(), *self.aliases)}


@dataclass(frozen=True)
class SystemColumn:
    role: str
    label: dict[str, str]
    width: float = 14

    def header(self) -> str:
        return header_text(self.label)

    def spellings(self) -> set[str]:
        return {normalize_header(s) for s in (self.header(), self.role, *self.label.values())}


@dataclass(frozen=True)
class RuleDef:
    check: str
    params: dict[str, Any]


@dataclass(frozen=True)
class StateDef:
    name: str
    label: dict[str, str]
    next: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FormDef:
    id: str
    path: Path
    title: dict[str, str]
    file: str
    sheet: str
    sheet_aliases: tuple[str, ...]
    prefix: str
    digits: int
    fields: tuple[FieldDef, ...]
    system: tuple[SystemColumn, ...]
    rules: tuple[RuleDef, ...]
    on_valid: str
    states: dict[str, StateDef]
    requirements: tuple[str, ...] = ()
    route: tuple[StepDef, ...] = ()
    amount: tuple[str, ...] = ()             # fields whose product is the record's amount
    kind: str | None = None                  # the Python behaviour this form adds (processors/kinds)
    after: tuple[str, ...] = ()              # forms whose sheets a pass reads before this one's
    signed: tuple[str, ...] = ()             # the fields a signature covers; () = every content field
    unique: tuple[str, ...] = ()             # fields no two rows may share (a unit number, the order amended)
    adopt: AdoptDef | None = None            # how `sheetflow adopt` reads a historic row's state ([adopt])
    publish: PublishDef = field(default_factory=PublishDef)   # which records ordinary users read (access/)
    edit_roles: tuple[str, ...] = ()         # roles that edit the staff columns (Google: setup protects them)

    @property
    def content_fields(self) -> tuple[FieldDef, ...]:
        """The cells staff own before signing: every field but the sign-off columns and the after-signing ones."""
        return tuple(f for f in self.fields if f.type != "signoff" and f.content)

    @property
    def signed_fields(self) -> tuple[FieldDef, ...]:
        """What a signature covers: a change to one of these restarts the route (or is put back once settled)."""
        if not self.signed:
            return self.content_fields
        return tuple(f for f in self.content_fields if f.name in self.signed)

    @property
    def free_fields(self) -> tuple[FieldDef, ...]:
        """Content a signature does not cover (remarks): recorded when changed, never restarting a route."""
        return tuple(f for f in self.content_fields if self.signed and f.name not in self.signed)

    @property
    def tracking_fields(self) -> tuple[FieldDef, ...]:
        """Filled after signing (content = false): they move the record on, they never restart its route."""
        return tuple(f for f in self.fields if not f.content)

    def step(self, name: str) -> StepDef:
        return next(s for s in self.route if s.name == name)

    def field(self, name: str) -> FieldDef:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def system_column(self, role: str) -> SystemColumn | None:
        return next((c for c in self.system if c.role == role), None)

    def samples_path(self) -> Path:
        return self.path.parent / "samples" / self.path.name


def header_text(label: dict[str, str]) -> str:
    """Bilingual header: '申请人 Applicant'."""
    return " ".join(v for v in (label.get("zh"), label.get("en")) if v)


def _labels(sec: Section, name: str, required: bool = True) -> dict[str, str]:
    if not sec.has(name):
        if required:
            raise sec.fail(name, 'is required: a table like { zh = "…", en = "…" }')
        return {}
    value = sec.data[name]
    if not isinstance(value, dict) or not all(isinstance(v, str) and v.strip() for v in value.values()):
        raise sec.fail(name, 'a table of non-empty strings like { zh = "…", en = "…" }')
    if required and not {"zh", "en"} <= set(value):
        raise sec.fail(name, "both zh and en entries")
    return dict(value)


def load_forms(dirs: list[Path], rule_names: set[str],
               held: list[FormDefinitionError] | None = None) -> dict[str, FormDef]:
    """Load every forms/*.toml; later folders override earlier ones by file name.

    With `held`, a workspace's own form that is wrong holds that form alone: its problem is appended there and
    the form is left out (never replaced by the bundled one: the override is what the company wants), so the
    other forms go on. A wrong bundled form is a bug of ours and always raises.
    """
    by_name: dict[str, Path] = {}
    for folder in dirs:
        if folder.is_dir():
            for path in sorted(folder.glob("*.toml")):
                by_name[path.name] = path
    bundled = dirs[0] if dirs else None
    forms: dict[str, FormDef] = {}
    for path in by_name.values():
        try:
            form = load_form(path, rule_names)
            if form.id in forms:
                raise FormDefinitionError(path, "id",
                                          f"a unique form id; {form.id!r} is also in {forms[form.id].path}")
        except FormDefinitionError as exc:
            if held is None or path.parent == bundled:
                raise
            held.append(exc)
            continue
        forms[form.id] = form
    return _ordered(forms, held)


def _ordered(forms: dict[str, FormDef], held: list[FormDefinitionError] | None = None) -> dict[str, FormDef]:
    """Forms in the order a pass reads them: each after the forms it names in `after` (order lines before orders).

    A form that names a form held back for its own problem is held too (it cannot be read in its order)."""
    out: dict[str, FormDef] = {}
    waiting = dict(forms)

    def visit(form: FormDef, trail: tuple[str, ...]) -> bool:
        if form.id in out:
            return True
        if form.id in trail:
            raise FormDefinitionError(form.path, "after", f"no cycle; {' → '.join((*trail, form.id))}")
        for other in form.after:
            if other not in waiting:
                problem = FormDefinitionError(form.path, "after", f"ids of other forms, got {other!r}")
                if held is None:
                    raise problem
                held.append(problem)
                return False
            if not visit(waiting[other], (*trail, form.id)):
                return False
        out[form.id] = form
        return True

    for form in list(forms.values()):
        if not visit(form, ()):
            waiting.pop(form.id, None)
    return out


def load_form(path: Path, rule_names: set[str]) -> FormDef:
    top = Section(load_toml(path, FormDefinitionError), path, "", FormDefinitionError)
    top.unknown({"id", "title", "requirements", "file", "sheet", "sheet_aliases", "numbering",
                 "fields", "rules", "system", "workflow", "route", "amount", "kind", "after", "signed",
                 "unique", "adopt", "publish", "edit_roles"})
    form_id = top.text("id")
    if not _NAME.match(form_id):
        raise top.fail("id", "lower-case letters, digits and _ (e.g. purchase_request)")
    prefix, digits = _numbering(top.section("numbering"))

    fields = [_load_field(sec) for sec in top.sections("fields")]
    if not fields:
        raise top.fail("fields", "at least one [[fields]] entry")
    names = [f.name for f in fields]
    for i, f in enumerate(fields):
        if names.index(f.name) != i:
            raise FormDefinitionError(path, f"fields[{i}].name", f"a unique name; {f.name!r} repeats")
        if f.same_department_as and f.same_department_as not in names:
            raise FormDefinitionError(path, f"fields[{i}].same_department_as",
                                      f"the name of another field, got {f.same_department_as!r}")

    system = _system_columns(top)
    _check_headers_unique(path, fields, system)

    rules = _rules(top, rule_names, names)

    workflow = top.section("workflow")
    states_sec = workflow.section("states")
    states, on_valid = _states(workflow, states_sec)
    route, amount = load_route(top, {f.name: f for f in fields}, _labels)
    if route:
        for needed in ("approved", "rejected"):
            if needed not in states:
                raise states_sec.fail(needed, "a state for the end of the approval route")

    signed = _field_list(top, "signed", names, fields)
    unique = _field_list(top, "unique", names, fields)
    return FormDef(
        id=form_id, path=path, title=_labels(top, "title"), file=top.text("file"),
        sheet=top.text("sheet"), sheet_aliases=tuple(top.str_list("sheet_aliases", [])),
        prefix=prefix, digits=digits, fields=tuple(fields), system=tuple(system), rules=tuple(rules),
        on_valid=on_valid, states=states, requirements=tuple(top.str_list("requirements", [])),
        route=route, amount=amount, kind=top.text("kind", None), after=tuple(top.str_list("after", [])),
        signed=signed, unique=unique, adopt=load_adopt(top, states, {f.name: f for f in fields}, _labels),
        publish=load_publish(top, states, names), edit_roles=load_edit_roles(top) or (),
    )


def _numbering(numbering: Section) -> tuple[str, int]:
    numbering.unknown({"prefix", "digits"})
    prefix = numbering.text("prefix")
    if not re.fullmatch(r"[A-Z][A-Z0-9]{0,5}", prefix):
        raise numbering.fail("prefix", "1–6 capital letters or digits, starting with a letter (e.g. PR)")
    digits = numbering.get("digits", int, 4)
    if not 3 <= digits <= 8:
        raise numbering.fail("digits", "an integer from 3 to 8")
    return prefix, digits


def _system_columns(top: Section) -> list[SystemColumn]:
    system = []
    for sec in top.sections("system"):
        sec.unknown({"role", "label", "width"})
        system.append(SystemColumn(role=sec.choice("role", SYSTEM_ROLES), label=_labels(sec, "label"),
                                   width=float(sec.get("width", (int, float), 14))))
    roles = [c.role for c in system]
    for role in REQUIRED_SYSTEM_ROLES:
        if role not in roles:
            raise top.fail("system", f"a [[system]] column with role = {role!r}")
    if len(set(roles)) != len(roles):
        raise top.fail("system", "each role at most once")
    return system


def _rules(top: Section, rule_names: set[str], names: list[str]) -> list[RuleDef]:
    rules = []
    for sec in top.sections("rules"):
        check = sec.text("check")
        if check not in rule_names:
            raise sec.fail("check", f"a known rule ({', '.join(sorted(rule_names))})")
        params = {k: v for k, v in sec.data.items() if k != "check"}
        for key, value in params.items():
            if key.endswith("field") and value not in names:
                raise sec.fail(key, f"the name of a field of this form, got {value!r}")
        rules.append(RuleDef(check=check, params=params))
    return rules


def _states(workflow: Section, states_sec: Section) -> tuple[dict[str, StateDef], str]:
    workflow.unknown({"on_valid", "states"})
    states: dict[str, StateDef] = {}
    for name in states_sec.data:
        sec = states_sec.section(name)
        sec.unknown({"label", "next"})
        states[name] = StateDef(name=name, label=_labels(sec, "label"), next=_labels(sec, "next", False))
    on_valid = workflow.text("on_valid")
    if on_valid not in states:
        raise workflow.fail("on_valid", f"one of the states defined under [workflow.states] ({', '.join(states)})")
    return states, on_valid


def _field_list(top: Section, key: str, names: list[str], fields: list[FieldDef]) -> tuple[str, ...]:
    """`signed` and `unique` name content fields of this form; a wrong name is refused at start."""
    listed = top.str_list(key, [])
    content = {f.name for f in fields if f.type != "signoff" and f.content}
    for name in listed:
        if name not in names:
            raise top.fail(key, f"names of fields of this form, got {name!r}")
        if name not in content:
            raise top.fail(key, f"content fields (not sign-off or after-signing columns), got {name!r}")
    return tuple(listed)


def _load_field(sec: Section) -> FieldDef:
    sec.unknown({"name", "label", "aliases", "type", "required", "help", "width", "choices",
                 "choices_from", "role", "same_department_as", "gt", "ge", "lt", "le",
                 "max_length", "decimals", "default", "content", "edit_roles"})
    name = sec.text("name")
    if not _NAME.match(name):
        raise sec.fail("name", "lower-case letters, digits and _")
    if name in SYSTEM_ROLES:
        raise sec.fail("name", f"a name other than the system columns' ({', '.join(SYSTEM_ROLES)})")
    ftype = sec.choice("type", FIELD_TYPES)
    choices: list[Choice] = []
    for csec in sec.sections("choices"):
        csec.unknown({"value", "zh", "en", "aliases"})
        choices.append(Choice(value=csec.text("value"),
                              labels={k: csec.text(k) for k in ("zh", "en") if csec.has(k)},
                              aliases=tuple(csec.str_list("aliases", []))))
    choices_from = sec.choice("choices_from", ("departments",), None)
    if ftype == "choice" and not choices and not choices_from:
        raise sec.fail("choices", "a list of choices, or choices_from = \"departments\", for a choice field")
    if ftype != "choice" and (choices or choices_from):
        raise sec.fail("choices", "only on fields of type choice")
    role = sec.text("role", None)
    if ftype == "signature" and not role:
        raise sec.fail("role", "the role whose holder signs here (e.g. department_head)")
    bounds: dict[str, Any] = {}
    for key in ("gt", "ge", "lt", "le"):
        if sec.has(key):
            if ftype not in NUMERIC_TYPES:
                raise sec.fail(key, f"only on numeric fields ({', '.join(NUMERIC_TYPES)})")
            bounds[key] = Decimal(str(sec.get(key, (int, float))))
    default = sec.text("default", None)
    if default is not None and choices and default not in {c.value for c in choices}:
        raise sec.fail("default", f"one of the choice values ({', '.join(c.value for c in choices)})")
    return FieldDef(
        name=name, label=_labels(sec, "label"), type=ftype, required=sec.get("required", bool, False),
        aliases=tuple(sec.str_list("aliases", [])), help=_labels(sec, "help", False),
        width=float(sec.get("width", (int, float), 12)), choices=tuple(choices), choices_from=choices_from,
        role=role, same_department_as=sec.text("same_department_as", None), bounds=bounds,
        max_length=sec.get("max_length", int, None), decimals=sec.get("decimals", int, None),
        default=default, content=sec.get("content", bool, True), edit_roles=load_edit_roles(sec),
    )


def _check_headers_unique(path: Path, fields: list[FieldDef], system: list[SystemColumn]) -> None:
    seen: dict[str, str] = {}
    for item in [*fields, *system]:
        who = getattr(item, "name", None) or f"system {item.role}"  # type: ignore[attr-defined]
        for spelling in item.spellings():
            if spelling in seen and seen[spelling] != who:
                raise FormDefinitionError(path, "fields", f"headers that tell columns apart; "
                                          f"{spelling!r} names both {seen[spelling]} and {who}")
            seen[spelling] = who
