"""Counting reads a vote's ballots as columns, not an object per ballot and choice: the
election it builds is the one the ballots make (the same ballots, in the same order, as
reading every row as an object did), so every rule's outcome is the same; and the count
says how far it has got, in ballots read, up to the total."""

from __future__ import annotations

import json
import random

import pytest
from sqlalchemy import insert, select

from tests.voting.ballot_helpers import in_request, vote_world
from voting import cli as voting_cli
from voting import services
from voting.models import RECEIPT_ALPHABET, Ballot, BallotChoice, BallotKind, receipt_hash
from voting.rules import (
    POINTS_RULES,
    RANKED_RULES,
    RULES,
    Election,
    Lottery,
    Project,
    count,
    pounds_from_pence,
)
from voting.rules import Ballot as RuleBallot
from voting.services import results as results_service
from voting.workflow import VoteStatus


def reference_election(session, vote) -> Election:
    """The vote read the way counting read it before: every ballot and every choice loaded
    as an object, the choices sorted by option, the ballots by label (the start of the
    receipt's hash)."""
    by_option = {o.id: o.project_id for o in vote.options}
    cumulative = vote.ballot_kind == BallotKind.CUMULATIVE
    ballots = []
    for ballot in session.scalars(
        select(Ballot).where(Ballot.vote_id == vote.id).order_by(Ballot.receipt_hash)
    ):
        mine = sorted(ballot.choices, key=lambda c: c.option_id)
        ballots.append(
            RuleBallot(
                tuple(by_option[c.option_id] for c in mine),
                tuple(c.points for c in mine) if cumulative else None,
                voter_id=ballot.label,
            )
        )
    projects = []
    for option in vote.options:
        application = option.application
        name = application.group.name + (f": {application.title}" if application.title else "")
        projects.append(Project(option.project_id, option.cost_pence, name=name))
    return Election(
        projects=projects,
        budget=vote.budget_pence,
        ballots=ballots,
        vote_type=vote.ballot_kind.vote_type,
        meta={
            "description": f"{vote.round.title}: {vote.kind.value} vote",
            "country": "United Kingdom",
            "unit": vote.round.place.name,
            "instance": f"placefund-vote-{vote.id}",
            "currency": "GBP (pence)",
            "ballot": vote.ballot_kind.value,
        },
    )


def add_ballots(session, vote, how_many: int, *, seed: int = 16, points: int | None = None):
    """``how_many`` ballots in bulk, each choosing one to all of the vote's options (with
    ``points`` shared out between them on a points ballot); a few choose nothing."""
    rng = random.Random(seed)
    options = [o.id for o in vote.options]
    ballots, choices = [], []
    for n in range(how_many):
        ballot_id = f"{rng.getrandbits(128):032x}"
        receipt = "".join(rng.choices(RECEIPT_ALPHABET, k=10))
        ballots.append({"id": ballot_id, "vote_id": vote.id, "receipt_hash": receipt_hash(receipt)})
        if n % 50 == 7:
            continue
        for option in rng.sample(options, rng.randint(1, len(options))):
            given = rng.randint(1, points) if points else 1
            choices.append({"ballot_id": ballot_id, "option_id": option, "points": given})
    session.execute(insert(Ballot), ballots)
    session.execute(insert(BallotChoice), choices)
    session.flush()


def _world(app, session, **kwargs):
    return vote_world(app, session, **kwargs).public


@pytest.mark.parametrize(
    ("ballot_kind", "points"), [(BallotKind.APPROVAL, None), (BallotKind.CUMULATIVE, 10)]
)
def test_reading_columns_gives_the_same_election_and_every_rule_the_same_outcome(
    app, session, ballot_kind, points
):
    vote = _world(
        app,
        session,
        ballot_kind=ballot_kind,
        points_total=points,
        public_rule="mes_points" if points else "mes_cost",
    )
    add_ballots(session, vote, 600, points=points)
    read = services.election_for(session, vote)
    before = reference_election(session, vote)
    assert len(read.ballots) == 600
    assert [(b.voter_id, b.projects, b.points) for b in read.ballots] == [
        (b.voter_id, b.projects, b.points) for b in before.ballots
    ]
    assert read.projects == before.projects
    assert (read.budget, read.vote_type, read.meta) == (
        before.budget,
        before.vote_type,
        before.meta,
    )
    rules = [r for r in RULES if (points or r not in POINTS_RULES) and r not in RANKED_RULES]
    for rule in rules:
        mine = services.count_vote(session, vote, rule)
        theirs = count(
            before, rule, tie_break=Lottery(vote.tie_break_seed), money=pounds_from_pence
        )
        assert mine == theirs, rule


def test_the_count_says_how_many_ballots_it_has_read_up_to_the_total(app, session, monkeypatch):
    # Small chunks, so that a few hundred ballots take three of them.
    monkeypatch.setattr(results_service, "CHUNK_ROWS", 100)
    world = vote_world(app, session)
    vote = world.public
    ballots = 2 * results_service.CHUNK_ROWS + 5
    add_ballots(session, vote, ballots)
    heard: list[tuple[int, int]] = []
    with in_request(app, session) as ctx:
        services.move_vote(
            ctx,
            world.manager,
            vote,
            "close",
            progress=lambda done, total: heard.append((done, total)),
        )
    assert vote.status == VoteStatus.COUNTED
    assert vote.outcome["ballots"] == ballots
    assert heard[0] == (0, ballots)
    assert heard[-1] == (ballots, ballots)
    assert {total for _done, total in heard} == {ballots}
    done = [d for d, _total in heard]
    assert done == sorted(done)
    # The ballots are read a chunk at a time, and each chunk is heard.
    assert len(heard) >= 3


def test_flask_count_draws_a_bar_for_a_large_vote(app, session, monkeypatch):
    # What counts as large, made small so that the test builds a few hundred ballots.
    monkeypatch.setattr(voting_cli, "LARGE_VOTE", 300)
    world = vote_world(app, session)
    add_ballots(session, world.public, voting_cli.LARGE_VOTE)
    result = app.test_cli_runner().invoke(args=["count", "--round", str(world.round.id)])
    assert result.exit_code == 0, result.output
    assert "Reading the ballots" in result.stderr
    assert json.loads(result.stdout)["rule"] == "mes_cost"
    small = vote_world(app, session, slug="ashvale-small")
    quiet = app.test_cli_runner().invoke(args=["count", "--round", str(small.round.id)])
    assert quiet.exit_code == 0
    assert quiet.stderr == ""
