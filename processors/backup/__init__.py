"""Backups of a workspace: a backup set names the parts, each backup is a dated folder with a manifest, and a
backup counts only once it was restored into a temporary folder and read back (verify).

The daily backup of order data (C3) runs in the pass (daily.py); `sheetflow backup` and `restore` build on the
same pieces: `take_backup(ws, BackupSet(...))`, `verify(folder)`, `unpack(folder, manifest, into)`, `prune`.
"""

from .daily import LAST, PROBLEM, daily_backup_due, is_due, next_backup, prune, status_lines
from .manifest import MANIFEST, FileEntry, Manifest
from .take import EVERYTHING, ORDER_DATA, ORDER_FORMS, BackupSet, backups_root, generations, set_folder, take_backup
from .verify import is_verified, mark_verified, unpack, verify

__all__ = [
    "EVERYTHING",
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
    "generations",
    "is_due",
    "is_verified",
    "mark_verified",
    "next_backup",
    "prune",
    "set_folder",
    "status_lines",
    "take_backup",
    "unpack",
    "verify",
]
