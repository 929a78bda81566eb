"""Open gspread's client from a service-account key whose path the environment names.

The key is a secret: it must live outside the workspace (which is shared and
often backed up or committed), so a path inside it is refused.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import gspread

from ...config import Config
from ...errors import GoogleCredentialsError
from .endpoint import ENDPOINT_ENV, checked, redirect
from .pacing import PacedHTTPClient

FALLBACK_ENV = "GOOGLE_APPLICATION_CREDENTIALS"


def key_path(cfg: Config) -> Path:
    env = cfg.google.credentials_env
    raw = os.environ.get(env) or os.environ.get(FALLBACK_ENV)
    if not raw:
        raise GoogleCredentialsError(
            f"未设置 Google 服务账号密钥：请把密钥文件放在工作区之外，并设置环境变量 {env}=/path/to/key.json / "
            f"no Google service-account key: keep the key file outside the workspace and set {env}=/path/to/key.json")
    path = Path(raw).expanduser()
    if not path.is_file():
        raise GoogleCredentialsError(f"{env}={raw}: 文件不存在 / no such file")
    if path.resolve().is_relative_to(cfg.root):
        raise GoogleCredentialsError(
            f"{path}: 密钥文件不能放在工作区内，请移到工作区之外 / the key file must not be inside the workspace; "
            "move it out")
    return path


def open_client(cfg: Config) -> gspread.Client:
    path = key_path(cfg)
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        if info.get("type") != "service_account":
            raise ValueError("type is not service_account")
        checked(str(info.get("token_uri") or "https://oauth2.googleapis.com/token"), f"{path.name}: token_uri")
        client = gspread.service_account_from_dict(info, http_client=PacedHTTPClient)
    except (OSError, ValueError, KeyError) as exc:
        raise GoogleCredentialsError(
            f"{path}: 不是有效的服务账号密钥 JSON / not a service-account key JSON file ({exc})") from None
    http = client.http_client
    assert isinstance(http, PacedHTTPClient)
    g = cfg.google
    http.configure(g.requests_per_minute, g.max_retries, g.backoff_seconds)
    endpoint = os.environ.get(ENDPOINT_ENV)
    if endpoint:
        redirect(http.session, endpoint)
    return client


def account_email(client: gspread.Client) -> str:
    return str(getattr(client.http_client.auth, "service_account_email", "") or "")
