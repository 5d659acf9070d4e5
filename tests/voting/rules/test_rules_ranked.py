"""Rank points: a first choice is worth L points (L = how many projects a ballot may rank),
a second L - 1, and so on; the two rank-points rules count them and say in words how people
ranked each project."""

from __future__ import annotations

import pytest

from voting.rules import Ballot, Election, Project, count
from voting.rules.ranked import as_rank_points, ordinal, rank_limit


def _election(ballots, *, budget=100, meta=None, costs=(40, 40, 40)) -> Election:
    return Election(
        projects=[Project(pid, cost) for pid, cost in zip("abc", costs, strict=True)],
        budget=budget,
        ballots=[Ballot.ranked(list(b)) for b in ballots],
        vote_type="ordinal",
        meta=meta or {},
    )


def test_the_limit_is_the_votes_own_else_the_longest_ballot():
    assert rank_limit(_election(["ab", "c"])) == 2
    assert rank_limit(_election(["ab", "c"], meta={"max_length": "3"})) == 3
    points = as_rank_points(_election(["ab", "c"], meta={"max_length": "3"}))
    assert [b.points_by_project() for b in points.ballots] == [{"a": 3, "b": 2}, {"c": 3}]


def test_greedy_takes_the_most_rank_points_first():
    # a: 2 + 1 = 3 points; b: 1 + 2 + 2 = 5; c: 1. Money for two projects.
    outcome = count(_election(["ab", "ba", "bc"]), "greedy_rank_points")
    assert outcome.selected == ("b", "a")
    assert outcome.rule == "greedy_rank_points"
    assert outcome.explanation("b").points == 5
    assert outcome.explanation("b").reason.startswith(
        "2 people put it first and 1 person put it second, which gave it 5 points "
        "(a first choice is worth 2). Selected: it got 5 points"
    )


def test_a_first_choice_counts_for_more_than_a_second():
    # Everyone ranks both projects, in opposite orders; the one put first by more people wins
    # when only one fits. Either way round, so it is not the tie-break deciding.
    for ballots, winner in ((["ab", "ab", "ba"], "a"), (["ba", "ba", "ab"], "b")):
        assert count(_election(ballots, budget=40), "greedy_rank_points").selected == (winner,)
        # Equal Shares: each voter has 20; the winner costs 8 per point, the other 10.
        assert count(_election(ballots, budget=60), "mes_rank_points").selected == (winner,)


def test_explanations_say_how_people_ranked_each_project():
    outcome = count(_election(["ab", "ba", "b"]), "mes_rank_points")
    assert outcome.explanation("b").reason.startswith(
        "2 people put it first and 1 person put it second, which gave it 5 points "
        "(a first choice is worth 2)."
    )
    assert outcome.explanation("c").reason.startswith("Nobody ranked it. Not selected")


def test_rank_rules_need_rankings_and_points_rules_refuse_them():
    approval = Election(projects=[Project("a", 10)], budget=10, ballots=[Ballot.approval(["a"])])
    with pytest.raises(ValueError, match="not ranked"):
        count(approval, "greedy_rank_points")
    with pytest.raises(ValueError, match="rankings"):
        count(_election(["ab"]), "mes_points")


def test_places_are_named_in_words():
    assert [ordinal(n) for n in (1, 2, 3, 11, 12, 21, 22, 23)] == [
        "first",
        "second",
        "third",
        "11th",
        "12th",
        "21st",
        "22nd",
        "23rd",
    ]
