"""Reading what sheetflow mailed (the .eml files in outbox/) and signing as an approver would."""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass
from pathlib import Path

from conftest import COLS, Book

# The sign-off columns follow the other fields of forms/purchase_request.toml (after number, status, message).
SIGN = {"dept_head": 16, "purchasing_review": 17, "gm_signoff": 18}
CODE = re.compile(r"(?:同意|approve)\s+([2-9A-HJ-NP-Z]{6})\b")


@dataclass
class Sent:
    to: str
    subject: str
    text: str
    path: Path

    @property
    def code(self) -> str:
        m = CODE.search(self.text)
        assert m, f"no code in mail to {self.to}: {self.text}"
        return m.group(1)


def mails(outbox: Path) -> list[Sent]:
    out = []
    for path in sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns):
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        body = msg.get_body(preferencelist=("plain",))
        out.append(Sent(to=str(msg["To"]), subject=str(msg["Subject"]), text=body.get_content() if body else "",
                        path=path))
    return out


def mails_to(outbox: Path, address: str) -> list[Sent]:
    return [m for m in mails(outbox) if address in m.to]


def sign(book: Book, row: int, column: str, text: str) -> None:
    book.edit(lambda sheet: setattr(sheet.cell(row=row, column=SIGN[column]), "value", text))


def cell(book: Book, row: int, column: str) -> str:
    grid = book.grid()
    cells = grid[row - 1] if row - 1 < len(grid) else []
    idx = SIGN[column] - 1
    return str(cells[idx]) if idx < len(cells) else ""


assert COLS["dept_head"] == SIGN["dept_head"]
