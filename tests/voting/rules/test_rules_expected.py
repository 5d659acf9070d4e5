"""The counting rules give the reference outcomes on real Pabulib elections.

``expected/<instance>.json`` holds, for each rule, what pabutools 1.2.3 selected (see the
data set's README). Every (instance, rule) the reference finished is checked for the exact
selection order. The (instance, rule) pairs the reference could not finish are in
test_rules_unfinished.py.
"""

from __future__ import annotations

import functools
import json

import pytest

from tests.pabulib_data import DATA, cases
from voting.rules import Election, as_number, count, read_pabulib

pytestmark = pytest.mark.pabulib


def _cases(finished: bool) -> list:
    if not (DATA / "expected").is_dir():
        return []
    files = sorted(
        (DATA / "expected").glob("*.json"), key=lambda p: (DATA / f"{p.stem}.pb").stat().st_size
    )
    cases = []
    for path in files:
        expected = json.loads(path.read_text(encoding="utf-8"))
        instance = expected["instance"]
        for rule, result in expected["rules"].items():
            if (result["status"] == "ok") == finished:
                cases.append(pytest.param(instance, rule, result, id=f"{instance}-{rule}"))
    return cases


@functools.lru_cache(maxsize=1)
def _election(instance: str) -> Election:
    return read_pabulib(str(DATA / f"{instance}.pb"))


@pytest.mark.slow
@pytest.mark.parametrize(("instance", "rule", "expected"), cases(_cases(finished=True), 3))
def test_rule_matches_reference(instance: str, rule: str, expected: dict) -> None:
    outcome = count(_election(instance), rule)
    want = expected["winners_in_selection_order"]
    if rule == "phragmen":
        # pabutools' sequential_phragmen sorts its outcome by project id before returning it,
        # so the reference's "selection order" is id order; ours is the order of purchase
        # (checked against pabutools' internal order in test_rules_properties.py).
        assert want == sorted(want)
        assert sorted(outcome.selected) == want
    else:
        assert list(outcome.selected) == want
    assert outcome.total_cost == as_number(expected["total_cost"])
