"""On random small elections, every rule gives exactly the reference outcome (pabutools 1.2.3).

pabutools is a test-only dependency: it is imported here and nowhere in the product.
"""

from __future__ import annotations

from unittest import mock

import pytest
from gmpy2 import mpq
from hypothesis import given, settings
from hypothesis import strategies as st
from pabutools.election import (
    Additive_Cardinal_Sat,
    AdditiveSatisfaction,
    ApprovalBallot,
    ApprovalProfile,
    CardinalBallot,
    CardinalProfile,
    Cost_Sat,
    CumulativeBallot,
    CumulativeProfile,
    Instance,
    OrdinalBallot,
    OrdinalProfile,
)
from pabutools.election import Project as RefProject
from pabutools.election.satisfaction import PositionalSatisfaction
from pabutools.rules import (
    completion_by_rule_combination,
    exhaustion_by_budget_increase,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
    sequential_phragmen,
)
from pabutools.rules import phragmen as ref_phragmen_module
from pabutools.rules.budgetallocation import BudgetAllocation

from voting.rules import RANKED_RULES, RULES, Ballot, Election, Project, count

# Ids chosen so that string order differs from number order ("10" < "9").
IDS = ["1", "2", "3", "9", "10", "11", "a", "b"]


class Points_Cost_Sat(AdditiveSatisfaction):
    """Satisfaction = points x cost, so the greedy density is the total points."""

    def __init__(self, instance, profile, ballot):
        super().__init__(
            instance,
            profile,
            ballot,
            lambda inst, prof, bal, proj, pre: bal.get(proj, 0) * proj.cost,
        )


def _rank_points(election: Election):
    """Rank points as pabutools reads an ordinal ballot: L for a first choice, L - 1 for a
    second..., L being the longest ballot."""
    limit = max((len(b.projects) for b in election.ballots), default=0)

    def points(ballot, project) -> int:
        return limit - ballot.index(project) if project in ballot else 0

    class RankPoints(PositionalSatisfaction):
        def __init__(self, instance, profile, ballot):
            super().__init__(instance, profile, ballot, points, sum)

    class RankPointsCost(PositionalSatisfaction):
        def __init__(self, instance, profile, ballot):
            super().__init__(instance, profile, ballot, lambda b, p: points(b, p) * p.cost, sum)

    return RankPoints, RankPointsCost


@st.composite
def elections(draw, vote_types=("approval", "choose-1", "cumulative", "scoring", "ordinal")):
    n_projects = draw(st.integers(1, 8))
    ids = draw(st.permutations(IDS))[:n_projects]
    costs = draw(st.lists(st.integers(0, 20), min_size=n_projects, max_size=n_projects))
    budget = draw(st.integers(1, 60))
    vote_type = draw(st.sampled_from(vote_types))
    n_voters = draw(st.integers(0, 12))
    ballots = []
    for _ in range(n_voters):
        if vote_type == "choose-1":
            chosen = [draw(st.sampled_from(ids))]
        else:
            chosen = draw(st.lists(st.sampled_from(ids), unique=True, max_size=n_projects))
        if vote_type in ("cumulative", "scoring"):
            low = 0 if vote_type == "scoring" else 1
            points = draw(st.lists(st.integers(low, 5), min_size=len(chosen), max_size=len(chosen)))
            ballots.append(Ballot(tuple(chosen), tuple(points)))
        else:
            ballots.append(Ballot(tuple(chosen)))
    projects = [Project(pid, cost) for pid, cost in zip(ids, costs, strict=True)]
    return Election(projects, budget, ballots, vote_type)


def reference(election: Election):
    """The pabutools instance, the approval view, and the profile as pabutools parses it."""
    projects = {p.id: RefProject(p.id, p.cost) for p in election.projects}
    instance = Instance(projects.values(), budget_limit=mpq(election.budget))
    approval = ApprovalProfile(
        [ApprovalBallot({projects[pid] for pid in b.approved()}) for b in election.ballots],
        instance=instance,
    )
    if election.vote_type == "cumulative":
        native = CumulativeProfile(
            [
                CumulativeBallot({projects[k]: v for k, v in b.points_by_project().items()})
                for b in election.ballots
            ],
            instance=instance,
        )
    elif election.vote_type == "scoring":
        native = CardinalProfile(
            [
                CardinalBallot({projects[k]: v for k, v in b.points_by_project().items()})
                for b in election.ballots
            ],
            instance=instance,
        )
    elif election.vote_type == "ordinal":
        native = OrdinalProfile(
            [OrdinalBallot([projects[pid] for pid in b.projects]) for b in election.ballots],
            instance=instance,
        )
    else:
        # Approval ballots give one point to each ticked project when read with points.
        native = CumulativeProfile(
            [
                CumulativeBallot({projects[pid]: 1 for pid in b.approved()})
                for b in election.ballots
            ],
            instance=instance,
        )
    return instance, approval, native


