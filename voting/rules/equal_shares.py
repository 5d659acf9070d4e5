"""The Method of Equal Shares (MES), with its usual completions.

Every voter gets an equal share of the budget. Projects are bought one at a time; a project
can be bought only if its supporters have enough money left between them to pay for it. Among
the projects that can be bought, MES buys the one whose supporters pay the least per unit of
satisfaction (its "affordability" ``rho``): each supporter pays ``rho`` times their
satisfaction with the project, or everything they have left if that is less. Satisfaction is
the project's cost for a supporter (``mes_cost``: every supporter of a project pays the same
amount) or the points the voter gave it (``mes_points``). Ties go to the project first in the
tie-breaking order. Counting stops when no project can be bought.

Variants:

- ``add1``: if money is left over that could buy another supported project, start again with
  every voter's share raised by one unit of currency, and keep raising it until the outcome
  leaves no supported project that would fit, or until the outcome would cost more than the
  budget (then the last outcome that fitted is kept);
- ``add1_greedy``: after ``add1``, fill what is left greedily (by votes or by points);
- ``budget_increase``: like ``add1`` but raising the whole budget by 1% at a time.

Arithmetic is exact: every voter's money is an integer over one common denominator. This
module holds one run of MES and the entry point, :func:`equal_shares`; the search for the
share at which raising stops is in :mod:`voting.rules.equal_shares_search`, and the reasons
given for each project in :mod:`voting.rules.equal_shares_explain`.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import partial
from math import gcd, lcm
from operator import mul

import numpy as np

from voting.rules.ballots import ApprovalView, PointsView, approval_view, points_view
from voting.rules.equal_shares_batch import Counter
from voting.rules.equal_shares_disjoint import disjoint_run, supports_are_disjoint
from voting.rules.equal_shares_explain import describe, explain_top_up
from voting.rules.equal_shares_search import completed_share
from voting.rules.greedy import greedy_fill, people
from voting.rules.model import (
    Election,
    MoneyFormat,
    Number,
    Outcome,
    TieBreak,
    outcome_of,
    plain_amount,
    tie_ranks,
)

_ZERO = 1  # the class of voters with no money left


def _below(x: Fraction) -> float:
    """A float no greater than ``x``."""
    return math.nextafter(float(x), -math.inf)


def _above(x: Fraction) -> float:
    """A float no smaller than ``x``."""
    return math.nextafter(float(x), math.inf)


@dataclass(slots=True)
class _Bucket:
    """Supporters of one project who all have the same (integer) satisfaction ``u``.

    ``members`` lists their groups of identical ballots once each (the input's ``mult``
    says how many ballots each group has). ``key`` is a common multiple of the project's
    ``u`` divided by ``u``, so that money times ``key`` orders supporters by money per unit
    of satisfaction.
    """

    u: int
    key: int
    members: list[int] = field(default_factory=list)


@dataclass(slots=True)
class Input:
    """An election as MES counts it: costs as exact fractions, and for each project its
    supporters in buckets of equal satisfaction.

    A supporter's satisfaction is an integer ``u``; one unit of it is worth
    ``sat_num[j] / sat_den[j]``: the project's cost when satisfaction is the cost (``uniform``:
    every supporter has ``u = 1``), or a fraction of a point that makes every supporter's
    points whole when satisfaction is the points given. ``arrays`` keeps the buckets as numpy
    arrays, built when first needed (for one count only).
    """

    costs: list[Number]
    cost_num: list[int]
    cost_den: list[int]
    cost_lcm: int
    n_voters: int
    n_groups: int
    total_weight: int
    buckets: list[list[_Bucket]]
    total_u: list[int]
    sat_num: list[int]
    sat_den: list[int]
    candidates: list[int]
    preselected: list[int]
    rank: list[int]
    uniform: bool
    votes: list[int]
    points: list[Number] | None
    clone: list[int]
    rho0: dict[int, Fraction]
    mult: np.ndarray
    """How many ballots each group of identical ballots has."""
    keys0: list[tuple[float, int, int]] = field(default_factory=list)
    """The candidates as a heap, by ``rho0`` rounded down to a float, then rank."""
    arrays: dict[int, list[tuple[np.ndarray, np.ndarray]]] = field(default_factory=dict)

    def supporters(self, j: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """For each bucket of project ``j``: its voters' groups (one entry per voter) and its
        groups (one entry per group), as arrays."""
        found = self.arrays.get(j)
        if found is None:
            found = []
            for bucket in self.buckets[j]:
                members = np.array(bucket.members, np.intp)
                found.append((np.repeat(members, self.mult[members]), members))
            self.arrays[j] = found
        return found

    def tally(self, j: int, gvid: np.ndarray) -> tuple[list[int], list[int], list[int]]:
        """Project ``j``'s supporters by class, where group ``g`` is in class ``gvid[g]``: the
        classes, how many voters each has, and the bucket each is in."""
        classes: list[int] = []
        voters: list[int] = []
        bucket_of: list[int] = []
        for index, (everyone, _) in enumerate(self.supporters(j)):
            tally = np.bincount(gvid[everyone])
            present = (tally > 0).nonzero()[0]  # faster on booleans than on counts
            classes.extend(present.tolist())
            voters.extend(tally[present].tolist())
            bucket_of.extend([index] * len(present))
        return classes, voters, bucket_of

    def pays_all(
        self, j: int, cost: int, values: list[int], voters: list[int], bucket_of: list[int]
    ) -> tuple[list[int], int, int, int]:
        """Who pays all they have when supporters with these amounts of money buy ``j``.

        ``values[i]`` is the money of each of the ``voters[i]`` voters of a class. Returns the
        classes poorest (per unit of satisfaction) first, how many of them pay all they have,
        what those pay between them, and the satisfaction of the others: each of those pays
        ``(cost - paid) / satisfaction`` per unit of their satisfaction.
        """
        paid = 0
        den = self.total_u[j]
        if self.uniform:  # every ``u`` is 1: the loop below, kept apart as it runs the most
            order = sorted(range(len(values)), key=values.__getitem__)
            for position, i in enumerate(order):
                b = values[i]
                if cost - paid <= b * den:
                    return order, position, paid, den
                n = voters[i]
                paid += b * n
                den -= n
            return order, len(order), paid, den
        buckets = self.buckets[j]
        keys = [values[i] * buckets[bucket_of[i]].key for i in range(len(values))]
        order = sorted(range(len(values)), key=keys.__getitem__)
        for position, i in enumerate(order):
            u = buckets[bucket_of[i]].u
            if (cost - paid) * u <= values[i] * den:
                return order, position, paid, den
            paid += values[i] * voters[i]
            den -= voters[i] * u
        return order, len(order), paid, den

    def relabel(self, j: int, gvid: np.ndarray, remaps: list[dict[int, int]], size: int) -> None:
        """Move the groups in bucket ``i`` of project ``j`` from class ``c`` to
        ``remaps[i][c]`` (classes are below ``size``)."""
        for (_, members), remap in zip(self.supporters(j), remaps, strict=True):
            lookup = np.arange(size, dtype=np.intp)
            lookup[list(remap)] = list(remap.values())
            gvid[members] = lookup[gvid[members]]

    def total(self, selection: Iterable[int]) -> Number:
        return sum(self.costs[j] for j in selection)

    def exhaustive(self, budget: Number, selection: Sequence[int], among: Iterable[int]) -> bool:
        """Whether none of the projects ``among`` would fit next to ``selection``."""
        spent = self.total(selection)
        chosen = set(selection)
        return all(j in chosen or spent + self.costs[j] > budget for j in among)


# A project's cost and its supporters: projects with the same key are clones of each other.
_CloneKey = tuple[Number, tuple[object, ...]]
_Support = tuple[list[list[_Bucket]], list[int], list[Number], list[_CloneKey]]
"""Each project's buckets, its total satisfaction, what one unit of satisfaction is worth,
and what makes two projects clones (the same cost and the same supporters)."""


def _approval_support(election: Election, view: ApprovalView) -> _Support:
    buckets: list[list[_Bucket]] = []
    total_u: list[int] = []
    sat: list[Number] = []
    clone_keys: list[_CloneKey] = []
    for j, supp in enumerate(view.supporters):
        cost = election.projects[j].cost
        buckets.append([_Bucket(1, 1, list(supp))] if supp else [])
        # Satisfaction is the cost: a project that costs nothing satisfies nobody.
        total_u.append(view.votes[j] if cost > 0 else 0)
        sat.append(cost)  # an int or a Fraction: both have a numerator and a denominator
        clone_keys.append((cost, tuple(supp)))
    return buckets, total_u, sat, clone_keys


def _points_support(election: Election, view: PointsView) -> _Support:
    buckets: list[list[_Bucket]] = []
    total_u: list[int] = []
    sat: list[Number] = []
    clone_keys: list[_CloneKey] = []
    for j, supp in enumerate(view.supporters):
        scale = lcm(1, *(Fraction(u).denominator for _, u in supp))
        by_u: dict[int, _Bucket] = {}
        total = 0
        for g, u in supp:
            iu = int(u * scale)
            bucket = by_u.get(iu)
            if bucket is None:
                bucket = by_u[iu] = _Bucket(iu, 0)
            bucket.members.append(g)
            total += view.mult[g] * iu
        top = lcm(1, *by_u)
        for bucket in by_u.values():
            bucket.key = top // bucket.u
        buckets.append(list(by_u.values()))
        total_u.append(total)
        sat.append(Fraction(1, scale))
        clone_keys.append((election.projects[j].cost, tuple(sorted(supp))))
    return buckets, total_u, sat, clone_keys


def build_input(election: Election, by_points: bool, rank: list[int]) -> Input:
    costs = [p.cost for p in election.projects]
    cost_den = [c.denominator for c in costs]  # ints and Fractions alike
    view: ApprovalView | PointsView
    if by_points:
        view = points_view(election)
        points: list[Number] | None = view.totals
        buckets, total_u, sat, clone_keys = _points_support(election, view)
    else:
        view = approval_view(election)
        points = None
        buckets, total_u, sat, clone_keys = _approval_support(election, view)
    candidates = [j for j in range(len(costs)) if total_u[j] > 0 and costs[j] > 0]
    preselected = sorted(
        (j for j in range(len(costs)) if total_u[j] > 0 and costs[j] == 0),
        key=lambda j: rank[j],
    )
    clone_ids: dict[_CloneKey, int] = {}
    if by_points:
        rho0 = {j: Fraction(costs[j]) / (total_u[j] * sat[j]) for j in candidates}
        keys0 = [(_below(rho0[j]), rank[j], j) for j in candidates]
    else:
        # Satisfaction is the cost: each of a project's supporters pays an equal part.
        rho0 = {j: Fraction(1, total_u[j]) for j in candidates}
        keys0 = [(math.nextafter(1 / total_u[j], -math.inf), rank[j], j) for j in candidates]
    heapq.heapify(keys0)
    return Input(
        costs=costs,
        cost_num=[c.numerator for c in costs],
        cost_den=cost_den,
        cost_lcm=lcm(*cost_den) if cost_den else 1,
        n_voters=view.n_voters,
        n_groups=len(view.mult),
        total_weight=sum(view.mult),
        buckets=buckets,
        total_u=total_u,
        sat_num=[s.numerator for s in sat],
        sat_den=[s.denominator for s in sat],
        candidates=candidates,
        preselected=preselected,
        rank=rank,
        uniform=not by_points,
        votes=view.votes,
        points=points,
        clone=[clone_ids.setdefault(key, len(clone_ids)) for key in clone_keys],
        rho0=rho0,
        mult=np.array(view.mult, dtype=np.intp),
        keys0=keys0,
    )


@dataclass(slots=True)
class _Eval:
    """A project's price at the current state: ``rho``, and how its supporters pay.

    Its supporters are grouped in classes by money left: ``classes[i]`` with ``counts[i]``
    voters (``bucket_of[i]`` gives their satisfaction); ``order`` lists the classes poorest
    (per unit of satisfaction) first, and the first ``capped`` of them pay all they have. The
    others pay ``num / den`` per unit of (integer) satisfaction, in units of ``1 / D``.
    """

    rho: Fraction
    classes: list[int]
    counts: list[int]
    bucket_of: list[int]
    order: list[int]
    capped: int
    num: int
    den: int
    available: int


class _Money:
    """Every voter's money left, as integers over one common denominator ``D``.

    Voters with the same money left (and so the same history of payments) share a class.
    ``D`` grows as projects are paid for; a class's money is brought over to the current
    ``D`` only when it is next read: ``stamp[v]`` says over which ``D`` class ``v``'s money
    ``budgets[v]`` was last written, and ``factors[e]`` turns an amount over the ``e``-th
    ``D`` into one over the current ``D``. The amounts are Python integers (exact) kept in
    numpy object arrays, indexed by class.
    """

    __slots__ = ("budgets", "denominator", "factors", "gvid", "inp", "next_vid", "stamp", "weight")

    def __init__(self, inp: Input, share: Number) -> None:
        share = Fraction(share)
        self.inp = inp
        self.denominator = lcm(share.denominator, inp.cost_lcm)
        size = 64
        self.budgets = np.zeros(size, dtype=object)
        self.budgets[0] = share.numerator * (self.denominator // share.denominator)
        self.stamp = np.zeros(size, dtype=np.intp)
        self.factors = np.ones(1, dtype=object)
        self.weight = {0: inp.total_weight, _ZERO: 0}
        self.next_vid = 2
        self.gvid = np.zeros(inp.n_groups, dtype=np.intp)

    def values(self, classes: list[int]) -> list[int]:
        """The money of a voter of each class, over the current ``D``."""
        index = np.array(classes, dtype=np.intp)
        stamps = self.stamp[index]
        now = len(self.factors) - 1
        old = stamps != now
        if old.any():
            stale = index[old]
            self.budgets[stale] = self.budgets[stale] * self.factors[stamps[old]]
            self.stamp[stale] = now
        out: list[int] = self.budgets[index].tolist()
        return out

    def _new_class(self, value: int, now: int) -> int:
        v = self.next_vid
        self.next_vid += 1
        if v == len(self.budgets):
            grown = 2 * v
            budgets = np.zeros(grown, dtype=object)
            budgets[:v] = self.budgets
            stamp = np.zeros(grown, dtype=np.intp)
            stamp[:v] = self.stamp
            self.budgets, self.stamp = budgets, stamp
        self.budgets[v] = value
        self.stamp[v] = now
        return v

    def cost(self, j: int) -> int:
        inp = self.inp
        return inp.cost_num[j] * (self.denominator // inp.cost_den[j])

    def available(self, j: int) -> int:
        classes, voters, _ = self.inp.tally(j, self.gvid)
        return sum(map(mul, self.values(classes), voters))

    def evaluate(self, j: int) -> _Eval | None:
        """The project's price now, or None if its supporters cannot afford it."""
        inp = self.inp
        cost = self.cost(j)
        classes, counts, bucket_of = inp.tally(j, self.gvid)
        values = self.values(classes)
        available = sum(map(mul, values, counts))
        if available < cost:
            return None
        order, capped, paid, den = inp.pays_all(j, cost, values, counts, bucket_of)
        num = cost - paid
        rho = Fraction(num * inp.sat_den[j], den * self.denominator * inp.sat_num[j])
        return _Eval(rho, classes, counts, bucket_of, order, capped, num, den, available)

    def pay(self, j: int, ev: _Eval) -> None:
        """The supporters of project ``j`` pay for it as worked out in ``ev`` (which was worked
        out with the money as it is now)."""
        g = gcd(ev.num, ev.den)
        q = ev.den // g
        unit = ev.num // g
        if q > 1:
            self.denominator *= q
            factors = np.empty(len(self.factors) + 1, dtype=object)
            factors[:-1] = self.factors * q
            factors[-1] = 1
            self.factors = factors
        now = len(self.factors) - 1
        weight = self.weight
        buckets = self.inp.buckets[j]
        values = self.values(ev.classes)
        made: dict[int, int] = {}
        remaps: list[dict[int, int]] = [{} for _ in buckets]
        for position, i in enumerate(ev.order):
            v = ev.classes[i]
            n = ev.counts[i]
            index = ev.bucket_of[i]
            if position < ev.capped:
                target = _ZERO
            else:
                left = values[i] - buckets[index].u * unit
                if left == 0:
                    target = _ZERO
                else:
                    target = made.get(left, -1)
                    if target < 0:
                        target = self._new_class(left, now)
                        weight[target] = 0
                        made[left] = target
            remaps[index][v] = target
            weight[target] += n
            left_behind = weight[v] - n
            if left_behind == 0 and v != _ZERO:
                del weight[v]
                self.budgets[v] = 0  # let the number go
            else:
                weight[v] = left_behind
        self.inp.relabel(j, self.gvid, remaps, self.next_vid)


