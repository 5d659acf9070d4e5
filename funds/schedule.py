"""Payment schedules by UK financial year (1 April to 31 March). Pure: plain data in, plain
data out; no flask, no database.

Amounts are whole pence. A total is split so the instalments add up to it exactly: every
instalment gets the same share, and the pence left over go one each to the first instalments.
"""

from __future__ import annotations

import calendar
import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _

from giving.timeutil import financial_year


class Frequency(enum.StrEnum):
    ANNUAL = "annual"
    QUARTERLY = "quarterly"
    MONTHLY = "monthly"

    @property
    def per_year(self) -> int:
        return {"annual": 1, "quarterly": 4, "monthly": 12}[self.value]

    @property
    def months_apart(self) -> int:
        return 12 // self.per_year

    @property
    def label(self) -> str:
        return {
            "annual": _("Once a year"),
            "quarterly": _("Every three months"),
            "monthly": _("Every month"),
        }[self.value]


@dataclass(frozen=True)
class Planned:
    """One instalment of a schedule."""

    number: int
    due: dt.date
    amount_pence: int

    @property
    def financial_year(self) -> int:
        return financial_year(self.due)


def split_pence(total_pence: int, parts: int) -> list[int]:
    """``total_pence`` in ``parts`` shares that add up to it exactly; the spare pence go one
    each to the first shares, so the split is the same every time."""
    if isinstance(total_pence, bool) or not isinstance(total_pence, int):
        raise TypeError("Money is whole pence")
    if parts < 1:
        raise ValueError("There must be at least one part")
    if total_pence < parts:
        raise ValueError("Each part must be at least one penny")
    share, spare = divmod(total_pence, parts)
    return [share + 1 if i < spare else share for i in range(parts)]


def add_months(day: dt.date, months: int, anchor_day: int | None = None) -> dt.date:
    """The same day of the month ``months`` later; the 31st becomes the month's last day."""
    anchor = anchor_day or day.day
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    return dt.date(year, month, min(anchor, calendar.monthrange(year, month)[1]))


def build(total_pence: int, start: dt.date, years: int, frequency: Frequency) -> list[Planned]:
    """The instalments of a grant of ``total_pence`` over ``years`` years from ``start``: the
    first is due on the start date, the rest ``frequency`` apart."""
    if years < 1:
        raise ValueError("A grant lasts at least one year")
    count = years * frequency.per_year
    amounts = split_pence(total_pence, count)
    return [
        Planned(
            number=i + 1,
            due=add_months(start, i * frequency.months_apart, anchor_day=start.day),
            amount_pence=amounts[i],
        )
        for i in range(count)
    ]


def end_date(start: dt.date, years: int) -> dt.date:
    """The last day of a grant that starts on ``start`` and lasts ``years`` years."""
    return add_months(start, 12 * years, anchor_day=start.day) - dt.timedelta(days=1)


def by_financial_year(items: Iterable[tuple[dt.date, int]]) -> dict[int, int]:
    """Pence due in each financial year (named by the year it starts), in year order."""
    totals: dict[int, int] = {}
    for due, amount in items:
        year = financial_year(due)
        totals[year] = totals.get(year, 0) + amount
    return dict(sorted(totals.items()))


def checkin_dates(start: dt.date, years: int) -> list[dt.date]:
    """One check-in a year, on each anniversary of the start."""
    return [add_months(start, 12 * k, anchor_day=start.day) for k in range(1, years + 1)]
