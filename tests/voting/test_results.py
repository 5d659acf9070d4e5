"""Closing, counting and publishing a vote: the results page with every project's
explanation and a chart, the anonymised ballot file anyone can recount, ``flask count
--round``, and awarding through giving's workflow."""

from __future__ import annotations

import hashlib
import json

import pytest

from giving import services as giving_services
from giving.errors import DomainError
from giving.models import DecidedBy
from giving.workflow import State
from tests.conftest import post_form
from tests.giving.round_helpers import as_user
from tests.voting.ballot_helpers import in_request, ticks, vote_world
from voting import services
from voting.rules import Lottery, count, parse_pabulib_string
from voting.workflow import VoteStatus


@pytest.fixture
def counted(app, session):
    """The public vote (Equal Shares) and the panel vote (greedy), voted in and counted.

    Public: A+B, A+C, A+B. Equal Shares gives each of the 3 voters £1,000: A (£1,500) is
    bought first, £500 from each; then B (£1,000) by its two supporters' £500 each; C's one
    supporter has only £500 left. Panel: A (1 vote), B and C (2 each): B and C fit, A does
    not."""
    world = vote_world(app, session)
    larder, choir, scouts = world.applications
    with in_request(app, session) as ctx:
        receipts = {}
        for resident, chosen in zip(
            world.residents, [(larder, choir), (larder, scouts), (larder, choir)], strict=True
        ):
            voter = services.voter_for_user(ctx, resident, world.public)
            receipts[resident.id] = services.cast_ballot(
                ctx, world.public, voter, ticks(world.public, *chosen)
            ).receipt
        for member, chosen in (
            (world.chair, (larder, choir, scouts)),
            (world.conflicted, (choir, scouts)),
        ):
            voter = services.voter_for_user(ctx, member.user, world.panel_vote)
            services.cast_ballot(ctx, world.panel_vote, voter, ticks(world.panel_vote, *chosen))
        services.move_vote(ctx, world.manager, world.public, "close")
        services.move_vote(ctx, world.manager, world.panel_vote, "close")
        ctx.commit()
    world.receipts = receipts
    return world


def _reason(vote, application) -> str:
    return vote.outcome["explanations"][str(application.id)]["reason"]


def test_closing_counts_the_vote_and_explains_every_project(counted):
    larder, choir, scouts = counted.applications
    public = counted.public
    assert public.status == VoteStatus.COUNTED
    assert public.outcome["selected"] == [str(larder.id), str(choir.id)]
    assert public.outcome["total_cost"] == 250_000
    assert public.outcome["ballots"] == 3
    assert _reason(public, scouts) == (
        "Not selected: its supporters had £500.00 left between them and it cost £1,200.00."
    )
    assert "supporters had" in _reason(public, larder)
    panel = counted.panel_vote
    assert set(panel.outcome["selected"]) == {str(choir.id), str(scouts.id)}
    assert "it did not fit in the money left" in _reason(panel, larder)
    assert panel.outcome["explanations"][str(larder.id)]["votes"] == 1


def test_the_results_page_shows_winners_amounts_votes_reasons_and_a_chart(client, counted):
    page = client.get(f"/votes/{counted.public.id}/results").get_data(as_text=True)
    assert "2 projects get money." in page
    assert "Gets £1,500" in page
    assert "Gets £1,000" in page
    assert "Not funded" in page
    assert "its supporters had £500.00 left between them and it cost £1,200.00" in page
    assert "<svg" in page
    assert 'role="img"' in page
    assert "2026" in page  # the published tie-break seed
    assert f"/votes/{counted.public.id}/ballots.pb" in page


