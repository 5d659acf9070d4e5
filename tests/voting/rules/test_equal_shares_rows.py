"""Paying for a project in the completions' proofs with numpy arrays leaves exactly the bounds
that paying class by class with Python's integers leaves, so the proofs and the winners
are the same."""

from __future__ import annotations

import random

import pytest

from voting.rules import Lottery, count
from voting.rules import equal_shares_search as search
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
    loop_pay = search._Envelope.pay
    compared = 0

    def both_ways(envelope, j, counts, upper, lower):
        nonlocal compared
        other = envelope.copy()
        loop_pay(envelope, j, counts, upper, lower)
        monkeypatch.setattr(search, "paid_rows", lambda *args: None)
        loop_pay(other, j, counts, upper, lower)
        monkeypatch.setattr(search, "paid_rows", paid_rows)
        assert envelope.cols == other.cols
        assert envelope.gvid.tolist() == other.gvid.tolist()
        compared += 1

    monkeypatch.setattr(search._Envelope, "pay", both_ways)
    outcomes = [
        count(_election(seed), "mes_cost_add1", tie_break=Lottery(seed)) for seed in range(6)
    ]
    assert compared > 20  # the proofs paid for projects many times
    assert all(outcome.selected for outcome in outcomes)


def test_the_same_winners_with_and_without_arrays(monkeypatch):
    election = _election(11)
    quick = count(election, "mes_cost_add1_greedy", tie_break=Lottery("2026"))
    monkeypatch.setattr(search, "paid_rows", lambda *args: None)
    slow = count(election, "mes_cost_add1_greedy", tie_break=Lottery("2026"))
    assert quick == slow


@pytest.mark.parametrize("big", [1 << 30, -(1 << 31), 10**40])
def test_numbers_too_large_for_64_bits_are_left_to_python(big):
    current = [[big, 0], [5, 0], [5, 0], [5, 0]]
    assert paid_rows([0, 0], current, [(1, 1, 0, 0)], 2, 1) is None
    assert paid_rows([0], [[5], [5], [5], [5]], [(big, 1, 0, 0)], 2, 1) is None


def test_classes_left_alike_share_one_new_class_and_empty_ones_the_zero_class():
    # Four classes: two left with the same bounds, one with nothing, one paying all it has.
    current = [[10, 10, 2, 8], [12, 12, 2, 9], [10, 10, 2, 8], [12, 12, 2, 9]]
    pay = [(4, 4, 2, 2), (None, None, 0, 0)]
    found = paid_rows([0, 0, 0, 1], current, pay, 7, 1)
    assert found == ([7, 7, 1, 8], [[6, 0], [8, 0], [8, 8], [10, 9]])


def test_a_class_that_may_or_may_not_afford_its_part_keeps_a_bound_under_both():
    # At the start it has 1 more than it pays, at the end 3 less: its lower bound becomes a
    # line under both (0 at the start, -1 at the end, rounded down), as paying class by
    # class with Python's integers gives.
    found = paid_rows([0], [[5], [7], [9], [9]], [(4, 10, 0, 0)], 2, 1)
    assert found == ([2], [[0], [-1], [9], [9]])
