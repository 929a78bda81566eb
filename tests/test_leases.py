"""Units and leases (L1–L3, L6) on real workbooks: checks, sign-off, contract PDF, bills, payments, dunning, end."""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from approvals_helpers import mails
from conftest import TZ
from orders_helpers import FormSheet
from test_orders import attachment_names

from processors.clock import Clock
from processors.init_workspace import init_workspace
from processors.passes import run_pass
from processors.workspace import Workspace

START = dt.datetime(2026, 11, 29, 10, 0)
SIGNERS = (("leasing_sign", "林晓"), ("commerce_sign", "周刚"), ("gm_sign", "郑涛"))


def lease_row(**changes: Any) -> dict[str, Any]:
    row = {"tenant": "味道餐饮有限公司", "brand": "味道", "category": "餐饮", "contact": "陈先生",
           "email": "chen@weidao.example.com", "unit": "1F-01", "start": dt.date(2026, 12, 1),
           "end": dt.date(2027, 11, 30), "free_months": 0, "rent_basis": "按面积", "rent": 300,
           "management_fee": 25, "escalation": 0, "cycle": "月付", "due_day": 5, "deposit": 108000,
           "penalty_rate": 0.05}
    row.update(changes)
    return {k: v for k, v in row.items() if v is not None}


class Mall:
    def __init__(self, root: Path) -> None:
        init_workspace(root)
        config = root / "config.toml"
        config.write_text(config.read_text(encoding="utf-8").replace("codes = true", "codes = false"),
                          encoding="utf-8")
        self.root = root
        self.ws = Workspace(root, clock=Clock(TZ, START.replace(tzinfo=TZ)))
        self.units, self.leases, self.payments = (FormSheet(self.ws, f) for f in ("unit", "lease", "rent_payment"))
        self.units.put([{"unit_no": "1F-01", "floor": "1F", "area": 120, "category": "餐饮"},
                        {"unit_no": "1F-02", "floor": "1F", "area": 80, "category": "服装"}])
        self.run()

    def run(self) -> None:
        run_pass(self.ws)

    def at(self, when: dt.datetime) -> None:
        self.ws.close()
        self.ws = Workspace(self.root, clock=Clock(TZ, when.replace(tzinfo=TZ)))

    def signed(self, row: int = 2, **lease: Any) -> None:
        self.leases.put([lease_row(**lease)], start=row)
        self.run()
        for column, who in SIGNERS:
            self.leases.set(row, **{column: f"同意 {who}"})
            self.run()

    def active(self, **lease: Any) -> None:
        self.signed(**lease)
        self.leases.set(2, signed_copy="回传/LC-2026-0001.pdf")
        self.run()

    def roll(self) -> list[tuple[Any, ...]]:
        sheet = openpyxl.load_workbook(self.ws.cfg.output_dir / "租金台账.xlsx").active
        return [r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] and str(r[0]).startswith("LC-")]


@pytest.fixture
def mall(tmp_path: Path) -> Iterator[Mall]:
    m = Mall(tmp_path / "ws")
    yield m
    m.ws.close()


def test_a_unit_with_a_negative_area_says_so(mall: Mall) -> None:
    mall.units.put([{"unit_no": "3F-01", "floor": "3F", "area": -20, "category": "零售"}], start=4)
    mall.run()
    assert mall.units.cell(4, "status") == "无效" and "「面积（m²）」" in mall.units.cell(4, "message")


def test_units_are_registered_by_their_number_and_start_vacant(mall: Mall) -> None:
    assert mall.units.row(2) == {"key": "1F-01", "status": "空置", "message": "空置，可招商。"}
    mall.units.put([{"unit_no": "1f-01", "floor": "1F", "area": 50, "category": "零售"}], start=4)
    mall.run()
    assert mall.units.cell(4, "status") == "无效" and "已在第 2 行登记" in mall.units.cell(4, "message")


@pytest.mark.parametrize(("changes", "field", "hint"), [
    ({"unit": "9F-99"}, "铺位号", "不在铺位表中"),
    ({"end": dt.date(2026, 11, 1)}, "到期日", "须晚于起租日"),
    ({"unit": "1F-02"}, "品类说明", "规划品类为「服装」"),
    ({"free_months": 12, "end": dt.date(2027, 6, 30)}, "免租期（月）", "不能覆盖整个租期"),
    ({"rent": -1}, "租金", "不能小于 0"),
    ({"email": "chen at weidao"}, "商户邮箱", ""),
])
def test_a_lease_is_checked_against_its_unit_and_its_own_terms(mall: Mall, changes: dict, field: str,
                                                               hint: str) -> None:
    mall.leases.put([lease_row(**changes), lease_row(unit="1F-02", category="服装")])
    mall.run()
    assert mall.leases.cell(2, "status") == "无效"
    message = mall.leases.cell(2, "message")
    assert f"「{field}」" in message and hint in message
    assert mall.leases.cell(3, "key") == "LC-2026-0001"                # the rest of the sheet goes on


