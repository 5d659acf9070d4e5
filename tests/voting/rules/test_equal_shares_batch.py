"""Equal Shares counted for several shares side by side, and for disjoint supports directly:
each gives exactly what one exact run of Equal Shares gives. Also the numbering of the
classes of voters when the proofs join two envelopes."""

from __future__ import annotations

import random
from fractions import Fraction

import numpy as np
import pytest

from tests.pabulib_data import DATA
from voting.rules import read_pabulib
from voting.rules.equal_shares import build_input, run
from voting.rules.equal_shares_batch import Counter, run_batch
from voting.rules.equal_shares_disjoint import disjoint_run, supports_are_disjoint
from voting.rules.equal_shares_envelope import _distinct
from voting.rules.equal_shares_float import FloatCount
from voting.rules.equal_shares_search import _steps
from voting.rules.model import Ballot, Election, Project, tie_ranks

FILES = ["Switzerland_Zurich_S5", "Hungary_Budapest_2023_VIII_Jozsefvaros", "France_Toulouse_2024"]


def _input(name: str):
    path = DATA / f"{name}.pb"
    if not path.is_file():
        pytest.skip("Pabulib data not available")
    election = read_pabulib(str(path))
    return election, build_input(election, False, tie_ranks(election.projects, "id"))


@pytest.mark.parametrize("name", FILES)
def test_shares_side_by_side_buy_what_exact_runs_buy(name):
    election, inp = _input(name)
    start = Fraction(election.budget, inp.n_voters)
    for base, step in ((0, 1), (150, 1), (40, 7)):
        shares = [start + base + k * step for k in range(12)]
        found = run_batch(FloatCount(inp), shares)
        answered = [(s, f) for s, f in zip(shares, found, strict=True) if f is not None]
        assert len(answered) >= 8  # floats decide most shares
        for share, (selected, work) in answered:
            assert selected == run(inp, share).selected
            assert work > 0


def test_the_counter_answers_shares_counted_ahead_as_exact_runs_do():
    election, inp = _input("France_Toulouse_2024")
    counter = Counter(inp, lambda share: run(inp, share))
    start = Fraction(election.budget, inp.n_voters) + 300
    shares = [start + k for k in range(10)]
    counter.ahead(shares)
    assert set(counter.kept) == set(shares)
    for share in shares:
        assert counter(share).selected == run(inp, share).selected
    assert not counter.kept
    # Shares not asked for ahead are counted one at a time.
    assert counter(start + 50).selected == run(inp, start + 50).selected
    # Shares far apart, or too few, are not counted ahead.
    counter.ahead([start + 100 * k for k in range(10)])
    counter.ahead([start + k for k in range(3)])
    assert not counter.kept


def test_the_steps_ahead_are_made_when_read_and_counted_as_a_list_is():
    share0, step = Fraction(10, 3), Fraction(1, 7)
    steps = _steps(share0, step, 5, 10, None)
    made = [share0 + (5 + i) * step for i in range(10)]
    assert len(steps) == 10
    assert list(steps) == made
    assert steps[-1] == made[-1]
    assert steps[2:4] == made[2:4]
    with pytest.raises(IndexError):
        steps[10]
    assert list(_steps(share0, step, 5, 10, 7)) == made[:3]  # none beyond step 7
    assert not _steps(share0, step, 9, 10, 7)
    election, inp = _input("France_Toulouse_2024")
    counter = Counter(inp, lambda share: run(inp, share))
    start = Fraction(election.budget, inp.n_voters) + 300
    counter.ahead(_steps(start, Fraction(1), 0, 10, None))
    assert set(counter.kept) == {start + k for k in range(10)}


