"""Everyone lands on what to do next, in the browser on the demo data: a resident, a group,
a fund manager and a site admin each log in, see their own tasks, and follow one straight to
its action. Every page is scanned with axe."""

from __future__ import annotations

import re

import pytest

from giving.demo import DEMO_PASSWORD

pytestmark = pytest.mark.e2e


def _land(visitor, email: str) -> str:
    visitor.log_in(email, DEMO_PASSWORD)
    assert visitor.page.title().startswith("Your tasks")
    assert visitor.page.url.endswith("/tasks")
    return visitor.text()


def _follow_first(visitor, key: str, text: str | None = None) -> str:
    """Follow the first task of the list ``key`` (the first naming ``text``, if given); the
    address it led to."""
    link = visitor.page.locator(f'[data-tasks="{key}"] li a', has_text=text).first
    with visitor.page.expect_navigation():
        link.click()
    visitor.check()
    return visitor.page.url


def test_a_resident_lands_on_the_vote_they_can_vote_in(visitor):
    # resident9 showed proof in person and has not voted in the demo's open vote.
    text = _land(visitor, "resident9@demo.placefund.org")
    assert "Votes you can vote in" in text
    assert "Vote on Oakbridge Neighbourhood Vote" in text
    assert "Panels you can offer to join" in text
    url = _follow_first(visitor, "votes")
    assert re.search(r"/votes/\d+/ballot$", url)
    visitor.log_out()


def test_a_group_lands_on_its_applications_and_what_is_due(visitor):
    text = _land(visitor, "group@demo.placefund.org")
    for heading in (
        "Your applications",
        "Decisions about your applications",
        "Grant agreements to accept",
        "Check-ins due",
    ):
        assert heading in text
    assert "Castle Hill Community Larder" in text
    url = _follow_first(visitor, "applications")
    assert re.search(r"/applications/\d+(/edit)?$", url)
    visitor.log_out()


def test_a_fund_manager_lands_on_the_applications_to_check_and_money_due(visitor):
    text = _land(visitor, "manager@demo.placefund.org")
    for heading in ("Applications to check", "Votes to confirm", "Payments due"):
        assert heading in text
    assert "Confirm the grants from the vote on Oakbridge Green Spaces Fund" in text
    url = _follow_first(visitor, "votes-to-confirm")
    assert url.endswith("/votes")
    visitor.page.go_back()
    visitor.check()
    url = _follow_first(visitor, "to-check")
    assert re.search(r"/applications/\d+/decide$", url)
    visitor.log_out()


def test_a_site_admin_lands_on_the_places(visitor):
    text = _land(visitor, "admin@demo.placefund.org")
    assert "Running Placefund" in text
    assert "Manage Oakbridge" in text
    # Other browser tests add places of their own beside the demo's.
    url = _follow_first(visitor, "places", "Oakbridge")
    assert url.endswith("/places/oakbridge/manage")
    visitor.log_out()


def test_the_how_it_works_page_and_the_funds_are_a_click_away(visitor):
    visitor.open("/places/oakbridge")
    visitor.follow("Funds in Oakbridge: give, and see where the money goes")
    assert "Funds" in visitor.text()
    visitor.open("/how-it-works")
    assert "Equal shares" in visitor.text()
