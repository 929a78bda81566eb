"""The order and lease forms run on Google Sheets by configuration alone: issued, in force, billed, paid."""

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


def test_lease_chain_on_google(tmp_path: Path, fake_google: FakeGoogle) -> None:
    ws, sid = make_google_workspace(tmp_path / "ws", fake_google, NOW,
                                    config_edit=lambda t: t.replace("codes = true", "codes = false"))
    units, leases, payments = (GoogleFormSheet(ws, fake_google, sid, f) for f in ("unit", "lease", "rent_payment"))
    units.put([{"unit_no": "1F-01", "floor": "1F", "area": 120, "category": "餐饮"}])
    run_pass(ws)
    assert units.cell(2, "key") == "1F-01" and units.cell(2, "status") == "空置"
    leases.put([{"tenant": "味道餐饮有限公司", "category": "餐饮", "contact": "陈先生",
                 "email": "chen@weidao.example.com", "unit": "1F-01", "start": dt.date(2026, 12, 1),
                 "end": dt.date(2027, 11, 30), "rent_basis": "按面积",
                 "rent": 300, "management_fee": 25, "cycle": "月付", "due_day": 5, "deposit": 108000}])
    run_pass(ws)
    for column, who in (("leasing_sign", "林晓"), ("commerce_sign", "周刚"), ("gm_sign", "郑涛")):
        leases.set(2, **{column: f"同意 {who}"})
        run_pass(ws)
    assert leases.cell(2, "status") == "待商户签约"
    assert (ws.cfg.output_dir / "LC-2026-0001.pdf").exists()
    leases.set(2, signed_copy="回传.pdf")
    run_pass(ws)
    assert leases.cell(2, "status") == "履约中" and units.cell(2, "status") == "已出租"
    payments.put([{"lease": "LC-2026-0001", "amount": 39000, "paid_on": dt.date(2026, 12, 3), "recorded_by": "何梅"}])
    run_pass(ws)
    run_pass(ws)
    assert payments.cell(2, "status") == "已入账" and "2026-12-01~2026-12-31" in payments.cell(2, "message")
    assert (ws.cfg.output_dir / "租金台账.xlsx").exists() and (ws.cfg.output_dir / "经营报表.pdf").exists()
    ws.close()
