"""Times are stored in UTC and shown in Europe/London; financial years run 1 April to 31 March."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import flask_babel
from babel import dates as babel_dates
from flask import has_app_context
from sqlalchemy import DateTime, Dialect
from sqlalchemy.types import TypeDecorator

LONDON = ZoneInfo("Europe/London")
# The locale dates are written in when there is no app to ask (the app's default is en_GB).
FALLBACK_LOCALE = "en_GB"


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


# CLDR patterns, so dates read the same on every page: "21 November 2026 at 10:52pm".
DATE_PATTERN = "d MMMM y"
TIME_PATTERN = "h:mma"
DATETIME_PATTERN = f"{DATE_PATTERN} 'at' {TIME_PATTERN}"


def _lower_marker(text: str) -> str:
    """'10:52PM' -> '10:52pm', whatever case the locale gives the marker in."""
    return text.replace("AM", "am").replace("PM", "pm")


def _format_moment(value: dt.datetime, pattern: str) -> str:
    """``value`` in London time, with Flask-Babel (the app's locale and BABEL_DEFAULT_TIMEZONE)
    inside the app, or with Babel directly outside it (a script, a test without an app)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    if has_app_context():
        return flask_babel.format_datetime(value, pattern)
    return babel_dates.format_datetime(value, pattern, tzinfo=LONDON, locale=FALLBACK_LOCALE)


def _time_pattern() -> str:
    """English times read '10:52pm'; other languages write times their own way ('22:52')."""
    locale = flask_babel.get_locale() if has_app_context() else None
    if locale is None or str(locale) == FALLBACK_LOCALE:
        return TIME_PATTERN
    return str(locale.time_formats["short"].pattern)


def format_time(value: dt.datetime | None) -> str:
    """'10:52pm' in London time (in Welsh and Polish, '22:52')."""
    if value is None:
        return ""
    return _lower_marker(_format_moment(value, _time_pattern()))


def format_datetime(value: dt.datetime | None) -> str:
    """'21 November 2026 at 10:52pm' in London time, in the language in use."""
    if value is None:
        return ""
    if not has_app_context():
        return _lower_marker(_format_moment(value, DATETIME_PATTERN))
    return flask_babel.gettext(
        "%(date)s at %(time)s", date=format_date(value), time=format_time(value)
    )


def format_date(value: dt.date | dt.datetime | None) -> str:
    """'21 November 2026' (London date for a datetime)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return _format_moment(value, DATE_PATTERN)
    if has_app_context():
        return flask_babel.format_date(value, DATE_PATTERN)
    return babel_dates.format_date(value, DATE_PATTERN, locale=FALLBACK_LOCALE)


def financial_year(day: dt.date) -> int:
    """The UK financial year a day falls in, named by the year it starts (2026 = 2026-27)."""
    return day.year if day.month >= 4 else day.year - 1


def financial_year_label(start_year: int) -> str:
    """'2026-27' for the year starting 1 April 2026."""
    return f"{start_year}-{(start_year + 1) % 100:02d}"


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC datetime on every database (SQLite keeps no zone of its own)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("Times must be timezone-aware before they are stored")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC)
