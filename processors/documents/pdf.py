"""Documents as PDF: a Jinja2 HTML template (workspace override first, bundled second) rendered by WeasyPrint.

Why it is shaped this way:

* One FontConfiguration for the process, and the shared `documents/document.css`
  parsed once (again only when the file changes). Building a FontConfiguration
  asks fontconfig for every font on the machine; parsing the stylesheet costs
  ~10 ms a document. Warm, an order renders in about 0.2 s (bench/results_pdf.md).
* Templates go through the same ChoiceLoader as mail (`templates/` of the
  workspace, then the bundled one), so a company can restyle its order by
  dropping `templates/documents/purchase_order.html` or `document.css` into its
  workspace. Autoescape is on: a supplier name typed into a sheet cannot inject markup.
* WeasyPrint fetches stylesheets and images through `TemplateAssetFetcher`, which
  serves only files under the templates folders (same override order) and
  `data:` URLs. An order rendered from sheet data must not make the server fetch
  a URL or read a file someone typed in, and a missing logo must stop the
  document instead of issuing it without one.
* A template fault (Jinja, an asset refused, missing or unusable, WeasyPrint giving up)
  raises DocumentTemplateProblem, a DocumentError and a TemplateProblem both, naming the
  file to fix (see processors/template_problems.py). WeasyPrint only logs an image or
  stylesheet it could not use; that is caught too, for the same reason as a missing logo.
* An issued document is immutable (an amendment gets a new number), so
  `write_document` never replaces a different file at the same path.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import mimetypes
import os
import re
import tempfile
import threading
import zlib
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

import pydyf
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from ..errors import SheetflowError, TemplateProblem
from ..money import capitals, format_figures, to_money
from ..resources import bundled_dir
from ..template_env import SandboxedTemplates
from ..template_problems import note_rendered, origin, problem, template_faults

DOCUMENTS = "documents"
STYLESHEET = f"{DOCUMENTS}/document.css"


class DocumentError(SheetflowError):
    """A document cannot be rendered or written; the message says which and why, in zh and en."""


class DocumentTemplateProblem(DocumentError, TemplateProblem):
    """A document's template, its stylesheet or an asset they use is at fault; the message names the file.

    Both a DocumentError (this document cannot be made) and a TemplateProblem (what to fix is a template),
    so the engine holds only the record that needed this document.
    """


class ResourceRefusedError(DocumentTemplateProblem):
    """A template asked for something other than a file of the templates folders (a URL, /etc/passwd …)."""


class DocumentExistsError(DocumentError):
    """A different document already stands under this number: issued documents are never overwritten."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(
            f"{path}: 已签发的文件不能覆盖，修改请出修订版（如 PO-2026-0007-1） / "
            f"an issued document is never overwritten; issue an amendment (e.g. PO-2026-0007-1) instead"
        )


def _quantity(value: Decimal | str | int | float) -> str:
    """10 not 10.000, 2.5 not 2.50: a quantity reads as people wrote it, never in exponent form."""
    return format(to_money(value).normalize(), "f")


def _fast_flate() -> None:
    """pydyf deflates every stream at zlib level 9 with no option to change it; level 1 is ~16 ms faster per
    order (0.160 → 0.144 s warm) for 2 % more bytes (173 → 177 KB): the embedded CJK font subset, which
    WeasyPrint keeps glyph-id-aligned and so mostly padding, is what gets compressed. Same PDF structure,
    same /FlateDecode filter; only the effort changes. Applied once, to pydyf's Stream as shipped."""
    if getattr(pydyf.Stream, "_sheetflow_flate", False):
        return

    def data(self: Any) -> bytes:
        stream = b"\n".join(pydyf._to_bytes(item) for item in self.stream)
        extra = pydyf.Dictionary(self.extra.copy())
        if self.compress:
            extra["Filter"] = "/FlateDecode"
            packer = zlib.compressobj(level=1)
            stream = packer.compress(stream) + packer.flush()
        extra["Length"] = len(stream)
        return b"\n".join((extra.data, b"stream", stream, b"endstream"))

    pydyf.Stream.data = property(data)  # type: ignore[assignment,method-assign]
    pydyf.Stream._sheetflow_flate = True  # type: ignore[attr-defined]


_fast_flate()


@lru_cache(maxsize=1)
def font_config() -> FontConfiguration:
    """The process's one warm FontConfiguration (see the module docstring)."""
    return FontConfiguration()


