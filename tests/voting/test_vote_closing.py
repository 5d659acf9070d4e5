"""Time closes votes, page views do not: ``flask tick`` closes and counts every vote whose
closing time has passed, and until it runs the vote's pages say voting has closed, take no
ballots, and change nothing."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from giving import cli as giving_cli
from giving.models import AuditEntry, DecidedBy
from giving.timeutil import utcnow
from giving.workflow import State
from tests.giving.round_helpers import as_user
from tests.voting.ballot_helpers import in_request, ticks, vote_world
from voting import services
from voting.models import Vote
from voting.workflow import VoteStatus


def _status(session, vote_id: int) -> VoteStatus:
    session.expire_all()
    return session.get(Vote, vote_id).status


def test_flask_tick_closes_and_counts_a_vote_past_its_closing_time(app, session, monkeypatch):
    world = vote_world(app, session)
    larder, choir, _scouts = world.applications
    with in_request(app, session) as ctx:
        for resident in world.residents:
            voter = services.voter_for_user(ctx, resident, world.public)
            services.cast_ballot(ctx, world.public, voter, ticks(world.public, larder, choir))
        ctx.commit()
    runner = app.test_cli_runner()
    # Before the closing time nothing is due.
    assert "vote" not in runner.invoke(args=["tick"]).output
    assert _status(session, world.public.id) == VoteStatus.OPEN

    # A week on, both votes are past their closing time.
    later = world.public.closes_at + dt.timedelta(minutes=1)
    monkeypatch.setattr(giving_cli, "utcnow", lambda: later)
    result = runner.invoke(args=["tick"])
    assert result.exit_code == 0, result.output
    assert f"public vote {world.public.id}" in result.output
    assert f"panel vote {world.panel_vote.id}" in result.output
    public = session.get(Vote, world.public.id)
    assert _status(session, public.id) == VoteStatus.COUNTED
    assert public.outcome["ballots"] == 3
    # Both are chosen; which comes first is the seeded tie-break's call, which depends on ids.
    assert sorted(public.outcome["selected"]) == sorted([str(larder.id), str(choir.id)])
    # The count is the decision: the chosen are given money at once, the other told why.
    session.expire_all()
    assert [a.state for a in world.applications] == [
        State.AWARDED,
        State.AWARDED,
        State.DECLINED,
    ]
    assert {a.decided_by for a in world.applications} == {DecidedBy.RESIDENTS}
    closes = session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.action.in_(["vote.close", "vote.count"]),
            AuditEntry.object_type == "Vote",
            AuditEntry.object_id == str(public.id),
        )
        .order_by(AuditEntry.id)
    ).all()
    assert [(e.action, e.details.get("by")) for e in closes] == [
        ("vote.close", "system"),
        ("vote.count", None),
    ]
    # Running it again counts nothing twice.
    again = runner.invoke(args=["tick"])
    assert f"vote {world.public.id}" not in again.output
    assert session.get(Vote, public.id).outcome["ballots"] == 3


def test_pages_of_a_vote_past_its_closing_time_change_nothing(app, session, client):
    world = vote_world(app, session)
    vote = world.public
    vote.closes_at = utcnow() - dt.timedelta(minutes=5)
    session.commit()
    url = f"/votes/{vote.id}"
    for who in (None, world.residents[0], world.manager):
        as_user(client, who)
        page = client.get(url)
        assert page.status_code == 200
        assert "Voting has closed" in page.get_data(as_text=True)
        assert "Vote now" not in page.get_data(as_text=True)
        assert client.get(url + "/results").status_code == 404
        assert client.get(url + "/ballots.pb").status_code == 404
        assert _status(session, vote.id) == VoteStatus.OPEN
    as_user(client, world.residents[0])
    assert client.get(url + "/ballot").status_code == 302
    as_user(client, world.manager)
    manage = f"/places/{world.place.slug}/rounds/{world.round.id}/votes"
    assert client.get(manage).status_code == 200
    assert _status(session, vote.id) == VoteStatus.OPEN

    # The scheduled count closes it; then its results are public.
    assert app.test_cli_runner().invoke(args=["tick"]).exit_code == 0
    assert _status(session, vote.id) == VoteStatus.COUNTED
    assert client.get(url + "/results").status_code == 200
