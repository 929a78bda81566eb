"""A form's `[adopt]` table: how `sheetflow adopt` reads the state of a historic row (issue 16).

Data, like the route: which states a row brought in may be recorded in, the
other spellings its status column may use, which filled columns show a state
when the status is blank (a signed copy, a termination date), the state of a
row with neither, and the date field whose year numbers a row without a
number. A form that cannot be adopted says why (`refuse`), so the command
refuses it in the business's words rather than guessing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..tomlcheck import Section

ROUTE_ENDS = ("approved", "rejected")


@dataclass(frozen=True)
class AdoptDef:
    states: tuple[str, ...] = ()
    #: state -> other ways a historic status column spells it (its zh and en labels always match)
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: (field, state): with a blank status, the first of these fields that is filled gives the state
    filled: tuple[tuple[str, str], ...] = ()
    #: the state of a row whose status is blank and whose `filled` fields are all blank (None: refused)
    blank: str | None = None
    #: a date field: its year numbers a row that has no number (else the year of adoption)
    year_from: str | None = None
    #: why this form cannot be adopted on its own ({zh, en}); empty when it can. With `states` too (order
    #: lines): the states it is recorded in when it comes in with another form (its order)
    refuse: dict[str, str] = field(default_factory=dict)


def load_adopt(top: Section, states: dict[str, Any], fields: dict[str, Any], labels: Any) -> AdoptDef | None:
    """Parse [adopt]; `states` are the form's workflow states, `fields` name -> FieldDef."""
    if not top.has("adopt"):
        return None
    sec = top.section("adopt")
    sec.unknown({"states", "aliases", "filled", "blank", "year_from", "refuse"})
    refuse = labels(sec, "refuse", False)
    if refuse and not sec.has("states"):
        return AdoptDef(refuse=refuse)
    known = tuple(states)
    chosen = tuple(sec.str_list("states"))
    for name in chosen:
        if name not in known:
            raise sec.fail("states", f"states of [workflow.states] ({', '.join(known)}), got {name!r}")
    aliases: dict[str, tuple[str, ...]] = {}
    asec = sec.section("aliases", None)
    for name in asec.data:
        if name not in chosen:
            raise asec.fail(name, f"one of the states listed in adopt.states ({', '.join(chosen)})")
        aliases[name] = tuple(asec.str_list(name))
    filled: list[tuple[str, str]] = []
    fsec = sec.section("filled", None)
    for name in fsec.data:
        if name not in fields:
            raise fsec.fail(name, "the name of a field of this form")
        filled.append((name, fsec.choice(name, chosen)))
    blank = sec.choice("blank", chosen, None)
    year_from = sec.text("year_from", None)
    if year_from is not None and (year_from not in fields or fields[year_from].type != "date"):
        raise sec.fail("year_from", f"the name of a date field of this form, got {year_from!r}")
    return AdoptDef(states=chosen, aliases=aliases, filled=tuple(filled), blank=blank, year_from=year_from,
                    refuse=refuse or {})
