"""`sheetflow init --sample`: three weeks of the example department, replayed through the real passes.

The example must show orders at every stage, and a signature in a sheet only
counts when sheetflow saw it typed with a valid code, so the stages cannot simply
be written into the workbooks. Instead this plays the story in
forms/samples/order_story.toml the way the staff would have: rows typed into the
workbooks (openpyxl, standing in for Excel), each approver's code read from their
mail in outbox/ and typed into their column, one pass per step on the day the
story says. The last two steps (an order's final signature, a delivery inspected)
are typed but left for the first pass you run.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
import tomllib
from pathlib import Path
from typing import Any

import openpyxl

from .clock import Clock
from .forms.definition import FormDef
from .resources import bundled_dir
from .sheets.generate import resolve_sample_value
from .workspace import Workspace

CODE = re.compile(r"(?:同意|approve)\s+([2-9A-HJ-NP-Z]{6})\b")
SIGNERS = ("buyer_sign", "commerce_sign", "engineering_sign", "executive_sign")
ISSUED_STAGES = ("issued", "overdue", "custom", "failed", "paid", "receive_now")


class Story:
    def __init__(self, root: Path, today: dt.date) -> None:
        self.root, self.today = root, today
        with (bundled_dir("forms") / "samples" / "order_story.toml").open("rb") as fh:
            self.data = tomllib.load(fh)
        self.ws: Workspace | None = None

    # -- time and passes ------------------------------------------------------------------------
    def at(self, days_ago: int, hour: int) -> Workspace:
        if self.ws is not None:
            self.ws.close()
        when = dt.datetime.combine(self.today - dt.timedelta(days=days_ago), dt.time(hour))
        probe = Workspace(self.root)
        tz = probe.cfg.tz
        probe.close()
        self.ws = Workspace(self.root, clock=Clock(tz, when.replace(tzinfo=tz)))
        return self.ws

    def run(self, days_ago: int, hour: int) -> None:
        from .passes import run_pass

        run_pass(self.at(days_ago, hour))

    def close(self) -> None:
        if self.ws is not None:
            self.ws.close()
            self.ws = None

    # -- a person at the workbook ---------------------------------------------------------------
    def _book(self, form_id: str) -> tuple[FormDef, Path]:
        ws = self.ws or self.at(0, 8)
        form = ws.forms[form_id]
        return form, ws.cfg.sheets_dir / ws.file_pattern(form)

    def append(self, form_id: str, rows: list[dict[str, Any]]) -> list[int]:
        form, path = self._book(form_id)
        wb = openpyxl.load_workbook(path)
        sheet = wb[form.sheet]
        cols = _columns(sheet, form)
        start = max((r for r in range(2, sheet.max_row + 1)
                     if any(sheet.cell(row=r, column=c).value not in (None, "") for c in cols.values())),
                    default=1) + 1
        for i, row in enumerate(rows):
            for name, value in row.items():
                sheet.cell(row=start + i, column=cols[name]).value = resolve_sample_value(value, self.today)
        wb.save(path)
        return list(range(start, start + len(rows)))

    def type(self, form_id: str, key: str, **values: Any) -> None:
        form, path = self._book(form_id)
        wb = openpyxl.load_workbook(path)
        sheet = wb[form.sheet]
        cols = _columns(sheet, form)
        for r in range(2, sheet.max_row + 1):
            if sheet.cell(row=r, column=cols["key"]).value == key:
                for name, value in values.items():
                    sheet.cell(row=r, column=cols[name]).value = resolve_sample_value(value, self.today)
        wb.save(path)

    def code(self, key: str) -> str:
        """The newest code mailed for this record: the one the awaited approver holds."""
        assert self.ws is not None
        found: tuple[int, str] | None = None
        for path in self.ws.cfg.outbox_dir.glob(f"{key}-*.eml"):
            msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            body = msg.get_body(preferencelist=("plain",))
            m = CODE.search(body.get_content() if body else "")
            if m and key in str(msg["Subject"]) and (found is None or path.stat().st_mtime_ns > found[0]):
                found = (path.stat().st_mtime_ns, m.group(1))
        if found is None:
            raise RuntimeError(f"sample story: no code mailed for {key}")
        return found[1]

    def sign(self, form_id: str, key: str, column: str) -> None:
        assert self.ws is not None
        verb = self.ws.t("sign.approve_word")
        self.type(form_id, key, **{column: f"{verb} {self.code(key)}"})

    # -- the story ---------------------------------------------------------------------------------
    def play(self) -> None:
        requests = self.data["requests"]
        orders = self.data["orders"]
        self.at(20, 9)
        self.append("purchase_request", requests)
        self.run(20, 9)
        pr = [r.key for r in self.ws.store.records("purchase_request")]  # type: ignore[union-attr]
        for column, day, hour in (("dept_head", 19, 10), ("purchasing_review", 19, 15)):
            for key in pr:
                self.sign("purchase_request", key, column)
            self.run(day, hour)
        self.append("purchase_plan", [self.data["plan"]])
        self.run(18, 10)
        [plan] = [r.key for r in self.ws.store.records("purchase_plan")]  # type: ignore[union-attr]
        self.sign("purchase_plan", plan, "commerce_head")
        self.run(18, 15)
        lines, heads = [], []
        for order in orders:
            for line in order["lines"]:
                request = requests[line["request"] - 1]
                lines.append({"order": order["draft"], "request": pr[line["request"] - 1],
                              "item": request["item"], "spec": request["spec"], "unit": request["unit"],
                              "quantity": line["quantity"], "unit_price": line["unit_price"]})
            heads.append({k: order[k] for k in ("draft", "supplier", "goods", "delivery_date", "delivery_place",
                                                "payment_terms", "supplier_email") if k in order}
                         | {"buyer": self.data["plan"]["planner"],
                            "goods": "定加工品" if order["goods"] == "custom" else "标准品"})
        self.append("order_line", lines)
        self.append("purchase_order", heads)
        self.run(17, 10)
        po = {r.data["draft"]: r.key for r in self.ws.store.records("purchase_order")}  # type: ignore[union-attr]
        early = [o for o in orders if o["stage"] not in ("sign_now", "planned")]
        for i, (day, hour) in enumerate(((16, 10), (16, 15), (15, 10), (15, 15))):
            for order in early:
                if order["stage"] != "signing" or i < 2:
                    self.sign("purchase_order", po[order["draft"]], SIGNERS[i])
            self.run(day, hour)
        self._deliveries(orders, po)
        late = [o for o in orders if o["stage"] == "sign_now"]
        for i, (day, hour) in enumerate(((2, 10), (2, 15), (1, 10))):
            for order in late:
                self.sign("purchase_order", po[order["draft"]], SIGNERS[i])
            self.run(day, hour)
        self.at(0, 8)                                        # today: typed, left for your first pass
        for order in late:
            self.sign("purchase_order", po[order["draft"]], SIGNERS[3])
        for order in orders:
            if order["stage"] == "receive_now":
                self._receive(order, po)
        self.close()

    def _deliveries(self, orders: list[dict[str, Any]], po: dict[str, str]) -> None:
        for order in orders:
            if order.get("contacts"):
                dates = {"contact_1": "-12d"} | ({"contact_2": "-10d"} if order["contacts"] > 1 else {})
                self.type("purchase_order", po[order["draft"]], **dates)
        self.run(10, 9)
        for stage, day in (("paid", 9), ("failed", 3)):
            for order in (o for o in orders if o["stage"] == stage):
                self._receive(order, po)
                self.run(day, 11)
                if stage == "paid":
                    self.type("purchase_order", po[order["draft"]], paid_on=f"-{day - 2}d")
                    self.run(day - 2, 11)

    def _receive(self, order: dict[str, Any], po: dict[str, str]) -> None:
        assert self.ws is not None
        key = po[order["draft"]]
        self.type("purchase_order", key, **{k: order[k] for k in ("delivery_note", "receipt") if k in order})
        lines = [r for r in self.ws.store.records("order_line") if r.data.get("order") == order["draft"]]
        for record, spec in zip(sorted(lines, key=lambda r: r.key), order["lines"], strict=True):
            values: dict[str, Any] = {"received_qty": spec["quantity"], "inspection": "合格"}
            if spec.get("fail"):
                values |= {"inspection": "不合格", "inspection_note": spec["fail"]}
            self.type("order_line", record.key, **values)


def _columns(sheet: Any, form: FormDef) -> dict[str, int]:
    headers = {str(c.value): c.column for c in sheet[1] if c.value}
    out = {f.name: headers[f.header()] for f in form.fields if f.header() in headers}
    out.update({c.role: headers[c.header()] for c in form.system if c.header() in headers})
    return out


def play_sample_story(root: Path, today: dt.date) -> None:
    story = Story(root, today)
    try:
        story.play()
    finally:
        story.close()
