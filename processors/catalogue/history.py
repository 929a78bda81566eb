"""Every SKU's price history (P1): output/价格历史.xlsx, one row per price an SKU had, oldest first.

The first price is the list price the SKU was put on file with; every later one names the price change that
set it and the price it replaced. Rewritten only when a price was added (the workbook is sheetflow's alone).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook

from ..sheets.cells import MONEY
from ..sheets.generated import LOOK, page_text, save, table_sheet, unchanged
from ..sheets.layout import Column
from ..workspace import Workspace

META = "catalogue_history"
COLUMNS = [Column("货号", "SKU"), Column("商品名称", "Product"), Column("价格", "Price", MONEY),
           Column("原价", "Was", MONEY), Column("生效日期", "Effective"), Column("依据", "Set by"),
           Column("批准人", "Approved by"), Column("记录时间", "Recorded")]


def history_path(ws: Workspace) -> Path:
    return ws.cfg.output_dir / ws.cfg.catalogue.history_file


def history_rows(ws: Workspace, sku: str | None = None) -> list[list[object]]:
    names = {item["key"]: item["sku"] for item in ws.store.catalogue_items()}
    products = {names[r.key]: r.data.get("name", "") for r in ws.store.records("catalogue") if r.key in names}
    return [[row["sku"], products.get(row["sku"], ""), Decimal(row["price"]), Decimal(row["was"]) if row["was"]
             else "", row["effective"], row["source"], row["by"], row["at"][:16].replace("T", " ")]
            for row in ws.store.price_history(sku)]


def write_history(ws: Workspace) -> Path | None:
    """The workbook, when a price was added since it was written (nothing before the first SKU)."""
    rows = history_rows(ws)
    path = history_path(ws)
    mark = repr((LOOK, 1, rows))
    if not rows or unchanged(ws.store, META, mark, path, empty=False):
        return None
    wb = Workbook()
    table_sheet(wb, "价格历史", COLUMNS, rows, note=ws.t("catalogue.history_note"),
                page=page_text(ws.t, "价格历史", "Price history", ws.clock.today()))
    save(wb, path)
    with ws.store.transaction():
        ws.store.set_meta(META, mark)
    return path
