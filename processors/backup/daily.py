"""The daily backup of order data (C3): taken by the first pass at or after `[backup] order_data_at`, once a day.

Why "at or after" and a note in the store rather than a timer: a `watch`
running at 18:00 takes it on its next pass, and a `run` from cron at 19:00
takes it as well when none was made; the store's note (`backup:orders:last`)
makes it once a day whichever process comes first. A backup that fails (a full
disk, the folder taken by a file) raises: the pass records it as a fault and
goes on with its other work, the note stays unwritten, so the next pass tries
again. A backup that does not read back whole is removed, since it is no backup.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from pathlib import Path

from ..config import Config
from ..engine.rows import display_time
from ..errors import BackupError
from ..guard import describe
from ..workspace import Workspace
from .take import ORDER_DATA, PARTIAL, BackupSet, generations, set_folder, stamp_time, take_backup
from .verify import is_verified, mark_verified, verify
from .weekly import full_status_lines, next_full_backup
from .weekly import note as _note
from .weekly import set_note as _set

log = logging.getLogger("sheetflow")
#: store meta keys: the last good order-data backup, and the last failure since (empty once one succeeds)
LAST = "backup:orders:last"
PROBLEM = "backup:orders:problem"


def is_due(ws: Workspace) -> bool:
    """Today's order-data backup time has come and no backup was made today."""
    now = ws.clock.now()
    if now.time() < ws.cfg.backup.order_data_at:
        return False
    return _note(ws, LAST).get("day") != now.date().isoformat()


def next_backup(ws: Workspace) -> dt.datetime:
    """When the next backup falls due: today's order_data_at until it is made, then tomorrow's, or the weekly
    full backup's moment when that comes first (what `watch` wakes for, so each copy is taken at its time
    rather than at the next tick)."""
    now = ws.clock.now()
    day = now.date()
    if _note(ws, LAST).get("day") == day.isoformat():
        day += dt.timedelta(days=1)
    return min(dt.datetime.combine(day, ws.cfg.backup.order_data_at, now.tzinfo), next_full_backup(ws))


def daily_backup_due(ws: Workspace) -> Path | None:
    """Take, verify and note today's order-data backup when it is due, then prune: its folder, or None when not
    due. Raises BackupError (zh + en) when it could not be made or did not read back."""
    if not is_due(ws):
        return None
    now = ws.clock.now()
    try:
        folder = take_backup(ws, ORDER_DATA)
        try:
            manifest = verify(folder)
        except BackupError:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        mark_verified(folder, now)
    except Exception as exc:
        _set(ws, PROBLEM, {"at": now.isoformat(timespec="seconds"), "error": describe(exc)})
        raise
    note = {"at": manifest.at, "day": now.date().isoformat(), "folder": ws.rel(folder),
            "records": sum(manifest.records.values()), "files": len(manifest.files)}
    _set(ws, LAST, note)
    _set(ws, PROBLEM, {})
    log.info(ws.t("backup.log_done", folder=note["folder"], records=note["records"], files=note["files"]))
    for gone in prune(ws.cfg, ORDER_DATA, ws.cfg.backup.keep_days, now.date()):
        log.info(ws.t("backup.log_pruned", folder=ws.rel(gone)))
    return folder


def prune(cfg: Config, bset: BackupSet, keep_days: int, today: dt.date) -> list[Path]:
    """Remove the set's backups older than `keep_days` days, but never the newest verified one (were every
    recent backup failing, the last good one is all there is); and half-made folders left from an earlier day
    (a crash mid-backup). The folders removed, oldest first; one that cannot be removed is logged and left."""
    found = generations(cfg, bset)
    good = [path for _, path in found if is_verified(path)]
    newest_good = good[-1] if good else None
    old = [path for when, path in found if (today - when.date()).days > keep_days and path != newest_good]
    folder = set_folder(cfg, bset)
    for path in sorted(folder.glob(f"{PARTIAL}*")) if folder.is_dir() else []:
        when = stamp_time(path.name[len(PARTIAL):])
        if when is not None and when.date() < today - dt.timedelta(days=1):
            old.append(path)
    removed = []
    for path in old:
        try:
            shutil.rmtree(path)
        except OSError as exc:
            log.warning("backup: %s: %s", path, exc)
            continue
        removed.append(path)
    return removed


def status_lines(ws: Workspace) -> list[str]:
    """What `status` says: the last order-data backup (when, where, checked), a failure since, or none yet."""
    t = ws.t
    at = ws.cfg.backup.order_data_at.strftime("%H:%M")
    last, trouble = _note(ws, LAST), _note(ws, PROBLEM)
    out = [f"== {t('backup.status_title')} =="]
    if last:
        out.append(t("backup.status_last", at=display_time(last.get("at", "")), folder=last.get("folder", ""),
                     records=last.get("records", 0), files=last.get("files", 0)))
    if trouble:
        out.append(t("backup.status_problem", at=display_time(trouble.get("at", "")), error=trouble.get("error", "")))
    if is_due(ws):
        out.append(t("backup.status_due" if last else "backup.status_none_due", at=at))
    elif not last:
        out.append(t("backup.status_none", at=at))
    return out + full_status_lines(ws)

