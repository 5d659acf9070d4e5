"""Voting journeys in the browser: a resident votes, changes their vote and finds it by its
receipt in the published ballots; a fund manager makes voting codes and someone votes with
one; the public reads the results. Every page is scanned with axe."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from giving.demo import DEMO_PASSWORD
from giving.extensions import db
from giving.jobs import commit
from giving.models import Round
from tests.factories import PASSWORD
from tests.voting.ballot_helpers import build_vote_world
from voting import demo as voting_demo
from voting import services
from voting.rules import parse_pabulib_string

pytestmark = pytest.mark.e2e


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
        world = build_vote_world(db.session, slug="e2e-ash-vale")
        info = {
            "vote": world.public.id,
            "manage": f"/places/{world.place.slug}/rounds/{world.round.id}/votes",
            "resident": world.residents[0].email,
            "manager": world.manager.email,
            "larder": "Ash Vale Larder: Breakfast club (£1,500)",
            "scouts": "Ash Vale Scouts: New tents (£1,200)",
            "ids": [str(a.id) for a in world.applications],
        }
        db.session.remove()
    return info


def _receipt(visitor) -> str:
    return visitor.page.locator(".pf-receipt").first.inner_text().strip()


def test_a_resident_votes_changes_it_and_finds_it_in_the_published_ballots(visitor, own_vote):
    visitor.log_in(own_vote["resident"], PASSWORD)
    visitor.open(f"/votes/{own_vote['vote']}")
    visitor.follow("Vote now")
    visitor.page.get_by_label(own_vote["larder"], exact=True).check()
    visitor.press("Send my vote")
    assert "Your vote is saved" in visitor.text()
    receipt = _receipt(visitor)
    assert re.fullmatch(r"[A-Z2-9]{10}", receipt)

    # They change their mind: the same ballot, the same receipt.
    visitor.follow("Change my vote")
    assert visitor.page.get_by_label(own_vote["larder"], exact=True).is_checked()
    visitor.page.get_by_label(own_vote["larder"], exact=True).uncheck()
    visitor.page.get_by_label(own_vote["scouts"], exact=True).check()
    visitor.press("Send my vote")
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
    mine = [b for b in election.ballots if b.voter_id == receipt]
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
    visitor.press("Send my vote")
    assert "Your receipt code is" in visitor.text()

    # Without JavaScript it works the same.
    noscript_visitor.open(f"/votes/{demo_votes['open']}/code")
    noscript_visitor.fill("Your voting code", codes[1])
    noscript_visitor.press("Continue")
    noscript_visitor.page.get_by_role("checkbox").nth(1).check()
    noscript_visitor.press("Send my vote")
    assert "Your receipt code is" in noscript_visitor.text()


def test_a_demo_resident_votes_in_the_open_demo_vote(visitor, demo_votes):
    visitor.log_in("resident@demo.placefund.org", DEMO_PASSWORD)
    visitor.open(f"/votes/{demo_votes['open']}")
    visitor.follow("Vote now")
    visitor.page.get_by_role("checkbox").nth(2).check()
    visitor.press("Send my vote")
    assert "Your receipt code is" in visitor.text()


def test_the_demo_results_read_well_on_a_phone(narrow_visitor, demo_votes):
    narrow_visitor.open(f"/votes/{demo_votes['counted']}/results")
    text = narrow_visitor.text()
    assert "Every project, and why" in text
    assert "Download the ballots" in text
