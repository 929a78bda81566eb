"""Fixed values of the fake: the token and user it accepts, grid defaults, Google's hosts, what it leaves out."""

from __future__ import annotations

from typing import Any

TOKEN = "fake-token"
USER_EMAIL = "sheetflow-test@example.iam.gserviceaccount.com"
DEFAULT_ROWS = 1000     # what Google gives a new tab
DEFAULT_COLS = 26
GOOGLE_HOSTS = ("https://sheets.googleapis.com", "https://www.googleapis.com")

UNSUPPORTED = """\
Not implemented (a request for them answers 400/404 rather than pretending): formulas are stored as text and never
evaluated; USER_ENTERED does not turn dates or percentages into serial numbers; no cell formats; spreadsheets.get
ignores `fields` except to pick which cell keys appear in grid data; values:append, values:clear, sheet deletion,
copyTo, Drive list/export/permissions are absent; named ranges are not supported."""

Cell = Any                    # str | int | float | bool; "" is an empty cell
Rows = list[list[Cell]]
