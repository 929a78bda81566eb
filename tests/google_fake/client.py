"""Client wiring: a real gspread.Client whose requests for Google reach the fake instead."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import gspread
import requests
from google.oauth2.credentials import Credentials
from gspread.http_client import HTTPClient
from requests.adapters import HTTPAdapter

from .constants import GOOGLE_HOSTS, TOKEN

if TYPE_CHECKING:
    from .server import FakeGoogle


class RedirectAdapter(HTTPAdapter):
    """Sends requests meant for Google to the fake, after gspread and google-auth have built them untouched."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        assert request.url is not None
        for host in GOOGLE_HOSTS:
            if request.url.startswith(host + "/"):
                request.url = self.base_url + request.url[len(host):]
                break
        kwargs["proxies"] = {}        # a proxy from the environment must not swallow 127.0.0.1
        return super().send(request, **kwargs)


def client_for(fake: FakeGoogle, http_client: type[HTTPClient] = HTTPClient) -> gspread.Client:
    """A real gspread.Client whose session's transport is pointed at `fake`; credentials never refresh."""
    creds = Credentials(token=TOKEN)          # no refresh token, no expiry: valid, and never touches the network
    client = gspread.Client(auth=creds, http_client=http_client)
    adapter = RedirectAdapter(fake.base_url)
    for host in GOOGLE_HOSTS:
        client.http_client.session.mount(host + "/", adapter)
    return client
