"""A quick run of Equal Shares in floating point, used only where its answer is certain.

The completions run MES again and again (see :mod:`voting.rules.equal_shares_search`), and
only need to know which projects each run buys. This run does the sums in floats over numpy
arrays (one entry per group of identical ballots), and carries a bound on how far every
float may be from the exact value. Every decision it takes (whether a project is
affordable, which supporters pay all they have, which project is cheapest per unit of
satisfaction) is kept only if it holds for every value within those bounds; where one might
not, the run gives up and the exact run is used instead. Exact ties it can still decide: two
projects with the same cost and supporters tie and go by the tie-breaking order, and a
project that every supporter can pay an equal part of costs them ``1 / supporters`` per unit
of satisfaction, exactly. So the projects it buys are exactly those the exact run buys.

Only for satisfaction by cost (approval ballots), where every supporter pays the same.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from voting.rules.equal_shares import Input

_ROUND = 1e-13
"""A generous bound on the relative rounding error of one sum or product over the arrays
(numpy sums pairwise, so its error grows with the logarithm of the length only)."""


class Unsure(Exception):
    """A decision that floats cannot take for certain."""


@dataclass(slots=True)
class _Price:
    """A project's price per unit of satisfaction (``rho``) with a bound ``error`` on how far
    it may be from the exact one. Either the ``equal`` supporters with money left all ``pay``
    the same, and ``rho`` is exactly ``1 / equal``; or the supporters marked in ``capped``
    pay all they have and the others ``pay`` each."""

    rho: float
    error: float
    equal: int
    pay: float
    capped: np.ndarray | None


class FloatCount:
    """Quick runs of MES for one election (satisfaction by cost only)."""

    def __init__(self, inp: Input) -> None:
        self.inp = inp
        n_groups = inp.n_groups
        self.groups: dict[int, np.ndarray] = {}
        self.weights: dict[int, np.ndarray] = {}
        for j in inp.candidates:
            ((everyone, members),) = inp.supporters(j)
            self.groups[j] = members
            self.weights[j] = np.bincount(everyone, minlength=n_groups)[members].astype(float)
        self.cost = {j: float(inp.costs[j]) for j in inp.candidates}
        self.keys0 = [(1.0 / inp.total_u[j], inp.rank[j], j) for j in inp.candidates]
        heapq.heapify(self.keys0)

    def selected(self, share: Fraction) -> tuple[list[int], int] | None:
        """The projects one run of MES buys at ``share`` and the passes over a project's
        supporters it made, or None if floats cannot decide the run for certain."""
        try:
            return self._run(share)
        except Unsure:
            return None

    def _price(self, j: int, money: np.ndarray, mass: float, top: float) -> _Price | None:
        """Project ``j``'s price, or None if its supporters surely cannot afford it.

        ``mass`` bounds the error summed over all voters, so also any one voter's error."""
        n = self.inp.total_u[j]
        cost = self.cost[j]
        b = money[self.groups[j]]
        w = self.weights[j]
        # numpy's own pairwise sum, not a BLAS dot product: its error is the one ``_ROUND``
        # allows for, and it needs no threads (a BLAS dot can wait for idle threads).
        avail = float((b * w).sum())
        # How far a sum of the supporters' money (or the cost less one) may be off.
        slack = mass + (n * top + cost) * _ROUND
        if avail + slack < cost:
            return None
        if avail - slack < cost:
            raise Unsure
        # Voters with nothing left have exactly nothing (their money is set to 0.0).
        lowest = float(b.min())
        count = n
        if lowest == 0.0:
            having = b > 0.0
            count = round(float(w[having].sum()))
            rich = b[having]
            lowest = float(rich.min()) if rich.size else np.inf
        gap = lowest * count - cost
        if gap > slack + count * mass:
            # All who have money pay an equal part: exactly 1 / count per unit of satisfaction.
            return _Price(1.0 / count, 0.0, count, cost / count, None)
        if gap >= -(slack + count * mass):
            raise Unsure
        # Those who pay all they have are those with less money than the others then pay
        # each: found without sorting, by growing the set from the poorest until it stops.
        bw = b * w
        capped = np.zeros(len(b), dtype=bool)
        size, paid, rest = 0, 0.0, float(n)
        while True:
            now = capped | (b * rest < cost - paid)
            grown = int(np.count_nonzero(now))
            if grown == size:
                break
            capped, size = now, grown
            paid = float(bw[capped].sum())
            rest = n - float(w[capped].sum())
        left = cost - paid
        if size == len(b) or left <= 0.0:
            raise Unsure  # only where rounding has gone astray: the others must pay a part
        # Floats decide who pays all only when the richest of them and the poorest of the
        # others are both clear of the line (everyone between is further from it).
        poorest = float(b[~capped].min())
        if abs(left - poorest * rest) <= 2 * slack + rest * mass:
            raise Unsure
        if size:
            # The line is the same for each of the richest (the sum left to pay and the
            # voters left change together); the margin is as for the last of them in order.
            richest = float(b[capped].max())
            last = int(np.flatnonzero(capped & (b == richest))[-1])
            if abs(left - richest * rest) <= 2 * slack + (rest + float(w[last])) * mass:
                raise Unsure
        pay = left / rest
        error = slack / rest + pay * _ROUND
        return _Price(pay / cost, error / cost, 0, pay, capped)

    def _beats(self, a: int, pa: _Price, b: int, pb: _Price) -> bool:
        """Whether project ``a`` is bought before ``b`` (at their prices now)."""
        inp = self.inp
        if abs(pa.rho - pb.rho) > pa.error + pb.error + (pa.rho + pb.rho) * _ROUND:
            return pa.rho < pb.rho
        if inp.clone[a] == inp.clone[b]:
            return inp.rank[a] < inp.rank[b]
        if pa.equal and pb.equal:
            return pa.equal > pb.equal if pa.equal != pb.equal else inp.rank[a] < inp.rank[b]
        raise Unsure

    def _run(self, share: Fraction) -> tuple[list[int], int]:
        inp = self.inp
        top = float(share)
        money = np.full(inp.n_groups, top)
        mass = top * self.inp.total_weight * _ROUND  # a bound on all voters' errors together
        heap = list(self.keys0)
        selected = list(inp.preselected)
        work = 0
        while True:
            best: int | None = None
            popped: dict[int, _Price] = {}
            while heap:
                if best is not None:
                    # Keys are earlier prices: lower bounds, as prices only go up in a run.
                    price = popped[best]
                    if heap[0][0] > (price.rho + price.error) * (1 + 4 * _ROUND):
                        break
                j = heapq.heappop(heap)[2]
                found = self._price(j, money, mass, top)
                work += 1
                if found is None:
                    continue
                popped[j] = found
                if best is None or self._beats(j, found, best, popped[best]):
                    best = j
            if best is None:
                return selected, work
            for j, found in popped.items():
                if j != best:
                    heapq.heappush(heap, (found.rho - found.error, inp.rank[j], j))
            price = popped[best]
            members = self.groups[best]
            if price.capped is None:
                paying = members[money[members] > 0.0]
                money[paying] -= price.pay
            else:
                money[members[price.capped]] = 0.0
                money[members[~price.capped]] -= price.pay
            mass += 2 * (self.inp.total_u[best] * top + self.cost[best]) * _ROUND
            work += 1
            selected.append(best)