def test_a_unit_cannot_be_leased_twice_over_overlapping_dates(mall: Mall) -> None:
    mall.active()
    mall.leases.put([lease_row(tenant="另一家", start=dt.date(2027, 6, 1), end=dt.date(2028, 5, 31))], start=3)
    mall.run()
    assert mall.leases.cell(3, "status") == "无效"
    assert "LC-2026-0001" in mall.leases.cell(3, "message") and "重叠" in mall.leases.cell(3, "message")
    mall.leases.set(3, start=dt.date(2027, 12, 1), end=dt.date(2028, 11, 30))   # after it ends: fine
    mall.run()
    assert mall.leases.cell(3, "key") == "LC-2026-0002"


def test_signed_lease_sends_the_contract_and_is_in_force_with_the_signed_copy(mall: Mall) -> None:
    mall.signed(free_months=2, cycle="季付", escalation=5, end=dt.date(2029, 11, 30))
    assert mall.leases.cell(2, "status") == "待商户签约"
    assert mall.units.cell(2, "status") == "洽谈中"
    pdf = mall.ws.cfg.output_dir / "LC-2026-0001.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    for expected in ("LC-2026-0001", "味道餐饮有限公司", "1F-01", "120", "2026-12-01~2027-02-28", "45,000.00",
                     "122,400.00", "壹拾万捌仟元整", "滞纳金"):
        assert expected in text, expected
    [mail] = [m for m in mails(mall.ws.cfg.outbox_dir) if "chen@weidao" in m.to]
    assert attachment_names(mail.path) == ["LC-2026-0001.pdf"]
    mall.leases.set(2, signed_copy="回传/LC-2026-0001.pdf")
    mall.run()
    assert mall.leases.cell(2, "status") == "履约中"
    assert mall.units.cell(2, "status") == "已出租"
    roll = mall.roll()
    assert len(roll) == 12                                                # 3 years quarterly
    assert roll[0][4:8] == ("2026-12-01~2027-02-28", roll[0][5], dt.datetime(2026, 12, 5), 45000)


def test_issued_lease_is_put_back_when_edited(mall: Mall) -> None:
    mall.active()
    mall.leases.set(2, rent=200)
    mall.run()
    assert mall.leases.cell(2, "rent") == "300"
    assert "已签发" in mall.leases.cell(2, "message")


def test_payments_settle_the_oldest_bill_first(mall: Mall) -> None:
    mall.active()                                                         # monthly 36,000 + 3,000 fee
    mall.at(dt.datetime(2027, 1, 10, 9, 0))
    mall.run()
    mall.payments.put([{"lease": "LC-2026-0001", "amount": 80000, "paid_on": dt.date(2027, 1, 10),
                        "recorded_by": "何梅"}])
    mall.run()
    message = mall.payments.cell(2, "message")
    assert "2026-12-01~2026-12-31 ¥39,000.00" in message and "2027-01-01~2027-01-31 ¥39,000.00" in message
    assert "2027-02-01~2027-02-28 ¥2,000.00" in message                   # the rest goes to the next bill
    roll = mall.roll()
    assert roll[0][10] == 0 and roll[0][9] == dt.datetime(2027, 1, 10)     # settled on the day paid
    assert roll[0][12] == pytest.approx(39000 * 36 * 0.0005)              # 2026-12-05 → 2027-01-10: 36 days late


def test_bill_notice_before_due_then_dunning_at_each_step(mall: Mall) -> None:
    mall.active()
    notices = [m for m in mails(mall.ws.cfg.outbox_dir) if "缴费通知" in m.subject]
    assert len(notices) == 1 and "¥39,000.00" in notices[0].text          # due 12-05, within 7 days
    for day, expected in ((6, 1), (20, 2), (2027_01_04, 3)):
        when = dt.datetime(2026, 12, day, 9, 0) if day < 100 else dt.datetime(2027, 1, 4, 9, 0)
        mall.at(when)
        mall.run()
        dunning = [m for m in mails(mall.ws.cfg.outbox_dir) if "催缴函" in m.subject and "2026-12-05" in m.text]
        assert len(dunning) == expected
    assert "0.05%" in dunning[-1].text
    assert "逾期欠款" in mall.leases.cell(2, "message")


