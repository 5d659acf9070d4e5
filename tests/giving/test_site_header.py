"""The header every page shows is made once for each kind of page, language and whether
someone is logged in, then kept: a kept header reads exactly as a fresh one would, marks the
page's own menu item, speaks the page's language, and carries the log-out token of the person
looking at it. The footer is made once for each language, and kept the same way."""

from __future__ import annotations

import re

import pytest

from tests.conftest import log_in
from tests.factories import UserFactory
from tests.giving.test_languages import choose

_HEADER = re.compile(r'<header class="govuk-template__header pf-header">(.*?)</header>', re.S)
_TOKEN = re.compile(r'(name="csrf_token" type="hidden" value=")([^"]+)(")')
_ACTIVE = re.compile(r'aria-current="true">\s*<strong[^>]*>([^<]+)</strong>')
_FOOTER = re.compile(r'<footer class="govuk-footer pf-footer">(.*?)</footer>', re.S)
_LOGOUT = re.compile(r'action="/logout"[^>]*>.*?value="([^"]+)"', re.S)


def header(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code in (200, 404)
    match = _HEADER.search(response.get_data(as_text=True))
    assert match is not None
    return match.group(1)


def without_tokens(html: str) -> str:
    return _TOKEN.sub(r"\1TOKEN\3", html)


@pytest.fixture
def fresh(app):
    """Every header made again from here on: none kept from earlier tests."""
    app.extensions["site_header"].clear()
    return app.extensions["site_header"]


@pytest.mark.parametrize("logged_in", [False, True], ids=["visitor", "logged in"])
def test_a_kept_header_reads_as_a_fresh_one(client, session, fresh, logged_in):
    if logged_in:
        log_in(client, UserFactory())
    before = len(fresh)
    for path in ("/places", "/results", "/accessibility", "/no-such-page"):
        made = header(client, path)
        kept = header(client, path)
        assert without_tokens(kept) == without_tokens(made)
    assert len(fresh) == before + 4  # one for each kind of page


def test_each_page_kind_marks_its_own_menu_item(client, session, fresh):
    for _ in range(2):  # made, then kept
        places, results = header(client, "/places"), header(client, "/results")
        assert _ACTIVE.findall(places) == ["Places"]
        assert _ACTIVE.findall(results) == ["Results"]
        assert places != results


def test_a_kept_header_is_in_the_pages_language(client, session, fresh):
    english = header(client, "/places")
    choose(client, "cy")
    welsh = header(client, "/places")
    assert "Log in" in english
    assert "Log in" not in welsh
    assert welsh == header(client, "/places")  # kept in Welsh too
    choose(client, "en")
    assert header(client, "/places") == english


def test_everyone_gets_their_own_log_out_token_and_it_logs_them_out(app, session, fresh):
    first, second = app.test_client(), app.test_client()
    log_in(first, UserFactory())
    log_in(second, UserFactory())
    tokens = []
    for client in (first, second):  # the second sees the header kept for the first
        match = _LOGOUT.search(header(client, "/places"))
        assert match is not None
        tokens.append(match.group(1))
    assert ("", "giving.places", True, "en_GB") in fresh
    assert tokens[0] != tokens[1]
    # The second person's token is theirs: it logs them out.
    response = second.post("/logout", data={"csrf_token": tokens[1]})
    assert response.status_code == 302
    assert "Log in" in header(second, "/places")
    assert "Log out" in header(first, "/places")  # the first is still logged in


def footer(client, path: str) -> str:
    match = _FOOTER.search(client.get(path).get_data(as_text=True))
    assert match is not None
    return match.group(1)


def test_a_kept_footer_reads_as_a_fresh_one_in_the_pages_language(app, client, session):
    kept = app.extensions["site_footer"]
    kept.clear()
    english = footer(client, "/places")
    assert list(kept) == [("", "en_GB")]
    for path in ("/places", "/results", "/no-such-page"):
        assert footer(client, path) == english
    assert 'href="/accessibility"' in english
    assert "Accessibility" in english
    choose(client, "cy")
    welsh = footer(client, "/places")
    assert "Accessibility" not in welsh
    assert 'href="/accessibility"' in welsh
    assert footer(client, "/results") == welsh
    assert len(kept) == 2
    kept.clear()
    assert footer(client, "/places") == welsh  # made again, the same
    choose(client, "en")
    assert footer(client, "/places") == english


def test_nothing_is_kept_in_debug_mode(app, client, session, fresh):
    app.extensions["site_footer"].clear()
    app.debug = True
    try:
        client.get("/places")
    finally:
        app.debug = False
    assert not fresh
    assert not app.extensions["site_footer"]
