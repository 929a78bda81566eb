"""The catalogue (P1–P4) taken through as the shop's staff would: SKUs typed into 商品目录, change requests into
their sheets, the marketing director's code typed from the mail in outbox/, one pass per step, the clock moved."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from approvals_helpers import CODE, Sent, mails
from conftest import TZ
from orders_helpers import FormSheet

from processors.clock import Clock
from processors.init_workspace import init_workspace
from processors.passes import PassReport, run_pass
from processors.workspace import Workspace

MONDAY = dt.datetime(2026, 11, 30, 10, 0)
PLANNER, DIRECTOR, HEAD = "xunuo@example.com", "tangjing@example.com", "zhougang@example.com"
FORMS = ("catalogue", "price_change", "listing_change", "promotion")


def item(sku: str = "SF-001", **changes: Any) -> dict[str, Any]:
    row = {"sku": sku, "name": "岩板餐桌 1.8m", "list_price": 3680, "stock": 5}
    row.update(changes)
    return {k: v for k, v in row.items() if v is not None}


def price_row(sku: str = "SF-001", **changes: Any) -> dict[str, Any]:
    row = {"sku": sku, "new_price": 3280, "effective": MONDAY.date(), "reason": "年末让利", "applicant": "许诺"}
    row.update(changes)
    return {k: v for k, v in row.items() if v is not None}


def listing_row(sku: str = "SF-001", **changes: Any) -> dict[str, Any]:
    row = {"sku": sku, "action": "上架", "effective": MONDAY.date(), "reason": "新品上市", "applicant": "许诺"}
    row.update(changes)
    return {k: v for k, v in row.items() if v is not None}


def promo_row(sku: str = "SF-001", **changes: Any) -> dict[str, Any]:
    row = {"sku": sku, "promo_price": 2980, "start": MONDAY.date() + dt.timedelta(days=2),
           "end": MONDAY.date() + dt.timedelta(days=8), "description": "双十二 满减", "applicant": "许诺"}
    row.update(changes)
    return {k: v for k, v in row.items() if v is not None}


class CatalogueFlow:
    def __init__(self, root: Path, *, now: dt.datetime = MONDAY, config: str = "",
                 replace: tuple[str, str] | None = None, language: str | None = None) -> None:
        init_workspace(root, language=language)
        path = root / "config.toml"
        text = path.read_text(encoding="utf-8")
        if replace:
            assert replace[0] in text
            text = text.replace(*replace)
        path.write_text(text + config, encoding="utf-8")
        self.root, self.now = root, now
        self.ws = Workspace(root, clock=Clock(TZ, now.replace(tzinfo=TZ)))
        self.sheets = {f: FormSheet(self.ws, f) for f in FORMS}

    def at(self, when: dt.datetime) -> None:
        self.ws.close()
        self.now = when
        self.ws = Workspace(self.root, clock=Clock(TZ, when.replace(tzinfo=TZ)))

    def later(self, **delta: float) -> None:
        self.at(self.now + dt.timedelta(**delta))

    def run(self) -> PassReport:
        return run_pass(self.ws)

    def close(self) -> None:
        self.ws.close()

    def put(self, form: str, *rows: dict[str, Any], start: int = 2) -> None:
        self.sheets[form].put(list(rows), start=start)
        self.run()

    def set(self, form: str, row: int, **values: Any) -> None:
        self.sheets[form].set(row, **values)
        self.run()

    def cell(self, form: str, name: str, row: int = 2) -> str:
        return self.sheets[form].cell(row, name)

    def row(self, form: str, row: int = 2) -> dict[str, str]:
        return self.sheets[form].row(row)

    def mails(self, to: str = "", subject: str = "") -> list[Sent]:
        return [m for m in mails(self.ws.cfg.outbox_dir) if to in m.to and subject in m.subject]

    def sign(self, form: str, row: int = 2, column: str = "marketing_sign", to: str = DIRECTOR) -> None:
        """The approver types the newest code their mail for this row's record carried."""
        key = self.cell(form, "key", row)
        codes = [CODE.search(m.text) for m in self.mails(to=to, subject=key)]
        found = [c.group(1) for c in codes if c]
        assert found, f"no code mailed to {to} for {key}"
        self.set(form, row, **{column: f"同意 {found[-1]}"})

    def listed(self, sku: str = "SF-001", row: int = 2) -> None:
        """The SKU on file and on sale: typed, a listing request approved."""
        self.put("catalogue", item(sku), start=row)
        self.put("listing_change", listing_row(sku), start=row)
        self.sign("listing_change", row)
