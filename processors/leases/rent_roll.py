"""The rent roll (租金台账): every bill of every lease with what was paid, the balance, days overdue and penalty.

Written whole into output/ (like the undelivered-lines sheet) whenever what it shows
changes, which includes the date: penalties grow by the day. Finance records payments
in the payments sheet (收款登记); they are applied here oldest bill first.
"""

from __future__ import annotations

from pathlib import Path

from ..sheets.cells import COUNT, DATE, MONEY, as_date
from ..sheets.generated import write_table
from ..workspace import Workspace
from . import terms as T
from .collection import aging_bucket
from .ledger import bills_of, overdue_days, penalty_of

HEADERS = [("合同编号", "Lease"), ("商户", "Tenant"), ("铺位", "Unit"), ("类别", "Kind"), ("计费期间", "Period"),
           ("计算方式", "Made up of"), ("应付日", "Due"), ("应收金额", "Amount"), ("已收", "Paid"),
           ("结清日", "Settled on"), ("欠款", "Balance"), ("逾期天数", "Days overdue"), ("滞纳金", "Late fee"),
           ("账龄", "Aging")]
FORMATS = (None, None, None, None, None, None, DATE, MONEY, MONEY, DATE, MONEY, COUNT, MONEY, None)


def rent_roll_rows(ws: Workspace) -> list[list[object]]:
    today = ws.clock.today()
    leases = {r.key: r for r in ws.store.records(T.LEASE)}
    rows: list[list[object]] = []
    for bill in bills_of(ws.store):
        lease = leases.get(bill.lease)
        if lease is None:
            continue
        rate = T.dec(lease.data.get("penalty_rate"), "0.05") / 100
        late = overdue_days(bill, today)
        kind = ws.t(f"leases.bill_{bill.kind}")
        rows.append([bill.lease, lease.data.get("tenant", ""), lease.data.get("unit", ""), kind,
                     f"{bill.period_start}~{bill.period_end}", bill.basis, bill.due_date, bill.amount, bill.paid,
                     as_date(bill.paid_on or ""), bill.balance, late, penalty_of(bill, rate, today),
                     aging_bucket(late) if late else ""])
    return rows


def write_rent_roll(ws: Workspace) -> Path | None:
    if T.LEASE not in ws.forms:
        return None
    return write_table(ws.store, "rent_roll", ws.cfg.output_dir / ws.cfg.leases.rent_roll_file, "租金台账",
                       HEADERS, rent_roll_rows(ws), (14, 18, 8, 8, 23, 48, 11, 11, 11, 11, 11, 8, 10, 8),
                       ws.t("leases.rent_roll_note"), FORMATS)
