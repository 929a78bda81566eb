"""Reading a workspace as another local account would: what it can open, and whether a code is in there.

Run as root (here and in CI), the reader is a forked child that became `nobody`:
the kernel decides what it can open. Run as anyone else, the child cannot change
its uid, so it judges by the mode bits instead: a file counts as readable by
another account when every folder down to it lets group or other through and the
file lets group or other read. Both read every file they can and look for the
code in its bytes, inside zip members (an .xlsx) and inside decoded MIME parts
(an .eml's body is base64).
"""

from __future__ import annotations

import email
import email.policy
import io
import json
import os
import pwd
import stat
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from approvals_helpers import cell, sign

from processors.kinds import known_kinds
from processors.passes import run_pass

OTHER = "nobody"
GROUP_OR_OTHER_READ = stat.S_IRGRP | stat.S_IROTH
GROUP_OR_OTHER_PASS = stat.S_IXGRP | stat.S_IXOTH


def can_become_other() -> bool:
    return os.geteuid() == 0


def other_ids() -> tuple[int, int]:
    pw = pwd.getpwnam(OTHER)
    return pw.pw_uid, pw.pw_gid


def as_other_account(fn: Callable[[], Any]) -> Any:
    """fn() in a forked child that is another account (root: nobody); its result comes back as JSON."""
    known_kinds()   # the plugins imported here: the other account may not read this machine's Python (under /root)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:                                    # the child: never back into pytest
        try:
            os.close(read_end)
            if can_become_other():
                uid, gid = other_ids()
                os.setgroups([])
                os.setgid(gid)
                os.setuid(uid)
            payload = {"ok": fn()}
        except BaseException as exc:   # whatever it was, the parent must hear of it
            payload = {"error": f"{type(exc).__name__}: {exc}"}
        with os.fdopen(write_end, "w") as fh:
            fh.write(json.dumps(payload))
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as fh:
        data = fh.read()
    os.waitpid(pid, 0)
    got = json.loads(data)
    assert "error" not in got, got.get("error")
    return got["ok"]


def _views(data: bytes) -> list[bytes]:
    """The bytes as stored, and as a reader would decode them: zip members, MIME parts."""
    out = [data]
    if data[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                out += [zf.read(name) for name in zf.namelist()]
        except zipfile.BadZipFile:
            pass
    if b"Message-ID:" in data[:4000] or b"MIME-Version:" in data[:4000]:
        msg = email.message_from_bytes(data, policy=email.policy.default)
        out += [p for p in (part.get_payload(decode=True) for part in msg.walk()) if isinstance(p, bytes)]
    return out


def _open_to_others(root: Path, path: Path) -> bool:
    """By the mode bits alone: every folder from the workspace down lets others through, the file lets them read."""
    rel = path.relative_to(root)
    folders = [root.joinpath(*rel.parts[:i]) for i in range(len(rel.parts))]   # root, root/a, … (not the file)
    if any(not os.stat(f).st_mode & GROUP_OR_OTHER_PASS for f in folders):
        return False
    return bool(os.stat(path).st_mode & GROUP_OR_OTHER_READ)


def read_everything(root: Path, needle: str, *, by_modes: bool) -> dict[str, list[str]]:
    """Walk the workspace, open every file this account can (by_modes: that another account could), and say
    which were read and in which the needle was found."""
    readable: list[str] = []
    found: list[str] = []
    for folder, _dirs, files in os.walk(root):      # a folder it cannot open is skipped, as `find` would
        for name in files:
            path = Path(folder) / name
            if by_modes and not _open_to_others(root, path):
                continue
            try:
                data = path.read_bytes()
            except OSError:
                continue
            rel = str(path.relative_to(root))
            readable.append(rel)
            if any(needle.encode() in view for view in _views(data)):
                found.append(rel)
    return {"readable": sorted(readable), "found": sorted(found)}


def old_code_voided_fresh_one_signs(ws: Any, book: Any, old: str, fresh: str) -> None:
    """A replaced code no longer signs (the row says it was voided, the typing stays); the fresh one does."""
    sign(book, 2, "dept_head", f"同意 {old}")
    run_pass(ws)
    assert "该验证码已作废" in book.cell(2, "message") and cell(book, 2, "dept_head") == f"同意 {old}"
    sign(book, 2, "dept_head", f"同意 {fresh}")
    run_pass(ws)
    assert cell(book, 2, "dept_head") == "✔ 王芳 2026-11-29 10:32"
