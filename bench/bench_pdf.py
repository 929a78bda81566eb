#!/usr/bin/env python
"""Purchase-order PDFs per second, warm: our Jinja2 + WeasyPrint path against a .docx template + LibreOffice.

    .venv/bin/python bench/bench_pdf.py [--n 20] [--office-n 5] [--no-results] [--keep]
    .venv/bin/python bench/bench_pdf.py --smoke    # one document per route, checks only, writes nothing (CI)

Both routes print the same one-page order (3 lines, totals in figures and 大写, four
sign-off boxes, supplier confirmation) and write it to a file:

* ours:   render_pdf("purchase_order", context) + write_document, in this process,
          after 2 untimed warm-up renders (fonts, stylesheet, templates loaded once);
* office: fill a .docx template with python-docx (template built at start, untimed),
          then `soffice --headless --convert-to pdf` once per document, as an office
          script does. One untimed conversion first creates the LibreOffice profile.

Every PDF produced is read back with pdftotext and must show its order number and
its 大写 total. Then one cProfile of 5 renders says where our time goes. Markdown
tables go to stdout and to bench/results_pdf.md. python-docx comes from the `bench`
extra: pip install -e '.[bench]'.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
for entry in (REPO, REPO / "bench"):
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))

import docx_order  # noqa: E402
import weasyprint  # noqa: E402
import weasyprint.pdf.fonts as weasyprint_fonts  # noqa: E402
from pdf_report import STEP_NAMES, fmt, report  # noqa: E402

from processors.documents import pdf as pdf_internals  # noqa: E402
from processors.documents import render_html, render_pdf, write_document  # noqa: E402
from processors.money import capitals, format_figures, line_total  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results_pdf.md"
LINES = [("石膏板", "9.5mm 1200×2400", "张", "120", "28.50"),
         ("轻钢龙骨", "U50 0.6mm", "米", "360.5", "6.35"),
         ("自攻螺钉", "M3.5×25 镀锌", "盒", "15", "42.00")]
SIGNERS = [("采购专员", "Purchasing specialist", "李强", "2026-11-29"),
           ("商务部负责人", "Head of commerce", "王芳", "2026-11-30"),
           ("分管副总", "Vice president in charge", "", ""),
           ("总经理", "General manager", "", "")]


def context(number: str) -> dict[str, Any]:
    lines = [{"item": i, "spec": s, "unit": u, "quantity": Decimal(q), "unit_price": Decimal(p),
              "total": line_total(q, p)} for i, s, u, q, p in LINES]
    return {
        "company": {"name": "府尚装饰工程有限公司", "address": "上海市浦东新区张杨路 1234 号 8 楼",
                    "phone": "021-5888 0000"},
        "order": {"number": number, "date": dt.date(2026, 11, 29), "project": "万达广场三期",
                  "buyer": {"name": "李强", "phone": "138 0000 1234"}, "delivery_date": dt.date(2026, 12, 20),
                  "delivery_place": "万达广场三期工地 3 号门", "payment_terms": "月结 30 天 / net 30",
                  "total": sum((line["total"] for line in lines), Decimal(0))},
        "supplier": {"name": "上海建材贸易有限公司", "contact": "王伟", "phone": "021-6222 3333",
                     "address": "上海市闵行区莘庄工业区 88 号"},
        "lines": lines,
        "signers": [{"title": t, "title_en": e, "name": n, "date": d} for t, e, n, d in SIGNERS],
    }


def docx_values(ctx: dict[str, Any]) -> tuple[dict[str, str], list[list[str]]]:
    """The same order as placeholder values and line rows; amounts formatted by the same money helpers."""
    order, supplier = ctx["order"], ctx["supplier"]
    values = {
        "company_name": ctx["company"]["name"], "company_address": ctx["company"]["address"],
        "company_phone": ctx["company"]["phone"], "order_number": order["number"],
        "order_date": str(order["date"]), "project": order["project"], "supplier_name": supplier["name"],
        "supplier_contact": supplier["contact"], "supplier_phone": supplier["phone"],
        "supplier_address": supplier["address"], "delivery_date": str(order["delivery_date"]),
        "delivery_place": order["delivery_place"], "payment_terms": order["payment_terms"],
        "buyer": f"{order['buyer']['name']}  {order['buyer']['phone']}",
        "total_words": capitals(order["total"]), "total": format_figures(order["total"]),
    }
    for i, signer in enumerate(ctx["signers"]):
        for key in ("title", "title_en", "name", "date"):
            values[f"signer{i}_{key}"] = signer[key]
    rows = [[str(n), line["item"], line["spec"], line["unit"], str(line["quantity"]),
             format_figures(line["unit_price"]), format_figures(line["total"])]
            for n, line in enumerate(ctx["lines"], start=1)]
    return values, rows


def pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True, text=True)
    return "".join(out.stdout.split())


def check(path: Path, ctx: dict[str, Any]) -> None:
    """The timed work was real: the file is a PDF that shows this order's number and 大写 total."""
    text = pdf_text(path)
    assert ctx["order"]["number"] in text, f"{path}: order number missing"
    assert capitals(ctx["order"]["total"]) in text, f"{path}: total in words missing"


