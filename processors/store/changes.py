"""A cheap fingerprint of some forms' records, so a kind re-reads its rows only when what they depend on moved.

It lives in the store, below every form family, because order and lease kinds
both use it and neither may import the other.
"""

from __future__ import annotations

import hashlib

from .db import Store


def digest(store: Store, *forms: str, states: tuple[str, ...] | None = None) -> str:
    """Changes whenever a record of these forms (in these states) comes, goes or changes state or content.

    ~1 ms per 1,000 records. Narrow it with `states` to what the caller depends on, so a new request
    waiting for its first signature does not make every plan row be read again (a Sheets read on Google).
    """
    h = hashlib.blake2b(digest_size=12)
    where = f" AND state IN ({','.join('?' * len(states))})" if states else ""   # the (form, state) index
    for form in forms:
        for key, state, content in store.conn.execute(
                f"SELECT key, state, content_hash FROM records WHERE form = ?{where} ORDER BY id",
                (form, *(states or ()))):
            h.update(f"{key}\x1f{state}\x1f{content}\x1e".encode())
    return h.hexdigest()
