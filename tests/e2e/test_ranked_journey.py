"""Ranked voting in the browser: residents put projects in order with plain drop-downs (one
of them without JavaScript), a ranking that makes no sense is refused with the message next
to the drop-down, and the results explain each project from how people ranked it. Pages
visited with JavaScript are scanned with axe."""

from __future__ import annotations

import pytest

from giving.extensions import db
from giving.jobs import commit
from giving.models import User
from tests.factories import PASSWORD
from tests.voting.ballot_helpers import build_vote_world
from voting import services
from voting.models import BallotKind, Vote

pytestmark = pytest.mark.e2e

SCOUTS = "Ash Vale Scouts: New tents (£1,200)"
CHOIR = "Ash Vale Choir: Sheet music (£1,000)"
LARDER = "Ash Vale Larder: Breakfast club (£1,500)"


@pytest.fixture
def ranked_vote(live_app) -> dict:
    """A round of our own whose public vote asks people to rank up to 2 projects, counted
    by Equal Shares using rankings."""
    with live_app.test_request_context():
        world = build_vote_world(
            db.session,
            slug="e2e-ranked",
            public_rule="mes_rank_points",
            ballot_kind=BallotKind.RANKED,
            max_choices=2,
        )
        info = {
            "vote": world.public.id,
            "residents": [r.email for r in world.residents],
            "manager": world.manager.id,
        }
        db.session.remove()
    return info


def _send(visitor) -> str:
    """Send the ballot form; where the ballot is checked before it is cast, cast it from the
    check page. The words on the page it ends on."""
    page = visitor.page
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    visitor.check()
    if "receipt code is" not in visitor.text() and page.locator(".govuk-error-summary").count():
        return visitor.text()
    for _step in range(2):
        if "receipt code is" in visitor.text().replace("Receipt code is", "receipt code is"):
            break
        buttons = page.locator("main form button[type=submit]")
        if not buttons.count():
            break
        with page.expect_navigation():
            buttons.first.click()
        visitor.check()
    return visitor.text()


def _close(live_app, vote_id: int, manager_id: int) -> None:
    with live_app.test_request_context():
        vote = db.session.get(Vote, vote_id)
        manager = db.session.get(User, manager_id)
        services.move_vote(db.session, manager, vote, "close")
        commit()
        db.session.remove()


def test_residents_rank_projects_with_and_without_javascript_and_read_why(
    live_app, visitor, noscript_visitor, ranked_vote
):
    ballot = f"/votes/{ranked_vote['vote']}/ballot"
    visitor.log_in(ranked_vote["residents"][0], PASSWORD)
    visitor.open(ballot)
    assert "Put up to 2 projects in order" in visitor.text()
    first = visitor.page.get_by_label("First choice", exact=True)
    second = visitor.page.get_by_label("Second choice", exact=True)
    first.select_option(label=SCOUTS)
    second.select_option(label=SCOUTS)
    text = _send(visitor)
    # Refused, with the message next to the second drop-down; nothing was cast.
    assert "You chose this project already as your choice number 1." in text
    message = visitor.page.locator("#rank_2-error")
    assert "choice number 1" in message.inner_text()
    visitor.page.get_by_label("Second choice", exact=True).select_option(label=LARDER)
    text = _send(visitor)
    assert "receipt code" in text.lower()

    # Without JavaScript the drop-downs work the same.
    noscript_visitor.log_in(ranked_vote["residents"][1], PASSWORD)
    noscript_visitor.open(ballot)
    noscript_visitor.page.get_by_label("First choice", exact=True).select_option(label=CHOIR)
    noscript_visitor.page.get_by_label("Second choice", exact=True).select_option(label=SCOUTS)
    text = _send(noscript_visitor)
    assert "receipt code" in text.lower()

    _close(live_app, ranked_vote["vote"], ranked_vote["manager"])

    # Scouts: 1 first choice (2 points) and 1 second (1 point); Choir: 1 first choice.
    visitor.open(f"/votes/{ranked_vote['vote']}/results")
    text = visitor.text()
    assert "1 person put it first and 1 person put it second, which gave it 3 points" in text
    assert "1 person put it first, which gave it 2 points" in text
    assert "Gets £1,200" in text
    noscript_visitor.open(f"/votes/{ranked_vote['vote']}/results")
    assert "1 person put it first and 1 person put it second" in noscript_visitor.text()