def ours(out: Path, n: int, templates: Path | None = None) -> list[float]:
    for i in range(2):                                            # warm-up: fonts, stylesheet, templates
        render_pdf("purchase_order", context(f"PO-WARM-{i}"), templates)
    times = []
    for i in range(n):
        ctx = context(f"PO-2026-{i + 1:04d}")
        t0 = time.perf_counter()
        write_document(out / f"{ctx['order']['number']}.pdf", render_pdf("purchase_order", ctx, templates))
        times.append(time.perf_counter() - t0)
    for i in range(n):
        check(out / f"PO-2026-{i + 1:04d}.pdf", context(f"PO-2026-{i + 1:04d}"))
    return times


def regular_only(work: Path) -> Path:
    """A workspace templates/ whose document.css adds a bold face (labels, totals, titles): two font faces.

    The shipped stylesheet prints in one weight; measured beside it to show what a second face would cost
    (one more CJK subset + its compression). (The name is kept from when the shipped one used bold.)
    """
    folder = work / "templates" / "documents"
    folder.mkdir(parents=True)
    css = pdf_internals.stylesheet_path(None).read_text(encoding="utf-8") + (
        "\nth, td, strong, h1, h2, .company-name { font-weight: bold !important; }\n"
        ".en-under, .en-inline { font-weight: normal !important; }\n")
    (folder / "document.css").write_text(css, encoding="utf-8")
    return work / "templates"


