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
from voting.rules.reasons import N_, Nn_, reason


def people(n: int) -> str:
    """``1 person``, ``2 people``."""
    return f"{n:,} person" if n == 1 else f"{n:,} people"


# Why a project was selected, by stage and by what it had: "votes" and "points" when it was
# supported, "nobody" when nobody voted for it, "votes-end" and "points-end" when it had
# votes (or points) but came at the end because it costs nothing or got no points.
_SELECTED: dict[tuple[bool, str], str | tuple[str, str]] = {
    (False, "votes"): Nn_(
        "Selected: %(num)s person voted for it and it fitted in the money left "
        "(%(cost)s needed, %(left)s left).",
        "Selected: %(num)s people voted for it and it fitted in the money left "
        "(%(cost)s needed, %(left)s left).",
    ),
    (False, "points"): Nn_(
        "Selected: it got %(num)s point and it fitted in the money left "
        "(%(cost)s needed, %(left)s left).",
        "Selected: it got %(num)s points and it fitted in the money left "
        "(%(cost)s needed, %(left)s left).",
    ),
    (False, "nobody"): N_(
        "Selected: nobody voted for it, but it fitted in the money left at the end "
        "(%(cost)s needed, %(left)s left)."
    ),
    (False, "votes-end"): Nn_(
        "Selected: %(num)s person voted for it; it fitted in the money left at the end "
        "(%(cost)s needed, %(left)s left).",
        "Selected: %(num)s people voted for it; it fitted in the money left at the end "
        "(%(cost)s needed, %(left)s left).",
    ),
    (False, "points-end"): Nn_(
        "Selected: it got %(num)s point; it fitted in the money left at the end "
        "(%(cost)s needed, %(left)s left).",
        "Selected: it got %(num)s points; it fitted in the money left at the end "
        "(%(cost)s needed, %(left)s left).",
    ),
    (True, "votes"): Nn_(
        "Selected in the top-up: %(num)s person voted for it and it fitted in the money "
        "left (%(cost)s needed, %(left)s left).",
        "Selected in the top-up: %(num)s people voted for it and it fitted in the money "
        "left (%(cost)s needed, %(left)s left).",
    ),
    (True, "points"): Nn_(
        "Selected in the top-up: it got %(num)s point and it fitted in the money left "
        "(%(cost)s needed, %(left)s left).",
        "Selected in the top-up: it got %(num)s points and it fitted in the money left "
        "(%(cost)s needed, %(left)s left).",
    ),
    (True, "nobody"): N_(
        "Selected in the top-up: nobody voted for it, but it fitted in the money left at the "
        "end (%(cost)s needed, %(left)s left)."
    ),
    (True, "votes-end"): Nn_(
        "Selected in the top-up: %(num)s person voted for it; it fitted in the money left "
        "at the end (%(cost)s needed, %(left)s left).",
        "Selected in the top-up: %(num)s people voted for it; it fitted in the money left "
        "at the end (%(cost)s needed, %(left)s left).",
    ),
    (True, "points-end"): Nn_(
        "Selected in the top-up: it got %(num)s point; it fitted in the money left at the "
        "end (%(cost)s needed, %(left)s left).",
        "Selected in the top-up: it got %(num)s points; it fitted in the money left at the "
        "end (%(cost)s needed, %(left)s left).",
    ),
}
_NOT_FITTED: dict[str, tuple[str, str]] = {
    "votes": Nn_(
        "Not selected: it did not fit in the money left: it cost %(cost)s but only %(left)s "
        "was left (%(num)s person voted for it).",
        "Not selected: it did not fit in the money left: it cost %(cost)s but only %(left)s "
        "was left (%(num)s people voted for it).",
    ),
    "points": Nn_(
        "Not selected: it did not fit in the money left: it cost %(cost)s but only %(left)s "
        "was left (it got %(num)s point).",
        "Not selected: it did not fit in the money left: it cost %(cost)s but only %(left)s "
        "was left (it got %(num)s points).",
    ),
}


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
        kind = "points" if by_points else "votes"
        num = scores[j] if by_points else votes[j]
        amounts = {"cost": cost, "left": left}
        if cost <= left:
            if density[j] > 0:
                why = reason(_SELECTED[top_up, kind], amounts, num=num)
            elif votes[j] == 0:
                why = reason(_SELECTED[top_up, "nobody"], amounts)
            else:
                why = reason(_SELECTED[top_up, kind + "-end"], amounts, num=num)
            notes[j] = Explanation(
                project.id,
                True,
                cost,
                votes=votes[j],
                points=scores[j] if by_points else None,
                money_left=left,
                round=first_round + len(funded),
                stage=stage,
                why=(why,),
                money=money,
            )
            funded.append(j)
            left -= cost
        else:
            why = reason(_NOT_FITTED[kind], amounts, num=num)
            notes[j] = Explanation(
                project.id,
                False,
                cost,
                votes=votes[j],
                points=scores[j] if by_points else None,
                money_left=left,
                stage=stage,
                why=(why,),
                money=money,
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
