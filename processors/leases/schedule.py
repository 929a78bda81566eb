"""The rent schedule of a shop lease (商铺租赁): base bills, turnover rent (扣点), early termination, amendments.

Pure functions on frozen dataclasses: no store, no sheets, no clock, so the same terms
always give the same bills and a tenant's question ("why is this bill ¥30,258.62?") can
be answered from the terms alone. Money is Decimal; each bill line (rent, management
fee) is summed exactly from its pieces and rounded half up to the fen once
(processors.money), never per day, so the bill says what the hand calculation says.

Rules chosen here, each pinned by tests/test_lease_schedule.py:

* Lease months. Month k runs from start + k months to start + (k + 1) months − 1 day,
  both counted from the start date with relativedelta, never by adding a month to the
  previous month (which drifts: 31 Jan → 28 Feb → 28 Mar). A lease starting 2027-01-31
  has months starting 01-31, 02-28, 03-31, 04-30 …; one starting 2028-01-31 has 01-31,
  02-29, 03-31 …. A whole month costs the monthly amount whatever its number of days.
* Periods. A bill covers `cycle` lease months (1, 3, 6, 12). With align_to_month the first
  bill runs from the start to the end of that calendar month and every later bill covers
  `cycle` whole calendar months counted from the 1st of the next month (so quarters follow
  the lease, and are Jan–Mar only for a lease starting in December); a lease starting on
  the 1st has no stub, align_to_month then changes nothing.
* Proration (day count). A stretch shorter than a whole month (the stub, the last bill cut
  at the end date, a month split by a rent change) costs monthly amount × days / days of
  the calendar month those days are in; a stretch straddling two calendar months is split
  at the 1st, so 06-15~07-05 is 16/30 + 5/31 of a month.
* Free months (免租装修期): the first free_months lease months carry no rent. The
  management fee is still due (the tenant holds the unit and the building runs for the
  fit-out) unless fee_during_free=False.
* Escalation: +escalation % on each anniversary (start + n years, relativedelta),
  compounding; year n's monthly rent is round_fen(year-1 monthly × (1 + e/100)^(n−1)) from
  the unrounded base, so rounding never accumulates from year to year. The management fee
  does not escalate. An anniversary inside a bill splits that bill by days (only possible
  with align_to_month: otherwise anniversaries fall on lease-month boundaries).
* Due date: due_day of the month in which the bill's period starts (rent in advance), but
  never before the lease start: a lease starting 01-15 with due_day 5 has its first bill due
  on 01-15, later ones on the 5th.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from dateutil.relativedelta import relativedelta

from ..errors import SheetflowError
from ..money import format_figures, line_total, round_fen

RentBasis = Literal["per_sqm", "fixed"]
Cycle = Literal["monthly", "quarterly", "half_yearly", "yearly"]
BillKind = Literal["rent", "turnover"]

CYCLE_MONTHS: dict[str, int] = {"monthly": 1, "quarterly": 3, "half_yearly": 6, "yearly": 12}
ONE_DAY = timedelta(days=1)
ZERO = Decimal("0.00")


class LeaseError(SheetflowError, ValueError):
    """Lease terms, or an argument, that no schedule can be computed from."""


@dataclass(frozen=True)
class LeaseTerms:
    """What the signed lease says; validated on creation so every function can trust it."""

    start: date
    end: date                              # the last day of the lease, inclusive
    rent_basis: RentBasis                  # "per_sqm": rent per m² per month × area; "fixed": per month
    rent: Decimal
    area: Decimal                          # m²; also the base of the management fee
    cycle: Cycle = "monthly"
    due_day: int = 1                       # 1–28 so that every month has it
    free_months: int = 0                   # 免租装修期 from the start
    fee_during_free: bool = True           # management fee still due in free months
    management_fee: Decimal = ZERO         # 物业管理费 per m² per month
    escalation: Decimal = ZERO             # % a year, compounding, from each anniversary
    deposit: Decimal = ZERO
    penalty_rate: Decimal = ZERO           # per day, simple (0.0005 = 0.05 % a day)
    turnover_rate: Decimal | None = None   # 扣点, % of monthly sales (8 = 8 %)
    align_to_month: bool = False

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise LeaseError(f"租期结束早于开始 / lease ends before it starts: {self.start} ~ {self.end}")
        if self.rent_basis not in ("per_sqm", "fixed"):
            raise LeaseError(f"租金方式应为 per_sqm 或 fixed / unknown rent basis: {self.rent_basis!r}")
        if self.cycle not in CYCLE_MONTHS:
            raise LeaseError(f"未知的收租周期 / unknown billing cycle: {self.cycle!r}")
        if not 1 <= self.due_day <= 28:
            raise LeaseError(f"付款日应为 1–28 / due day must be 1–28: {self.due_day}")
        if self.free_months < 0:
            raise LeaseError(f"免租月数不能为负 / free months cannot be negative: {self.free_months}")
        amounts = {"rent": self.rent, "area": self.area, "management_fee": self.management_fee,
                   "deposit": self.deposit, "penalty_rate": self.penalty_rate,
                   "turnover_rate": Decimal(0) if self.turnover_rate is None else self.turnover_rate}
        for name, value in amounts.items():
            # a float here would carry its binary error into every bill
            if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
                raise LeaseError(f"{name} 应为非负 Decimal / must be a non-negative Decimal: {value!r}")
        if not isinstance(self.escalation, Decimal) or not self.escalation.is_finite() or self.escalation <= -100:
            raise LeaseError(f"递增率应为大于 -100 的 Decimal / escalation must be a Decimal above -100: "
                             f"{self.escalation!r}")


@dataclass(frozen=True)
class Bill:
    """One bill: what is charged for which days, when it is due, and in words how it was made up."""

    period_start: date
    period_end: date                       # inclusive
    due_date: date
    kind: BillKind
    rent: Decimal
    management_fee: Decimal
    amount: Decimal
    basis: str

    def __post_init__(self) -> None:
        if self.amount != self.rent + self.management_fee:
            raise LeaseError(f"账单金额不等于租金加物业费 / amount is not rent + fee: {self}")


def schedule(terms: LeaseTerms) -> list[Bill]:
    """Every base bill (kind "rent") of the whole term, in period order."""
    return _bills_from(terms, terms.start)


def monthly_rent(terms: LeaseTerms, year: int) -> Decimal:
    """The monthly rent of lease year `year` (1 = the first), escalated and rounded to the fen."""
    if year < 1:
        raise LeaseError(f"租赁年度从 1 开始 / lease years start at 1: {year}")
    if year == 1:
        return line_total(terms.area, terms.rent) if terms.rent_basis == "per_sqm" else round_fen(terms.rent)
    base = Fraction(terms.rent) * (Fraction(terms.area) if terms.rent_basis == "per_sqm" else 1)
    return _fen(base * (1 + Fraction(terms.escalation) / 100) ** (year - 1))


def monthly_fee(terms: LeaseTerms) -> Decimal:
    """The monthly management fee: area × fee per m², rounded to the fen; it does not escalate."""
    return line_total(terms.area, terms.management_fee)


def lease_year(terms: LeaseTerms, day: date) -> int:
    """Which lease year `day` is in: 1 until the day before the first anniversary (start + 1 year)."""
    years = day.year - terms.start.year
    if terms.start + relativedelta(years=years) > day:
        years -= 1
    return years + 1


def turnover_bill(terms: LeaseTerms, month_start: date, sales: Decimal) -> Bill | None:
    """The 扣点 settlement for one calendar month: the part of sales × rate above that month's base rent.

    The base rent is what the lease charges for the calendar month's days, after free
    months and escalation, priced as a calendar month whatever the billing grid (a lease
    starting on the 15th still owes one monthly rent for March; a month with an anniversary
    in it is split by days). A free month's base rent is 0, so the whole turnover share is
    due: the free period waives the guaranteed rent, not the mall's share of sales. Due on
    due_day of the following month, when the month's sales are known. None when there is
    no turnover rate or the share does not exceed the base rent.
    """
    if month_start.day != 1:
        raise LeaseError(f"扣点按自然月结算，应从 1 日开始 / turnover is settled per calendar month: {month_start}")
    month_end = month_start + relativedelta(months=1) - ONE_DAY
    first, last = max(month_start, terms.start), min(month_end, terms.end)
    if first > last:
        raise LeaseError(f"该月不在租期内 / the month is outside the lease: {month_start:%Y-%m}")
    if terms.turnover_rate is None:
        return None
    pieces = _pieces(terms, _Unit(month_start, month_end, whole=True), first, last)
    base = _fen(sum((Fraction(_rent_rate(terms, p)) * p.fraction for p in pieces), Fraction(0)))
    share = line_total(sales, terms.turnover_rate / 100)
    if share <= base:
        return None
    excess = share - base
    basis = (f"{first}~{last} 扣点 销售额 {format_figures(sales)} × {_plain(terms.turnover_rate)}% = "
             f"{format_figures(share)} − 当月保底租金 {format_figures(base)}")
    due = (month_start + relativedelta(months=1)).replace(day=terms.due_day)
    return Bill(first, last, due, "turnover", excess, ZERO, excess, basis)


def terminate(terms: LeaseTerms, on: date) -> tuple[list[Bill], list[Bill]]:
    """Early termination with `on` as the last day charged: (kept, dropped).

    Bills wholly before `on` are unchanged; the bill containing `on` is cut to end on `on`
    and prorated by the usual day count (it is in `kept`, replacing the full bill); bills
    starting after `on` are `dropped`. Terminating on the end date changes nothing.
    """
    if not terms.start <= on <= terms.end:
        raise LeaseError(f"解约日应在租期内 / termination must fall within the lease: {on}")
    kept = schedule(replace(terms, end=on))
    dropped = [bill for bill in schedule(terms) if bill.period_start > on]
    return kept, dropped


def regenerate_after_change(old_bills: Sequence[Bill], new_terms: LeaseTerms, changed_on: date,
                            today: date) -> list[Bill]:
    """The rent schedule after an amendment effective `changed_on`, as known on `today`.

    "Already due" means due_date <= today (a bill due today has been issued and may be
    paid today): such a bill never changes, whatever the amendment says; a retroactive
    change is settled by a separate adjustment, not by rewriting an issued bill. A bill not
    yet due (due_date > today) is also kept when its whole period ends before `changed_on`,
    as the amendment does not reach it. Every later bill is replaced by `new_terms`' bills
    from the first day no kept bill covers; a new period that begins before that day is cut
    to start on it and prorated. The amendment acts on whole bills: the old terms are not at
    hand to price the part of a period before `changed_on`, so a not-yet-due bill containing
    `changed_on` is re-made under the new terms for its whole period. Only rent bills are
    regenerated; turnover bills are settled again with `turnover_bill`.
    """
    if any(bill.kind != "rent" for bill in old_bills):
        raise LeaseError("只重算租金账单；扣点请重新结算 / only rent bills are regenerated; re-settle turnover")
    ordered = sorted(old_bills, key=lambda bill: bill.period_start)
    kept: list[Bill] = []
    for bill in ordered:
        if bill.due_date > today and bill.period_end >= changed_on:
            break
        kept.append(bill)
    resume = kept[-1].period_end + ONE_DAY if kept else new_terms.start
    return kept + _bills_from(new_terms, max(resume, new_terms.start))


# ---------------------------------------------------------------------------------------------
# How a bill is made up: periods of month units, units cut into pieces at rate changes.


@dataclass(frozen=True)
class _Unit:
    """A month of the billing grid; `whole` units cost the monthly amount, others are prorated by day."""

    start: date
    end: date
    whole: bool


@dataclass(frozen=True)
class _Piece:
    """Days at one rate: a whole unit (fraction 1, no label) or days/days-in-calendar-month."""

    start: date
    end: date
    fraction: Fraction
    label: str | None                      # "16/30" for a prorated piece
    year: int
    free: bool


def _periods(terms: LeaseTerms) -> list[list[_Unit]]:
    """The billing periods of the whole term as lists of month units (the last may reach past the end)."""
    months = CYCLE_MONTHS[terms.cycle]
    periods: list[list[_Unit]] = []
    origin = terms.start
    if terms.align_to_month and terms.start.day != 1:
        origin = terms.start.replace(day=1) + relativedelta(months=1)
        periods.append([_Unit(terms.start, origin - ONE_DAY, whole=False)])
    k = 0
    while origin + relativedelta(months=k) <= terms.end:
        periods.append([_Unit(origin + relativedelta(months=k + i), origin + relativedelta(months=k + i + 1) - ONE_DAY,
                              whole=True) for i in range(months)])
        k += months
    return periods


def _bills_from(terms: LeaseTerms, first_day: date) -> list[Bill]:
    """The bills for the days from `first_day` to the end; a period begun before it is cut and prorated."""
    bills = []
    for units in _periods(terms):
        pieces = [piece for unit in units for piece in _pieces(terms, unit, first_day, terms.end)]
        if pieces:
            bills.append(_bill(terms, pieces))
    return bills


def _bill(terms: LeaseTerms, pieces: list[_Piece]) -> Bill:
    start, end = pieces[0].start, pieces[-1].end
    rent = _fen(sum((Fraction(_rent_rate(terms, p)) * p.fraction for p in pieces), Fraction(0)))
    fee = _fen(sum((Fraction(_fee_rate(terms, p)) * p.fraction for p in pieces), Fraction(0)))
    due = max(date(start.year, start.month, terms.due_day), terms.start)
    return Bill(start, end, due, "rent", rent, fee, rent + fee, f"{start}~{end} {_basis(terms, pieces)}")


def _pieces(terms: LeaseTerms, unit: _Unit, first: date, last: date) -> list[_Piece]:
    """The part of `unit` within [first, last], cut where the rate changes (and, if prorated, at each 1st)."""
    a, b = max(unit.start, first), min(unit.end, last)
    if a > b:
        return []
    changes = sorted(day for day in _rate_changes(terms, a, b))
    if unit.whole and (a, b) == (unit.start, unit.end) and not changes:
        return [_Piece(a, b, Fraction(1), None, lease_year(terms, a), _is_free(terms, a))]
    cuts = set(changes)
    month = a.replace(day=1) + relativedelta(months=1)
    while month <= b:
        cuts.add(month)
        month += relativedelta(months=1)
    pieces = []
    for lo, nxt in zip([a, *sorted(cuts)], [*sorted(cuts), b + ONE_DAY], strict=True):
        hi = nxt - ONE_DAY
        days, in_month = (hi - lo).days + 1, _days_in_month(lo)
        pieces.append(_Piece(lo, hi, Fraction(days, in_month), f"{days}/{in_month}",
                             lease_year(terms, lo), _is_free(terms, lo)))
    return pieces


def _rate_changes(terms: LeaseTerms, a: date, b: date) -> Iterable[date]:
    """Days in (a, b] on which the rent changes: the end of the free months and each anniversary."""
    free_end = terms.start + relativedelta(months=terms.free_months)
    if terms.free_months and a < free_end <= b:
        yield free_end
    year = lease_year(terms, a)
    while (anniversary := terms.start + relativedelta(years=year)) <= b:
        yield anniversary
        year += 1


def _is_free(terms: LeaseTerms, day: date) -> bool:
    return day < terms.start + relativedelta(months=terms.free_months)


def _rent_rate(terms: LeaseTerms, piece: _Piece) -> Decimal:
    return ZERO if piece.free else monthly_rent(terms, piece.year)


def _fee_rate(terms: LeaseTerms, piece: _Piece) -> Decimal:
    return ZERO if piece.free and not terms.fee_during_free else monthly_fee(terms)


def _days_in_month(day: date) -> int:
    return ((day.replace(day=1) + relativedelta(months=1)) - day.replace(day=1)).days


def _fen(value: Fraction) -> Decimal:
    """Half up to the fen on the exact fraction (a Decimal division would round before round_fen does)."""
    cents = abs(value) * 100
    whole = math.floor(cents + Fraction(1, 2)) * (-1 if value < 0 else 1)
    return round_fen(Decimal(whole).scaleb(-2))


def _plain(value: Decimal) -> str:
    """5 -> "5", 2.50 -> "2.5": a percentage as people write it."""
    return format(value.normalize(), "f")


def _yuan(value: Decimal) -> str:
    """¥ figures, keeping a unit price's extra decimals (¥8.125/m²) rather than rounding them away."""
    return format_figures(value) if value == round_fen(value) else f"¥{value:,f}"


