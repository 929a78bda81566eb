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

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, TemplateNotFound, select_autoescape
from jinja2.exceptions import TemplateError

from ..resources import bundled_dir

if TYPE_CHECKING:
    from ..workspace import Workspace

SUBJECT = "Subject:"


class _Person(Protocol):
    name: str
    email: str


class EmailTemplateError(TemplateError):
    """A template that does not follow the Subject-line convention."""


@lru_cache(maxsize=8)
def environment(templates_dir: Path, overrides: frozenset[str]) -> Environment:
    """One environment per workspace templates folder and set of override files.

    Compiled templates are cached (compiling costs ~20 ms a mail; a bulk import
    queues thousands) and reloaded when their file changes; an override file
    added while `watch` runs changes `overrides`, which gives a fresh environment.
    """
    return Environment(
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
    """
    env = environment(ws.cfg.templates_dir, _overrides(ws.cfg.templates_dir))
    text_template = env.select_template(_names(name, ws.cfg.language, "txt"))
    lang = (text_template.name or "").rsplit(".", 2)[-2]     # "en" when the fallback was taken
    values = {"lang": lang, **ctx}
    subject, text = split_subject(text_template.render(values), text_template.filename or name)
    try:
        html_template = env.select_template(_names(name, lang, "html"))
    except TemplateNotFound:
        return subject, text, ""
    return subject, text, html_template.render(values).strip() + "\n"


def split_subject(rendered: str, origin: str) -> tuple[str, str]:
    first, _, rest = rendered.lstrip("\ufeff").partition("\n")
    if not first.startswith(SUBJECT):
        raise EmailTemplateError(f"{origin}: the first line must be 'Subject: …', got {first[:60]!r}")
    subject = " ".join(first[len(SUBJECT):].split())
    if not subject:
        raise EmailTemplateError(f"{origin}: the Subject line is empty")
    return subject, rest.strip("\n") + "\n"


def person_address(person: _Person) -> str:
    """"王芳 <wangfang@example.com>" for Mail.to; "" when the person has no email (the caller skips them).

    A name with characters that need quoting (a comma, a dot) is quoted; the non-ASCII name is
    RFC 2047-encoded later, when the message headers are written.
    """
    if not person.email:
        return ""
    return str(Address(display_name=person.name, addr_spec=person.email))
