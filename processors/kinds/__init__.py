"""Behaviour a form adds beyond its TOML (frappe's doctype controllers), as plugins on a pluggy hook contract.

A form names its kind (`kind = "purchase_order"`). Kinds come from plugins: the
built-in families (orders, leases) and any installed package that names a
module in the `sheetflow` entry point group; each plugin's `sheetflow_kinds`
hook says which `Kind` subclasses it provides. The engine calls a kind's hooks
at fixed points of a pass through `kind_for(ws, form)`; hookspecs.py says when
each runs, inside or outside the store transaction, and what it may change. A
form without a kind gets every hook's default, so a purchase request runs on
its TOML alone.
"""

from __future__ import annotations

from .base import Kind, amendment_key, cells_of, check_amends, differences
from .hookspecs import hookimpl
from .manager import FormKind
from .plugins import KindPluginError, check_kinds, kind_for, known_kinds

__all__ = ["FormKind", "Kind", "KindPluginError", "amendment_key", "cells_of", "check_amends", "check_kinds",
           "differences", "hookimpl", "kind_for", "known_kinds"]
