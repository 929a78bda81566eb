"""Lease rent schedule and collection math: every expected figure is worked out by hand in the comment beside it.

Day-count convention under test (processors/leases/schedule.py): a whole lease month costs
the monthly amount; a shorter stretch costs monthly × days / days of its calendar month,
split at each 1st; each bill line is rounded half up to the fen once.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from processors.leases.collection import (
    Allocation,
    OpenBill,
    aging_bucket,
    allocate,
    days_overdue,
    deposit_settlement,
    penalty,
)
from processors.leases.schedule import (
    Bill,
    LeaseError,
    LeaseTerms,
    monthly_rent,
    regenerate_after_change,
    schedule,
    terminate,
    turnover_bill,
)

D = Decimal


def lease(**overrides: Any) -> LeaseTerms:
    """A fixed ¥10,000.00 a month lease for 2027, due on the 5th; tests override what they are about."""
    values: dict[str, Any] = {"start": date(2027, 1, 1), "end": date(2027, 12, 31), "rent_basis": "fixed",
                              "rent": D("10000.00"), "area": D("100"), "due_day": 5}
    values.update(overrides)
    return LeaseTerms(**values)


def rows(bills: list[Bill]) -> list[tuple[date, date, date, Decimal]]:
    return [(b.period_start, b.period_end, b.due_date, b.amount) for b in bills]


# --- monthly fixed rent, 12 months -------------------------------------------------------------------------------

MONTHLY_FIXED = [
    # (period start, period end, due: the 5th of the start month, amount: ¥8,000.00 × 1 month)
    (date(2027, 1, 1), date(2027, 1, 31), date(2027, 1, 5), D("8000.00")),
    (date(2027, 2, 1), date(2027, 2, 28), date(2027, 2, 5), D("8000.00")),    # 28 days, still one month
    (date(2027, 3, 1), date(2027, 3, 31), date(2027, 3, 5), D("8000.00")),
    (date(2027, 4, 1), date(2027, 4, 30), date(2027, 4, 5), D("8000.00")),
    (date(2027, 5, 1), date(2027, 5, 31), date(2027, 5, 5), D("8000.00")),
    (date(2027, 6, 1), date(2027, 6, 30), date(2027, 6, 5), D("8000.00")),
    (date(2027, 7, 1), date(2027, 7, 31), date(2027, 7, 5), D("8000.00")),
    (date(2027, 8, 1), date(2027, 8, 31), date(2027, 8, 5), D("8000.00")),
    (date(2027, 9, 1), date(2027, 9, 30), date(2027, 9, 5), D("8000.00")),
    (date(2027, 10, 1), date(2027, 10, 31), date(2027, 10, 5), D("8000.00")),
    (date(2027, 11, 1), date(2027, 11, 30), date(2027, 11, 5), D("8000.00")),
    (date(2027, 12, 1), date(2027, 12, 31), date(2027, 12, 5), D("8000.00")),
]


def test_monthly_fixed_rent_for_twelve_months() -> None:
    bills = schedule(lease(rent=D("8000.00")))
    assert rows(bills) == MONTHLY_FIXED
    assert sum(b.amount for b in bills) == D("96000.00")                       # 12 × 8,000.00
    assert {b.kind for b in bills} == {"rent"}
    assert bills[0].basis == "2027-01-01~2027-01-31 租金 ¥8,000.00 × 1 月"


# --- per m² with management fee ----------------------------------------------------------------------------------


def test_per_sqm_rent_with_management_fee() -> None:
    terms = lease(start=date(2027, 3, 1), end=date(2028, 2, 29), rent_basis="per_sqm", rent=D("183.45"),
                  area=D("85.37"), management_fee=D("12.35"))
    bills = schedule(terms)
    assert len(bills) == 12
    for bill in bills:
        assert bill.rent == D("15661.13")            # 85.37 × 183.45 = 15,593.25 + 67.8765 = 15,661.1265 -> .13
        assert bill.management_fee == D("1054.32")   # 85.37 × 12.35 = 1,049.75 + 4.5695 = 1,054.3195 -> .32
        assert bill.amount == D("16715.45")          # 15,661.13 + 1,054.32
    assert sum(b.amount for b in bills) == D("200585.40")                      # 12 × 16,715.45
    assert bills[0].basis == "2027-03-01~2027-03-31 租金 85.37 m² × ¥183.45 × 1 月；物业费 85.37 m² × ¥12.35 × 1 月"
    assert (bills[-1].period_start, bills[-1].period_end) == (date(2028, 2, 1), date(2028, 2, 29))


# --- quarterly with free months ----------------------------------------------------------------------------------

FREE_QUARTERS = [
    # (free months, fee during free, quarter start, rent, fee, amount); 100 m² × ¥200 = ¥20,000/month,
    # fee 100 m² × ¥15 = ¥1,500/month
    (2, True, date(2027, 1, 1), D("20000.00"), D("4500.00"), D("24500.00")),   # rent 1 × 20,000; fee 3 × 1,500
    (2, True, date(2027, 4, 1), D("60000.00"), D("4500.00"), D("64500.00")),   # 3 × 20,000; 3 × 1,500
    (2, False, date(2027, 1, 1), D("20000.00"), D("1500.00"), D("21500.00")),  # fee only for March: 1 × 1,500
    (4, True, date(2027, 1, 1), D("0.00"), D("4500.00"), D("4500.00")),        # whole quarter free
    (4, True, date(2027, 4, 1), D("40000.00"), D("4500.00"), D("44500.00")),   # April free: 2 × 20,000
]


@pytest.mark.parametrize(("free", "fee_during_free", "quarter", "rent", "fee", "amount"), FREE_QUARTERS)
def test_quarterly_with_free_months(free: int, fee_during_free: bool, quarter: date, rent: Decimal, fee: Decimal,
                                    amount: Decimal) -> None:
    terms = lease(cycle="quarterly", rent_basis="per_sqm", rent=D("200.00"), area=D("100"),
                  management_fee=D("15.00"), free_months=free, fee_during_free=fee_during_free)
    bill = next(b for b in schedule(terms) if b.period_start == quarter)
    assert (bill.rent, bill.management_fee, bill.amount) == (rent, fee, amount)


@pytest.mark.parametrize(("fee_during_free", "basis"), [
    (True, "2027-01-01~2027-03-31 免租 2 月；租金 100 m² × ¥200.00 × 1 月；物业费 100 m² × ¥15.00 × 3 月"),
    (False, "2027-01-01~2027-03-31 免租 2 月；租金 100 m² × ¥200.00 × 1 月；"
            "免物业费 2 月；物业费 100 m² × ¥15.00 × 1 月"),
])
def test_free_months_basis_text(fee_during_free: bool, basis: str) -> None:
    terms = lease(cycle="quarterly", rent_basis="per_sqm", rent=D("200.00"), area=D("100"),
                  management_fee=D("15.00"), free_months=2, fee_during_free=fee_during_free)
    assert schedule(terms)[0].basis == basis


# --- month-end starts: relativedelta clamping --------------------------------------------------------------------

JAN31_2027 = [
    # [start + n months, start + (n+1) months − 1 day]; due the 10th, but never before the start (01-31)
    (date(2027, 1, 31), date(2027, 2, 27), date(2027, 1, 31), D("6000.00")),   # +1 month = 02-28 (clamped)
    (date(2027, 2, 28), date(2027, 3, 30), date(2027, 2, 10), D("6000.00")),   # +2 months = 03-31
    (date(2027, 3, 31), date(2027, 4, 29), date(2027, 3, 10), D("6000.00")),   # +3 months = 04-30 (clamped)
    (date(2027, 4, 30), date(2027, 5, 30), date(2027, 4, 10), D("6000.00")),   # +4 months = 05-31
]

JAN31_2028 = [
    (date(2028, 1, 31), date(2028, 2, 28), date(2028, 1, 31), D("6000.00")),   # +1 month = 02-29 (leap year)
    (date(2028, 2, 29), date(2028, 3, 30), date(2028, 2, 10), D("6000.00")),   # +2 months = 03-31
    (date(2028, 3, 31), date(2028, 4, 29), date(2028, 3, 10), D("6000.00")),
    (date(2028, 4, 30), date(2028, 5, 30), date(2028, 4, 10), D("6000.00")),
    (date(2028, 5, 31), date(2028, 6, 29), date(2028, 5, 10), D("6000.00")),   # +5 months = 06-30
    (date(2028, 6, 30), date(2028, 6, 30), date(2028, 6, 10), D("200.00")),    # cut at the end: 6,000 × 1/30
]


def test_lease_starting_31_january_2027_clamps_each_month_from_the_start() -> None:
    bills = schedule(lease(start=date(2027, 1, 31), end=date(2028, 1, 30), rent=D("6000.00"), due_day=10))
    assert rows(bills[:4]) == JAN31_2027
    assert len(bills) == 12                                                    # 2028-01-30 = start + 12 months − 1
    assert rows(bills[-1:]) == [(date(2027, 12, 31), date(2028, 1, 30), date(2027, 12, 10), D("6000.00"))]


def test_lease_starting_31_january_2028_has_a_29_february_month() -> None:
    bills = schedule(lease(start=date(2028, 1, 31), end=date(2028, 6, 30), rent=D("6000.00"), due_day=10))
    assert rows(bills) == JAN31_2028
    assert bills[-1].basis == "2028-06-30~2028-06-30 租金 ¥6,000.00 × 1/30 月"


# --- escalation ---------------------------------------------------------------------------------------------------

ESCALATION_3_YEARS = [
    # (bill number, period start, rent); 123.45 m² × ¥87.60 = 10,740.15 + 74.07 = 10,814.22
    (1, date(2027, 4, 1), D("10814.22")),
    (12, date(2028, 3, 1), D("10814.22")),
    (13, date(2028, 4, 1), D("11354.93")),     # 10,814.22 × 1.05 = 11,354.931 -> .93
    (24, date(2029, 3, 1), D("11354.93")),
    (25, date(2029, 4, 1), D("11922.68")),     # 10,814.22 × 1.05² = 10,814.22 × 1.1025 = 11,922.67755 -> .68
    (36, date(2030, 3, 1), D("11922.68")),
]


@pytest.mark.parametrize(("number", "start", "rent"), ESCALATION_3_YEARS)
def test_yearly_escalation_changes_months_13_and_25(number: int, start: date, rent: Decimal) -> None:
    terms = lease(start=date(2027, 4, 1), end=date(2030, 3, 31), rent_basis="per_sqm", rent=D("87.60"),
                  area=D("123.45"), escalation=D("5"))
    bills = schedule(terms)
    assert len(bills) == 36
    assert (bills[number - 1].period_start, bills[number - 1].rent) == (start, rent)


def test_escalated_basis_names_the_lease_year() -> None:
    terms = lease(start=date(2027, 4, 1), end=date(2030, 3, 31), rent_basis="per_sqm", rent=D("87.60"),
                  area=D("123.45"), escalation=D("5"))
    assert schedule(terms)[12].basis == "2028-04-01~2028-04-30 租金 ¥11,354.93 × 1 月（第2年 +5%）"


@pytest.mark.parametrize(("year", "rent"), [
    (1, D("10000.10")),
    (2, D("10500.11")),    # 10,000.10 × 1.05 = 10,500.105 -> .11 (half up)
    (3, D("11025.11")),    # 10,000.10 × 1.1025 = 11,025.11025 -> .11; from the rounded 10,500.11 × 1.05 it would be
                           # 11,025.1155 -> .12: compounding is from the unrounded base
])
def test_escalation_compounds_from_the_unrounded_base(year: int, rent: Decimal) -> None:
    assert monthly_rent(lease(rent=D("10000.10"), escalation=D("5")), year) == rent


ALIGNED_QUARTERLY = [
    # start 2027-02-15, align_to_month, quarterly, ¥10,000/month, +5 % from 2028-02-15 (year 2: ¥10,500)
    (date(2027, 2, 15), date(2027, 2, 28), date(2027, 2, 15), D("5000.00")),   # stub 14/28 × 10,000
    (date(2027, 3, 1), date(2027, 5, 31), date(2027, 3, 5), D("30000.00")),    # 3 × 10,000
    (date(2027, 6, 1), date(2027, 8, 31), date(2027, 6, 5), D("30000.00")),
    (date(2027, 9, 1), date(2027, 11, 30), date(2027, 9, 5), D("30000.00")),
    # Dec, Jan 2 × 10,000 + Feb 2028 (29 days) split at 02-15: 14/29 × 10,000 + 15/29 × 10,500
    # = 20,000 + (140,000 + 157,500)/29 = 20,000 + 10,258.6207 = 30,258.62
    (date(2027, 12, 1), date(2028, 2, 29), date(2027, 12, 5), D("30258.62")),
    (date(2028, 3, 1), date(2028, 5, 31), date(2028, 3, 5), D("31500.00")),    # 3 × 10,500
    (date(2028, 6, 1), date(2028, 8, 31), date(2028, 6, 5), D("31500.00")),
    (date(2028, 9, 1), date(2028, 11, 30), date(2028, 9, 5), D("31500.00")),
    (date(2028, 12, 1), date(2029, 2, 14), date(2028, 12, 5), D("26250.00")),  # (2 + 14/28) × 10,500
]


def test_escalation_mid_period_with_align_to_month_and_quarterly_cycle() -> None:
    terms = lease(start=date(2027, 2, 15), end=date(2029, 2, 14), cycle="quarterly", escalation=D("5"),
                  align_to_month=True)
    bills = schedule(terms)
    assert rows(bills) == ALIGNED_QUARTERLY
    assert bills[0].basis == "2027-02-15~2027-02-28 租金 ¥10,000.00 × 14/28 月"
    assert bills[4].basis == ("2027-12-01~2028-02-29 租金 ¥10,000.00 × (2 + 14/29) 月；"
                              "租金 ¥10,500.00 × 15/29 月（第2年 +5%）")


# --- proration and period alignment -------------------------------------------------------------------------------

LAST_PERIODS = [
    # (start, end, cycle, rent, last bill start, last bill end, last amount, basis after the dates)
    # 9,999.99 × 15/30 = 4,999.995 -> 5,000.00 (half up, once for the line)
    (date(2027, 1, 1), date(2027, 6, 15), "monthly", D("9999.99"), date(2027, 6, 1), date(2027, 6, 15),
     D("5000.00"), "租金 ¥9,999.99 × 15/30 月"),
    # April, May whole + June 15/30: 9,999.99 × 2.5 = 24,999.975 -> 24,999.98
    (date(2027, 1, 1), date(2027, 6, 15), "quarterly", D("9999.99"), date(2027, 4, 1), date(2027, 6, 15),
     D("24999.98"), "租金 ¥9,999.99 × (2 + 15/30) 月"),
    # month 06-15~07-14 cut at 07-05 straddles June and July: 10,000 × (16/30 + 5/31)
    # = 10,000 × (496 + 150)/930 = 6,946.2366 -> 6,946.24
    (date(2027, 1, 15), date(2027, 7, 5), "monthly", D("10000.00"), date(2027, 6, 15), date(2027, 7, 5),
     D("6946.24"), "租金 ¥10,000.00 × (16/30 + 5/31) 月"),
]


@pytest.mark.parametrize(("start", "end", "cycle", "rent", "last_start", "last_end", "amount", "basis"), LAST_PERIODS)
def test_last_period_is_prorated_by_calendar_days(start: date, end: date, cycle: str, rent: Decimal, last_start: date,
                                                  last_end: date, amount: Decimal, basis: str) -> None:
    last = schedule(lease(start=start, end=end, cycle=cycle, rent=rent))[-1]
    assert (last.period_start, last.period_end, last.amount) == (last_start, last_end, amount)
    assert last.basis == f"{last_start}~{last_end} {basis}"


def test_lease_starting_mid_month_follows_the_start_date_with_no_partial_period() -> None:
    bills = schedule(lease(start=date(2027, 1, 15), end=date(2028, 1, 14)))
    assert len(bills) == 12
    assert {b.amount for b in bills} == {D("10000.00")}                        # every period a whole lease month
    assert (bills[0].period_start, bills[0].period_end) == (date(2027, 1, 15), date(2027, 2, 14))
    assert (bills[-1].period_start, bills[-1].period_end) == (date(2027, 12, 15), date(2028, 1, 14))


ALIGNED_MONTHLY = [
    (date(2027, 1, 15), date(2027, 1, 31), date(2027, 1, 15), D("3400.00")),   # 17/31 × 6,200 = 3,400
    (date(2027, 2, 1), date(2027, 2, 28), date(2027, 2, 5), D("6200.00")),
    (date(2027, 3, 1), date(2027, 3, 31), date(2027, 3, 5), D("6200.00")),
    (date(2027, 4, 1), date(2027, 4, 14), date(2027, 4, 5), D("2893.33")),     # 14/30 × 6,200 = 2,893.333 -> .33
]


def test_align_to_month_prorates_the_first_and_last_calendar_month() -> None:
    bills = schedule(lease(start=date(2027, 1, 15), end=date(2027, 4, 14), rent=D("6200.00"), align_to_month=True))
    assert rows(bills) == ALIGNED_MONTHLY


DUE_DATES = [
    # (due_day, align, first two due dates): due_day of the period's start month, never before the start 01-15
    (5, False, [date(2027, 1, 15), date(2027, 2, 5)]),     # 01-05 is before the start -> 01-15
    (20, False, [date(2027, 1, 20), date(2027, 2, 20)]),
    (15, False, [date(2027, 1, 15), date(2027, 2, 15)]),
    (5, True, [date(2027, 1, 15), date(2027, 2, 5)]),      # stub 01-15~01-31, then February from the 1st
]


@pytest.mark.parametrize(("due_day", "align", "dues"), DUE_DATES)
def test_due_date_rule(due_day: int, align: bool, dues: list[date]) -> None:
    bills = schedule(lease(start=date(2027, 1, 15), due_day=due_day, align_to_month=align))
    assert [b.due_date for b in bills[:2]] == dues


def test_same_terms_give_the_same_schedule() -> None:
    terms = lease(start=date(2027, 2, 15), end=date(2029, 2, 14), cycle="quarterly", escalation=D("5"),
                  align_to_month=True, free_months=3, management_fee=D("7.77"))
    first, second = schedule(terms), schedule(terms)
    assert first == second
    assert first is not second


@pytest.mark.parametrize("terms", [
    lease(),
    lease(start=date(2027, 1, 31), end=date(2028, 7, 3), rent_basis="per_sqm", rent=D("87.65"), area=D("33.33"),
          management_fee=D("9.99"), escalation=D("3.7"), free_months=1),
    lease(start=date(2027, 2, 15), end=date(2030, 5, 17), cycle="quarterly", rent=D("7777.77"),
          escalation=D("4.5"), align_to_month=True, free_months=2, management_fee=D("1.23")),
    lease(start=date(2028, 2, 29), end=date(2031, 3, 1), cycle="half_yearly", rent=D("12345.67"), escalation=D("6")),
])
def test_every_bill_line_has_two_decimal_places(terms: LeaseTerms) -> None:
    for bill in schedule(terms):
        for value in (bill.rent, bill.management_fee, bill.amount):
            assert value.as_tuple().exponent == -2
        assert bill.amount == bill.rent + bill.management_fee


@pytest.mark.parametrize(("start", "end", "monthly", "year"), [
    (date(2027, 1, 1), date(2027, 12, 31), D("3333.33"), D("39999.96")),     # 12 × 3,333.33
    (date(2027, 1, 31), date(2028, 1, 30), D("3333.33"), D("39999.96")),    # months of 28–31 days cost the same
    (date(2028, 3, 17), date(2029, 3, 16), D("0.01"), D("0.12")),           # 12 × 0.01
])
def test_a_year_of_monthly_bills_is_twelve_times_the_monthly_amount(start: date, end: date, monthly: Decimal,
                                                                   year: Decimal) -> None:
    bills = schedule(lease(start=start, end=end, rent=monthly))
    assert len(bills) == 12
    assert sum(b.amount for b in bills) == 12 * monthly == year


# --- early termination and deposit --------------------------------------------------------------------------------


def test_early_termination_cuts_the_bill_containing_the_day() -> None:
    terms = lease(cycle="quarterly")
    kept, dropped = terminate(terms, date(2027, 5, 10))
    assert rows(kept) == [
        (date(2027, 1, 1), date(2027, 3, 31), date(2027, 1, 5), D("30000.00")),   # unchanged: 3 × 10,000
        # April whole + May 1–10: 10,000 + 10/31 × 10,000 = 10,000 + 3,225.806 = 13,225.81
        (date(2027, 4, 1), date(2027, 5, 10), date(2027, 4, 5), D("13225.81")),
    ]
    assert kept[0] == schedule(terms)[0]
    assert kept[1].basis == "2027-04-01~2027-05-10 租金 ¥10,000.00 × (1 + 10/31) 月"
    assert [b.period_start for b in dropped] == [date(2027, 7, 1), date(2027, 10, 1)]


def test_termination_on_the_end_date_changes_nothing_and_outside_the_lease_is_refused() -> None:
    terms = lease(cycle="quarterly")
    assert terminate(terms, date(2027, 12, 31)) == (schedule(terms), [])
    with pytest.raises(LeaseError):
        terminate(terms, date(2028, 1, 1))


@pytest.mark.parametrize(("deposit", "open_balances", "penalties", "refund", "owed"), [
    (D("30000.00"), D("13225.81"), D("50.00"), D("16724.19"), D("0.00")),   # 30,000 − 13,275.81
    (D("10000.00"), D("12000.00"), D("300.00"), D("0.00"), D("2300.00")),   # 12,300 − 10,000
    (D("5000.00"), D("4950.00"), D("50.00"), D("0.00"), D("0.00")),         # exactly covered
])
def test_deposit_settlement(deposit: Decimal, open_balances: Decimal, penalties: Decimal, refund: Decimal,
                            owed: Decimal) -> None:
    assert deposit_settlement(deposit, open_balances, penalties) == (refund, owed)


# --- turnover rent (扣点) ------------------------------------------------------------------------------------------

TURNOVER = [
    # (month, sales, expected excess or None, due); rate 8 %, base ¥10,000/month, January 2027 free, +5 % from 2028
    (date(2027, 3, 1), D("150000.00"), D("2000.00"), date(2027, 4, 10)),   # 12,000 − 10,000
    (date(2027, 3, 1), D("125000.00"), None, None),                        # 10,000 = base: nothing above it
    (date(2027, 3, 1), D("100000.00"), None, None),                        # 8,000 < 10,000
    (date(2027, 1, 1), D("50000.00"), D("4000.00"), date(2027, 2, 10)),    # free month: base 0, all of 4,000
    (date(2028, 1, 1), D("150000.00"), D("1500.00"), date(2028, 2, 10)),   # 12,000 − 10,500 (year 2)
    (date(2028, 12, 1), D("137500.50"), D("500.04"), date(2029, 1, 10)),   # 11,000.04 − 10,500; due next year
]


@pytest.mark.parametrize(("month", "sales", "excess", "due"), TURNOVER)
def test_turnover_above_and_below_base(month: date, sales: Decimal, excess: Decimal | None, due: date | None) -> None:
    terms = lease(end=date(2028, 12, 31), free_months=1, escalation=D("5"), turnover_rate=D("8"), due_day=10)
    bill = turnover_bill(terms, month, sales)
    if excess is None:
        assert bill is None
        return
    assert bill is not None
    assert (bill.kind, bill.rent, bill.management_fee, bill.amount, bill.due_date) == (
        "turnover", excess, D("0.00"), excess, due)


def test_turnover_base_is_split_at_an_anniversary_inside_the_month() -> None:
    terms = lease(start=date(2027, 1, 15), end=date(2029, 1, 14), escalation=D("5"), turnover_rate=D("8"))
    bill = turnover_bill(terms, date(2028, 1, 1), D("200000.00"))
    # base: 14/31 × 10,000 + 17/31 × 10,500 = 318,500/31 = 10,274.1935 -> 10,274.19
    # 200,000 × 8 % = 16,000.00; 16,000.00 − 10,274.19 = 5,725.81
    assert bill is not None
    assert bill.amount == D("5725.81")
    assert bill.basis == "2028-01-01~2028-01-31 扣点 销售额 ¥200,000.00 × 8% = ¥16,000.00 − 当月保底租金 ¥10,274.19"


def test_turnover_needs_a_rate_and_a_calendar_month_in_the_lease() -> None:
    assert turnover_bill(lease(), date(2027, 3, 1), D("999999.00")) is None
    with pytest.raises(LeaseError):
        turnover_bill(lease(turnover_rate=D("8")), date(2027, 3, 15), D("1000.00"))
    with pytest.raises(LeaseError):
        turnover_bill(lease(turnover_rate=D("8")), date(2028, 1, 1), D("1000.00"))


# --- penalty, allocation, aging -----------------------------------------------------------------------------------

PENALTIES = [
    # (amount, due, paid, rate, penalty)
    (D("10000.00"), date(2027, 3, 5), date(2027, 3, 15), D("0.0005"), D("50.00")),    # 10 × 0.0005 × 10,000
    (D("10000.00"), date(2027, 3, 5), date(2027, 3, 5), D("0.0005"), D("0.00")),      # paid on the due date
    (D("10000.00"), date(2027, 3, 5), date(2027, 3, 1), D("0.0005"), D("0.00")),      # paid early
    (D("10000.00"), date(2027, 3, 5), date(2027, 3, 6), D("0.0005"), D("5.00")),      # 1 day
    (D("3333.33"), date(2027, 3, 5), date(2027, 3, 12), D("0.0005"), D("11.67")),     # 7 × 0.0005 × 3,333.33
                                                                                      # = 11.666655 -> 11.67
    (D("10000.00"), date(2027, 1, 31), date(2027, 3, 17), D("0.0005"), D("225.00")),  # 28 + 17 = 45 days, simple
]


@pytest.mark.parametrize(("amount", "due", "paid", "rate", "expected"), PENALTIES)
def test_penalty(amount: Decimal, due: date, paid: date, rate: Decimal, expected: Decimal) -> None:
    assert penalty(amount, due, paid, rate) == expected


@pytest.mark.parametrize(("due", "day", "days"), [
    (date(2027, 3, 5), date(2027, 3, 5), 0),
    (date(2027, 3, 5), date(2027, 3, 4), 0),
    (date(2027, 3, 5), date(2027, 3, 6), 1),
    (date(2027, 2, 28), date(2028, 2, 28), 365),     # 2028-02-29 comes after: 365
    (date(2028, 2, 28), date(2029, 2, 28), 366),     # 2028-02-29 lies between: 366
])
def test_days_overdue(due: date, day: date, days: int) -> None:
    assert days_overdue(due, day) == days


OPEN = [
    OpenBill("A", date(2027, 3, 5), date(2027, 3, 1), D("5000.00")),
    OpenBill("B", date(2027, 1, 5), date(2027, 1, 1), D("3000.00")),
    OpenBill("C", date(2027, 2, 5), date(2027, 2, 1), D("4000.00")),
    OpenBill("D", date(2027, 2, 5), date(2027, 1, 20), D("1000.00")),    # same due as C, earlier period
    OpenBill("E", date(2026, 12, 5), date(2026, 12, 1), D("0.00")),      # settled already
]

ALLOCATIONS = [
    # oldest first: B (01-05), D (02-05, period 01-20), C (02-05, period 02-01), A (03-05)
    (D("14000.00"), (("B", D("3000.00")), ("D", D("1000.00")), ("C", D("4000.00")), ("A", D("5000.00"))),
     D("1000.00")),    # 14,000 − 13,000 left over
    (D("5500.00"), (("B", D("3000.00")), ("D", D("1000.00")), ("C", D("1500.00"))), D("0.00")),   # 5,500 − 4,000
    (D("3000.00"), (("B", D("3000.00")),), D("0.00")),
    (D("0.00"), (), D("0.00")),
]


@pytest.mark.parametrize(("payment", "applied", "unapplied"), ALLOCATIONS)
def test_allocation_oldest_first(payment: Decimal, applied: tuple[tuple[str, Decimal], ...],
                                 unapplied: Decimal) -> None:
    assert allocate(OPEN, payment) == Allocation(applied, unapplied)


def test_negative_payment_is_refused() -> None:
    with pytest.raises(LeaseError):
        allocate(OPEN, D("-1.00"))


@pytest.mark.parametrize(("days", "bucket"), [
    (-3, "current"), (0, "current"), (1, "0–30"), (30, "0–30"), (31, "31–60"), (60, "31–60"),
    (61, "61–90"), (90, "61–90"), (91, "90+"), (400, "90+"),
])
def test_aging_buckets_at_the_edges(days: int, bucket: str) -> None:
    assert aging_bucket(days) == bucket


# --- amendment ----------------------------------------------------------------------------------------------------

REGENERATE = [
    # (old cycle, new cycle, changed_on, today, expected (period start, amount)); old ¥10,000/month, new ¥12,000,
    # due the 5th. Kept: due_date <= today, or not yet due but ending before changed_on.
    # Jan–May due by 05-05 <= 05-10: kept; June due 06-05 > today and reaches 06-01: new
    ("monthly", "monthly", date(2027, 6, 1), date(2027, 5, 10),
     [D("10000.00")] * 5 + [D("12000.00")] * 7),                  # 50,000 + 84,000 = 134,000
    # June due 06-05 = today: already due, kept
    ("monthly", "monthly", date(2027, 6, 1), date(2027, 6, 5),
     [D("10000.00")] * 6 + [D("12000.00")] * 6),                  # 60,000 + 72,000 = 132,000
    # one day earlier June is not yet due: replaced
    ("monthly", "monthly", date(2027, 6, 1), date(2027, 6, 4),
     [D("10000.00")] * 5 + [D("12000.00")] * 7),
    # June, July not yet due but end before 08-01: kept at the old rent
    ("monthly", "monthly", date(2027, 8, 1), date(2027, 5, 10),
     [D("10000.00")] * 7 + [D("12000.00")] * 5),                  # 70,000 + 60,000 = 130,000
    # Q2 due 04-05 <= 04-10 kept although the change is 05-01; new from Q3: 3 × 12,000 = 36,000
    ("quarterly", "quarterly", date(2027, 5, 1), date(2027, 4, 10),
     [D("30000.00"), D("30000.00"), D("36000.00"), D("36000.00")]),
    # monthly -> quarterly: Jan, Feb kept; new Q1 cut to March (one whole month, 12,000), then Q2–Q4
    ("monthly", "quarterly", date(2027, 3, 1), date(2027, 2, 10),
     [D("10000.00"), D("10000.00"), D("12000.00"), D("36000.00"), D("36000.00"), D("36000.00")]),
]


@pytest.mark.parametrize(("old_cycle", "new_cycle", "changed_on", "today", "amounts"), REGENERATE)
def test_regenerate_after_change(old_cycle: str, new_cycle: str, changed_on: date, today: date,
                                 amounts: list[Decimal]) -> None:
    old = schedule(lease(cycle=old_cycle))
    bills = regenerate_after_change(old, lease(cycle=new_cycle, rent=D("12000.00")), changed_on, today)
    assert [b.amount for b in bills] == amounts
    kept = [b for b in bills if b in old]                                      # new bills are at 12,000, never old
    assert kept == old[:len(kept)]                                             # kept bills are the old ones, untouched
    assert all(b.due_date > today for b in bills[len(kept):])
    for before, after in itertools.pairwise(bills):                            # no gap, no overlap
        assert after.period_start == before.period_end + timedelta(days=1)
    assert bills[-1].period_end == date(2027, 12, 31)


def test_regenerated_cut_period_basis() -> None:
    old = schedule(lease())
    bills = regenerate_after_change(old, lease(cycle="quarterly", rent=D("12000.00")), date(2027, 3, 1),
                                    date(2027, 2, 10))
    assert rows(bills[2:3]) == [(date(2027, 3, 1), date(2027, 3, 31), date(2027, 3, 5), D("12000.00"))]
    assert bills[2].basis == "2027-03-01~2027-03-31 租金 ¥12,000.00 × 1 月"


def test_regenerate_refuses_turnover_bills() -> None:
    terms = lease(turnover_rate=D("8"))
    extra = turnover_bill(terms, date(2027, 3, 1), D("200000.00"))
    assert extra is not None
    with pytest.raises(LeaseError):
        regenerate_after_change([*schedule(terms), extra], terms, date(2027, 6, 1), date(2027, 5, 10))


# --- terms validation ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("overrides", [
    {"end": date(2026, 12, 31)},
    {"due_day": 29},
    {"due_day": 0},
    {"cycle": "weekly"},
    {"rent_basis": "per_day"},
    {"free_months": -1},
    {"rent": 10000.0},
    {"area": D("-1")},
])
def test_bad_terms_are_refused(overrides: dict[str, Any]) -> None:
    with pytest.raises(LeaseError):
        lease(**overrides)
