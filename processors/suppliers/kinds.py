"""The suppliers family's plugin module: supplier files, the qualified list, inquiries, quotes and price approvals."""

from __future__ import annotations

from ..kinds import Kind, hookimpl
from .inquiry import InquiryKind
from .price import PriceKind
from .qualified import QualifiedKind
from .quote import QuoteKind
from .supplier import SupplierKind

__all__ = ["InquiryKind", "PriceKind", "QualifiedKind", "QuoteKind", "SupplierKind", "sheetflow_kinds"]


@hookimpl
def sheetflow_kinds() -> dict[str, type[Kind]]:
    return {"supplier": SupplierKind, "qualified_supplier": QualifiedKind, "inquiry": InquiryKind,
            "quote": QuoteKind, "price_approval": PriceKind}