def run_reference(rule: str, election: Election) -> list[str]:
    instance, approval, native = reference(election)
    if rule == "greedy_votes":
        out = greedy_utilitarian_welfare(instance, approval, sat_class=Cost_Sat)
    elif rule == "greedy_points":
        out = greedy_utilitarian_welfare(instance, native, sat_class=Points_Cost_Sat)
    elif rule == "mes_cost":
        out = method_of_equal_shares(instance, approval, sat_class=Cost_Sat)
    elif rule == "mes_points":
        out = method_of_equal_shares(instance, native, sat_class=Additive_Cardinal_Sat)
    elif rule == "mes_cost_add1":
        out = method_of_equal_shares(
            instance, approval, sat_class=Cost_Sat, voter_budget_increment=1
        )
    elif rule == "mes_points_add1":
        out = method_of_equal_shares(
            instance, native, sat_class=Additive_Cardinal_Sat, voter_budget_increment=1
        )
    elif rule == "mes_cost_add1_greedy":
        out = completion_by_rule_combination(
            instance,
            approval,
            [method_of_equal_shares, greedy_utilitarian_welfare],
            [{"sat_class": Cost_Sat, "voter_budget_increment": 1}, {"sat_class": Cost_Sat}],
        )
    elif rule == "mes_points_add1_greedy":
        out = completion_by_rule_combination(
            instance,
            native,
            [method_of_equal_shares, greedy_utilitarian_welfare],
            [
                {"sat_class": Additive_Cardinal_Sat, "voter_budget_increment": 1},
                {"sat_class": Points_Cost_Sat},
            ],
        )
    elif rule == "mes_cost_budget_increase":
        out = exhaustion_by_budget_increase(
            instance,
            approval,
            method_of_equal_shares,
            {"sat_class": Cost_Sat},
            budget_step=instance.budget_limit / 100,
        )
    elif rule == "phragmen":
        return reference_phragmen_order(instance, approval)
    elif rule in RANKED_RULES:
        rank_points, rank_points_cost = _rank_points(election)
        if rule == "greedy_rank_points":
            out = greedy_utilitarian_welfare(instance, native, sat_class=rank_points_cost)
        else:
            out = method_of_equal_shares(instance, native, sat_class=rank_points)
    else:  # pragma: no cover
        raise AssertionError(rule)
    return [p.name for p in out]


def reference_phragmen_order(instance, profile) -> list[str]:
    """pabutools' Phragmén in purchase order (it sorts its outcome by id just before returning)."""
    orders: list[list[str]] = []

    class Recording(BudgetAllocation):
        def sort(self, *args, **kwargs):
            orders.append([p.name for p in self])
            super().sort(*args, **kwargs)

    with mock.patch.object(ref_phragmen_module, "BudgetAllocation", Recording):
        sequential_phragmen(instance, profile)
    return orders[-1]


def points_rule(rule: str) -> bool:
    return rule.startswith(("greedy_points", "mes_points"))


def assert_same(rule: str, election: Election, ours: list[str], ref: list[str]) -> None:
    if rule.startswith("mes_points") or rule == "mes_rank_points":
        # pabutools buys the projects that cost nothing first, in the order of a Python set;
        # we buy them first in tie-breaking order.
        free = sum(
            1
            for pid in ours
            if election.project(pid).cost == 0
            and any(b.points_by_project().get(pid, 0) > 0 for b in election.ballots)
        )
        assert set(ours[:free]) == set(ref[:free])
        assert ours[free:] == ref[free:]
    else:
        assert ours == ref


@pytest.mark.parametrize("rule", RULES)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_rule_matches_pabutools(rule: str, data) -> None:
    if rule in RANKED_RULES:
        election = data.draw(elections(("ordinal",)))
    elif points_rule(rule):
        election = data.draw(elections(("approval", "cumulative", "scoring")))
    else:
        election = data.draw(elections())
    ours = list(count(election, rule).selected)
    assert_same(rule, election, ours, run_reference(rule, election))
    assert sum(election.project(p).cost for p in ours) <= election.budget


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_tie_break_by_lottery_stays_feasible(data) -> None:
    from voting.rules import Lottery

    election = data.draw(elections())
    seed = data.draw(st.integers(0, 10**6))
    for rule in RULES:
        if points_rule(rule) and election.vote_type in ("ordinal", "choose-1"):
            continue
        if rule in RANKED_RULES and election.vote_type != "ordinal":
            continue
        outcome = count(election, rule, tie_break=Lottery(seed))
        assert outcome.total_cost <= election.budget
        assert len(set(outcome.selected)) == len(outcome.selected)


