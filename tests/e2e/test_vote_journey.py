"""Voting journeys in the browser: a resident votes, changes their vote and finds it by its
receipt in the published ballots; a fund manager makes voting codes and someone votes with
one; the public reads the results. Every page is scanned with axe."""

from __future__ import annotations

import hashlib
import itertools
import re

import pytest
from sqlalchemy import select

from giving.demo import DEMO_PASSWORD
from giving.extensions import db
from giving.jobs import commit
from giving.models import Round, User
from tests.factories import PASSWORD
from tests.voting.ballot_helpers import build_vote_world
from voting import demo as voting_demo
from voting import services
from voting.models import Vote
from voting.rules import parse_pabulib_string

pytestmark = pytest.mark.e2e
_PLACES = itertools.count(1)


@pytest.fixture
def demo_votes(live_app) -> dict:
    """The demo's open and counted public votes (loaded here too, in case the demo command
    does not load them)."""
    with live_app.test_request_context():
        voting_demo.load(db.session)
        commit()
        found = {}
        for key, title in (
            ("open", voting_demo.OPEN_VOTE_ROUND),
            ("counted", voting_demo.COUNTED_VOTE_ROUND),
        ):
            round_ = db.session.scalar(select(Round).where(Round.title == title))
            vote = services.votes_for_round(db.session, round_)[0]
            found[key] = vote.id
            found[f"{key}_manage"] = f"/places/{round_.place.slug}/rounds/{round_.id}/votes"
        db.session.remove()
    return found


@pytest.fixture
def own_vote(live_app) -> dict:
    """A round of our own with an open public vote, so closing it touches nothing else."""
    with live_app.test_request_context():
        # A place of its own each time: the live server's database lasts the whole run.
        world = build_vote_world(db.session, slug=f"e2e-ash-vale-{next(_PLACES)}")
        info = {
            "vote": world.public.id,
            "manage": f"/places/{world.place.slug}/rounds/{world.round.id}/votes",
            "resident": world.residents[0].email,
            "manager": world.manager.email,
            "manager_id": world.manager.id,
            "larder": "Ash Vale Larder: Breakfast club (£1,500)",
            "choir": "Ash Vale Choir: Sheet music (£1,000)",
            "scouts": "Ash Vale Scouts: New tents (£1,200)",
            "ids": [str(a.id) for a in world.applications],
        }
        db.session.remove()
    return info


def _receipt(visitor) -> str:
    return visitor.page.locator(".pf-receipt").first.inner_text().strip()


def test_a_resident_votes_changes_it_and_finds_it_in_the_published_ballots(
    visitor, own_vote, mailbox
):
    visitor.log_in(own_vote["resident"], PASSWORD)
    visitor.open(f"/votes/{own_vote['vote']}")
    visitor.follow("Vote now")
    # Before voting, the ballot says the receipt is needed to change the vote later.
    assert "you need it if you want to change your vote later" in visitor.text()
    larder = visitor.page.get_by_label(own_vote["larder"], exact=True)
    larder.check()
    visitor.press("Check your choices")
    # The check step: the choices, and nothing cast yet.
    assert "Ash Vale Larder: Breakfast club" in visitor.text()
    assert "Your vote is not cast yet" in visitor.text()
    visitor.press("Change your choices")
    assert visitor.page.get_by_label(own_vote["larder"], exact=True).is_checked()
    visitor.page.get_by_label(own_vote["choir"], exact=True).check()
    visitor.press("Check your choices")
    assert "Ash Vale Choir: Sheet music" in visitor.text()
    visitor.press("Cast your vote")
    # The confirmation: what they chose, and the receipt.
    text = visitor.text()
    assert "Your vote is in" in text
    assert "Ash Vale Larder: Breakfast club" in text
    assert "Ash Vale Choir: Sheet music" in text
    receipt = _receipt(visitor)
    assert re.fullmatch(r"[A-Z2-9]{10}", receipt)
    # They ask for it by email, at their own address.
    visitor.press("Email my receipt")
    assert f"We have sent your receipt code to {own_vote['resident']}" in visitor.text()
    (message,) = mailbox.to(own_vote["resident"])
    assert receipt in message["body"]

    # They change their mind: with a wrong receipt nothing changes, and the page says why
    # next to the field.
    visitor.open(f"/votes/{own_vote['vote']}")
    visitor.follow("Change my vote")
    visitor.fill("Your receipt code", "ABCDE23456")
    visitor.page.get_by_label(own_vote["scouts"], exact=True).check()
    visitor.press("Check your choices")
    visitor.press("Cast your vote")
    error = visitor.page.locator("#receipt-error")
    assert "That receipt code is not right" in error.inner_text()
    # The choices are still ticked; with the right receipt the ballot is replaced.
    assert visitor.page.get_by_label(own_vote["scouts"], exact=True).is_checked()
    visitor.fill("Your receipt code", receipt.lower())
    visitor.press("Check your choices")
    visitor.press("Cast your vote")
    assert "Your vote is changed" in visitor.text()
    assert _receipt(visitor) == receipt
    visitor.log_out()

    # The fund manager closes the vote; it is counted at once. (On the way they look at
    # the panel vote's settings, which can still change: nobody has voted in it.)
    visitor.log_in(own_vote["manager"], PASSWORD)
    visitor.open(own_vote["manage"])
    assert "People have voted, so these settings cannot change." in visitor.text()
    visitor.follow("Change the panel vote's settings")
    visitor.page.get_by_label("Lottery number for breaking ties (optional)", exact=True).fill("77")
    visitor.press("Save the vote")
    assert "The vote is saved." in visitor.text()
    assert "77" in visitor.text()
    visitor.follow("Close the vote and count it (public)")
    visitor.press("Confirm")
    assert "Counted" in visitor.text()
    visitor.log_out()

    # Anyone can read the results and download the ballots; the resident finds theirs.
    visitor.open(f"/votes/{own_vote['vote']}/results")
    text = visitor.text()
    assert "Results of the public vote" in text
    assert "Why" in text
    response = visitor.page.request.get(visitor.base_url + f"/votes/{own_vote['vote']}/ballots.pb")
    assert response.ok
    election = parse_pabulib_string(response.text())
    # In the file a ballot is named by the start of its receipt code's SHA-256 hash.
    label = hashlib.sha256(receipt.encode()).hexdigest()[:16]
    mine = [b for b in election.ballots if b.voter_id == label]
    assert len(mine) == 1
    assert list(mine[0].projects) == [own_vote["ids"][2]]
    # ...and finds it on the results page by typing the receipt in.
    visitor.fill("Your receipt code", receipt)
    visitor.press("Find my ballot")
    assert f"The ballot with receipt {receipt} chose:" in visitor.text()
    assert "Ash Vale Scouts: New tents" in visitor.text()


