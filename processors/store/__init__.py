"""SQLite state inside the workspace (WAL): records, history, numbering, pending writes."""

from .db import Store

__all__ = ["Store"]
