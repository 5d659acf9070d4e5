"""Paying for a project in the completions' proofs with numpy arrays leaves exactly the bounds
that paying class by class with Python's integers leaves, so the proofs and the winners
are the same."""

from __future__ import annotations

import random
from fractions import Fraction

import numpy as np
import pytest

from voting.rules import Lottery, count
from voting.rules import equal_shares_envelope as envelopes
from voting.rules.equal_shares import build_input
from voting.rules.equal_shares_rows import paid_rows
from voting.rules.model import Ballot, Election, Project


def _election(seed: int) -> Election:
    rng = random.Random(seed)
    projects = [Project(str(n), rng.randint(5, 60) * 1_000) for n in range(12)]
    weights = [1 / (1 + n) for n in range(12)]
    ballots = [
        Ballot.approval(sorted(set(rng.choices([p.id for p in projects], weights, k=3))))
        for _ in range(400)
    ]
    return Election(projects=projects, budget=150_000, ballots=ballots)


def test_arrays_and_python_integers_leave_the_same_bounds(monkeypatch):
    loop_pay = envelopes.Envelope.pay
    compared = 0

    def both_ways(envelope, j, counts, upper, lower):
        nonlocal compared
        other = envelope.copy()
        loop_pay(envelope, j, counts, upper, lower)
        monkeypatch.setattr(envelopes, "paid_rows", lambda *args: None)
        loop_pay(other, j, counts, upper, lower)
        monkeypatch.setattr(envelopes, "paid_rows", paid_rows)
        assert envelope.size == other.size
        in_use = envelope.cols[:, : envelope.size].tolist()
        assert in_use == other.cols[:, : other.size].tolist()
        assert envelope.gvid.tolist() == other.gvid.tolist()
        compared += 1

    monkeypatch.setattr(envelopes.Envelope, "pay", both_ways)
    outcomes = [
        count(_election(seed), "mes_cost_add1", tie_break=Lottery(seed)) for seed in range(6)
    ]
    assert compared > 20  # the proofs paid for projects many times
    assert all(outcome.selected for outcome in outcomes)


def test_the_same_winners_with_and_without_arrays(monkeypatch):
    election = _election(11)
    quick = count(election, "mes_cost_add1_greedy", tie_break=Lottery("2026"))
    monkeypatch.setattr(envelopes, "paid_rows", lambda *args: None)
    slow = count(election, "mes_cost_add1_greedy", tie_break=Lottery("2026"))
    assert quick == slow


def test_the_same_winners_with_bounds_held_as_python_integers(monkeypatch):
    # Elections with amounts too large for 64-bit sums keep the bounds as Python's integers.
    election = _election(5)
    quick = count(election, "mes_cost_add1", tie_break=Lottery("bounds"))
    monkeypatch.setattr(envelopes, "_dtype", lambda *args: object)
    slow = count(election, "mes_cost_add1", tie_break=Lottery("bounds"))
    assert quick == slow


def _one_project(rng, by_points, highest_cost, rows):
    """An election of ``n`` ballots for project "a" (0) and an envelope over it in which every
    group of ballots is a class of its own, with money from 0 to 30 in ``rows``."""
    n = rng.randint(1, 12)
    projects = [Project("a", rng.randint(1, highest_cost)), Project("b", 5)]
    ballots = [
        Ballot.with_points({"a": rng.randint(1, 4)}) if by_points else Ballot.approval(["a"])
        for _ in range(n)
    ]
    election = Election(projects=projects, budget=100, ballots=ballots)
    inp = build_input(election, by_points, [0, 1])
    envelope = envelopes.Envelope(inp, Fraction(3), Fraction(1), 4)
    envelope.gvid[:] = np.arange(inp.n_groups) + 2
    envelope.size = inp.n_groups + 2
    envelope.cols = np.zeros((4, envelope.size), dtype=np.int64)
    for row in rows:
        envelope.cols[row, 2:] = [rng.randint(0, 30) for _ in range(inp.n_groups)]
    return n, inp, envelope


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("by_points", [False, True])
def test_who_pays_all_they_have_is_found_without_sorting_as_by_sorting(seed, by_points):
    rng = random.Random(seed)
    n, inp, envelope = _one_project(rng, by_points, 90, rows=(0,))
    _, voters, bucket_of, cols = envelope.counts(0)
    cost = rng.randint(1, 30 * n)
    values = cols[0]
    expected = inp.pays_all(0, cost, values.tolist(), voters.tolist(), bucket_of.tolist())
    order, capped, paid, den = expected
    poor, found_paid, found_den = envelope._pays_all(0, cost, values, voters, bucket_of)
    assert sorted(poor.tolist()) == sorted(order[:capped])
    assert (found_paid, found_den) == (paid, den)


@pytest.mark.parametrize("big", [1 << 62, -(1 << 62), 10**40])
def test_numbers_too_large_for_64_bits_are_left_to_python(big):
    current = [[big, 0], [5, 0], [5, 0], [5, 0]]
    assert paid_rows([0, 0], current, [(1, 1, 0, 0)], 2, 1) is None
    assert paid_rows([0], [[5], [5], [5], [5]], [(big, 1, 0, 0)], 2, 1) is None


def test_classes_left_with_money_get_new_classes_in_order_and_empty_ones_the_zero_class():
    # Four classes: two left with the same bounds (each keeps a class of its own), one with
    # nothing, one paying all it has at the lower bounds.
    current = [[10, 10, 2, 8], [12, 12, 2, 9], [10, 10, 2, 8], [12, 12, 2, 9]]
    pay = [(4, 4, 2, 2), (None, None, 0, 0)]
    found = paid_rows([0, 0, 0, 1], current, pay, 7, 1)
    assert found is not None
    assert (found[0].tolist(), found[1].tolist()) == (
        [7, 8, 1, 9],
        [[6, 6, 0], [8, 8, 0], [8, 8, 8], [10, 10, 9]],
    )


def test_a_class_that_may_or_may_not_afford_its_part_keeps_a_bound_under_both():
    # At the start it has 1 more than it pays, at the end 3 less: its lower bound becomes a
    # line under both (0 at the start, -1 at the end, rounded down), as paying class by
    # class with Python's integers gives.
    found = paid_rows([0], [[5], [7], [9], [9]], [(4, 10, 0, 0)], 2, 1)
    assert found is not None
    assert (found[0].tolist(), found[1].tolist()) == ([2], [[0], [-1], [9], [9]])


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("by_points", [False, True])
def test_a_project_is_out_of_reach_exactly_when_neither_upper_bound_affords_it(seed, by_points):
    # The proofs skip sorting a project's supporters into classes where even the most money
    # they may have, at either end of the interval, falls short: the same answer as pricing
    # it from its classes at both ends.
    _, _, envelope = _one_project(random.Random(seed), by_points, 200, rows=(2, 3))
    envelope.scale = 1  # whole units, so that the cost is the project's cost
    counts = envelope.counts(0)
    priced = [envelope.price(0, counts, col, True) for col in (2, 3)]
    assert envelope.out_of_reach(0, envelope.classes_of(0)) == (priced == [None, None])