# ---------------------------------------------------------------------------------------------
# The basis text: "2027-12-01~2028-02-29 租金 ¥10,000.00 × (2 + 14/29) 月；租金 ¥10,500.00 × 15/29 月（第2年 +5%）"


def _basis(terms: LeaseTerms, pieces: list[_Piece]) -> str:
    parts = []
    for (free, year), group in _groups(pieces, lambda p: (p.free, 0 if p.free else p.year)):
        if free:
            parts.append(f"免租 {_months(group)} 月")
        elif year == 1:
            per_month = (f"{terms.area:f} m² × {_yuan(terms.rent)}" if terms.rent_basis == "per_sqm"
                         else _yuan(terms.rent))
            parts.append(f"租金 {per_month} × {_months(group)} 月")
        else:
            parts.append(f"租金 {format_figures(monthly_rent(terms, year))} × {_months(group)} 月"
                         f"（第{year}年 +{_plain(terms.escalation)}%）")
    if terms.management_fee:
        for (charged,), group in _groups(pieces, lambda p: (not (p.free and not terms.fee_during_free),)):
            if charged:
                parts.append(f"物业费 {terms.area:f} m² × {_yuan(terms.management_fee)} × {_months(group)} 月")
            else:
                parts.append(f"免物业费 {_months(group)} 月")
    return "；".join(parts)


def _groups(pieces: list[_Piece], key: Callable[[_Piece], tuple[object, ...]]
            ) -> list[tuple[tuple[object, ...], list[_Piece]]]:
    """Consecutive pieces with the same key, in order."""
    groups: list[tuple[tuple[object, ...], list[_Piece]]] = []
    for piece in pieces:
        k = key(piece)
        if groups and groups[-1][0] == k:
            groups[-1][1].append(piece)
        else:
            groups.append((k, [piece]))
    return groups


def _months(pieces: list[_Piece]) -> str:
    """How many months, in order: "3", "16/30", "(2 + 14/29)"; adjacent whole months are counted together."""
    tokens: list[int | str] = []
    for piece in pieces:
        if piece.label is None and tokens and isinstance(tokens[-1], int):
            tokens[-1] += 1
        else:
            tokens.append(1 if piece.label is None else piece.label)
    text = " + ".join(str(token) for token in tokens)
    return text if len(tokens) == 1 else f"({text})"
