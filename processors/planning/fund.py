"""The fund-use plan (FP-2026-12): the approved month's purchases priced and spread into weeks, with what open
orders still owe (R5); approved by finance, then the general manager.

It is made from the approved purchase plan only (an unapproved one still changes): until that plan is
approved the row says which plan it waits for. Like the purchase plan it follows its inputs while it waits
(a new approved price, an order paid) and is fixed once approved.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal

from ..effects import issue_document, send
from ..forms.fields import Problem
from ..forms.validate import RowResult
from ..money import capitals
from ..sourcing import PRICE, SUPPLIER
from ..store.changes import digest
from ..store.db import Record, Store
from ..workflow.lifecycle import Lifecycle
from ..workflow.route import Route
from . import funds, reading
from .fund_book import fund_paths, pdf_context, write_fund_books
from .monthly import MonthlyKind
from .review import last_month
from .serial import loads, q

FROZEN = ("lines", "owed", "weeks", "months", "planned", "owed_total", "total", "unpriced", "plan", "review",
          "digest", "version")


def approved_plan(store: Store, month: str) -> Record | None:
    found = [r for r in store.records(reading.PLAN) if r.data.get("month") == month and r.state != "invalid"]
    return next((r for r in found if r.state == "approved"), None)


def compute(store: Store, plan: Record, month: str) -> dict[str, str]:
    first, _ = reading.month_days(month)
    prices = funds.Prices.read(store)
    found = reading.materials(store)
    lines, dated = [], []
    for line in loads(plan, "lines"):
        quantity = reading.dec(line.get("final"))
        if quantity <= 0:
            continue
        material = found.get(line.get("code", ""))
        md = material.data if material else {}
        price = prices.find(line.get("name", "") or md.get("name", ""), line.get("spec", "") or md.get("spec", ""),
                            first)
        terms = funds.terms_for(store, price, md.get("supplier", ""))
        lead = int(reading.dec(md.get("lead_days"))) if md.get("lead_days") else funds.DEFAULT_LEAD_DAYS
        needed = reading.day(line.get("needed_by")) or first
        order_on = needed - funds.dt.timedelta(days=lead)
        amount = funds.amount(quantity, price)
        parts = funds.payments(amount, terms, order_on, needed) if amount > 0 else []
        ref = f"{plan.key}-{line.get('no', '')}"
        dated += [(ref, p) for p in parts]
        lines.append({"ref": ref, "code": line.get("code", ""), "name": line.get("name", ""),
                      "spec": line.get("spec", ""), "unit": line.get("unit", ""), "quantity": q(quantity),
                      "unit_price": str(price.unit_price) if price.source != "none" else "",
                      "amount": str(amount), "source": price.source, "source_ref": price.ref,
                      "supplier": terms.supplier.data.get("name", "") if terms.supplier else price.supplier,
                      "advance_pct": q(terms.advance_pct), "credit_days": str(terms.credit_days),
                      "order_on": order_on.isoformat(), "needed_by": needed.isoformat(),
                      "payments": [[p.on.isoformat(), str(p.amount), p.kind] for p in parts]})
    owed = []
    for order, payment in funds.owed(store, first):
        dated.append((order.key, payment))
        owed.append({"key": order.key, "supplier": order.data.get("supplier", ""), "amount": str(payment.amount),
                     "due": payment.on.isoformat(), "state": order.state})
    weeks, months = funds.buckets(dated)
    planned = sum((p.amount for _, p in dated if p.kind != "owed"), Decimal(0))
    owed_total = sum((p.amount for _, p in dated if p.kind == "owed"), Decimal(0))
    values = {"plan": plan.key, "lines": json.dumps(lines, ensure_ascii=False),
              "owed": json.dumps(owed, ensure_ascii=False), "weeks": json.dumps(weeks),
              "months": json.dumps(months), "planned": str(planned), "owed_total": str(owed_total),
              "total": str(planned + owed_total), "unpriced": str(sum(1 for ln in lines if ln["source"] == "none")),
              "review": json.dumps(last_month(store, month), ensure_ascii=False)}
    h = hashlib.blake2b(digest_size=12)
    for name in sorted(values):
        h.update(f"{name}\x1f{values[name]}\x1e".encode())
    values["digest"] = h.hexdigest()
    return values


class FundPlanKind(MonthlyKind):
    PREFIX, PREPARER, FROZEN = "FP", "preparer", FROZEN

    def prepare(self) -> None:
        self.recheck_when(digest(self.store, reading.PLAN, PRICE, SUPPLIER, states=None)
                          + reading.inputs_mark(self.store))

    def check(self, result: RowResult, key: str, row: int) -> str:
        fixed = self.frozen(result, key)
        if fixed is not None:
            return fixed
        month = str(result.values.get("month") or "")
        if not month:
            return ""
        plan = approved_plan(self.store, month)
        if plan is None:
            waiting = next((r for r in self.store.records(reading.PLAN) if r.data.get("month") == month
                            and r.state != "invalid"), None)
            result.problems.append(Problem("month", "planning.fund_needs_plan", {
                "month": month, "plan": waiting.key if waiting else f"MP-{month}",
                "state": Lifecycle(self.ws, self.ws.forms[reading.PLAN]).label(waiting.state)
                if waiting is not None and reading.PLAN in self.ws.forms else self.t("planning.no_plan_row")}))
            return ""
        values = compute(self.store, plan, month)
        values["version"] = self.version_of(key, values["digest"])
        result.values.update(values)
        return values["digest"]

    def after_sync(self, changed: bool) -> None:
        now = self.ws.clock.now().isoformat(timespec="seconds")
        plans = [r for r in self.store.records(self.form.id) if r.data.get("digest") and r.state != "invalid"]
        if not plans:
            return
        with self.store.transaction():
            for record in plans:
                summary = json.dumps({"lines": len(loads(record, "lines")), "planned": record.data.get("planned"),
                                      "owed": record.data.get("owed_total"), "total": record.data.get("total"),
                                      "state": record.state})
                self.store.add_plan_version(record.key, record.data["digest"], now, summary,
                                            json.dumps({k: record.data.get(k, "") for k in FROZEN},
                                                       ensure_ascii=False))

    def guidance(self, record: Record) -> str | None:
        d = record.data
        head = self.t("planning.fund_holds", version=d.get("version") or 1,
                      plan=d.get("plan", ""), planned=_yuan(d.get("planned")), owed=_yuan(d.get("owed_total")),
                      total=_yuan(d.get("total")), weeks=len(loads(record, "weeks")),
                      file=self.ws.rel(fund_paths(self.ws, record.key)[0]))
        unpriced = int(reading.dec(d.get("unpriced")))
        tail = self.t("planning.unpriced", count=unpriced) if unpriced else ""
        if record.state == "approved":
            return " ".join(p for p in (head, tail, self.t("planning.fund_approved")) if p)
        if record.state.startswith("awaiting:"):
            hint = Route(self.ws, self.form).guidance(record.state, record.data, self.ws.clock.today())
            return " ".join(p for p in (head, tail, hint) if p)
        return None

    def on_approved(self, record: Record) -> None:
        context = pdf_context(self.ws, record)
        context["signers"] = self._signers(record)
        pdf = issue_document(self.ws, "fund_plan", record.key, context, family="purchasing")
        people = [self.ws.cfg.find_person(record.data.get("preparer", ""))]
        people += [p for p in self.ws.cfg.people if "finance" in p.roles]
        send(self.ws, f"{record.key}:fund_issued", "fund_plan_issued", [p for p in people if p], record, [pdf],
             plan_no=record.key, month=record.data.get("month", ""), total=_yuan(record.data.get("total")),
             words=capitals(reading.dec(record.data.get("total"))))

    def outputs(self) -> None:
        write_fund_books(self.ws)


def _yuan(text: str | None) -> str:
    return f"{reading.dec(text):,.2f}"
