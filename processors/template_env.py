"""The one kind of Jinja environment sheetflow renders mail and documents with: sandboxed.

Why a sandbox for every template, bundled ones included: whoever can write a
workspace's templates/ folder is not necessarily who may run programs on the
host, and the values a template shows come from sheets anyone in the
department can type into. In Jinja's plain environment a template reaches any
Python object through attributes (`cycler.__init__.__globals__.os`), so an
override could run commands as the account sheetflow runs as. The immutable
sandbox refuses underscore attributes, the internals of functions and
generators, and calls that change a list, dict or set, and caps `range()`;
what the bundled templates do (show values, filters, loops, includes, macros)
stays allowed. One rule for all templates keeps an override from behaving
differently from the bundled file it replaces.

A refusal raises `jinja2.exceptions.SecurityError`, which
`template_problems.from_exception` names like any other template fault: the
record waits with a message in its row, other records go on.
"""

from __future__ import annotations

from typing import Any

from jinja2.exceptions import SecurityError
from jinja2.sandbox import MAX_RANGE, ImmutableSandboxedEnvironment


def _range(*args: int) -> range:
    """The sandbox's capped range(), refusing as the sandbox refuses (not as an arithmetic error)."""
    rng = range(*args)
    if len(rng) > MAX_RANGE:
        raise SecurityError(f"range() of {len(rng):,} numbers; at most {MAX_RANGE:,}")
    return rng


class SandboxedTemplates(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox; a class of our own so that every template environment is found by name."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.globals["range"] = _range
