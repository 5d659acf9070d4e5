"""A fund manager offers Oakbridge in English and Welsh and gives a round a Welsh title; a
visitor in Welsh reads it; a visitor in Polish reads the English, marked as English, with a
short note. Every page is scanned with axe; the visitors' pages work at 320 px and without
JavaScript."""

from __future__ import annotations

import pytest

from giving.demo import DEMO_PASSWORD
from tests.giving.test_content_languages import note_in

pytestmark = pytest.mark.e2e

ROUND = "Oakbridge Spring Grants"
WELSH_TITLE = "Grantiau Gwanwyn Oakbridge"
NOTE = note_in("pl", "Polski")


def _round_address(visitor) -> str:
    visitor.log_in("manager@demo.placefund.org", DEMO_PASSWORD)
    visitor.open("/places/oakbridge/manage")
    page = visitor.page
    page.get_by_label("English", exact=True).check()
    page.get_by_label("Cymraeg", exact=True).check()
    page.get_by_label("The language your team writes in first").select_option("en")
    visitor.press("Save languages")
    assert "Staff can now write rounds and funds in these languages" in visitor.text()
    assert page.get_by_label("Cymraeg", exact=True).is_checked()

    visitor.open("/places/oakbridge/rounds")
    visitor.follow(ROUND)
    address = page.url.removeprefix(visitor.base_url)
    visitor.follow("Manage this round")
    visitor.follow("Words in other languages")
    visitor.fill("Title in Cymraeg", WELSH_TITLE)
    assert page.get_by_label("Title in Cymraeg").get_attribute("lang") == "cy"
    visitor.press("Save the words")
    assert "The words in other languages are saved." in visitor.text()
    return address


def test_a_round_in_welsh_and_in_english_for_a_polish_visitor(
    visitor, narrow_visitor, noscript_visitor
):
    address = _round_address(visitor)

    narrow_visitor.open(address)
    narrow_visitor.press("Cymraeg")
    page = narrow_visitor.page
    assert page.get_attribute("html", "lang") == "cy"
    assert page.locator("h1").inner_text() == WELSH_TITLE
    assert page.title().startswith(WELSH_TITLE)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320

    noscript_visitor.open(address)
    noscript_visitor.press("Polski")
    page = noscript_visitor.page
    assert page.get_attribute("html", "lang") == "pl"
    assert page.locator("h1 span[lang=en]").inner_text() == ROUND
    assert page.locator("#content-language-note").inner_text() == NOTE
    for each in (visitor, narrow_visitor, noscript_visitor):
        each.assert_every_page_scanned()
