"""The catalogue family's plugin module: the catalogue itself, price changes, listing changes, promotions."""

from __future__ import annotations

from ..kinds import Kind, hookimpl
from .item import CatalogueKind
from .listing import ListingKind
from .price import PriceChangeKind
from .promotion import PromotionKind

__all__ = ["CatalogueKind", "ListingKind", "PriceChangeKind", "PromotionKind", "sheetflow_kinds"]


@hookimpl
def sheetflow_kinds() -> dict[str, type[Kind]]:
    return {"catalogue": CatalogueKind, "price_change": PriceChangeKind, "listing_change": ListingKind,
            "promotion": PromotionKind}
