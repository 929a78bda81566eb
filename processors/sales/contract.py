"""Sales contracts (销售合同, C4): reviewed, issued to the customer, then followed through shipment and collection.

The review (合同评审) is the route in forms/sales_contract.toml: commerce, production (can it
be made by the date?) and finance, each remark kept with the record round by round, so a
contract that failed once still shows why. Once issued its content is fixed, as an order's
is: the customer signs what was sent, so a change is an amendment (SC-…-1) reviewed again.
From then on the contract's state follows its shipment and collection rows
(contract_progress.py), and its plans drive reminders and escalations here.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from ..effects import people, save_data, send, set_state
from ..forms.fields import Problem
from ..forms.validate import RowResult
from ..kinds import Kind, amendment_key, check_amends
from ..money import capitals, format_figures
from ..store.changes import digest
from ..store.db import Record
from ..workflow.route import Route
from .contract_docs import REMARKS, issue_contract, review_round, reviews_of
from .contract_plans import PlanLine, parse_plan, plan_json, plan_total
from .contract_progress import CONTRACT, ISSUED, LIVE, ORDER, Progress, dec, late_days, progress
from .items import items_json, parse_sale_items, total_of
from .plans_report import refresh_plans

#: what a contract left blank is taken from the customer order it names
FROM_ORDER = ("customer", "contact", "email", "delivery_date", "delivery_place", "payment_terms", "items")
NEEDED = ("customer", "items", "delivery_date")


class ContractKind(Kind):
    def prepare(self) -> None:
        """A customer order a contract names was entered or changed: the contract's row is read again."""
        self.recheck_when(digest(self.store, ORDER))

    def check(self, result: RowResult, key: str, row: int) -> str:
        own = self.store.record(key) if key else None
        if own is not None and own.state in ISSUED:
            return ""                                      # as issued: an edit is put back
        v = result.values
        self._from_order(v, result.problems)
        for name in NEEDED:
            if not v.get(name):
                hint = self.t("contracts.from_order_hint") if name in FROM_ORDER else ""
                result.problems.append(Problem(name, "contracts.needs", {"hint": hint}))
        items, bad = parse_sale_items(str(v.get("items") or ""))
        for b in bad:
            result.problems.append(Problem("items", f"contracts.item_line_{b.why}", {"line": b.line, "text": b.text}))
        if v.get("items") and not items and not bad:
            result.problems.append(Problem("items", "contracts.items_none", {}))
        total = total_of(items)
        v["item_list"], v["total"] = items_json(items), str(total)
        if items:
            self._plans(v, total, result.problems)
        check_amends(self, result, key, (*LIVE, "collected"), "contracts.amends_unknown")
        if own is not None and own.data.get("reviews"):
            v["reviews"] = own.data["reviews"]             # earlier rounds stay with the record
        return ""

    def _from_order(self, v: dict[str, Any], problems: list[Problem]) -> None:
        ref = str(v.get("order") or "").strip().upper()
        if not ref:
            return
        v["order"] = ref
        order = self.store.record(ref)
        if order is None or order.form != ORDER or order.state in ("invalid", "superseded"):
            problems.append(Problem("order", "contracts.order_unknown", {"order": ref}))
            return
        for name in FROM_ORDER:
            given = order.data.get(name, "")
            if not v.get(name) and given:
                v[name] = dt.date.fromisoformat(given[:10]) if name == "delivery_date" else given

    def _plans(self, v: dict[str, Any], total: Decimal, problems: list[Problem]) -> None:
        delivery = v.get("delivery_date") if isinstance(v.get("delivery_date"), dt.date) else None
        plans: dict[str, list[PlanLine]] = {}
        for field in ("shipment_plan", "collection_plan"):
            text = str(v.get(field) or "")
            if not text.strip():
                plans[field] = [PlanLine(1, delivery, total)] if field == "shipment_plan" and delivery else []
                continue
            lines, bad = parse_plan(text, total)
            for b in bad:
                problems.append(Problem(field, f"contracts.plan_line_{b.why}", {"line": b.line, "text": b.text}))
            planned = plan_total(lines)
            if lines and not bad and planned != total:
                diff = self.t("contracts.plan_short" if planned < total else "contracts.plan_over",
                              amount=format_figures(abs(total - planned)))
                problems.append(Problem(field, "contracts.plan_sum", {"planned": format_figures(planned),
                                                                      "total": format_figures(total), "diff": diff}))
            plans[field] = lines
        for ln in plans["shipment_plan"]:
            if delivery is not None and ln.day > delivery:
                problems.append(Problem("shipment_plan", "contracts.ship_after_delivery", {
                    "line": ln.no, "day": ln.day.isoformat(), "delivery": delivery.isoformat()}))
        v["ship_plan"], v["pay_plan"] = plan_json(plans["shipment_plan"]), plan_json(plans["collection_plan"])

    def key_for(self, data: dict[str, str]) -> tuple[str, str, int] | None:
        return amendment_key(self, data)

    def immutable(self, record: Record) -> bool:
        return record.state in ISSUED

    # -- the review ends ---------------------------------------------------------------------------
    def on_approved(self, record: Record) -> None:
        review = review_round(self.ws, self.form, record, "approved")
        save_data(self.ws, record, reviews=json.dumps([*reviews_of(record), review], ensure_ascii=False))
        issue_contract(self.ws, record, review)
        original = self.store.record(record.data.get("amends", "")) if record.data.get("amends") else None
        if original is not None and original.form == CONTRACT and original.state in (*LIVE, "collected"):
            set_state(self.ws, original, "superseded", self.t("contracts.t_superseded", key=record.key))
        set_state(self.ws, record, "in_production", self.t("contracts.t_issued"))

    def on_rejected(self, record: Record, by: str, reason: str) -> None:
        review = review_round(self.ws, self.form, record, "rejected")
        save_data(self.ws, record, reviews=json.dumps([*reviews_of(record), review], ensure_ascii=False),
                  rejected_by=by, rejected_reason=reason)

    # -- the row -----------------------------------------------------------------------------------
    def guidance(self, record: Record) -> str | None:
        d, t, state = record.data, self.t, record.state
        total = dec(d.get("total"))
        head = t("contracts.g_head", customer=d.get("customer", ""), total=format_figures(total),
                 words=capitals(total))
        if state.startswith("awaiting:"):
            remarks = "；".join(f"{d[c]}" for c in REMARKS.values() if d.get(c))
            text = t("contracts.g_review", next=Route(self.ws, self.form).guidance(state, d, self.ws.clock.today()))
            return " ".join([head, text, t("contracts.g_remarks", remarks=remarks) if remarks else ""]).strip()
        if state == "superseded":
            return head + " " + t("contracts.g_superseded")
        if state not in (*LIVE, "collected"):
            return None
        return " ".join([head, *self._progress_text(record, progress(self.ws, record))])

    def _progress_text(self, record: Record, p: Progress) -> list[str]:
        t, today = self.t, self.ws.clock.today()
        if p.state == "collected" and not p.open_collections:
            return [t("contracts.g_done")]
        parts = [t("contracts.g_progress", shipped=format_figures(p.shipped), collected=format_figures(p.collected))]
        for line in p.open_shipments[:1]:
            key = "contracts.g_ship_late" if today > line.due else "contracts.g_next_shipment"
            parts.append(t(key, due=line.due.isoformat(), amount=format_figures(line.remaining)))
        late = [ln for ln in p.open_collections if today > ln.due]
        for line in late[:1]:
            parts.append(t("contracts.g_overdue", days=late_days(self.ws, line, today), due=line.due.isoformat(),
                           amount=format_figures(sum((ln.remaining for ln in late), Decimal(0)))))
        upcoming = [ln for ln in p.open_collections if today <= ln.due]
        for line in upcoming[:1]:
            parts.append(t("contracts.g_next_collection", due=line.due.isoformat(),
                           amount=format_figures(line.remaining)))
        if not record.data.get("email"):
            parts.append(t("contracts.g_no_email"))
        return parts

    # -- time: reminders before each date, overdue collections escalated ---------------------------
    def timers(self) -> None:
        today = self.ws.clock.today()
        for contract in self.store.records_in(self.form.id, (*LIVE, "collected")):   # (the index, not every one)
            p = progress(self.ws, contract)
            for kind, lines in (("shipment", p.open_shipments), ("collection", p.open_collections)):
                for line in lines:
                    if today <= line.due:
                        self._remind(contract, kind, line, today)
                    elif kind == "collection":
                        self._escalate(contract, line, today)
            if any(today > ln.due for ln in [*p.open_shipments, *p.open_collections]):
                self._show_daily(contract, today)

    def _remind(self, contract: Record, kind: str, line: Any, today: dt.date) -> None:
        left = self.ws.calendar.working_days_between(today, line.due)
        step = next((n for n in sorted(self.ws.cfg.sales.remind_days) if left <= n), None)
        if step is None:
            return
        d = contract.data
        seller = self.ws.cfg.find_person(d.get("salesperson", ""), "sales")
        to = [seller] if seller is not None else people(self.ws, "sales")
        send(self.ws, f"{contract.key}:remind:{kind}:{line.day.isoformat()}:{step}", "contract_reminder", to,
             contract, contract_no=contract.key, customer=d.get("customer", ""), kind=kind, due=line.due.isoformat(),
             days=left, amount=format_figures(line.remaining), words=capitals(line.remaining),
             planned=format_figures(line.planned), done=format_figures(line.done))

    def _escalate(self, contract: Record, line: Any, today: dt.date) -> None:
        late = late_days(self.ws, line, today)
        settings = self.ws.cfg.sales
        if late < settings.overdue_escalate_days:
            return
        d = contract.data
        to = people(self.ws, settings.escalate_role) + people(self.ws, "finance")
        if send(self.ws, f"{contract.key}:overdue:{line.day.isoformat()}", "collection_overdue", to, contract,
                contract_no=contract.key, customer=d.get("customer", ""), contact=d.get("contact", ""),
                salesperson=d.get("salesperson", ""), due=line.due.isoformat(), days=late,
                amount=format_figures(line.remaining), words=capitals(line.remaining)):
            self.store.mark_sheet_dirty(contract.id)

    def _show_daily(self, contract: Record, today: dt.date) -> None:
        """Something is late: the row's overdue days count up, so it is rewritten once a day."""
        meta = f"contracts:shown:{contract.key}"
        if self.store.meta(meta) != today.isoformat():
            self.store.set_meta(meta, today.isoformat())
            self.store.mark_sheet_dirty(contract.id)

    def outputs(self) -> None:
        if self.ws.generate_outputs:
            refresh_plans(self.ws)
