"""A local stand-in for the parts of Google Sheets v4 and Drive v3 that sheetflow's Google backend talks to.

No test machine reaches Google, so the backend's tests run gspread's real, unmodified client against this
server on 127.0.0.1: a requests transport adapter rewrites ``https://sheets.googleapis.com`` and
``https://www.googleapis.com`` to the fake's address, so gspread builds every URL, query and body itself and
the fake sees exactly what Google would.  Shapes follow gspread 6 (``http_client.py``, ``spreadsheet.py``,
``worksheet.py``) and the Sheets v4 / Drive v3 REST reference; what is deliberately left out is listed in
``UNSUPPORTED`` so a test that strays outside the subset fails loudly instead of passing against a lie.
"""

from __future__ import annotations

from .client import client_for
from .constants import TOKEN, USER_EMAIL
from .server import FakeGoogle

__all__ = ["TOKEN", "USER_EMAIL", "FakeGoogle", "client_for"]
