"""One-time sign-off codes: short enough to type, stored only as salted scrypt hashes.

Six characters from an alphabet without look-alikes (no 0/O, 1/I/L) give 31**6,
about 887 million codes; scrypt makes a stolen database expensive to search, and
a step's codes are voided after a few wrong tries, so guessing in the sheet fails.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 6


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize(text: str) -> str:
    """What people type: full-width letters, lower case, spaces or a dash in the middle."""
    return "".join(unicodedata.normalize("NFKC", text).upper().replace("-", "").split())


def looks_like_code(text: str) -> bool:
    code = normalize(text)
    return len(code) == LENGTH and all(ch in ALPHABET for ch in code)


def hash_code(code: str, salt: bytes) -> bytes:
    return hashlib.scrypt(normalize(code).encode(), salt=salt, n=2**12, r=8, p=1, dklen=32)


def new_hash(code: str) -> tuple[bytes, bytes]:
    salt = secrets.token_bytes(16)
    return salt, hash_code(code, salt)


def matches(code: str, salt: bytes, digest: bytes) -> bool:
    return hmac.compare_digest(hash_code(code, salt), digest)
