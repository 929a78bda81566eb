"""FakeGoogle: the HTTP server on 127.0.0.1, test helpers, request accounting and fault injection."""

from __future__ import annotations

import copy
import json
import random
import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from . import edits
from .a1 import col_letters, parse_cells
from .api import _route
from .constants import DEFAULT_COLS, DEFAULT_ROWS, PERSON_EMAIL, TOKEN, Rows
from .drive import file_resource
from .errors import GoogleError
from .oauth import TOKEN_PATH, token_endpoint, write_service_account_file
from .state import Book, Sheet, _is_empty
from .values import write_box

FAULT_MESSAGES = {
    429: "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute per user' "
         "of service 'sheets.googleapis.com'.",
    500: "Internal error encountered.",
    503: "The service is currently unavailable.",
}


class FakeGoogle:
    """In-memory Sheets v4 + Drive v3 on 127.0.0.1, with request accounting and fault injection."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._books: dict[str, Book] = {}
        self._log: list[tuple[str, str, int]] = []
        self._faults: list[tuple[int, float | None]] = []
        self._next_book = 1
        self._next_sheet = 1_000_001
        self._next_protected = 2_000_001
        self._next_key = 0
        self._unshared: set[str] = set()
        self._sa_keys: dict[str, tuple[str, RSAPublicKey]] = {}     # private_key_id -> (client_email, public key)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle ----------------------------------------------------------------------------------
    def start(self) -> FakeGoogle:
        fake = self

        class Handler(_Handler):
            owner = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # a short poll keeps stop() (which waits for the next poll) from adding half a second to every test
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.01},
                                        name="fake-google", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeGoogle:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "FakeGoogle is not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # test helpers -------------------------------------------------------------------------------
    def create_spreadsheet(self, title: str, sheets: Mapping[str, Rows] | None = None, *,
                           spreadsheet_id: str | None = None, row_count: int = DEFAULT_ROWS,
                           column_count: int = DEFAULT_COLS, shared: bool = True) -> str:
        """Make a file as a person would have; the grid grows to fit the rows given, like an xlsx import.

        shared=False: it exists but was not shared with the service account. Sheets answers 403 PERMISSION_DENIED
        and Drive 404 for it, as Google does (recorded: ClientTest.test_access_private_spreadsheet)."""
        with self._lock:
            sid = spreadsheet_id or f"1fake{self._next_book:039d}"
            self._next_book += 1
            tabs = []
            for i, (name, rows) in enumerate((sheets or {"Sheet1": []}).items()):
                tab = Sheet(self._new_sheet_id(i), name, i,
                            max(row_count, len(rows)), max(column_count, max((len(r) for r in rows), default=0)))
                for r, row in enumerate(rows):
                    for c, v in enumerate(row):
                        if not _is_empty(v):
                            tab.put(r, c, v)
                tabs.append(tab)
            self._books[sid] = Book(sid, title, tabs)
            if not shared:
                self._unshared.add(sid)
            return sid

    def share(self, spreadsheet_id: str) -> None:
        """The owner shares the file with the service account at last."""
        with self._lock:
            self._unshared.discard(spreadsheet_id)

    def _new_sheet_id(self, index: int) -> int:
        if index == 0:
            return 0          # Google's first tab is always gid 0
        self._next_sheet += 1
        return self._next_sheet

    def book(self, spreadsheet_id: str) -> Book:
        """The live state, for assertions that need more than the helpers below."""
        return self._books[spreadsheet_id]

    def drive_awkward(self, spreadsheet_id: str, steps: Sequence[int] = (), seed: int | None = None,
                      lag: bool = True) -> None:
        """From now on this file's Drive keeps only what Google documents, in the least convenient way.

        Each edit (a person-edit helper or an API write) moves `version` by the next of `steps` (0: it stays,
        4: a jump), then by a random 0..4 drawn from `seed` (1 without one); it never goes back, and modifiedTime
        moves by a millisecond at least. With `lag`, the first files.get after an edit still names the previous
        lastModifyingUser. Where the recordings are silent, this is what change detection is tested against.
        """
        if any(step < 0 for step in steps):
            raise ValueError(f"Drive's version never goes back: steps {list(steps)}")
        with self._lock:
            book = self._books[spreadsheet_id]
            book.awkward, book.steps, book.lag = True, list(steps), lag
            book.rng = random.Random(seed) if seed is not None else None

    def values(self, spreadsheet_id: str, sheet_title: str) -> Rows:
        """Stored cells of a tab, trailing blanks trimmed, with their stored types."""
        with self._lock:
            return self._books[spreadsheet_id].sheet_by_title(sheet_title).trimmed()

    # person edits: what someone does in the browser.  Each bumps Drive's version and makes `by` the last modifier.
    def set_values(self, spreadsheet_id: str, sheet_title: str, rows: Rows, start: str = "A1", *,
                   by: str = PERSON_EMAIL, typed: bool = False) -> None:
        """Cells typed over; Drive's version moves on. Stored as given (like RAW, or a cell formatted as plain
        text), or with typed=True as the browser takes typing: "2026-12-20 15:30" becomes a date-time serial,
        "12" a number (USER_ENTERED)."""
        with self._lock:
            book = self._books[spreadsheet_id]
            sheet = book.sheet_by_title(sheet_title)
            write_box(sheet, parse_cells(start, start), rows, "USER_ENTERED" if typed else "RAW", None)
            book.touch(by)

    def insert_rows(self, spreadsheet_id: str, sheet_title: str, before_row: int, rows: Rows, *,
                    by: str = PERSON_EMAIL) -> None:
        """Rows inserted above 1-based `before_row` (row_count + 1 appends); rows, notes and validation below move
        down and the grid grows, so a backend holding row numbers sees them go stale."""
        with self._lock:
            book = self._books[spreadsheet_id]
            edits.insert_rows(book.sheet_by_title(sheet_title), before_row - 1, rows)
            book.touch(by)

    def delete_rows(self, spreadsheet_id: str, sheet_title: str, first_row: int, count: int = 1, *,
                    by: str = PERSON_EMAIL) -> None:
        """Rows `first_row`.. (1-based) deleted with their notes and validation; rows below move up."""
        with self._lock:
            book = self._books[spreadsheet_id]
            edits.delete_rows(book.sheet_by_title(sheet_title), first_row - 1, count)
            book.touch(by)

    def sort_rows(self, spreadsheet_id: str, sheet_title: str, first_row: int, key: edits.RowKey = "A",
                  reverse: bool = False, *, by: str = PERSON_EMAIL) -> None:
        """Data > Sort range on rows `first_row` (1-based; 2 keeps a header) to the last non-empty row.

        `key` is a column letter (sorted by the cell as text, empty cells last) or a function of a row's cells.
        """
        with self._lock:
            book = self._books[spreadsheet_id]
            edits.sort_rows(book.sheet_by_title(sheet_title), first_row - 1, key, reverse)
            book.touch(by)

    def service_account_file(self, path: Path) -> Path:
        """Write a service-account key file (fresh RSA key, client_email=USER_EMAIL, token_uri=this fake's /token)
        that `gspread.service_account(filename=path)` can use once Google's hosts are redirected (client.redirect).
        The file is only good for this running fake: its token_uri has the port, and only it knows the key."""
        return write_service_account_file(self, path)

    def notes(self, spreadsheet_id: str, sheet_title: str) -> dict[str, str]:
        """Notes by A1 cell."""
        with self._lock:
            sheet = self._books[spreadsheet_id].sheet_by_title(sheet_title)
        return {f"{col_letters(c)}{r + 1}": n for (r, c), n in sorted(sheet.notes.items())}

    def validation(self, spreadsheet_id: str, sheet_title: str) -> dict[str, dict[str, Any]]:
        """Data-validation rules by A1 cell (Google keeps them per cell, so overlapping ranges overwrite)."""
        with self._lock:
            sheet = self._books[spreadsheet_id].sheet_by_title(sheet_title)
        return {f"{col_letters(c)}{r + 1}": rule for (r, c), rule in sorted(sheet.validation.items())}

    def protected_ranges(self, spreadsheet_id: str, sheet_title: str) -> list[dict[str, Any]]:
        return copy.deepcopy(self._books[spreadsheet_id].sheet_by_title(sheet_title).protected)

    def drive_file(self, spreadsheet_id: str) -> dict[str, Any]:
        """Every Drive field files.get can select, as the service account would see them."""
        with self._lock:
            return file_resource(self._books[spreadsheet_id])

    # accounting and faults ----------------------------------------------------------------------
    def counts(self) -> Counter[tuple[str, str]]:
        """(method, kind) -> number of requests, injected failures included (they cost quota at Google too)."""
        with self._lock:
            return Counter((m, k) for m, k, _ in self._log)

    def log(self) -> list[tuple[str, str, int]]:
        """(method, kind, status) in arrival order."""
        with self._lock:
            return list(self._log)

    def reset_counts(self) -> None:
        with self._lock:
            self._log.clear()

    def mark(self) -> int:
        """A position in the log, for `requests_since`; reset_counts invalidates marks taken before it."""
        with self._lock:
            return len(self._log)

    def requests_since(self, mark: int) -> Counter[tuple[str, str]]:
        """Like counts(), but only requests after `mark`: measures one step without forgetting the earlier ones."""
        with self._lock:
            return Counter((m, k) for m, k, _ in self._log[mark:])

    def fail_next(self, status: int, times: int = 1, retry_after: float | None = None) -> None:
        """Answer the next `times` requests (whatever they are) with `status` in Google's error shape."""
        if status not in FAULT_MESSAGES:
            raise ValueError(f"fail_next supports {sorted(FAULT_MESSAGES)}, not {status}")
        with self._lock:
            self._faults.extend([(status, retry_after)] * times)

    # dispatch -----------------------------------------------------------------------------------
    def handle(self, method: str, raw_path: str, query: dict[str, list[str]], body: Any,
               headers: Mapping[str, str]) -> tuple[str, int, Any, dict[str, str]]:
        """Route one request; returns (kind, status, json body, extra headers).  Runs under the state lock.

        The token endpoint is another Google service (oauth2.googleapis.com): it needs no Bearer token and
        fail_next's Sheets/Drive faults pass it by, so injecting a 429 still hits the request a test means.
        """
        if method == "POST" and raw_path == TOKEN_PATH:
            with self._lock:
                status, payload = token_endpoint(self, body)
                self._log.append((method, "oauth.token", status))
            return "oauth.token", status, payload, {"Cache-Control": "no-cache, no-store, max-age=0, must-revalidate"}
        kind, route = _route(method, raw_path)
        with self._lock:
            if self._faults:
                status, retry_after = self._faults.pop(0)
                extra = {"Retry-After": str(retry_after)} if retry_after is not None else {}
                result: tuple[int, Any, dict[str, str]] = (status, GoogleError(status, FAULT_MESSAGES[status]).body(),
                                                           extra)
            else:
                try:
                    if headers.get("Authorization") != f"Bearer {TOKEN}":
                        raise GoogleError(401, "Request is missing required authentication credential.")
                    if route is None:
                        raise GoogleError(404, f"fake: no route for {method} {raw_path}")
                    result = (200, route(self, query, body), {})
                except GoogleError as e:
                    result = (e.code, e.body(), {})
            self._log.append((method, kind, result[0]))
        return kind, *result

    def _book(self, sid: str) -> Book:
        book = self._books.get(sid)
        if book is None:
            raise GoogleError(404, "Requested entity was not found.")
        if sid in self._unshared:
            raise GoogleError(403, "The caller does not have permission")
        return book


class _Handler(BaseHTTPRequestHandler):
    """Thin HTTP shell: parse, hand to FakeGoogle.handle, write JSON."""

    owner: FakeGoogle
    server_version = "FakeGoogle/1"

    def log_message(self, format: str, *args: Any) -> None:   # keep pytest output clean
        pass

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            if self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
                body: Any = parse_qs(raw.decode(), keep_blank_values=True)      # the OAuth2 token request
            else:
                body = json.loads(raw) if raw else None
        except ValueError:
            status, payload, extra = 400, GoogleError(400, "Invalid JSON payload received.").body(), {}
        else:
            _, status, payload, extra = self.owner.handle(self.command, parts.path, parse_qs(parts.query),
                                                         body, self.headers)
        data = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in extra.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve
