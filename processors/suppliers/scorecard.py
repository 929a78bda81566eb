"""The supplier scorecard (S5): per supplier and period, from what sheetflow already records about its orders.

On time: orders due in the period (the confirmed date, else the delivery date) received by then; one still out
after its due date counts as late. Quality: order lines inspected, failed (returned, exchanged or claimed).
Price: the lines' unit prices against the price the general manager approved for that supplier and item. Follow-
ups: contact dates recorded before the due date (O4) and overdue escalations, per order. A period in which
nothing fell due says so instead of showing a score. Supply shares (供货比例) per category: each supplier's order
amount in the period against the share its qualified-list entry sets.

It reads the orders family's records by form id and the fields its model documents (processors/orders/model.py:
`lines`, `received_on`, `total`); it imports nothing of that family.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from ..charts import bar_chart
from ..config_sections import normalize_name
from ..sheets.cells import COUNT, MONEY, PERCENT
from ..sheets.generated import LOOK, page_text, save, table_sheet, unchanged
from ..sheets.layout import Column
from ..sourcing import QUALIFIED, PriceIndex, day, dec, same, suppliers
from ..store.db import Record, Store
from ..workspace import Workspace

ORDER, LINE = "purchase_order", "order_line"
COUNTED = ("placed", "overdue", "contingency", "received", "payment_due", "payment_requested", "closed")
FAILED = ("failed", "settled")
#: the composite score's weights (out of 100): on time, quality, price; documented in the workbook's note
WEIGHTS = (Decimal(50), Decimal(30), Decimal(20))
RATE = Decimal("0.0001")


@dataclass
class Tally:
    due: int = 0
    on_time: int = 0
    lines: int = 0
    failed: int = 0
    claims: int = 0
    priced: int = 0
    over: Decimal = Decimal(0)         # the sum of (line price / approved price − 1) over priced lines
    follow_ups: int = 0
    amount: Decimal = Decimal(0)

    def score(self) -> Decimal | None:
        if self.due == 0:
            return None
        on_time = Decimal(self.on_time) / self.due
        quality = Decimal(self.lines - self.failed) / self.lines if self.lines else Decimal(1)
        deviation = self.over / self.priced if self.priced else Decimal(0)
        price = max(Decimal(0), Decimal(1) - max(deviation, Decimal(0)) * 10)
        return (WEIGHTS[0] * on_time + WEIGHTS[1] * quality + WEIGHTS[2] * price).quantize(Decimal("0.1"))


@dataclass
class Card:
    periods: list[str]
    tallies: dict[tuple[str, str], Tally] = field(default_factory=dict)    # (supplier, period) -> tally
    names: dict[str, str] = field(default_factory=dict)
    shares: dict[tuple[str, str, str], Decimal] = field(default_factory=dict)   # (category, period, supplier)
    set_shares: dict[tuple[str, str], Decimal] = field(default_factory=dict)    # (category, supplier) -> %


def period_of(day: dt.date, months: int) -> str:
    if months == 12:
        return f"{day.year}"
    if months == 1:
        return f"{day.year}-{day.month:02d}"
    index = (day.month - 1) // months + 1
    return f"{day.year}-{'Q' if months == 3 else 'H'}{index}"



def _lines(store: Store, order: Record) -> list[Record]:
    try:
        keys = [line.get("key", "") for line in json.loads(order.data.get("lines") or "[]")]
    except (ValueError, AttributeError):
        return []
    return [r for r in (store.record(k) for k in keys) if r is not None]


def build(ws: Workspace) -> Card:
    store, today, months = ws.store, ws.clock.today(), ws.cfg.sourcing.scorecard_months
    card = Card(periods=[])
    by_name: dict[str, Record] = {}
    for s in suppliers(store):
        card.names[s.key] = s.data.get("name", "")
        by_name[normalize_name(s.data.get("name", ""))] = by_name[s.key] = s
    prices = PriceIndex(store)
    periods: set[str] = set()
    for order in store.records(ORDER):
        if order.state not in COUNTED:
            continue
        named = order.data.get("supplier", "")
        supplier = by_name.get(normalize_name(named)) or by_name.get(named.strip().upper())   # name or SU-…
        due = day(order.data.get("confirmed_date") or order.data.get("delivery_date"))
        if supplier is None or due is None:
            continue
        period = period_of(due, months)
        periods.add(period)
        t = card.tallies.setdefault((supplier.key, period), Tally())
        received = day(order.data.get("received_on"))
        if received is not None or due < today:
            t.due += 1
            t.on_time += int(received is not None and received <= due)
        t.follow_ups += sum(1 for k in ("contact_1", "contact_2") if order.data.get(k)) + int(
            any(r["to_state"] == "overdue" for r in store.transitions(order.key)))
        t.amount += dec(order.data.get("total"))
        category = order.data.get("category", "")
        if category:
            card.shares[(category, period, supplier.key)] = card.shares.get(
                (category, period, supplier.key), Decimal(0)) + dec(order.data.get("total"))
        on = day(order.data.get("ordered_on")) or due
        for line in _lines(store, order):
            if line.state in ("ordered", "open", "superseded"):
                continue
            t.lines += 1
            t.failed += int(line.state in FAILED or any(r["to_state"] == "failed"
                                                        for r in store.transitions(line.key)))
            t.claims += int(bool(line.data.get("claim_result")))
            price = prices.find(supplier.key, line.data.get("item", ""), line.data.get("spec", ""), on)
            if price is not None and dec(price.data.get("price_final")) > 0:
                t.priced += 1
                t.over += dec(line.data.get("unit_price")) / dec(price.data.get("price_final")) - 1
    for entry in store.records(QUALIFIED):
        if entry.state == "listed" and entry.data.get("share"):
            card.set_shares[(entry.data.get("category", ""), entry.data.get("supplier_key", ""))] = dec(
                entry.data.get("share"))
    card.periods = sorted(periods) or [period_of(today, months)]
    return card


SCORES = [Column("供应商编号", "Supplier No."), Column("供应商", "Supplier"), Column("期间", "Period"),
          Column("到期订单", "Orders due", COUNT), Column("准时交货", "On time", COUNT),
          Column("准时率", "On-time rate", PERCENT), Column("验收行数", "Lines inspected", COUNT),
          Column("不合格", "Failed", COUNT), Column("退换/索赔", "Claims", COUNT), Column("合格率", "Quality", PERCENT),
          Column("价格偏差", "Price vs approved", PERCENT), Column("跟催次数", "Follow-ups", COUNT),
          Column("订货金额", "Ordered", MONEY), Column("综合得分", "Score")]
SHARES = [Column("物资类别", "Category"), Column("期间", "Period"), Column("供应商", "Supplier"),
          Column("订货金额", "Ordered", MONEY), Column("实际比例", "Actual share", PERCENT),
          Column("设定比例", "Set share", PERCENT)]


def score_rows(ws: Workspace, card: Card) -> list[list[object]]:
    rows: list[list[object]] = []
    none = ws.t("suppliers.no_deliveries")
    for key in sorted(card.names):
        for period in card.periods:
            t = card.tallies.get((key, period), Tally())
            score = t.score()
            if score is None:
                rows.append([key, card.names[key], period, 0, "", "", "", "", "", "", "", "", t.amount, none])
                continue
            rows.append([key, card.names[key], period, t.due, t.on_time, _rate(t.on_time, t.due), t.lines, t.failed,
                         t.claims, _rate(t.lines - t.failed, t.lines) if t.lines else "",
                         (t.over / t.priced).quantize(RATE) if t.priced else "", t.follow_ups, t.amount, float(score)])
    return rows


def share_rows(card: Card) -> list[list[object]]:
    totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for (category, period, _), amount in card.shares.items():
        totals[(category, period)] += amount
    rows: list[list[object]] = []
    for (category, period, key), amount in sorted(card.shares.items()):
        share = card.set_shares.get((category, key))
        rows.append([category, period, card.names.get(key, key), amount, _rate(amount, totals[(category, period)]),
                     (share / 100).quantize(RATE) if share is not None else ""])
    for (category, key), share in sorted(card.set_shares.items()):
        if not any(same(c, category) and k == key for c, _, k in card.shares):
            rows.append([category, card.periods[-1], card.names.get(key, key), Decimal(0), Decimal(0),
                         (share / 100).quantize(RATE)])
    return rows


def _rate(part: int | Decimal, whole: int | Decimal) -> Decimal:
    return (Decimal(part) / Decimal(whole)).quantize(RATE) if whole else Decimal(0)


def scorecard_paths(ws: Workspace) -> tuple[Path, Path]:
    xlsx = ws.cfg.output_dir / ws.cfg.sourcing.scorecard_file
    return xlsx, xlsx.with_suffix(".pdf")


def write_scorecard(ws: Workspace) -> Path | None:
    """output/供应商评估.xlsx and .pdf, when what they show changed (and there are suppliers to show)."""
    if "supplier" not in ws.forms:
        return None
    card = build(ws)
    if not card.names:
        return None
    scores, shares = score_rows(ws, card), share_rows(card)
    xlsx, pdf = scorecard_paths(ws)
    mark = repr((LOOK, 1, scores, shares))
    if unchanged(ws.store, "scorecard", mark, xlsx, empty=False) and pdf.exists():
        return None
    today = ws.clock.today()
    wb = Workbook()
    table_sheet(wb, "供应商评估", SCORES, scores, note=ws.t("suppliers.scorecard_note"),
                page=page_text(ws.t, "供应商评估", "Supplier scorecard", today))
    table_sheet(wb, "供货比例", SHARES, shares, note=ws.t("suppliers.shares_note"),
                page=page_text(ws.t, "供货比例", "Supply shares", today))
    save(wb, xlsx)
    from ..documents.pdf import write_report_pdf  # WeasyPrint is imported only when a document is made

    write_report_pdf(pdf, "scorecard", _context(ws, card, scores, shares), ws.cfg.templates_dir)
    with ws.store.transaction():
        ws.store.set_meta("scorecard", mark)
    return pdf


def _context(ws: Workspace, card: Card, scores: list[list[object]], shares: list[list[object]]) -> dict[str, Any]:
    latest = card.periods[-1]
    bars = [(str(r[1]), float(r[5]) * 100, float(r[9] or 1) * 100) for r in scores
            if r[2] == latest and r[3]]
    chart = bar_chart(f"{latest} 准时率 / 合格率（%）On time / quality", bars, ("准时率", "合格率")) if bars else ""
    return {"date": ws.clock.today().isoformat(), "period": latest, "charts": [chart] if chart else [],
            "scores": [[str(c) for c in r] for r in scores if r[2] == latest],
            "shares": [[str(c) for c in r] for r in shares if r[1] == latest],
            "no_deliveries": ws.t("suppliers.no_deliveries"),
            "company": dict(ws.cfg.letterhead_for("purchasing").__dict__)}
