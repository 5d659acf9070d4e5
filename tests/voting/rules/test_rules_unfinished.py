"""Where the reference (pabutools 1.2.3) ran out of memory or time, our rules still finish.

``expected/<instance>.json`` marks these (instance, rule) pairs with a status other than "ok"
(the reference's Equal Shares with budget increments, on forint budgets and on the largest
files). Our outcome must be a feasible selection, found within the reference's own time limit
(600 seconds), from a voters' share no smaller than plain Equal Shares gives them.
"""

from __future__ import annotations

import functools
import json
import os
import time
from pathlib import Path

import pytest

from voting.rules import Election, count, read_pabulib

ROOT = Path(__file__).resolve().parents[3]
DATA = Path(os.environ.get("PABULIB_DIR", ROOT.parent / "shared" / "data" / "pabulib"))


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


@pytest.mark.slow
@pytest.mark.parametrize(("instance", "rule"), _cases())
def test_rule_finishes_where_reference_did_not(instance: str, rule: str) -> None:
    election = _election(instance)
    started = time.perf_counter()
    outcome = count(election, rule)
    elapsed = time.perf_counter() - started
    assert len(set(outcome.selected)) == len(outcome.selected)
    assert outcome.total_cost == sum(election.project(p).cost for p in outcome.selected)
    assert outcome.total_cost <= election.budget
    plain = count(election, "mes_cost")
    # Raising the voters' share never runs fewer than one plain Equal Shares count.
    assert outcome.voter_budget is not None
    assert outcome.voter_budget >= plain.voter_budget
    assert elapsed < 600, f"{rule} on {instance} took {elapsed:.0f} s"
