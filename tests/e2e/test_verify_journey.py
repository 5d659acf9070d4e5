"""Showing where you live, in the browser, on the demo data: a new account with an Oakbridge
postcode is told it must verify before it can vote in the open public vote, verifies with
its details on the council's list, and votes; another verifies with a letter's code that the
fund manager makes; a third types wrong details and is stopped after a few tries. Every page
is scanned with axe."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from giving.demo import DEMO_PASSWORD
from giving.extensions import db
from giving.models import Round
from voting import demo as voting_demo
from voting import services as voting

pytestmark = pytest.mark.e2e

MANAGER = "manager@demo.placefund.org"
RESIDENTS = "/places/oakbridge/manage/residents"
# Someone on the demo's census list who has no account yet.
NAME, BORN, POSTCODE = voting_demo.UNCLAIMED_CENSUS[-1]


@pytest.fixture
def open_vote(live_app) -> int:
    """The demo's open public vote."""
    with live_app.test_request_context():
        round_ = db.session.scalar(select(Round).where(Round.title == voting_demo.OPEN_VOTE_ROUND))
        vote_id = voting.votes_for_round(db.session, round_)[0].id
        db.session.remove()
    return vote_id


def _new_account(visitor, mailbox, name: str, email: str, postcode: str) -> None:
    visitor.open("/register")
    visitor.register(name, email, "a long password for " + name, postcode)
    visitor.confirm_email(mailbox, email)
    assert "Your email is confirmed" in visitor.text()


def _census_details(visitor, name: str, day: str, month: str, year: str, postcode: str):
    visitor.fill("Your full name", name)
    visitor.page.get_by_label("Day", exact=True).fill(day)
    visitor.page.get_by_label("Month", exact=True).fill(month)
    visitor.page.get_by_label("Year", exact=True).fill(year)
    visitor.fill("Your home postcode", postcode)
    return visitor.press("Check my details")


def test_a_new_resident_must_verify_then_verifies_with_census_details_and_votes(
    visitor, mailbox, open_vote
):
    _new_account(visitor, mailbox, NAME, "census.journey@example.org", POSTCODE)
    assert "not verified yet" in visitor.text()

    visitor.open(f"/votes/{open_vote}")
    assert "Only people who have shown they live in Oakbridge can vote" in visitor.text()
    # The vote's page links to the page where a person shows where they live.
    with visitor.page.expect_navigation():
        visitor.page.locator("main a[href='/places/oakbridge/verify']").first.click()
    visitor.check()
    assert "Show that you live in Oakbridge" in visitor.text()

    # A slip in the date is not a match, and the page says what to do next.
    day, month, year = str(BORN.day), str(BORN.month), str(BORN.year)
    _census_details(visitor, NAME, str(BORN.day % 28 + 1), month, year, POSTCODE)
    assert "We could not match these details" in visitor.text()
    # Typed the way people type: lower case, no space in the postcode.
    _census_details(visitor, NAME.lower(), day, month, year, POSTCODE.replace(" ", "").lower())
    assert "You are now a verified resident of Oakbridge" in visitor.text()

    visitor.open(f"/votes/{open_vote}")
    visitor.follow("Vote now")
    visitor.page.get_by_role("checkbox").first.check()
    visitor.press("Check your choices")
    visitor.press("Cast your vote")
    assert "Your receipt code is" in visitor.text()

    visitor.open("/account")
    assert "Matched the list of residents" in visitor.text()


def test_a_letter_code_from_the_fund_manager_verifies(visitor, mailbox, open_vote):
    visitor.log_in(MANAGER, DEMO_PASSWORD)
    visitor.open(RESIDENTS)
    visitor.follow("Make letters with codes")
    visitor.fill("Addresses", "4 Willow Close, Oakbridge, OB3 2LD")
    visitor.press("Make letters")
    assert "Print this page now" in visitor.text()
    (code,) = re.findall(r"\b[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}\b", visitor.text())
    visitor.log_out()

    _new_account(visitor, mailbox, "Cai Morgan", "cai.morgan@example.org", "OB3 2LD")
    visitor.open("/places/oakbridge/verify")
    visitor.fill("The code on your letter", code.lower())
    visitor.press("Use my code")
    assert "You are now a verified resident of Oakbridge" in visitor.text()
    visitor.open(f"/votes/{open_vote}")
    assert "Vote now" in visitor.text()

    # The manager sees them among the verified residents.
    visitor.log_out()
    visitor.log_in(MANAGER, DEMO_PASSWORD)
    visitor.open(RESIDENTS)
    assert "Cai Morgan" in visitor.text()
    assert "Used a code sent by letter" in visitor.text()


def test_wrong_details_are_stopped_after_a_few_tries(visitor, mailbox):
    _new_account(visitor, mailbox, "Dee Guess", "dee.guess@example.org", "OB1 2AB")
    visitor.open("/places/oakbridge/verify")
    for attempt in range(5):
        _census_details(visitor, f"Somebody Else {attempt}", "1", "1", "1970", "OB1 2AB")
        assert "There is a problem" in visitor.text(), attempt
    _census_details(visitor, "Somebody Else", "1", "1", "1970", "OB1 2AB")
    text = visitor.text()
    assert "Too many tries" in text
    assert "Wait 15 minutes" in text
    assert "post you a letter with a code" in text


def test_the_residents_pages_fit_a_phone(narrow_visitor):
    narrow_visitor.log_in(MANAGER, DEMO_PASSWORD)
    page = narrow_visitor.open(RESIDENTS)
    assert "Matched the list of residents" in narrow_visitor.text()
    for path in (RESIDENTS, RESIDENTS + "/letters", "/places/oakbridge/verify", "/account"):
        page = narrow_visitor.open(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, path
