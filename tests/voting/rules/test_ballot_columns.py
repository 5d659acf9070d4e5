"""Ballots kept as columns (each different ballot once, and which one each voter cast) are the
same ballots as a list of them: the same sequence, the same approval reading, the same
outcome under every rule, the same ballot file."""

from __future__ import annotations

import json
import random

import pytest

from tests.pabulib_data import DATA
from voting.rules import (
    POINTS_RULES,
    RANKED_RULES,
    RULES,
    Ballot,
    Election,
    Lottery,
    Project,
    count,
    read_pabulib,
    write_pabulib,
)
from voting.rules.ballots import approval_view, points_view
from voting.rules.columns import BallotColumns, merge_ballots


def as_columns(ballots: list[Ballot]) -> BallotColumns:
    """The ballots as columns, each different ballot (voter id aside) once."""
    kinds: dict[tuple, int] = {}
    found: list[Ballot] = []
    which = []
    for ballot in ballots:
        key = (ballot.projects, ballot.points, ballot.extra)
        if key not in kinds:
            kinds[key] = len(found)
            found.append(Ballot(ballot.projects, ballot.points, None, ballot.extra))
        which.append(kinds[key])
    return BallotColumns.of(found, which, [b.voter_id for b in ballots])


def _random_election(seed: int, *, points: bool, size: int = 8) -> Election:
    rng = random.Random(seed)
    projects = [Project(str(n), rng.randint(1, 40) * 1000) for n in range(1, size + 1)]
    ballots = []
    for n in range(300):
        chosen = rng.sample([p.id for p in projects], rng.randint(0, 4))
        if points:
            given = tuple(rng.randint(0, 5) if chosen else 0 for _ in chosen)
            ballots.append(Ballot(tuple(chosen), given, f"v{n}"))
        else:
            ballots.append(Ballot(tuple(chosen), None, f"v{n}"))
    return Election(
        projects=projects,
        budget=60_000,
        ballots=ballots,
        vote_type="cumulative" if points else "approval",
    )


def _with(election: Election, ballots) -> Election:
    return Election(
        projects=election.projects,
        budget=election.budget,
        ballots=ballots,
        vote_type=election.vote_type,
        meta=dict(election.meta),
        project_extra=election.project_extra,
    )


def test_columns_are_the_sequence_of_the_ballots_they_stand_for():
    ballots = [
        Ballot(("2", "1"), None, "b"),
        Ballot((), None, "a"),
        Ballot(("2", "1"), None, "c"),
        Ballot(("3",), None, "d"),
    ]
    columns = as_columns(ballots)
    assert len(columns) == 4
    assert list(columns) == ballots
    assert columns[0] == ballots[0]
    assert columns[-1] == ballots[-1]
    assert columns[1:3] == ballots[1:3]
    assert [(b.projects, n) for b, n in columns.merged()] == [(("2", "1"), 2), ((), 1), (("3",), 1)]
    # The kinds keep no voter id; each ballot has its own.
    assert all(kind.voter_id is None for kind, _ in columns.merged())
    plain = BallotColumns(["x", "y"], [0, 2, 2], [1, 0], [1, 0, 0])
    assert [(b.projects, b.voter_id) for b in plain] == [
        ((), None),
        (("y", "x"), None),
        (("y", "x"), None),
    ]


def test_columns_refuse_what_cannot_be_a_ballot():
    with pytest.raises(ValueError, match="member"):
        BallotColumns(["x"], [0, 1], [1], [0])  # a member that is not one of the ids
    with pytest.raises(ValueError, match="kinds"):
        BallotColumns(["x"], [0, 1], [0], [1])  # a ballot that is not one of the kinds
    with pytest.raises(ValueError, match="voter id"):
        BallotColumns(["x"], [0, 1], [0], [0], ["a", "b"])  # more voter ids than ballots
    with pytest.raises(ValueError, match="points"):
        BallotColumns.of([Ballot(("x",), (1,)), Ballot(("x",))], [0, 1])


def _sets(view):
    return {
        "groups": dict(zip(view.groups, view.mult, strict=True)),
        "supporters": [sorted(view.groups[g] for g in s) for s in view.supporters],
        "votes": view.votes,
        "voters": view.n_voters,
    }


