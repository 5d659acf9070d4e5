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

Arithmetic is exact: every voter's money is an integer over one common denominator. The
``add1`` and ``budget_increase`` variants give exactly the outcome of raising the share one
step at a time, but skip runs of steps that are proven not to stop the raising
(:func:`_certify`). The proof bounds every voter's money, for a whole interval of shares,
between two straight lines in the share (rounded outwards, so they stay valid). It uses two
facts: with more money no project's ``rho`` goes up, and ``rho`` is a convex function of the
share. It follows every order of purchases that some share in the interval could give, and
checks that none of the sets they end with would stop the raising. Where proofs do not pay
(the outcome changes at almost every step), steps are counted one by one.
"""

from __future__ import annotations

import heapq
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import pairwise
from math import gcd, lcm
from operator import mul
from typing import Any

import numpy as np

from voting.rules.greedy import greedy_fill, people
from voting.rules.model import (
    Election,
    Explanation,
    MoneyFormat,
    Number,
    Outcome,
    TieBreak,
    describe_tie_break,
    plain_amount,
    tie_order,
)
from voting.rules.views import approval_view, points_view

_ZERO = 1  # the class of voters with no money left


@dataclass(slots=True)
class _Bucket:
    """Supporters of one project who all have the same (integer) satisfaction ``u``.

    ``members`` lists their groups of identical ballots once each, and ``voters`` repeats
    each group once per ballot in it.
    """

    u: int
    key: int
    members: list[int] = field(default_factory=list)
    voters: list[int] = field(default_factory=list)

    def add(self, g: int, m: int) -> None:
        self.members.append(g)
        self.voters.extend([g] * m)


@dataclass(slots=True)
class _Input:
    costs: list[Number]
    cost_num: list[int]
    cost_den: list[int]
    cost_lcm: int
    n_voters: int
    n_groups: int
    mult: list[int]
    total_weight: int
    buckets: list[list[_Bucket]]
    total_u: list[int]
    u_scale: list[int]
    candidates: list[int]
    preselected: list[int]
    rank: list[int]
    uniform: bool
    votes: list[int]
    points: list[Number] | None
    clone: list[int]
    rho0: dict[int, Fraction]
    key: tuple
    arrays: dict[int, list[tuple[Any, Any]]] = field(default_factory=dict)


def _build_input(election: Election, by_points: bool, rank: list[int]) -> _Input:
    costs = [p.cost for p in election.projects]
    cost_num = [Fraction(c).numerator for c in costs]
    cost_den = [Fraction(c).denominator for c in costs]
    buckets: list[list[_Bucket]] = []
    total_u: list[int] = []
    u_scale: list[int] = []
    clone_keys: list[tuple] = []
    points: list[Number] | None = None
    groups: list
    if by_points:
        pview = points_view(election)
        groups = pview.groups
        mult = pview.mult
        n_voters = pview.n_voters
        votes = pview.votes
        points = pview.totals
        for j, supp in enumerate(pview.supporters):
            scale = lcm(1, *(Fraction(u).denominator for _, u in supp))
            by_u: dict[int, _Bucket] = {}
            total = 0
            for g, u in supp:
                iu = int(u * scale)
                bucket = by_u.get(iu)
                if bucket is None:
                    bucket = by_u[iu] = _Bucket(iu, 0)
                m = mult[g]
                bucket.add(g, m)
                total += m * iu
            top = lcm(1, *by_u)
            for bucket in by_u.values():
                bucket.key = top // bucket.u
            buckets.append(list(by_u.values()))
            total_u.append(total)
            u_scale.append(scale)
            clone_keys.append((costs[j], tuple(sorted(supp))))
    else:
        view = approval_view(election)
        groups = view.groups
        mult = view.mult
        n_voters = view.n_voters
        votes = view.votes
        for j, supp in enumerate(view.supporters):
            bucket = _Bucket(1, 1)
            for g in supp:
                bucket.add(g, mult[g])
            buckets.append([bucket] if supp else [])
            # Satisfaction is the cost: a project that costs nothing satisfies nobody.
            total_u.append(view.votes[j] if costs[j] > 0 else 0)
            u_scale.append(1)
            clone_keys.append((costs[j], tuple(supp)))
    candidates = [j for j in range(len(costs)) if total_u[j] > 0 and costs[j] > 0]
    preselected = sorted(
        (j for j in range(len(costs)) if total_u[j] > 0 and costs[j] == 0),
        key=lambda j: rank[j],
    )
    clone_ids: dict[tuple, int] = {}
    clone = [clone_ids.setdefault(key, len(clone_ids)) for key in clone_keys]
    if by_points:
        rho0 = {j: Fraction(costs[j]) * u_scale[j] / total_u[j] for j in candidates}
    else:
        rho0 = {j: Fraction(1, total_u[j]) for j in candidates}
    return _Input(
        costs=costs,
        cost_num=cost_num,
        cost_den=cost_den,
        cost_lcm=lcm(*cost_den) if cost_den else 1,
        n_voters=n_voters,
        n_groups=len(mult),
        mult=list(mult),
        total_weight=sum(mult),
        buckets=buckets,
        total_u=total_u,
        u_scale=u_scale,
        candidates=candidates,
        preselected=preselected,
        rank=rank,
        uniform=not by_points,
        votes=votes,
        points=points,
        clone=clone,
        rho0=rho0,
        key=(by_points, tuple(costs), tuple(rank), n_voters, tuple(groups), tuple(mult)),
    )


def _arrays(inp: _Input, j: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each bucket of project ``j``: its voters' groups (one entry per voter) and its
    groups (one entry per group), as arrays."""
    found = inp.arrays.get(j)
    if found is None:
        found = []
        for bucket in inp.buckets[j]:
            found.append((np.array(bucket.voters, np.intp), np.array(bucket.members, np.intp)))
        inp.arrays[j] = found
    return found


