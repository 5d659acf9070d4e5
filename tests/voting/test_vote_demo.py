"""The demo has a public vote open now and a counted one with public results; loading it
twice changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from giving import demo as giving_demo
from giving.models import Round, User
from tests.conftest import log_in
from tests.voting.ballot_helpers import in_request
from voting import demo as voting_demo
from voting import services
from voting.models import Ballot, Vote
from voting.workflow import VoteStatus


def test_the_demo_votes_load_once_and_have_content(app, session, client):
    with in_request(app, session) as ctx:
        giving_demo.load(ctx)
        assert voting_demo.load(ctx) is True
        ctx.commit()
        assert voting_demo.load(ctx) is False
        ctx.commit()
    assert session.scalar(select(func.count(Vote.id))) == 2
    open_round = session.scalar(select(Round).where(Round.title == voting_demo.OPEN_VOTE_ROUND))
    open_vote = services.votes_for_round(session, open_round)[0]
    assert open_vote.status == VoteStatus.OPEN
    counted_round = session.scalar(
        select(Round).where(Round.title == voting_demo.COUNTED_VOTE_ROUND)
    )
    counted = services.votes_for_round(session, counted_round)[0]
    assert counted.status == VoteStatus.COUNTED
    assert counted.outcome["selected"]
    assert session.scalar(select(func.count(Ballot.id)).where(Ballot.vote_id == counted.id)) == 29
    page = client.get(f"/votes/{counted.id}/results").get_data(as_text=True)
    assert "Murals in the underpass" in page
    # The rounds' public pages link to the vote and to the results.
    slug = open_round.place.slug
    page = client.get(f"/places/{slug}/rounds/{open_round.id}").get_data(as_text=True)
    assert f"/votes/{open_vote.id}" in page
    page = client.get(f"/places/{slug}/rounds/{counted_round.id}").get_data(as_text=True)
    assert f"/votes/{counted.id}/results" in page
    # resident@demo.placefund.org has not voted yet in the open vote, and can.
    resident = session.scalar(select(User).where(User.email == "resident@demo.placefund.org"))
    assert log_in(client, resident, password="placefund-demo").status_code == 302
    assert "Vote now" in client.get(f"/votes/{open_vote.id}").get_data(as_text=True)
