"""Explanations, money formatting and the seeded lottery that breaks ties."""

from __future__ import annotations

import hashlib
from fractions import Fraction

import pytest

from voting.rules import (
    RANKED_RULES,
    RULES,
    Ballot,
    Election,
    Lottery,
    Project,
    count,
    plain_amount,
    pounds_from_pence,
    tie_order,
)


def approvals(*ballots: str) -> list[Ballot]:
    return [Ballot.approval(list(b)) for b in ballots]


def test_greedy_explains_what_did_not_fit() -> None:
    election = Election(
        [Project("A", 6000), Project("B", 5000), Project("C", 3000)],
        10000,
        approvals("AB", "AB", "A", "C"),
    )
    outcome = count(election, "greedy_votes", money=pounds_from_pence)
    assert outcome.selected == ("A", "C")
    assert outcome.total_cost == 9000
    a, b, c = outcome.explanations
    assert a.selected
    assert a.votes == 3
    assert a.money_left == 10000
    assert a.round == 1
    assert a.reason == (
        "Selected: 3 people voted for it and it fitted in the money left "
        "(£60.00 needed, £100.00 left)."
    )
    assert not b.selected
    assert b.cost == 5000
    assert b.money_left == 4000
    assert b.votes == 2
    assert "did not fit in the money left" in b.reason
    assert "it cost £50.00 but only £40.00 was left" in b.reason
    assert c.selected
    assert c.round == 2
    assert c.money_left == 4000


def test_equal_shares_explains_with_the_supporters_money() -> None:
    # Four voters share 100: 25 each. X's three supporters have 75 and pay 20 each; Y's one
    # supporter has 25, short of 40; afterwards Z's two supporters have 5 each, short of 30.
    election = Election(
        [Project("X", 60), Project("Y", 40), Project("Z", 30)],
        100,
        approvals("XZ", "XZ", "X", "Y"),
    )
    outcome = count(election, "mes_cost")
    assert outcome.selected == ("X",)
    assert outcome.voter_budget == 25
    x = outcome.explanation("X")
    assert x.selected
    assert x.supporters_money == 75
    assert x.share == 20
    assert x.round == 1
    assert x.reason == (
        "Selected: its supporters had 75 left between them and it cost 60, so they could buy "
        "it; each of them paid at most 20."
    )
    y = outcome.explanation("Y")
    assert not y.selected
    assert y.supporters_money == 25
    assert y.cost == 40
    assert y.reason == "Not selected: its supporters had 25 left between them and it cost 40."
    z = outcome.explanation("Z")
    assert z.supporters_money == 10
    assert "its supporters had 10 left between them and it cost 30" in z.reason


def test_equal_shares_keeps_exact_shares_and_formats_them() -> None:
    election = Election([Project("1", 100), Project("2", 100)], 100, approvals("1", "1", "12"))
    outcome = count(election, "mes_cost", money=pounds_from_pence)
    one = outcome.explanation("1")
    assert one.share == Fraction(100, 3)
    assert "each of them paid at most £0.33" in one.reason
    two = outcome.explanation("2")
    assert two.supporters_money == Fraction(0)
    assert "its supporters had £0.00 left between them and it cost £1.00" in two.reason


def test_top_up_and_phragmen_explanations() -> None:
    election = Election(
        [Project("1", 50), Project("2", 40), Project("3", 30)],
        100,
        approvals("1", "1", "2", "3", "12"),
    )
    topped = count(election, "mes_cost_add1_greedy")
    assert topped.total_cost <= 100
    for note in topped.explanations:
        assert note.reason.startswith(("Selected", "Not selected"))
        assert note.stage in ("main", "top-up")
    phragmen = count(election, "phragmen")
    first = phragmen.explanation(phragmen.selected[0])
    assert first.load is not None
    assert first.round == 1
    assert "none of them had paid more than" in first.reason


def test_money_formatters() -> None:
    assert pounds_from_pence(123456) == "£1,234.56"
    assert pounds_from_pence(Fraction(1999, 10)) == "£1.99"
    assert pounds_from_pence(-5) == "-£0.05"
    assert plain_amount(1234) == "1,234"
    assert plain_amount(Fraction(253264583, 100)) == "2,532,645.83"
    assert plain_amount(Fraction(1, 3)) == "0.33"
    assert plain_amount(Fraction(12, 1)) == "12"
    assert plain_amount(-1234) == "-1,234"


def test_lottery_is_published_and_reproducible() -> None:
    ids = [str(i) for i in range(1, 21)]
    lottery = Lottery(2025)
    assert lottery.order(ids) == Lottery("2025").order(ids)
    assert sorted(lottery.order(ids)) == sorted(ids)
    # Anyone can recompute a ticket with a SHA-256 tool.
    assert lottery.ticket("7") == hashlib.sha256(b"2025:7").hexdigest()
    assert lottery.order(ids)[0] == min(
        ids, key=lambda i: hashlib.sha256(f"2025:{i}".encode()).hexdigest()
    )
    orders = {tuple(Lottery(seed).order(ids)) for seed in range(5)}
    assert len(orders) > 1
    assert tie_order(ids, "id")["10"] < tie_order(ids, "id")["9"]
    with pytest.raises(ValueError, match="tie_break"):
        tie_order(ids, "random")  # type: ignore[arg-type]


@pytest.mark.parametrize("rule", RULES)
def test_lottery_breaks_ties_in_every_rule(rule: str) -> None:
    # Two projects with the same cost and the same supporters: only one fits.
    ids = [str(i) for i in range(1, 9)]
    projects = [Project(pid, 10) for pid in ids]
    election = Election(projects, 10, [Ballot.with_points(dict.fromkeys(ids, 1))] * 3, "cumulative")
    if rule in RANKED_RULES:
        # Rankings that treat every project alike: each voter starts at a different one.
        orders = [ids[k:] + ids[:k] for k in range(len(ids))]
        election = Election(projects, 10, [Ballot.ranked(o) for o in orders], "ordinal")
    for seed in range(6):
        lottery = Lottery(seed)
        outcome = count(election, rule, tie_break=lottery)
        again = count(election, rule, tie_break=Lottery(seed))
        assert outcome.selected == again.selected
        assert outcome.selected == (lottery.order(ids)[0],)
        assert "lottery" in outcome.tie_break
    assert count(election, rule).selected == ("1",)


def test_ballots_must_name_known_projects() -> None:
    election = Election([Project("1", 5)], 10, approvals("12"))
    with pytest.raises(ValueError, match="not in the election: 2"):
        count(election, "greedy_votes")
    with pytest.raises(ValueError, match="unknown rule"):
        count(election, "borda")
    ranked = Election([Project("1", 5)], 10, [Ballot.ranked(["1"])], "ordinal")
    with pytest.raises(ValueError, match="rankings"):
        count(ranked, "mes_points")