def test_expiry_reminders_at_90_60_30_days(mall: Mall) -> None:
    mall.active(end=dt.date(2027, 3, 31))
    sent = []
    for when in (dt.datetime(2027, 1, 1), dt.datetime(2027, 1, 31), dt.datetime(2027, 3, 1), dt.datetime(2027, 3, 5)):
        mall.at(when)
        mall.run()
        sent = [m for m in mails(mall.ws.cfg.outbox_dir) if "合同到期提醒" in m.subject]
    assert len(sent) == 3 and all("linxiao@" in m.to for m in sent)
    mall.at(dt.datetime(2027, 4, 1, 9, 0))
    mall.run()
    assert mall.leases.cell(2, "status") == "已到期"


def test_early_termination_settles_the_deposit_and_clearing_frees_the_unit(mall: Mall) -> None:
    mall.active()
    mall.at(dt.datetime(2027, 2, 20, 9, 0))
    mall.leases.set(2, terminate_on=dt.date(2027, 2, 14), terminate_reason="经营不善")
    mall.run()
    assert mall.leases.cell(2, "status") == "已终止"
    roll = mall.roll()
    assert [r[4] for r in roll] == ["2026-12-01~2026-12-31", "2027-01-01~2027-01-31", "2027-02-01~2027-02-14"]
    feb = 39000 * 14 / 28                                                  # 14 of 28 days
    owed = 39000 * 2 + feb
    assert roll[2][7] == pytest.approx(feb)
    assert f"{108000 - owed:,.2f}" in mall.leases.cell(2, "message")     # deposit back after what is owed
    mall.leases.set(2, cleared_on=dt.date(2027, 2, 28))
    mall.run()
    assert mall.leases.cell(2, "status") == "已清退"
    assert mall.units.cell(2, "status") == "空置"


def test_monthly_sales_settle_turnover_rent_above_the_base(mall: Mall) -> None:
    mall.active(turnover_rate=10)                                         # base rent 36,000 a month
    sales = FormSheet(mall.ws, "tenant_sales")
    sales.put([{"lease": "LC-2026-0001", "month": dt.date(2026, 12, 1), "sales": 500000},
               {"lease": "LC-2026-0001", "month": dt.date(2027, 1, 15), "sales": 300000},
               {"lease": "LC-2026-0001", "month": dt.date(2026, 12, 31), "sales": 1}])
    mall.run()
    assert "扣点租金 ¥14,000.00" in sales.cell(2, "message")               # 50,000 − 36,000
    assert "坪效 ¥4,166.67/m²" in sales.cell(2, "message")                # 500,000 / 120
    assert "无需补缴" in sales.cell(3, "message")                          # 30,000 < 36,000
    assert sales.cell(4, "status") == "无效" and "TS-2026-0001" in sales.cell(4, "message")   # December again
    turnover = [r for r in mall.roll() if r[3] == "扣点"]
    assert len(turnover) == 1 and turnover[0][6] == dt.datetime(2027, 1, 5) and turnover[0][7] == 14000


def test_fit_out_is_approved_by_engineering_then_commerce_and_the_tenant_is_told(mall: Mall) -> None:
    mall.active(free_months=2)
    fitout = FormSheet(mall.ws, "fitout")
    fitout.put([{"lease": "LC-2026-0001", "drawings": "WD-1F01-A3 rev.2", "contractor": "宏达装饰",
                 "start": dt.date(2026, 12, 10), "end": dt.date(2027, 1, 20)},
                {"lease": "LC-2026-0001", "drawings": "x", "contractor": "y",
                 "start": dt.date(2026, 11, 1), "end": dt.date(2026, 11, 20)}])
    mall.run()
    assert fitout.cell(2, "status") == "待工程部负责人审批"
    assert "须在租期内" in fitout.cell(3, "message")
    fitout.set(2, engineering_sign="同意 王芳")
    mall.run()
    fitout.set(2, commerce_sign="同意 周刚")
    mall.run()
    assert fitout.cell(2, "status") == "已批准"
    [told] = [m for m in mails(mall.ws.cfg.outbox_dir) if "chen@weidao" in m.to and "二次装修" in m.subject]
    assert "已批准" in told.subject and "WD-1F01-A3 rev.2" in told.text


def test_rejected_fit_out_tells_the_tenant_why(mall: Mall) -> None:
    mall.active()
    fitout = FormSheet(mall.ws, "fitout")
    fitout.put([{"lease": "LC-2026-0001", "drawings": "WD-1", "contractor": "宏达装饰",
                 "start": dt.date(2026, 12, 10), "end": dt.date(2027, 1, 20)}])
    mall.run()
    fitout.set(2, engineering_sign="驳回 王芳 排烟管道不符合消防要求")
    mall.run()
    assert fitout.cell(2, "status") == "已驳回"
    [told] = [m for m in mails(mall.ws.cfg.outbox_dir) if "chen@weidao" in m.to and "未获批准" in m.subject]
    assert "排烟管道不符合消防要求" in told.text


