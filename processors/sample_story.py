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
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl

from .catalogue.sample import catalogue_steps
from .clock import Clock
from .forms.definition import FormDef
from .leases.ledger import bills_of
from .passes import run_pass
from .planning.sample import planning_steps
from .resources import bundled_dir
from .sales.sample_contracts import contract_steps
from .sales.sample_feedback import feedback_steps
from .sales.sample_orders import order_steps
from .sheets.generate import resolve_sample_value, typed_cell
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
        self.ws.generate_outputs = False     # history: the sheets and reports come with your first pass
        return self.ws

    def run(self, days_ago: int, hour: int) -> None:
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
                typed_cell(sheet, start + i, cols[name]).value = resolve_sample_value(value, self.today)
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
                    typed_cell(sheet, r, cols[name]).value = resolve_sample_value(value, self.today)
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
        """Both stories on one timeline: each step typed, then one pass at its hour, oldest first."""
        steps: list[tuple[int, int, Callable[[], None]]] = [*self._sourcing(), *self._purchasing(),
                                                             *self._leasing(), *order_steps(self),
                                                             *contract_steps(self), *feedback_steps(self),
                                                             *catalogue_steps(self), *planning_steps(self)]
        steps.sort(key=lambda s: (-s[0], s[1]))
        for days_ago, hour, action in steps:
            self.at(days_ago, hour)
            action()
            if days_ago > 0:
                self.run(days_ago, hour)
        self.close()

    def _sourcing(self) -> list[tuple[int, int, Callable[[], None]]]:
        """Suppliers on file and listed (S6), an inquiry with four quotes, the price the GM approved (S2–S4)."""
        with (bundled_dir("forms") / "samples" / "supplier_story.toml").open("rb") as fh:
            data = tomllib.load(fh)
        extra = ("listed", "share")
        fields = ("quality", "price_terms", "packaging", "delivery", "payment", "transport", "cooperation")

        def keys(form: str) -> list[str]:
            return [r.key for r in self.ws.store.records(form)]  # type: ignore[union-attr]

        def listing() -> None:
            names = {r.data.get("name"): r.key for r in self.ws.store.records("supplier")}  # type: ignore[union-attr]
            self.append("qualified_supplier", [
                {"supplier": names[s["name"]], "category": category, "valid_until": "+365d"}
                | ({"share": s["share"]} if "share" in s and category == "装饰材料" else {})
                for s in data["suppliers"] for category in s.get("listed", "").split("、") if category])

        def quotes() -> None:
            rfq = keys("inquiry")[0]
            item = data["inquiry"]["items"].split("|")[0].strip()
            self.append("quote", [q | {"rfq": rfq, "item": item, "valid_until": "+60d"} for q in data["quotes"]])

        def price() -> None:
            self.append("price_approval", [data["price"] | {"rfq": keys("inquiry")[0]}
                                           | {f"term_{f}": self.ws.t.pick({"zh": "可接受", "en": "acceptable"})
                                              for f in fields}])

        steps: list[tuple[int, int, Callable[[], None]]] = [
            (26, 9, lambda: self.append("supplier", [{k: v for k, v in s.items() if k not in extra}
                                                     for s in data["suppliers"]])),
            (26, 11, listing),
            (26, 15, lambda: [self.sign("qualified_supplier", k, "commerce_sign") for k in keys("qualified_supplier")]),
            (25, 10, lambda: [self.sign("qualified_supplier", k, "gm_sign") for k in keys("qualified_supplier")]),
            (25, 14, lambda: self.append("inquiry", [data["inquiry"]])),
            (22, 10, quotes),
            (22, 14, price),
        ]
        for day, hour, column in ((22, 16, "buyer_sign"), (21, 10, "commerce_sign"), (21, 15, "gm_sign")):
            steps.append((day, hour, lambda c=column: self.sign("price_approval", keys("price_approval")[0], c)))
        return steps

    def _purchasing(self) -> list[tuple[int, int, Callable[[], None]]]:
        requests = self.data["requests"]
        orders = self.data["orders"]
        state: dict[str, Any] = {}
        steps: list[tuple[int, int, Callable[[], None]]] = []

        def records(form: str) -> list[Any]:
            return self.ws.store.records(form)  # type: ignore[union-attr]

        steps.append((20, 9, lambda: self.append("purchase_request", requests)))
        for column, day, hour in (("dept_head", 19, 10), ("purchasing_review", 19, 15)):
            steps.append((day, hour, lambda c=column: [self.sign("purchase_request", r.key, c)
                                                       for r in records("purchase_request")]))
        steps.append((18, 10, lambda: self.append("purchase_plan", [self.data["plan"]])))
        steps.append((18, 15, lambda: self.sign("purchase_plan", records("purchase_plan")[0].key, "commerce_head")))

        def draft_orders() -> None:
            pr = [r.key for r in records("purchase_request")]
            lines, heads = [], []
            for order in orders:
                for line in order["lines"]:
                    request = requests[line["request"] - 1]
                    lines.append({"order": order["draft"], "request": pr[line["request"] - 1],
                                  "item": request["item"], "spec": request["spec"], "unit": request["unit"],
                                  "quantity": line["quantity"], "unit_price": line["unit_price"]})
                heads.append({k: order[k] for k in ("draft", "supplier", "category", "delivery_date",
                                                    "delivery_place", "payment_terms", "supplier_email")
                              if k in order}
                             | {"buyer": self.data["plan"]["planner"],
                                "goods": "定加工品" if order["goods"] == "custom" else "标准品"})
            self.append("order_line", lines)
            self.append("purchase_order", heads)

        steps.append((17, 10, draft_orders))

        def po() -> dict[str, str]:
            state["po"] = state.get("po") or {r.data["draft"]: r.key for r in records("purchase_order")}
            return state["po"]  # type: ignore[no-any-return]

        early = [o for o in orders if o["stage"] not in ("sign_now", "planned")]
        for i, (day, hour) in enumerate(((16, 10), (16, 15), (15, 10), (15, 15))):
            steps.append((day, hour, lambda i=i: [self.sign("purchase_order", po()[o["draft"]], SIGNERS[i])
                                                  for o in early if o["stage"] != "signing" or i < 2]))
        steps += self._deliveries(orders, po)
        late = [o for o in orders if o["stage"] == "sign_now"]
        for i, (day, hour) in enumerate(((2, 10), (2, 15), (1, 10), (0, 8))):
            steps.append((day, hour, lambda i=i: [self.sign("purchase_order", po()[o["draft"]], SIGNERS[i])
                                                  for o in late]))
        steps.append((0, 8, lambda: [self._receive(o, po()) for o in orders if o["stage"] == "receive_now"]))
        return steps

    def _leasing(self) -> list[tuple[int, int, Callable[[], None]]]:
        """Units, then leases signed and in force, paid (or not), sold, one ended; two left for later."""
        with (bundled_dir("forms") / "samples" / "lease_story.toml").open("rb") as fh:
            data = tomllib.load(fh)
        leases = data["leases"]
        keys: dict[str, str] = {}
        fields = ("tenant", "brand", "category", "contact", "email", "unit", "start", "end", "free_months",
                  "rent_basis", "rent", "management_fee", "escalation", "cycle", "due_day", "deposit",
                  "penalty_rate", "turnover_rate")

        def rows(stages: tuple[str, ...]) -> list[dict[str, Any]]:
            return [{k: lease[k] for k in fields if k in lease} for lease in leases if lease["stage"] in stages]

        def key(lease: dict[str, Any]) -> str:
            if not keys:
                assert self.ws is not None
                keys.update({r.data.get("tenant", ""): r.key for r in self.ws.store.records("lease")})
            return keys.get(lease["tenant"]) or self._lease_key(lease["tenant"])

        def sign(stages: tuple[str, ...], column: str) -> None:
            for lease in leases:
                if lease["stage"] in stages:
                    self.sign("lease", key(lease), column)

        early = ("active", "overdue", "expiring", "terminated", "approved")
        in_force = ("active", "overdue", "expiring", "terminated")
        steps: list[tuple[int, int, Callable[[], None]]] = [
            (30, 9, lambda: self.append("unit", data["units"])),
            (29, 10, lambda: self.append("lease", rows(early))),
            (29, 14, lambda: sign(early, "leasing_sign")),
            (28, 10, lambda: sign(early, "commerce_sign")),
            (28, 14, lambda: sign(early, "gm_sign")),
            (27, 10, lambda: [self.type("lease", key(lease), signed_copy=f"签约回传/{key(lease)}.pdf")
                              for lease in leases if lease["stage"] in in_force]),
            (12, 10, lambda: [self.type("lease", key(lease), terminate_on=lease["terminate"],
                                        terminate_reason=lease["reason"])
                              for lease in leases if lease["stage"] == "terminated"]),
            (3, 10, lambda: self._payments_and_sales(leases, key)),
            (2, 9, lambda: self.append("lease", rows(("sign_now",)))),
            (2, 14, lambda: sign(("sign_now",), "leasing_sign")),
            (1, 14, lambda: sign(("sign_now",), "commerce_sign")),
            (1, 15, lambda: self.append("lease", rows(("applied",)))),
            (0, 8, lambda: sign(("sign_now",), "gm_sign")),
        ]
        return steps

    def _lease_key(self, tenant: str) -> str:
        assert self.ws is not None
        return next(r.key for r in self.ws.store.records("lease") if r.data.get("tenant") == tenant)

    def _payments_and_sales(self, leases: list[dict[str, Any]], key: Callable[[dict[str, Any]], str]) -> None:
        """Finance pays up every lease but the overdue one's last bills; tenants report their last months' sales."""
        assert self.ws is not None
        payments, sales = [], []
        first_of_month = self.today.replace(day=1)
        for lease in leases:
            if lease["stage"] not in ("active", "overdue", "expiring", "terminated"):
                continue
            number = key(lease)
            # bills past due by today: one due today is not overdue yet, so on a bill's own due day (the 5th)
            # counting it would leave the overdue lease one overdue bill short
            due = [b for b in bills_of(self.ws.store, number) if b.due_date < self.today and b.balance > 0]
            due = due[:len(due) - lease.get("unpaid", 0)]
            amount = sum((b.balance for b in due), start=0)
            if amount:
                payments.append({"lease": number, "amount": float(amount), "paid_on": "-3d", "recorded_by": "何梅",
                                 "reference": f"银行回单 {number}"})
            for i, value in enumerate(reversed(lease.get("sales", [])), start=1):
                month = (first_of_month - dt.timedelta(days=1)).replace(day=1)
                for _ in range(i - 1):
                    month = (month - dt.timedelta(days=1)).replace(day=1)
                sales.append({"lease": number, "month": month, "sales": value})
        self.append("rent_payment", payments)
        self.append("tenant_sales", sales)

    def _deliveries(self, orders: list[dict[str, Any]],
                    po: Callable[[], dict[str, str]]) -> list[tuple[int, int, Callable[[], None]]]:
        steps: list[tuple[int, int, Callable[[], None]]] = []

        def contacts() -> None:
            for order in orders:
                if order.get("contacts"):
                    dates = {"contact_1": "-12d"} | ({"contact_2": "-10d"} if order["contacts"] > 1 else {})
                    self.type("purchase_order", po()[order["draft"]], **dates)

        steps.append((10, 9, contacts))
        for order in (o for o in orders if o["stage"] == "paid"):
            steps.append((9, 11, lambda o=order: self._receive(o, po())))
            steps.append((7, 11, lambda o=order: self.type("purchase_order", po()[o["draft"]], paid_on="-7d")))
        for order in (o for o in orders if o["stage"] == "failed"):
            steps.append((3, 11, lambda o=order: self._receive(o, po())))
        return steps

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
