#!/usr/bin/env python
"""The suppliers family's two reports, warm: a comparison (比价表, sheet + PDF) and the supplier scorecard.

    .venv/bin/python bench/bench_suppliers.py          # 20 items × 5 suppliers, 1,000 orders, 10 repetitions
    .venv/bin/python bench/bench_suppliers.py --items 40 --suppliers 8 --orders 5000 --repeat 5
    .venv/bin/python bench/bench_suppliers.py --smoke  # 3 items × 3 suppliers, 30 orders, 1 repetition (CI)

The data is inserted straight into the store of a fresh workspace (init_workspace, then Workspace with a clock
fixed at 2026-11-29 10:00 Asia/Shanghai), not typed into the sheets and run through passes: the reports are built
from the store alone, and a pass per row would only make the setup long. The records have the shapes the kinds
write (processors/suppliers/comparison.py, scorecard.py, processors/sourcing.py, processors/orders/model.py):
suppliers SU-…, their qualified-list entries (板材, with a share), one sent inquiry RFQ-2026-0001 with the items,
a quote per item and supplier, an approved price per item (the lowest supplier, or the next one with a reason),
and purchase orders over 2026 with their order lines (received, failed, still out; overdue transitions,
follow-up dates, prices at, above or below the approved one). Setup is not timed.

1. Comparison. Timed: `write_comparison(ws, comparison_of(ws, rfq))` in this process, after 2 untimed warm-up
   renders. Before each repetition (untimed) one quote changes its price, as when a supplier sends a new one, so
   the report must be rewritten and must show the new price. The naive way, in the same run and alternating with
   ours: the same call in a fresh `python` process per render (interpreter, imports, workspace, WeasyPrint fonts,
   the call), as a cron job or a one-off script would do it; its wall time, and the call alone inside it.
2. Scorecard. Timed: `write_scorecard(ws)` (it runs `build(ws)` itself, then writes the sheet and the PDF), with
   the store's meta key cleared first so it must rewrite; `build(ws)` alone is timed apart. The naive way, in the
   same run: the same `write_scorecard(ws)` with `build` replaced by a per-supplier rescan that reads every record
   of the store once per supplier (`store.records()`) and picks that supplier's orders, lines and prices out of it.

Checked, by reading back what a user sees: each comparison workbook (python_calamine: every offer, the changed
price; openpyxl: the lowest offer of each item filled green) and its PDF (pdftotext: the RFQ number, every
supplier, the changed price, one ★ per item), a new file each time; the scorecard workbook against the tallies
the generator kept (orders due, on time, lines inspected, failed, amount ordered, per supplier and quarter), the
naive run's workbook cell for cell equal to ours, and the scorecard PDF (every supplier named). No timing is
judged. Tables go to stdout and to bench/results_suppliers.md (not with --smoke or --no-results).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import openpyxl  # noqa: E402
import python_calamine as pc  # noqa: E402

from processors.clock import Clock  # noqa: E402
from processors.config_sections import normalize_name  # noqa: E402
from processors.documents import pdf as pdf_module  # noqa: E402
from processors.init_workspace import init_workspace  # noqa: E402
from processors.money import format_figures, line_total  # noqa: E402
from processors.sourcing import PRICE, QUALIFIED, SUPPLIER, dec, same  # noqa: E402
from processors.store.db import Record  # noqa: E402
from processors.suppliers import comparison, scorecard  # noqa: E402
from processors.suppliers.scorecard import COUNTED, FAILED, LINE, ORDER, Card, Tally, period_of  # noqa: E402
from processors.workspace import Workspace  # noqa: E402

RESULTS = HERE / "results_suppliers.md"
TZ_NAME = "Asia/Shanghai"
TZ = ZoneInfo(TZ_NAME)
NOW = dt.datetime(2026, 11, 29, 10, 0, tzinfo=TZ)
TODAY = NOW.date()
CATEGORY = "板材"
RFQ_KEY = "RFQ-2026-0001"
NAMES = ["华美板业有限公司", "新材科技有限公司", "宏达板业有限公司", "鑫源建材贸易有限公司", "上海建材贸易有限公司",
         "江南木业有限公司", "恒通装饰材料有限公司", "金盛板材厂"]
SHARES = ["40", "25", "15", "10", "10"]
ITEMS = [("石膏板", "9.5mm 1200×2400", "张"), ("石膏板", "12mm 1200×3000", "张"), ("细木工板", "18mm E0", "张"),
         ("多层板", "15mm E1", "张"), ("欧松板", "12mm", "张"), ("密度板", "9mm 中纤", "张"),
         ("刨花板", "18mm 防潮", "张"), ("防火板", "0.8mm 哑光", "张"), ("铝塑板", "4mm 0.3 外墙", "张"),
         ("水泥纤维板", "8mm", "张"), ("硅酸钙板", "6mm", "张"), ("矿棉板", "600×600 15mm", "片"),
         ("木饰面板", "3mm 黑胡桃", "张"), ("饰面板", "3mm 白橡", "张"), ("胶合板", "5mm 杨木", "张"),
         ("夹板", "9mm 桉木", "张"), ("吸音板", "12mm 聚酯纤维", "片"), ("集成墙板", "9mm 竹木纤维", "米"),
         ("石塑地板", "4mm SPC", "平方米"), ("PVC 扣板", "300×300", "片")]
PAY = ["月结 30 天", "月结 60 天", "货到付款", "预付 30%，货到付清"]
COLD = """\
import time
t0 = time.perf_counter()
import datetime as dt, json, sys
from pathlib import Path
from zoneinfo import ZoneInfo
sys.path.insert(0, {repo!r})
from processors.clock import Clock
from processors.suppliers.comparison import comparison_of, write_comparison
from processors.workspace import Workspace
t1 = time.perf_counter()
ws = Workspace(Path({root!r}), clock=Clock(ZoneInfo({tz!r}), dt.datetime.fromisoformat({now!r})))
rfq = ws.store.record({rfq!r})
t2 = time.perf_counter()
written = write_comparison(ws, comparison_of(ws, rfq))
t3 = time.perf_counter()
ws.close()
print(json.dumps({{"imports": t1 - t0, "open": t2 - t1, "call": t3 - t2, "written": written}}))
"""


@dataclass
class Data:
    """What the generator inserted, and what the reports must therefore show."""
    suppliers: list[tuple[str, str]]                      # (SU-…, name)
    items: list[dict[str, str]]
    quotes: dict[tuple[str, str], str] = field(default_factory=dict)    # (item no, supplier) -> QT-… key
    prices: dict[tuple[str, str], Decimal] = field(default_factory=dict)   # (item no, supplier) -> unit price
    expected: dict[tuple[str, str], Tally] = field(default_factory=dict)   # (supplier, period) -> tally
    records: int = 0
    lines: int = 0


# -- the data ---------------------------------------------------------------------------------------------------

def content_hash(data: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


class Inserter:
    def __init__(self, ws: Workspace) -> None:
        self.ws, self.count = ws, 0
        self.at = NOW.isoformat(timespec="seconds")
        self.files = {f.id: f.file for f in ws.forms.values()}

    def add(self, form: str, series: str, number: int, state: str, data: dict[str, str], key: str = "",
            transitions: tuple[str, ...] = ()) -> str:
        key = key or f"{series}-{number:04d}"
        rid = self.ws.store.insert_record(form=form, key=key, series=series, number=number, state=state, data=data,
                                          content_hash=content_hash(data), message="", file=self.files[form],
                                          row=number + 1, at=self.at, landed=True)
        self.ws.store.take_number(series, number)
        before: str | None = None
        for to in (*transitions, state):
            self.ws.store.add_transition(rid, at=self.at, from_state=before, to_state=to, actor="bench", reason="")
            before = to
        self.count += 1
        return key


def build_data(ws: Workspace, n_items: int, n_suppliers: int, n_orders: int, history: int = 0,
               seed: int = 7) -> Data:
    rng = random.Random(seed)
    names = NAMES + [f"第{i}建材有限公司" for i in range(len(NAMES) + 1, n_suppliers + 1)]
    items = [{"no": str(i + 1), "name": ITEMS[i % len(ITEMS)][0] + ("" if i < len(ITEMS) else f" {i // len(ITEMS)}"),
              "spec": ITEMS[i % len(ITEMS)][1], "unit": ITEMS[i % len(ITEMS)][2], "quantity": str(rng.choice(
                  [120, 300, 600, 800, 1500]))} for i in range(n_items)]
    data = Data([(f"SU-{i + 1:04d}", names[i]) for i in range(n_suppliers)], items)
    put = Inserter(ws)
    months = ws.cfg.sourcing.scorecard_months
    with ws.store.transaction():
        for i, (key, name) in enumerate(data.suppliers):
            put.add(SUPPLIER, "SU", i + 1, "qualified", {"name": name, "name_key": normalize_name(name),
                                                         "email": f"sales{i + 1}@supplier{i + 1}.example.com",
                                                         "categories": CATEGORY}, key=key)
            put.add(QUALIFIED, "QS-2026", i + 1, "listed", {
                "supplier_key": key, "supplier_name": name, "category": CATEGORY, "valid_until": "2027-12-31",
                "share": SHARES[i] if i < len(SHARES) else "5"})
        put.add("inquiry", "RFQ-2026", 1, "sent", {
            "category": CATEGORY, "item_list": json.dumps(items, ensure_ascii=False),
            "asked": json.dumps([k for k, _ in data.suppliers]), "reply_by": "2026-01-10"})
        chosen: dict[str, tuple[str, str, Decimal]] = {}      # item no -> (supplier, name, approved price)
        quote_no = 0
        for price_no, item in enumerate(items, start=1):
            base = Decimal(18 + 3 * int(item["no"]))
            for key, name in data.suppliers:
                price = (base * Decimal(rng.randint(92, 115)) / 100).quantize(Decimal("0.01"))
                quote_no += 1
                data.quotes[(item["no"], key)] = put.add("quote", "QT-2026", quote_no, "recorded", {
                    "rfq": RFQ_KEY, "supplier_key": key, "supplier_name": name, "item_no": item["no"],
                    "unit_price": str(price), "delivery_days": str(rng.randint(3, 15)),
                    "payment_terms": rng.choice(PAY), "valid_until": "2026-03-31"})
                data.prices[(item["no"], key)] = price
            ranked = sorted(data.suppliers, key=lambda s: (data.prices[(item["no"], s[0])], s[1]))
            pick = ranked[1] if len(ranked) > 1 and int(item["no"]) % 4 == 0 else ranked[0]
            final = (data.prices[(item["no"], pick[0])] - Decimal("0.30")).quantize(Decimal("0.01"))
            put.add(PRICE, "PA-2026", price_no, "approved", {
                "rfq": RFQ_KEY, "item_no": item["no"], "item": item["name"], "spec": item["spec"],
                "supplier_key": pick[0], "supplier_name": pick[1], "price_final": str(final),
                "reason": "" if pick == ranked[0] else "最低价供方未打样；选定方质量稳定、交期短",
                "valid_until": "2027-06-30", "approved_on": "2026-01-12"}, transitions=("awaiting:gm",))
            chosen[item["no"]] = (pick[0], pick[1], final)
        for n in range(1, history + 1):                   # earlier inquiries' prices, for items not ordered now
            key, name = data.suppliers[n % len(data.suppliers)]
            put.add(PRICE, "PA-2025", n, "approved", {
                "rfq": f"RFQ-2025-{(n - 1) // 5 + 1:04d}", "item_no": str((n - 1) % 5 + 1), "item": f"旧物料 {n}",
                "spec": "—", "supplier_key": key, "supplier_name": name, "price_final": "10.00", "reason": "",
                "valid_until": "2027-06-30", "approved_on": "2025-06-01"}, transitions=("awaiting:gm",))
        weights = [float(s) for s in SHARES[:n_suppliers]] + [5.0] * max(0, n_suppliers - len(SHARES))
        line_no = 0
        for n in range(1, n_orders + 1):
            key, name = rng.choices(data.suppliers, weights=weights)[0]
            due = dt.date(2026, 1, 8) + dt.timedelta(days=(n - 1) * 355 // max(1, n_orders - 1))
            ordered = due - dt.timedelta(days=rng.randint(7, 21))
            received: dt.date | None = None
            if due <= TODAY and rng.random() < 0.9:
                received = due - dt.timedelta(days=rng.randint(0, 3)) if rng.random() < 0.8 else \
                    due + dt.timedelta(days=rng.randint(1, 10))
                received = received if received <= TODAY else None
            late_out = received is None and due < TODAY
            went_overdue = late_out or (received is not None and received > due)
            if received is not None:
                state = rng.choice(["received", "payment_due", "closed", "closed"])
            else:
                state = "overdue" if late_out else "placed"
            lines: list[dict[str, str]] = []
            line_keys: list[tuple[str, dict[str, str], str]] = []
            for _ in range(rng.randint(1, 5)):
                item = rng.choice(items)
                pick_key, _, final = chosen[item["no"]]
                price = final if pick_key == key else data.prices[(item["no"], key)]
                price = (price * Decimal(rng.choice([100, 100, 100, 102, 99, 105])) / 100).quantize(Decimal("0.01"))
                quantity = str(rng.choice([20, 50, 80, 120, 200, 360]))
                line_no += 1
                line_key = f"POL-2026-{line_no:04d}"
                total = line_total(quantity, price)
                lines.append({"key": line_key, "item": item["name"], "spec": item["spec"], "unit_price": str(price),
                              "quantity": quantity, "total": str(total)})
                failed = received is not None and rng.random() < 0.05
                line_state = ("failed" if failed else "received") if received is not None else "ordered"
                line_keys.append((line_key, {"item": item["name"], "spec": item["spec"], "unit": item["unit"],
                                             "unit_price": str(price), "quantity": quantity, "order": "",
                                             **({"claim_result": "退货 2 张"} if failed and rng.random() < 0.5
                                                else {})}, line_state))
            order_key = f"PO-2026-{n:04d}"
            for line_key, line_data, line_state in line_keys:
                line_data["order"] = order_key
                put.add(LINE, "POL-2026", int(line_key.rsplit("-", 1)[1]), line_state, line_data, key=line_key,
                        transitions=("ordered",) if line_state != "ordered" else ())
            total = sum((Decimal(line["total"]) for line in lines), Decimal(0))
            order = {"supplier": name, "delivery_date": due.isoformat(), "ordered_on": ordered.isoformat(),
                     "total": str(total), "category": CATEGORY, "lines": json.dumps(lines, ensure_ascii=False),
                     "project": "万达广场三期", "contact_1": (due - dt.timedelta(days=3)).isoformat()
                     if rng.random() < 0.3 else ""}
            if received is not None:
                order["received_on"] = received.isoformat()
            path = ("placed", "overdue") if went_overdue and state != "overdue" else ("placed",)
            put.add(ORDER, "PO-2026", n, state, order, key=order_key,
                    transitions=path if state != "placed" else ())
            t = data.expected.setdefault((key, period_of(due, months)), Tally())
            if received is not None or due < TODAY:
                t.due += 1
                t.on_time += int(received is not None and received <= due)
            t.amount += total
            for _, _, line_state in line_keys:
                if line_state != "ordered":
                    t.lines += 1
                    t.failed += int(line_state == "failed")
        data.lines = line_no
    data.records = put.count
    return data


# -- timing helpers ---------------------------------------------------------------------------------------------

@contextmanager
def step_timers(acc: dict[str, float], targets: list[tuple[Any, str, str]]) -> Iterator[None]:
    """Add the seconds spent in each (module, function) to acc[label]; the originals are put back afterwards.

    A function the engine no longer has is skipped (its step is missing from the table, its time in "the rest").
    """
    targets = [t for t in targets if callable(getattr(t[0], t[1], None))]
    saved = [(owner, name, getattr(owner, name)) for owner, name, _ in targets]

    def wrap(label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timer(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                acc[label] = acc.get(label, 0.0) + time.perf_counter() - t0
        return timer

    for (owner, name, fn), (_, _, label) in zip(saved, targets, strict=True):
        setattr(owner, name, wrap(label, fn))
    try:
        yield
    finally:
        for owner, name, fn in saved:
            setattr(owner, name, fn)


def fmt(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True, text=True)
    return "".join(out.stdout.split())


def sheet_rows(path: Path, sheet: str) -> list[list[Any]]:
    wb = pc.CalamineWorkbook.from_path(str(path))
    try:
        return wb.get_sheet_by_name(sheet).to_python()
    finally:
        wb.close()


# -- 1. the comparison ------------------------------------------------------------------------------------------

class ComparisonRun:
    def __init__(self, ws: Workspace, data: Data) -> None:
        self.ws, self.data = ws, data
        self.xlsx, self.pdf = comparison.comparison_paths(ws, RFQ_KEY)
        self.bumps = 0
        self.last_inode = -1

    def bump(self) -> tuple[str, str, Decimal]:
        """A supplier sends a new price for one item (untimed): the report must change and show it."""
        self.bumps += 1
        item = self.data.items[self.bumps % len(self.data.items)]
        supplier = self.data.suppliers[self.bumps % len(self.data.suppliers)][0]
        record = self.ws.store.record(self.data.quotes[(item["no"], supplier)])
        assert record is not None
        price = (Decimal(9000) + Decimal(self.bumps) / 100).quantize(Decimal("0.01"))  # never the lowest
        record.data["unit_price"] = str(price)
        with self.ws.store.transaction():
            self.ws.store.update_record(record.id, state=record.state, data=record.data,
                                        content_hash=content_hash(record.data), message="",
                                        row=record.row_hint or 0, at=NOW.isoformat(timespec="seconds"))
        self.data.prices[(item["no"], supplier)] = price
        return item["no"], supplier, price

    def ours(self) -> float:
        rfq = self.ws.store.record(RFQ_KEY)
        assert rfq is not None
        t0 = time.perf_counter()
        written = comparison.write_comparison(self.ws, comparison.comparison_of(self.ws, rfq))
        seconds = time.perf_counter() - t0
        assert written, "write_comparison did not rewrite the comparison after a quote changed"
        return seconds

    def cold(self) -> tuple[float, dict[str, float]]:
        code = COLD.format(repo=str(REPO), root=str(self.ws.cfg.root), tz=TZ_NAME, now=NOW.isoformat(), rfq=RFQ_KEY)
        t0 = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, cwd=REPO)
        seconds = time.perf_counter() - t0
        if done.returncode != 0:
            raise SystemExit(f"the cold comparison process failed:\n{done.stderr}")
        parts = json.loads(done.stdout.strip().splitlines()[-1])
        assert parts.pop("written"), "the cold process did not rewrite the comparison"
        return seconds, parts

    def check(self, changed: tuple[str, str, Decimal]) -> None:
        """The files on disk are new and show every offer, the changed price and the lowest of each item."""
        inode = self.xlsx.stat().st_ino
        assert inode != self.last_inode, f"{self.xlsx.name} was not replaced"
        self.last_inode = inode
        rows = sheet_rows(self.xlsx, "比价表")
        header, body = [str(c) for c in rows[0]], rows[1:1 + len(self.data.items)]
        assert [str(int(float(r[0]))) for r in body] == [i["no"] for i in self.data.items], "items missing"
        for key, name in self.data.suppliers:
            col = next(i for i, h in enumerate(header) if h.startswith(name) and "单价" in h)
            for r, item in zip(body, self.data.items, strict=True):
                want = self.data.prices[(item["no"], key)]
                assert Decimal(str(r[col])).quantize(Decimal("0.01")) == want, \
                    f"{self.xlsx.name}: item {item['no']}, {name}: {r[col]!r}, not {want}"
        wb = openpyxl.load_workbook(self.xlsx)
        try:
            sheet = wb["比价表"]
            for r, item in enumerate(self.data.items, start=2):
                low = min(self.data.suppliers, key=lambda s: (self.data.prices[(item["no"], s[0])], s[1]))
                col = 6 + 2 * [s[0] for s in sorted(self.data.suppliers)].index(low[0])
                fill = sheet.cell(row=r, column=col).fill.fgColor.rgb
                assert str(fill).endswith("E2EFDA"), f"item {item['no']}: the lowest offer ({low[1]}) is not marked"
        finally:
            wb.close()
        text = pdf_text(self.pdf)
        assert RFQ_KEY in text, "RFQ number missing from the PDF"
        for _, name in self.data.suppliers:
            assert name in text, f"{name} missing from the PDF"
        assert format_figures(changed[2]).replace(" ", "") in text, f"the changed price {changed[2]} is not printed"
        assert text.count("★") == len(self.data.items) + 1, "not one ★ per item (and the legend)"


# -- 2. the scorecard -------------------------------------------------------------------------------------------

def naive_build(ws: Workspace) -> Card:
    """The scorecard's figures, per supplier, from a scan of every record in the store each time."""
    store, today, months = ws.store, ws.clock.today(), ws.cfg.sourcing.scorecard_months
    card = Card(periods=[])
    everyone = [r for r in store.records() if r.form == SUPPLIER and r.state != "invalid"]
    for s in everyone:
        card.names[s.key] = s.data.get("name", "")
    periods: set[str] = set()
    for s in everyone:
        records = store.records()                                  # the whole store, again, for this supplier
        by_key = {r.key: r for r in records}
        mine = {s.key, normalize_name(s.data.get("name", ""))}
        prices = [r for r in records if r.form == PRICE and r.state == "approved"
                  and r.data.get("supplier_key") == s.key]
        for order in records:
            if order.form != ORDER or order.state not in COUNTED:
                continue
            text = order.data.get("supplier", "").strip()
            if text.upper() not in mine and normalize_name(text) not in mine:
                continue
            first = next((r for r in everyone if normalize_name(r.data.get("name", "")) == normalize_name(text)
                          or r.key == text.upper()), None)
            if first is None or first.key != s.key:                # the same name twice: the first one wins
                continue
            try:
                due = dt.date.fromisoformat((order.data.get("confirmed_date") or order.data.get("delivery_date")
                                             or "")[:10])
            except ValueError:
                continue
            period = period_of(due, months)
            periods.add(period)
            t = card.tallies.setdefault((s.key, period), Tally())
            received = order.data.get("received_on")
            got = dt.date.fromisoformat(received[:10]) if received else None
            if got is not None or due < today:
                t.due += 1
                t.on_time += int(got is not None and got <= due)
            t.follow_ups += sum(1 for k in ("contact_1", "contact_2") if order.data.get(k)) + int(
                any(r["to_state"] == "overdue" for r in store.transitions(order.key)))
            t.amount += dec(order.data.get("total"))
            category = order.data.get("category", "")
            if category:
                card.shares[(category, period, s.key)] = card.shares.get((category, period, s.key),
                                                                         Decimal(0)) + dec(order.data.get("total"))
            on = dt.date.fromisoformat(order.data["ordered_on"][:10]) if order.data.get("ordered_on") else due
            for summary in json.loads(order.data.get("lines") or "[]"):
                line = by_key.get(summary.get("key", ""))
                if line is None or line.state in ("ordered", "open", "superseded"):
                    continue
                t.lines += 1
                t.failed += int(line.state in FAILED or any(r["to_state"] == "failed"
                                                            for r in store.transitions(line.key)))
                t.claims += int(bool(line.data.get("claim_result")))
                price = best_price(prices, line, on)
                if price is not None and dec(price.data.get("price_final")) > 0:
                    t.priced += 1
                    t.over += dec(line.data.get("unit_price")) / dec(price.data.get("price_final")) - 1
    for entry in store.records():
        if entry.form == QUALIFIED and entry.state == "listed" and entry.data.get("share"):
            card.set_shares[(entry.data.get("category", ""), entry.data.get("supplier_key", ""))] = dec(
                entry.data.get("share"))
    card.periods = sorted(periods) or [period_of(today, months)]
    return card


