"""Errors answered in Google's JSON shape."""

from __future__ import annotations

from typing import Any

STATUS_NAMES = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
                408: "DEADLINE_EXCEEDED", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}


class GoogleError(Exception):
    """An error the fake answers in Google's JSON shape, so gspread's APIError parses it as it would Google's."""

    def __init__(self, code: int, message: str, drive_reason: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.drive_reason = drive_reason     # Drive v3 errors also carry an "errors" list; Sheets v4 ones don't

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message,
                                 "status": STATUS_NAMES.get(self.code, "UNKNOWN")}
        if self.drive_reason:
            error["errors"] = [{"domain": "global", "reason": self.drive_reason, "message": self.message}]
        if self.field:      # a request value of the wrong type: Google names the field (recorded, values.update)
            error["details"] = [{"@type": "type.googleapis.com/google.rpc.BadRequest",
                                 "fieldViolations": [{"field": self.field, "description": self.message}]}]
        return {"error": error}
