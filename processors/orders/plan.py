"""The purchase plan (R4): a row naming a project (and a week) gathers the approved requests not yet planned.

Which requests a plan holds is derived, so it changes while the plan waits for
the commerce head (a request approved meanwhile joins, and the route starts
again for the new content) and is frozen once the plan is approved: from then
on the recorded list is the plan, and only requests in an approved plan can be
ordered (R6).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from ..effects import issue_document, route_signers, send, signer
from ..forms.fields import Problem
from ..forms.validate import RowResult
from ..kinds import Kind
from ..money import capitals, line_total, round_fen
from ..store.db import Record
from ..workflow.route import Route
from . import model


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


class PlanKind(Kind):
    def prepare(self) -> None:
        """Approved requests changed since the plans were last looked at: look at every plan row again."""
        mark = model.digest(self.store, model.REQUEST, states=("approved",)) + model.digest(self.store, model.PLAN)
        self.recheck_when(mark)

    def check(self, result: RowResult, key: str, row: int) -> str:
        record = self.store.record(key) if key else None
        if record is not None and record.form == self.form.id and record.state == "approved":
            requests = model.json_list(record.data, "requests")       # frozen once approved
        else:
            requests = self._gather(result.values.get("project"), result.values.get("week"), key)
        if not requests and result.values.get("project"):
            result.problems.append(Problem("project", "orders.plan_empty",
                                           {"project": str(result.values.get("project"))}))
        total = Decimal(0)
        for rk in requests:
            req = self.store.record(rk)
            if req is not None:
                total += line_total(model.decimal(req.data.get("quantity")), model.decimal(req.data.get("unit_price")))
        result.values["requests"] = json.dumps(requests)
        result.values["total"] = str(round_fen(total))
        return json.dumps(requests)

    def _gather(self, project: object, week: object, key: str) -> list[str]:
        if not project:
            return []
        taken: set[str] = set()   # plan rows decided earlier in this pass are records already: counted here
        for plan in self.store.records(self.form.id):
            if plan.key != key and plan.state not in ("rejected", "invalid"):
                taken.update(model.json_list(plan.data, "requests"))
        wanted_week = monday(week) if isinstance(week, dt.date) else None
        out = []
        for req in model.records(self.store, model.REQUEST, ("approved",)):
            needed = model.day(req.data.get("needed_by"))
            if (req.key not in taken and req.data.get("project", "").strip() == str(project).strip()
                    and (wanted_week is None or (needed is not None and monday(needed) == wanted_week))):
                out.append(req.key)
        return out

    def guidance(self, record: Record) -> str | None:
        requests = model.json_list(record.data, "requests")
        total = model.decimal(record.data.get("total"))
        head = self.t("orders.plan_holds", count=len(requests), requests="、".join(requests),
                      total=f"{total:,.2f}", words=capitals(total))
        if record.state == "approved":
            return head + " " + self.t("orders.plan_approved", key=record.key)
        return None if not record.state.startswith("awaiting:") else head + " " + self._route_hint(record)

    def _route_hint(self, record: Record) -> str:
        return Route(self.ws, self.form).guidance(record.state, record.data, self.ws.clock.today())

    def immutable(self, record: Record) -> bool:
        return record.state == "approved"

    def on_approved(self, record: Record) -> None:
        lines = []
        for rk in model.json_list(record.data, "requests"):
            req = self.store.record(rk)
            if req is None:
                continue
            d = req.data
            lines.append({"request": rk, "item": d.get("item", ""), "spec": d.get("spec", ""),
                          "unit": d.get("unit", ""), "quantity": d.get("quantity", "0"),
                          "unit_price": d.get("unit_price", "0"), "needed_by": d.get("needed_by", ""),
                          "department": d.get("department", ""),
                          "total": str(line_total(model.decimal(d.get("quantity")),
                                                  model.decimal(d.get("unit_price"))))})
        context = {"plan": {"number": record.key, "project": record.data.get("project", ""),
                            "week": record.data.get("week", ""), "date": self.ws.clock.today().isoformat(),
                            "planner": record.data.get("planner", ""), "total": record.data.get("total", "0"),
                            "remarks": record.data.get("remarks", "")},
                   "lines": lines, "approver": self._stamp(record), "signers": self._signers(record)}
        pdf = issue_document(self.ws, "purchase_plan", record.key, context, family=model.FAMILY)
        planner = self.ws.cfg.find_person(record.data.get("planner", ""))
        send(self.ws, f"{record.key}:plan_issued", "plan_issued", [p for p in (planner,) if p], record, [pdf],
             plan_no=record.key, project=record.data.get("project", ""), count=len(lines),
             total=record.data.get("total", "0"), words=capitals(model.decimal(record.data.get("total"))))

    def _signers(self, record: Record) -> list[dict[str, str]]:
        """The planner who consolidated it (on the day this content went for approval), then the route's boxes."""
        planner = self.ws.cfg.find_person(record.data.get("planner", ""))
        submitted = [t["at"] for t in self.store.transitions(record.key) if t["to_state"].startswith("awaiting:")]
        name = planner.name if planner else record.data.get("planner", "")
        return [signer("采购专员（汇总）", "Purchasing specialist (consolidated)", name,
                       submitted[-1][:10] if submitted else ""), *route_signers(self.ws, self.form, record)]

    def _stamp(self, record: Record) -> str:
        return " ".join(Route(self.ws, self.form).stamps(record).values())
