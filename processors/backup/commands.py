"""`sheetflow backup [--orders | --list]` and `sheetflow restore BACKUP | --record KEY [--as-of TIME]`.

Neither goes through the CLI's own opening of the workspace (OPENS_WORKSPACE =
False): restore refuses a workspace in use before it opens anything, and
checks the backup before it asks for anything; backup opens the workspace as
`run` would but never takes the workspace lock (the store is read through its
own snapshot), so it may run beside `watch`, even in the middle of a pass.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..i18n import Translator
    from ..workspace import Workspace
    from .restore import Restored

OPENS_WORKSPACE = False


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    backup = sub.add_parser("backup", parents=[common], help="back up the store, every sheet and output/ (checked by "
                            "restoring it into a temporary folder); --list shows the generations kept")
    backup.set_defaults(command_module=__name__)
    which = backup.add_mutually_exclusive_group()
    which.add_argument("--orders", action="store_true", help="order data only: the store and the sales workbooks")
    which.add_argument("--list", action="store_true", help="list the backups kept, and whether each checked out")
    backup.add_argument("-w", "--workspace", type=Path, default=Path("."), help="workspace folder (default .)")
    restore = sub.add_parser("restore", parents=[common], help="bring the workspace back from a backup (stop watch "
                             "first), or one record's row from its history (--record)")
    restore.set_defaults(command_module=__name__)
    restore.add_argument("backup", nargs="?", metavar="BACKUP",
                         help="a backup folder, its name (20261204-190000) or latest (the newest full backup)")
    restore.add_argument("--record", metavar="KEY", help="restore this record's row alone, from its history")
    restore.add_argument("--as-of", metavar="TIME", help="with --record: the moment to bring the row back to")
    restore.add_argument("--yes", action="store_true", help="do not ask before replacing the workspace")
    restore.add_argument("-w", "--workspace", type=Path, default=Path("."), help="workspace folder (default .)")


def run(ws: None, args: argparse.Namespace) -> int:
    if args.command == "backup":
        return _backup(args)
    if args.record:
        return _restore_record(args)
    return _restore(args)


def _backup(args: argparse.Namespace) -> int:
    from ..workspace import Workspace
    from . import EVERYTHING, ORDER_DATA, prune, take_verified
    from .weekly import record_full

    ws = Workspace(args.workspace)
    try:
        ws.require_private()
        if args.list:
            for line in _listing(ws):
                print(line)
            return 0
        bset = ORDER_DATA if args.orders else EVERYTHING
        taken = take_verified(ws, bset)
        if bset is EVERYTHING:
            gone = record_full(ws, taken)      # counts as the week's full backup
        else:                                  # (the 18:00 order-data backup is still taken today)
            gone = prune(ws.cfg, ORDER_DATA, ws.cfg.backup.keep_days, ws.clock.now().date())
        t = ws.t
        print(t("backup.cli_done", folder=taken.folder))
        print(t("backup.cli_sizes", files=len(taken.manifest.files), size=_size(taken.size),
                records=sum(taken.manifest.records.values()), seconds=f"{taken.seconds:.2f}"))
        for path in gone:
            print(t("backup.log_pruned", folder=ws.rel(path)))
        return 0
    finally:
        ws.close()


def _listing(ws: Workspace) -> list[str]:
    import json

    from ..errors import BackupError
    from .manifest import Manifest
    from .restore import SETS
    from .take import generations, set_folder
    from .verify import VERIFIED

    t = ws.t
    out = []
    for bset in SETS:
        found = generations(ws.cfg, bset)
        out.append(f"== {t('backup.list_title', set=bset.name, folder=ws.rel(set_folder(ws.cfg, bset)))} ==")
        if not found:
            out.append(t("backup.list_none"))
        for _, path in found:
            try:
                manifest = Manifest.read(path)
            except BackupError as exc:
                out.append(t("backup.list_broken", name=path.name, error=exc))
                continue
            marked = path / VERIFIED
            state = (t("backup.list_verified", at=str(json.loads(marked.read_text("utf-8")).get("verified_at", ""))
                       [:16].replace("T", " ")) if marked.is_file() else t("backup.list_unverified"))
            out.append(t("backup.list_row", name=path.name, at=manifest.at[:16].replace("T", " "),
                         files=len(manifest.files), size=_size(sum(f.size for f in manifest.files)),
                         records=sum(manifest.records.values()), state=state))
    return out


def _restore_record(args: argparse.Namespace) -> int:
    from ..audit.restore_row import restore_row  # the audit area's: one row back from its history
    from ..workspace import Workspace

    ws = Workspace(args.workspace)
    try:
        ws.require_private()
        for line in restore_row(ws, args.record, args.as_of):
            print(line)
        return 0
    finally:
        ws.close()


def _restore(args: argparse.Namespace) -> int:
    import sqlite3
    import time

    from ..config import load_config
    from ..i18n import Translator
    from ..workspace import Workspace
    from .restore import find_backup, restore, set_aside_store, still_workspace
    from .verify import verify

    cfg = load_config(args.workspace)
    t = Translator(cfg.language)
    if args.as_of or not args.backup:
        print(f"sheetflow: {_both('backup.restore_usage')}", file=sys.stderr)
        return 2
    folder = find_backup(cfg, args.backup)
    manifest = verify(folder)        # a damaged or incomplete backup is refused here: nothing touched
    print(t("backup.restore_plan", folder=folder, set=manifest.set, at=manifest.at[:16].replace("T", " "),
            files=len(manifest.files), records=sum(manifest.records.values()), root=cfg.root))
    if not args.yes and not _confirmed(t):
        return 2
    start = time.perf_counter()
    with still_workspace(cfg.root):
        try:
            ws = Workspace(cfg.root)
        except sqlite3.DatabaseError as exc:       # the store itself is damaged: the very reason to restore
            aside = set_aside_store(cfg, time.strftime("%Y%m%d-%H%M%S"))
            print(t("backup.restore_store_aside", path=aside, detail=exc))
            ws = Workspace(cfg.root)
        try:
            ws.require_private()
            done = restore(ws, folder, manifest)
        finally:
            ws.close()
        for line in _report(t, done, cfg.root, time.perf_counter() - start):
            print(line)
    return 0


def _confirmed(t: Translator) -> bool:
    if not sys.stdin.isatty():
        print(f"sheetflow: {_both('backup.restore_needs_yes')}", file=sys.stderr)
        return False
    answer = input(t("backup.restore_confirm"))
    if answer.strip().lower() in ("yes", "y", "是", "确定"):
        return True
    print(t("backup.restore_cancelled"))
    return False


def _report(t: Translator, done: Restored, root: Path, seconds: float) -> list[str]:
    """What was put back, what was kept from the current state and why: said in the workspace's language."""
    merged = done.merged
    out = [t("backup.restore_done", folder=done.folder, at=done.manifest.at[:16].replace("T", " "),
             sheets=len(done.sheets), outputs=len(done.outputs), seconds=f"{seconds:.2f}"),
           t("backup.restore_safety", folder=done.safety.folder, name=f"{done.safety.folder.parent.name}/"
             f"{done.safety.folder.name}", root=root)]
    if merged.series:
        out.append(t("backup.restore_series", series=_some([t("backup.restore_series_item", series=name, backup=was,
                                                               current=now) for name, was, now in merged.series])))
    if merged.newer_records:
        out.append(t("backup.restore_newer", count=len(merged.newer_records), keys=_some(merged.newer_records)))
    if merged.mails_settled:
        out.append(t("backup.restore_mails_settled", count=len(merged.mails_settled)))
    if merged.mails_carried:
        out.append(t("backup.restore_mails_carried", count=merged.mails_carried))
    if merged.documents_kept:
        out.append(t("backup.restore_documents", count=len(merged.documents_kept), keys=_some(merged.documents_kept)))
    if done.outputs_kept:
        out.append(t("backup.restore_outputs_kept", count=len(done.outputs_kept), files=_some(done.outputs_kept)))
    if done.left:
        out.append(t("backup.restore_left", files=_some(done.left)))
    if not (merged.series or merged.mails_settled or merged.mails_carried or merged.documents_kept):
        out.append(t("backup.restore_nothing_merged"))
    return out


def _both(key: str) -> str:
    """A refusal on stderr says it in Chinese, then English, as every sheetflow error does."""
    from ..i18n import Translator

    return " / ".join(Translator(language)(key) for language in ("zh", "en"))


def _some(items: list[str], most: int = 8) -> str:
    shown = ", ".join(items[:most])
    return shown + (f" … (+{len(items) - most})" if len(items) > most else "")


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n / 1e3:.0f} kB"
