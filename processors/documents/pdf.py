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
* An issued document is immutable (an amendment gets a new number), so
  `write_document` never replaces a different file at the same path.
"""

from __future__ import annotations

import contextlib
import hashlib
import mimetypes
import os
import tempfile
from collections.abc import Mapping, Sequence
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from ..errors import SheetflowError
from ..money import capitals, format_figures, to_money
from ..resources import bundled_dir

DOCUMENTS = "documents"
STYLESHEET = f"{DOCUMENTS}/document.css"


class DocumentError(SheetflowError):
    """A document cannot be rendered or written; the message says which and why, in zh and en."""


class ResourceRefusedError(DocumentError):
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
    import zlib

    import pydyf

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
    env = Environment(
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
    env = environment(templates_dir, _overrides(templates_dir))
    template = env.get_template(f"{DOCUMENTS}/{name}.html")
    html = template.render(context)
    folder = Path(template.filename or bundled_dir("templates") / DOCUMENTS / name).resolve().parent
    return html, folder.as_uri() + "/"


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
            raise ResourceRefusedError(
                f"文件模板只能引用模板文件夹里的文件，不能访问网络地址 / "
                f"a document template may only use files in the templates folders, not {url!r}"
            )
        relative = self._relative(Path(url2pathname(parts.path)).resolve())
        if relative is None:
            raise ResourceRefusedError(
                f"文件模板引用了模板文件夹以外的文件 / a document template asked for a file outside the "
                f"templates folders: {url!r}"
            )
        for root in self.roots:
            candidate = (root / relative).resolve()
            if candidate.is_relative_to(root) and candidate.is_file():
                content_type = mimetypes.guess_type(candidate.name)[0] or "application/octet-stream"
                return URLFetcherResponse(candidate.as_uri(), candidate.read_bytes(), {"Content-Type": content_type})
        raise DocumentError(f"模板文件夹里没有 {relative} / {relative} is in none of the templates folders")

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
    raise DocumentError(f"模板文件夹里没有 {STYLESHEET} / {STYLESHEET} is in none of the templates folders")


@lru_cache(maxsize=8)
def _stylesheet(path: Path, roots: tuple[Path, ...], mtime_ns: int, size: int) -> CSS:
    """Parsed once per file version: mtime_ns and size are only in the key to notice an edit."""
    return CSS(filename=path, font_config=font_config(), url_fetcher=TemplateAssetFetcher(roots))


def render_pdf(name: str, context: Mapping[str, Any], templates_dir: Path | None = None) -> bytes:
    """PDF bytes of `documents/{name}.html` rendered with `context` and the shared document.css.

    The PDF identifier is derived from the HTML, so the same document renders to the
    same bytes: a retry after a crash finds its own file and `write_document` is a no-op.
    """
    html, base_url = render_html(name, context, templates_dir)
    roots = tuple(_template_dirs(templates_dir))
    fetcher = TemplateAssetFetcher(roots)
    identifier = hashlib.sha256(html.encode("utf-8")).hexdigest()[:32].encode("ascii")
    try:
        css_path = stylesheet_path(templates_dir)
        stat = css_path.stat()
        css = _stylesheet(css_path, roots, stat.st_mtime_ns, stat.st_size)
        pdf = HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf(
            stylesheets=[css], font_config=font_config(), pdf_identifier=identifier)
    except FatalURLFetchingError as exc:
        if isinstance(exc.__cause__, DocumentError):
            raise exc.__cause__ from None
        raise DocumentError(f"{name}: 模板资源读取失败 / a template resource could not be read: {exc}") from exc
    assert isinstance(pdf, bytes)
    return pdf


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
