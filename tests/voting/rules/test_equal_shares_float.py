"""The quick floating-point runs of Equal Shares that the completions use: where they answer,
they buy exactly what the exact run buys; where a decision is too close, they give up."""

from __future__ import annotations

from fractions import Fraction

import pytest

from tests.pabulib_data import DATA
from voting.rules import read_pabulib
from voting.rules.equal_shares import build_input, run
from voting.rules.equal_shares_float import FloatCount
from voting.rules.model import Ballot, Election, Project, tie_ranks

FILES = ["Switzerland_Zurich_S5", "Hungary_Budapest_2023_VIII_Jozsefvaros", "France_Toulouse_2024"]


@pytest.mark.parametrize("name", FILES)
def test_float_runs_buy_what_exact_runs_buy(name):
    path = DATA / f"{name}.pb"
    if not path.is_file():
        pytest.skip("Pabulib data not available")
    election = read_pabulib(str(path))
    inp = build_input(election, False, tie_ranks(election.projects, "id"))
    quick = FloatCount(inp)
    start = Fraction(election.budget, inp.n_voters)
    answered = 0
    for extra in (0, 1, 7, 40, 150, 333):
        share = start + extra
        found = quick.selected(share)
        if found is not None:
            answered += 1
            assert found[0] == run(inp, share).selected
    assert answered >= 4  # the quick run decides most runs


def _election(costs, ballots, budget):
    projects = [Project(id=str(i), name=str(i), cost=c) for i, c in enumerate(costs)]
    return Election(
        projects=projects,
        ballots=[Ballot(projects=tuple(str(p) for p in b)) for b in ballots],
        budget=budget,
    )


def test_exact_ties_go_by_the_tie_breaking_order():
    # Projects 1 and 2 tie exactly (two supporters each pay half); the lower id goes first.
    election = _election([6, 6, 6], [["2"], ["2"], ["1"], ["1"], ["0"]], budget=20)
    inp = build_input(election, False, tie_ranks(election.projects, "id"))
    found = FloatCount(inp).selected(Fraction(4))
    assert found is not None
    assert found[0] == run(inp, Fraction(4)).selected == [1, 2]


def test_a_too_close_call_is_left_to_the_exact_run():
    # Supporters of project 0 have exactly its cost between them: floats cannot be sure.
    election = _election([3, 100], [["0"], ["0"], ["0", "1"]], budget=3)
    inp = build_input(election, False, tie_ranks(election.projects, "id"))
    assert FloatCount(inp).selected(Fraction(1)) is None
    assert run(inp, Fraction(1)).selected == [0]


def test_supporters_short_of_an_equal_part_pay_all_they_have():
    # Project 0 first: its four supporters pay 9 each, so the two who also back project 1
    # have 1 left. Project 1 (11) would be 11 / 3 each: they pay their 1, the third pays 9.
    election = _election([36, 11], [["0", "1"], ["0", "1"], ["0"], ["0"], ["1"]], budget=50)
    inp = build_input(election, False, tie_ranks(election.projects, "id"))
    found = FloatCount(inp).selected(Fraction(10))
    assert found is not None
    assert found[0] == run(inp, Fraction(10)).selected == [0, 1]
    # When the third supporter backs project 0 too, all five pay 7.20 for it, and the 8.40
    # the three have left between them cannot buy project 1.
    short = _election([36, 11], [["0", "1"], ["0", "1"], ["0"], ["0"], ["1", "0"]], budget=50)
    inp = build_input(short, False, tie_ranks(short.projects, "id"))
    found = FloatCount(inp).selected(Fraction(10))
    assert found is not None
    assert found[0] == run(inp, Fraction(10)).selected == [0]
