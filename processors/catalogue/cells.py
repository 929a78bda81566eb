"""The catalogue's owned cells (现价, 促销): what sheetflow decided, written into the SKU's row cell by cell.

The engine writes a row's status and message itself; these two cells are the catalogue's own, so they join the
row's owed write (the same pending write, under the same key and the same fingerprint the row was read with),
and land with it, or wait with it while the workbook is open. What the sheet shows is remembered
(`catalogue_items.shown`): a value is written again only when the catalogue changed, when a row read this pass
shows something else (someone typed over it, or the write it rode on was dropped because the row changed
first), so a put-back never loops and a lost write is never lost for good.
"""

from __future__ import annotations

from ..store.db import PendingWrite, Record
from ..workspace import Workspace
from .facts import FORM, price_text

OWNED = ("price", "promo")


def wanted(ws: Workspace, key: str) -> dict[str, str]:
    row = ws.store.catalogue_item(key=key)
    if row is None:
        return {}
    return {"price": price_text(row["price"]), "promo": row["promo"]}


def observed(values: dict[str, object]) -> dict[str, str]:
    """The owned cells of a row as read (typed values), in the text `wanted` compares with."""
    return {"price": price_text(values.get("price")), "promo": str(values.get("promo") or "").strip()}


def owed_writes(ws: Workspace, file: str) -> dict[str, PendingWrite]:
    """The writes a workbook is owed, by the key of the record each is for (read once for many SKUs)."""
    out: dict[str, PendingWrite] = {}
    for pw in ws.store.pending(file):
        key = (pw.new_record or {}).get("key") or (pw.target[4:] if pw.target.startswith("key:") else "")
        if key:
            out[str(key)] = pw
    return out


def push(ws: Workspace, record: Record, seen: dict[str, str] | None = None,
         owed: dict[str, PendingWrite] | None = None) -> bool:
    """Owe the row the cells the catalogue says, unless it shows them already; inside the caller's transaction.

    `seen`: the cells as a read of this pass found them (else what was last written); `owed`: the workbook's
    owed writes by record (`owed_writes`), when the caller pushes many rows. False when nothing was owed, or
    the row cannot be addressed yet (never read: its first read will ask again).
    """
    want = wanted(ws, record.key)
    if not want:
        return False
    believed = seen if seen is not None else ws.store.catalogue_shown(record.key)
    if all(believed.get(k, "") == want[k] for k in OWNED):
        if seen is not None:
            ws.store.set_catalogue_shown(record.key, want)
        return False
    pending = (owed if owed is not None else owed_writes(ws, record.file)).get(record.key)
    if pending is not None:
        cells, expected, new, target = {**pending.cells, **want}, pending.expected, pending.new_record, \
            pending.target
    else:
        fp = ws.store.row_fp(record.file, record.key)
        if fp is None:
            return False
        cells, expected, new, target = dict(want), {"fp": fp}, None, f"key:{record.key}"
    ws.store.put_pending(form=FORM, file=record.file, target=target, cells=cells, expected=expected,
                         new_record=new, at=ws.clock.now().isoformat(timespec="seconds"))
    ws.store.set_catalogue_shown(record.key, want)
    return True