def test_a_too_close_call_side_by_side_is_left_to_the_exact_run():
    # At a share of 1, project 0's supporters have exactly its cost: floats cannot be sure.
    projects = [Project("0", 3), Project("1", 100)]
    ballots = [Ballot(("0",)), Ballot(("0",)), Ballot(("0", "1"))]
    election = Election(projects=projects, budget=3, ballots=ballots)
    inp = build_input(election, False, tie_ranks(projects, "id"))
    counter = Counter(inp, lambda share: run(inp, share))
    shares = [Fraction(1) + Fraction(k, 2) for k in range(8)]
    found = run_batch(counter.quick, shares)
    assert found[0] is None
    counter.ahead(shares)
    for share in shares:
        assert counter(share).selected == run(inp, share).selected


def _disjoint_election(seed: int) -> Election:
    """Each ballot supports one project that costs something, and maybe some that cost
    nothing; some costs have decimals."""
    rng = random.Random(seed)
    costs = [
        rng.choice([0, 0, *range(1, 9)]) * 1000 + rng.choice([0, Fraction(1, 4)]) for _ in range(9)
    ]
    projects = [Project(str(j), cost) for j, cost in enumerate(costs)]
    free = [p.id for p in projects if p.cost == 0]
    priced = [p.id for p in projects if p.cost > 0]
    ballots = []
    for _ in range(rng.randint(5, 60)):
        chosen = {rng.choice(priced)} | set(rng.sample(free, min(len(free), rng.randint(0, 2))))
        ballots.append(Ballot(tuple(sorted(chosen))))
    return Election(projects=projects, budget=rng.randint(1, 30) * 1000, ballots=ballots)


@pytest.mark.parametrize("seed", range(30))
def test_a_direct_run_for_disjoint_supports_is_the_run(seed):
    election = _disjoint_election(seed)
    inp = build_input(election, False, tie_ranks(election.projects, "id"))
    assert supports_are_disjoint(inp)
    for share in (Fraction(election.budget, inp.n_voters), Fraction(1500), Fraction(7, 3)):
        direct = disjoint_run(inp, share, explain=True)
        exact = run(inp, share, explain=True)
        assert direct.selected == exact.selected
        assert direct.rhos == exact.rhos
        assert direct.bought == exact.bought
        assert direct.money_at_end == exact.money_at_end


@pytest.mark.parametrize(
    "name", ["Poland_Wroclaw_2016_Rejon_nr_10_750", "Poland_Zabrze_2020_Mikulczyce"]
)
def test_a_direct_run_on_choose_one_ballots_is_the_run(name):
    election, inp = _input(name)
    assert supports_are_disjoint(inp)
    for extra in (0, 5, 25):
        share = Fraction(election.budget, inp.n_voters) + extra
        direct = disjoint_run(inp, share, explain=True)
        exact = run(inp, share, explain=True)
        assert (direct.selected, direct.rhos, direct.bought, direct.money_at_end) == (
            exact.selected,
            exact.rhos,
            exact.bought,
            exact.money_at_end,
        )


def test_approval_supports_that_overlap_are_not_disjoint():
    _, inp = _input("Switzerland_Zurich_S5")
    assert not supports_are_disjoint(inp)
    with pytest.raises(ValueError, match="satisfaction by cost"):
        disjoint_run(build_input(_disjoint_election(1), True, [0] * 9), 1)


@pytest.mark.parametrize(
    ("high", "base"),
    # A table; numpy's sort; two radix sorts (also at their largest, and with no keys).
    [(1, 5), (3, 100), (1, 1 << 20), (1 << 12, 1 << 20), (5_000, 4_000), (1 << 16, 1 << 16)],
)
@pytest.mark.parametrize("size", [0, 1, 2000])
def test_joined_envelopes_number_their_classes_as_unique_does(high, base, size):
    rng = np.random.default_rng(high + base + size)
    # Pairs of classes, as joining two envelopes makes them: many keys the same.
    keys = rng.integers(0, high, size) * base + rng.integers(0, base, size) % 97
    values, which = _distinct(keys, high * base, base)
    want_values, want_which = np.unique(keys, return_inverse=True)
    assert values.tolist() == want_values.tolist()
    assert which.reshape(-1).tolist() == want_which.reshape(-1).tolist()
