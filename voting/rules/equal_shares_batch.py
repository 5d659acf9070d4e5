"""Quick runs of Equal Shares in floating point for several shares at once.

The completions run MES at one share after another (see
:mod:`voting.rules.equal_shares_search`), and nearby shares buy almost the same projects in
almost the same order. This runs MES for a batch of shares side by side: every voter's money
is a row per share, so pricing a project, or paying for it, is one pass over its supporters
for all the shares together. It takes the same decisions, with the same error bounds, as
:class:`~voting.rules.equal_shares_float.FloatCount` does for one share: a decision that
floats cannot take for certain drops that share from the batch (it is then run exactly), and
never changes what the other shares buy.

Each share keeps its own count; they share only the order in which projects are examined.
A project's key is a lower bound on its price for every share still counting (prices only go
up during a run), and projects are examined until the next key is above every share's best
price so far, so no project that could win for any share is passed over.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np

from voting.rules.equal_shares_float import _ROUND, FloatCount

if TYPE_CHECKING:
    from voting.rules.equal_shares import Input, Run

# Reductions straight from numpy's ufuncs, without the array methods' wrappers in Python: a
# batch makes tens of thousands of them over short rows.
_sum = np.add.reduce
_min = np.minimum.reduce
_max = np.maximum.reduce
_any = np.logical_or.reduce
_all = np.logical_and.reduce

SIZE = 64
"""The most shares counted side by side."""
_FEWEST = 8
"""The fewest shares worth counting side by side."""
_CLOSE = 500
"""Shares are counted side by side only when the step between two of them is at most
``1 / _CLOSE`` of the first: further apart, they buy in orders too different to share much
of the work."""


@dataclass(slots=True)
class _Prices:
    """One project's price for some shares (``rows``), as ``FloatCount`` prices it: where
    ``equal`` is above 0, that many supporters with money left all pay ``pay`` and ``rho``
    is exactly ``1 / equal``; elsewhere the supporters marked in that row of ``capped`` pay
    all they have and the others ``pay`` each, and ``rho`` is within ``error`` of the exact
    price."""

    rows: np.ndarray
    rho: np.ndarray
    error: np.ndarray
    equal: np.ndarray
    pay: np.ndarray
    capped: np.ndarray | None = None

    def take(self, keep: np.ndarray) -> _Prices:
        capped = None if self.capped is None else self.capped[keep]
        return _Prices(
            self.rows[keep],
            self.rho[keep],
            self.error[keep],
            self.equal[keep],
            self.pay[keep],
            capped,
        )


class _Best:
    """For each share, the project it buys at this round so far (-1: none yet) and its
    price."""

    __slots__ = ("equal", "error", "project", "rho")

    def __init__(self, size: int) -> None:
        self.project = np.full(size, -1, dtype=np.intp)
        self.rho = np.zeros(size)
        self.error = np.zeros(size)
        self.equal = np.zeros(size)

    def consider(self, j: int, prices: _Prices, batch: _Batch) -> None:
        """Project ``j`` at ``prices`` becomes the best for the shares where it beats the
        best so far; the shares where floats cannot tell are dropped."""
        inp = batch.quick.inp
        rows = prices.rows[batch.active[prices.rows]]
        at = np.searchsorted(prices.rows, rows)
        rho, error, equal = prices.rho[at], prices.error[at], prices.equal[at]
        other = self.project[rows]
        first = other < 0
        other = np.where(first, j, other)
        rb, eb, qb = self.rho[rows], self.error[rows], self.equal[rows]
        decisive = np.abs(rho - rb) > error + eb + (rho + rb) * _ROUND
        clone = batch.clone[other] == inp.clone[j]
        ahead = inp.rank[j] < batch.rank[other]
        both = (equal > 0) & (qb > 0)
        by_count = np.where(equal != qb, equal > qb, ahead)
        wins = np.where(decisive, rho < rb, np.where(clone, ahead, by_count))
        unsure = ~first & ~decisive & ~clone & ~both
        wins = first | (wins & ~unsure)
        batch.drop(rows[unsure])
        won = rows[wins]
        self.project[won] = j
        self.rho[won] = rho[wins]
        self.error[won] = error[wins]
        self.equal[won] = equal[wins]


class _Batch:
    """The state of the runs for a batch of shares."""

    def __init__(self, quick: FloatCount, shares: list[Fraction]) -> None:
        inp = quick.inp
        self.quick = quick
        self.top = np.array([float(s) for s in shares])
        self.money = np.repeat(self.top[:, None], inp.n_groups, axis=1)
        self.mass = self.top * inp.total_weight * _ROUND
        k = len(shares)
        self.active = np.ones(k, dtype=bool)
        self.unsure = np.zeros(k, dtype=bool)
        self.work = np.zeros(k, dtype=np.int64)
        self.selected: list[list[int]] = [list(inp.preselected) for _ in shares]
        self.gone = np.zeros((k, len(inp.costs)), dtype=bool)  # bought, or never affordable
        self.clone = np.asarray(inp.clone)
        self.rank = np.asarray(inp.rank)

    def drop(self, rows: np.ndarray) -> None:
        """These shares cannot be decided in floats."""
        self.unsure[rows] = True
        self.active[rows] = False

    def price(self, j: int, rows: np.ndarray) -> _Prices | None:
        """Project ``j``'s price for the shares ``rows``; those for which its supporters
        surely cannot afford it are marked, and those that cannot be decided dropped."""
        quick = self.quick
        n = quick.inp.total_u[j]
        cost = quick.cost[j]
        b = self.money.take(quick.groups[j], axis=1)
        if len(rows) < len(b):
            b = b[rows]
        w = quick.weights[j]
        avail = _sum(b * w, axis=1)
        mass = self.mass[rows]
        slack = mass + (n * self.top[rows] + cost) * _ROUND
        poor = avail + slack < cost
        self.gone[rows[poor], j] = True
        unsure = ~poor & (avail - slack < cost)
        # Voters with nothing left have exactly nothing (their money is set to 0.0).
        lowest = _min(b, axis=1)
        count = np.full(len(rows), float(n))
        if not _all(lowest):
            having = b > 0.0
            count = np.rint(having @ w)
            lowest = _min(np.where(having, b, np.inf), axis=1)
        gap = lowest * count - cost  # nan where nobody has money left: those rows are poor
        margin = slack + count * mass
        fine = ~poor & ~unsure
        equal = fine & (gap > margin)
        split = fine & ~equal
        unsure |= split & (gap >= -margin)
        split &= ~unsure
        rho = np.where(equal, 1.0 / count, 0.0)
        pay = np.where(equal, cost / count, 0.0)
        out = _Prices(rows, rho, np.zeros(len(rows)), np.where(equal, count, 0), pay)
        if _any(split):
            where = split.nonzero()[0]
            out.capped = np.zeros(b.shape, dtype=bool)
            bad = _split(out, where, b[where], w, (n, cost), slack[where], mass[where])
            unsure[where[bad]] = True
        self.drop(rows[unsure])
        keep = (equal | (split & ~unsure)).nonzero()[0]
        if not len(keep):
            return None
        return out.take(keep)

    def bound(self, best: _Best) -> float:
        """The highest price any share still counting could buy at this round, so far."""
        active = self.active
        if not _any(active):
            return -np.inf
        if _any(best.project[active] < 0):
            return np.inf
        return float(_max((best.rho + best.error)[active])) * (1 + 4 * _ROUND)

    def pay(self, j: int, prices: _Prices, rows: np.ndarray) -> None:
        """The shares ``rows`` buy project ``j`` at ``prices``."""
        quick = self.quick
        members = quick.groups[j]
        at = np.searchsorted(prices.rows, rows)
        # Where the shares' supporters' money is in the money, read as one row.
        where = rows[:, None] * self.money.shape[1] + members[None, :]
        flat = self.money.reshape(-1)
        b = flat[where]
        pay = prices.pay[at][:, None]
        if prices.capped is None:
            flat[where] = np.where(b > 0.0, b - pay, b)
        else:
            capped = prices.capped[at]
            equal = (prices.equal[at] > 0)[:, None]
            paid = np.where(equal, np.where(b > 0.0, b - pay, b), np.where(capped, 0.0, b - pay))
            flat[where] = paid
        top = self.top[rows]
        self.mass[rows] += 2 * (quick.inp.total_u[j] * top + quick.cost[j]) * _ROUND
        self.work[rows] += 1
        self.gone[rows, j] = True
        for k in rows.tolist():
            self.selected[k].append(j)


def _split(
    out: _Prices,
    where: np.ndarray,
    b: np.ndarray,
    w: np.ndarray,
    project: tuple[int, float],
    slack: np.ndarray,
    mass: np.ndarray,
) -> np.ndarray:
    """Prices for the rows ``where`` of ``out`` (with money ``b``) at which some supporters
    pay all they have, as ``FloatCount`` works them out (growing the set of those who do from
    the poorest, in every row at once); returns which of them floats cannot decide."""
    n, cost = project
    assert out.capped is not None
    bw = b * w
    capped = np.zeros(b.shape, dtype=bool)
    size = np.zeros(len(where), dtype=np.intp)
    paid = np.zeros(len(where))
    rest = np.full(len(where), float(n))
    while True:
        now = capped | (b * rest[:, None] < (cost - paid)[:, None])
        grown = _sum(now, axis=1)
        if _all(grown == size):
            break
        capped, size = now, grown
        paid = _sum(bw * capped, axis=1)
        rest = n - capped @ w  # whole numbers: exact in any order
    left = cost - paid
    some = size > 0
    # Rounding gone astray (everyone pays all, or nothing is left to pay): not for floats.
    bad: np.ndarray = (size == b.shape[1]) | (left <= 0.0)
    # As in FloatCount: the poorest of those who pay a part, and the richest of those who
    # pay all (the margin as for the last of them), must both be clear of the line.
    poorest = _min(np.where(capped, np.inf, b), axis=1)
    richest = _max(np.where(capped, b, -np.inf), axis=1)
    last = b.shape[1] - 1 - np.argmax((capped & (b == richest[:, None]))[:, ::-1], axis=1)
    bad |= np.abs(left - poorest * rest) <= 2 * slack + rest * mass
    bad |= some & (np.abs(left - richest * rest) <= 2 * slack + (rest + w[last]) * mass)
    pay = left / rest
    out.rho[where] = pay / cost
    out.error[where] = (slack / rest + pay * _ROUND) / cost
    out.pay[where] = pay
    out.capped[where] = capped
    return bad


def run_batch(quick: FloatCount, shares: list[Fraction]) -> list[tuple[list[int], int] | None]:
    """For each share, what one run of MES buys and the passes over a project's supporters
    it made (as ``FloatCount.selected`` gives them), or None if floats cannot decide it.

    Rows where nobody has money left divide by nobody and multiply nothing by infinity: those
    results are never kept (the rows are poor), so numpy is told, once, not to warn of them."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return _run_batch(quick, shares)


