"""Fixed values of the fake: the token and user it accepts, grid defaults, Google's hosts, what it leaves out."""

from __future__ import annotations

from typing import Any

TOKEN = "fake-token"
USER_EMAIL = "sheetflow-test@example.iam.gserviceaccount.com"   # the service account every API caller is
PERSON_EMAIL = "staff@example.com"      # who the test helpers' "browser edits" are made by, unless told otherwise
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"  # google-auth signs this as the JWT's aud, whatever token_uri
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
DEFAULT_ROWS = 1000     # what Google gives a new tab
DEFAULT_COLS = 26

UNSUPPORTED = """\
Not implemented (a request for them answers 400/404 rather than pretending): formulas are stored as text and never
evaluated; USER_ENTERED turns typed dates, date-times and numbers with separators into numbers with a format (as
Google does), but not percentages, currencies or times alone; no spreadsheet-wide default format or theme;
values:append,
insertDimension/deleteDimension/sortRange/mergeCells and named-range requests, copyTo, Drive list/export/permissions
are absent (rows move only through the person-edit helpers); files.get knows only the fields of
FakeGoogle.drive_file. The token endpoint takes only the service-account JWT-bearer grant, and only for keys made by
FakeGoogle.service_account_file; every access token is TOKEN. How far the rest matches Google is measured against
recorded answers: tests/test_google_recorded.py."""

Cell = Any                    # str | int | float | bool; "" is an empty cell
Rows = list[list[Cell]]