def best_price(prices: list[Record], line: Record, on: dt.date) -> Record | None:
    best: Record | None = None
    for price in prices:
        d = price.data
        if not same(d.get("item", ""), line.data.get("item", "")):
            continue
        if d.get("spec") and line.data.get("spec") and not same(d["spec"], line.data["spec"]):
            continue
        until = d.get("valid_until")
        if not until or on > dt.date.fromisoformat(until[:10]):
            continue
        if best is None or (d.get("approved_on", ""), price.key) > (best.data.get("approved_on", ""), best.key):
            best = price
    return best


class ScorecardRun:
    def __init__(self, ws: Workspace, data: Data) -> None:
        self.ws, self.data = ws, data
        self.xlsx, self.pdf = scorecard.scorecard_paths(ws)
        self.last_inode = -1

    def force(self) -> None:
        with self.ws.store.transaction():
            self.ws.store.set_meta("scorecard", "")

    def ours(self) -> float:
        self.force()
        t0 = time.perf_counter()
        written = scorecard.write_scorecard(self.ws)
        seconds = time.perf_counter() - t0
        assert written is not None, "write_scorecard did not rewrite the scorecard"
        return seconds

    def build_alone(self) -> float:
        t0 = time.perf_counter()
        scorecard.build(self.ws)
        return time.perf_counter() - t0

    def naive(self) -> float:
        self.force()
        original = scorecard.build
        scorecard.build = naive_build
        try:
            t0 = time.perf_counter()
            written = scorecard.write_scorecard(self.ws)
            seconds = time.perf_counter() - t0
        finally:
            scorecard.build = original
        assert written is not None, "the naive scorecard was not written"
        return seconds

    def check(self, reference: list[list[Any]] | None = None) -> list[list[Any]]:
        """The workbook is new, and shows per supplier and quarter what the generator put in the store."""
        inode = self.xlsx.stat().st_ino
        assert inode != self.last_inode, f"{self.xlsx.name} was not replaced"
        self.last_inode = inode
        rows = sheet_rows(self.xlsx, "供应商评估")
        shares = sheet_rows(self.xlsx, "供货比例")
        if reference is not None:
            assert rows + shares == reference, "the naive scorecard differs from ours"
        body = [r for r in rows[1:] if str(r[0]).startswith("SU-")]
        seen = {(str(r[0]), str(r[2])): r for r in body}
        for (key, period), t in self.data.expected.items():
            r = seen.get((key, period))
            assert r is not None, f"no scorecard row for {key} {period}"
            due = int(float(r[3] or 0))
            on_time = int(float(r[4] or 0)) if t.due else 0
            amount = Decimal(str(r[12])).quantize(Decimal("0.01"))
            assert (due, on_time, amount) == (t.due, t.on_time, t.amount), \
                f"{key} {period}: due/on time/amount {(due, on_time, amount)}, not {(t.due, t.on_time, t.amount)}"
            if t.due:
                lines, failed = int(float(r[6] or 0)), int(float(r[7] or 0))
                assert (lines, failed) == (t.lines, t.failed), f"{key} {period}: lines {(lines, failed)}"
        assert len(body) == len(self.data.suppliers) * len({p for _, p in self.data.expected}), "rows missing"
        text = pdf_text(self.pdf)
        assert "供应商评估" in text, "the scorecard PDF has no title"
        for _, name in self.data.suppliers:
            assert name in text, f"{name} missing from the scorecard PDF"
        return rows + shares


