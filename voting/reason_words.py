"""The counting rules' reasons in the reader's language.

A counted vote keeps, for every project, its reason in English and the same sentences to
translate (message ids and their values, see :mod:`voting.rules.reasons`). Pages show the
sentences in the language in use, with money and numbers written the way that language writes
them; English reads exactly as the rule wrote it. A vote counted before the sentences were
kept shows its English reason as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from babel import Locale
from babel.lists import format_list
from babel.numbers import format_decimal
from flask_babel import get_locale, get_translations

from giving.money import format_money
from voting.rules import Number, pounds_from_pence
from voting.rules.reasons import (
    Language,
    english,
    reasons_from_json,
    render,
)


def _number(locale: Locale) -> Any:
    def number(value: Number) -> str:
        if isinstance(value, int):
            return format_decimal(value, locale=locale)
        return str(value)

    return number


def reader_language() -> Language:
    """How reasons are written in the language in use now (a page, or an email being
    written)."""
    locale = get_locale()
    if locale is None or locale.language == "en":
        return english(pounds_from_pence)
    translations = get_translations()
    return Language(
        gettext=translations.gettext,
        ngettext=translations.ngettext,
        money=format_money,
        number=_number(locale),
        join=lambda parts: format_list(parts, locale=locale),
    )


def shown_reason(item: Mapping[str, Any], language: Language | None = None) -> str:
    """A project's reason from a kept outcome, in ``language`` (the reader's by default).
    Sentences that cannot be read back (say, a translation with a wrong placeholder) fall
    back to the English reason kept beside them."""
    english_text = str(item.get("reason") or "")
    kept = item.get("why")
    if not kept:
        return english_text
    try:
        return render(reasons_from_json(kept), language or reader_language())
    except (ValueError, KeyError, TypeError):
        return english_text