def test_anyone_can_recount_the_published_ballots_and_find_their_own(client, counted):
    response = client.get(f"/votes/{counted.public.id}/ballots.pb")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    election = parse_pabulib_string(text)
    assert election.meta["rule"] == "mes_cost"
    assert election.meta["tie_break_seed"] == "2026"
    outcome = count(election, "mes_cost", tie_break=Lottery("2026"))
    assert list(outcome.selected) == counted.public.outcome["selected"]
    larder, _choir, scouts = counted.applications
    mine = counted.receipts[counted.residents[1].id]
    # In the file a ballot is named by the start of its receipt code's SHA-256 hash, which
    # its voter can work out and no one else can.
    label = hashlib.sha256(mine.encode()).hexdigest()[:16]
    ballot = next(b for b in election.ballots if b.voter_id == label)
    assert set(ballot.projects) == {str(larder.id), str(scouts.id)}
    # ...or type the receipt into the results page.
    page = client.get(f"/votes/{counted.public.id}/results?receipt={mine.lower()}")
    text = page.get_data(as_text=True)
    assert f"The ballot with receipt {mine} chose:" in text
    assert "Ash Vale Scouts: New tents</li>" in text
    missing = client.get(f"/votes/{counted.public.id}/results?receipt=NOPE")
    assert "There is no ballot with receipt NOPE" in missing.get_data(as_text=True)
    # No names, emails or account ids in the file.
    for resident in counted.residents:
        assert resident.email not in text
        assert resident.name not in text


def test_results_are_not_public_before_the_count(app, session, client):
    world = vote_world(app, session, slug="ashvale-open")
    assert client.get(f"/votes/{world.public.id}/results").status_code == 404
    assert client.get(f"/votes/{world.public.id}/ballots.pb").status_code == 404


def test_flask_count_round_prints_the_same_outcome_from_the_database(app, counted):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["count", "--round", str(counted.round.id)])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed == {
        "rule": "mes_cost",
        "selected": counted.public.outcome["selected"],
        "total_cost": 250_000,
    }
    panel = json.loads(
        runner.invoke(args=["count", "--round", str(counted.round.id), "--kind", "panel"]).output
    )
    assert sorted(panel["selected"]) == sorted(counted.panel_vote.outcome["selected"])
    again = runner.invoke(
        args=["count", "--round", str(counted.round.id), "--rule", "greedy_votes"]
    )
    assert json.loads(again.output)["rule"] == "greedy_votes"
    assert runner.invoke(args=["count", "--round", "999999"]).exit_code != 0
    assert runner.invoke(args=["count"]).exit_code != 0


def test_the_count_is_the_decision_and_confirming_changes_no_decision(app, session, counted):
    """Counting gives the chosen applications money and tells the others why, at once; the
    fund's team confirming the grants afterwards changes no decision."""
    larder, choir, scouts = counted.applications

    def decisions():
        for application in (larder, choir, scouts):
            session.refresh(application)
        return [(a.state, a.award_pence, a.decided_by) for a in (larder, choir, scouts)]

    counted_now = decisions()
    assert counted_now == [
        (State.AWARDED, 150_000, DecidedBy.RESIDENTS),
        (State.AWARDED, 100_000, DecidedBy.RESIDENTS),
        (State.DECLINED, None, DecidedBy.RESIDENTS),
    ]
    assert "not chosen in the public vote" in scouts.feedback
    assert "£500.00 left between them" in scouts.feedback
    with in_request(app, session) as ctx:
        services.move_vote(ctx, counted.manager, counted.public, "confirm")
        ctx.commit()
    assert counted.public.status == VoteStatus.AWARDED
    assert decisions() == counted_now


def test_after_the_count_the_fund_s_team_overrides_only_with_a_published_reason(
    app, session, client, counted
):
    """A counted winner that closed, or one the count did not choose: the fund's team cannot
    simply decide otherwise, only override with a reason everyone can read."""
    larder, choir, scouts = counted.applications
    with in_request(app, session) as ctx:
        with pytest.raises(DomainError, match="people who live here decide"):
            giving_services.decide_application(
                ctx, counted.manager, scouts, "award", award_pence=50_000
            )
        with pytest.raises(DomainError) as refused:
            giving_services.override_decision(
                ctx, counted.manager, choir, "override_decline", override_reason=" ", feedback="x"
            )
        assert refused.value.field == "override_reason"
        assert choir.state == State.AWARDED
        giving_services.override_decision(
            ctx,
            counted.manager,
            choir,
            "override_decline",
            override_reason="The choir closed a week after the count, so it cannot spend it.",
            feedback="Your group has closed, so the money cannot be paid.",
        )
        ctx.commit()
    session.refresh(choir)
    assert (choir.state, choir.decided_by, choir.award_pence) == (
        State.DECLINED,
        DecidedBy.OVERRIDE,
        None,
    )
    page = client.get(f"/places/{counted.place.slug}/results/rounds/{counted.round.id}").get_data(
        as_text=True
    )
    assert "The choir closed a week after the count, so it cannot spend it." in page
    assert "Residents had chosen it to be given money." in page
    api = client.get(f"/api/rounds/{counted.round.id}/results").get_json()
    by_id = {item["application_id"]: item for item in api["items"]}
    assert by_id[choir.id]["decided_by"] == "override"
    assert by_id[larder.id]["decided_by"] == "residents"
    # A counted winner can only be overridden to "not given money", a loser only to money.
    as_user(client, counted.manager)
    for application, offered, not_offered in (
        (larder, "override_decline", "override_award"),
        (scouts, "override_award", "override_decline"),
    ):
        page = client.get(f"/applications/{application.id}/override").get_data(as_text=True)
        assert f'value="{offered}"' in page
        assert f'value="{not_offered}"' not in page


