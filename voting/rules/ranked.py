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
from voting.rules.greedy import greedy_fill
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
from voting.rules.reasons import N_, Nn_, Reason, reason

ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")

# How many people put a project in each place, as whole phrases to translate.
_PLACES = (
    Nn_("%(num)s person put it first", "%(num)s people put it first"),
    Nn_("%(num)s person put it second", "%(num)s people put it second"),
    Nn_("%(num)s person put it third", "%(num)s people put it third"),
    Nn_("%(num)s person put it fourth", "%(num)s people put it fourth"),
    Nn_("%(num)s person put it fifth", "%(num)s people put it fifth"),
    Nn_("%(num)s person put it sixth", "%(num)s people put it sixth"),
    Nn_("%(num)s person put it seventh", "%(num)s people put it seventh"),
    Nn_("%(num)s person put it eighth", "%(num)s people put it eighth"),
    # A vote here ranks up to ten; past the ordinal words, the number as English writes it.
    Nn_("%(num)s person put it 9th", "%(num)s people put it 9th"),
    Nn_("%(num)s person put it 10th", "%(num)s people put it 10th"),
)
_PLACE_PAST_WORDS = Nn_("%(num)s person put it %(place)s", "%(num)s people put it %(place)s")


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


def _put_it(position: int, n: int) -> Reason:
    if position <= len(_PLACES):
        return reason(_PLACES[position - 1], num=n)
    return reason(_PLACE_PAST_WORDS, num=n, place=ordinal(position))


def ranking_words(election: Election) -> dict[str, Reason]:
    """For every project, a sentence saying how people ranked it."""
    limit = rank_limit(election)
    places: dict[str, Counter[int]] = {p.id: Counter() for p in election.projects}
    for ballot, m in Counter(b.projects for b in election.ballots).items():
        seen: set[str] = set()
        for position, pid in enumerate(ballot, start=1):
            if pid in places and pid not in seen:
                seen.add(pid)
                places[pid][position] += m
    words: dict[str, Reason] = {}
    for pid, counter in places.items():
        if not counter:
            words[pid] = reason(N_("Nobody ranked it."))
            continue
        parts = tuple(_put_it(position, n) for position, n in sorted(counter.items()))
        total = sum(n * rank_points(position, limit) for position, n in counter.items())
        words[pid] = reason(
            Nn_(
                "%(places)s, which gave it %(num)s point (a first choice is worth %(limit)s).",
                "%(places)s, which gave it %(num)s points (a first choice is worth %(limit)s).",
            ),
            places=parts,
            num=total,
            limit=str(limit),
        )
    return words


def _explained(rule: str, election: Election, outcome: Outcome) -> Outcome:
    words = ranking_words(election)
    explanations = tuple(
        replace(item, why=(words[item.project_id], *item.why)) for item in outcome.explanations
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
    free_why = reason(N_("Selected: it costs nothing."))
    for position, j in enumerate(free, start=1):
        notes[j] = Explanation(
            projects[j].id,
            True,
            0,
            votes=view.votes[j],
            points=view.totals[j],
            round=position,
            why=(free_why,),
            money=money,
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
