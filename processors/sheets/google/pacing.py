"""gspread's HTTP client, paced under the Sheets quota and patient with 429 and 5xx answers.

Google allows 60 requests per minute per user; a watch loop that ignored that
would be locked out exactly when staff are busiest. Every request waits for a
slot in a sliding one-minute window, a 429 or 5xx (or a dropped connection) is
retried with exponential backoff plus jitter (honouring Retry-After), and each
request is counted by kind so a pass can report the quota it used.
"""

from __future__ import annotations

import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
from gspread.exceptions import APIError
from gspread.http_client import HTTPClient

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
WINDOW_SECONDS = 60.0
MAX_BACKOFF_SECONDS = 64.0


@dataclass
class QuotaUse:
    """Requests made, by what Google's quotas count them as."""

    sheets_read: int = 0
    sheets_write: int = 0
    drive: int = 0
    retries: int = 0
    waited_seconds: float = 0.0

    @property
    def sheets(self) -> int:
        return self.sheets_read + self.sheets_write

    def since(self, before: QuotaUse) -> QuotaUse:
        return QuotaUse(self.sheets_read - before.sheets_read, self.sheets_write - before.sheets_write,
                        self.drive - before.drive, self.retries - before.retries,
                        self.waited_seconds - before.waited_seconds)

    def copy(self) -> QuotaUse:
        return QuotaUse(self.sheets_read, self.sheets_write, self.drive, self.retries, self.waited_seconds)


class Pacer:
    """At most `per_minute` requests in any 60 seconds: a request that would exceed it waits for the oldest."""

    def __init__(self, per_minute: int, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute, self.sleep, self.clock = per_minute, sleep, clock
        self.sent: deque[float] = deque()

    def acquire(self) -> float:
        """Wait for a slot; returns the seconds waited."""
        waited = 0.0
        while True:
            now = self.clock()
            while self.sent and now - self.sent[0] >= WINDOW_SECONDS:
                self.sent.popleft()
            if len(self.sent) < self.per_minute:
                self.sent.append(now)
                return waited
            pause = WINDOW_SECONDS - (now - self.sent[0]) + 0.01
            self.sleep(pause)
            waited += pause

    def in_last_minute(self) -> int:
        now = self.clock()
        return sum(1 for t in self.sent if now - t < WINDOW_SECONDS)


def backoff_delay(attempt: int, base: float, retry_after: float | None = None,
                  rand: Callable[[], float] = random.random) -> float:
    """Google's recommended shape: base * 2**attempt plus up to one base of jitter, capped; Retry-After wins."""
    delay = min(MAX_BACKOFF_SECONDS, base * (2 ** attempt) + base * rand())
    return max(delay, retry_after or 0.0)


def request_kind(method: str, url: str) -> str:
    if "/drive/" in url:
        return "drive"
    if method.lower() == "get":
        return "sheets_read"
    return "sheets_write"


class PacedHTTPClient(HTTPClient):
    """Drop-in for gspread's HTTPClient (passed as http_client=, as gspread intends): gspread builds every request."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pacer = Pacer(60)
        self.max_retries = 6
        self.backoff_seconds = 1.0
        self.sleep: Callable[[float], None] = time.sleep
        self.use = QuotaUse()

    def configure(self, per_minute: int, max_retries: int, backoff_seconds: float,
                  sleep: Callable[[float], None] = time.sleep) -> None:
        self.pacer = Pacer(per_minute, sleep=sleep)
        self.max_retries, self.backoff_seconds, self.sleep = max_retries, backoff_seconds, sleep

    def request(self, method: str, endpoint: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kind = request_kind(method, endpoint)
        attempt = 0
        while True:
            self.use.waited_seconds += self.pacer.acquire()
            setattr(self.use, kind, getattr(self.use, kind) + 1)
            try:
                return super().request(method, endpoint, *args, **kwargs)
            except APIError as exc:
                status = exc.response.status_code
                if status not in RETRY_STATUS or attempt >= self.max_retries:
                    raise
                retry_after = _retry_after(exc.response)
            except (requests.ConnectionError, requests.Timeout):
                if attempt >= self.max_retries:
                    raise
                retry_after = None
            delay = backoff_delay(attempt, self.backoff_seconds, retry_after)
            self.use.retries += 1
            self.use.waited_seconds += delay
            self.sleep(delay)
            attempt += 1


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return float(value) if value else None
    except ValueError:
        return None
