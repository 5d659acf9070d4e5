"""Sequential Phragmén: projects are paid for by their supporters, spreading the load evenly.

Each voter carries a "load": how much they have paid so far. To buy a project, its supporters
share its cost so that they all end up with the same load; the project that leaves that load
lowest is bought next (ties broken by the tie-breaking order). Counting stops as soon as the
next project does not fit in the money left, rather than skipping it. Ballots are read as
approval ballots; projects costing more than the whole budget are never considered.

Matches pabutools' ``sequential_phragmen`` (which reports its winners sorted by project id;
:func:`phragmen` reports them in the order they were bought).
"""

from __future__ import annotations

import heapq
from collections import Counter
from fractions import Fraction

from voting.rules.ballots import ApprovalView, approval_view
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


def phragmen(
    election: Election, *, tie_break: TieBreak = "id", money: MoneyFormat = plain_amount
) -> Outcome:
    """Count with sequential Phragmén."""
    rank = tie_ranks(election.projects, tie_break)
    view = approval_view(election)
    order, load_of, stopped_at = _buy(election, view, rank)
    notes = _explain(election, view.votes, order, load_of, stopped_at, money)
    return outcome_of("phragmen", election, order, notes, tie_break)


def _buy(
    election: Election, view: ApprovalView, rank: list[int]
) -> tuple[list[int], dict[int, Number | None], int | None]:
    """The projects bought, in order, with the load each left its supporters at (None for a
    project nobody voted for), and the project that did not fit when counting stopped."""
    projects = election.projects
    budget = election.budget
    votes = view.votes
    mult = view.mult
    costs = [p.cost for p in projects]
    single = [[g for g in supp if mult[g] == 1] for supp in view.supporters]
    multi = [[(g, mult[g]) for g in supp if mult[g] != 1] for supp in view.supporters]

    # Every voter's load is the load set by the last project they helped buy: ``last[g]``
    # indexes ``loads``. Loads only grow, so a project's next load, once worked out, stays a
    # lower bound for later rounds.
    loads: list[Number] = [0]
    last = [0] * len(mult)
    lget = last.__getitem__

    def next_load(j: int) -> Fraction:
        count = Counter(map(lget, single[j]))
        for g, m in multi[j]:
            count[last[g]] += m
        paid = sum(loads[t] * n for t, n in count.items())
        return Fraction(paid + costs[j]) / votes[j]

    usable = [j for j in range(len(projects)) if costs[j] <= budget]
    heap = [(Fraction(costs[j], votes[j]), rank[j], j) for j in usable if votes[j] > 0]
    heapq.heapify(heap)
    unsupported = sorted((j for j in usable if votes[j] == 0), key=rank.__getitem__)
    spent: Number = 0
    order: list[int] = []
    load_of: dict[int, Number | None] = {}
    stopped_at: int | None = None

    while heap or unsupported:
        best: Fraction | None = None
        tied: list[int] = []
        popped: list[tuple[Fraction, int, int]] = []
        while heap and (best is None or heap[0][0] <= best):
            _, rj, j = heapq.heappop(heap)
            load = next_load(j)
            popped.append((load, rj, j))
            if best is None or load < best:
                best = load
                tied = [j]
            elif load == best:
                tied.append(j)
        if best is None:
            tied = list(unsupported)
        too_dear = [j for j in tied if spent + costs[j] > budget]
        if too_dear:
            stopped_at = min(too_dear, key=rank.__getitem__)
            break
        s = min(tied, key=rank.__getitem__)
        for item in popped:
            if item[2] != s:
                heapq.heappush(heap, item)
        if best is None:
            unsupported.remove(s)
        order.append(s)
        spent += costs[s]
        load_of[s] = best
        if best is None:
            continue
        loads.append(best)
        t = len(loads) - 1
        for g in single[s]:
            last[g] = t
        for g, _ in multi[s]:
            last[g] = t
    return order, load_of, stopped_at


def _explain(
    election: Election,
    votes: list[int],
    order: list[int],
    load_of: dict[int, Number | None],
    stopped_at: int | None,
    money: MoneyFormat,
) -> dict[int, Explanation]:
    """Why each project was or was not bought, by position."""
    projects = election.projects
    budget = election.budget
    notes: dict[int, Explanation] = {}
    left_at = budget
    for position, j in enumerate(order, start=1):
        cost = projects[j].cost
        load = load_of[j]
        if load is None:
            why = reason(N_("Selected: nobody voted for it, but it fitted in the money left."))
        else:
            why = reason(
                Nn_(
                    "Selected: its %(num)s person who voted for it could share its cost of "
                    "%(cost)s so that none of them had paid more than %(load)s in total, the "
                    "lowest of any project at that point.",
                    "Selected: its %(num)s people who voted for it could share its cost of "
                    "%(cost)s so that none of them had paid more than %(load)s in total, the "
                    "lowest of any project at that point.",
                ),
                {"cost": cost, "load": load},
                num=votes[j],
            )
        notes[j] = Explanation(
            projects[j].id,
            True,
            cost,
            votes=votes[j],
            money_left=left_at,
            load=load,
            round=position,
            why=(why,),
            money=money,
        )
        left_at -= cost
    for j, project in enumerate(projects):
        if j in notes:
            continue
        cost = project.cost
        if cost > budget:
            why = reason(
                N_("Not selected: it cost %(cost)s, more than the whole budget of %(budget)s."),
                {"cost": cost, "budget": budget},
            )
        elif j == stopped_at:
            why = reason(
                N_(
                    "Not selected: it was next in line but did not fit in the money left: it "
                    "cost %(cost)s and only %(left)s was left, so counting stopped."
                ),
                {"cost": cost, "left": left_at},
            )
        elif stopped_at is not None:
            why = reason(
                N_(
                    "Not selected: counting stopped before its turn, when project %(project)s "
                    "was next in line but did not fit in the money left."
                ),
                project=projects[stopped_at].id,
            )
        else:
            why = reason(N_("Not selected: it did not fit in the money left."))
        notes[j] = Explanation(
            project.id,
            False,
            cost,
            votes=votes[j],
            money_left=left_at,
            why=(why,),
            money=money,
        )
    return notes