@dataclass(slots=True)
class Bought:
    project: int
    available: Fraction
    rho: Fraction
    share: Fraction


@dataclass(slots=True)
class Run:
    """One run of MES: what it bought, and ``work``, how many times it went through a
    project's supporters (to price the project or to pay for it)."""

    selected: list[int]
    rhos: list[Fraction]
    bought: list[Bought]
    money_at_end: dict[int, Fraction]
    work: int = 0


def run(inp: Input, share: Number, *, explain: bool = False) -> Run:
    """One run of MES with ``share`` per voter."""
    rank = inp.rank
    money = _Money(inp, share)
    selected = list(inp.preselected)
    rhos: list[Fraction] = []
    bought: list[Bought] = []
    work = 0
    # Keys are floats no greater than a lower bound on each project's ``rho``: they only
    # order the examination, and a project is passed over only when its key is above the
    # best ``rho`` (rounded up), so every project that could win is examined exactly.
    heap = list(inp.keys0)
    while True:
        best: Fraction | None = None
        ceiling = math.inf
        tied: list[int] = []
        popped: dict[int, _Eval] = {}
        while heap:
            if heap[0][0] > ceiling:
                break
            j = heapq.heappop(heap)[2]
            ev = money.evaluate(j)
            work += 1
            if ev is None:
                continue
            popped[j] = ev
            if best is None or ev.rho < best:
                best = ev.rho
                ceiling = _above(best)
                tied = [j]
            elif ev.rho == best:
                tied.append(j)
        if best is None:
            break
        s = min(tied, key=rank.__getitem__)
        for j, ev in popped.items():
            if j != s:
                heapq.heappush(heap, (_below(ev.rho), rank[j], j))
        ev = popped[s]
        if explain:
            d = money.denominator
            share_paid = Fraction(ev.num, ev.den * d) if inp.uniform else ev.rho
            bought.append(Bought(s, Fraction(ev.available, d), ev.rho, share_paid))
        money.pay(s, ev)
        work += 1
        selected.append(s)
        rhos.append(best)
    money_at_end: dict[int, Fraction] = {}
    if explain:
        chosen = set(selected)
        for j in range(len(inp.costs)):
            if j not in chosen and inp.buckets[j]:
                money_at_end[j] = Fraction(money.available(j), money.denominator)
    return Run(selected, rhos, bought, money_at_end, work)


