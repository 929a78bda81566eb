"""Customer feedback (C5) taken through as the commerce department would: a row typed, one pass per step, the
clock moved to where the deadline falls. Mails are the .eml files in outbox/; the rating code is read from the
outcome mail as the customer got it."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from approvals_helpers import Sent, mails
from conftest import TZ
from orders_helpers import FormSheet

from processors.clock import Clock
from processors.init_workspace import init_workspace
from processors.passes import PassReport, run_pass
from processors.workspace import Workspace

FRIDAY = dt.datetime(2026, 12, 4, 16, 0)      # a working Friday, two working hours before the weekend
CODE = re.compile(r"(?:评分码|rating code) ([2-9A-HJ-NP-Z]{6})\b")


def feedback_row(**changes: Any) -> dict[str, Any]:
    row = {"customer": "上海宜居家具有限公司", "contact": "陈经理", "email": "chen@yiju.example.com", "kind": "交付",
           "said": "衣柜晚到两天", "received_at": FRIDAY}
    row.update(changes)
    return {k: v for k, v in row.items() if v is not None}


class FeedbackFlow:
    def __init__(self, root: Path, *, now: dt.datetime = FRIDAY, config: str = "", language: str | None = None,
                 replace: tuple[str, str] | None = None) -> None:
        init_workspace(root, language=language)
        path = root / "config.toml"
        text = path.read_text(encoding="utf-8")
        if replace:
            assert replace[0] in text
            text = text.replace(*replace)
        path.write_text(text + config, encoding="utf-8")
        self.root = root
        self.ws = Workspace(root, clock=Clock(TZ, now.replace(tzinfo=TZ)))
        self.sheet = FormSheet(self.ws, "feedback")

    def at(self, when: dt.datetime) -> None:
        self.ws.close()
        self.ws = Workspace(self.root, clock=Clock(TZ, when.replace(tzinfo=TZ)))

    def run(self) -> PassReport:
        return run_pass(self.ws)

    def close(self) -> None:
        self.ws.close()

    def put(self, *rows: dict[str, Any], start: int = 2) -> None:
        self.sheet.put(list(rows), start=start)
        self.run()

    def set(self, row: int, **values: Any) -> None:
        self.sheet.set(row, **values)
        self.run()

    def row(self, row: int = 2) -> dict[str, str]:
        return self.sheet.row(row)

    def record(self, row: int = 2) -> Any:
        record = self.ws.store.record(self.sheet.cell(row, "key"))
        assert record is not None
        return record

    def mails(self, to: str = "", subject: str = "") -> list[Sent]:
        return [m for m in mails(self.ws.cfg.outbox_dir) if to in m.to and subject in m.subject]

    def code(self, key: str) -> str:
        found = [CODE.search(m.text) for m in self.mails(subject=key)]
        codes = [m.group(1) for m in found if m]
        assert len(codes) == 1, codes
        return codes[0]