def office(work: Path, n: int) -> tuple[list[float], list[float], list[float]]:
    """(total, fill, convert) seconds per document."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise SystemExit("soffice (LibreOffice) is not installed")
    template = work / "order_template.docx"
    docx_order.build_template(template)
    profile = (work / "lo-profile").as_uri()                      # a private profile: no clash with a user's

    def convert(path: Path) -> None:
        done = subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                               "--outdir", str(path.parent), str(path)], capture_output=True, text=True, timeout=300)
        if not path.with_suffix(".pdf").is_file():     # soffice exits 0 even when it could not load the file
            raise SystemExit(f"LibreOffice did not convert {path.name} (is Writer installed, e.g. "
                             f"libreoffice-writer-nogui?): {done.stderr.strip()}")

    warm = work / "PO-WARM.docx"
    docx_order.fill(template, warm, *docx_values(context("PO-WARM")))
    convert(warm)                                                  # creates the profile, untimed
    totals, fills, converts = [], [], []
    for i in range(n):
        ctx = context(f"PO-2026-{i + 1:04d}")
        path = work / f"{ctx['order']['number']}.docx"
        t0 = time.perf_counter()
        docx_order.fill(template, path, *docx_values(ctx))
        t1 = time.perf_counter()
        convert(path)
        t2 = time.perf_counter()
        fills.append(t1 - t0)
        converts.append(t2 - t1)
        totals.append(t2 - t0)
        check(path.with_suffix(".pdf"), ctx)
    return totals, fills, converts


@contextmanager
def font_timers(acc: dict[str, float]) -> Iterator[None]:
    """Time WeasyPrint's per-face font work in this process only; the originals are put back afterwards."""
    targets = [(weasyprint_fonts.Font, "_harfbuzz_subset"), (weasyprint_fonts, "get_hb_object_data")]
    saved = [(owner, name, getattr(owner, name)) for owner, name in targets]

    def wrap(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timer(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                acc[name] = acc.get(name, 0.0) + time.perf_counter() - t0
        return timer

    for owner, name, fn in saved:
        setattr(owner, name, wrap(name, fn))
    try:
        yield
    finally:
        for owner, name, fn in saved:
            setattr(owner, name, fn)


def stages(n: int = 10) -> dict[str, float]:
    """Seconds per render of each step, timed apart (the PDF bytes are not written); font work inside write_pdf.

    Empty when the renderer lacks one of STEP_NAMES (the report says which).
    """
    if any(not hasattr(pdf_internals, name) for name in STEP_NAMES):
        return {}
    fetcher, stylesheet, template_dirs, fonts_of = (getattr(pdf_internals, name) for name in STEP_NAMES[:4])
    roots = tuple(template_dirs(None))
    path = pdf_internals.stylesheet_path(None)
    css = stylesheet(path, roots, path.stat().st_mtime_ns, path.stat().st_size)
    acc: dict[str, list[float]] = {"Jinja (render_html)": [], "parse + style + layout": [],
                                   "draw + fonts + compress (write_pdf)": []}
    fonts: dict[str, float] = {}
    with font_timers(fonts):
        for i in range(n):
            t0 = time.perf_counter()
            html, base = render_html("purchase_order", context(f"PO-2026-{i:04d}"))
            t1 = time.perf_counter()
            doc = weasyprint.HTML(string=html, base_url=base, url_fetcher=fetcher(roots)).render(
                font_config=fonts_of(), stylesheets=[css])
            t2 = time.perf_counter()
            doc.write_pdf()
            t3 = time.perf_counter()
            for key, value in zip(acc, (t1 - t0, t2 - t1, t3 - t2), strict=True):
                acc[key].append(value)
    out = {key: statistics.median(values) for key, values in acc.items()}
    out["↳ HarfBuzz subsetting, all faces (mean)"] = fonts.get("_harfbuzz_subset", 0.0) / n
    out["↳ copying font data out of HarfBuzz (mean)"] = fonts.get("get_hb_object_data", 0.0) / n
    return out


PROFILE_GROUPS = [  # (label, end of the file name, function name); cumulative time, so groups may nest
    ("HTML parse (tinyhtml5)", "tinyhtml5/parser.py", "parse"),
    ("computed styles", "weasyprint/css/__init__.py", "get_all_computed_styles"),
    ("layout", "weasyprint/layout/__init__.py", "layout_document"),
    ("↳ tables", "weasyprint/layout/table.py", "table_layout"),
    ("drawing", "weasyprint/draw/__init__.py", "draw_page"),
    ("font subsetting (HarfBuzz)", "weasyprint/pdf/fonts.py", "_harfbuzz_subset"),
    ("zlib compression (pydyf, level 9)", "~", "<method 'compress' of 'zlib.Compress' objects>"),
]


def profile_shares(renders: int = 5) -> tuple[list[tuple[str, float]], float]:
    """Share of the profiled render time per group (profiling inflates times, so shares, not ms)."""
    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(renders):
        render_pdf("purchase_order", context(f"PO-PROF-{i}"))
    profiler.disable()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]

    def cumulative(file_end: str, function: str) -> float:
        return max((cum for (file, _line, name), (_cc, _nc, _tt, cum, _callers) in stats.items()
                    if name == function and file.endswith(file_end)), default=0.0)

    total = cumulative("processors/documents/pdf.py", "render_pdf")
    if total == 0:  # render_pdf moved: no share can be told
        return [], 0.0
    return [(label, cumulative(file_end, name) / total) for label, file_end, name in PROFILE_GROUPS], total / renders


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=20, help="documents on our path (after 2 warm-up renders)")
    parser.add_argument("--office-n", type=int, default=5, help="documents through .docx + LibreOffice")
    parser.add_argument("--no-results", action="store_true", help="do not overwrite bench/results_pdf.md")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder with every PDF")
    parser.add_argument("--smoke", action="store_true",
                        help="once at the smallest size (1 document per route, 1 render per step): checks only")
    args = parser.parse_args(argv)
    if args.smoke:
        args.n, args.office_n, args.no_results = 1, 1, True
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="sheetflow-bench-pdf-"))
    try:
        for name in ("ours", "regular", "office"):
            (work / name).mkdir()
        step: Callable[[str], None] = lambda msg: print(f"  {msg}", file=sys.stderr, flush=True)  # noqa: E731
        step(f"ours: {args.n} orders …")
        ours_t = ours(work / "ours", args.n)
        step(f"variant, with a bold face: {args.n} orders …")
        regular_t = ours(work / "regular", args.n, regular_only(work / "regular"))
        step(f"office: {args.office_n} orders through LibreOffice …")
        office_t = office(work / "office", args.office_n)
        step("stages and profile …")
        renders = 1 if args.smoke else 5
        steps = stages(2 * renders)
        shares, _ = profile_shares(renders)
        pdf_size = (work / "ours" / "PO-2026-0001.pdf").stat().st_size
        text = report(ours_t, regular_t, office_t, pdf_size, steps, shares, renders)
        print(text)
        if args.smoke:
            print(f"bench_pdf smoke: ok, 1 order each way read back with pdftotext; ours {fmt(ours_t[0])}, "
                  f"bold variant {fmt(regular_t[0])}, LibreOffice {fmt(office_t[0][0])}; "
                  f"{time.perf_counter() - started:.0f} s")
        if not args.no_results:
            RESULTS.write_text(text, encoding="utf-8")
    finally:
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
