"""Where the panel decides, a fund manager finds no way to give money or turn it down, only a
separate override that needs a reason; the public reads the demo's override, with its reason,
beside what the panel had decided. Every page is scanned with axe; the results work on a
small phone."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

DEMO_PASSWORD = "placefund-demo"


def test_a_manager_can_only_override_with_a_reason(visitor):
    visitor.log_in("manager@demo.placefund.org", DEMO_PASSWORD)
    visitor.open("/places/oakbridge/rounds")
    visitor.follow("Oakbridge Community Chest")
    visitor.follow("Manage this round")
    visitor.follow("Applications")
    visitor.follow("St Anne's Parent and Toddler Group")
    text = visitor.text()
    assert "Override the residents' decision" in text
    assert "Record a decision or next step" not in text
    visitor.follow("Override the residents' decision")
    assert "The reason you write is published" in visitor.text()
    visitor.page.get_by_label("Do not give money", exact=True).check()
    visitor.press("Override and publish the reason")
    assert "Write why the fund's team is overriding the residents' decision" in visitor.text()
    assert "On the shortlist" in visitor.text()  # nothing changed


def test_the_public_reads_an_override_beside_what_the_panel_decided(visitor, narrow_visitor):
    visitor.open("/places/oakbridge/results")
    assert "The fund's team overrode this decision" in visitor.text()
    visitor.follow("Oakbridge Spring Grants")
    text = visitor.text()
    assert "The fund's team overrode this decision" in text
    assert "The panel had put it on the shortlist." in text
    assert "before the panel met" in text
    assert "Decisions made by residents" in text
    page = narrow_visitor.open(visitor.page.url.removeprefix(visitor.base_url))
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
