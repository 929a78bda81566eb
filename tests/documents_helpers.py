"""A small purchase order, as the order form will hand it to the renderer, and ways to read a PDF back."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from processors.money import line_total

COMPANY = {"name": "府尚装饰工程有限公司", "address": "上海市浦东新区张杨路 1234 号 8 楼", "phone": "021-5888 0000"}
SUPPLIER = {"name": "上海建材贸易有限公司", "contact": "王伟", "phone": "021-6222 3333",
            "address": "上海市闵行区莘庄工业区 88 号"}
# item, spec, unit, quantity, unit price
LINES = [
    ("石膏板", "9.5mm 1200×2400", "张", "120", "28.50"),
    ("轻钢龙骨", "U50 0.6mm", "米", "360.5", "6.35"),        # 2289.175 -> 2289.18, half up
    ("自攻螺钉", "M3.5×25 镀锌", "盒", "15", "42.00"),
]
SIGNERS = [
    {"title": "采购专员", "title_en": "Purchasing specialist", "name": "李强", "date": "2026-11-29"},
    {"title": "商务部负责人", "title_en": "Head of commerce", "name": "王芳", "date": "2026-11-30"},
    {"title": "工程部负责人", "title_en": "Head of engineering"},
    {"title": "执行总监", "title_en": "Executive director"},
]


def order_lines(rows: list[tuple[str, str, str, str, str]] = LINES) -> list[dict[str, Any]]:
    return [{"item": item, "spec": spec, "unit": unit, "quantity": Decimal(qty), "unit_price": Decimal(price),
             "total": line_total(qty, price)} for item, spec, unit, qty, price in rows]


def order_context(number: str = "PO-2026-0007", rows: list[tuple[str, str, str, str, str]] = LINES,
                  **changes: Any) -> dict[str, Any]:
    lines = order_lines(rows)
    context: dict[str, Any] = {
        "company": COMPANY,
        "order": {"number": number, "date": dt.date(2026, 11, 29), "project": "万达广场三期",
                  "buyer": {"name": "李强", "phone": "138 0000 1234"},
                  "delivery_date": dt.date(2026, 12, 20), "delivery_place": "万达广场三期工地 3 号门",
                  "payment_terms": "月结 30 天 / net 30", "total": sum((line["total"] for line in lines), Decimal(0))},
        "supplier": SUPPLIER,
        "lines": lines,
        "signers": SIGNERS,
    }
    context.update(changes)
    return context


def pypdf_text(pdf: bytes) -> str:
    """All pages' text as pypdf extracts it, whitespace removed (CJK has no word spaces to keep)."""
    reader = PdfReader(BytesIO(pdf))
    return "".join("".join((page.extract_text() or "").split()) for page in reader.pages)


def pdftotext(pdf: bytes, tmp_path: Path) -> str:
    """poppler's reading of the same PDF, whitespace removed: a second, independent text extractor."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "read-back.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
                         check=True, capture_output=True, text=True).stdout
    return "".join(out.split())


def pdf_file_text(path: Path) -> str:
    """An issued PDF's text as pdftotext lays it out."""
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
