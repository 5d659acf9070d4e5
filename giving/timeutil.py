"""Times are stored in UTC and shown in Europe/London; financial years run 1 April to 31 March."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

LONDON = ZoneInfo("Europe/London")


def utcnow() -> dt.datetime:
    """The current time, timezone-aware, in UTC."""
    return dt.datetime.now(dt.UTC)


def to_london(value: dt.datetime) -> dt.datetime:
    """A stored UTC time as the clock on the wall in London."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(LONDON)


def london_to_utc(day: dt.date, time: dt.time) -> dt.datetime:
    """The UTC moment when London's clocks show ``day`` at ``time``.

    Raises ValueError for a time the clocks skip when they go forward (01:00 to 01:59 on the
    last Sunday in March). When they go back, an hour repeats; the first one is used.
    """
    local = dt.datetime.combine(day, time).replace(tzinfo=LONDON, fold=0)
    moment = local.astimezone(dt.UTC)
    if moment.astimezone(LONDON).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise ValueError("That time does not exist in London: the clocks go forward then")
    return moment


def format_time(value: dt.datetime | None) -> str:
    """'10:52pm' in London time."""
    if value is None:
        return ""
    local = to_london(value)
    hour = local.strftime("%I").lstrip("0") or "12"
    return f"{hour}:{local:%M}{local:%p}".replace("AM", "am").replace("PM", "pm")


def format_datetime(value: dt.datetime | None) -> str:
    """'21 November 2026 at 10:52pm' in London time."""
    if value is None:
        return ""
    local = to_london(value)
    hour = local.strftime("%I").lstrip("0") or "12"
    return f"{local.day} {local:%B %Y} at {hour}:{local:%M}{local:%p}".replace("AM", "am").replace(
        "PM", "pm"
    )


def format_date(value: dt.date | dt.datetime | None) -> str:
    """'21 November 2026' (London date for a datetime)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = to_london(value).date()
    return f"{value.day} {value:%B %Y}"


def financial_year(day: dt.date) -> int:
    """The UK financial year a day falls in, named by the year it starts (2026 = 2026-27)."""
    return day.year if day.month >= 4 else day.year - 1


def financial_year_label(start_year: int) -> str:
    """'2026-27' for the year starting 1 April 2026."""
    return f"{start_year}-{(start_year + 1) % 100:02d}"


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every database (SQLite keeps no zone of its own)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):  # noqa: ANN001, ANN201
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("Times must be timezone-aware before they are stored")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):  # noqa: ANN001, ANN201
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC)