@dataclass(slots=True)
class _Eval:
    """A project's price at the current state: ``rho``, and how its supporters pay.

    Its supporters are grouped in classes by money left: ``classes[i]`` with ``counts[i]``
    voters (``bucket[i]`` gives their satisfaction); ``order`` lists the classes poorest (per
    unit of satisfaction) first, and the first ``capped`` of them pay all they have. The
    others pay ``num / den`` per unit of (integer) satisfaction, in units of ``1 / D``.
    """

    rho: Fraction
    classes: list[int]
    counts: list[int]
    bucket_of: list[int] | None
    order: list[int]
    capped: int
    num: int
    den: int
    available: int


class _Money:
    """Every voter's money left, as integers over one common denominator ``D``.

    Voters with the same money left (and so the same history of payments) share a class.
    """

    __slots__ = ("budgets", "denominator", "gvid", "inp", "next_vid", "weight")

    def __init__(self, inp: _Input, share: Number) -> None:
        share = Fraction(share)
        self.inp = inp
        self.denominator = lcm(share.denominator, inp.cost_lcm)
        self.budgets = {
            0: share.numerator * (self.denominator // share.denominator),
            _ZERO: 0,
        }
        self.weight = {0: inp.total_weight, _ZERO: 0}
        self.next_vid = 2
        self.gvid = np.zeros(inp.n_groups, dtype=np.intp)

    def _count(self, j: int, index: int) -> dict[int, int]:
        """How many voters of each class are in bucket ``index`` of project ``j``."""
        tally = np.bincount(self.gvid[_arrays(self.inp, j)[index][0]])
        present = np.flatnonzero(tally)
        return dict(zip(present.tolist(), tally[present].tolist(), strict=True))

    def cost(self, j: int) -> int:
        inp = self.inp
        return inp.cost_num[j] * (self.denominator // inp.cost_den[j])

    def available(self, j: int) -> int:
        budgets = self.budgets
        total = 0
        for index in range(len(self.inp.buckets[j])):
            count = self._count(j, index)
            total += sum(map(mul, map(budgets.__getitem__, count), count.values()))
        return total

    def evaluate(self, j: int) -> _Eval | None:
        """The project's price now, or None if its supporters cannot afford it."""
        inp = self.inp
        budgets = self.budgets
        buckets = inp.buckets[j]
        cost = self.cost(j)
        bucket_of: list[int] | None
        if inp.uniform:
            count = self._count(j, 0)
            classes = list(count)
            counts = list(count.values())
            values = list(map(budgets.__getitem__, classes))
            available = sum(map(mul, values, counts))
            if available < cost:
                return None
            order = sorted(range(len(classes)), key=values.__getitem__)
            contrib = 0
            den = inp.total_u[j]
            capped = len(order)
            for position, i in enumerate(order):
                b = values[i]
                if cost - contrib <= b * den:
                    capped = position
                    break
                contrib += b * counts[i]
                den -= counts[i]
            num = cost - contrib
            rho = Fraction(num * inp.cost_den[j], den * self.denominator * inp.cost_num[j])
            bucket_of = None
        else:
            classes = []
            counts = []
            bucket_of = []
            for index in range(len(buckets)):
                count = self._count(j, index)
                classes.extend(count)
                counts.extend(count.values())
                bucket_of.extend([index] * len(count))
            values = list(map(budgets.__getitem__, classes))
            available = sum(map(mul, values, counts))
            if available < cost:
                return None
            keys = [values[i] * buckets[bucket_of[i]].key for i in range(len(classes))]
            order = sorted(range(len(classes)), key=keys.__getitem__)
            contrib = 0
            den = inp.total_u[j]
            capped = len(order)
            for position, i in enumerate(order):
                u = buckets[bucket_of[i]].u
                if (cost - contrib) * u <= values[i] * den:
                    capped = position
                    break
                contrib += values[i] * counts[i]
                den -= counts[i] * u
            num = cost - contrib
            rho = Fraction(num * inp.u_scale[j], den * self.denominator)
        return _Eval(rho, classes, counts, bucket_of, order, capped, num, den, available)

    def pay(self, j: int, ev: _Eval) -> None:
        """The supporters of project ``j`` pay for it as worked out in ``ev``."""
        g = gcd(ev.num, ev.den)
        q = ev.den // g
        unit = ev.num // g
        budgets = self.budgets
        if q > 1:
            self.denominator *= q
            budgets = self.budgets = {v: b * q for v, b in budgets.items()}
        weight = self.weight
        buckets = self.inp.buckets[j]
        classes = ev.classes
        counts = ev.counts
        bucket_of = ev.bucket_of
        made: dict[int, int] = {}
        remaps: list[dict[int, int]] = [{} for _ in buckets]
        for position, i in enumerate(ev.order):
            v = classes[i]
            n = counts[i]
            index = 0 if bucket_of is None else bucket_of[i]
            if position < ev.capped:
                target = _ZERO
            else:
                left = budgets[v] - buckets[index].u * unit
                if left == 0:
                    target = _ZERO
                else:
                    target = made.get(left, -1)
                    if target < 0:
                        target = self.next_vid
                        self.next_vid += 1
                        budgets[target] = left
                        weight[target] = 0
                        made[left] = target
            remaps[index][v] = target
            weight[target] += n
            left_behind = weight[v] - n
            if left_behind == 0 and v != _ZERO:
                del weight[v]
                del budgets[v]
            else:
                weight[v] = left_behind
        gvid = self.gvid
        for (_, members), remap in zip(_arrays(self.inp, j), remaps, strict=True):
            lookup = np.arange(self.next_vid, dtype=np.intp)
            lookup[list(remap)] = list(remap.values())
            gvid[members] = lookup[gvid[members]]


@dataclass(slots=True)
class _Bought:
    project: int
    available: Fraction
    rho: Fraction
    share: Fraction


@dataclass(slots=True)
class _Run:
    selected: list[int]
    rhos: list[Fraction]
    bought: list[_Bought]
    money_at_end: dict[int, Fraction]


def _run(inp: _Input, share: Number, *, explain: bool = False) -> _Run:
    """One run of MES with ``share`` per voter."""
    rank = inp.rank
    money = _Money(inp, share)
    selected = list(inp.preselected)
    rhos: list[Fraction] = []
    bought: list[_Bought] = []
    heap = [(inp.rho0[j], rank[j], j) for j in inp.candidates]
    heapq.heapify(heap)
    while True:
        best: Fraction | None = None
        tied: list[int] = []
        popped: dict[int, _Eval] = {}
        while heap:
            if best is not None and heap[0][0] > best:
                break
            j = heapq.heappop(heap)[2]
            ev = money.evaluate(j)
            if ev is None:
                continue
            popped[j] = ev
            if best is None or ev.rho < best:
                best = ev.rho
                tied = [j]
            elif ev.rho == best:
                tied.append(j)
        if best is None:
            break
        s = min(tied, key=rank.__getitem__)
        for j, ev in popped.items():
            if j != s:
                heapq.heappush(heap, (ev.rho, rank[j], j))
        ev = popped[s]
        if explain:
            d = money.denominator
            share_paid = Fraction(ev.num, ev.den * d) if inp.uniform else ev.rho
            bought.append(_Bought(s, Fraction(ev.available, d), ev.rho, share_paid))
        money.pay(s, ev)
        selected.append(s)
        rhos.append(best)
    money_at_end: dict[int, Fraction] = {}
    if explain:
        chosen = set(selected)
        for j in range(len(inp.costs)):
            if j not in chosen and inp.buckets[j]:
                money_at_end[j] = Fraction(money.available(j), money.denominator)
    return _Run(selected, rhos, bought, money_at_end)


def _first_failure(
    c0: Fraction,
    c1: Fraction,
    lines: Sequence[tuple[Fraction, Fraction]],
    width: Fraction,
    strict: bool,
) -> tuple[Fraction, bool] | None:
    """Where a straight line stops lying under the upper envelope of ``lines``.

    ``c0 + (c1 - c0) * d / width`` is compared with ``max(a + s * d for a, s in lines)`` for
    ``d`` in ``[0, width]`` (``<`` if ``strict``, else ``<=``). Returns None if it holds
    throughout, else ``(d, inclusive)``: it holds on ``[0, d]`` (``inclusive``) or ``[0, d)``.
    """
    slope = (c1 - c0) / width
    gaps = [(a - c0, s - slope) for a, s in lines]

    def holds(d: Fraction) -> bool:
        best = max(a + s * d for a, s in gaps)
        return best > 0 if strict else best >= 0

    if not holds(Fraction(0)):
        return Fraction(0), False
    points = sorted(
        {Fraction(0), width} | {-a / s for a, s in gaps if s != 0 and 0 < -a / s < width}
    )
    for left, right in pairwise(points):
        if not holds((left + right) / 2):
            return left, True
        if not holds(right):
            return right, False
    return None


class _Envelope:
    """Lower and upper bounds on every voter's money, for all shares in an interval.

    For a share ``start + d`` with ``0 <= d <= width``, a voter of class ``v`` has at least
    ``lo0 + (loW - lo0) * d / width`` and at most ``hi0 + (hiW - hi0) * d / width``, in units
    of ``1 / scale``: the four columns of ``cols``, indexed by class. Bounds are rounded
    outwards to whole units, which keeps them valid. ``gvid`` gives each group's class.
    """

    __slots__ = ("cols", "gvid", "inp", "scale", "steps", "width")

    def __init__(self, inp: _Input, start: Fraction, step: Fraction, steps: int) -> None:
        self.inp = inp
        self.scale = lcm(start.denominator, step.denominator, inp.cost_lcm) << 16
        self.steps = steps
        self.width = step * steps
        low = int(start * self.scale)
        high = int((start + self.width) * self.scale)
        # Class 0: nobody has paid yet; class _ZERO: nothing left.
        self.cols: list[list[int]] = [[low, 0], [high, 0], [low, 0], [high, 0]]
        self.gvid = np.zeros(inp.n_groups, dtype=np.intp)

    def _like(self) -> _Envelope:
        other = _Envelope.__new__(_Envelope)
        other.inp = self.inp
        other.scale = self.scale
        other.steps = self.steps
        other.width = self.width
        return other

    def copy(self) -> _Envelope:
        other = self._like()
        other.cols = [col[:] for col in self.cols]
        other.gvid = self.gvid.copy()
        return other

    def union(self, other: _Envelope) -> _Envelope:
        """Bounds that hold for the money in either envelope (both over the same interval)."""
        base = len(other.cols[0])
        pairs, gvid = np.unique(self.gvid * base + other.gvid, return_inverse=True)
        mine = (pairs // base).tolist()
        theirs = (pairs % base).tolist()
        cols = [
            list(map(pick, map(a.__getitem__, mine), map(b.__getitem__, theirs)))
            for pick, a, b in zip((min, min, max, max), self.cols, other.cols, strict=True)
        ]
        out = self._like()
        # Keep classes 0 and _ZERO in their places; the pairs follow.
        out.cols = [[col[0], col[1], *new] for col, new in zip(self.cols, cols, strict=True)]
        out.gvid = gvid.reshape(-1) + 2
        return out

    def counts(self, j: int) -> tuple[list[int], list[int], list[int], list[list[int]]]:
        """The project's supporters by class: classes, voters, buckets, and the class columns."""
        gvid = self.gvid
        classes: list[int] = []
        voters: list[int] = []
        index_of: list[int] = []
        for index, (everyone, _) in enumerate(_arrays(self.inp, j)):
            tally = np.bincount(gvid[everyone])
            present = np.flatnonzero(tally)
            classes.extend(present.tolist())
            voters.extend(tally[present].tolist())
            index_of.extend([index] * len(present))
        cols = [list(map(col.__getitem__, classes)) for col in self.cols]
        return classes, voters, index_of, cols

    def cost(self, j: int) -> int:
        inp = self.inp
        return inp.cost_num[j] * (self.scale // inp.cost_den[j])

    def available(self, counts: tuple, col: int) -> int:
        return sum(map(mul, counts[3][col], counts[1]))

    def price(
        self, j: int, counts: tuple, col: int, tangent: bool
    ) -> tuple[Fraction, Fraction] | None:
        """``rho`` of project ``j`` with the money in column ``col``, and a slope bound.

        The slope bound (computed with ``tangent``, from the upper bounds) gives a line through
        ``rho`` that stays under ``rho`` across the interval (``rho`` is convex in the share).
        """
        inp = self.inp
        _, voters, index_of, cols = counts
        values = cols[col]
        low, high = cols[2], cols[3]
        cost = self.cost(j)
        if sum(map(mul, values, voters)) < cost:
            return None
        contrib = 0
        den = inp.total_u[j]
        moving = 0
        if inp.uniform:
            order = sorted(range(len(values)), key=values.__getitem__)
            for i in order:
                b = values[i]
                if cost - contrib <= b * den:
                    break
                contrib += b * voters[i]
                den -= voters[i]
                if tangent:
                    moving += voters[i] * (high[i] - low[i])
            factor = Fraction(inp.cost_den[j], self.scale * inp.cost_num[j])
        else:
            buckets = inp.buckets[j]
            keys = [values[i] * buckets[index_of[i]].key for i in range(len(values))]
            order = sorted(range(len(values)), key=keys.__getitem__)
            for i in order:
                u = buckets[index_of[i]].u
                if (cost - contrib) * u <= values[i] * den:
                    break
                contrib += values[i] * voters[i]
                den -= voters[i] * u
                if tangent:
                    moving += voters[i] * (high[i] - low[i])
            factor = Fraction(inp.u_scale[j], self.scale)
        rho = (cost - contrib) * factor / den
        slope = -moving * factor / (den * self.width) if tangent else Fraction(0)
        return rho, slope

    def pay(
        self,
        j: int,
        counts: tuple,
        upper: tuple[Fraction, Fraction] | None,
        lower: tuple[Fraction, Fraction],
    ) -> None:
        """Supporters of ``j`` pay, with ``rho`` between ``lower`` and ``upper`` (at each end).

        With no ``upper`` bound they may pay everything they have.
        """
        inp = self.inp
        buckets = inp.buckets[j]
        if inp.uniform:
            unit = [self.scale * Fraction(inp.cost_num[j], inp.cost_den[j])]
        else:
            unit = [Fraction(b.u * self.scale, inp.u_scale[j]) for b in buckets]
        pay = [
            (
                -((-upper[0] * k).__floor__()) if upper is not None else None,
                -((-upper[1] * k).__floor__()) if upper is not None else None,
                (lower[0] * k).__floor__(),
                (lower[1] * k).__floor__(),
            )
            for k in unit
        ]
        made: dict[tuple[int, int, int, int], int] = {}
        remaps: list[dict[int, int]] = [{} for _ in buckets]
        classes, _, index_of, current = counts
        cols = self.cols
        c0, c1, c2, c3 = cols
        for v, index, lo0, lo1, hi0, hi1 in zip(classes, index_of, *current, strict=True):
            p0, p1, q0, q1 = pay[index]
            if p0 is None or p1 is None:
                f0 = f1 = 0
            else:
                f0 = lo0 - p0
                f1 = lo1 - p1
            if f0 >= 0 and f1 >= 0:
                e0, e1 = f0, f1
            elif f0 <= 0 and f1 <= 0:
                e0 = e1 = 0
            else:
                rise = max(0, f1) - max(0, f0)
                e0 = (-rise * f0) // (f0 - f1)
                e1 = (-rise * f1) // (f0 - f1)
            row = (e0, e1, max(0, hi0 - q0), max(0, hi1 - q1))
            target = made.get(row)
            if target is None:
                if row == (0, 0, 0, 0):
                    target = _ZERO
                else:
                    target = len(c0)
                    c0.append(e0)
                    c1.append(e1)
                    c2.append(row[2])
                    c3.append(row[3])
                made[row] = target
            remaps[index][v] = target
        gvid = self.gvid
        size = len(c0)
        for (_, members), remap in zip(_arrays(self.inp, j), remaps, strict=True):
            lookup = np.arange(size, dtype=np.intp)
            lookup[list(remap)] = list(remap.values())
            gvid[members] = lookup[gvid[members]]


_Line = tuple[Fraction, Fraction]
_MAX_WAYS = 4  # more ways the count could go than this: try a shorter interval


def _below(x: Fraction) -> float:
    """A float no greater than ``x``."""
    return math.nextafter(float(x), -math.inf)


def _above(x: Fraction) -> float:
    """A float no smaller than ``x``."""
    return math.nextafter(float(x), math.inf)


@dataclass(slots=True)
class _Branch:
    """Bounds on the count, over an interval of shares, for the shares whose purchases so far
    are the projects in ``bought`` (in some order).

    ``keys`` holds a lower bound on each remaining project's ``rho`` across the interval and
    ``lines`` two tangent lines under it, where known; ``dead`` lists the projects that
    nobody can afford anywhere in the interval.
    """

    env: _Envelope
    bought: frozenset[int]
    keys: dict[int, Fraction]
    lines: dict[int, tuple[_Line, _Line]]
    dead: set[int]

    def copy(self) -> _Branch:
        return _Branch(
            self.env.copy(), self.bought, dict(self.keys), dict(self.lines), set(self.dead)
        )

    def union(self, other: _Branch) -> _Branch:
        keys: dict[int, Fraction] = {}
        for j in self.keys.keys() | other.keys.keys():
            if j in self.dead:
                keys[j] = other.keys[j]
            elif j in other.dead:
                keys[j] = self.keys[j]
            else:
                keys[j] = min(self.keys[j], other.keys[j])
        return _Branch(self.env.union(other.env), self.bought, keys, {}, self.dead & other.dead)


@dataclass(slots=True)
class _Contender:
    """A project that may be bought next: its supporters by class; ``chord``, its ``rho`` at
    the two ends of the interval, whose chord is an upper bound (None where it might not be
    affordable everywhere: then its supporters may pay all they have); and ``tangent``, a line
    under ``rho`` (its value at the start and its slope)."""

    project: int
    counts: tuple
    chord: tuple[Fraction, Fraction] | None
    tangent: tuple[Fraction, Fraction]


def _certify(
    inp: _Input,
    start: Fraction,
    step: Fraction,
    steps: int,
    stops: Callable[[Sequence[int]], bool],
) -> int:
    """Prove that no share in ``[start, start + steps * step]`` gives an outcome that ``stops``.

    Returns ``steps`` if that is proven, else 0 (an outcome might stop, or the count could go
    too many ways to follow). ``start`` itself must be known not to stop.

    The proof follows every way the count could go for some share in the interval, with
    envelopes of the voters' money over the whole interval (:class:`_Envelope`). At each
    purchase, a project's ``rho`` is at most the chord through its values at the two ends
    (``rho`` is convex in the share) and at least its tangents. A project can be bought next
    only if no project that is surely affordable beats it across the whole interval, and each
    project that can is followed as a branch (one whose supporters might not afford it
    everywhere may pay all they have). Where nothing is surely affordable, the count may also
    end. When the branches grow too many, those that have bought the same projects are
    joined: their envelopes hold for either. Every set the count can end with is then checked
    against ``stops``.
    """
    rank = inp.rank
    clone = inp.clone
    level: list[_Branch] = [
        _Branch(
            _Envelope(inp, start, step, steps),
            frozenset(),
            {j: inp.rho0[j] for j in inp.candidates},
            {},
            set(),
        )
    ]
    following: list[_Branch] = []
    endings: set[frozenset[int]] = set()

    def lowest(lines: tuple[_Line, _Line], w: Fraction) -> Fraction:
        (a0, s0), (a1, s1) = lines
        best = min(max(a0, a1), max(a0 + s0 * w, a1 + s1 * w))
        if s0 != s1:
            d = (a1 - a0) / (s0 - s1)
            if 0 < d < w:
                best = min(best, a0 + s0 * d)
        return best

    def contenders(branch: _Branch) -> tuple[list[_Contender], bool]:
        """The projects that may be bought next, and whether the count may end here."""
        env = branch.env
        keys = branch.keys
        # The order of examination is by floats rounded down: only the order depends on them.
        heap = [(_below(key), rank[j], j) for j, key in keys.items() if j not in branch.dead]
        heapq.heapify(heap)
        examined: dict[int, tuple] = {}
        sure: dict[int, tuple[Fraction, Fraction]] = {}
        best: Fraction | None = None
        w = env.width

        def beaten(j: int, lines: tuple[_Line, _Line]) -> bool:
            for k, chord in sure.items():
                if k == j:
                    continue
                if clone[k] == clone[j]:
                    if rank[k] < rank[j]:
                        return True
                elif _first_failure(*chord, lines, w, rank[j] < rank[k]) is None:
                    return True
            return False

        while heap and (best is None or heap[0][0] <= _above(best)):
            _, _, j = heapq.heappop(heap)
            old = branch.lines.get(j)
            if old is not None and beaten(j, old):
                continue  # its bounds from earlier purchases already show it loses
            counts = env.counts(j)
            first = env.price(j, counts, 2, True)
            if first is not None and sure and beaten(j, (first, first)):
                # The tangent at the start is enough to show it loses.
                branch.lines[j] = (first, first)
                keys[j] = lowest((first, first), w)
                continue
            last = env.price(j, counts, 3, True)
            if first is None and last is None:
                branch.dead.add(j)
                continue
            tangents = []
            if first is not None:
                tangents.append(first)
            if last is not None:
                tangents.append((last[0] - last[1] * w, last[1]))
            lines = (tangents[0], tangents[-1])
            branch.lines[j] = lines
            keys[j] = lowest(lines, w)
            if beaten(j, lines):
                continue
            examined[j] = counts
            top = env.price(j, counts, 0, False)
            end = env.price(j, counts, 1, False)
            if top is None or end is None:
                continue
            sure[j] = (top[0], end[0])
            if best is None or max(top[0], end[0]) < best:
                best = max(top[0], end[0])
        found = [
            _Contender(j, counts, sure.get(j), branch.lines[j][0])
            for j, counts in examined.items()
            if j not in branch.dead and not beaten(j, branch.lines[j])
        ]
        # With nothing surely affordable, the count may also end here.
        return found, not sure

    while level:
        for branch in level:
            bought = branch.bought
            found, may_end = contenders(branch)
            if may_end:
                endings.add(bought)
            w = branch.env.width
            for index, item in enumerate(found):
                child = branch if index == len(found) - 1 else branch.copy()
                low0 = item.tangent[0]
                low1 = item.tangent[0] + item.tangent[1] * w
                if low0 < 0 or low1 < 0:
                    low0 = low1 = Fraction(0)
                child.env.pay(item.project, item.counts, item.chord, (low0, low1))
                child.bought = bought | {item.project}
                del child.keys[item.project]
                child.lines.pop(item.project, None)
                following.append(child)
            if len(following) > _MAX_WAYS:
                # Too many ways: join those that have bought the same projects.
                joined: dict[frozenset[int], _Branch] = {}
                for child in following:
                    twin = joined.get(child.bought)
                    joined[child.bought] = child if twin is None else twin.union(child)
                following = list(joined.values())
            if len(following) > _MAX_WAYS:
                return 0
        level, following = following, []
    for bought in endings:
        chosen = [*inp.preselected, *sorted(bought, key=rank.__getitem__)]
        if stops(chosen):
            return 0
    return steps


def _total(inp: _Input, selection: Sequence[int]) -> Number:
    return sum(inp.costs[j] for j in selection)


def _search(
    inp: _Input,
    budget: Number,
    share0: Number,
    step: Number,
    done: Callable[[Sequence[int]], bool],
    max_steps: int | None = None,
) -> Fraction | None:
    """The voters' share at which raising it by ``step`` at a time stops.

    Step ``k`` runs MES with ``share0 + k * step`` per voter. The first step whose outcome is
    ``done`` gives the result; if a step's outcome costs more than ``budget`` first, the step
    before gives the result (None: the outcome before any run, nothing bought). With
    ``max_steps``, that step gives the result if nothing stopped before. Runs of steps proven
    not to stop (:func:`_certify`) are skipped; the steps near the end are run one by one.
    """
    share0 = Fraction(share0)
    step = Fraction(step)
    began = time.perf_counter()
    selected = _run(inp, share0).selected
    run_rate = 1 / max(time.perf_counter() - began, 1e-9)  # steps per second, one by one
    if _total(inp, selected) > budget:
        return None
    if done(selected) or step == 0:
        return share0

    def stops(selection: Sequence[int]) -> bool:
        return _total(inp, selection) > budget or done(selection)

    k = 0
    width = 16
    direct = 0  # steps to run one by one before trying a proof again
    backoff = 4
    gained = spent = 0.0  # recent steps proven, and the seconds the proofs took
    while True:
        limit = width if max_steps is None else min(width, max_steps - k)
        if limit <= 0:
            return share0 + k * step
        if direct == 0 and limit >= 4:
            began = time.perf_counter()
            proven = _certify(inp, share0 + k * step, step, limit, stops)
            gained = 0.7 * gained + proven
            spent = 0.7 * spent + time.perf_counter() - began
            k += proven
            width = limit + limit // 4 if proven else max(4, limit // 2)
            if not proven and limit <= 4:
                direct = 4  # something changes within a few steps: count them
            elif gained >= run_rate * spent:
                backoff = 4
                continue
            else:
                # Proofs are slower here than counting each step: count the next few.
                direct = backoff
                backoff = min(2 * backoff, 256)
            continue
        direct = max(0, direct - 1)
        k += 1
        began = time.perf_counter()
        selected = _run(inp, share0 + k * step).selected
        took = max(time.perf_counter() - began, 1e-9)
        run_rate = 0.8 * run_rate + 0.2 / took
        if _total(inp, selected) > budget:
            return share0 + (k - 1) * step
        if done(selected):
            return share0 + k * step


_SEARCHES: dict[tuple, Fraction | None] = {}
"""Recent results of :func:`_search`: each depends only on its key, so it can be reused (the
``add1_greedy`` rules start with the ``add1`` search)."""


def _cached_search(
    inp: _Input, budget: Number, kind: str, step: Number, **options: Any
) -> Fraction | None:
    key = (inp.key, budget, kind, step)
    if key not in _SEARCHES:
        if len(_SEARCHES) >= 8:
            del _SEARCHES[next(iter(_SEARCHES))]
        _SEARCHES[key] = _search(inp, budget, step=step, **options)
    return _SEARCHES[key]


def _exhaustive(inp: _Input, budget: Number, selection: list[int], among: Sequence[int]) -> bool:
    spent = _total(inp, selection)
    chosen = set(selection)
    return all(j in chosen or spent + inp.costs[j] > budget for j in among)


def _describe(
    election: Election,
    inp: _Input,
    run: _Run,
    votes: Sequence[int],
    points: Sequence[Number] | None,
    money: MoneyFormat,
) -> dict[int, Explanation]:
    notes: dict[int, Explanation] = {}
    projects = election.projects
    round_no = 0
    for j in inp.preselected:
        round_no += 1
        notes[j] = Explanation(
            projects[j].id,
            True,
            "Selected: it costs nothing and people gave it points.",
            0,
            votes=votes[j],
            points=points[j] if points is not None else None,
            round=round_no,
        )
    for item in run.bought:
        round_no += 1
        j = item.project
        cost = projects[j].cost
        if inp.uniform:
            each = f"each of them paid at most {money(item.share)}"
        else:
            each = f"each paid at most {money(item.share)} for every point they gave it"
        notes[j] = Explanation(
            projects[j].id,
            True,
            f"Selected: its supporters had {money(item.available)} left between them and it "
            f"cost {money(cost)}, so they could buy it; {each}.",
            cost,
            votes=votes[j],
            points=points[j] if points is not None else None,
            supporters_money=item.available,
            share=item.share,
            round=round_no,
        )
    for j, project in enumerate(projects):
        if j in notes:
            continue
        if project.cost == 0 and votes[j] > 0:
            have = None
            reason = (
                "Not selected: Equal Shares weighs support by cost, so a project that costs "
                "nothing is left for a top-up."
            )
        elif j in run.money_at_end:
            have = run.money_at_end[j]
            reason = (
                f"Not selected: its supporters had {money(have)} left between them and it "
                f"cost {money(project.cost)}."
            )
        else:
            have = None
            reason = "Not selected: nobody voted for it."
        notes[j] = Explanation(
            project.id,
            False,
            reason,
            project.cost,
            votes=votes[j],
            points=points[j] if points is not None else None,
            supporters_money=have,
        )
    return notes


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
    rank_by_id = tie_order((p.id for p in projects), tie_break)
    rank = [rank_by_id[p.id] for p in projects]
    inp = _build_input(election, by_points, rank)
    budget = election.budget
    votes = inp.votes
    points = inp.points
    n = inp.n_voters

    beta: Fraction | None = None
    if n == 0:
        pass
    elif completion is None:
        beta = Fraction(budget, n)
    elif completion in ("add1", "add1_greedy"):
        among = inp.candidates
        beta = _cached_search(
            inp,
            budget,
            "add1",
            increment,
            share0=Fraction(budget, n),
            done=lambda sel: _exhaustive(inp, budget, sel, among),
        )
    elif completion == "budget_increase":
        everything = range(len(projects))
        beta = _cached_search(
            inp,
            budget,
            "budget_increase",
            Fraction(budget, 100 * n),
            share0=Fraction(budget, n),
            done=lambda sel: _exhaustive(inp, budget, sel, everything),
            max_steps=100 * n,
        )
    else:
        raise ValueError(f"unknown Equal Shares completion {completion!r}")

    if beta is not None:
        run = _run(inp, beta, explain=True)
    else:
        run = _Run(list(inp.preselected) if n else [], [], [], {})
    selection = run.selected
    notes = _describe(election, inp, run, votes, points, money)

    if completion == "add1_greedy" and not _exhaustive(
        inp, budget, selection, range(len(projects))
    ):
        scores: Sequence[Number] = points if points is not None else votes
        extra, top_up = greedy_fill(
            election,
            scores,
            votes,
            rank,
            selection,
            money,
            by_points=by_points,
            stage="top-up",
        )
        for j in extra:
            notes[j] = top_up[j]
        for j, note in top_up.items():
            if not note.selected:
                left = note.money_left if note.money_left is not None else 0
                notes[j] = Explanation(
                    note.project_id,
                    False,
                    f"{notes[j].reason} In the top-up it did not fit in the money left "
                    f"either: {money(left)} was left.",
                    note.cost,
                    votes=note.votes,
                    points=note.points,
                    money_left=note.money_left,
                    supporters_money=notes[j].supporters_money,
                    stage="top-up",
                )
        selection = selection + extra

    name = rule_name or ("mes_points" if by_points else "mes_cost") + (
        f"_{completion}" if completion else ""
    )
    return Outcome(
        rule=name,
        selected=tuple(projects[j].id for j in selection),
        total_cost=_total(inp, selection),
        budget=budget,
        explanations=tuple(notes[j] for j in range(len(projects))),
        tie_break=describe_tie_break(tie_break),
        voter_budget=beta,
    )


__all__ = ["equal_shares", "people"]
