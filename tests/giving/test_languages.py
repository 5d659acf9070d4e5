"""Choosing a language: the switcher on every page (no JavaScript needed), remembered for a
visitor and on the account, the browser's language on a first visit, <html lang>, and email
in the language its reader chose."""

from __future__ import annotations

import re
from gettext import c2py
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from tests.conftest import csrf_token, log_in, post_form
from tests.factories import UserFactory

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"
_HTML_LANG = re.compile(r'<html lang="([^"]+)"')


def html_lang(response) -> str:
    match = _HTML_LANG.search(response.get_data(as_text=True))
    assert match is not None
    return match.group(1)


def choose(client, code: str, next_page: str | None = "/places", **extra):
    """Press a language's button in the header, as a browser does without JavaScript."""
    data = {"csrf_token": csrf_token(client), "language": code, **extra}
    if next_page is not None:
        data["next"] = next_page
    return client.post("/language", data=data)


def test_every_page_has_the_switcher_and_english_by_default(client, session):
    for path in ("/", "/places", "/login", "/results", "/no-such-page"):
        response = client.get(path)
        page = response.get_data(as_text=True)
        assert html_lang(response) == "en-GB", path
        assert '<span lang="en">English</span>' in page
        assert (
            'name="language" value="cy" lang="cy" class="pf-link-button">Cymraeg</button>' in page
        )
        assert 'name="language" value="pl" lang="pl" class="pf-link-button">Polski</button>' in page
    # Each button comes back to the page it was pressed on, query and all.
    page = client.get("/places?page=1").get_data(as_text=True)
    assert 'name="next" value="/places?page=1"' in page


def test_a_visitor_switches_to_welsh_and_back_and_is_remembered(client, session):
    response = choose(client, "cy")
    assert response.status_code == 302
    assert response.headers["Location"] == "/places"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("pf_language=cy;")
    for flag in ("Max-Age=31536000", "SameSite=Lax", "HttpOnly"):
        assert flag in cookie
    page = client.get("/places")
    assert html_lang(page) == "cy"
    text = page.get_data(as_text=True)
    assert "Lleoedd" in text
    assert "Neidio i'r prif gynnwys" in text
    assert '<span lang="cy">Cymraeg</span>' in text
    # The choice is kept (in the cookie) on later pages, whatever the browser says.
    assert html_lang(client.get("/", headers={"Accept-Language": "pl"})) == "cy"

    choose(client, "en")
    assert html_lang(client.get("/places")) == "en-GB"


def test_the_browser_language_is_used_on_a_first_visit(client, session):
    assert (
        html_lang(client.get("/", headers={"Accept-Language": "cy-GB,cy;q=0.9,en;q=0.8"})) == "cy"
    )
    assert html_lang(client.get("/", headers={"Accept-Language": "pl-PL,pl;q=0.9"})) == "pl"
    assert html_lang(client.get("/", headers={"Accept-Language": "de,fr;q=0.5"})) == "en-GB"
    assert html_lang(client.get("/")) == "en-GB"


def test_a_signed_in_choice_is_saved_on_the_account_and_used_on_another_device(
    app, client, session
):
    person = UserFactory()
    assert person.locale is None
    log_in(client, person)
    choose(client, "pl", next_page="/account")
    session.refresh(person)
    assert person.locale == "pl"

    other_device = app.test_client()
    # Before logging in, the other device is in English; once in, in the saved language.
    assert html_lang(other_device.get("/login")) == "en-GB"
    assert log_in(other_device, person).status_code == 302
    page = other_device.get("/account")
    assert html_lang(page) == "pl"
    assert "Twoje konto" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    "hostile",
    ["//evil.example", "https://evil.example/", "/\\evil.example", "/\t/evil.example", "evil"],
)
def test_a_next_address_off_the_site_goes_home(client, session, hostile):
    response = choose(client, "cy", next_page=hostile)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_an_unknown_language_says_so_and_changes_nothing(client, session):
    person = UserFactory()
    log_in(client, person)
    for code in ("xx", "", "EN", "../cy"):
        response = choose(client, code)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "govuk-error-message" in page
        assert (
            "We do not have that language. Choose one from the list." in page
            or "Choose a language from the list" in page
        )
        assert "pf_language" not in response.headers.get("Set-Cookie", "")
        session.refresh(person)
        assert person.locale is None


def test_choosing_needs_the_forms_token(client, session):
    response = client.post("/language", data={"language": "cy", "next": "/"})
    assert response.status_code == 400
    assert "pf_language" not in response.headers.get("Set-Cookie", "")


def test_a_password_reset_email_is_written_in_welsh_for_a_person_who_chose_welsh(
    client, session, mailbox
):
    UserFactory(email="cymro@example.org", locale="cy")
    UserFactory(email="sais@example.org")
    # Asked for from an English page: each email follows its reader's choice, not the page's.
    for email in ("cymro@example.org", "sais@example.org"):
        post_form(client, "/password/forgot", {"email": email})
    [welsh] = mailbox.to("cymro@example.org")
    assert welsh["subject"] == "Ailosod eich cyfrinair Placefund"
    assert (
        "Mae rhywun wedi gofyn am ailosod eich cyfrinair Placefund. I wneud cyfrinair newydd, "
        "agorwch y ddolen hon:" in welsh["body"]
    )
    assert "/password/reset/" in welsh["body"]
    [english] = mailbox.to("sais@example.org")
    assert english["subject"] == "Reset your Placefund password"
    assert "Someone asked to reset your Placefund password." in english["body"]


def test_plural_rules_of_the_catalogues_are_the_languages_own():
    """Welsh has six plural forms, Polish three, chosen as these rules say."""
    rules = {
        "cy": (6, lambda n: {0: 0, 1: 1, 2: 2, 3: 3, 6: 4}.get(n, 5)),
        "pl": (
            3,
            lambda n: 0 if n == 1 else 1 if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14 else 2,
        ),
    }
    for code, (count, rule) in rules.items():
        with (TRANSLATIONS / code / "LC_MESSAGES" / "messages.po").open("rb") as po:
            catalog = read_po(po)
        assert catalog.num_plurals == count
        chosen = c2py(catalog.plural_expr)
        assert [chosen(n) for n in range(300)] == [rule(n) for n in range(300)]


def test_compiled_catalogues_match_their_sources():
    """The .mo files the app reads (built by `make run` and `make test`) are not stale."""
    for code in ("cy", "pl"):
        folder = TRANSLATIONS / code / "LC_MESSAGES"
        with (folder / "messages.po").open("rb") as po:
            catalog = read_po(po)
        built = BytesIO()
        write_mo(built, catalog)
        compiled = folder / "messages.mo"
        assert compiled.exists(), "Run `make translations-compile`"
        assert compiled.read_bytes() == built.getvalue(), "Run `make translations-compile`"


def test_a_page_that_writes_in_another_language_mid_request_gets_each_sentence_right(app):
    """Templates look the translations up once per language a request uses: writing an email
    in Welsh from an English page, and going on in English, uses the right words each time."""
    from flask import render_template_string
    from flask_babel import force_locale

    sentence = "{{ _('Log out') }}"
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        english = render_template_string(sentence)
        with force_locale("cy"):
            welsh = render_template_string(sentence)
            with force_locale("pl"):
                polish = render_template_string(sentence)
            welsh_again = render_template_string(sentence)
        english_again = render_template_string(sentence)
    assert english == english_again == "Log out"
    assert welsh == welsh_again != english
    assert polish not in (english, welsh)
