"""Ballots read the way a rule needs them, with identical ballots merged.

Projects are numbered by their position in the election; a merged group of identical ballots
carries its multiplicity, so a count does the same work for a thousand identical ballots as
for one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from operator import attrgetter

from voting.rules.model import Ballot, Election, Number, as_columns


@dataclass(slots=True)
class ApprovalView:
    """Ballots read as approval ballots: who supports which project.

    Ordinal ballots support every ranked project; points ballots support every project given
    more than zero points.
    """

    n_voters: int
    groups: list[tuple[int, ...]]
    mult: list[int]
    supporters: list[list[int]]
    votes: list[int]


@dataclass(slots=True)
class PointsView:
    """Ballots read with their points (approval ballots give one point per ticked project).

    ``supporters`` lists, for each project, the groups giving it more than zero points with
    those points; ``totals`` is each project's total points (negative scores included).
    """

    n_voters: int
    groups: list[tuple[tuple[int, Number], ...]]
    mult: list[int]
    supporters: list[list[tuple[int, Number]]]
    totals: list[Number]
    votes: list[int]


def _unknown(election: Election, ids: set[str]) -> ValueError:
    known = {p.id for p in election.projects}
    missing = sorted(ids - known)
    return ValueError(
        f"ballots mention project ids that are not in the election: {', '.join(missing[:10])}"
    )


def approval_view(election: Election) -> ApprovalView:
    """Read the election's ballots as approval ballots, merging identical ones."""
    index = {p.id: i for i, p in enumerate(election.projects)}
    columns = as_columns(election.ballots)
    if columns is not None:
        try:
            found = columns.approval(index, len(election.projects))
        except KeyError:
            raise _unknown(election, set(columns.ids)) from None
        return ApprovalView(len(election.ballots), *found)
    plain = [b for b in election.ballots if b.points is None]
    raw: Counter[tuple[str, ...]] = Counter(map(attrgetter("projects"), plain))
    merged: Counter[tuple[int, ...]] = Counter()
    try:
        for ids, m in raw.items():
            merged[tuple(sorted({index[pid] for pid in ids}))] += m
        if len(plain) != len(election.ballots):
            for ballot in election.ballots:
                if ballot.points is not None:
                    key = tuple(sorted(index[pid] for pid in ballot.approved()))
                    merged[key] += 1
    except KeyError:
        raise _unknown(election, {pid for b in election.ballots for pid in b.projects}) from None
    groups: list[tuple[int, ...]] = []
    mult: list[int] = []
    supporters: list[list[int]] = [[] for _ in election.projects]
    votes = [0] * len(election.projects)
    for members, m in merged.items():
        g = len(groups)
        groups.append(members)
        mult.append(m)
        for j in members:
            supporters[j].append(g)
            votes[j] += m
    return ApprovalView(len(election.ballots), groups, mult, supporters, votes)


def _points_key(ballot: Ballot, index: dict[str, int]) -> tuple[tuple[int, Number], ...]:
    items = ballot.points_by_project()
    return tuple(sorted((index[pid], pts) for pid, pts in items.items() if pts != 0))


def points_view(election: Election) -> PointsView:
    """Read the election's ballots with their points, merging identical ones.

    Ranked ballots carry no points, so they cannot be read this way.
    """
    if election.vote_type == "ordinal":
        raise ValueError(
            "this rule counts points, but the ballots are rankings: use a rule that counts "
            "votes (greedy_votes, mes_cost, phragmen...)"
        )
    index = {p.id: i for i, p in enumerate(election.projects)}
    counts: Counter[tuple[tuple[int, Number], ...]] = Counter()
    try:
        columns = as_columns(election.ballots)
        if columns is not None:
            for ballot, m in columns.merged():
                counts[_points_key(ballot, index)] += m
        else:
            counts.update(_points_key(b, index) for b in election.ballots)
    except KeyError:
        mentioned = {pid for b in election.ballots for pid in b.projects}
        raise _unknown(election, mentioned) from None
    groups: list[tuple[tuple[int, Number], ...]] = []
    mult: list[int] = []
    supporters: list[list[tuple[int, Number]]] = [[] for _ in election.projects]
    totals: list[Number] = [0] * len(election.projects)
    votes = [0] * len(election.projects)
    for key, m in counts.items():
        g = len(groups)
        groups.append(key)
        mult.append(m)
        for j, pts in key:
            totals[j] += m * pts
            if pts > 0:
                supporters[j].append((g, pts))
                votes[j] += m
    return PointsView(len(election.ballots), groups, mult, supporters, totals, votes)
