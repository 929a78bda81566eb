"""The catalogue (P1–P4): SKUs on file with their price in force, changed only by approved requests on their
day (the old price kept, the history listed), listed and delisted by request or by stock, promotions shown while
they run, every approved change published within 48 clock hours."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from approvals_helpers import mails
from catalogue_flow import (
    DIRECTOR,
    HEAD,
    MONDAY,
    PLANNER,
    CatalogueFlow,
    item,
    listing_row,
    price_row,
    promo_row,
)
from conftest import TZ
from orders_helpers import FormSheet

from processors.catalogue.history import history_path
from processors.config import load_config
from processors.errors import ConfigError
from processors.init_workspace import init_workspace
from processors.kinds.plugins import kind_for
from processors.passes import run_pass
from processors.workspace import Workspace

TUESDAY = MONDAY + dt.timedelta(days=1)


@pytest.fixture
def flow(tmp_path: Path) -> Iterator[CatalogueFlow]:
    f = CatalogueFlow(tmp_path / "ws")
    yield f
    f.close()


def history(flow: CatalogueFlow) -> list[tuple[object, ...]]:
    wb = openpyxl.load_workbook(history_path(flow.ws))
    rows = list(wb["价格历史"].iter_rows(min_row=2, values_only=True))
    return [r[:6] for r in rows if r[5]]   # the note under the table has no source


# -- the catalogue and its price -------------------------------------------------------------------------------

def test_a_new_sku_is_on_file_unlisted_at_its_list_price_which_starts_its_history(flow: CatalogueFlow) -> None:
    flow.put("catalogue", item(), item("sf-002", name="餐椅", list_price="420.5"))
    first = flow.row("catalogue")
    assert (first["key"], first["status"]) == ("SP-2026-0001", "未上架") and "上下架申请" in first["message"]
    assert [flow.cell("catalogue", "price", r) for r in (2, 3)] == ["3680.00", "420.50"]
    assert flow.cell("catalogue", "sku", 3) == "sf-002"          # the typed cell stays as typed …
    assert history(flow) == [("SF-001", "岩板餐桌 1.8m", 3680, None, "2026-11-30", "SP-2026-0001"),
                             ("SF-002", "餐椅", 420.5, None, "2026-11-30", "SP-2026-0002")]   # … the SKU is one


def test_the_price_cell_is_sheetflows_a_typed_price_is_put_back_and_the_row_says_how(flow: CatalogueFlow) -> None:
    flow.put("catalogue", item())
    flow.set("catalogue", 2, price=1999)
    assert flow.cell("catalogue", "price") == "3680.00"
    assert "「现价」由系统按已批准的调价申请维护" in flow.row("catalogue")["message"]
    flow.run()
    assert flow.cell("catalogue", "price") == "3680.00" and len(history(flow)) == 1


def test_an_sku_on_file_stays_as_it_is_and_a_second_row_for_it_is_refused(flow: CatalogueFlow) -> None:
    flow.put("catalogue", item())
    flow.set("catalogue", 2, sku="SF-009")
    assert flow.cell("catalogue", "sku") == "SF-001" and "货号是调价" in flow.row("catalogue")["message"]
    flow.put("catalogue", item(name="另一个"), start=3)
    assert flow.row("catalogue", 3)["key"] == "" and "SF-001" in flow.row("catalogue", 3)["message"]


def test_a_price_change_waits_for_its_day_then_applies_keeping_the_old_price(flow: CatalogueFlow) -> None:
    flow.listed()
    flow.put("price_change", price_row(effective=TUESDAY.date()))
    assert flow.row("price_change")["status"] == "待市场总监签批"
    assert flow.mails(to=DIRECTOR, subject="PC-2026-0001") and not flow.mails(to=PLANNER, subject="验证码")
    flow.sign("price_change")
    assert flow.row("price_change")["status"] == "待生效"
    assert "2026-12-01 起价格由 ¥3680.00 调为 ¥3280.00" in flow.row("price_change")["message"]
    assert flow.cell("catalogue", "price") == "3680.00"
    flow.at(TUESDAY.replace(hour=0, minute=0, second=1))
    flow.run()
    assert flow.row("price_change")["status"] == "已生效"
    assert flow.cell("catalogue", "price") == "3280.00"
    assert "原价 ¥3680.00" in flow.row("catalogue")["message"] and "PC-2026-0001" in flow.row("catalogue")["message"]
    assert history(flow)[-1] == ("SF-001", "岩板餐桌 1.8m", 3280, 3680, "2026-12-01", "PC-2026-0001")
    assert flow.ws.store.record("PC-2026-0001").data["old_price"] == "3680.00"
    flow.set("price_change", 2, new_price=1)                     # approved: the request is fixed
    assert flow.cell("price_change", "new_price") == "3280"


def test_a_scheduled_change_wakes_watch_at_midnight_of_its_day(flow: CatalogueFlow) -> None:
    flow.listed()
    day = MONDAY.date() + dt.timedelta(days=4)
    flow.put("price_change", price_row(effective=day))
    flow.sign("price_change")
    kind = kind_for(flow.ws, flow.ws.forms["price_change"])
    assert kind.next_due() == (MONDAY + dt.timedelta(hours=1)).replace(tzinfo=TZ)   # the hours left go down first
    flow.set("price_change", 2, published_at=MONDAY, published_by="许诺")
    assert "按时" in flow.row("price_change")["message"]
    assert kind.next_due() == dt.datetime.combine(day, dt.time(), TZ)


def test_a_price_applied_while_the_catalogue_is_open_lands_once_it_is_closed(flow: CatalogueFlow) -> None:
    flow.listed()
    lock = flow.sheets["catalogue"].path.with_name(".~lock.商品目录.xlsx#")
    lock.write_text("someone,host", encoding="utf-8")
    flow.put("price_change", price_row())
    flow.sign("price_change")
    assert flow.row("price_change")["status"] == "已生效"
    assert flow.cell("catalogue", "price") == "3680.00"            # open in an editor: nothing written
    lock.unlink()
    flow.run()
    assert flow.cell("catalogue", "price") == "3280.00" and "PC-2026-0001" in flow.row("catalogue")["message"]


REFUSED = [
    ("price_change", price_row(sku="SF-404"), "sku", "SF-404 不在商品目录中"),
    ("price_change", price_row(new_price=0), "new_price", "「新价格」"),
    ("price_change", price_row(new_price=-5), "new_price", "「新价格」"),
    ("price_change", price_row(new_price=3680), "new_price", "与现价 ¥3680.00 相同"),
    ("price_change", price_row(effective=MONDAY.date() - dt.timedelta(days=1)), "effective", "已经过去"),
    ("price_change", price_row(applicant="唐婧"), "applicant", "唐婧"),
    ("promotion", promo_row(end=MONDAY.date()), "end", "早于开始日期"),
    ("promotion", promo_row(promo_price=3680), "promo_price", "不低于现价 ¥3680.00"),
    ("promotion", promo_row(sku="SF-404"), "sku", "不在商品目录中"),
    ("listing_change", listing_row(), "action", "SF-001 已在售"),
    ("listing_change", listing_row(action="上下"), "action", "「操作」"),
]


@pytest.mark.parametrize(("form", "row", "field", "said"), REFUSED, ids=[f"{r[0]}-{r[2]}-{i}"
                                                                         for i, r in enumerate(REFUSED)])
def test_a_request_that_cannot_apply_is_refused_in_its_row_saying_why(flow: CatalogueFlow, form: str,
                                                                       row: dict[str, object], field: str,
                                                                       said: str) -> None:
    flow.listed()
    flow.put(form, row, start=3)
    refused = flow.row(form, 3)
    assert refused["key"] == "" and said in refused["message"], refused
    assert not flow.mails(subject=f"{flow.ws.forms[form].prefix}-2026-0002")


def test_two_promotions_of_one_sku_may_not_overlap_the_later_row_names_the_other(flow: CatalogueFlow) -> None:
    flow.listed()
    flow.put("promotion", promo_row())
    flow.put("promotion", promo_row(start=MONDAY.date() + dt.timedelta(days=8),
                                    end=MONDAY.date() + dt.timedelta(days=9)), start=3)
    flow.put("promotion", promo_row(start=MONDAY.date() + dt.timedelta(days=9),
                                    end=MONDAY.date() + dt.timedelta(days=12)), start=4)
    assert flow.row("promotion", 3)["key"] == "" and "PM-2026-0001" in flow.row("promotion", 3)["message"]
    assert flow.row("promotion", 4)["key"] == "PM-2026-0002"     # meets neither


def test_a_promotion_shows_in_the_catalogue_while_it_runs_and_leaves_the_price_alone(flow: CatalogueFlow) -> None:
    flow.listed()
    flow.put("promotion", promo_row())
    flow.sign("promotion")
    assert flow.row("promotion")["status"] == "待开始" and flow.cell("catalogue", "promo") == ""
    flow.at(MONDAY + dt.timedelta(days=2))
    flow.run()
    assert flow.row("promotion")["status"] == "进行中"
    assert flow.cell("catalogue", "promo") == "促销价 ¥2980.00（12-02 至 12-08，PM-2026-0001）"
    assert flow.cell("catalogue", "price") == "3680.00"
    flow.at(MONDAY + dt.timedelta(days=9))
    flow.run()
    assert flow.row("promotion")["status"] == "已结束" and flow.cell("catalogue", "promo") == ""


# -- listing, delisting and stock (P2) -------------------------------------------------------------------------

def test_listing_goes_to_the_marketing_director_delisting_to_the_department_head(flow: CatalogueFlow) -> None:
    flow.put("catalogue", item())
    flow.put("listing_change", listing_row())
    assert flow.mails(to=DIRECTOR, subject="LS-2026-0001") and not flow.mails(to=HEAD)
    flow.sign("listing_change")
    assert flow.row("catalogue")["status"] == "已上架"
    flow.put("listing_change", listing_row(action="下架", reason="质量问题"), start=3)
    assert "周刚" in flow.row("listing_change", 3)["message"]
    assert flow.mails(to=HEAD, subject="LS-2026-0002") and not flow.mails(to=DIRECTOR, subject="LS-2026-0002")
    flow.sign("listing_change", 3, column="head_sign", to=HEAD)
    assert flow.row("catalogue")["status"] == "已下架" and "LS-2026-0002" in flow.row("catalogue")["message"]


def test_a_listed_skus_row_made_invalid_then_put_right_is_on_sale_again(flow: CatalogueFlow) -> None:
    flow.listed()
    flow.set("catalogue", 2, name=None)
    assert flow.row("catalogue")["status"] == "无效"
    flow.set("catalogue", 2, name="岩板餐桌 1.8m（新款）")
    assert flow.row("catalogue")["status"] == "已上架" and flow.cell("catalogue", "price") == "3680.00"


STOCK = [  # (relist, how it came off sale, status once stock is back)
    ("auto", "stock", "已上架"),
    ("request", "stock", "缺货下架"),
    ("auto", "request", "已下架"),
    ("request", "request", "已下架"),
]


@pytest.mark.parametrize(("relist", "off", "back"), STOCK)
def test_stock_coming_back_relists_only_an_automatic_delisting_when_config_says_auto(
        tmp_path: Path, relist: str, off: str, back: str) -> None:
    flow = CatalogueFlow(tmp_path / "ws", replace=('relist = "auto"', f'relist = "{relist}"'))
    try:
        flow.listed()
        if off == "request":
            flow.put("listing_change", listing_row(action="下架"), start=3)
            flow.sign("listing_change", 3, column="head_sign", to=HEAD)
        flow.set("catalogue", 2, stock=0)
        assert flow.row("catalogue")["status"] == ("缺货下架" if off == "stock" else "已下架")
        flow.set("catalogue", 2, stock=12)
        assert flow.row("catalogue")["status"] == back
        if back == "缺货下架":
            assert "须提交上架申请" in flow.row("catalogue")["message"]
    finally:
        flow.close()


def test_a_listing_request_brings_back_an_sku_relisting_by_request(tmp_path: Path) -> None:
    flow = CatalogueFlow(tmp_path / "ws", replace=('relist = "auto"', 'relist = "request"'))
    try:
        flow.listed()
        flow.set("catalogue", 2, stock=0)
        flow.set("catalogue", 2, stock=4)
        flow.put("listing_change", listing_row(reason="补货到店"), start=3)
        flow.sign("listing_change", 3)
        assert flow.row("catalogue")["status"] == "已上架"
    finally:
        flow.close()


# -- publication within 48 hours (P4) --------------------------------------------------------------------------

def approved_change(flow: CatalogueFlow) -> None:
    flow.listed()
    flow.put("price_change", price_row(), start=2)
    flow.sign("price_change")


def test_an_approved_change_shows_its_hours_left_is_reminded_then_escalated_when_late(flow: CatalogueFlow) -> None:
    approved_change(flow)
    assert "须在 2026-12-02 10:00 前发布（剩余 48 小时）" in flow.row("price_change")["message"]
    flow.later(hours=20, minutes=30)
    flow.run()
    assert "剩余 28 小时" in flow.row("price_change")["message"] and not flow.mails(subject="待发布提醒")
    flow.later(hours=20)                                           # 7.5 hours left: within the 8 before
    flow.run()
    reminders = flow.mails(subject="【待发布提醒】PC-2026-0001")
    assert [m.to for m in reminders] == ["许诺 <xunuo@example.com>"] and "2026-12-02 10:00" in reminders[0].text
    flow.later(hours=8)
    flow.run()
    flow.run()
    late = flow.mails(subject="【发布已超时】PC-2026-0001")
    assert len(late) == 1 and PLANNER in late[0].to and HEAD in late[0].to
    assert "已超时" in flow.row("price_change")["message"] and "周刚" in flow.row("price_change")["message"]
    flow.set("price_change", 2, published_at=flow.now.replace(tzinfo=None), published_by="许诺")
    assert "逾时" in flow.row("price_change")["message"]


PUBLISHED = [  # (typed at, typed by, the row says)
    (MONDAY + dt.timedelta(hours=5), "许诺", "按时"),
    (MONDAY + dt.timedelta(hours=5), "张三", "张三 不在 config.toml"),
    (MONDAY - dt.timedelta(hours=5), "许诺", "早于批准时间"),
    (MONDAY + dt.timedelta(days=3), "许诺", "还没到"),
    (MONDAY + dt.timedelta(hours=5), None, "还缺「发布人」"),
]


@pytest.mark.parametrize(("at", "by", "said"), PUBLISHED)
def test_a_publication_is_confirmed_in_the_row_when_it_makes_sense(flow: CatalogueFlow, at: dt.datetime,
                                                                   by: str | None, said: str) -> None:
    approved_change(flow)
    flow.later(hours=6)
    flow.set("price_change", 2, published_at=at, **({"published_by": by} if by else {}))
    assert said in flow.row("price_change")["message"], flow.row("price_change")
    flow.later(hours=48)
    flow.run()
    assert bool(flow.mails(subject="【发布已超时】PC-2026-0001")) == (said != "按时")


def test_watch_wakes_at_the_reminder_and_the_deadline_not_at_its_tick(flow: CatalogueFlow) -> None:
    approved_change(flow)
    due = flow.ws.next_due
    assert due is not None and due == (MONDAY + dt.timedelta(hours=1)).replace(tzinfo=due.tzinfo)
    flow.later(hours=39, minutes=30)
    run_pass(flow.ws)
    due = flow.ws.next_due
    assert due is not None and due == (MONDAY + dt.timedelta(hours=40)).replace(tzinfo=due.tzinfo)


# -- config ------------------------------------------------------------------------------------------------------

BAD_CONFIG = [
    ('relist = "auto"', 'relist = "sometimes"', "catalogue.relist"),
    ("publish_hours = 48 ", "publish_hours = 0 ", "catalogue.publish_hours"),
    ("remind_before_hours = 8 ", "remind_before_hours = 48 ", "catalogue.remind_before_hours"),
    ('history_file = "价格历史.xlsx"', 'history_file = "价格历史.csv"', "catalogue.history_file"),
]


@pytest.mark.parametrize(("old", "new", "key"), BAD_CONFIG)
def test_a_wrong_catalogue_setting_stops_sheetflow_naming_the_key(tmp_path: Path, old: str, new: str,
                                                                   key: str) -> None:
    flow = CatalogueFlow(tmp_path / "ws")
    flow.close()
    path = tmp_path / "ws" / "config.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        load_config(tmp_path / "ws")


# -- the example -------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A copy of `init --sample` (built once for this module), then one first pass as `sheetflow run` makes."""
    root = tmp_path_factory.mktemp("catalogue_example")
    init_workspace(root, sample=True)
    ws = Workspace(root)
    try:
        run_pass(ws)
    finally:
        ws.close()
    yield root