def test_amendment_is_signed_again_and_changes_only_bills_not_yet_due(mall: Mall) -> None:
    mall.active()                                                        # 36,000 + 3,000 a month from 2026-12
    mall.at(dt.datetime(2027, 2, 10, 9, 0))
    mall.leases.put([lease_row(amends="LC-2026-0001", start=dt.date(2027, 3, 1), rent=250)], start=3)
    mall.run()
    assert mall.leases.cell(3, "key") == "LC-2026-0001-1"              # no overlap with the lease it changes
    for column, who in SIGNERS:
        mall.leases.set(3, **{column: f"同意 {who}"})
        mall.run()
    mall.leases.set(3, signed_copy="回传/LC-2026-0001-1.pdf")
    mall.run()
    assert mall.leases.cell(2, "status") == "已变更" and mall.leases.cell(3, "status") == "履约中"
    roll = mall.roll()
    original = [r for r in roll if r[0] == "LC-2026-0001"]
    amended = [r for r in roll if r[0] == "LC-2026-0001-1"]
    assert [r[4] for r in original] == ["2026-12-01~2026-12-31", "2027-01-01~2027-01-31", "2027-02-01~2027-02-28"]
    assert all(r[7] == 39000 for r in original)                          # past bills never change
    assert amended[0][4] == "2027-03-01~2027-03-31" and amended[0][7] == 33000   # 120 × 250 + 3,000
    assert len(amended) == 9


def test_renewal_names_an_existing_lease(mall: Mall) -> None:
    mall.active()
    mall.leases.put([lease_row(renews="LC-2026-0099", start=dt.date(2027, 12, 1), end=dt.date(2028, 11, 30)),
                     lease_row(renews="LC-2026-0001", start=dt.date(2027, 12, 1), end=dt.date(2028, 11, 30))],
                    start=3)
    mall.run()
    assert "「续租原合同」LC-2026-0099" in mall.leases.cell(3, "message")
    assert mall.leases.cell(4, "key") == "LC-2026-0002"


def test_report_shows_occupancy_collection_aging_and_sales_per_sqm_with_a_chart(mall: Mall) -> None:
    mall.active(turnover_rate=10)
    FormSheet(mall.ws, "tenant_sales").put([{"lease": "LC-2026-0001", "month": dt.date(2026, 12, 1),
                                             "sales": 360000}])
    mall.at(dt.datetime(2027, 2, 20, 9, 0))                               # Dec paid, Jan and Feb owed
    mall.payments.put([{"lease": "LC-2026-0001", "amount": 39000, "paid_on": dt.date(2026, 12, 5),
                        "recorded_by": "何梅"}])
    mall.run()
    book = openpyxl.load_workbook(mall.ws.cfg.output_dir / "经营报表.xlsx")
    occupancy = {(r[0], r[1]): r for r in book["出租率"].iter_rows(min_row=2, values_only=True)}
    assert occupancy[("楼层", "1F")][2:7] == (2, 1, 200, 120, 0.6)
    money = list(book["收缴"].iter_rows(values_only=True))
    assert money[1][:2] == (117000, 39000)                                # 3 bills due, 1 paid
    aging = {r[0]: r[1] for r in money[4:]}
    assert aging["31–60"] == 39000 and aging["0–30"] == 39000            # Jan 46 days, Feb 15 days
    sales = list(book["坪效"].iter_rows(min_row=2, values_only=True))
    assert sales[0][5] == 3000                                            # 360,000 / 120 m²
    pdf = mall.ws.cfg.output_dir / "经营报表.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "LEASING REPORT" in text and "60%" in text and "3,000.00" in text
    assert "Area by floor" in text and "117,000" in text                 # the charts' titles and bar labels


def test_report_is_made_again_only_when_a_figure_changes(mall: Mall) -> None:
    """A pass with nothing new leaves 经营报表 as it was (its PDF is not made again); bills falling due change it."""
    mall.active()
    out = mall.ws.cfg.output_dir
    before = {name: (out / name).stat() for name in ("经营报表.xlsx", "经营报表.pdf")}
    mall.run()
    mall.run()
    assert {name: ((out / name).stat().st_ino, (out / name).stat().st_mtime_ns) for name in before} == \
        {name: (st.st_ino, st.st_mtime_ns) for name, st in before.items()}
    mall.at(dt.datetime(2027, 2, 20, 9, 0))                               # bills now due: billed changes
    mall.run()
    assert (out / "经营报表.xlsx").stat().st_mtime_ns != before["经营报表.xlsx"].st_mtime_ns
