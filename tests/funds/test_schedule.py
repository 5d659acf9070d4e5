"""Payment schedules by UK financial year: pure functions, no database."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from funds.schedule import (
    Frequency,
    add_months,
    build,
    by_financial_year,
    checkin_dates,
    end_date,
    split_pence,
)


def test_a_seven_year_quarterly_grant_starting_mid_year_falls_in_the_right_years():
    plan = build(7_000_000, dt.date(2026, 8, 15), 7, Frequency.QUARTERLY)
    assert len(plan) == 28
    assert [p.due for p in plan[:5]] == [
        dt.date(2026, 8, 15),
        dt.date(2026, 11, 15),
        dt.date(2027, 2, 15),
        dt.date(2027, 5, 15),
        dt.date(2027, 8, 15),
    ]
    assert plan[-1].due == dt.date(2033, 5, 15)
    counts: dict[int, int] = {}
    for p in plan:
        counts[p.financial_year] = counts.get(p.financial_year, 0) + 1
    # 2026-27 has August, November and February; the last year only May 2033.
    assert counts == {2026: 3, 2027: 4, 2028: 4, 2029: 4, 2030: 4, 2031: 4, 2032: 4, 2033: 1}
    years = by_financial_year((p.due, p.amount_pence) for p in plan)
    assert years == {
        2026: 750_000,
        2027: 1_000_000,
        2028: 1_000_000,
        2029: 1_000_000,
        2030: 1_000_000,
        2031: 1_000_000,
        2032: 1_000_000,
        2033: 250_000,
    }
    assert sum(years.values()) == 7_000_000
    assert end_date(dt.date(2026, 8, 15), 7) == dt.date(2033, 8, 14)


def test_a_payment_on_31_march_is_in_the_year_that_ends_then():
    plan = build(1_200, dt.date(2027, 3, 31), 1, Frequency.ANNUAL)
    assert plan[0].financial_year == 2026
    assert build(1_200, dt.date(2027, 4, 1), 1, Frequency.ANNUAL)[0].financial_year == 2027


def test_monthly_payments_from_the_31st_land_on_each_months_last_day():
    plan = build(12_00, dt.date(2027, 1, 31), 1, Frequency.MONTHLY)
    assert [p.due for p in plan[:4]] == [
        dt.date(2027, 1, 31),
        dt.date(2027, 2, 28),
        dt.date(2027, 3, 31),
        dt.date(2027, 4, 30),
    ]
    assert add_months(dt.date(2028, 1, 31), 1) == dt.date(2028, 2, 29)


def test_spare_pence_go_to_the_first_payments():
    assert split_pence(1_000_001, 4) == [250_001, 250_000, 250_000, 250_000]
    assert split_pence(10, 4) == [3, 3, 2, 2]


def test_money_is_never_a_float():
    with pytest.raises(TypeError):
        split_pence(100.0, 2)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        split_pence(True, 1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="penny"):
        split_pence(3, 4)


def test_check_ins_fall_on_each_anniversary():
    assert checkin_dates(dt.date(2026, 8, 15), 3) == [
        dt.date(2027, 8, 15),
        dt.date(2028, 8, 15),
        dt.date(2029, 8, 15),
    ]


@given(
    total=st.integers(min_value=84, max_value=10**11),
    start=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 12, 31)),
    years=st.integers(min_value=1, max_value=7),
    frequency=st.sampled_from(list(Frequency)),
)
def test_a_schedule_always_adds_up_and_is_in_order(total, start, years, frequency):
    plan = build(total, start, years, frequency)
    amounts = [p.amount_pence for p in plan]
    assert sum(amounts) == total
    assert max(amounts) - min(amounts) <= 1
    assert all(isinstance(a, int) for a in amounts)
    assert [p.due for p in plan] == sorted(p.due for p in plan)
    assert len({p.due for p in plan}) == len(plan)
    assert plan[0].due == start
    assert plan[-1].due <= end_date(start, years)
    assert sum(by_financial_year((p.due, p.amount_pence) for p in plan).values()) == total
