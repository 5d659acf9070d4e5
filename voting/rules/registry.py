"""The counting rules by name, and counting a Pabulib file."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from voting.rules.greedy import greedy
from voting.rules.model import (
    Election,
    MoneyFormat,
    Number,
    Outcome,
    TieBreak,
    plain_amount,
)
from voting.rules.pabulib import format_number, read_pabulib
from voting.rules.phragmen import phragmen
from voting.rules.ranked import greedy_rank_points, mes_rank_points

_Rule = Callable[[Election, TieBreak, MoneyFormat], Outcome]


def _mes(by_points: bool, completion: str | None, name: str) -> _Rule:
    def rule(election: Election, tie_break: TieBreak, money: MoneyFormat) -> Outcome:
        # Equal Shares counts in numpy arrays: loaded when a vote is counted, not at start-up.
        from voting.rules.equal_shares import equal_shares

        return equal_shares(
            election,
            by_points=by_points,
            completion=completion,
            tie_break=tie_break,
            money=money,
            rule_name=name,
        )

    return rule


def _greedy(by_points: bool) -> _Rule:
    def rule(election: Election, tie_break: TieBreak, money: MoneyFormat) -> Outcome:
        return greedy(election, by_points=by_points, tie_break=tie_break, money=money)

    return rule


def _greedy_ranked(election: Election, tie_break: TieBreak, money: MoneyFormat) -> Outcome:
    return greedy_rank_points(election, tie_break=tie_break, money=money)


def _mes_ranked(election: Election, tie_break: TieBreak, money: MoneyFormat) -> Outcome:
    return mes_rank_points(election, tie_break=tie_break, money=money)


def _phragmen(election: Election, tie_break: TieBreak, money: MoneyFormat) -> Outcome:
    return phragmen(election, tie_break=tie_break, money=money)


_RULES: dict[str, tuple[_Rule, str]] = {
    "greedy_votes": (
        _greedy(False),
        "Greedy by votes: the projects with the most votes first, skipping any that do not "
        "fit in the money left.",
    ),
    "greedy_points": (
        _greedy(True),
        "Greedy by points: the projects with the most points first, skipping any that do not "
        "fit in the money left.",
    ),
    "mes_cost": (
        _mes(False, None, "mes_cost"),
        "Method of Equal Shares: every voter gets an equal share of the budget; a project is "
        "bought when its supporters can pay for it together.",
    ),
    "mes_points": (
        _mes(True, None, "mes_points"),
        "Method of Equal Shares weighing each supporter by the points they gave.",
    ),
    "mes_cost_add1": (
        _mes(False, "add1", "mes_cost_add1"),
        "Method of Equal Shares, raising every voter's share one unit at a time until no "
        "more supported projects fit.",
    ),
    "mes_cost_add1_greedy": (
        _mes(False, "add1_greedy", "mes_cost_add1_greedy"),
        "Method of Equal Shares with raised shares, then money left over goes greedily by votes.",
    ),
    "mes_points_add1": (
        _mes(True, "add1", "mes_points_add1"),
        "Method of Equal Shares by points, raising every voter's share one unit at a time.",
    ),
    "mes_points_add1_greedy": (
        _mes(True, "add1_greedy", "mes_points_add1_greedy"),
        "Method of Equal Shares by points with raised shares, then money left over goes "
        "greedily by points.",
    ),
    "mes_cost_budget_increase": (
        _mes(False, "budget_increase", "mes_cost_budget_increase"),
        "Method of Equal Shares, raising the budget 1% at a time until no more projects fit.",
    ),
    "phragmen": (
        _phragmen,
        "Sequential Phragmén: supporters share each project's cost as evenly as possible; "
        "counting stops at the first project that does not fit.",
    ),
    "greedy_rank_points": (
        _greedy_ranked,
        "Most points from rankings: a first choice gets the most points, a second choice one "
        "fewer, and so on; the projects with the most points come first, skipping any that "
        "do not fit in the money left.",
    ),
    "mes_rank_points": (
        _mes_ranked,
        "Equal Shares using rankings: every voter gets an equal share of the budget; a "
        "project is bought when the people who ranked it can pay for it together, and a "
        "higher choice counts for more.",
    ),
}

RULES: tuple[str, ...] = tuple(_RULES)
"""Names of the counting rules."""

POINTS_RULES: frozenset[str] = frozenset(
    {"greedy_points", "mes_points", "mes_points_add1", "mes_points_add1_greedy"}
)
"""Rules that count points, so need cumulative, scoring or approval ballots (not rankings)."""

RANKED_RULES: frozenset[str] = frozenset({"greedy_rank_points", "mes_rank_points"})
"""Rules that count rank points, so need ranked (ordinal) ballots."""


def describe_rule(rule: str) -> str:
    """One sentence saying how the rule decides."""
    return _rule(rule)[1]


def _rule(rule: str) -> tuple[_Rule, str]:
    try:
        return _RULES[rule]
    except KeyError:
        raise ValueError(f"unknown rule {rule!r}: choose one of {', '.join(RULES)}") from None


def count(
    election: Election,
    rule: str,
    *,
    tie_break: TieBreak = "id",
    money: MoneyFormat = plain_amount,
) -> Outcome:
    """Count ``election`` with the named rule (one of :data:`RULES`).

    ``tie_break`` is ``"id"`` (smallest project id as text wins) or a
    :class:`~voting.rules.model.Lottery`; ``money`` formats amounts in the explanations
    (for example :func:`~voting.rules.model.pounds_from_pence`).
    """
    return _rule(rule)[0](election, tie_break, money)


def amount_for_json(value: Number) -> int | str:
    """An amount as JSON-friendly data: an int, or a decimal string when it has decimals."""
    return value if isinstance(value, int) else format_number(value)


def count_file(path: str, rule: str, tie_break: TieBreak = "id") -> dict[str, Any]:
    """Count a Pabulib ``.pb`` file: ``{"rule", "selected", "total_cost"}``.

    ``selected`` lists project ids in the order the rule selected them; ``total_cost`` is an
    int, or a decimal string when costs have decimals.
    """
    _rule(rule)
    outcome = count(read_pabulib(path), rule, tie_break=tie_break)
    return {
        "rule": outcome.rule,
        "selected": list(outcome.selected),
        "total_cost": amount_for_json(outcome.total_cost),
    }
