"""Order PDFs rendered for real and read back (pypdf and poppler); template overrides; the URL fetcher; write-once."""

from __future__ import annotations

import os
from io import BytesIO
from pathlib import Path

import pytest
from documents_helpers import LINES, SUPPLIER, order_context, order_lines, pdftotext, pypdf_text
from PIL import Image
from pypdf import PdfReader

from processors.documents import (
    DocumentError,
    DocumentExistsError,
    ResourceRefusedError,
    TemplateAssetFetcher,
    render_pdf,
    write_document,
)
from processors.errors import SheetflowError
from processors.money import capitals, format_figures
from processors.resources import bundled_dir

GRAND_TOTAL = "¥6,339.18"                      # 3420.00 + 2289.18 + 630.00
IN_WORDS = "陆仟叁佰叁拾玖元壹角捌分"


@pytest.fixture(scope="module")
def order_pdf() -> bytes:
    return render_pdf("purchase_order", order_context())


def workspace_template(tmp_path: Path, name: str, text: str) -> Path:
    """Write templates/documents/{name} in a tmp workspace and return its templates/ folder."""
    folder = tmp_path / "templates" / "documents"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return tmp_path / "templates"


def test_the_order_reads_back_with_pypdf_and_pdftotext(order_pdf: bytes, tmp_path: Path) -> None:
    assert order_pdf.startswith(b"%PDF-")
    expected_totals = [format_figures(line["total"]) for line in order_lines()]
    assert expected_totals == ["¥3,420.00", "¥2,289.18", "¥630.00"]
    assert capitals(order_context()["order"]["total"]) == IN_WORDS
    for text in (pypdf_text(order_pdf), pdftotext(order_pdf, tmp_path)):
        assert "PO-2026-0007" in text
        assert SUPPLIER["name"] in text
        for (item, _spec, _unit, _qty, _price), total in zip(LINES, expected_totals, strict=True):
            assert item in text
            assert total in text
        assert GRAND_TOTAL in text
        assert IN_WORDS in text
        for title in ("采购专员", "商务部负责人", "工程部负责人", "执行总监", "采购方（甲方）", "供应方（乙方）"):
            assert title in text
        assert "第1页/共1页" in text                       # the footer, from document.css