@st.composite
def long_elections(draw):
    """Elections whose raised-share counts run for many steps, with near-ties on purpose."""
    n_projects = draw(st.integers(2, 8))
    ids = draw(st.permutations(IDS))[:n_projects]
    costs = draw(
        st.lists(
            st.sampled_from([61, 97, 120, 150, 201, 240, 300, 450]),
            min_size=n_projects,
            max_size=n_projects,
        )
    )
    n_voters = draw(st.integers(2, 12))
    budget = draw(st.integers(20 * n_voters, 60 * n_voters))
    ballots = []
    for _ in range(n_voters):
        chosen = draw(st.lists(st.sampled_from(ids), unique=True, min_size=1, max_size=4))
        points = draw(st.lists(st.integers(1, 3), min_size=len(chosen), max_size=len(chosen)))
        ballots.append(Ballot(tuple(chosen), tuple(points)))
    projects = [Project(pid, cost) for pid, cost in zip(ids, costs, strict=True)]
    return Election(projects, budget, ballots, "cumulative")


def brute_force(election: Election, by_points: bool, step, stop_on_all: bool, max_steps=None):
    """Raise every voter's share one step at a time (plain Equal Shares each time)."""
    n = len(election.ballots)
    rule = "mes_points" if by_points else "mes_cost"
    supported = set()
    for b in election.ballots:
        supported |= set(b.approved())
    candidates = [p for p in election.projects if p.cost > 0 and p.id in supported]
    among = election.projects if stop_on_all else candidates
    previous = ()
    k = 0
    while max_steps is None or k <= max_steps:
        raised = Election(
            election.projects, election.budget + n * step * k, election.ballots, election.vote_type
        )
        selected = count(raised, rule).selected
        spent = sum(election.project(p).cost for p in selected)
        if spent > election.budget:
            return previous
        if all(p.id in selected or spent + p.cost > election.budget for p in among):
            return selected
        previous = selected
        k += 1
    return previous


@settings(max_examples=150, deadline=None)
@given(long_elections(), st.booleans())
def test_raised_shares_skip_no_step(election: Election, by_points: bool) -> None:
    """The add1 search skips steps only where it has proven that none of them stops it."""
    rule = "mes_points_add1" if by_points else "mes_cost_add1"
    assert count(election, rule).selected == brute_force(election, by_points, 1, False)


@settings(max_examples=60, deadline=None)
@given(long_elections())
def test_raised_budget_skips_no_step(election: Election) -> None:
    from fractions import Fraction

    n = len(election.ballots)
    expected = brute_force(
        election, False, Fraction(election.budget, 100 * n), True, max_steps=100 * n
    )
    assert count(election, "mes_cost_budget_increase").selected == expected


@st.composite
def one_project_elections(draw):
    """Elections where each voter backs one project (choose-1, or points to one project), so
    the raised-share counts take their shortcut; costs and budgets make them run many steps."""
    n_projects = draw(st.integers(1, 8))
    ids = draw(st.permutations(IDS))[:n_projects]
    costs = draw(
        st.lists(
            st.sampled_from([0, 61, 97, 120, 150, 201, 240, 300, 450]),
            min_size=n_projects,
            max_size=n_projects,
        )
    )
    n_voters = draw(st.integers(1, 12))
    budget = draw(st.integers(20 * n_voters, 60 * n_voters))
    vote_type = draw(st.sampled_from(["choose-1", "cumulative"]))
    ballots = []
    for _ in range(n_voters):
        chosen = (draw(st.sampled_from(ids)),)
        points = (draw(st.integers(1, 3)),) if vote_type == "cumulative" else None
        ballots.append(Ballot(chosen, points))
    projects = [Project(pid, cost) for pid, cost in zip(ids, costs, strict=True)]
    return Election(projects, budget, ballots, vote_type)


@settings(max_examples=100, deadline=None)
@given(one_project_elections(), st.booleans())
def test_one_project_ballots_stop_where_steps_stop(election: Election, by_points: bool) -> None:
    """With one project per ballot, the raised share is found without counting every step,
    and it is the share that raising one step at a time stops at."""
    from fractions import Fraction

    if by_points and election.vote_type == "cumulative":
        rule, expected = "mes_points_add1", brute_force(election, True, 1, False)
        assert count(election, rule).selected == expected
    assert count(election, "mes_cost_add1").selected == brute_force(election, False, 1, False)
    n = len(election.ballots)
    step = Fraction(election.budget, 100 * n)
    expected = brute_force(election, False, step, True, max_steps=100 * n)
    assert count(election, "mes_cost_budget_increase").selected == expected
