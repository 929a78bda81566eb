"""Bringing a workspace back from a backup: checked first, the current state saved, nothing issued twice.

The order, and why:

1. The backup is verified (restored into a temporary folder, every sha256, the
   store's integrity and counts): a damaged or incomplete one is refused with
   what is wrong, and nothing has been touched.
2. The workspace must be still: no `watch` (it holds WATCH_LOCK for its whole
   life), no pass (the workspace lock) and no `mail send` (the mail lock). Each
   is taken without waiting, and held to the end, so none starts meanwhile.
3. A safety backup of everything as it is now (`backups/before-restore/`), so
   a restore is itself undone by restoring that.
4. The store is unpacked beside the live one, upgraded to this version's
   schema (an older backup stays usable), and given what the current store
   promised (processors/store/backup_merge.py: series, sent mail, issued
   documents); then the live store is checkpointed and the file replaced whole.
5. The sheets and output/ are put back file by file (each through a temporary
   file and a rename). A document in output/ that the store has as issued with
   exactly its current bytes stays as it is; documents issued after the backup
   stay in output/.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Config
from ..errors import BackupError, WorkspaceBusyError
from ..filemodes import MAIL_LOCK, WORKSPACE_LOCK, private_lock
from ..i18n import Translator
from ..store import Store
from ..store.backup_merge import Merged, checkpoint, merge_current, written_documents
from ..store.db import SCHEMA_VERSION
from ..watch_lock import WATCH_LOCK
from ..workspace import Workspace
from .manifest import FileEntry, Manifest, file_hash, problem
from .take import EVERYTHING, ORDER_DATA, BackupSet, generations, set_folder
from .verify import is_verified, unpack, verify
from .weekly import Taken, prune_generations, take_verified

#: the copy of the workspace taken just before a restore replaces it
BEFORE_RESTORE = BackupSet("before-restore", forms=None, outputs=True)
SETS = (EVERYTHING, ORDER_DATA, BEFORE_RESTORE)
_LANGUAGES = (Translator("zh"), Translator("en"))


class WorkspaceInUseError(WorkspaceBusyError):
    """watch, a pass or a mail delivery is running: a restore would pull the store from under it (exit 3)."""


class NoSuchBackupError(BackupError):
    """The named backup is not there (exit 2: a wrong command line)."""

    exit_code = 2


@dataclass
class Restored:
    """What a restore did, for its report."""

    folder: Path
    manifest: Manifest
    safety: Taken
    merged: Merged
    sheets: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)         # put back from the backup
    outputs_kept: list[str] = field(default_factory=list)    # the issued bytes already there, left as they are
    left: list[str] = field(default_factory=list)            # workbooks not in the backup, left as they are


def find_backup(cfg: Config, name: str) -> Path:
    """A backup folder from a path, a stamp (20261129-190000, or set/stamp) or "latest" (the newest verified
    full backup); NoSuchBackupError naming the sets looked in."""
    path = Path(name).expanduser()
    if path.is_dir():
        return path.resolve()
    if name == "latest":
        good = [p for _, p in generations(cfg, EVERYTHING) if is_verified(p)]
        if good:
            return good[-1]
    else:
        root = cfg.root / cfg.backup.folder
        for candidate in [root / name] if "/" in name else [set_folder(cfg, bset) / name for bset in SETS]:
            if candidate.is_dir() and candidate.name[:1] != ".":
                return candidate
    raise _error(NoSuchBackupError, "no_such_backup", name, where=str(cfg.root / cfg.backup.folder))


def _error(cls: type[BackupError], code: str, folder: str, **params: object) -> BackupError:
    text = " / ".join(t(f"backup.{code}", folder=folder, **params) for t in _LANGUAGES)
    return cls(text, code=code, folder=folder)


@contextmanager
def still_workspace(root: Path) -> Iterator[None]:
    """Hold the watch, workspace and mail locks exclusively for the restore, or refuse at once (exit 3)."""
    with ExitStack() as stack:
        for name, code in ((WATCH_LOCK, "restore_watch_running"), (WORKSPACE_LOCK, "restore_pass_running"),
                           (MAIL_LOCK, "restore_mail_running")):
            fh = stack.enter_context(private_lock(root / name))
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise WorkspaceInUseError(" / ".join(t(f"backup.{code}", root=str(root))
                                                     for t in _LANGUAGES)) from None
            stack.callback(fcntl.flock, fh, fcntl.LOCK_UN)
        yield


def restore(ws: Workspace, folder: Path, manifest: Manifest | None = None) -> Restored:
    """Restore the backup in `folder` (its manifest when the caller verified it just now) over the open
    workspace `ws`, whose locks the caller holds; `ws.store` is closed on return."""
    manifest = manifest or verify(folder)
    if manifest.schema_version > SCHEMA_VERSION:
        raise problem("newer_schema", folder, found=manifest.schema_version, supported=SCHEMA_VERSION)
    safety = take_verified(ws, BEFORE_RESTORE)
    prune_generations(ws.cfg, BEFORE_RESTORE, ws.cfg.backup.keep_full)
    cfg = ws.cfg
    out = Restored(folder=folder, manifest=manifest, safety=safety, merged=Merged())
    try:
        with tempfile.TemporaryDirectory(prefix=".sheetflow-restore-", dir=cfg.state_path.parent) as tmp:
            unpacked = unpack(folder, manifest, Path(tmp))
            ws.close()
            _put_back(ws, manifest, unpacked, out)
    except (OSError, sqlite3.Error) as exc:   # a full disk, a folder not ours: the safety backup says how back
        raise problem("restore_failed", folder, detail=f"{type(exc).__name__}: {exc}", safety=safety.folder) from exc
    restored = {_target(cfg, e) for e in manifest.files if e.part == "sheet"}
    out.left = [ws.rel(p) for _, p in ws.form_files() if p.is_file() and p not in restored]
    return out


def _put_back(ws: Workspace, manifest: Manifest, unpacked: dict[str, Path], out: Restored) -> None:
    cfg = ws.cfg
    if manifest.store is not None:
        out.merged = _put_store(cfg, unpacked[manifest.store.path])
    issued = written_documents(cfg.state_path) if cfg.state_path.is_file() else {}
    for entry in manifest.files:
        if entry.part == "sheet":
            out.sheets.append(_put_file(cfg, entry, unpacked[entry.path]))
        elif entry.part == "output":
            _put_output(ws, entry, unpacked[entry.path], issued, out)


def set_aside_store(cfg: Config, stamp: str) -> Path:
    """Move a store that SQLite cannot open out of the way (kept for a person to look at, never deleted), so the
    restore can go on; with it go its -wal and -shm."""
    aside = cfg.state_path.with_name(f"{cfg.state_path.name}.damaged-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{cfg.state_path}{suffix}")
        if source.exists():
            os.replace(source, Path(f"{aside}{suffix}"))
    return aside


def _put_store(cfg: Config, copy: Path) -> Merged:
    Store(copy).close()                 # an older backup's schema brought up to this version's
    merged = merge_current(copy, cfg.state_path)
    state = cfg.state_path
    if state.is_file():
        checkpoint(state)
    for suffix in ("-wal", "-shm"):     # a WAL left beside the new file would be replayed into it
        Path(f"{state}{suffix}").unlink(missing_ok=True)
    os.replace(copy, state)
    return merged


def _target(cfg: Config, entry: FileEntry) -> Path:
    top, rel = entry.path.split("/", 1)
    return (cfg.sheets_dir if top == "sheets" else cfg.output_dir) / rel


def _put_file(cfg: Config, entry: FileEntry, copy: Path) -> str:
    """Put one sheet or output file back through a temporary file and a rename. These are the shared part: the
    file keeps the mode the one it replaces had (or the umask's), never the backup's private 0600."""
    dest = _target(cfg, entry)
    dest.parent.mkdir(parents=True, exist_ok=True)
    mode = dest.stat().st_mode & 0o777 if dest.exists() else None
    temp = dest.with_name(f".sheetflow-restore-{os.getpid()}-{dest.name}")
    shutil.copyfile(copy, temp)
    if mode is not None:
        os.chmod(temp, mode)
    else:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)
    os.replace(temp, dest)
    return entry.source


def _put_output(ws: Workspace, entry: FileEntry, copy: Path, issued: dict[str, str], out: Restored) -> None:
    dest = _target(ws.cfg, entry)
    if dest.is_file():
        _, sha = file_hash(dest)
        if sha == entry.sha256:
            return
        if issued.get(ws.rel(dest)) == sha:   # the very bytes the store has as issued (and mailed): left as they are
            out.outputs_kept.append(entry.source)
            return
    out.outputs.append(_put_file(ws.cfg, entry, copy))
