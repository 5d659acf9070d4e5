"""Reading a vote's ballots as columns: ballots with the same choices are one kind of ballot,
counted once with how many cast it, whatever order their choices were stored in; and the
cycle collector waits while a vote is read and counted, and runs again afterwards."""

from __future__ import annotations

import gc

from sqlalchemy import insert

from tests.voting.ballot_helpers import vote_world
from voting import services
from voting.models import Ballot, BallotChoice, receipt_hash


def _cast(session, vote, choices: list[list[int]]) -> None:
    """One ballot for each list of options, its choices stored in the order given."""
    ballots, rows = [], []
    for n, options in enumerate(choices):
        ballot_id = f"{n:032x}"
        ballots.append(
            {"id": ballot_id, "vote_id": vote.id, "receipt_hash": receipt_hash(f"R{n:09d}")}
        )
        rows.extend({"ballot_id": ballot_id, "option_id": o, "points": 1} for o in options)
    session.execute(insert(Ballot), ballots)
    for row in rows:  # one at a time, so each ballot's choices go in in the order given
        session.execute(insert(BallotChoice), [row])
    session.flush()


def test_ballots_with_the_same_choices_are_read_as_one_kind(app, session):
    vote = vote_world(app, session).public
    first, second, third = (o.id for o in vote.options)
    _cast(
        session,
        vote,
        [[first, second], [second, first], [third], [], [second, first], [first, third]],
    )
    ballots = services.election_for(session, vote).ballots
    assert len(ballots) == 6
    project = {o.id: o.project_id for o in vote.options}
    both = tuple(sorted((project[first], project[second]), key=int))
    merged = {kind.projects: n for kind, n in ballots.merged()}
    assert merged[both] == 3
    assert merged[()] == 1
    assert sum(merged.values()) == 6
    assert len(merged) == 4
    # Every ballot keeps its own label, in label order.
    labels = [b.voter_id for b in ballots]
    assert labels == sorted(labels)
    assert len(set(labels)) == 6


def test_the_cycle_collector_waits_while_a_vote_is_counted_and_runs_again_after(app, session):
    vote = vote_world(app, session).public
    first, second, _third = (o.id for o in vote.options)
    _cast(session, vote, [[first], [first, second]])
    running: list[bool] = []
    assert gc.isenabled()
    outcome = services.count_vote(
        session, vote, progress=lambda done, total: running.append(gc.isenabled())
    )
    assert outcome.selected
    assert running
    assert not any(running)
    assert gc.isenabled()
    gc.disable()
    try:
        services.count_vote(session, vote)
        # Paused by someone else before the count: still paused after it.
        assert not gc.isenabled()
    finally:
        gc.enable()