@lru_cache(maxsize=8)
def environment(templates_dir: Path | None, overrides: frozenset[str]) -> Environment:
    """One environment per workspace templates folder and set of override files, as in mail.render.

    `overrides` is part of the cache key because Jinja's auto_reload notices a
    changed file but not a new override file shadowing a bundled template.
    """
    loaders = [FileSystemLoader(d) for d in _template_dirs(templates_dir)]
    env = SandboxedTemplates(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True, default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=True,
    )
    env.filters["money"] = format_figures
    env.filters["capitals"] = capitals
    env.filters["quantity"] = _quantity
    return env


def _template_dirs(templates_dir: Path | None) -> list[Path]:
    dirs = [templates_dir] if templates_dir is not None and templates_dir.is_dir() else []
    return [*dirs, bundled_dir("templates")]


def _overrides(templates_dir: Path | None) -> frozenset[str]:
    if templates_dir is None:
        return frozenset()
    try:
        return frozenset(os.listdir(templates_dir / DOCUMENTS))
    except OSError:
        return frozenset()


def render_html(name: str, context: Mapping[str, Any], templates_dir: Path | None = None) -> tuple[str, str]:
    """(html, base_url) of `documents/{name}.html`; base_url is the folder the chosen template came from."""
    html, base_url, _ = _render_html(name, context, templates_dir)
    return html, base_url


def _render_html(name: str, context: Mapping[str, Any], templates_dir: Path | None) -> tuple[str, str, Path]:
    """render_html and the file the template came from (to name it when WeasyPrint fails on the result)."""
    env = environment(templates_dir, _overrides(templates_dir))
    wanted = f"{DOCUMENTS}/{name}.html"
    with template_faults(wanted, templates_dir, DocumentTemplateProblem):
        template = env.get_template(wanted)
        html = template.render(context)
    note_rendered(template, templates_dir)
    source = Path(template.filename or bundled_dir("templates") / wanted).resolve()
    return html, source.parent.as_uri() + "/", source


class TemplateAssetFetcher(URLFetcher):
    """Serves WeasyPrint only files under the templates folders, looked up in override order, and data: URLs.

    A URL pointing into either folder is taken relative to that folder and looked
    up workspace-first, so `document.css` next to a bundled template still picks up
    the workspace's own document.css. Refusals are fatal (fail_on_errors): a document
    that silently lost its stylesheet or logo must not be issued.
    """

    def __init__(self, roots: Sequence[Path]) -> None:
        super().__init__(allowed_protocols=("file", "data"), fail_on_errors=True)
        self.roots = tuple(dict.fromkeys(r.resolve() for r in roots if r.is_dir()))

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme != "file" or parts.netloc not in ("", "localhost"):
            raise problem(ResourceRefusedError, "", code="resource_refused", detail=url)
        relative = self._relative(Path(url2pathname(parts.path)).resolve())
        if relative is None:
            raise problem(ResourceRefusedError, "", code="resource_outside", detail=url)
        for root in self.roots:
            candidate = (root / relative).resolve()
            if candidate.is_relative_to(root) and candidate.is_file():
                content_type = mimetypes.guess_type(candidate.name)[0] or "application/octet-stream"
                return URLFetcherResponse(candidate.as_uri(), candidate.read_bytes(), {"Content-Type": content_type})
        raise problem(DocumentTemplateProblem, "", code="asset_missing", detail=relative.as_posix())

    def _relative(self, path: Path) -> Path | None:
        for root in self.roots:
            if path.is_relative_to(root):
                return path.relative_to(root)
        return None


def stylesheet_path(templates_dir: Path | None) -> Path:
    """The shared document.css, workspace first, like the templates."""
    for folder in _template_dirs(templates_dir):
        if (folder / STYLESHEET).is_file():
            return (folder / STYLESHEET).resolve()
    raise problem(DocumentTemplateProblem, STYLESHEET, code="missing")


@lru_cache(maxsize=8)
def _stylesheet(path: Path, roots: tuple[Path, ...], mtime_ns: int, size: int) -> CSS:
    """Parsed once per file version: mtime_ns and size are only in the key to notice an edit."""
    return CSS(filename=path, font_config=font_config(), url_fetcher=TemplateAssetFetcher(roots))