EXAMPLE = [  # (form, key, status, the message says)
    ("catalogue", "SP-2026-0001", "已上架", "原价 ¥3680.00"),
    ("catalogue", "SP-2026-0002", "已上架", "促销价 ¥359.00"),
    ("catalogue", "SP-2026-0003", "缺货下架", "自动下架"),
    ("price_change", "PC-2026-0001", "已生效", "已超时"),
    ("price_change", "PC-2026-0002", "待市场总监签批", "唐婧"),
    ("promotion", "PM-2026-0001", "进行中", "按时"),
]


@pytest.mark.parametrize(("form", "key", "status", "said"), EXAMPLE)
def test_the_example_has_a_pending_change_a_promotion_a_stock_out_and_a_late_publication(
        example: Path, form: str, key: str, status: str, said: str) -> None:
    ws = Workspace(example)
    try:
        sheet = FormSheet(ws, form)
        rows = [sheet.row(r) for r in range(2, 9)]
    finally:
        ws.close()
    found = next(r for r in rows if r["key"] == key)
    assert found["status"] == status and said in found["message"], found


def test_the_examples_late_publication_told_the_head_and_its_price_history_lists_the_old_price(
        example: Path) -> None:
    late = [m for m in mails(example / "outbox") if "【发布已超时】PC-2026-0001" in m.subject]
    assert len(late) == 1 and HEAD in late[0].to
    wb = openpyxl.load_workbook(example / "output" / "价格历史.xlsx")
    rows = [r for r in wb["价格历史"].iter_rows(min_row=2, values_only=True) if r[5]]
    assert ("FS-TB-180", "岩板餐桌 1.8m", 3280, 3680) in [r[:4] for r in rows]
    assert len(rows) == 6                                         # five list prices and the change
