"""Counting ranked ballots by rank points.

On a vote whose ballots rank at most ``L`` projects, a voter's first choice gets ``L``
points, the second ``L - 1``, and so on; a project the voter did not rank gets nothing. ``L``
is the vote's limit (Pabulib META ``max_length``), or the longest ballot when there is none.

Rank points are just points, so the two rules count them with the points rules:

- ``greedy_rank_points``: greedy by total rank points (pabutools'
  ``greedy_utilitarian_welfare`` with a positional satisfaction of rank points times cost);
- ``mes_rank_points``: Method of Equal Shares with rank points as each voter's satisfaction
  (pabutools' ``method_of_equal_shares`` with a positional satisfaction of rank points, no
  completion).

Each project's explanation starts with how people ranked it, in words.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from voting.rules.ballots import points_view
from voting.rules.greedy import greedy_fill, people
from voting.rules.model import (
    Ballot,
    Election,
    Explanation,
    MoneyFormat,
    Outcome,
    TieBreak,
    outcome_of,
    plain_amount,
    tie_ranks,
)

ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")


def ordinal(position: int) -> str:
    """``first``, ``second``, ... for a rank position (1 = first); ``11th`` past the words."""
    if 1 <= position <= len(ORDINALS):
        return ORDINALS[position - 1]
    suffix = (
        "th" if 10 <= position % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(position % 10, "th")
    )
    return f"{position}{suffix}"


def rank_limit(election: Election) -> int:
    """``L``: how many projects a ballot may rank (META ``max_length``, else the longest
    ballot)."""
    text = election.meta.get("max_length", "").strip()
    if text.isdigit() and int(text) > 0:
        return int(text)
    return max((len(b.projects) for b in election.ballots), default=0)


def rank_points(position: int, limit: int) -> int:
    """Points for the project at ``position`` (1 = first choice) on a vote ranking up to
    ``limit`` projects: ``limit`` for a first choice, one fewer for each place below."""
    return max(limit - position + 1, 0)


def as_rank_points(election: Election) -> Election:
    """The ranked election as a points election: each ranked project gets its rank points.

    A project ranked twice on one ballot keeps its best place.
    """
    if election.vote_type != "ordinal":
        raise ValueError(
            "this rule counts rankings, but the ballots are not ranked: use a rule for "
            f"{election.vote_type} ballots"
        )
    limit = rank_limit(election)
    cache: dict[tuple[str, ...], Ballot] = {}
    ballots: list[Ballot] = []
    for ballot in election.ballots:
        converted = cache.get(ballot.projects)
        if converted is None:
            points: dict[str, int] = {}
            for position, pid in enumerate(ballot.projects, start=1):
                if pid not in points:
                    points[pid] = rank_points(position, limit)
            converted = Ballot(tuple(points), tuple(points.values()))
            cache[ballot.projects] = converted
        ballots.append(converted)
    return Election(
        projects=election.projects,
        budget=election.budget,
        ballots=ballots,
        vote_type="scoring",
        meta=election.meta,
        project_extra=election.project_extra,
    )


def ranking_words(election: Election) -> dict[str, str]:
    """For every project, a sentence saying how people ranked it."""
    limit = rank_limit(election)
    places: dict[str, Counter[int]] = {p.id: Counter() for p in election.projects}
    for ballot, m in Counter(b.projects for b in election.ballots).items():
        seen: set[str] = set()
        for position, pid in enumerate(ballot, start=1):
            if pid in places and pid not in seen:
                seen.add(pid)
                places[pid][position] += m
    words: dict[str, str] = {}
    for pid, counter in places.items():
        if not counter:
            words[pid] = "Nobody ranked it."
            continue
        parts = [
            f"{people(n)} put it {ordinal(position)}" for position, n in sorted(counter.items())
        ]
        total = sum(n * rank_points(position, limit) for position, n in counter.items())
        words[pid] = (
            f"{_join(parts)}, which gave it {total:,} "
            f"{'point' if total == 1 else 'points'} (a first choice is worth {limit})."
        )
    return words


def _join(parts: list[str]) -> str:
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _explained(rule: str, election: Election, outcome: Outcome) -> Outcome:
    words = ranking_words(election)
    explanations = tuple(
        replace(item, reason=f"{words[item.project_id]} {item.reason}")
        for item in outcome.explanations
    )
    return replace(outcome, rule=rule, explanations=explanations)


def greedy_rank_points(
    election: Election, *, tie_break: TieBreak = "id", money: MoneyFormat = plain_amount
) -> Outcome:
    """Greedy by total rank points: the projects with the most points first, skipping any
    that do not fit in the money left.

    Projects that cost nothing come first, in tie-breaking order, as in the reference (whose
    greedy rule for rank points gives a free project an unbounded score per pound).
    """
    points = as_rank_points(election)
    view = points_view(points)
    rank = tie_ranks(election.projects, tie_break)
    projects = election.projects
    free = sorted((j for j, p in enumerate(projects) if p.cost == 0), key=rank.__getitem__)
    funded, notes = greedy_fill(
        points, view.totals, view.votes, rank, free, money, by_points=True, stage="main"
    )
    for position, j in enumerate(free, start=1):
        notes[j] = Explanation(
            projects[j].id,
            True,
            "Selected: it costs nothing.",
            0,
            votes=view.votes[j],
            points=view.totals[j],
            round=position,
        )
    outcome = outcome_of("greedy_rank_points", election, free + funded, notes, tie_break)
    return _explained("greedy_rank_points", election, outcome)


def mes_rank_points(
    election: Election, *, tie_break: TieBreak = "id", money: MoneyFormat = plain_amount
) -> Outcome:
    """Method of Equal Shares with each voter's rank points as their satisfaction."""
    # Equal Shares counts in numpy arrays: loaded when a vote is counted, not at start-up.
    from voting.rules.equal_shares import equal_shares

    outcome = equal_shares(
        as_rank_points(election),
        by_points=True,
        tie_break=tie_break,
        money=money,
        rule_name="mes_rank_points",
    )
    return _explained("mes_rank_points", election, outcome)
