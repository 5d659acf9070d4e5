"""Ranked ballots: setting up a vote where people put projects in order, casting a ranking
(one drop-down per place), refusing a ranking that does not make sense with the message next
to the drop-down, counting by rank points, and publishing the rankings."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from giving.services import DomainError
from tests.conftest import post_form
from tests.giving.round_helpers import as_user
from tests.voting.ballot_helpers import in_request, option_for, vote_world
from voting import services
from voting.models import Ballot, BallotChoice, BallotKind, Vote, VoteKind, VoterRecord
from voting.rules import Lottery, count, parse_pabulib_string
from voting.workflow import VoteStatus


def _make_ranked(ctx, world, rule="mes_rank_points", most=2):
    return services.save_vote(
        ctx,
        world.manager,
        world.round,
        VoteKind.PUBLIC,
        rule=rule,
        ballot_kind=BallotKind.RANKED,
        max_choices=most,
        opens_at=world.public.opens_at,
        closes_at=world.public.closes_at,
    )


@pytest.fixture
def world(app, session):
    """The shared vote world, its public vote made a ranked one: rank up to 2 projects,
    counted by Equal Shares using rankings."""
    return vote_world(
        app,
        session,
        slug="ashvale-ranked",
        public_rule="mes_rank_points",
        ballot_kind=BallotKind.RANKED,
        max_choices=2,
    )


def _places(vote, *applications) -> dict[int, int]:
    """A ranking as the ballot form sends it: place (1 = first choice) -> option id."""
    return {place: option_for(vote, a).id for place, a in enumerate(applications, start=1)}


def _ballots(session, vote) -> int:
    return session.scalar(select(func.count()).select_from(Ballot).where(Ballot.vote_id == vote.id))


def _voters(session, vote) -> int:
    return session.scalar(
        select(func.count()).select_from(VoterRecord).where(VoterRecord.vote_id == vote.id)
    )


def test_a_ranking_is_stored_as_places_in_the_order(ctx, world):
    vote, (larder, _choir, scouts) = world.public, world.applications
    voter = services.voter_for_user(ctx, world.residents[0], vote)
    ballot = services.cast_ballot(ctx, vote, voter, _places(vote, scouts, larder)).ballot
    ctx.commit()
    stored = dict(
        ctx.execute(
            select(BallotChoice.option_id, BallotChoice.points).where(
                BallotChoice.ballot_id == ballot.id
            )
        ).all()
    )
    assert stored == {option_for(vote, scouts).id: 1, option_for(vote, larder).id: 2}


BAD_RANKINGS = {
    "the same project twice": (
        lambda v, a: {"rank_1": a[0], "rank_2": a[0]},
        "rank_2",
        "You chose this project already as your choice number 1.",
    ),
    "a gap": (
        lambda v, a: {"rank_1": "", "rank_2": a[1]},
        "rank_1",
        "Fill in your choices in order, with no gaps",
    ),
    "a project not on the ballot": (
        lambda v, a: {"rank_1": "999999"},
        "rank_1",
        "Choose a project from the list.",
    ),
    "not a project at all": (
        lambda v, a: {"rank_1": "<b>x</b>"},
        "rank_1",
        "Choose a project from the list.",
    ),
    "nothing chosen": (lambda v, a: {"rank_1": "", "rank_2": ""}, "rank_1", "first choice"),
}


@pytest.mark.parametrize("case", list(BAD_RANKINGS))
def test_a_ranking_that_makes_no_sense_is_refused_next_to_the_drop_down(
    client, session, world, case
):
    vote = world.public
    build, field, message = BAD_RANKINGS[case]
    ids = [str(option_for(vote, a).id) for a in world.applications]
    as_user(client, world.residents[0])
    url = f"/votes/{vote.id}/ballot"
    # The ballot form is sent where the page's form says (checking the choices first).
    action = re.search(r'<form method="post" novalidate action="([^"]*)"', client.get(url).text)
    assert action is not None
    response = post_form(client, action.group(1) or url, build(vote, ids), page=url)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    # The message is in the drop-down's own error text (and the summary at the top).
    error = re.search(rf'<p id="{field}-error" class="govuk-error-message">(.*?)</p>', page, re.S)
    assert error is not None, page
    assert message in error.group(1)
    assert "There is a problem" in page
    assert _ballots(session, vote) == 0
    assert _voters(session, vote) == 0


def test_more_places_than_the_vote_allows_are_refused(ctx, world):
    vote, applications = world.public, world.applications
    voter = services.voter_for_user(ctx, world.residents[0], vote)
    with pytest.raises(DomainError, match="no more than 2 projects") as refused:
        services.cast_ballot(ctx, vote, voter, _places(vote, *applications))
    assert refused.value.field == "rank_2"
    assert _ballots(ctx, vote) == 0


def test_the_ballot_page_has_a_drop_down_for_each_place(client, world):
    vote = world.public
    as_user(client, world.residents[0])
    page = client.get(f"/votes/{vote.id}/ballot").get_data(as_text=True)
    assert page.count("<select") == 2
    assert "First choice" in page
    assert "Second choice" in page
    assert "Third choice" not in page
    assert page.count(">No choice</option>") == 2
    assert "Put up to 2 projects in order" in page


def test_a_ranked_vote_needs_a_limit_and_rank_rules_need_ranked_ballots(ctx, world):
    with pytest.raises(DomainError, match="how many projects each person can put in order") as e:
        _make_ranked(ctx, world, most=None)
    assert e.value.field == "max_choices"
    with pytest.raises(DomainError, match="1 to 10"):
        _make_ranked(ctx, world, most=11)
    with pytest.raises(DomainError, match="needs rankings"):
        services.save_vote(
            ctx,
            world.manager,
            world.round,
            VoteKind.PUBLIC,
            rule="greedy_rank_points",
            ballot_kind=BallotKind.APPROVAL,
            opens_at=world.public.opens_at,
            closes_at=world.public.closes_at,
        )
    with pytest.raises(DomainError, match="needs points"):
        _make_ranked(ctx, world, rule="mes_points")


def test_the_database_refuses_a_ranked_vote_without_a_limit(ctx, world):
    with pytest.raises((IntegrityError, DBAPIError)), ctx.begin_nested():
        ctx.execute(update(Vote).where(Vote.id == world.public.id).values(max_choices=None))
    with pytest.raises((IntegrityError, DBAPIError)), ctx.begin_nested():
        ctx.execute(
            text("UPDATE votes SET max_choices = 11 WHERE id = :id"), {"id": world.public.id}
        )


def test_staff_set_up_a_ranked_vote_on_the_web(client, app, session):
    world = vote_world(app, session, slug="ashvale-ranked-setup", open_votes=False)
    as_user(client, world.manager)
    setup = f"/places/{world.place.slug}/rounds/{world.round.id}/votes/public/setup"
    form = client.get(setup).get_data(as_text=True)
    assert "Put projects in order" in form
    assert "Equal Shares using rankings" in form
    assert "Most points from rankings" in form
    next_year = str(world.public.closes_at.year + 1)
    dates = {
        "opens_on": ["1", "1", next_year],
        "opens_time": "9am",
        "closes_on": ["1", "2", next_year],
        "closes_time": "5pm",
    }
    no_limit = post_form(
        client, setup, {"ballot_kind": "ranked", "rule": "mes_rank_points", **dates}
    )
    page = no_limit.get_data(as_text=True)
    assert re.search(r'id="max_choices-error".*?how many projects each person can put', page, re.S)
    saved = post_form(
        client,
        setup,
        {"ballot_kind": "ranked", "max_choices": "3", "rule": "greedy_rank_points", **dates},
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)
    session.refresh(world.public)
    assert world.public.ballot_kind == BallotKind.RANKED
    assert world.public.max_choices == 3
    assert world.public.rule == "greedy_rank_points"
    manage = client.get(f"/places/{world.place.slug}/rounds/{world.round.id}/votes")
    assert "Put up to 3 projects in order" in manage.get_data(as_text=True)


@pytest.fixture
def counted(app, session, world):
    """Three residents rank the projects (up to 2 each; the vote has £3,000):
    Scouts then Choir, Scouts then Larder, Choir then Scouts. Rank points (2 for a first
    choice, 1 for a second): Scouts 5, Choir 3, Larder 1. Equal Shares gives each voter
    £1,000: Scouts (£1,200) is bought by its three supporters, paying in proportion to their
    points; then Choir (£1,000) by the two who ranked it; the Larder's one supporter cannot
    pay £1,500."""
    vote = world.public
    larder, choir, scouts = world.applications
    receipts = []
    with in_request(app, session) as ctx:
        for resident, order in zip(
            world.residents, [(scouts, choir), (scouts, larder), (choir, scouts)], strict=True
        ):
            voter = services.voter_for_user(ctx, resident, vote)
            receipts.append(services.cast_ballot(ctx, vote, voter, _places(vote, *order)))
        services.move_vote(ctx, world.manager, vote, "close")
        ctx.commit()
    world.receipts = receipts
    return world


def test_a_ranked_vote_is_counted_by_rank_points_and_explained_in_words(client, counted):
    vote = counted.public
    larder, choir, scouts = counted.applications
    assert vote.status == VoteStatus.COUNTED
    assert vote.outcome["rule"] == "mes_rank_points"
    assert vote.outcome["selected"] == [str(scouts.id), str(choir.id)]
    why = vote.outcome["explanations"]
    assert why[str(scouts.id)]["points"] == 5
    assert why[str(scouts.id)]["reason"].startswith(
        "2 people put it first and 1 person put it second, which gave it 5 points "
        "(a first choice is worth 2). Selected:"
    )
    assert why[str(larder.id)]["reason"].startswith("1 person put it second")
    assert "Not selected" in why[str(larder.id)]["reason"]
    page = client.get(f"/votes/{vote.id}/results").get_data(as_text=True)
    assert "2 people put it first and 1 person put it second" in page
    assert "rankings" in page


def test_the_published_ballots_record_the_rankings_and_recount_the_same(client, counted):
    vote = counted.public
    larder, choir, scouts = counted.applications
    text_ = client.get(f"/votes/{vote.id}/ballots.pb").get_data(as_text=True)
    assert "vote_type;ordinal" in text_
    assert "max_length;2" in text_
    election = parse_pabulib_string(text_)
    assert election.vote_type == "ordinal"
    rankings = sorted(b.projects for b in election.ballots)
    assert rankings == sorted(
        [
            (str(scouts.id), str(choir.id)),
            (str(scouts.id), str(larder.id)),
            (str(choir.id), str(scouts.id)),
        ]
    )
    # Each line lists the project ids in the voter's order.
    assert f";{choir.id},{scouts.id}" in text_
    again = count(election, "mes_rank_points", tie_break=Lottery(vote.tie_break_seed))
    assert list(again.selected) == vote.outcome["selected"]
    greedy = count(election, "greedy_rank_points", tie_break=Lottery(vote.tie_break_seed))
    # Greedy by points: Scouts (5 points, £1,200), Choir (3, £1,000); the Larder (1 point,
    # £1,500) does not fit in the £800 left.
    assert list(greedy.selected) == [str(scouts.id), str(choir.id)]
