"""What a sales contract's documents say: the contract the customer signs, and the review sheet (合同评审表) kept
inside, each built from the record as stored so a retried pass issues the same pages.

The review sheet is a document of its own, never attached to the customer's mail: the
reviewers' remarks (a production head's doubt about the date) are the company's.
"""

from __future__ import annotations

import json
from typing import Any

from ..effects import address, issue_document, route_signers, send
from ..money import capitals, format_figures
from ..store.db import Record
from ..workflow.route import Route
from ..workspace import Workspace
from .contract_plans import stored_plan
from .contract_progress import FAMILY, dec
from .items import stored_items

#: the remark column beside each review step's sign-off
REMARKS = {"commerce_sign": "commerce_remark", "production_sign": "production_remark",
           "finance_sign": "finance_remark"}


def reviews_of(record: Record) -> list[dict[str, Any]]:
    try:
        value = json.loads(record.data.get("reviews") or "[]")
    except ValueError:
        return []
    return value if isinstance(value, list) else []


def review_round(ws: Workspace, form: Any, record: Record, outcome: str) -> dict[str, Any]:
    """One pass of the review as it ended: each step's reviewer, date, verdict and remark.

    The remark is what the reviewer wrote in the column beside their sign-off, else what they
    typed after their code (`同意 K7M3QX 可按期交付`), else, for a rejection, its reason.
    """
    rows = {r["step"]: r for r in ws.store.signoffs(record.id, record.route_version)}
    steps = []
    for step, box in zip(Route(ws, form).steps_for(record.data), route_signers(ws, form, record), strict=True):
        row = rows.get(step.name)
        remark = record.data.get(REMARKS.get(step.name, ""), "") or (row["reason"] if row else "")
        steps.append({**box, "step": step.name, "action": row["action"] if row else "", "remark": remark})
    return {"round": len(reviews_of(record)) + 1, "outcome": outcome, "steps": steps}


def contract_context(ws: Workspace, record: Record) -> dict[str, Any]:
    d = record.data
    seller = ws.cfg.find_person(d.get("salesperson", ""), "sales")
    total = dec(d.get("total"))
    items = [{"item": i.get("name", ""), "spec": i.get("spec", ""), "unit": i.get("unit", ""),
              "quantity": i.get("quantity", ""), "unit_price": i.get("price", ""), "total": i.get("amount", "")}
             for i in stored_items(d)]
    contract = {k: d.get(k, "") for k in ("customer", "contact", "email", "address", "order", "delivery_date",
                                          "delivery_place", "payment_terms", "clauses", "amends", "remarks")}
    contract |= {"number": record.key, "date": ws.clock.today().isoformat(), "total": str(total),
                 "words": capitals(total),
                 "salesperson": {"name": seller.name if seller else d.get("salesperson", ""),
                                 "email": seller.email if seller else ""}}
    plan = {name: [{"no": ln.no, "date": ln.day.isoformat(), "amount": str(ln.amount), "share": ln.share}
                   for ln in stored_plan(d, name)] for name in ("ship_plan", "pay_plan")}
    return {"contract": contract, "items": items, "shipments": plan["ship_plan"], "collections": plan["pay_plan"],
            "signers": route_signers(ws, ws.forms[record.form], record)}


def issue_contract(ws: Workspace, record: Record, review: dict[str, Any]) -> None:
    """The review sheet and the contract recorded; the contract mailed to the customer (once, under its key)."""
    context = contract_context(ws, record)
    issue_document(ws, "contract_review", f"{record.key}-评审表",
                   {"contract": context["contract"], "review": review, "items": context["items"]},
                   record_key=record.key, family=FAMILY)
    pdf = issue_document(ws, "sales_contract", record.key, context, family=FAMILY)
    d = record.data
    total = dec(d.get("total"))
    pays = [{"date": c["date"], "amount": format_figures(dec(c["amount"]))} for c in context["collections"]]
    if d.get("email"):
        send(ws, f"{record.key}:contract", "sales_contract", [address(d.get("customer", ""), d["email"])], record,
             [pdf], customer=d.get("customer", ""), contact=d.get("contact", ""), total=format_figures(total),
             words=capitals(total), delivery_date=d.get("delivery_date", ""), collections=pays,
             salesperson=context["contract"]["salesperson"],
             company=ws.cfg.letterhead_for(FAMILY).name)
