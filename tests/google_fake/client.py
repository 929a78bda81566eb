"""Client wiring: a real gspread.Client whose requests for Google reach the fake instead."""

from __future__ import annotations

from typing import TYPE_CHECKING

import gspread
from google.oauth2.credentials import Credentials
from gspread.http_client import HTTPClient

from processors.sheets.google.endpoint import redirect as redirect_session

from .constants import TOKEN

if TYPE_CHECKING:
    from .server import FakeGoogle


def redirect(client: gspread.Client, fake: FakeGoogle) -> gspread.Client:
    """Point an existing gspread.Client (e.g. from gspread.service_account) at `fake`; returns it for chaining.

    Only Google's API hosts are rewritten.  google-auth posts token requests straight to the key file's
    token_uri (the fake's 127.0.0.1 address) on a session of its own, which this does not reach: with a proxy
    in the environment, 127.0.0.1 must be in NO_PROXY for that request.
    """
    redirect_session(client.http_client.session, fake.base_url)  # the backend's own adapter, as production mounts it
    return client


def client_for(fake: FakeGoogle, http_client: type[HTTPClient] = HTTPClient) -> gspread.Client:
    """A real gspread.Client whose session's transport is pointed at `fake`; credentials never refresh."""
    creds = Credentials(token=TOKEN)          # no refresh token, no expiry: valid, and never touches the network
    return redirect(gspread.Client(auth=creds, http_client=http_client), fake)
