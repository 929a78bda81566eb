"""Drive v3 files.get: the file resource the fake keeps, projected by `fields` (fields.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .constants import USER_EMAIL
from .errors import GoogleError
from .fields import parse_fields, project
from .state import Book

if TYPE_CHECKING:
    from .server import FakeGoogle

DEFAULT_FIELDS = "kind,id,name,mimeType"      # Drive v3's projection when no `fields` is sent


def drive_user(email: str) -> dict[str, Any]:
    """A Drive user resource; `me` is whether it is the caller, who for the fake is always the service account."""
    return {"kind": "drive#user", "displayName": email.split("@", 1)[0], "emailAddress": email,
            "me": email == USER_EMAIL}


def file_resource(book: Book, modified_by: str | None = None) -> dict[str, Any]:
    """Every files.get field the fake models; a selection naming anything else is a 400, not a silent gap.

    `modified_by` is the last modifier as this answer reports it (a lagging Drive's); the truth by default."""
    return {"kind": "drive#file", "id": book.spreadsheet_id, "name": book.title,
            "mimeType": "application/vnd.google-apps.spreadsheet", "version": str(book.version),
            "createdTime": book.created, "modifiedTime": book.modified,
            "lastModifyingUser": drive_user(modified_by or book.modified_by)}


def files_get(fake: FakeGoogle, fid: str, query: dict[str, list[str]]) -> dict[str, Any]:
    book = fake._books.get(fid)
    if book is None or fid in fake._unshared:       # Drive does not say that a file exists to one who may not see it
        raise GoogleError(404, f"File not found: {fid}.", drive_reason="notFound")
    selection = parse_fields(",".join(query.get("fields", [])).strip() or DEFAULT_FIELDS)
    return project(file_resource(book, book.modifier_seen()), selection)   # a refused request is no read
