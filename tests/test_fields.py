"""Field types: what staff type (or what Excel stores) -> the typed value, or the problem."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from processors.config import load_config
from processors.forms.fields import Problem, convert
from processors.init_workspace import init_workspace
from processors.workspace import Workspace


@pytest.fixture(scope="module")
def form_and_cfg(tmp_path_factory: pytest.TempPathFactory):
    root: Path = tmp_path_factory.mktemp("fields") / "w"
    init_workspace(root)
    ws = Workspace(root)
    yield ws.forms["purchase_request"], load_config(root)
    ws.close()


@pytest.mark.parametrize(("field", "raw", "expected"), [
    ("quantity", 3.0, Decimal("3")),
    ("quantity", "1,200", Decimal("1200")),
    ("quantity", "１２", Decimal("12")),                  # full-width digits from a Chinese IME
    ("quantity", 0.1, Decimal("0.1")),                    # not 0.1000000000000000055511151231257827
    ("unit_price", "¥28.50", Decimal("28.50")),
    ("unit_price", "16800元", Decimal("16800")),
    ("unit_price", 28.5, Decimal("28.5")),
    ("needed_by", dt.date(2026, 12, 20), dt.date(2026, 12, 20)),
    ("needed_by", dt.datetime(2026, 12, 20, 9, 30), dt.date(2026, 12, 20)),
    ("needed_by", "2026/12/5", dt.date(2026, 12, 5)),
    ("needed_by", "2026.12.05", dt.date(2026, 12, 5)),
    ("needed_by", "2026年12月5日", dt.date(2026, 12, 5)),
    ("needed_by", "20261205", dt.date(2026, 12, 5)),
    ("needed_by", 46361.0, dt.date(2026, 12, 5)),         # an Excel serial in a General-formatted cell
    ("needed_by", 46361.75, dt.date(2026, 12, 5)),        # a date-time as Google sends it: 18:00 that day
    ("needed_by", 46361.999988, dt.date(2026, 12, 5)),    # 23:59:59 is still that day
    ("item_type", "非常规", "nonstandard"),
    ("item_type", "Non-Standard", "nonstandard"),
    ("item_type", "常规物料", "standard"),
    ("department", "工程部", "工程部"),
    ("item", 12.0, "12"),
    ("item", "  石膏板 ", "石膏板"),
    ("item", "", None),
])
def test_converts(form_and_cfg, field: str, raw: object, expected: object) -> None:
    form, cfg = form_and_cfg
    assert convert(form.field(field), raw, cfg) == expected


@pytest.mark.parametrize(("field", "raw", "code"), [
    ("quantity", "十个", "not_a_number"),
    ("quantity", 0.0, "not_gt"),
    ("quantity", "-3", "not_gt"),
    ("quantity", True, "not_a_number"),
    ("quantity", "NaN", "not_a_number"),
    ("quantity", "1e400", "too_big"),
    ("quantity", 1e300, "too_big"),
    ("unit_price", "12.345", "too_many_decimals"),
    ("unit_price", -0.01, "not_ge"),
    ("needed_by", "下周", "not_a_date"),
    ("needed_by", "2026-13-01", "not_a_date"),
    ("needed_by", 12.5, "not_a_date"),
    ("needed_by", 19999.5, "not_a_date"),                 # a fraction does not widen the plausible window
    ("needed_by", 3.0, "not_a_date"),
    ("item_type", "特殊", "bad_choice"),
    ("department", "市场部", "bad_choice"),
    ("applicant", "无名氏", "unknown_person"),
    ("applicant", "吴军", "unknown_person"),              # a person, but not a requester
    ("item", "长" * 101, "too_long"),
])
def test_refuses(form_and_cfg, field: str, raw: object, code: str) -> None:
    form, cfg = form_and_cfg
    with pytest.raises(Problem) as info:
        convert(form.field(field), raw, cfg)
    assert info.value.code == code
    assert info.value.field == field


@pytest.mark.parametrize("spelling", ["王芳", "Wang Fang", "wang  fang", "王　芳", "ＷａｎｇＦａｎｇ"])
def test_signature_matches_name_or_alias(form_and_cfg, spelling: str) -> None:
    form, cfg = form_and_cfg
    assert convert(form.field("applicant"), spelling, cfg).id == "wangfang"
