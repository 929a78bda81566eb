"""O7: the sheet of every undelivered line across open orders, rewritten by the system only.

A workbook of its own (`[orders] outstanding_file`, in output/ beside the issued
documents, out of the way of the watcher and of file patterns), written whole with openpyxl through a temp file
and a rename whenever the lines or orders changed: nobody edits it, so there is
nothing of a person's to keep, and a reader never sees it half-written.
"""

from __future__ import annotations

from pathlib import Path

from ..sheets.cells import DATE, QUANTITY, as_date
from ..sheets.generated import page_text, write_table
from ..sheets.layout import Column
from ..workspace import Workspace
from . import model

COLUMNS = [Column("订单编号", "Order No."), Column("供应商", "Supplier"), Column("物料名称", "Item"),
           Column("规格型号", "Model"), Column("单位", "Unit"), Column("交货日期", "Due date", DATE),
           Column("订购数量", "Ordered", QUANTITY), Column("已收数量", "Received", QUANTITY),
           Column("未交数量", "Outstanding", QUANTITY), Column("状态", "Status"), Column("明细编号", "Line No.")]


def outstanding_path(ws: Workspace) -> Path:
    return ws.cfg.output_dir / ws.cfg.orders.outstanding_file


def outstanding_rows(ws: Workspace) -> list[list[object]]:
    rows: list[list[object]] = []
    t = ws.t
    for order in model.records(ws.store, model.ORDER, model.OPEN_ORDER):
        due = as_date(order.data.get("confirmed_date") or order.data.get("delivery_date", ""))
        for line in model.lines_of(ws.store, order, order.data.get("draft", ""), order.key):
            if line.state in model.DONE_LINE or line.state == "superseded":
                continue
            ordered = model.decimal(line.data.get("quantity"))
            received = model.decimal(line.data.get("received_qty"))
            label = t(f"orders.line_state_{line.state}")
            rows.append([order.key, order.data.get("supplier", ""), line.data.get("item", ""),
                         line.data.get("spec", ""), line.data.get("unit", ""), due, ordered, received,
                         ordered - received, label, line.key])
    rows.sort(key=lambda r: (str(r[5]), str(r[0]), str(r[10])))
    return rows


def write_outstanding(ws: Workspace) -> Path | None:
    """Rewrite the sheet if what it shows changed (or it is gone); None when it was left as it was."""
    if model.ORDER not in ws.forms:
        return None
    return write_table(ws.store, "outstanding", outstanding_path(ws), "未交货明细", COLUMNS, outstanding_rows(ws),
                       ws.t("orders.outstanding_note"), page_text(ws.t, "未交货明细", "Undelivered lines",
                                                                  ws.clock.today()))
