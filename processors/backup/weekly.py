"""The weekly backup of everything (A4): the store, every sheet and output/, once a week at `[backup] full_at`.

Why "the last scheduled moment is later than the last full backup" rather than
"it is that day and that hour": an office machine switched off on Friday
evening runs its next pass on Monday morning, and that pass finds Friday 19:00
not covered and takes the backup then (caught up, once). A `sheetflow backup`
made by hand counts too: one taken at 19:30 on the day covers that week's.
A workspace that never had one counts from the first pass that saw the
schedule (noted then), so a fresh workspace does not copy itself on its first
pass, and an upgraded one gets its first at the next scheduled moment (the
daily order-data backup holds the whole store meanwhile).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from ..config import Config
from ..errors import BackupError
from ..guard import describe
from ..workspace import Workspace
from .manifest import Manifest
from .take import EVERYTHING, BackupSet, generations, take_backup
from .verify import is_verified, mark_verified, verify

log = logging.getLogger("sheetflow")
#: store meta keys: the last good full backup, the last failure since, and since when the schedule counts
FULL_LAST = "backup:full:last"
FULL_PROBLEM = "backup:full:problem"
FULL_SINCE = "backup:full:since"


@dataclass(frozen=True)
class Taken:
    """One backup made and read back: where, what it holds, how long it took."""

    folder: Path
    manifest: Manifest
    seconds: float

    @property
    def size(self) -> int:
        return sum(f.size for f in self.manifest.files)


def take_verified(ws: Workspace, bset: BackupSet) -> Taken:
    """Take a backup of `bset`, restore it into a temporary folder and read it back, mark it verified; one that
    does not read back is removed (it is no backup) and its BackupError raised."""
    start = time.perf_counter()
    folder = take_backup(ws, bset)
    try:
        manifest = verify(folder)
    except BackupError:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    mark_verified(folder, ws.clock.now())
    return Taken(folder, manifest, time.perf_counter() - start)


def last_moment(cfg: Config, now: dt.datetime) -> dt.datetime:
    """The latest scheduled moment (full_weekday at full_at) at or before `now`."""
    days_back = (now.isoweekday() - cfg.backup.full_weekday) % 7
    moment = dt.datetime.combine(now.date() - dt.timedelta(days=days_back), cfg.backup.full_at, now.tzinfo)
    return moment if moment <= now else moment - dt.timedelta(days=7)


def _covered_since(ws: Workspace) -> dt.datetime | None:
    """When the last full backup was made (or the schedule began counting); None before the first pass."""
    for key, field in ((FULL_LAST, "at"), (FULL_SINCE, "at")):
        text = note(ws, key).get(field)
        if isinstance(text, str):
            try:
                return dt.datetime.fromisoformat(text)
            except ValueError:
                continue
    return None


def full_is_due(ws: Workspace) -> bool:
    since = _covered_since(ws)
    return since is not None and last_moment(ws.cfg, ws.clock.now()) > since


def next_full_backup(ws: Workspace) -> dt.datetime:
    """When watch should wake for the full backup: now when one is owed (missed), else the next moment."""
    now = ws.clock.now()
    if full_is_due(ws):
        return last_moment(ws.cfg, now)
    return last_moment(ws.cfg, now) + dt.timedelta(days=7)


def weekly_backup_due(ws: Workspace) -> Path | None:
    """Take, verify and note the weekly full backup when one is owed, then keep `keep_full` generations: its
    folder, or None when none is owed. Raises BackupError when it could not be made (the pass goes on)."""
    now = ws.clock.now()
    if _covered_since(ws) is None:
        set_note(ws, FULL_SINCE, {"at": now.isoformat(timespec="seconds")})
        return None
    if not full_is_due(ws):
        return None
    try:
        taken = take_verified(ws, EVERYTHING)
    except Exception as exc:
        set_note(ws, FULL_PROBLEM, {"at": now.isoformat(timespec="seconds"), "error": describe(exc)})
        raise
    record_full(ws, taken)
    log.info(ws.t("backup.log_full_done", folder=ws.rel(taken.folder), files=len(taken.manifest.files),
                  records=sum(taken.manifest.records.values())))
    return taken.folder


def record_full(ws: Workspace, taken: Taken) -> list[Path]:
    """Note a full backup (weekly or by hand: either covers the week) and prune the set: the folders removed."""
    set_note(ws, FULL_LAST, {"at": taken.manifest.at, "folder": ws.rel(taken.folder),
                             "records": sum(taken.manifest.records.values()), "files": len(taken.manifest.files)})
    set_note(ws, FULL_PROBLEM, {})
    gone = prune_generations(ws.cfg, EVERYTHING, ws.cfg.backup.keep_full)
    for path in gone:
        log.info(ws.t("backup.log_pruned", folder=ws.rel(path)))
    return gone


def prune_generations(cfg: Config, bset: BackupSet, keep: int) -> list[Path]:
    """Keep the newest `keep` backups of the set, and always the newest verified one; the folders removed."""
    found = [path for _, path in generations(cfg, bset)]
    good = [path for path in found if is_verified(path)]
    keep_too = good[-1:] if good else []
    removed = []
    for path in found[:-keep] if keep else found:
        if path in keep_too:
            continue
        try:
            shutil.rmtree(path)
        except OSError as exc:
            log.warning("backup: %s: %s", path, exc)
            continue
        removed.append(path)
    return removed


def full_status_lines(ws: Workspace) -> list[str]:
    """What `status` may say about the weekly backup: the last one, a failure since, one owed."""
    t, last, trouble = ws.t, note(ws, FULL_LAST), note(ws, FULL_PROBLEM)
    out = []
    if last:
        out.append(t("backup.status_full_last", at=str(last.get("at", ""))[:16].replace("T", " "),
                     folder=last.get("folder", ""), files=last.get("files", 0)))
    if trouble:
        out.append(t("backup.status_problem", at=str(trouble.get("at", ""))[:16].replace("T", " "),
                     error=trouble.get("error", "")))
    if full_is_due(ws):
        out.append(t("backup.status_full_due"))
    return out


def note(ws: Workspace, key: str) -> dict[str, object]:
    text = ws.store.meta(key)
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def set_note(ws: Workspace, key: str, value: dict[str, object]) -> None:
    with ws.store.transaction():
        ws.store.set_meta(key, json.dumps(value, ensure_ascii=False) if value else "")
