"""The order forms run on Google Sheets by configuration alone: a plan, a line and an order signed and issued."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from backends import GoogleFormSheet, GoogleSheet, make_google_workspace
from conftest import NOW, good_row
from google_fake import FakeGoogle

from processors.passes import run_pass


def test_order_chain_on_google(tmp_path: Path, fake_google: FakeGoogle) -> None:
    ws, sid = make_google_workspace(tmp_path / "ws", fake_google, NOW,
                                    config_edit=lambda t: t.replace("codes = true", "codes = false"))
    requests = GoogleSheet(ws, fake_google, sid)
    plans, lines, orders = (GoogleFormSheet(ws, fake_google, sid, f)
                            for f in ("purchase_plan", "order_line", "purchase_order"))
    requests.put_rows([good_row(quantity=300, project="万达广场")])
    run_pass(ws)
    requests.set(2, "dept_head", "同意 王芳")
    run_pass(ws)
    requests.set(2, "purchasing_review", "同意 孙丽")
    run_pass(ws)
    plans.put([{"planner": "孙丽", "project": "万达广场"}])
    run_pass(ws)
    plans.set(2, commerce_head="同意 周刚")
    run_pass(ws)
    assert plans.cell(2, "status") == "已批准"
    lines.put([{"order": "A", "request": "PR-2026-0001", "item": "石膏板", "spec": "9.5mm", "unit": "张",
                "quantity": 100, "unit_price": 27}])
    orders.put([{"draft": "A", "buyer": "孙丽", "supplier": "华美建材有限公司", "goods": "标准品",
                 "delivery_date": dt.date(2026, 12, 20), "delivery_place": "工地", "payment_terms": "验收后付款"}])
    run_pass(ws)
    run_pass(ws)               # the lines are numbered in the first pass's write; the order reads them in this one
    assert lines.cell(2, "key") == "POL-2026-0001"
    assert orders.cell(2, "key") == "PO-2026-0001"
    for column, who in (("buyer_sign", "孙丽"), ("commerce_sign", "周刚"), ("engineering_sign", "王芳"),
                        ("executive_sign", "吴军")):
        orders.set(2, **{column: f"同意 {who}"})
        run_pass(ws)
    assert orders.cell(2, "status") == "已下达"
    assert lines.cell(2, "status") == "已下单"
    assert (ws.cfg.output_dir / "PO-2026-0001.pdf").exists()
    assert (ws.cfg.output_dir / "未交货明细.xlsx").exists()
    orders.set(2, supplier="别的公司")
    run_pass(ws)
    assert orders.cell(2, "supplier") == "华美建材有限公司"
    ws.close()
