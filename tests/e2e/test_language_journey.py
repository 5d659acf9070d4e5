"""On a 320 px phone, a visitor switches the pages to Welsh and back; without JavaScript too."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def html_lang(visitor) -> str:
    return visitor.page.get_attribute("html", "lang") or ""


def test_switch_to_welsh_and_back_on_a_narrow_screen(narrow_visitor):
    narrow_visitor.open("/places")
    assert html_lang(narrow_visitor) == "en-GB"
    assert narrow_visitor.page.title().startswith("Places")

    narrow_visitor.press("Cymraeg")
    # Back on the same page, now in Welsh, and scanned by axe as Welsh.
    assert narrow_visitor.page.url.endswith("/places")
    assert html_lang(narrow_visitor) == "cy"
    assert narrow_visitor.page.title().startswith("Lleoedd")
    assert narrow_visitor.page.locator("span[lang=cy]").inner_text() == "Cymraeg"
    # Nothing is wider than the phone's screen.
    width = narrow_visitor.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320

    # The choice is remembered on the next page.
    narrow_visitor.open("/results")
    assert html_lang(narrow_visitor) == "cy"
    assert "Neidio i'r prif gynnwys" in narrow_visitor.page.content()

    narrow_visitor.press("English")
    assert html_lang(narrow_visitor) == "en-GB"
    assert narrow_visitor.page.title().startswith("Results")


def test_the_switcher_works_without_javascript(noscript_visitor):
    noscript_visitor.open("/")
    noscript_visitor.press("Polski")
    assert html_lang(noscript_visitor) == "pl"
    assert noscript_visitor.page.get_by_role("link", name="Miejsca").count() >= 1
    noscript_visitor.press("English")
    assert html_lang(noscript_visitor) == "en-GB"