def test_the_order_is_one_a4_page_with_embedded_cjk_fonts(order_pdf: bytes) -> None:
    reader = PdfReader(BytesIO(order_pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)      # A4 in points
    fonts = reader.pages[0]["/Resources"]["/Font"]
    names = {str(font.get_object()["/BaseFont"]) for font in fonts.values()}
    assert names and all("Noto-Sans-CJK-SC" in name for name in names), names


def test_the_same_order_renders_to_the_same_bytes(order_pdf: bytes) -> None:
    """A retry after a crash must find its own file, not a 'different' one (see write_document)."""
    assert render_pdf("purchase_order", order_context()) == order_pdf


def test_signer_boxes_default_to_four_empty_ones_and_values_are_escaped() -> None:
    context = order_context(supplier={**SUPPLIER, "name": "<b>宏达</b> & 子"})
    del context["signers"]
    text = pypdf_text(render_pdf("purchase_order", context))
    assert "<b>宏达</b>&子" in text                     # printed as typed, not taken as markup
    for title in ("采购专员", "商务部负责人", "工程部负责人", "执行总监"):
        assert title in text
    assert "王芳" not in text and "2026-11-30" not in text          # nobody has signed


def test_a_long_order_runs_over_pages_with_page_numbers() -> None:
    rows = [(f"物料{i}", "规格", "个", "1", "1.00") for i in range(1, 61)]
    pdf = render_pdf("purchase_order", order_context(rows=rows))
    reader = PdfReader(BytesIO(pdf))
    assert len(reader.pages) >= 2
    last = "".join((reader.pages[-1].extract_text() or "").split())
    assert f"共{len(reader.pages)}页" in last
    assert "PO-2026-0007" in last                                 # the number in every page's footer
    assert "¥60.00" in last and "陆拾元整" in last
    for page in reader.pages[:-1]:                                # the grand total once, at the end
        assert "陆拾元整" not in "".join((page.extract_text() or "").split())


def test_a_workspace_template_wins_over_the_bundled_one(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    bundled = render_pdf("purchase_order", order_context(), templates)        # no override yet
    assert "工作区订单" not in pypdf_text(bundled)
    workspace_template(tmp_path, "purchase_order.html", (
        '{% extends "documents/_base.html" %}{% block body %}'
        "<h1>工作区订单 {{ order.number }}</h1><p>{{ order.total | money }} {{ order.total | capitals }}</p>"
        "{% endblock %}"))
    text = pypdf_text(render_pdf("purchase_order", order_context(), templates))
    assert "工作区订单PO-2026-0007" in text                       # picked up although the bundled one was cached
    assert f"{GRAND_TOTAL}{IN_WORDS}" in text
    assert "府尚装饰工程有限公司" in text                          # the bundled _base.html still frames it
    assert "双方签章" not in text


def test_a_workspace_stylesheet_wins_over_the_bundled_one(tmp_path: Path) -> None:
    templates = workspace_template(tmp_path, "document.css", "@page { size: A5; }")
    reader = PdfReader(BytesIO(render_pdf("purchase_order", order_context(), templates)))
    assert round(float(reader.pages[0].mediabox.width)) == 420                 # A5, not A4


def test_images_come_from_the_templates_folders_workspace_first(tmp_path: Path) -> None:
    """The bundled order's folder is the base URL; logo.png is found in the workspace's documents/ folder."""
    folder = tmp_path / "templates" / "documents"
    folder.mkdir(parents=True)
    Image.new("RGB", (40, 20), (200, 30, 30)).save(folder / "logo.png")
    base = (bundled_dir("templates") / "documents" / "_base.html").read_text(encoding="utf-8")
    (folder / "_base.html").write_text(base.replace("<body>", '<body><img src="logo.png" alt="logo">'),
                                       encoding="utf-8")
    reader = PdfReader(BytesIO(render_pdf("purchase_order", order_context(), tmp_path / "templates")))
    xobjects = reader.pages[0]["/Resources"]["/XObject"]
    assert any(x.get_object()["/Subtype"] == "/Image" for x in xobjects.values())


@pytest.mark.parametrize("url", ["http://example.com/x.png", "https://example.com/x.png", "ftp://example.com/x.png",
                                 "file://fileserver/share/x.png"])
def test_the_fetcher_refuses_urls(url: str) -> None:
    fetcher = TemplateAssetFetcher([bundled_dir("templates")])
    with pytest.raises(ResourceRefusedError, match="templates folders") as caught:
        fetcher.fetch(url)
    assert isinstance(caught.value, SheetflowError)
    assert "模板文件夹" in str(caught.value)


def test_the_fetcher_refuses_files_outside_the_templates_folders(tmp_path: Path) -> None:
    secret = tmp_path / "secret.png"
    Image.new("RGB", (4, 4)).save(secret)
    templates = tmp_path / "templates"
    fetcher = TemplateAssetFetcher([templates.parent / "missing", bundled_dir("templates")])
    for url in (secret.as_uri(), (bundled_dir("templates") / "documents" / ".." / ".." / "pyproject.toml").as_uri()):
        with pytest.raises(ResourceRefusedError, match="outside"):
            fetcher.fetch(url)


@pytest.mark.parametrize("src", ["http://example.com/x.png", "{secret}", "../../../../../../../{secret_rel}"])
def test_a_template_asking_for_a_refused_resource_stops_the_render(tmp_path: Path, src: str) -> None:
    """Refused, not silently dropped and not fetched: a document that lost its logo must not be issued."""
    secret = tmp_path / "secret.png"
    Image.new("RGB", (4, 4)).save(secret)
    src = src.format(secret=secret.as_uri(), secret_rel=str(secret).lstrip("/"))
    templates = workspace_template(tmp_path, "purchase_order.html", (
        '{% extends "documents/_base.html" %}{% block body %}<img src="' + src + '">{% endblock %}'))
    with pytest.raises(ResourceRefusedError):
        render_pdf("purchase_order", order_context(), templates)


def test_a_missing_asset_stops_the_render(tmp_path: Path) -> None:
    templates = workspace_template(tmp_path, "purchase_order.html", (
        '{% extends "documents/_base.html" %}{% block body %}<img src="no-such-logo.png">{% endblock %}'))
    with pytest.raises(DocumentError, match=r"no-such-logo\.png"):
        render_pdf("purchase_order", order_context(), templates)


def test_an_issued_document_is_written_once(order_pdf: bytes, tmp_path: Path) -> None:
    path = tmp_path / "output" / "PO-2026-0007.pdf"
    assert write_document(path, order_pdf) is True
    assert path.read_bytes() == order_pdf
    before = path.stat()

    assert write_document(path, order_pdf) is False                 # same content: a no-op
    assert path.stat().st_mtime_ns == before.st_mtime_ns and path.stat().st_ino == before.st_ino

    other = render_pdf("purchase_order", order_context(rows=LINES[:2]))
    with pytest.raises(DocumentExistsError, match="amendment") as caught:
        write_document(path, other)
    assert isinstance(caught.value, SheetflowError)
    assert "修订版" in str(caught.value)
    assert path.read_bytes() == order_pdf                             # the issued one is untouched
    assert sorted(os.listdir(path.parent)) == ["PO-2026-0007.pdf"]      # no temp file left behind
    assert path.stat().st_mode & 0o777 == 0o644