# -- the run ----------------------------------------------------------------------------------------------------

@dataclass
class Results:
    items: int
    suppliers: int
    orders: int
    repeat: int
    data: Data
    ours_cmp: list[float] = field(default_factory=list)
    cold_cmp: list[float] = field(default_factory=list)
    cold_parts: list[dict[str, float]] = field(default_factory=list)
    cmp_steps: dict[str, float] = field(default_factory=dict)
    ours_card: list[float] = field(default_factory=list)
    build_card: list[float] = field(default_factory=list)
    naive_card: list[float] = field(default_factory=list)
    card_steps: dict[str, float] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)
    setup: float = 0.0
    history: int = 0
    load: list[float] = field(default_factory=list)      # 1-minute load average at the start and at the end


def run(work: Path, items: int, suppliers: int, orders: int, repeat: int, history: int) -> Results:
    root = work / "ws"
    init_workspace(root)
    ws = Workspace(root, clock=Clock(TZ, NOW))
    try:
        t0 = time.perf_counter()
        data = build_data(ws, items, suppliers, orders, history)
        res = Results(items, suppliers, orders, repeat, data, setup=time.perf_counter() - t0, history=history,
                      load=[os.getloadavg()[0]])
        step: Callable[[str], None] = lambda msg: print(f"  {msg}", file=sys.stderr, flush=True)  # noqa: E731
        step(f"{data.records} records inserted ({fmt(res.setup)}); comparison {items} × {suppliers} …")
        cmp = ComparisonRun(ws, data)
        for _ in range(2):                                    # warm-up: WeasyPrint, fonts, stylesheet, templates
            cmp.bump()
            cmp.ours()
        cmp_targets = [(comparison, "comparison_of", "comparison_of (store reads)"),
                       (comparison, "table_sheet", "sheet built (openpyxl)"), (comparison, "save", "sheet saved"),
                       (pdf_module, "render_pdf", "PDF rendered (Jinja2 + WeasyPrint)")]
        for _ in range(repeat):
            changed = cmp.bump()
            with step_timers(res.cmp_steps, cmp_targets):
                res.ours_cmp.append(cmp.ours())
            cmp.check(changed)
            changed = cmp.bump()
            seconds, parts = cmp.cold()
            res.cold_cmp.append(seconds)
            res.cold_parts.append(parts)
            cmp.check(changed)
        res.sizes["comparison xlsx"] = cmp.xlsx.stat().st_size
        res.sizes["comparison pdf"] = cmp.pdf.stat().st_size
        step(f"scorecard over {orders} orders ({data.lines} lines) …")
        card = ScorecardRun(ws, data)
        card.ours()                                          # warm-up (the PDF's fonts are warm already)
        reference = card.check()
        card_targets = [(scorecard, "build", "build (store reads, tallies)"),
                        (scorecard, "table_sheet", "sheets built (openpyxl)"), (scorecard, "save", "workbook saved"),
                        (pdf_module, "render_pdf", "PDF rendered (Jinja2 + WeasyPrint)")]
        for _ in range(repeat):
            with step_timers(res.card_steps, card_targets):
                res.ours_card.append(card.ours())
            card.check(reference)
            res.build_card.append(card.build_alone())
            res.naive_card.append(card.naive())
            card.check(reference)
        res.sizes["scorecard xlsx"] = card.xlsx.stat().st_size
        res.sizes["scorecard pdf"] = card.pdf.stat().st_size
        res.sizes["scorecard rows"] = len(reference)
        res.load.append(os.getloadavg()[0])
        return res
    finally:
        ws.close()


