"""The OAuth2 token endpoint and service-account key files, so google-auth's real JWT-bearer flow runs end to end.

``client_for`` skips authentication with a fixed token; a backend that is handed a key file instead goes through
``gspread.service_account`` -> google-auth signs a JWT with the key -> POST token_uri -> Bearer token.  Keys are
made fresh per file and verified here, so a test proves the whole chain, not just that some request arrived.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .constants import GOOGLE_TOKEN_URI, JWT_GRANT, TOKEN, USER_EMAIL

if TYPE_CHECKING:
    from .server import FakeGoogle

TOKEN_PATH = "/token"
TOKEN_LIFETIME = 3600
CLOCK_SKEW = 300        # seconds of iat/exp slack, as Google allows some
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_BAD_TIME = ("Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. "
             "Check your iat and exp values in the JWT claim.")


class OAuthError(Exception):
    """A token-endpoint failure, answered in OAuth2's shape ({"error", "error_description"}), not Google APIs'."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


def write_service_account_file(fake: FakeGoogle, path: Path, project_id: str = "sheetflow-test") -> Path:
    """Write a service-account key JSON for USER_EMAIL whose token_uri is the fake, and remember its public key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    with fake._lock:
        fake._next_key += 1
        key_id = f"{fake._next_key:040x}"
        fake._sa_keys[key_id] = (USER_EMAIL, key.public_key())
    info = {
        "type": "service_account",
        "project_id": project_id,
        "private_key_id": key_id,
        "private_key": pem,
        "client_email": USER_EMAIL,
        "client_id": str(100_000_000_000_000_000_000 + fake._next_key),
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": fake.base_url + TOKEN_PATH,
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": f"https://www.googleapis.com/robot/v1/metadata/x509/{USER_EMAIL.replace('@', '%40')}",
        "universe_domain": "googleapis.com",
    }
    path.write_text(json.dumps(info, indent=2), encoding="utf-8")
    return path


def token_endpoint(fake: FakeGoogle, form: Any) -> tuple[int, dict[str, Any]]:
    """POST /token with a form body: (status, JSON answer).  Only the JWT-bearer grant is implemented."""
    try:
        if not isinstance(form, dict):
            raise OAuthError("invalid_request", "The request body must be a form or a JSON object.")
        grant = _param(form, "grant_type")
        if grant != JWT_GRANT:
            raise OAuthError("unsupported_grant_type", f"Invalid grant_type: {grant}")
        assertion = _param(form, "assertion")
        if not assertion:
            raise OAuthError("invalid_request", "Missing required parameter: assertion")
        _check_assertion(fake, assertion)
    except OAuthError as e:
        return 400, e.body()
    return 200, {"access_token": TOKEN, "expires_in": TOKEN_LIFETIME, "token_type": "Bearer"}


def _param(form: dict[str, Any], name: str) -> str:
    """One parameter from a parsed form (lists of strings) or a JSON body (plain values), both of which Google takes."""
    value = form.get(name, "")
    if isinstance(value, list):
        value = value[0] if value else ""
    return value if isinstance(value, str) else ""


def _b64json(part: str) -> dict[str, Any]:
    try:
        decoded = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (ValueError, binascii.Error) as e:
        raise OAuthError("invalid_grant", "Invalid JWT: not a JSON Web Token.") from e
    if not isinstance(decoded, dict):
        raise OAuthError("invalid_grant", "Invalid JWT: not a JSON Web Token.")
    return decoded


def _check_assertion(fake: FakeGoogle, assertion: str) -> None:
    """What Google checks of a service account's JWT: shape, issuer, audience, lifetime, and the signature."""
    parts = assertion.split(".")
    if len(parts) != 3:
        raise OAuthError("invalid_grant", "Invalid JWT: not a JSON Web Token.")
    header, claims = _b64json(parts[0]), _b64json(parts[1])
    if header.get("alg") != "RS256":
        raise OAuthError("invalid_grant", f"Invalid JWT: unsupported alg {header.get('alg')!r}.")
    iss = claims.get("iss")
    if not isinstance(iss, str) or not _EMAIL.fullmatch(iss):
        raise OAuthError("invalid_grant", "Invalid JWT: iss must be the service account's email.")
    # google-auth signs Google's own token URI as aud even when token_uri points elsewhere; accept the fake's too
    if claims.get("aud") not in (GOOGLE_TOKEN_URI, fake.base_url + TOKEN_PATH):
        raise OAuthError("invalid_grant", "Invalid JWT: Failed audience check.")
    iat, exp, now = claims.get("iat"), claims.get("exp"), time.time()
    if (not isinstance(iat, int) or not isinstance(exp, int) or exp <= iat or exp - iat > TOKEN_LIFETIME
            or iat > now + CLOCK_SKEW or exp < now - CLOCK_SKEW):
        raise OAuthError("invalid_grant", _BAD_TIME)
    with fake._lock:
        known = fake._sa_keys.get(str(header.get("kid")))
    if known is None or known[0] != iss:
        raise OAuthError("invalid_grant", "Invalid JWT Signature.")
    try:
        signature = base64.urlsafe_b64decode(parts[2] + "=" * (-len(parts[2]) % 4))
        known[1].verify(signature, f"{parts[0]}.{parts[1]}".encode(), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError, binascii.Error) as e:
        raise OAuthError("invalid_grant", "Invalid JWT Signature.") from e