def render_pdf(name: str, context: Mapping[str, Any], templates_dir: Path | None = None) -> bytes:
    """PDF bytes of `documents/{name}.html` rendered with `context` and the shared document.css.

    The PDF identifier is derived from the HTML, so the same document renders to the
    same bytes: a retry after a crash finds its own file and `write_document` is a no-op.
    Template faults (Jinja, a refused, missing or unusable asset, WeasyPrint) raise DocumentTemplateProblem.
    """
    html, base_url, source = _render_html(name, context, templates_dir)
    css_path = stylesheet_path(templates_dir)
    try:
        return _weasyprint(html, base_url, css_path, templates_dir)
    except FatalURLFetchingError as exc:       # the fetcher's refusal is the cause; fail_on_errors made it fatal
        raise _blame(exc.__cause__ or exc, source, css_path, templates_dir) from exc.__cause__
    except Exception as exc:  # WeasyPrint gave up on the HTML or CSS: the document's template is what to look at
        raise _blame(exc, source, css_path, templates_dir) from exc


def _weasyprint(html: str, base_url: str, css_path: Path, templates_dir: Path | None) -> bytes:
    roots = tuple(_template_dirs(templates_dir))
    identifier = hashlib.sha256(html.encode("utf-8")).hexdigest()[:32].encode("ascii")
    stat = css_path.stat()
    css = _stylesheet(css_path, roots, stat.st_mtime_ns, stat.st_size)
    with _lost_resources() as lost:
        pdf = HTML(string=html, base_url=base_url, url_fetcher=TemplateAssetFetcher(roots)).write_pdf(
            stylesheets=[css], font_config=font_config(), pdf_identifier=identifier)
    if lost:
        detail = "; ".join(lost)
        for root in roots:
            detail = detail.replace(root.resolve().as_uri() + "/", "")
        raise problem(DocumentTemplateProblem, "", code="asset_unusable", detail=detail)
    assert isinstance(pdf, bytes)
    return pdf


def _blame(exc: BaseException, source: Path, css_path: Path, templates_dir: Path | None) -> DocumentTemplateProblem:
    """The fault, named after the file that asked for the asset: document.css when it mentions it, else the template."""
    if not isinstance(exc, DocumentTemplateProblem):
        template, own = origin(str(source), source.name, templates_dir)
        return problem(DocumentTemplateProblem, template, code="layout", override=own,
                       detail=f"{type(exc).__name__}: {exc}")
    asker = source
    wanted = re.findall(r"[\w.-]+\.\w+", exc.detail)
    with contextlib.suppress(OSError):
        if wanted and Path(wanted[0]).name in css_path.read_text(encoding="utf-8"):
            asker = css_path
    template, own = origin(str(asker), asker.name, templates_dir)
    return problem(type(exc), template, code=exc.code, override=own, detail=exc.detail)


class _LostResources(logging.Handler):
    """WeasyPrint logs, rather than raises, an image or stylesheet it fetched but could not use (its ERROR level
    is kept for exactly that); collected for the rendering thread only, so the document is refused instead of
    issued without its logo."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.thread = threading.get_ident()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.messages.append(record.getMessage())


@contextlib.contextmanager
def _lost_resources() -> Iterator[list[str]]:
    handler = _LostResources()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)


def write_document(path: Path, data: bytes) -> bool:
    """Write an issued document atomically; False when the same bytes are already there.

    The new file is written beside the target, fsynced and then hard-linked into
    place: link() is atomic and, unlike rename, fails when a file appeared in the
    meantime, so two processes can never replace each other's document. Where the
    filesystem has no hard links (some network shares) os.replace is the fallback,
    after the existence check.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if _already_there(path, data):
        return False
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fchmod(handle.fileno(), 0o644)
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            if _already_there(path, data):
                return False
            raise
        except OSError:
            if _already_there(path, data):
                return False
            os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(path.parent)
    return True


def _already_there(path: Path, data: bytes) -> bool:
    """True when `path` holds exactly `data`; DocumentExistsError when it holds something else."""
    try:
        existing = path.read_bytes()
    except FileNotFoundError:
        return False
    if existing != data:
        raise DocumentExistsError(path)
    return True


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):     # not every filesystem lets a directory be opened for fsync
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_report_pdf(path: Path, template: str, context: Mapping[str, Any], templates_dir: Path | None) -> None:
    """A report's PDF (not an issued document: the latest replaces the one before), put in place by rename so a
    reader never sees half of it."""
    body = render_pdf(template, context, templates_dir)
    tmp = path.with_name(f".{path.name}.sheetflow-tmp")
    tmp.write_bytes(body)
    tmp.replace(path)