def _run_batch(quick: FloatCount, shares: list[Fraction]) -> list[tuple[list[int], int] | None]:
    batch = _Batch(quick, shares)
    rank = quick.inp.rank
    heap = list(quick.keys0)
    while _any(batch.active):
        best = _Best(len(shares))
        popped: dict[int, _Prices] = {}
        while heap and heap[0][0] <= batch.bound(best):
            j = heapq.heappop(heap)[2]
            rows = (batch.active & ~batch.gone[:, j]).nonzero()[0]
            if not len(rows):
                continue
            batch.work[rows] += 1
            prices = batch.price(j, rows)
            if prices is not None:
                popped[j] = prices
                best.consider(j, prices, batch)
        batch.active &= best.project >= 0  # a share that can buy nothing more is done
        buying = best.project[batch.active]
        for j in np.unique(buying).tolist():
            rows = (batch.active & (best.project == j)).nonzero()[0]
            batch.pay(j, popped[j], rows)
        for j, prices in popped.items():
            live = prices.rows[(batch.active & ~batch.gone[:, j])[prices.rows]]
            if len(live):
                at = np.searchsorted(prices.rows, live)
                key = float(_min(prices.rho[at] - prices.error[at]))
                heapq.heappush(heap, (key, rank[j], j))
    return [
        None if batch.unsure[k] else (batch.selected[k], int(batch.work[k]))
        for k in range(len(shares))
    ]


