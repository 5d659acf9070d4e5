"""Money for people to read. Money is whole pence (an int) everywhere; this only shows it.

Imports nothing else of Placefund, so any module may use it."""

from __future__ import annotations

from decimal import Decimal

from babel import Locale
from babel.numbers import format_currency
from flask.globals import _cv_app
from flask_babel import get_locale


def _locale_in_use() -> Locale | None:
    """The locale of this request (or of the email being written); None outside the app.
    Pages show many amounts, so the locale Flask-Babel has already chosen is read straight
    from the app context's ``g`` when it is there, and asked for only when it is not."""
    app_context = _cv_app.get(None)
    if app_context is None:
        return None
    chosen = getattr(getattr(app_context.g, "_flask_babel", None), "babel_locale", None)
    return chosen if isinstance(chosen, Locale) else get_locale()


def format_money(pence: int | None) -> str:
    """Whole pence as pounds: 125050 -> '£1,250.50', 500000 -> '£5,000', written the way
    the language in use writes money (Welsh '£1,250.50', Polish '1250,50 GBP')."""
    if pence is None:
        return ""
    locale = _locale_in_use()
    pounds, rest = divmod(abs(pence), 100)
    if locale is None or locale.language == "en":
        sign = "-" if pence < 0 else ""
        return f"{sign}£{pounds:,}" if rest == 0 else f"{sign}£{pounds:,}.{rest:02d}"
    amount = Decimal(pence) / 100
    if rest == 0:
        # Whole pounds show no pence: the language's own pattern without its decimals.
        pattern = locale.currency_formats["standard"].pattern.split(";")[0].replace(".00", "")
        return format_currency(amount, "GBP", format=pattern, locale=locale, currency_digits=False)
    return format_currency(amount, "GBP", locale=locale)
