"""Google's recorded answers served to sheetflow's own Google code: a loopback server that plays a script.

Each request sheetflow makes is answered with the next recorded exchange of the script, with its recorded
status and body, provided it is a call of the same API method (values.batchGet for a batchGet ...); anything
else is answered 599, so a test sees a call it did not expect. What sheetflow sent is kept for assertions.
Where Google's answer to a call sheetflow makes was not recorded as such but its parts were (batchGet's
valueRanges are ValueRanges as values.get answers them), `envelope` puts recorded parts in the recorded
wrapper, and says so in the test that uses it.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import gspread
from google.oauth2.credentials import Credentials

from processors.sheets.google.endpoint import redirect
from processors.sheets.google.pacing import PacedHTTPClient

from .cassettes import Exchange, api_of


@dataclass(frozen=True)
class Answer:
    """What to answer for one call: a recorded exchange, or recorded parts in a recorded envelope."""

    api: str
    status: int
    body: Any
    source: str                 # where in the recordings it comes from


def recorded(ex: Exchange) -> Answer:
    return Answer(ex.api, ex.status, ex.answer, ex.where)


def envelope(spreadsheet_id: str, *value_ranges: Exchange) -> Answer:
    """A values.batchGet answer made of recorded values.get answers, in the envelope the recorded batchGet has."""
    return Answer("values.batchGet", 200, {"spreadsheetId": spreadsheet_id,
                                           "valueRanges": [ex.answer for ex in value_ranges]},
                  "+".join(ex.where for ex in value_ranges))


@dataclass
class Sent:
    api: str
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any


@dataclass
class RecordedGoogle:
    """Start it with a script of answers; `client()` is a real gspread.Client (sheetflow's paced HTTP client)."""

    script: list[Answer]
    sent: list[Sent] = field(default_factory=list)
    _queue: deque[Answer] = field(default_factory=deque)
    _server: ThreadingHTTPServer | None = None

    def __enter__(self) -> RecordedGoogle:
        self._queue = deque(self.script)
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                status, body = owner._answer(self.command, self.path, raw)
                data = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def client(self) -> gspread.Client:
        client = gspread.Client(auth=Credentials(token="recorded"), http_client=PacedHTTPClient)
        http = client.http_client
        assert isinstance(http, PacedHTTPClient)
        http.configure(per_minute=10_000, max_retries=0, backoff_seconds=0.0)
        redirect(http.session, self.base_url)
        return client

    @property
    def unanswered(self) -> list[Answer]:
        return list(self._queue)

    def _answer(self, method: str, raw_path: str, raw: bytes) -> tuple[int, Any]:
        parts = urlsplit(raw_path)
        api = api_of(method, parts.path)
        body = json.loads(raw) if raw else None
        self.sent.append(Sent(api, method, unquote(parts.path), parse_qs(parts.query), body))
        if not self._queue or self._queue[0].api != api:
            expected = self._queue[0].api if self._queue else "nothing"
            return 599, {"error": {"code": 599, "message": f"recorded script expected {expected}, got {api}"}}
        answer = self._queue.popleft()
        return answer.status, answer.body
