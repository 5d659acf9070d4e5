"""The languages pages and emails are written in, and which one each request uses.

A choice sent this request wins; then the language saved on the account of the person signed
in; then the one a visitor chose before (kept in a cookie); then the browser's; then English.
"""

from __future__ import annotations

from babel.support import NullTranslations
from flask import Flask, current_app, g, has_request_context, request
from flask_babel import get_babel, get_locale, get_translations
from flask_login import current_user
from werkzeug.wrappers import Response

# The cookie that keeps a visitor's choice, for a year.
COOKIE = "pf_language"
COOKIE_MAX_AGE = 60 * 60 * 24 * 365
ENGLISH = "en"
# Babel's name for a language where it is not the language's own code: English is British.
_BABEL_LOCALE = {"en": "en_GB"}
# The tag for <html lang> where it is not the language's own code.
_HTML_LANG = {"en": "en-GB"}


def languages() -> dict[str, str]:
    """Every language on offer: code -> its own name for itself ("cy" -> "Cymraeg")."""
    offered: dict[str, str] = current_app.config["LANGUAGES"]
    return offered


def known(code: str | None) -> str | None:
    """``code`` when it is a language on offer, else None."""
    return code if code and code in languages() else None


def babel_locale(code: str | None) -> str:
    """The Babel locale for a language code (None or unknown: English)."""
    code = known(code) or ENGLISH
    return _BABEL_LOCALE.get(code, code)


def select_language() -> str:
    """The language of this request (see the module's note)."""
    if request.method == "POST" and request.endpoint == "giving.choose_language":
        chosen = known(request.form.get("language"))
        if chosen:
            return chosen
    if current_user and getattr(current_user, "is_authenticated", False):
        saved = known(current_user.locale)
        if saved:
            return saved
    remembered = known(request.cookies.get(COOKIE))
    if remembered:
        return remembered
    browser = request.accept_languages.best_match(list(languages()))
    return known(browser) or ENGLISH


def _select_locale() -> str | None:
    """Flask-Babel's locale selector; outside a request the app's default (English)."""
    if not has_request_context():
        return None
    return babel_locale(select_language())


def current_language() -> str:
    """The code of the language in use now ("en", "cy", "pl"), emails included."""
    locale = get_locale()
    if locale is None:
        return ENGLISH
    name = str(locale)
    for code in languages():
        if _BABEL_LOCALE.get(code, code) == name:
            return code
    return locale.language


def html_lang() -> str:
    """The ``lang`` of the page: "en-GB", "cy" or "pl"."""
    code = current_language()
    return _HTML_LANG.get(code, code)


def here() -> str:
    """This page's address, for the switcher to come back to (the home page when this page
    cannot be opened again by following a link)."""
    rule = request.url_rule
    if rule is None or "GET" not in (rule.methods or ()):
        return "/"
    if request.method == "GET" and request.query_string:
        return request.full_path
    return request.path


def remember(response: Response, code: str) -> Response:
    """Keep a visitor's choice of language in a cookie on ``response``, for a year."""
    response.set_cookie(
        COOKIE,
        code,
        max_age=COOKIE_MAX_AGE,
        samesite="Lax",
        httponly=True,
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
    )
    return response


def _translations() -> NullTranslations:
    """The request's translations, looked up once for each locale it uses rather than once
    for every sentence on the page (a page has dozens)."""
    locale = get_locale()
    kept = g.get("_translations")
    if kept is None or kept[0] is not locale:
        kept = g._translations = (locale, get_translations())
    return kept[1]


def init_app(app: Flask) -> None:
    """Choose each request's language, and let every page show the switcher."""
    get_babel(app).locale_selector = _select_locale
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )
    app.add_template_global(html_lang)
    app.add_template_global(current_language)
    app.add_template_global(languages)
    app.add_template_global(here, "language_next")