class Counter:
    """Runs of MES for the completions, one share at a time (``__call__``), in floats where
    they decide for certain, else exactly (``exact``). :meth:`ahead` counts the shares about
    to be asked for side by side, and keeps what they buy until they are."""

    def __init__(self, inp: Input, exact: Callable[[Fraction], Run]) -> None:
        self.quick = FloatCount(inp)
        self.exact = exact
        self.kept: dict[Fraction, tuple[list[int], int] | None] = {}

    def __call__(self, share: Fraction) -> Run:
        from voting.rules.equal_shares import Run

        found = self.kept.pop(share) if share in self.kept else self.quick.selected(share)
        # A pass in floats costs about a fifth of an exact one.
        return self.exact(share) if found is None else Run(found[0], [], [], {}, found[1] // 5)

    def ahead(self, shares: Sequence[Fraction]) -> None:
        """The shares about to be asked for, in order and evenly spaced: unless the first is
        kept already, count them side by side (at most :data:`SIZE` of them, when they are
        enough and close enough together), and forget the others kept from before."""
        if not shares or shares[0] in self.kept:
            return
        todo = list(shares[:SIZE])
        self.kept = {}
        if len(todo) >= _FEWEST and (todo[1] - todo[0]) * _CLOSE <= todo[0]:
            for share, found in zip(todo, run_batch(self.quick, todo), strict=True):
                # Side by side, a share's passes cost about half as much as alone.
                self.kept[share] = None if found is None else (found[0], found[1] // 2)
