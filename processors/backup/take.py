"""Taking a backup: a backup set says which parts go in; each backup is one dated folder with a manifest.

Layout, in the workspace's private part (`[backup] folder`, "backups" by default):

    backups/<set>/<YYYYMMDD-HHMMSS>/manifest.json
                                   store/sheetflow.db        SQLite online backup, one file, 0600
                                   sheets/<workbook>.xlsx    plain copies (not databases)
                                   output/<document>.pdf     (sets with outputs)

A backup is built in a hidden `.partial-…` folder beside it and renamed into
place once its manifest is written: a folder with a date for a name is always a
whole backup. Nothing here takes the workspace lock: the store is read through
its own snapshot, so a backup is safe while `watch` runs.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from ..config import Config
from ..errors import BackupError
from ..filemodes import PRIVATE_DIR, loose, mode_of
from ..store.snapshot import copy_store
from ..workspace import Workspace
from .manifest import FileEntry, Manifest, copy_private, file_hash, private_dirs, problem

STAMP = "%Y%m%d-%H%M%S"
PARTIAL = ".partial-"
#: the sales forms whose data the daily backup keeps (C3); a workspace without one of them just has less to copy
ORDER_FORMS = ("customer_order", "sales_contract", "contract_movement", "feedback")


@dataclass(frozen=True)
class BackupSet:
    """Which parts of a workspace one backup holds, and the name its generations are kept under.

    forms: the form ids whose workbooks are copied (None: every form's); store: the whole store (it holds every
    record, so the order data with the rest); outputs: the issued documents and generated workbooks.
    """

    name: str
    store: bool = True
    forms: tuple[str, ...] | None = ()
    outputs: bool = False


#: the daily backup of order data (C3): the store and the sales forms' workbooks
ORDER_DATA = BackupSet("orders", forms=ORDER_FORMS)
#: everything a workspace holds besides its config: the weekly backup the admin issue schedules
EVERYTHING = BackupSet("full", forms=None, outputs=True)


def backups_root(cfg: Config) -> Path:
    return cfg.root / cfg.backup.folder


def set_folder(cfg: Config, bset: BackupSet) -> Path:
    return backups_root(cfg) / bset.name


def generations(cfg: Config, bset: BackupSet) -> list[tuple[dt.datetime, Path]]:
    """The set's finished backups, oldest first, with the local time each was taken (from its name)."""
    folder = set_folder(cfg, bset)
    if not folder.is_dir():
        return []
    out = []
    for path in folder.iterdir():
        when = stamp_time(path.name)
        if when is not None and path.is_dir():
            out.append((when, path))
    return sorted(out)


def stamp_time(name: str) -> dt.datetime | None:
    """The time in a backup folder's name (20261129-180000, or 20261129-180000-2 for a second in one second)."""
    try:
        return dt.datetime.strptime(name[:15], STAMP)
    except ValueError:
        return None


def take_backup(ws: Workspace, bset: BackupSet) -> Path:
    """Make one backup of `bset` and return its folder; a BackupError (zh + en) when it cannot be made, and
    then nothing half-made is left under a dated name."""
    cfg = ws.cfg
    now = ws.clock.now()
    try:
        parent = _private_parent(cfg, bset)
        partial = parent / f"{PARTIAL}{now.strftime(STAMP)}-{os.getpid()}"
        shutil.rmtree(partial, ignore_errors=True)
        private_dirs(partial, parent)
    except OSError as exc:
        raise problem("cannot_write", backups_root(cfg), detail=_why(exc)) from exc
    try:
        manifest = Manifest(set=bset.name, at=now.isoformat(timespec="seconds"), workspace=str(cfg.root),
                            parts={"store": bset.store, "forms": list(bset.forms) if bset.forms is not None
                                   else None, "outputs": bset.outputs})
        if bset.store:
            _add_store(ws, partial, manifest)
        for form_id, path in _workbooks(ws, bset):
            _add_file(ws, partial, manifest, path, Path("sheets") / _under(path, cfg.sheets_dir), "sheet", form_id)
        if bset.outputs and cfg.output_dir.is_dir():
            for path in sorted(p for p in cfg.output_dir.rglob("*") if p.is_file()):
                _add_file(ws, partial, manifest, path, Path("output") / path.relative_to(cfg.output_dir), "output")
        manifest.write(partial)
        final = _free_name(parent, now.strftime(STAMP))
        os.replace(partial, final)
    except BackupError:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    except (OSError, sqlite3.Error) as exc:
        shutil.rmtree(partial, ignore_errors=True)
        raise problem("cannot_write", partial.parent, detail=_why(exc)) from exc
    return final


def _private_parent(cfg: Config, bset: BackupSet) -> Path:
    """The set's folder, made private; a backups folder found open to others is closed first (it would show the
    codes in every store copy; the start-up check does the same, this covers one made while watch runs)."""
    root = backups_root(cfg)
    if root.exists() and not root.is_dir():
        raise problem("not_a_folder", root)
    private_dirs(root, cfg.root)
    if loose(mode_of(root)):
        os.chmod(root, PRIVATE_DIR)
    parent = set_folder(cfg, bset)
    private_dirs(parent, root)
    return parent


def _add_store(ws: Workspace, partial: Path, manifest: Manifest) -> None:
    state = ws.cfg.state_path
    rel = Path("store") / state.name
    private_dirs(partial / "store", partial)
    counts = copy_store(state, partial / rel)
    size, sha = file_hash(partial / rel)
    manifest.files.append(FileEntry(path=rel.as_posix(), part="store", source=ws.rel(state), size=size, sha256=sha))
    manifest.records, manifest.tables, manifest.schema_version = counts.records, counts.tables, counts.schema_version


def _add_file(ws: Workspace, partial: Path, manifest: Manifest, source: Path, rel: Path, part: str,
              form: str = "") -> None:
    try:
        size, sha = copy_private(source, partial / rel)
    except FileNotFoundError:
        return   # removed between the listing and the copy (a generated file rewritten): not part of this backup
    manifest.files.append(FileEntry(path=rel.as_posix(), part=part, source=ws.rel(source), size=size, sha256=sha,
                                    form=form))


def _workbooks(ws: Workspace, bset: BackupSet) -> list[tuple[str, Path]]:
    """(form id, workbook) of the set's forms that exist in this workspace and have a local workbook (a Google
    workspace has none: its sheets are in Google's keeping)."""
    ids = list(ws.forms) if bset.forms is None else [f for f in bset.forms if f in ws.forms]
    seen: set[Path] = set()
    out = []
    for form_id in ids:
        for path in ws.files_of(ws.forms[form_id]):
            if path.is_file() and path.resolve() not in seen:   # forms sharing a workbook: copied once
                seen.add(path.resolve())
                out.append((form_id, path))
    return out


def _under(path: Path, folder: Path) -> Path:
    try:
        return path.relative_to(folder)
    except ValueError:
        return Path(path.name)


def _free_name(parent: Path, stamp: str) -> Path:
    final, n = parent / stamp, 1
    while final.exists():
        n += 1
        final = parent / f"{stamp}-{n}"
    return final


def _why(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"