def _counter(inp: Input) -> Callable[[Fraction], Run]:
    """Runs of MES for the completions: in floats where they decide for certain."""
    exact = partial(run, inp)
    return Counter(inp, exact) if inp.uniform else exact


def equal_shares(
    election: Election,
    *,
    by_points: bool = False,
    completion: str | None = None,
    increment: Number = 1,
    tie_break: TieBreak = "id",
    money: MoneyFormat = plain_amount,
    rule_name: str | None = None,
) -> Outcome:
    """Count with the Method of Equal Shares.

    ``by_points``: satisfaction is the points given (``mes_points``) rather than the cost
    (``mes_cost``, where ballots are read as approval ballots). ``completion``:

    - ``None``: plain MES (matches pabutools' ``method_of_equal_shares``);
    - ``"add1"``: raise each voter's share by ``increment`` until exhaustive
      (``voter_budget_increment=increment``);
    - ``"add1_greedy"``: ``"add1"``, then a greedy top-up (pabutools'
      ``completion_by_rule_combination`` with the greedy rule by votes or by points);
    - ``"budget_increase"``: raise the budget by 1% at a time (pabutools'
      ``exhaustion_by_budget_increase`` with ``budget_step = budget / 100``).
    """
    projects = election.projects
    rank = tie_ranks(projects, tie_break)
    inp = build_input(election, by_points, rank)
    budget = election.budget
    n = inp.n_voters

    beta: Fraction | None = None
    if n == 0:
        pass
    elif completion is None:
        beta = Fraction(budget, n)
    else:
        beta = completed_share(inp, budget, completion, increment, _counter(inp))

    if beta is not None:
        direct = inp.uniform and supports_are_disjoint(inp)
        counted = (disjoint_run if direct else run)(inp, beta, explain=True)
    else:
        counted = Run(list(inp.preselected) if n else [], [], [], {})
    selection = counted.selected
    notes = describe(election, inp, counted, money)

    if completion == "add1_greedy" and not inp.exhaustive(budget, selection, range(len(projects))):
        scores: Sequence[Number] = inp.points if inp.points is not None else inp.votes
        extra, top_up = greedy_fill(
            election,
            scores,
            inp.votes,
            rank,
            selection,
            money,
            by_points=by_points,
            stage="top-up",
        )
        explain_top_up(notes, extra, top_up, money)
        selection = selection + extra

    name = rule_name or ("mes_points" if by_points else "mes_cost") + (
        f"_{completion}" if completion else ""
    )
    return outcome_of(name, election, selection, notes, tie_break, voter_budget=beta)


__all__ = ["equal_shares", "people"]
