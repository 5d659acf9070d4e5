"""Dates, times, money and plural forms are written the way each language writes them, in
London time; English stays as it always was."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import render_template_string
from flask_babel import force_locale, ngettext

from giving.money import format_money
from giving.timeutil import format_date, format_datetime, format_time

NBSP = "\xa0"
# 9:05pm on a summer evening in London is 20:05 UTC: the clocks are an hour ahead.
SUMMER_EVENING = dt.datetime(2026, 7, 1, 20, 5, tzinfo=dt.UTC)
WINTER_MORNING = dt.datetime(2026, 12, 3, 9, 5, tzinfo=dt.UTC)


@pytest.fixture
def in_page(app):
    with app.test_request_context():
        yield


@pytest.mark.parametrize(
    ("locale", "day", "evening", "morning"),
    [
        ("en_GB", "3 December 2026", "1 July 2026 at 9:05pm", "3 December 2026 at 9:05am"),
        ("cy", "3 Rhagfyr 2026", "1 Gorffennaf 2026 am 21:05", "3 Rhagfyr 2026 am 09:05"),
        ("pl", "3 grudnia 2026", "1 lipca 2026 o 21:05", "3 grudnia 2026 o 09:05"),
    ],
)
def test_dates_and_times_in_each_language_in_london_time(in_page, locale, day, evening, morning):
    with force_locale(locale):
        assert format_date(dt.date(2026, 12, 3)) == day
        assert format_date(WINTER_MORNING) == day
        assert format_datetime(SUMMER_EVENING) == evening
        assert format_datetime(WINTER_MORNING) == morning
        # The templates' filters are the same functions.
        assert render_template_string("{{ d|date }}", d=dt.date(2026, 12, 3)) == day


def test_english_times_keep_their_own_form(in_page):
    assert format_time(SUMMER_EVENING) == "9:05pm"
    with force_locale("cy"):
        assert format_time(SUMMER_EVENING) == "21:05"


@pytest.mark.parametrize(
    ("locale", "pence", "shown"),
    [
        ("en_GB", 125050, "£1,250.50"),
        ("en_GB", 500000, "£5,000"),
        ("en_GB", -125050, "-£1,250.50"),
        ("en_GB", 5, "£0.05"),
        ("cy", 125050, "£1,250.50"),
        ("cy", 500000, "£5,000"),
        ("pl", 125050, f"1{NBSP}250,50{NBSP}GBP"),
        ("pl", 500000, f"5{NBSP}000{NBSP}GBP"),
        ("pl", -125050, f"-1{NBSP}250,50{NBSP}GBP"),
    ],
)
def test_money_in_each_language_whole_pounds_without_pence(in_page, locale, pence, shown):
    with force_locale(locale):
        assert format_money(pence) == shown
        assert render_template_string("{{ p|money }}", p=pence) == shown


def _ballots(n: int) -> str:
    return ngettext("%(num)d ballot is in.", "%(num)d ballots are in.", n)


def test_welsh_has_six_plural_forms(in_page):
    with force_locale("cy"):
        assert [_ballots(n) for n in (0, 1, 2, 3, 6, 11)] == [
            "Does dim pleidleisiau wedi dod i mewn eto.",
            "Mae un bleidlais wedi dod i mewn.",
            "Mae dwy bleidlais wedi dod i mewn.",
            "Mae tair pleidlais wedi dod i mewn.",
            "Mae chwe phleidlais wedi dod i mewn.",
            "Mae 11 o bleidleisiau wedi dod i mewn.",
        ]


def test_polish_has_three_plural_forms(in_page):
    with force_locale("pl"):
        assert [_ballots(n) for n in (1, 2, 5, 12, 22)] == [
            "Oddano 1 głos.",
            "Oddano 2 głosy.",
            "Oddano 5 głosów.",
            "Oddano 12 głosów.",
            "Oddano 22 głosy.",
        ]


def test_english_plurals_are_unchanged(in_page):
    assert [_ballots(n) for n in (0, 1, 2)] == [
        "0 ballots are in.",
        "1 ballot is in.",
        "2 ballots are in.",
    ]