def test_a_fund_manager_makes_voting_codes_and_someone_votes_with_one(
    visitor, noscript_visitor, demo_votes
):
    visitor.log_in("manager@demo.placefund.org", DEMO_PASSWORD)
    visitor.open(demo_votes["open_manage"])
    visitor.follow("Make voting codes for people who are not online")
    visitor.fill("How many codes?", "3")
    visitor.press("Make the codes")
    assert "Print this page now" in visitor.text()
    codes = visitor.page.locator("code.pf-voting-code").all_inner_texts()
    assert len(codes) == 3
    visitor.log_out()

    # Someone who is not online is handed a code; they vote without an account.
    visitor.open(f"/votes/{demo_votes['open']}")
    visitor.follow("Use a voting code")
    visitor.fill("Your voting code", codes[0])
    visitor.press("Continue")
    visitor.page.get_by_role("checkbox").first.check()
    visitor.press("Check your choices")
    visitor.press("Cast your vote")
    assert "Your receipt code is" in visitor.text()

    # Without JavaScript it works the same.
    noscript_visitor.open(f"/votes/{demo_votes['open']}/code")
    noscript_visitor.fill("Your voting code", codes[1])
    noscript_visitor.press("Continue")
    noscript_visitor.page.get_by_role("checkbox").nth(1).check()
    noscript_visitor.press("Check your choices")
    noscript_visitor.press("Cast your vote")
    assert "Your receipt code is" in noscript_visitor.text()


def test_a_demo_resident_votes_in_the_open_demo_vote(visitor, demo_votes):
    visitor.log_in("resident@demo.placefund.org", DEMO_PASSWORD)
    visitor.open(f"/votes/{demo_votes['open']}")
    visitor.follow("Vote now")
    visitor.page.get_by_role("checkbox").nth(2).check()
    visitor.press("Check your choices")
    visitor.press("Cast your vote")
    assert "Your receipt code is" in visitor.text()


def test_the_demo_results_read_well_on_a_phone(narrow_visitor, demo_votes):
    narrow_visitor.open(f"/votes/{demo_votes['counted']}/results")
    text = narrow_visitor.text()
    assert "Every project, and why" in text
    assert "Download the ballots" in text


@pytest.fixture
def own_codes(live_app, own_vote) -> list[str]:
    """Two voting codes for our own vote."""
    with live_app.test_request_context():
        vote = db.session.get(Vote, own_vote["vote"])
        manager = db.session.get(User, own_vote["manager_id"])
        codes = services.issue_codes(db.session, manager, vote, 2)
        commit()
        db.session.remove()
    return codes


def test_without_javascript_a_code_holder_checks_changes_casts_and_emails_the_receipt(
    noscript_visitor, own_vote, own_codes, mailbox
):
    voter = noscript_visitor
    voter.open(f"/votes/{own_vote['vote']}/code")
    voter.fill("Your voting code", own_codes[0])
    voter.press("Continue")
    assert "you need it if you want to change your vote later" in voter.text()
    voter.page.get_by_label(own_vote["larder"], exact=True).check()
    voter.press("Check your choices")
    assert "Ash Vale Larder: Breakfast club" in voter.text()
    voter.press("Change your choices")
    assert voter.page.get_by_label(own_vote["larder"], exact=True).is_checked()
    voter.page.get_by_label(own_vote["larder"], exact=True).uncheck()
    voter.page.get_by_label(own_vote["scouts"], exact=True).check()
    voter.press("Check your choices")
    text = voter.text()
    assert "Ash Vale Scouts: New tents" in text
    assert "Ash Vale Larder" not in text
    voter.press("Cast your vote")
    text = voter.text()
    assert "Your vote is in" in text
    assert "Ash Vale Scouts: New tents" in text
    receipt = _receipt(voter)
    # Someone with a code types the address to send it to.
    voter.fill("Email address", "kim@example.org")
    voter.press("Email my receipt")
    assert "We have sent your receipt code to kim@example.org" in voter.text()
    (message,) = mailbox.to("kim@example.org")
    assert receipt in message["body"]
    assert "Ash Vale Scouts: New tents" in message["body"]


def test_the_check_and_confirmation_pages_pass_axe_with_a_code(visitor, own_vote, own_codes):
    visitor.open(f"/votes/{own_vote['vote']}/code")
    visitor.fill("Your voting code", own_codes[1])
    visitor.press("Continue")
    visitor.page.get_by_label(own_vote["choir"], exact=True).check()
    visitor.press("Check your choices")
    visitor.press("Cast your vote")
    assert "Your vote is in" in visitor.text()
    # An empty address is refused next to the field; the page still passes axe.
    visitor.press("Email my receipt")
    assert "Enter an email address" in visitor.page.locator("#email-error").inner_text()