def report(r: Results) -> str:
    med = statistics.median
    cmp_ours, cmp_cold = med(r.ours_cmp), med(r.cold_cmp)
    card_ours, card_naive = med(r.ours_card), med(r.naive_card)
    cold = {k: med(p[k] for p in r.cold_parts) for k in ("imports", "open", "call")}
    met: Callable[[bool], str] = lambda ok: "met" if ok else "**not met**"  # noqa: E731
    lines = [
        "# Suppliers: comparison and scorecard", "",
        f"{r.items} items × {r.suppliers} suppliers in one inquiry ({r.items * r.suppliers} quotes, {r.items} "
        f"approved prices{f', and {r.history} from earlier inquiries' if r.history else ''}); "
        f"{r.orders:,} purchase orders over 2026 with {r.data.lines:,} order lines; "
        f"{r.data.records:,} records in all, inserted straight into the store (setup {fmt(r.setup)}, untimed). "
        f"Clock fixed at {NOW:%Y-%m-%d %H:%M} {TZ_NAME}. {r.repeat} repetition{'s' if r.repeat > 1 else ''}, "
        f"ours and the naive way alternating; median (min). {os.cpu_count()} CPUs, load average "
        f"{r.load[0]:.1f} at the start and {r.load[-1]:.1f} at the end (the machine is shared: compare the ratios "
        "rather than times across runs). No check judges a timing.", "",
        "## 1. Comparison (比价表: sheet + PDF), warm", "",
        "| Measurement | median | min | naive / ours |", "|---|---:|---:|---:|",
        f"| **ours**: `write_comparison(ws, comparison_of(ws, rfq))`, warm, after a quote changed | "
        f"{fmt(cmp_ours)} | {fmt(min(r.ours_cmp))} | 1.0× |",
        f"| naive: the same call in a fresh `python` process (wall time) | {fmt(cmp_cold)} | {fmt(min(r.cold_cmp))} "
        f"| {cmp_cold / cmp_ours:.1f}× |",
        f"| ↳ in it: imports | {fmt(cold['imports'])} | | |",
        f"| ↳ in it: open the workspace | {fmt(cold['open'])} | | |",
        f"| ↳ in it: the call, cold (first WeasyPrint render: fonts, stylesheet) | {fmt(cold['call'])} | | "
        f"{cold['call'] / cmp_ours:.1f}× |", "",
        f"Target: < 0.5 s warm. This run: {fmt(cmp_ours)}, {met(cmp_ours < 0.5)}. Files: "
        f"{r.sizes['comparison xlsx'] / 1024:.0f} kB xlsx, {r.sizes['comparison pdf'] / 1024:.0f} kB PDF.", "",
        "Where the warm time goes (mean per render, timers around these functions in this process):", "",
        "| Step | mean |", "|---|---:|"]
    total = sum(r.ours_cmp)
    lines += [f"| {label} | {fmt(seconds / r.repeat)} |" for label, seconds in r.cmp_steps.items()]
    lines += [f"| the rest (columns, rows, change mark, PDF file, meta) | "
              f"{fmt((total - sum(r.cmp_steps.values())) / r.repeat)} |", "",
              "## 2. Supplier scorecard (供应商评估: two sheets + PDF)", "",
              "| Measurement | median | min | naive / ours |", "|---|---:|---:|---:|",
              f"| **ours**: `write_scorecard(ws)` (runs `build(ws)`, then writes sheet and PDF) | {fmt(card_ours)} | "
              f"{fmt(min(r.ours_card))} | 1.0× |",
              f"| ↳ `build(ws)` alone | {fmt(med(r.build_card))} | {fmt(min(r.build_card))} | |",
              f"| naive: the same, `build` replaced by a per-supplier rescan of every record | {fmt(card_naive)} | "
              f"{fmt(min(r.naive_card))} | {card_naive / card_ours:.1f}× |", "",
              f"Target: < 1 s. This run: {fmt(card_ours)}, {met(card_ours < 1)}. (`build(ws)` + `write_scorecard(ws)` "
              f"as two calls would build twice: about {fmt(med(r.build_card) + card_ours)}.) Files: "
              f"{r.sizes['scorecard xlsx'] / 1024:.0f} kB xlsx, {r.sizes['scorecard pdf'] / 1024:.0f} kB PDF, "
              f"{r.sizes['scorecard rows']} sheet rows.", "",
              "Where our time goes (mean per write):", "", "| Step | mean |", "|---|---:|"]
    total = sum(r.ours_card)
    lines += [f"| {label} | {fmt(seconds / r.repeat)} |" for label, seconds in r.card_steps.items()]
    lines += [f"| the rest (score and share rows, change mark, PDF file, meta) | "
              f"{fmt((total - sum(r.card_steps.values())) / r.repeat)} |", "",
              "Checked each repetition: the comparison workbook shows every offer and the changed price, the lowest "
              "offer of each item filled green, and its PDF (pdftotext) the RFQ number, every supplier, the changed "
              "price and one ★ per item; the scorecard workbook matches the generator's tallies (due, on time, "
              "lines, failed, amount per supplier and quarter), the naive one is cell for cell the same, and the "
              "PDF names every supplier. Every file was replaced each time (new inode)."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--items", type=int, default=20, help="items in the inquiry")
    ap.add_argument("--suppliers", type=int, default=5, help="suppliers, each quoting every item")
    ap.add_argument("--orders", type=int, default=1000, help="purchase orders for the scorecard")
    ap.add_argument("--repeat", type=int, default=10, help="repetitions of each measurement")
    ap.add_argument("--history", type=int, default=0,
                    help="approved prices from earlier inquiries (other items) also in the store")
    ap.add_argument("--results", type=Path, default=RESULTS)
    ap.add_argument("--no-results", action="store_true", help="write no results file")
    ap.add_argument("--keep", action="store_true", help="keep the temporary workspace")
    ap.add_argument("--smoke", action="store_true", help="3 items × 3 suppliers, 30 orders, 1 repetition; checks only")
    args = ap.parse_args(argv)
    if args.smoke:
        args.items, args.suppliers, args.orders, args.repeat, args.no_results = 3, 3, 30, 1, True
    if args.items < 1 or args.suppliers < 2 or args.orders < 2 or args.repeat < 1:
        ap.error("at least 1 item, 2 suppliers, 2 orders and 1 repetition")
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="sheetflow-bench-suppliers-"))
    try:
        res = run(work, args.items, args.suppliers, args.orders, args.repeat, args.history)
    finally:
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    text = report(res)
    print(text)
    if args.smoke:
        print(f"bench_suppliers smoke: ok, comparison {args.items}×{args.suppliers} (xlsx + pdftotext, warm and in a "
              f"fresh process) and scorecard over {args.orders} orders (against the generator's tallies and the "
              f"naive rescan) read back; comparison {fmt(res.ours_cmp[0])}, scorecard {fmt(res.ours_card[0])}; "
              f"{time.perf_counter() - started:.0f} s")
    elif not args.no_results:
        args.results.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
