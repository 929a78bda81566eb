"""Money as Decimal, rounded to the fen the way Chinese invoices round, printed in figures and in 大写.

Amounts come out of spreadsheets as text, ints or floats. A float is taken through
its shortest repr (28.5 -> "28.5"), never through its binary value
(Decimal(28.5) is exact but Decimal(0.1) is 0.1000000000000000055…), so what the
person typed is what we compute with.

Rounding is ROUND_HALF_UP to 0.01 (四舍五入), once per line: a line's total is
quantity × unit price rounded, and an order's total is the sum of rounded lines,
which is how the paper form adds up and what the supplier's invoice will show.

Chinese capitals (大写) follow the PBOC rules for bills and settlement vouchers
(《正确填写票据和结算凭证的基本规定》). cn2an does the conversion; this module
fixes the one place where it picks the optional short form and we want one rule:

* An amount in whole yuan ends in 元整: 100 -> 壹佰元整, 0 -> 零元整.
* An amount ending in 角 has no 整 (the rule makes it optional; we never write it):
  0.5 -> 伍角, 100000.1 -> 壹拾万元零壹角. An amount ending in 分 never has 整.
* When the 元 digit is 0 and the 角 digit is not, we write 零 after 元
  (1680.32 -> 壹仟陆佰捌拾元零叁角贰分). The rule allows it with or without;
  cn2an omits it, we write it: it is the first form in the PBOC example, and the
  零 leaves no gap in which a digit could be added to the printed amount.
* When the 角 digit is 0 and the 分 digit is not, 零 after 元 is required
  (325.04 -> 叁佰贰拾伍元零肆分); cn2an already writes it.
* A 0 in the 万 place before a non-zero 仟 is left to cn2an, which omits the 零
  (107000.53 -> 壹拾万柒仟元零伍角叁分, again the PBOC example's first form).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import cn2an

from .errors import SheetflowError

FEN = Decimal("0.01")
#: cn2an converts at most 16 integer digits; no order comes near it.
MAX_AMOUNT = Decimal("9999999999999999.99")


class MoneyError(SheetflowError, ValueError):
    """A value that cannot be an amount of money, or an amount that cannot be printed."""


def to_money(value: str | int | float | Decimal) -> Decimal:
    """A Decimal from what a sheet cell or a config file holds.

    Text may carry a ¥/￥ sign and thousands commas ("¥12,345.60"), as people type
    them. A bool is refused although Python counts it as an int: a ticked checkbox
    is not an amount.
    """
    if isinstance(value, bool):
        raise MoneyError(f"金额不能是真/假值 / an amount cannot be a true/false value: {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = _parse(repr(value), value)
    elif isinstance(value, str):
        text = value.strip().replace(",", "").replace("，", "")
        text = text.removeprefix("¥").removeprefix("￥").strip()
        result = _parse(text, value)
    else:
        raise MoneyError(f"金额应为数字 / an amount must be a number, got {type(value).__name__}: {value!r}")
    if not result.is_finite():
        raise MoneyError(f"金额不是有限数 / an amount must be a finite number, got {value!r}")
    return result


def _parse(text: str, original: object) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise MoneyError(f"不是金额 / not an amount: {original!r}") from None


def round_fen(amount: Decimal | str | int | float) -> Decimal:
    """Round to the fen, half up (0.005 -> 0.01), as invoices and the tax system do; never banker's rounding."""
    return to_money(amount).quantize(FEN, rounding=ROUND_HALF_UP)


def line_total(quantity: Decimal | str | int | float, unit_price: Decimal | str | int | float) -> Decimal:
    """quantity × unit price, rounded once here so the lines add up to the printed total."""
    return round_fen(to_money(quantity) * to_money(unit_price))


def capitals(amount: Decimal | str | int | float) -> str:
    """The amount in Chinese capitals for 大写 on a document (rules in the module docstring).

    Rounded to the fen first, like `format_figures`, so the figures and the words on
    one page always say the same amount (cn2an alone would cut 5.678 to 伍元陆角柒分).
    """
    value = round_fen(amount)
    if value < 0:
        raise MoneyError(f"大写金额不能为负数 / a negative amount cannot be written in capitals: {value}")
    if value > MAX_AMOUNT:
        raise MoneyError(f"金额过大，无法写成大写 / amount too large to write in capitals: {value}")
    text = f"{abs(value):.2f}"                 # never "1E+3" or "-0.00" (cn2an: 负零元整)
    words: str = cn2an.an2cn(text, "rmb")
    whole, fraction = text.split(".")
    if int(whole) > 0 and whole.endswith("0") and fraction[0] != "0":
        words = words.replace("元", "元零", 1)  # 1680.32: 壹仟陆佰捌拾元零叁角贰分
    return words


def format_figures(amount: Decimal | str | int | float) -> str:
    """"¥12,345.60": yuan sign, thousands commas, always two decimals, as printed beside the 大写."""
    value = round_fen(amount)
    sign = "-" if value < 0 else ""
    return f"{sign}¥{abs(value):,.2f}"
