"""Money: Decimal from sheet values, half-up rounding to the fen, 大写 per the PBOC rules, ¥ figures."""

from __future__ import annotations

from decimal import Decimal

import cn2an
import pytest

from processors.errors import SheetflowError
from processors.money import MoneyError, capitals, format_figures, line_total, round_fen, to_money

# (amount, 大写): the PBOC examples and the edges of the rules in processors/money.py.
CAPITALS = [
    ("10005", "壹万零伍元整"),
    ("1680.32", "壹仟陆佰捌拾元零叁角贰分"),       # 元 digit 0, 角 not: we write the optional 零
    ("0.5", "伍角"),                               # ends in 角: no 整
    ("100", "壹佰元整"),
    ("0", "零元整"),
    ("1000000", "壹佰万元整"),
    ("100000.10", "壹拾万元零壹角"),
    ("1409.50", "壹仟肆佰零玖元伍角"),              # PBOC example, 0 inside the yuan
    ("6007.14", "陆仟零柒元壹角肆分"),              # PBOC example, several 0s -> one 零
    ("107000.53", "壹拾万柒仟元零伍角叁分"),        # PBOC example, first form
    ("16409.02", "壹万陆仟肆佰零玖元零贰分"),       # PBOC example, 角 0 and 分 not: 零 required
    ("325.04", "叁佰贰拾伍元零肆分"),               # PBOC example
    ("0.05", "伍分"),
    ("0.01", "壹分"),
    ("0.55", "伍角伍分"),                          # no 零元 in front of an amount under one yuan
    ("10.5", "壹拾元零伍角"),
    ("12345.60", "壹万贰仟叁佰肆拾伍元陆角"),
    ("100010", "壹拾万零壹拾元整"),
    ("100000000", "壹亿元整"),
    ("20000.07", "贰万元零柒分"),
    ("5.678", "伍元陆角捌分"),                      # rounded half up first (cn2an alone truncates to 柒分)
    ("-0.001", "零元整"),                          # rounds to zero, not 负零元整
]


@pytest.mark.parametrize(("amount", "words"), CAPITALS)
def test_capitals_follow_the_pboc_rules(amount: str, words: str) -> None:
    assert capitals(Decimal(amount)) == words


def test_capitals_differs_from_cn2an_only_by_the_zero_after_yuan() -> None:
    """Guards the one fix: if cn2an starts writing the 零 itself, replace(…, 1) must not double it."""
    assert cn2an.an2cn("1680.32", "rmb") in ("壹仟陆佰捌拾元叁角贰分", "壹仟陆佰捌拾元零叁角贰分")
    assert "零零" not in capitals(Decimal("1680.32"))


@pytest.mark.parametrize("amount", ["-0.01", "-5", Decimal("-100000")])
def test_capitals_refuses_a_negative_amount(amount: str | Decimal) -> None:
    with pytest.raises(MoneyError, match="负数") as caught:
        capitals(amount)
    assert isinstance(caught.value, SheetflowError)
    assert "negative" in str(caught.value)


def test_capitals_refuses_more_than_cn2an_can_say() -> None:
    with pytest.raises(MoneyError, match="too large"):
        capitals(Decimal("1E16"))


@pytest.mark.parametrize(("value", "expected"), [
    ("28.5", Decimal("28.5")),
    (28.5, Decimal("28.5")),
    (0.1, Decimal("0.1")),                     # via repr, not the binary 0.1000000000000000055…
    (2.675, Decimal("2.675")),                 # the binary value is 2.67499999…
    (10, Decimal("10")),
    (Decimal("3.10"), Decimal("3.10")),
    (" ¥12,345.60 ", Decimal("12345.60")),
    ("￥1，000", Decimal("1000")),
    ("-3", Decimal("-3")),
])
def test_to_money(value: str | float | int | Decimal, expected: Decimal) -> None:
    result = to_money(value)
    assert isinstance(result, Decimal)
    assert result == expected


@pytest.mark.parametrize("value", ["十元", "", "1.2.3", "nan", "inf", True, None, [1]])
def test_to_money_refuses_what_is_not_an_amount(value: object) -> None:
    with pytest.raises(MoneyError):
        to_money(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(("value", "expected"), [
    ("0.005", "0.01"),                         # half up, not half even
    ("0.015", "0.02"),
    ("0.025", "0.03"),                         # banker's rounding would give 0.02
    ("2.675", "2.68"),
    (2.675, "2.68"),                           # Python's round(2.675, 2) gives 2.67
    ("0.004", "0.00"),
    ("-0.005", "-0.01"),                       # half away from zero
    ("12", "12.00"),
])
def test_round_fen_is_half_up(value: str | float, expected: str) -> None:
    assert str(round_fen(value)) == expected


def test_line_total_rounds_once_at_the_line() -> None:
    assert line_total("3", "28.335") == Decimal("85.01")          # 85.005 -> 85.01
    assert line_total(0.1, 3) == Decimal("0.30")                  # float input, no 0.30000000000000004
    assert line_total("2.5", "12.34") == Decimal("30.85")
    lines = [line_total("3", "0.335")] * 3                          # 1.005 -> 1.01 each
    assert sum(lines) == Decimal("3.03")                          # the sum of rounded lines, not round(3.015)


@pytest.mark.parametrize(("value", "text"), [
    ("12345.6", "¥12,345.60"),
    ("0", "¥0.00"),
    ("1000000", "¥1,000,000.00"),
    ("0.005", "¥0.01"),
    ("-1234.5", "-¥1,234.50"),
    (Decimal("1E+3"), "¥1,000.00"),
])
def test_format_figures(value: str | Decimal, text: str) -> None:
    assert format_figures(value) == text
