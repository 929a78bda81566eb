"""Send the Google API requests to another address: a private endpoint, a recording proxy, a local stand-in.

Set SHEETFLOW_GOOGLE_API_ENDPOINT=https://host:port and every request gspread
builds for sheets.googleapis.com or www.googleapis.com (Drive) goes there
instead, path and query untouched. The test suite points it at its fake server.
"""

from __future__ import annotations

from typing import Any

import requests
from requests.adapters import HTTPAdapter

GOOGLE_HOSTS = ("https://sheets.googleapis.com", "https://www.googleapis.com")
ENDPOINT_ENV = "SHEETFLOW_GOOGLE_API_ENDPOINT"


class RedirectAdapter(HTTPAdapter):
    """Rewrites the scheme and host of a prepared request; gspread and google-auth built everything else."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/")

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        assert request.url is not None
        for host in GOOGLE_HOSTS:
            if request.url.startswith(host + "/"):
                request.url = self.base_url + request.url[len(host):]
                break
        if self.base_url.startswith(("http://127.", "http://localhost")):
            kwargs["proxies"] = {}  # a proxy from the environment must not swallow loopback
        return super().send(request, **kwargs)


def redirect(session: requests.Session, base_url: str) -> None:
    adapter = RedirectAdapter(base_url)
    for host in GOOGLE_HOSTS:
        session.mount(host + "/", adapter)
