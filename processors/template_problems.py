"""Every fault of a mail or document template becomes one `TemplateProblem` that names file, line and variable.

Why one place: mail (`mail.render`) and documents (`documents.pdf`) load templates through the
same kind of ChoiceLoader (the workspace's templates/ first, the bundled folder second), so they
fail the same ways, and the engine shows them the same way in a row. A broken workspace override
is reported as such and never silently replaced by the bundled file: the override is what the
company asked for.

Where the line comes from: Jinja reports a syntax error with its line, but a runtime fault (an
undefined variable, a filter given the wrong value) only through the traceback, which Jinja
rewrites so that the frames of compiled template code carry the template's filename and source
line (`jinja2.debug.rewrite_traceback_stack`). The innermost such frame is where the fault is,
also when it sits in an included partial or a macro.

Every render is also logged at DEBUG on `sheetflow.templates` ("rendered", the file, workspace
or bundled): `-v` shows which override a mail used, and the tests count what the flows render.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import TypeVar

from jinja2 import Template, TemplateNotFound, TemplatesNotFound, TemplateSyntaxError, UndefinedError
from jinja2.exceptions import SecurityError

from .errors import TemplateProblem
from .i18n import Translator
from .resources import bundled_dir

log = logging.getLogger("sheetflow.templates")

P = TypeVar("P", bound=TemplateProblem)

_UNDEFINED = re.compile(r"^'([^']+)' is undefined$")
_NO_ATTRIBUTE = re.compile(r"^.+ has no attribute '([^']+)'$")
_NO_FILTER = re.compile(r"^No filter named '([^']+)'")
_LANGUAGES = (Translator("zh"), Translator("en"))


def problem(cls: type[P], template: str, *, code: str, override: bool = False, line: int | None = None,
            variable: str | None = None, detail: str = "") -> P:
    """A `cls` whose message says what to fix in Chinese, then English (logs and the CLI are read by both)."""
    fault = cls(template, code=code, override=override, line=line, variable=variable, detail=detail)
    fault.args = (" / ".join(describe(fault, t) for t in _LANGUAGES),)
    return fault


def describe(fault: TemplateProblem, t: Callable[..., str]) -> str:
    """The sentence a person reads, in the language of `t` (a Translator): which file, which line, what to do."""
    if not fault.template:
        where = t("template_problem.a_document")
    else:
        where = t(f"template_problem.{'workspace' if fault.override else 'bundled'}", template=fault.template)
    if fault.line:
        where = t("template_problem.at_line", where=where, line=fault.line)
    return t(f"template_problem.{fault.code}", where=where, template=fault.template, line=fault.line or "",
             variable=fault.variable or "", detail=fault.detail)


def origin(filename: str | None, name: str, templates_dir: Path | None) -> tuple[str, bool]:
    """(path relative to the templates folder it came from, True when that is the workspace's own)."""
    if filename:
        path = Path(filename).resolve()
        for root, own in ((templates_dir, True), (bundled_dir("templates"), False)):
            if root is not None and path.is_relative_to(root.resolve()):
                return path.relative_to(root.resolve()).as_posix(), own
    return name, False


def note_rendered(template: Template, templates_dir: Path | None) -> None:
    """Log which file a render used (see the module docstring); costs nothing unless DEBUG is on."""
    if log.isEnabledFor(logging.DEBUG):
        path, own = origin(template.filename, template.name or "", templates_dir)
        log.debug("rendered %s (%s)", path, "workspace" if own else "bundled")


@contextmanager
def template_faults(name: str, templates_dir: Path | None, cls: type[TemplateProblem] = TemplateProblem
                    ) -> Iterator[None]:
    """Turn whatever a template does wrong inside the block into `cls`; the original stays as __cause__.

    `name` is the template asked for, used when the fault cannot be placed in a file (it is missing).
    """
    try:
        yield
    except TemplateProblem:
        raise
    except Exception as exc:
        raise from_exception(exc, name, templates_dir, cls) from exc


def from_exception(exc: Exception, name: str, templates_dir: Path | None, cls: type[P]) -> P:
    """Classify a Jinja (or filter) exception and place it: file, workspace or bundled, line, variable."""
    if isinstance(exc, TemplateSyntaxError):       # TemplateAssertionError too: an unknown filter is found at compile
        template, own = origin(exc.filename, exc.name or name, templates_dir)
        unknown = _NO_FILTER.match(exc.message or "")
        if unknown:
            return problem(cls, template, code="unknown_filter", override=own, line=exc.lineno,
                           detail=unknown.group(1))
        return problem(cls, template, code="syntax", override=own, line=exc.lineno, detail=exc.message or "")
    frame = _innermost_template_frame(exc.__traceback__, templates_dir)
    if isinstance(exc, TemplateNotFound):
        missing = ", ".join(str(n) for n in exc.templates) if isinstance(exc, TemplatesNotFound) else str(exc.name)
        if frame is None:
            return problem(cls, missing, code="missing")
        template, own = origin(frame[0], name, templates_dir)
        return problem(cls, template, code="include_missing", override=own, line=frame[1], detail=missing)
    template, own = origin(frame[0], name, templates_dir) if frame else origin(None, name, templates_dir)
    line = frame[1] if frame else None
    message = str(exc)
    if isinstance(exc, SecurityError):            # the sandbox refused (template_env): never run, say what
        return problem(cls, template, code="unsafe", override=own, line=line, detail=message)
    if isinstance(exc, UndefinedError):
        undefined = _UNDEFINED.match(message)
        if undefined:
            return problem(cls, template, code="undefined", override=own, line=line, variable=undefined.group(1))
        attribute = _NO_ATTRIBUTE.match(message)
        if attribute:
            return problem(cls, template, code="undefined_attribute", override=own, line=line,
                           variable=attribute.group(1), detail=message)
    return problem(cls, template, code="render_failed", override=own, line=line,
                   detail=f"{type(exc).__name__}: {message}" if message else type(exc).__name__)


def _innermost_template_frame(tb: TracebackType | None, templates_dir: Path | None) -> tuple[str, int] | None:
    """(filename, line) of the last traceback frame that runs a file of the templates folders."""
    roots = [r.resolve() for r in (templates_dir, bundled_dir("templates")) if r is not None]
    found: tuple[str, int] | None = None
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.startswith(("/", "\\")) or ":" in filename[:3]:
            path = Path(filename).resolve()
            if any(path.is_relative_to(root) for root in roots):
                found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return found
