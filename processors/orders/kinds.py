"""Registers the order forms' kinds (imported by processors.kinds when a form names one)."""

from __future__ import annotations

from .lines import LineKind
from .order import OrderKind
from .plan import PlanKind
from .request import RequestKind

__all__ = ["LineKind", "OrderKind", "PlanKind", "RequestKind"]