def test_in_a_round_the_public_decides_the_panels_vote_decides_nothing(app, session):
    """A panel makes the shortlist, then everyone votes: a panel vote counted first is
    published, but only the public count moves the applications."""
    world = vote_world(app, session, slug="ashvale-both")
    larder = world.applications[0]
    with in_request(app, session) as ctx:
        voter = services.voter_for_user(ctx, world.chair.user, world.panel_vote)
        services.cast_ballot(ctx, world.panel_vote, voter, ticks(world.panel_vote, larder))
        services.move_vote(ctx, world.manager, world.panel_vote, "close")
        ctx.commit()
    assert world.panel_vote.status == VoteStatus.COUNTED
    for application in world.applications:
        session.refresh(application)
        assert application.state == State.SHORTLISTED


def test_staff_close_and_award_on_the_web(client, app, session):
    world = vote_world(app, session, slug="ashvale-web")
    as_user(client, world.manager)
    base = f"/places/{world.place.slug}/rounds/{world.round.id}/votes/{world.public.id}"
    assert "Close the vote and count it" in client.get(base + "/move/close").get_data(as_text=True)
    response = post_form(client, base + "/move/close", {})
    assert response.status_code == 302
    session.refresh(world.public)
    assert world.public.status == VoteStatus.COUNTED
    # Nobody voted, so nothing was chosen: the count told every application why, at once.
    for application in world.applications:
        session.refresh(application)
        assert application.state == State.DECLINED
    assert "Confirm the grants" in client.get(base + "/move/confirm").get_data(as_text=True)
    response = post_form(client, base + "/move/confirm", {})
    assert response.status_code == 302
    session.refresh(world.public)
    assert world.public.status == VoteStatus.AWARDED


def test_staff_set_up_and_open_a_vote_on_the_web_and_the_round_links_to_it(client, app, session):
    world = vote_world(app, session, slug="ashvale-setup", open_votes=False)
    as_user(client, world.manager)
    votes = f"/places/{world.place.slug}/rounds/{world.round.id}/votes"
    next_year = str(world.public.closes_at.year + 1)
    dates = {
        "opens_on": ["1", "1", next_year],
        "opens_time": "9am",
        "closes_on": ["1", "2", next_year],
        "closes_time": "5pm",
    }
    response = post_form(
        client,
        votes + "/public/setup",
        {
            "ballot_kind": "cumulative",
            "points_total": "10",
            "rule": "mes_points",
            **dates,
            "tie_break_seed": "",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    session.refresh(world.public)
    assert world.public.rule == "mes_points"
    assert world.public.points_total == 10
    assert world.public.tie_break_seed  # one was picked, and is published
    bad = post_form(
        client,
        votes + "/public/setup",
        {"ballot_kind": "approval", "rule": "greedy_points", **dates},
    )
    assert "This way of counting needs points" in bad.get_data(as_text=True)
    assert post_form(client, votes + f"/{world.public.id}/move/open", {}).status_code == 302
    session.refresh(world.public)
    assert world.public.status == VoteStatus.OPEN
    assert len(world.public.options) == 3
    manage = client.get(f"/places/{world.place.slug}/rounds/{world.round.id}/manage")
    assert votes in manage.get_data(as_text=True)
    public = client.get(f"/places/{world.place.slug}/rounds/{world.round.id}")
    assert f"/votes/{world.public.id}" in public.get_data(as_text=True)
