"""An order's supplier and prices against what the suppliers family recorded (S3, S6; R6's spirit for suppliers).

Once supplier files are kept (any supplier on file), an order must name a supplier on the qualified list for its
category, in force today; and a line priced above the price the general manager approved for that supplier and
item is refused, unless the order gives its reason in 「超价说明」, which adds the general manager's sign-off
(forms/purchase_order.toml). Read through processors/sourcing.py, never the suppliers family's own modules.
"""

from __future__ import annotations

import datetime as dt

from ..forms.fields import Problem
from ..forms.validate import RowResult
from ..sourcing import approved_price, dec, find_supplier, in_use, listed_categories, listings, qualification
from ..store.db import Store

#: the records an order's supplier check reads, in the states that change its outcome
SOURCING = ("supplier", "qualified_supplier", "price_approval")
SOURCING_STATES = ("registered", "qualified", "lapsed", "listed", "approved", "expired", "trialled")
#: what an order takes from its supplier file (and keeps once issued)
FROM_FILE = ("supplier_key", "category", "file_email", "file_contact", "file_phone", "file_address",
             "file_credit_days")


def check_supplier(store: Store, result: RowResult, lines: list[dict[str, str]], today: dt.date) -> None:
    v = result.values
    if not in_use(store):
        return
    name = str(v.get("supplier") or "").strip()
    if not name:
        return
    supplier = find_supplier(store, name)
    if supplier is None:
        result.problems.append(Problem("supplier", "suppliers.order_not_on_file", {"supplier": name}))
        return
    v["supplier_key"] = supplier.key
    for ours, theirs in (("file_email", "email"), ("file_contact", "contact"), ("file_phone", "phone"),
                         ("file_address", "address"), ("file_credit_days", "credit_days")):
        v[ours] = supplier.data.get(theirs, "")   # the supplier file, for the PDF and the payment terms
    category = str(v.get("category") or "").strip()
    listed = listed_categories(store, supplier.key, today)
    lapsed = [e for e in listings(store, supplier.key)            # this category's entries, lapsed or not
              if not category or e.data.get("category", "").strip() == category]
    if not listed and not lapsed:
        result.problems.append(Problem("supplier", "suppliers.order_not_listed", {"supplier": name}))
        return
    if not category and len(listed) == 1:
        category = v["category"] = listed[0]
    if not category and listed:
        result.problems.append(Problem("category", "suppliers.order_category_needed",
                                       {"supplier": name, "categories": "、".join(listed)}))
        return
    if not category or qualification(store, supplier.key, category, today) is None:
        code = "suppliers.order_lapsed" if lapsed else "suppliers.order_not_qualified"
        result.problems.append(Problem("supplier", code, {
            "supplier": name, "category": category or lapsed[-1].data.get("category", ""),
            "categories": "、".join(listed) or "—", "entry": lapsed[-1].key if lapsed else "",
            "until": lapsed[-1].data.get("valid_until", "") if lapsed else ""}))
        return
    over = []
    for line in lines:
        price = approved_price(store, supplier.key, line.get("item", ""), line.get("spec", ""), today)
        if price is not None and dec(line.get("unit_price")) > dec(price.data.get("price_final")):
            over.append((line, price))
    reason = str(v.get("price_reason") or "").strip()
    if over and not reason:
        for line, price in over:
            result.problems.append(Problem("price_reason", "suppliers.order_over_price", {
                "line": line.get("key", ""), "item": line.get("item", ""),
                "price": f"{dec(line.get('unit_price')):,.2f}",
                "approved": f"{dec(price.data.get('price_final')):,.2f}", "approval": price.key,
                "until": price.data.get("valid_until", "")}))
    elif reason and not over:
        result.problems.append(Problem("price_reason", "suppliers.order_reason_not_needed", {}))
