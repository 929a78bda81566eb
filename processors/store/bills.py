"""The bills of leases and the payments applied to them, as stored.

A mixin of `Store`, so the lease ledger writes no SQL of its own (issue 10: no
SQL outside store/). Amounts are kept as decimal strings; what they mean
(balance, overdue, penalty) is `leases/ledger.py`'s business. Every method runs
in the caller's transaction.
"""

from __future__ import annotations

import sqlite3


class BillsMixin:
    conn: sqlite3.Connection

    def add_bill(self, *, lease: str, kind: str, period_start: str, period_end: str, due_date: str, rent: str,
                 fee: str, amount: str, basis: str, at: str) -> bool:
        """False if the lease already has this bill (same kind and period start): a bill once issued stays."""
        return self.conn.execute(
            "INSERT INTO bills (lease, kind, period_start, period_end, due_date, rent, fee, amount, basis, "
            "created_at) VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
            (lease, kind, period_start, period_end, due_date, rent, fee, amount, basis, at)).rowcount == 1

    def bill_rows(self, lease: str | None = None) -> list[sqlite3.Row]:
        """One lease's bills (or every lease's), void ones included, in the order they fall due."""
        sql = "SELECT * FROM bills" + (" WHERE lease = ?" if lease else "")
        args: tuple[str, ...] = (lease,) if lease else ()
        return list(self.conn.execute(sql + " ORDER BY lease, due_date, period_start, id", args))

    def void_bill(self, bill_id: int) -> None:
        """Dropped by a termination or replaced by an amendment; kept, so what was billed stays visible."""
        self.conn.execute("UPDATE bills SET void = 1 WHERE id = ?", (bill_id,))

    def bill_amount_paid(self, bill_id: int) -> tuple[str, str]:
        """(amount, paid so far) as stored, read again for each part of a payment."""
        row = self.conn.execute("SELECT amount, paid FROM bills WHERE id = ?", (bill_id,)).fetchone()
        return row["amount"], row["paid"]

    def pay_bill(self, bill_id: int, *, payment: str, part: str, paid: str, settled_on: str, paid_on: str) -> None:
        """`part` of `payment` goes to the bill, now `paid` in all (settled on `settled_on`, or '' if not yet)."""
        self.conn.execute("UPDATE bills SET paid = ?, paid_on = ? WHERE id = ?", (paid, settled_on, bill_id))
        self.conn.execute("INSERT INTO bill_payments (payment, bill_id, amount, paid_on) VALUES (?,?,?,?)",
                          (payment, bill_id, part, paid_on))

    def payment_parts(self, payment: str) -> list[sqlite3.Row]:
        """(period_start, period_end, amount) of each bill a payment went to, in the order they fell due."""
        return list(self.conn.execute(
            "SELECT b.period_start, b.period_end, p.amount FROM bill_payments p JOIN bills b ON b.id = p.bill_id "
            "WHERE p.payment = ? ORDER BY b.due_date", (payment,)))
