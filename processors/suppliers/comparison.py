"""The comparison (比价, S2–S3) of an inquiry: its items down, the suppliers who quoted side by side, the lowest
marked, and per item the supplier chosen, the reason when it is not the lowest, and where its approval stands.

Built from the store alone (quotes, the inquiry, the price approvals), so the price kind checks a decision and the
sheet and PDF show it from the same figures. Both are reports, not issued documents: rewritten (through a temp file
and a rename) whenever what they show changed, never while the workbook is open.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from ..sheets.cells import COUNT, MONEY, QUANTITY
from ..sheets.generated import LOOK, page_text, save, table_sheet, unchanged
from ..sheets.layout import Column
from ..sourcing import INQUIRY, PRICE, QUOTE, dec, qualified_for
from ..store.db import Record, Store
from ..workspace import Workspace
from .inquiry import items_of

LOWEST_FILL = PatternFill("solid", fgColor="E2EFDA")
LOWEST_FONT = Font(name="Calibri", size=11, bold=True)


@dataclass
class Offer:
    quote: str                # QT-… number
    supplier: str             # SU-… number
    name: str
    price: Decimal
    days: int
    terms: str
    valid_until: str
    qualified: bool


@dataclass
class ItemRow:
    item: dict[str, str]
    offers: dict[str, Offer] = field(default_factory=dict)   # supplier number -> its offer
    decision: Record | None = None

    def lowest(self) -> Offer | None:
        return min(self.offers.values(), key=lambda o: (o.price, o.name), default=None)

    def qualified_count(self) -> int:
        return sum(1 for o in self.offers.values() if o.qualified)


@dataclass
class Comparison:
    rfq: Record
    items: list[ItemRow]
    suppliers: list[tuple[str, str, bool]]   # (number, name, qualified) in the order they first quoted


def offers_for(store: Store, rfq: Record, on: Any) -> list[ItemRow]:
    """Each item of the inquiry with the offers recorded for it; qualified = on the list for its category today."""
    qualified = qualified_for(store, rfq.data.get("category", ""), on)
    rows = {i["no"]: ItemRow(i) for i in items_of(rfq)}
    for q in store.records(QUOTE):
        d = q.data
        if q.state != "recorded" or d.get("rfq") != rfq.key or d.get("item_no") not in rows:
            continue
        try:
            days = int(d.get("delivery_days") or 0)
        except ValueError:
            days = 0
        rows[d["item_no"]].offers[d.get("supplier_key", "")] = Offer(
            q.key, d.get("supplier_key", ""), d.get("supplier_name", ""), dec(d.get("unit_price")), days,
            d.get("payment_terms", ""), d.get("valid_until", ""), d.get("supplier_key", "") in qualified)
    for p in store.records(PRICE):
        if p.data.get("rfq") == rfq.key and p.data.get("item_no") in rows and p.state != "invalid":
            row = rows[p.data["item_no"]]
            if row.decision is None or p.state in ("approved", "expired") or row.decision.state == "rejected":
                row.decision = p
    return list(rows.values())


def comparison_of(ws: Workspace, rfq: Record) -> Comparison:
    items = offers_for(ws.store, rfq, ws.clock.today())
    seen: dict[str, tuple[str, str, bool]] = {}
    for row in items:
        for offer in row.offers.values():
            seen.setdefault(offer.supplier, (offer.supplier, offer.name, offer.qualified))
    return Comparison(rfq, items, sorted(seen.values(), key=lambda s: s[0]))


def _columns(c: Comparison) -> list[Column]:
    cols = [Column("序号", "No.", COUNT), Column("物料名称", "Item"), Column("规格型号", "Spec"),
            Column("单位", "Unit"), Column("数量", "Quantity", QUANTITY)]
    for _, name, qualified in c.suppliers:
        mark = "" if qualified else "（未列入名录）"
        cols += [Column(f"{name}{mark} 单价", f"{name} price", MONEY), Column(f"{name} 交期（天）", "days", COUNT)]
    cols += [Column("合格报价数", "Qualified quotes", COUNT), Column("最低报价", "Lowest"),
             Column("选定供应商", "Chosen"), Column("议定单价", "Agreed price", MONEY), Column("选择理由", "Reason"),
             Column("定价编号", "Approval No."), Column("状态", "Status")]
    return cols


def _rows(ws: Workspace, c: Comparison) -> list[list[object]]:
    out: list[list[object]] = []
    for row in c.items:
        i = row.item
        line: list[object] = [int(i["no"]), i["name"], i["spec"], i["unit"], dec(i["quantity"])]
        for number, _, _ in c.suppliers:
            offer = row.offers.get(number)
            line += [offer.price, offer.days] if offer else ["—", "—"]
        low = row.lowest()
        d = row.decision.data if row.decision else {}
        state = decision_label(ws, row.decision)
        line += [row.qualified_count(), f"{low.name} ¥{low.price:,.2f}" if low else "—",
                 d.get("supplier_name", ""), dec(d["price_final"]) if d.get("price_final") else "",
                 d.get("reason", ""), row.decision.key if row.decision else "", state]
        out.append(line)
    return out


def decision_label(ws: Workspace, decision: Record | None) -> str:
    """in sign-off / price in force / rejected …: a route's awaiting:<step> states read as one."""
    return ws.t(f"suppliers.decision_{decision.state.split(':')[0]}") if decision else ""


