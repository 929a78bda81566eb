"""Email text from Jinja2 templates, in the workspace language; a workspace may override any template.

`templates/email/{name}.{lang}.txt` starts with a `Subject: …` line, a blank
line, then the plain-text body; `{name}.{lang}.html` is the HTML body. The
workspace's own templates/ folder is searched first, the bundled one second
(a ChoiceLoader, as datasette does). HTML is autoescaped, so a value typed into
a sheet cannot inject markup; StrictUndefined makes a missing variable an error
at once instead of a blank in someone's mail.
"""

from __future__ import annotations

import os
from email.headerregistry import Address
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    Template,
    TemplateNotFound,
    select_autoescape,
)

from ..errors import TemplateProblem
from ..resources import bundled_dir
from ..template_env import SandboxedTemplates
from ..template_problems import note_rendered, origin, problem, template_faults

if TYPE_CHECKING:
    from ..workspace import Workspace

SUBJECT = "Subject:"


class _Person(Protocol):
    name: str
    email: str


class EmailTemplateError(TemplateProblem):
    """A mail template whose first rendered line is not 'Subject: …' (or whose subject is empty)."""


@lru_cache(maxsize=8)
def environment(templates_dir: Path, overrides: frozenset[str]) -> Environment:
    """One environment per workspace templates folder and set of override files.

    Compiled templates are cached (compiling costs ~20 ms a mail; a bulk import
    queues thousands) and reloaded when their file changes; an override file
    added while `watch` runs changes `overrides`, which gives a fresh environment.
    """
    return SandboxedTemplates(
        loader=ChoiceLoader([FileSystemLoader(templates_dir), FileSystemLoader(bundled_dir("templates"))]),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=True,
    )


def _overrides(templates_dir: Path) -> frozenset[str]:
    try:
        return frozenset(os.listdir(templates_dir / "email"))
    except OSError:
        return frozenset()


def _names(name: str, language: str, ext: str) -> list[str]:
    return list(dict.fromkeys([f"email/{name}.{language}.{ext}", f"email/{name}.en.{ext}"]))


def render(ws: Workspace, name: str, **ctx: Any) -> tuple[str, str, str]:
    """(subject, text, html) of template `name` in the workspace language, falling back to English.

    html is "" when no HTML template of that name exists (a workspace's own text-only template).
    Any fault of the templates raises TemplateProblem naming the file that has it; a broken
    override is never skipped for the bundled file (a language falls back only when its file is absent).
    """
    templates_dir = ws.cfg.templates_dir
    env = environment(templates_dir, _overrides(templates_dir))
    names = _names(name, ws.cfg.language, "txt")
    with template_faults(names[0], templates_dir):
        text_template = env.select_template(names)
        lang = (text_template.name or "").rsplit(".", 2)[-2]     # "en" when the fallback was taken
        values = {"lang": lang, **ctx}
        rendered = text_template.render(values)
    subject, text = split_subject(rendered, text_template, templates_dir)
    note_rendered(text_template, templates_dir)
    html_names = _names(name, lang, "html")
    with template_faults(html_names[0], templates_dir):
        try:
            html_template = env.select_template(html_names)
        except TemplateNotFound:
            return subject, text, ""
        html = html_template.render(values).strip() + "\n"
    note_rendered(html_template, templates_dir)
    return subject, text, html


def split_subject(rendered: str, template: Template, templates_dir: Path) -> tuple[str, str]:
    """(subject, body) of a rendered text template; EmailTemplateError when it breaks the Subject-line rule."""
    first, _, rest = rendered.lstrip("\ufeff").partition("\n")
    if not first.startswith(SUBJECT):
        path, own = origin(template.filename, template.name or "", templates_dir)
        raise problem(EmailTemplateError, path, code="no_subject", override=own, line=1, detail=first[:60])
    subject = " ".join(first[len(SUBJECT):].split())
    if not subject:
        path, own = origin(template.filename, template.name or "", templates_dir)
        raise problem(EmailTemplateError, path, code="empty_subject", override=own, line=_subject_line(template))
    return subject, rest.strip("\n") + "\n"


def _subject_line(template: Template) -> int:
    """The source line that holds 'Subject:' (1 when it cannot be read): where the empty subject is to be written."""
    try:
        source = Path(template.filename or "").read_text(encoding="utf-8-sig")
    except OSError:
        return 1
    return next((n for n, line in enumerate(source.splitlines(), 1) if line.lstrip().startswith(SUBJECT)), 1)


def person_address(person: _Person) -> str:
    """"王芳 <wangfang@example.com>" for Mail.to; "" when the person has no email (the caller skips them).

    A name with characters that need quoting (a comma, a dot) is quoted; the non-ASCII name is
    RFC 2047-encoded later, when the message headers are written.
    """
    if not person.email:
        return ""
    return str(Address(display_name=person.name, addr_spec=person.email))
