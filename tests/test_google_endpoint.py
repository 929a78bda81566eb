"""The service account's token travels only over https, or over http to this machine (issue 11).

Everything sent to SHEETFLOW_GOOGLE_API_ENDPOINT carries the bearer token; what is sent to the
key's token_uri carries the signed assertion Google trades for one. The wire tests use the fake
Google on 127.0.0.1 reached as http://0.0.0.0:port, an address that is not loopback by name but
that Linux delivers to the local server: had sheetflow sent anything there, the fake would have
counted it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from backends import cli_google_workspace
from conftest import run_cli
from google_fake import FakeGoogle

from processors.errors import GoogleEndpointError
from processors.sheets.google.endpoint import checked

ENDPOINTS = [  # SHEETFLOW_GOOGLE_API_ENDPOINT → accepted
    ("https://sheets.example.com", True),
    ("https://10.1.2.3:8443/", True),
    ("http://127.0.0.1:8080", True),
    ("http://127.8.9.10:1", True),            # all of 127/8 is loopback
    ("http://localhost:9000", True),
    ("http://[::1]:9000", True),
    ("  https://proxy.corp.example  ", True),  # a space pasted around it
    ("http://sheets.example.com", False),
    ("http://10.0.0.5:8080", False),
    ("http://0.0.0.0:8080", False),            # reaches this machine on Linux, but is no loopback address
    ("http://localhost.evil.example", False),  # looks like localhost, is not
    ("http://127.0.0.1.evil.example", False),
    ("https://user:secret@proxy.example", False),  # a password in the address ends up in logs
    ("ftp://127.0.0.1", False),
    ("127.0.0.1:8080", False),                 # no scheme
    ("https://", False),
    ("https://host:notaport", False),
    ("", False),
]


@pytest.mark.parametrize(("url", "accepted"), ENDPOINTS)
def test_only_https_or_loopback_http_is_accepted(url: str, accepted: bool) -> None:
    if accepted:
        assert checked(url, "SHEETFLOW_GOOGLE_API_ENDPOINT") == url.strip()
    else:
        with pytest.raises(GoogleEndpointError) as caught:
            checked(url, "SHEETFLOW_GOOGLE_API_ENDPOINT")
        text = str(caught.value)
        assert "SHEETFLOW_GOOGLE_API_ENDPOINT" in text and "https" in text and "令牌只能通过 https" in text


def not_loopback(url: str) -> str:
    return url.replace("127.0.0.1", "0.0.0.0")


def test_an_http_endpoint_off_this_machine_is_refused_before_any_request(tmp_path: Path,
                                                                        fake_google: FakeGoogle) -> None:
    root, key, _ = cli_google_workspace(tmp_path, fake_google)
    env = {"SHEETFLOW_GOOGLE_CREDENTIALS": str(key), "NO_PROXY": "*", "no_proxy": "*"}
    mark = fake_google.mark()
    refused = run_cli("setup", "-w", str(root), env={**env, "SHEETFLOW_GOOGLE_API_ENDPOINT":
                                                   not_loopback(fake_google.base_url)})
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "https" in refused.stderr and "SHEETFLOW_GOOGLE_API_ENDPOINT" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert fake_google.requests_since(mark) == {}               # neither the token request nor a Sheets call
    works = run_cli("setup", "-w", str(root), env={**env, "SHEETFLOW_GOOGLE_API_ENDPOINT": fake_google.base_url})
    assert works.returncode == 0, works.stderr                  # the same workspace, over loopback: it is set up
    assert fake_google.requests_since(mark)[("POST", "oauth.token")] == 1


def test_a_key_whose_token_uri_is_plain_http_off_this_machine_is_refused(tmp_path: Path,
                                                                       fake_google: FakeGoogle) -> None:
    root, key, _ = cli_google_workspace(tmp_path, fake_google)
    info = json.loads(key.read_text(encoding="utf-8"))
    info["token_uri"] = not_loopback(info["token_uri"])
    key.write_text(json.dumps(info), encoding="utf-8")
    mark = fake_google.mark()
    refused = run_cli("run", "-w", str(root), env={"SHEETFLOW_GOOGLE_CREDENTIALS": str(key), "NO_PROXY": "*",
                                                   "SHEETFLOW_GOOGLE_API_ENDPOINT": fake_google.base_url})
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "key.json: token_uri" in refused.stderr and "https" in refused.stderr
    assert fake_google.requests_since(mark) == {}
