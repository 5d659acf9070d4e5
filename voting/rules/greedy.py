"""Greedy counting: the most-supported projects first, while the money lasts.

Projects are taken in order of their number of votes (``greedy_votes``) or total points
(``greedy_points``), highest first, ties broken by the tie-breaking order. Each project is
funded if it fits in the money left; a project that does not fit is skipped and the next one
is tried. Projects nobody supported come last and are funded too if money is left over.
"""

from __future__ import annotations

from collections.abc import Sequence

from voting.rules.ballots import approval_view, points_view
from voting.rules.model import (
    Election,
    Explanation,
    MoneyFormat,
    Number,
    Outcome,
    TieBreak,
    outcome_of,
    plain_amount,
    tie_ranks,
)


def people(n: int) -> str:
    """``1 person``, ``2 people``."""
    return f"{n:,} person" if n == 1 else f"{n:,} people"


def _points_words(points: Number) -> str:
    text = f"{points:,}" if isinstance(points, int) else str(points)
    return f"{text} point" if points == 1 else f"{text} points"


def greedy_fill(
    election: Election,
    scores: Sequence[Number],
    votes: Sequence[int],
    rank: Sequence[int],
    initial: Sequence[int],
    money: MoneyFormat,
    *,
    by_points: bool,
    stage: str,
) -> tuple[list[int], dict[int, Explanation]]:
    """Fund projects in order of ``scores`` (highest first) while they fit.

    ``initial`` are projects already funded (their cost is taken off the budget first).
    Returns the newly funded project indices, in order, and an explanation for every project
    that was considered.
    """
    projects = election.projects
    chosen = set(initial)
    left = election.budget - sum(projects[j].cost for j in initial)
    density = [s if (s > 0 and projects[j].cost > 0) else 0 for j, s in enumerate(scores)]
    order = sorted(
        (j for j in range(len(projects)) if j not in chosen),
        key=lambda j: (-density[j], rank[j]),
    )
    funded: list[int] = []
    notes: dict[int, Explanation] = {}
    first_round = len(initial) + 1
    top_up = stage == "top-up"
    for j in order:
        project = projects[j]
        cost = project.cost
        support = _points_words(scores[j]) if by_points else people(votes[j]) + " voted for it"
        if by_points:
            support = f"it got {support}"
        if cost <= left:
            if density[j] > 0:
                reason = f"{support} and it fitted in the money left"
            elif votes[j] == 0:
                reason = "nobody voted for it, but it fitted in the money left at the end"
            else:
                reason = f"{support}; it fitted in the money left at the end"
            prefix = "Selected in the top-up" if top_up else "Selected"
            notes[j] = Explanation(
                project.id,
                True,
                f"{prefix}: {reason} ({money(cost)} needed, {money(left)} left).",
                cost,
                votes=votes[j],
                points=scores[j] if by_points else None,
                money_left=left,
                round=first_round + len(funded),
                stage=stage,
            )
            funded.append(j)
            left -= cost
        else:
            notes[j] = Explanation(
                project.id,
                False,
                f"Not selected: it did not fit in the money left: it cost {money(cost)} "
                f"but only {money(left)} was left ({support}).",
                cost,
                votes=votes[j],
                points=scores[j] if by_points else None,
                money_left=left,
                stage=stage,
            )
    return funded, notes


def greedy(
    election: Election,
    *,
    by_points: bool = False,
    tie_break: TieBreak = "id",
    money: MoneyFormat = plain_amount,
) -> Outcome:
    """Greedy count by votes (``by_points=False``) or by total points (``by_points=True``).

    Matches pabutools' ``greedy_utilitarian_welfare`` with ``Cost_Sat`` (by votes) or with a
    satisfaction of points times cost (by points).
    """
    rank = tie_ranks(election.projects, tie_break)
    if by_points:
        pview = points_view(election)
        scores: Sequence[Number] = pview.totals
        votes = pview.votes
    else:
        view = approval_view(election)
        scores = view.votes
        votes = view.votes
    funded, notes = greedy_fill(
        election, scores, votes, rank, [], money, by_points=by_points, stage="main"
    )
    rule = "greedy_points" if by_points else "greedy_votes"
    return outcome_of(rule, election, funded, notes, tie_break)