def comparison_paths(ws: Workspace, rfq_key: str) -> tuple[Path, Path]:
    base = ws.cfg.output_dir / f"{rfq_key}-比价"
    return base.with_suffix(".xlsx"), base.with_suffix(".pdf")


def write_comparison(ws: Workspace, c: Comparison) -> bool:
    """The inquiry's comparison workbook and PDF, when what they show changed; True when written."""
    xlsx, pdf = comparison_paths(ws, c.rfq.key)
    columns, rows = _columns(c), _rows(ws, c)
    mark = repr((LOOK, 1, [col.zh for col in columns], rows))
    meta = f"comparison:{c.rfq.key}"
    if unchanged(ws.store, meta, mark, xlsx, empty=False) and pdf.exists():
        return False
    today = ws.clock.today()
    wb = Workbook()
    page = page_text(ws.t, f"比价表 {c.rfq.key}", "Comparison", today)
    sheet = table_sheet(wb, "比价表", columns, rows, note=ws.t("suppliers.comparison_note", rfq=c.rfq.key,
                                                              category=c.rfq.data.get("category", ""),
                                                              min=ws.cfg.sourcing.min_quotes), page=page)
    for r, row in enumerate(c.items, start=2):
        low = row.lowest()
        if low is None:
            continue
        col = 6 + 2 * [s[0] for s in c.suppliers].index(low.supplier)
        for cell in (sheet.cell(row=r, column=col), sheet.cell(row=r, column=col + 1)):
            cell.fill, cell.font = LOWEST_FILL, LOWEST_FONT
    save(wb, xlsx)
    from ..documents.pdf import write_report_pdf  # WeasyPrint is imported only when a document is made

    write_report_pdf(pdf, "comparison", pdf_context(ws, c), ws.cfg.templates_dir)
    with ws.store.transaction():
        ws.store.set_meta(meta, mark)
    return True


def pdf_context(ws: Workspace, c: Comparison) -> dict[str, Any]:
    items = []
    for row in c.items:
        low = row.lowest()
        d = row.decision.data if row.decision else {}
        items.append({
            **row.item,
            "offers": [{"price": str(o.price), "days": o.days, "lowest": low is not None and o is low}
                       if (o := row.offers.get(s[0])) else None for s in c.suppliers],
            "qualified": row.qualified_count(), "lowest": low.name if low else "",
            "chosen": d.get("supplier_name", ""), "price": d.get("price_final", ""), "reason": d.get("reason", ""),
            "decision": row.decision.key if row.decision else "",
            "state": decision_label(ws, row.decision)})
    return {"rfq": {"number": c.rfq.key, "category": c.rfq.data.get("category", ""),
                    "date": ws.clock.today().isoformat(), "min_quotes": ws.cfg.sourcing.min_quotes},
            "suppliers": [{"number": n, "name": name, "qualified": q} for n, name, q in c.suppliers],
            "items": items, "company": dict(ws.cfg.letterhead_for("purchasing").__dict__)}


def write_comparisons(ws: Workspace) -> list[str]:
    """Every sent inquiry that has quotes: its comparison rewritten where it changed. Returns the RFQs written."""
    if INQUIRY not in ws.forms:
        return []
    written = []
    for rfq in ws.store.records(INQUIRY):
        if rfq.state != "sent":
            continue
        c = comparison_of(ws, rfq)
        if c.suppliers and write_comparison(ws, c):
            written.append(rfq.key)
    return written
