"""Documents sheetflow issues: HTML templates rendered to PDF, written once and never changed.

`pdf` renders and writes; numbering arrives with the purchase-order issue.
"""

from __future__ import annotations

from .pdf import (
    DocumentError,
    DocumentExistsError,
    ResourceRefusedError,
    TemplateAssetFetcher,
    render_html,
    render_pdf,
    write_document,
)

__all__ = [
    "DocumentError",
    "DocumentExistsError",
    "ResourceRefusedError",
    "TemplateAssetFetcher",
    "render_html",
    "render_pdf",
    "write_document",
]
