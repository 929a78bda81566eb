"""The rent roll (租金台账): every bill of every lease with what was paid, the balance, days overdue and penalty.

Written whole into output/ (like the undelivered-lines sheet) whenever what it shows
changes, which includes the date: penalties grow by the day. Finance records payments
in the payments sheet (收款登记); they are applied here oldest bill first. A bill's
计算方式 is shown without the period it starts with: the column before says it already.
"""

from __future__ import annotations

from pathlib import Path

from ..sheets.cells import COUNT, DATE, MONEY, as_date
from ..sheets.generated import page_text, write_table
from ..sheets.layout import Column
from ..workspace import Workspace
from . import terms as T
from .collection import aging_bucket
from .ledger import bills_of, overdue_days, penalty_of

# 计算方式 carries a whole bill's arithmetic on one line: wrapping it would double every row's height (and the
# pages), so it may grow wider than other text before it wraps.
COLUMNS = [Column("合同编号", "Lease"), Column("商户", "Tenant"), Column("铺位", "Unit"), Column("类别", "Kind"),
           Column("计费期间", "Period"), Column("计算方式", "Made up of", cap=80), Column("应付日", "Due", DATE),
           Column("应收金额", "Amount", MONEY), Column("已收", "Paid", MONEY), Column("结清日", "Settled on", DATE),
           Column("欠款", "Balance", MONEY), Column("逾期天数", "Days overdue", COUNT),
           Column("滞纳金", "Late fee", MONEY), Column("账龄", "Aging")]


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
        period = f"{bill.period_start}~{bill.period_end}"
        rows.append([bill.lease, lease.data.get("tenant", ""), lease.data.get("unit", ""), kind, period,
                     bill.basis.removeprefix(f"{period} "), bill.due_date, bill.amount, bill.paid,
                     as_date(bill.paid_on or ""), bill.balance, late, penalty_of(bill, rate, today),
                     aging_bucket(late) if late else ""])
    return rows


def write_rent_roll(ws: Workspace) -> Path | None:
    if T.LEASE not in ws.forms:
        return None
    return write_table(ws.store, "rent_roll", ws.cfg.output_dir / ws.cfg.leases.rent_roll_file, "租金台账",
                       COLUMNS, rent_roll_rows(ws), ws.t("leases.rent_roll_note"),
                       page_text(ws.t, "租金台账", "Rent roll", ws.clock.today()))
