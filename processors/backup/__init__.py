"""Backups of a workspace: a backup set names the parts, each backup is a dated folder with a manifest, and a
backup counts only once it was restored into a temporary folder and read back (verify).

The daily backup of order data (C3) and the weekly one of everything (A4) run in the pass (daily.py,
weekly.py); `sheetflow backup` and `restore` (commands.py, restore.py) build on the same pieces:
`take_backup(ws, BackupSet(...))`, `verify(folder)`, `unpack(folder, manifest, into)`, `prune`.
"""

from .daily import LAST, PROBLEM, daily_backup_due, is_due, next_backup, prune, status_lines
from .manifest import MANIFEST, FileEntry, Manifest
from .take import EVERYTHING, ORDER_DATA, ORDER_FORMS, BackupSet, backups_root, generations, set_folder, take_backup
from .verify import is_verified, mark_verified, unpack, verify
from .weekly import FULL_LAST, full_is_due, next_full_backup, take_verified, weekly_backup_due

__all__ = [
    "EVERYTHING",
    "FULL_LAST",
    "LAST",
    "MANIFEST",
    "ORDER_DATA",
    "ORDER_FORMS",
    "PROBLEM",
    "BackupSet",
    "FileEntry",
    "Manifest",
    "backups_root",
    "daily_backup_due",
    "full_is_due",
    "generations",
    "is_due",
    "is_verified",
    "mark_verified",
    "next_backup",
    "next_full_backup",
    "prune",
    "set_folder",
    "status_lines",
    "take_backup",
    "take_verified",
    "unpack",
    "verify",
    "weekly_backup_due",
]
