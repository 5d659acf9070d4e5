"""Where the reference (pabutools 1.2.3) ran out of memory or time, our rules still finish.

``expected/<instance>.json`` marks these (instance, rule) pairs with a status other than "ok"
(the reference's Equal Shares with budget increments, on forint budgets and on the largest
files). Our outcome must be a feasible selection, from a voters' share no smaller than plain
Equal Shares gives them, at which the raising stops by the reference's own rule: what is
left fits no other project, or one more step would cost more than the budget. (How fast this
is, next to the reference, is shown by ``make bench``.)
"""

from __future__ import annotations

import functools
import json
from dataclasses import replace
from fractions import Fraction

import pytest

from tests.pabulib_data import DATA, cases
from voting.rules import Election, count, read_pabulib

pytestmark = pytest.mark.pabulib


def _cases() -> list:
    if not (DATA / "expected").is_dir():
        return []
    cases = []
    for path in sorted((DATA / "expected").glob("*.json")):
        expected = json.loads(path.read_text(encoding="utf-8"))
        for rule, result in expected["rules"].items():
            if result["status"] != "ok":
                instance = expected["instance"]
                cases.append(pytest.param(instance, rule, id=f"{instance}-{rule}"))
    return cases


@functools.lru_cache(maxsize=1)
def _election(instance: str) -> Election:
    return read_pabulib(str(DATA / f"{instance}.pb"))


def _plain_at(election: Election, share: Fraction, voters: int) -> tuple[str, ...]:
    """Plain Equal Shares with ``share`` for each voter."""
    return count(replace(election, budget=share * voters), "mes_cost").selected


@pytest.mark.slow
@pytest.mark.parametrize(("instance", "rule"), cases(_cases(), 2))
def test_rule_finishes_where_reference_did_not(instance: str, rule: str) -> None:
    election = _election(instance)
    outcome = count(election, rule)
    assert len(set(outcome.selected)) == len(outcome.selected)
    assert outcome.total_cost == sum(election.project(p).cost for p in outcome.selected)
    assert outcome.total_cost <= election.budget
    plain = count(election, "mes_cost")
    # Raising the voters' share never runs fewer than one plain Equal Shares count.
    assert outcome.voter_budget is not None
    assert plain.voter_budget is not None
    assert outcome.voter_budget >= plain.voter_budget

    # The raising stopped where the reference would: nothing else fits, or one more step
    # would overspend.
    voters = election.budget / plain.voter_budget
    assert voters == len(election.ballots)
    chosen = set(outcome.selected)
    left = election.budget - outcome.total_cost
    if rule.endswith("budget_increase"):
        step = Fraction(election.budget, 100 * len(election.ballots))
        others = [p for p in election.projects if p.id not in chosen]
    else:
        step = Fraction(1)
        others = [
            n for n in outcome.explanations if n.project_id not in chosen and n.votes and n.cost
        ]
    nothing_fits = all(other.cost > left for other in others)
    if not nothing_fits:
        after = _plain_at(election, outcome.voter_budget + step, len(election.ballots))
        assert sum(election.project(p).cost for p in after) > election.budget
