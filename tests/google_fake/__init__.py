"""A local stand-in for the parts of Google Sheets v4 and Drive v3 that sheetflow's Google backend talks to.

No test machine reaches Google, so the backend's tests run gspread's real, unmodified client against this server on
127.0.0.1: a requests transport adapter rewrites ``https://sheets.googleapis.com`` and
``https://www.googleapis.com`` to the fake's address, so gspread builds every URL, query and body itself and the
fake sees exactly what Google would. ``client_for`` skips login with a fixed token; a key file from
``FakeGoogle.service_account_file`` runs google-auth's real service-account login against the fake's ``/token``.
Helpers such as ``insert_rows`` or ``set_values`` act as a person in the browser, and Drive's ``lastModifyingUser``
tells those edits apart from the service account's own writes. Shapes follow gspread 6 (``http_client.py``,
``spreadsheet.py``, ``worksheet.py``) and the Sheets v4 / Drive v3 REST reference; what is deliberately left out is
listed in ``UNSUPPORTED`` so a test that strays outside the subset fails loudly instead of passing against a lie.
"""

from __future__ import annotations

from .client import client_for, redirect
from .constants import PERSON_EMAIL, TOKEN, USER_EMAIL
from .server import FakeGoogle

__all__ = ["PERSON_EMAIL", "TOKEN", "USER_EMAIL", "FakeGoogle", "client_for", "redirect"]
