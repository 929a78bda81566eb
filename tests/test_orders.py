"""From approved requests to a closed order: plans (R4), tracing (R6), sign-off (O1), issue (O2/O3),
immutability, delivery (O4, O7), receiving (O5, O8) and payment (O6), on real workbooks, PDFs and mail."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import io
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from conftest import good_row
from documents_helpers import pdf_file_text
from orders_flow import Flow, line_row
from pypdf import PdfReader


@pytest.fixture
def flow(tmp_path: Path) -> Iterator[Flow]:
    f = Flow(tmp_path / "ws")
    yield f
    f.close()


def attachment_names(mail_path: Path) -> list[str]:
    msg = email.message_from_bytes(mail_path.read_bytes(), policy=email.policy.default)
    return [part.get_filename() for part in msg.iter_attachments()]


# -- plans (R4) ------------------------------------------------------------------------------------

def test_plan_gathers_approved_requests_of_its_project_and_issues_a_pdf(flow: Flow) -> None:
    flow.approved_requests(good_row(quantity=300, project="万达广场"), good_row(item="龙骨", project="万达广场"),
                           good_row(item="瓷砖", project="别的项目"))
    flow.plans.set(2, planner="孙丽", project="万达广场")
    flow.run()
    assert flow.plans.cell(2, "key") == "PP-2026-0001"
    message = flow.plans.cell(2, "message")
    assert "PR-2026-0001、PR-2026-0002" in message and "PR-2026-0003" not in message
    assert "¥8,835.00" in message and "捌仟捌佰叁拾伍元整" in message       # 300 × 28.5 + 10 × 28.5
    flow.plans.set(2, commerce_head="同意 周刚")
    flow.run()
    assert flow.plans.cell(2, "status") == "已批准"
    text = pdf_file_text(flow.ws.cfg.output_dir / "PP-2026-0001.pdf")
    assert "PP-2026-0001" in text and "捌仟捌佰叁拾伍元整" in text and "8,835.00" in text
    [mail] = [m for m in flow.outbox() if "采购计划已批准" in m.subject]
    assert "sunli@" in mail.to and attachment_names(mail.path) == ["PP-2026-0001.pdf"]


def test_a_request_is_in_one_plan_only(flow: Flow) -> None:
    flow.approved_requests()
    flow.plans.put([{"planner": "孙丽", "project": "万达广场"}, {"planner": "孙丽", "project": "万达广场"}])
    flow.run()
    assert flow.plans.cell(2, "key") == "PP-2026-0001"
    assert flow.plans.cell(3, "status") == "无效" and "没有可汇总" in flow.plans.cell(3, "message")


def test_plan_for_a_project_with_nothing_approved_says_so(flow: Flow) -> None:
    flow.plans.set(2, planner="孙丽", project="万达广场")
    flow.run()
    assert flow.plans.cell(2, "status") == "无效"
    assert "「项目」" in flow.plans.cell(2, "message")


def test_approved_plan_is_frozen(flow: Flow) -> None:
    flow.approved_requests()
    flow.approved_plan()
    flow.plans.set(2, project="别的项目")
    flow.run()
    assert flow.plans.cell(2, "project") == "万达广场"
    assert "已签发" in flow.plans.cell(2, "message")


# -- order lines (R6) -------------------------------------------------------------------------------

@pytest.mark.parametrize(("line", "field", "hint"), [
    ({"request": "PR-2026-0099"}, "申请编号", "不是已登记的采购申请编号"),
    ({"request": "PR-2026-0002"}, "申请编号", "尚未批准"),
    ({"quantity": 301}, "订购数量", "批准 300，其他订单已订 0，本行最多 300"),
    ({"unit": "箱"}, "单位", "（张）"),
    ({"quantity": 0}, "订购数量", "大于 0"),
    ({"request": None}, "申请编号", "未填写"),
])
def test_a_line_must_trace_to_an_approved_planned_request(flow: Flow, line: dict, field: str, hint: str) -> None:
    flow.approved_requests()
    flow.requests.put_rows([good_row(item="龙骨")], start=3)         # PR-2026-0002: numbered, not approved
    flow.approved_plan()
    flow.lines.put([line_row(**line), line_row(quantity=5)])
    flow.run()
    assert flow.lines.cell(2, "status") == "无效"
    message = flow.lines.cell(2, "message")
    assert f"「{field}」" in message and hint in message
    assert flow.lines.cell(3, "key") == "POL-2026-0001"               # the rest of the sheet goes on


def test_an_unplanned_request_cannot_be_ordered(flow: Flow) -> None:
    flow.approved_requests()
    flow.lines.put([line_row()])
    flow.run()
    assert "尚未列入已批准的采购计划" in flow.lines.cell(2, "message")


def test_what_is_left_of_a_request_stays_open_for_later_orders(flow: Flow) -> None:
    flow.approved_requests()
    flow.approved_plan()
    flow.lines.put([line_row(quantity=200), line_row(order="B", quantity=100), line_row(order="C", quantity=1)])
    flow.run()
    assert [flow.lines.cell(r, "key") for r in (2, 3)] == ["POL-2026-0001", "POL-2026-0002"]
    assert "本行最多 0" in flow.lines.cell(4, "message")


# -- the order: O1 sign-off, issue, immutability ---------------------------------------------------

def test_order_is_signed_in_o1_order_then_issued_to_supplier_and_archives(flow: Flow) -> None:
    flow.drafted([line_row(), line_row(item="石膏板 12mm", spec="12mm", quantity=50, unit_price=31.5)])
    assert flow.orders.cell(2, "key") == "PO-2026-0001"
    assert flow.orders.cell(2, "status") == "待采购专员签字"
    flow.orders.set(2, engineering_sign="同意 王芳")                # out of order: refused, nothing moves
    flow.run()
    assert flow.orders.cell(2, "status") == "待采购专员签字"
    flow.orders.set(2, engineering_sign=None)
    flow.run()
    for column, who in (("buyer_sign", "孙丽"), ("commerce_sign", "周刚"), ("engineering_sign", "王芳"),
                        ("executive_sign", "吴军")):
        flow.orders.set(2, **{column: f"同意 {who}"})
        flow.run()
    assert flow.orders.cell(2, "status") == "已下达"
    assert [flow.lines.cell(r, "status") for r in (2, 3)] == ["已下单", "已下单"]
    pdf = flow.ws.cfg.output_dir / "PO-2026-0001.pdf"
    text = pdf_file_text(pdf)
    for expected in ("PO-2026-0001", "华美建材有限公司", "2,700.00", "1,575.00", "4,275.00", "肆仟贰佰柒拾伍元整",
                     "孙丽", "周刚", "王芳", "吴军", "万达广场 3F 工地", "府尚装饰工程有限公司"):
        assert expected in text, expected
    assert len(PdfReader(io.BytesIO(pdf.read_bytes())).pages) == 1
    to_supplier = [m for m in flow.outbox() if "sales@huamei" in m.to]
    archive = [m for m in flow.outbox() if "finance-archive@" in m.to and "commerce-archive@" in m.to]
    assert len(to_supplier) == 1 and len(archive) == 1
    assert attachment_names(to_supplier[0].path) == ["PO-2026-0001.pdf"] == attachment_names(archive[0].path)


def test_line_edited_before_signing_restarts_the_route(flow: Flow) -> None:
    flow.drafted()
    flow.orders.set(2, buyer_sign="同意 孙丽")
    flow.run()
    assert flow.orders.cell(2, "status") == "待商务部负责人签字"
    flow.lines.set(2, unit_price=26)
    flow.run()
    assert flow.orders.cell(2, "status") == "待采购专员签字"
    assert flow.orders.cell(2, "buyer_sign") == ""


def test_issued_order_is_put_back_when_edited_and_the_change_is_kept(flow: Flow) -> None:
    flow.to_placed()
    flow.orders.set(2, supplier="别的公司", delivery_date=dt.date(2027, 1, 5))
    flow.lines.set(2, quantity=999)
    flow.run()
    assert flow.orders.cell(2, "supplier") == "华美建材有限公司"
    assert flow.orders.cell(2, "delivery_date") == "2026-12-20"
    assert flow.lines.cell(2, "quantity") == "100"
    assert "修订" in flow.orders.cell(2, "message") and "PO-2026-0001" in flow.orders.cell(2, "message")
    [reverted] = [t for t in flow.ws.store.transitions("PO-2026-0001") if "撤回" in t["reason"]]
    assert "别的公司" in reverted["reason"] and "华美建材有限公司" in reverted["reason"]
    assert flow.orders.cell(2, "status") == "已下达"


def test_amendment_is_numbered_after_the_original_signed_again_and_supersedes_it(flow: Flow) -> None:
    flow.to_placed()
    flow.lines.put([line_row(order="A2", quantity=80)], start=3)   # the original line still holds 100 of 300
    flow.signed_order(row=3, draft="A2", amends="PO-2026-0001", delivery_date=dt.date(2026, 12, 27))
    assert flow.orders.cell(3, "key") == "PO-2026-0001-1"
    assert flow.orders.cell(3, "status") == "已下达"
    assert flow.orders.cell(2, "status") == "已被修订"
    assert flow.lines.cell(2, "status") == "已被修订"
    assert (flow.ws.cfg.output_dir / "PO-2026-0001.pdf").exists()       # the original is kept
    assert "PO-2026-0001 的修订版" in pdf_file_text(flow.ws.cfg.output_dir / "PO-2026-0001-1.pdf")


def test_custom_goods_are_valid_only_with_the_suppliers_confirmation(flow: Flow) -> None:
    flow.to_placed(goods="定加工品")
    assert flow.orders.cell(2, "status") == "待供应商确认"
    assert flow.lines.cell(2, "status") == "待下单"
    assert not [m for m in flow.outbox() if "finance-archive@" in m.to]
    flow.at(dt.datetime(2026, 12, 1, 9, 0))
    flow.run()
    assert [m for m in flow.outbox() if "sunli@" in m.to and "待供应商确认" in m.subject]
    flow.orders.set(2, confirmed_date=dt.date(2026, 12, 18))
    flow.run()
    assert flow.orders.cell(2, "status") == "待供应商确认"
    assert "同时填写" in flow.orders.cell(2, "message")
    flow.orders.set(2, countersigned="回传/PO-2026-0001-签章.pdf")
    flow.run()
    assert flow.orders.cell(2, "status") == "已下达"
    assert "2026-12-18" in flow.orders.cell(2, "message")              # the confirmed date is the due date now
    assert flow.lines.cell(2, "status") == "已下单"
    assert [m for m in flow.outbox() if "finance-archive@" in m.to]


# -- delivery (O4, O7) -----------------------------------------------------------------------------

def test_buyer_is_reminded_before_the_due_date_until_two_contacts_are_logged(flow: Flow) -> None:
    flow.to_placed()                                                   # due 2026-12-20
    flow.at(dt.datetime(2026, 12, 13, 9, 0))                           # 7 days before
    flow.run()
    reminders = [m for m in flow.outbox() if "交期提醒" in m.subject]
    assert len(reminders) == 1 and "sunli@" in reminders[0].to and "已记录 0 次" in reminders[0].text
    flow.orders.set(2, contact_1=dt.date(2026, 12, 13), contact_2=dt.date(2026, 12, 15))
    flow.at(dt.datetime(2026, 12, 17, 9, 0))                           # 3 days before: two contacts, no reminder
    flow.run()
    assert len([m for m in flow.outbox() if "交期提醒" in m.subject]) == 1
    assert "已记录 2 次" in flow.orders.cell(2, "message")


def test_not_received_on_the_due_date_tells_both_heads_until_a_contingency_plan(flow: Flow) -> None:
    flow.to_placed()
    flow.at(dt.datetime(2026, 12, 20, 17, 0))
    flow.run()
    assert flow.orders.cell(2, "status") == "逾期未到货"
    [overdue] = [m for m in flow.outbox() if "逾期未到货" in m.subject]
    assert "zhougang@" in overdue.to and "wangfang@" in overdue.to
    [t] = [t for t in flow.ws.store.transitions("PO-2026-0001") if t["to_state"] == "overdue"]
    assert "仅沟通 0 次" in t["reason"] and "仅沟通 0 次" in flow.orders.cell(2, "message")   # O4: flagged
    flow.run()
    assert len([m for m in flow.outbox() if "逾期未到货" in m.subject]) == 1   # told once
    flow.orders.set(2, contingency="改由恒通五金调货 12-22 到场")
    flow.run()
    assert flow.orders.cell(2, "status") == "逾期（已有预案）"


def test_outstanding_sheet_lists_undelivered_lines_and_follows_receipts(flow: Flow) -> None:
    flow.to_placed()
    path = flow.ws.cfg.output_dir / "未交货明细.xlsx"
    rows = list(openpyxl.load_workbook(path).active.iter_rows(min_row=2, max_row=2, values_only=True))
    assert rows[0][:9] == ("PO-2026-0001", "华美建材有限公司", "石膏板", "9.5mm", "张", dt.datetime(2026, 12, 20),
                       100, 0, 100)
    flow.lines.set(2, received_qty=60)
    flow.run()
    row = next(openpyxl.load_workbook(path).active.iter_rows(min_row=2, max_row=2, values_only=True))
    assert row[7:10] == (60, 40, "部分到货")
    assert flow.lines.cell(2, "status") == "部分到货"


# -- receiving and payment (O5, O6, O8) ------------------------------------------------------------

def test_failed_inspection_tells_the_supplier_and_waits_for_settlement(flow: Flow) -> None:
    flow.to_placed()
    flow.lines.set(2, received_qty=100, inspection="不合格", inspection_note="20 张受潮变形")
    flow.run()
    assert flow.lines.cell(2, "status") == "验收不合格"
    [claim] = [m for m in flow.outbox() if "验收不合格" in m.subject]
    assert "sales@huamei" in claim.to and "20 张受潮变形" in claim.text
    assert flow.orders.cell(2, "status") == "已下达"
    flow.lines.set(2, claim_result="已换货 20 张")
    flow.run()
    assert flow.lines.cell(2, "status") == "已结案"
    assert flow.orders.cell(2, "status") == "待付款"                    # 30 days' credit from config


def test_bad_inspection_entry_is_refused_alone_and_the_line_stays_ordered(flow: Flow) -> None:
    flow.to_placed()
    flow.lines.set(2, received_qty="一百")
    flow.run()
    assert flow.lines.cell(2, "status") == "已下单"
    assert "「实收数量」" in flow.lines.cell(2, "message")


def test_without_credit_terms_payment_is_requested_at_once_then_paid_closes(flow: Flow) -> None:
    flow.to_placed(supplier="恒通五金", supplier_email=None, delivery_note=None)
    flow.orders.set(2, delivery_note="SH-1203", receipt="SJ-88")
    flow.lines.set(2, received_qty=100, inspection="合格")
    flow.run()
    assert flow.orders.cell(2, "status") == "已申请付款"
    pdf = flow.ws.cfg.output_dir / "PO-2026-0001-付款申请.pdf"
    text = pdf_file_text(pdf)
    for expected in ("PAYMENT REQUEST", "PO-2026-0001", "恒通五金", "2,700.00", "贰仟柒佰元整", "SH-1203", "SJ-88",
                     "万达广场"):     # the order row has no 项目: its request's project
        assert expected in text, expected
    [mail] = [m for m in flow.outbox() if "付款申请" in m.subject]
    assert "hemei@" in mail.to and "finance-archive@" in mail.to
    assert attachment_names(mail.path) == ["PO-2026-0001-付款申请.pdf"]
    flow.orders.set(2, paid_on=dt.date(2026, 12, 22))
    flow.run()
    assert flow.orders.cell(2, "status") == "已销单"


def test_with_credit_terms_the_request_goes_lead_days_before_due(flow: Flow) -> None:
    flow.to_placed(credit_days=10)
    flow.lines.set(2, received_qty=100, inspection="合格")
    flow.run()                                                        # received 2026-11-29: due 12-09
    assert flow.orders.cell(2, "status") == "待付款"
    assert "2026-12-09" in flow.orders.cell(2, "message")
    flow.at(dt.datetime(2026, 12, 5, 9, 0))
    flow.run()
    assert flow.orders.cell(2, "status") == "待付款"
    flow.at(dt.datetime(2026, 12, 6, 9, 0))                            # 3 lead days before
    flow.run()
    assert flow.orders.cell(2, "status") == "已申请付款"


# -- config -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "key"), [
    ('[orders]\narchive_finance = "not an address"\n', "orders.archive_finance"),
    ("[orders]\ncontact_reminder_days = [7, -1]\n", "orders.contact_reminder_days"),
    ('[orders]\noutstanding_file = "../x.csv"\n', "orders.outstanding_file"),
    ('[suppliers."某公司"]\ncredit_days = 400\n', "credit_days"),
    ('[suppliers."某公司"]\nbank = "x"\n', "bank"),
])
def test_order_settings_are_checked_at_start(tmp_path: Path, text: str, key: str) -> None:
    from processors.errors import ConfigError
    from processors.init_workspace import init_workspace
    from processors.workspace import Workspace

    root = tmp_path / "ws"
    init_workspace(root)
    config = root / "config.toml"
    body = config.read_text(encoding="utf-8")
    for table in ("[orders]", '[suppliers."华美建材有限公司"]', '[suppliers."恒通五金"]'):
        start = body.index(table)
        end = body.find("\n[", start + 1)
        body = body[:start] + body[end + 1:]
    config.write_text(body + "\n" + text, encoding="utf-8")
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        Workspace(root)


def test_a_form_naming_an_unknown_kind_stops_at_start(tmp_path: Path) -> None:
    from processors.errors import FormDefinitionError
    from processors.init_workspace import init_workspace
    from processors.resources import bundled_dir
    from processors.workspace import Workspace

    root = tmp_path / "ws"
    init_workspace(root)
    (root / "forms").mkdir(exist_ok=True)
    text = (bundled_dir("forms") / "purchase_order.toml").read_text(encoding="utf-8")
    (root / "forms" / "purchase_order.toml").write_text(text.replace('kind = "purchase_order"', 'kind = "frobnicate"'),
                                                        encoding="utf-8")
    with pytest.raises(FormDefinitionError, match="kind"):
        Workspace(root)


def test_approvers_mail_shows_the_lines_and_total_they_sign(flow: Flow) -> None:
    flow.drafted()
    [mail] = [m for m in flow.outbox() if "sunli@" in m.to and "PO-2026-0001" in m.subject]
    assert "石膏板 9.5mm × 100 张 @ ¥27 = ¥2700.00" in mail.text and "¥2700.00" in mail.text


def test_lines_of_an_order_sent_for_confirmation_are_frozen(flow: Flow) -> None:
    flow.to_placed(goods="定加工品")
    flow.lines.set(2, quantity=120)
    flow.run()
    assert flow.lines.cell(2, "quantity") == "100" and "已签发" in flow.lines.cell(2, "message")
