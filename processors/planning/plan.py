"""The monthly purchase plan (MP-2026-12): computed on its row from the month's inputs, in the open (R5).

While it waits for its signatures the plan follows its inputs: a changed task, quota, stock figure, override
or open order line makes a new version (kept, plan_versions) and, because the figures are what the
signatures cover, the route starts again. Approved, it is fixed: its lines are frozen in the record, issued as
a PDF, and orders are placed against them (an order line names MP-2026-12-03 as its request, plan_lines.py).
What cannot be computed (no tasks, a product without quotas, a loop in the quotas) is said in the row.
"""

from __future__ import annotations

import json

from ..effects import issue_document, send
from ..forms.fields import Problem
from ..forms.validate import RowResult
from ..store.db import Record, Store
from ..workflow.route import Route
from . import reading
from .inputs import path_text, rows_text
from .monthly import MonthlyKind
from .mrp import BomCycle, compute
from .plan_book import plan_paths, write_plan_books
from .review import last_month
from .serial import loads, pack


class MonthlyPlanKind(MonthlyKind):
    PREFIX, PREPARER = "MP", "planner"
    FROZEN = ("lines", "made", "trace", "digest", "notes", "review", "version")

    def prepare(self) -> None:
        self.recheck_when(reading.inputs_mark(self.store))

    def check(self, result: RowResult, key: str, row: int) -> str:
        fixed = self.frozen(result, key)
        if fixed is not None:
            return fixed
        month = str(result.values.get("month") or "")
        if not month:
            return ""
        values = self._compute(result, month)
        if values:
            values["version"] = self.version_of(key, values["digest"])
        result.values.update(values)
        return values.get("digest", "")

    def _compute(self, result: RowResult, month: str) -> dict[str, str]:
        tasks = reading.tasks(self.store, month)
        if not tasks:
            result.problems.append(Problem("month", "planning.no_tasks", {"month": month}))
            return {}
        quotas = reading.quotas(self.store)
        parents = {q.parent for q in quotas}
        missing = sorted({(t.product, t.ref) for t in tasks if t.product not in parents})
        if missing:
            result.problems.append(Problem("month", "planning.product_without_quota", {
                "items": "、".join(f"{ref} {product}" for product, ref in missing)}))
            return {}
        found = reading.materials(self.store)
        overrides = reading.overrides(self.store, month)
        try:
            plan = compute(tasks, quotas, reading.stocks(found), reading.on_order(self.store, found), overrides)
        except BomCycle as loop:
            result.problems.append(Problem("month", "planning.plan_cycle", {
                "loops": "；".join(f"{rows_text(c)}: {path_text(c)}" for c in loop.cycles)}))
            return {}
        values = pack(plan, names(self.store, found))
        unused = sorted(code for code in overrides if plan.line(code) is None)
        values["notes"] = json.dumps({"unused_overrides": [overrides[c].ref or c for c in unused],
                                      "unregistered": [ln.code for ln in plan.purchased() if ln.code not in found]},
                                     ensure_ascii=False)
        values["review"] = json.dumps(last_month(self.store, month), ensure_ascii=False)
        return values

    def after_sync(self, changed: bool) -> None:
        """Each new set of figures of a plan is kept as its next version."""
        now = self.ws.clock.now().isoformat(timespec="seconds")
        plans = [r for r in self.store.records(self.form.id) if r.data.get("digest") and r.state != "invalid"]
        if not plans:
            return
        with self.store.transaction():
            for record in plans:
                self.store.add_plan_version(record.key, record.data["digest"], now, summary(record),
                                            json.dumps({k: record.data.get(k, "") for k in
                                                        ("lines", "made", "notes")}, ensure_ascii=False))

    def guidance(self, record: Record) -> str | None:
        lines = loads(record, "lines")
        buying = [ln for ln in lines if ln.get("final") not in ("", "0")]
        head = self.t("planning.plan_holds", version=record.data.get("version") or 1, count=len(buying),
                      lines=len(lines),
                      overridden=sum(1 for ln in lines if ln.get("override") != ""),
                      file=self.ws.rel(plan_paths(self.ws, record.key)[0]))
        notes = _notes(record)
        extra = []
        if notes.get("unused_overrides"):
            extra.append(self.t("planning.unused_overrides", refs="、".join(notes["unused_overrides"])))
        if notes.get("unregistered"):
            extra.append(self.t("planning.unregistered", codes="、".join(notes["unregistered"])))
        tail = " ".join(extra)
        if record.state == "approved":
            return " ".join(p for p in (head, self.t("planning.plan_approved", key=record.key,
                                                     first=f"{record.key}-01"), tail) if p)
        if record.state.startswith("awaiting:"):
            hint = Route(self.ws, self.form).guidance(record.state, record.data, self.ws.clock.today())
            return " ".join(p for p in (head, tail, hint) if p)
        return None

    def on_approved(self, record: Record) -> None:
        lines = loads(record, "lines")
        context = {"plan": {"number": record.key, "month": record.data.get("month", ""),
                            "planner": record.data.get("planner", ""), "remarks": record.data.get("remarks", ""),
                            "date": self.ws.clock.today().isoformat(),
                            "version": record.data.get("version") or 1},
                   "lines": lines, "made": loads(record, "made"), "signers": self._signers(record)}
        pdf = issue_document(self.ws, "monthly_plan", record.key, context, family="purchasing")
        planner = self.ws.cfg.find_person(record.data.get("planner", ""))
        finance = [p for p in self.ws.cfg.people if "finance" in p.roles]
        send(self.ws, f"{record.key}:plan_issued", "monthly_plan_issued", [p for p in (planner, *finance) if p],
             record, [pdf], plan_no=record.key, month=record.data.get("month", ""),
             count=sum(1 for ln in lines if ln.get("final") not in ("", "0")), first=f"{record.key}-01")

    def outputs(self) -> None:
        write_plan_books(self.ws)


def names(store: Store, found: dict[str, Record]) -> dict[str, tuple[str, str, str]]:
    """Code → (name, spec, unit): the stock sheet's, else the name the quotas or tasks give it."""
    out: dict[str, tuple[str, str, str]] = {c: (r.data.get("name", ""), r.data.get("spec", ""),
                                                r.data.get("unit", "")) for c, r in found.items()}
    for r in store.records(reading.BOM):
        code = r.data.get("component", "")
        if code and code not in out and r.data.get("component_name"):
            out[code] = (r.data["component_name"], "", "")
    for r in store.records(reading.TASK):
        code = r.data.get("product", "")
        if code and code not in out and r.data.get("product_name"):
            out[code] = (r.data["product_name"], "", "")
    return out


def summary(record: Record) -> str:
    lines = loads(record, "lines")
    return json.dumps({"lines": len(lines), "buying": sum(1 for ln in lines if ln.get("final") not in ("", "0")),
                       "overridden": sum(1 for ln in lines if ln.get("override") != ""), "state": record.state},
                      ensure_ascii=False)


def _notes(record: Record) -> dict[str, list[str]]:
    try:
        value = json.loads(record.data.get("notes") or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
