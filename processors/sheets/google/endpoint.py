"""Send the Google API requests to another address: a private endpoint, a recording proxy, a local stand-in.

Set SHEETFLOW_GOOGLE_API_ENDPOINT=https://host:port and every request gspread
builds for sheets.googleapis.com or www.googleapis.com (Drive) goes there
instead, path and query untouched. The test suite points it at its fake server.

Every request there carries the service account's bearer token, and the token
request to the key's `token_uri` carries a signed assertion Google exchanges for
one: either, read on the way, lets whoever read it act as the service account on
every sheet shared with it. So both addresses must be https, or http to a
loopback address (a local stand-in, which nothing on the network can read);
anything else is refused before a request is made (`checked`).
"""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from ...errors import GoogleEndpointError

GOOGLE_HOSTS = ("https://sheets.googleapis.com", "https://www.googleapis.com")
ENDPOINT_ENV = "SHEETFLOW_GOOGLE_API_ENDPOINT"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def checked(url: str, what: str) -> str:
    """`url` if a token sent there cannot be read on the way; else a GoogleEndpointError saying what to do."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - a port that is not a number raises here, not at the first request
    except ValueError:
        parts, host = urlsplit(""), ""
    if host and not parts.username and not parts.password and (
            parts.scheme == "https" or (parts.scheme == "http" and is_loopback(host))):
        return url.strip()
    raise GoogleEndpointError(
        f"{what} = {url!r}：令牌只能通过 https 发送（测试时可用 http://127.0.0.1 等本机地址），"
        f"请改为 https://… 地址或删除该设置 / {what} = {url!r}: the token is only sent over https (or over "
        "http to a loopback address such as http://127.0.0.1, for tests); use an https:// address or remove "
        "the setting")


class RedirectAdapter(HTTPAdapter):
    """Rewrites the scheme and host of a prepared request; gspread and google-auth built everything else."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = checked(base_url, ENDPOINT_ENV).rstrip("/")
        self.loopback = urlsplit(self.base_url).scheme == "http"

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        assert request.url is not None
        for host in GOOGLE_HOSTS:
            if request.url.startswith(host + "/"):
                request.url = self.base_url + request.url[len(host):]
                break
        if self.loopback:
            kwargs["proxies"] = {}  # a proxy from the environment must not swallow loopback
        return super().send(request, **kwargs)


def redirect(session: requests.Session, base_url: str) -> None:
    adapter = RedirectAdapter(base_url)
    for host in GOOGLE_HOSTS:
        session.mount(host + "/", adapter)
