"""The header and the footer every page shows. The header (the service's name and its menu)
is the same on every page of one kind (the menu marks the page's own item) in one language,
for everyone logged in or for everyone not, except for the log-out button's CSRF token; so it
is made once for each of those and kept, and the token is put in on each page. Making it
takes longer than the rest of a short page. The footer (links to other pages and a word about
the service) is the same on every page in one language, so it is made once for each.

Nothing is kept in debug mode, where templates change while the app runs."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, render_template, request
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

TEMPLATE = "site_header.html"
FOOTER = "site_footer.html"
# Where the log-out form's CSRF field goes in a kept header.
FIELD_MARK = "pf-logout-csrf-field"
# The log-out form's CSRF field, as a form would write it.
FIELD = Markup('<input id="csrf_token" name="csrf_token" type="hidden" value="%s">')
# Page kinds times languages times logged in or not: far fewer than this.
MOST_KEPT = 4096


def _key() -> tuple[str, str, bool, str]:
    authenticated = bool(getattr(current_user, "is_authenticated", False))
    return request.script_root, request.endpoint or "", authenticated, str(get_locale())


def _kept(store: str, key: tuple, make: Callable[[], str]) -> str:
    """The HTML kept in the app's ``store`` under ``key``, or made now and kept."""
    kept: dict[tuple, str] = current_app.extensions[store]
    html = kept.get(key)
    if html is None:
        html = make()
        if not current_app.debug and len(kept) < MOST_KEPT:
            kept[key] = html
    return html


def site_header() -> Markup:
    """The header for this page: kept, or made and kept."""
    key = _key()
    html = _kept("site_header", key, lambda: render_template(TEMPLATE, logout_token=FIELD_MARK))
    if key[2]:
        html = html.replace(FIELD_MARK, FIELD % generate_csrf())
    return Markup(html)  # noqa: S704 - made from the template, with the form's own field


def site_footer() -> Markup:
    """The footer in this page's language: kept, or made and kept."""
    key = (request.script_root, str(get_locale()))
    html = _kept("site_footer", key, lambda: render_template(FOOTER))
    return Markup(html)  # noqa: S704 - made from the template


def init_app(app: Flask) -> None:
    app.extensions["site_header"] = {}
    app.extensions["site_footer"] = {}
    app.add_template_global(site_header, "site_header")
    app.add_template_global(site_footer, "site_footer")