@pytest.mark.parametrize("size", [8, 130])  # sets of projects in one word of bits, or three
@pytest.mark.parametrize("points", [False, True])
def test_the_approval_reading_of_columns_is_that_of_the_list(points, size):
    election = _random_election(3, points=points, size=size)
    columns = _with(election, as_columns(list(election.ballots)))
    assert _sets(approval_view(columns)) == _sets(approval_view(election))
    assert len(approval_view(columns).groups) == len(set(approval_view(columns).groups))
    if points:
        mine, theirs = points_view(columns), points_view(election)
        assert dict(zip(mine.groups, mine.mult, strict=True)) == dict(
            zip(theirs.groups, theirs.mult, strict=True)
        )
        assert (mine.totals, mine.votes) == (theirs.totals, theirs.votes)


def test_rankings_in_another_order_are_one_approval_set():
    projects = [Project("a", 10), Project("b", 10), Project("c", 10)]
    ballots = [Ballot.ranked(["b", "a"]), Ballot.ranked(["a", "b"]), Ballot.ranked(["c"])]
    election = Election(projects, 20, ballots, vote_type="ordinal")
    view = approval_view(_with(election, as_columns(ballots)))
    assert dict(zip(view.groups, view.mult, strict=True)) == {(0, 1): 2, (2,): 1}
    assert view.votes == [2, 2, 1]


@pytest.mark.parametrize("points", [False, True])
def test_every_rule_counts_columns_as_it_counts_the_list(points):
    election = _random_election(11, points=points)
    columns = _with(election, as_columns(list(election.ballots)))
    for rule in RULES:
        if rule in RANKED_RULES or (rule in POINTS_RULES and not points):
            continue
        tie_break = Lottery("2026")
        assert count(columns, rule, tie_break=tie_break) == count(
            election, rule, tie_break=tie_break
        ), rule


def test_a_real_vote_counts_the_same_as_columns():
    path = DATA / "Poland_Czestochowa_2020.pb"
    if not path.is_file():
        pytest.skip("Pabulib data not available")
    election = read_pabulib(str(path))
    columns = _with(election, as_columns(list(election.ballots)))
    for rule in ("greedy_votes", "mes_cost_add1_greedy", "phragmen"):
        assert count(columns, rule) == count(election, rule), rule


@pytest.mark.parametrize("points", [False, True])
def test_the_ballot_file_of_columns_is_that_of_the_list(points):
    election = _random_election(5, points=points)
    columns = _with(election, as_columns(list(election.ballots)))
    assert write_pabulib(columns, rule="mes_cost") == write_pabulib(election, rule="mes_cost")
    # Without voter ids, ballots are numbered in the same way.
    anonymous = [Ballot(b.projects, b.points) for b in election.ballots]
    kinds = as_columns(anonymous)
    unnamed = BallotColumns(kinds.ids, kinds.indptr, kinds.members, kinds.which, None, kinds.points)
    assert write_pabulib(_with(election, unnamed)) == write_pabulib(_with(election, anonymous))


def test_ballots_merged_once_are_the_ballots_cast():
    election = _random_election(3, points=True)
    merged = merge_ballots(election)
    assert isinstance(merged.ballots, BallotColumns)
    assert list(merged.ballots) == list(election.ballots)
    assert len(merged.ballots.kinds) < len(election.ballots)
    assert merge_ballots(merged) is merged
    unnamed = BallotColumns.from_ballots([Ballot(("1",)), Ballot(("1",)), Ballot(("2",))])
    assert unnamed.voter_ids is None
    assert [(b.projects, n) for b, n in unnamed.merged()] == [(("1",), 2), (("2",), 1)]


def test_the_approval_reading_of_columns_is_worked_out_once():
    election = merge_ballots(_random_election(4, points=False))
    first = approval_view(election)
    again = approval_view(election)
    assert again.supporters is first.supporters
    # Another numbering of the projects is read again.
    turned = _with(election, election.ballots)
    turned.projects = list(reversed(election.projects))
    assert approval_view(turned).supporters is not first.supporters
    assert _sets(approval_view(turned)) == _sets(approval_view(_with(turned, list(turned.ballots))))


@pytest.mark.parametrize(
    "name", ["Poland_Wroclaw_2016_Rejon_nr_10_750", "Poland_Zabrze_2020_Mikulczyce"]
)
def test_choose_one_ballots_merged_at_loading_give_the_reference_outcomes(name):
    path = DATA / f"{name}.pb"
    if not path.is_file():
        pytest.skip("Pabulib data not available")
    election = read_pabulib(str(path))
    merged = merge_ballots(election)
    expected = json.loads((DATA / "expected" / f"{name}.json").read_text("utf-8"))["rules"]
    for rule in ("mes_cost", "mes_cost_add1", "mes_cost_add1_greedy", "mes_cost_budget_increase"):
        outcome = count(merged, rule)
        assert outcome == count(election, rule), rule
        assert list(outcome.selected) == expected[rule]["winners_in_selection_order"], rule
