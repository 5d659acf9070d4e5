"""Bounds on every voter's money over an interval of shares, for the proofs of
:mod:`voting.rules.equal_shares_search`, kept in numpy arrays indexed by class.

The amounts are whole numbers in units of ``1 / scale``. They are held as 64-bit integers
when every sum and product the proofs form stays below ``2 ** 62`` (checked once, from the
largest amount, cost and satisfaction of the election), and otherwise as Python's integers
in numpy object arrays: the same sums either way, exactly. Prices (``rho``) and the lines
through them are exact fractions too: GMP's rationals (gmpy2's ``mpq``), worked out in C,
which compare, hash and mix with :class:`fractions.Fraction` exactly.
"""

from __future__ import annotations

from fractions import Fraction
from math import lcm
from typing import TYPE_CHECKING

import numpy as np
from gmpy2 import mpq

from voting.rules.equal_shares_rows import Pay, paid_rows

if TYPE_CHECKING:
    from voting.rules.equal_shares import Input

ZERO = 1  # the class of voters with no money left anywhere in the interval
_LIMIT = 1 << 62
_NOUGHT = mpq(0)
_NONE = np.zeros(0, dtype=np.intp)
_RADIX = 1 << 16  # numpy sorts integers of 16 bits by radix sort
# Sums straight from numpy's adding ufunc, without ``ndarray.sum``'s wrapper in Python: the
# proofs add up tens of thousands of short arrays.
_sum = np.add.reduce

Line = tuple[Fraction, Fraction]
Counts = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
"""A project's supporters by class: the classes, how many voters each has, the bucket each
is in, and the four columns of bounds for those classes (one row per column)."""


def _dtype(inp: Input, high: int, scale: int) -> type:
    """int64 where every product the proofs form fits in it, else Python's integers."""
    costs = [inp.cost_num[j] * (scale // inp.cost_den[j]) for j in inp.candidates]
    units = max([1, *(max(b.u, b.key) for j in inp.candidates for b in inp.buckets[j])])
    # A project's supporters hold at most ``high`` each, and number at most its ``total_u``.
    weight = max([1, *(inp.total_u[j] for j in inp.candidates)])
    bound = max(high * weight * units, max([0, *costs]) * units)
    return np.int64 if bound < _LIMIT else object


class Envelope:
    """Lower and upper bounds on every voter's money, for all shares in an interval.

    For a share ``start + d`` with ``0 <= d <= width``, a voter of class ``v`` has at least
    ``lo0 + (loW - lo0) * d / width`` and at most ``hi0 + (hiW - hi0) * d / width``, in units
    of ``1 / scale``: the four rows of ``cols`` (of which the first ``size`` columns are in
    use), indexed by class. Bounds are rounded outwards to whole units, which keeps them
    valid. ``gvid`` gives each group's class.
    """

    __slots__ = ("cols", "gvid", "inp", "scale", "size", "steps", "width")

    def __init__(self, inp: Input, start: Fraction, step: Fraction, steps: int) -> None:
        self.inp = inp
        self.scale = lcm(start.denominator, step.denominator, inp.cost_lcm) << 16
        self.steps = steps
        self.width = step * steps
        low = int(start * self.scale)
        high = int((start + self.width) * self.scale)
        # Class 0: nobody has paid yet; class ZERO: nothing left.
        self.cols: np.ndarray = np.zeros((4, 64), dtype=_dtype(inp, high, self.scale))
        self.cols[:, 0] = (low, high, low, high)
        self.size = 2
        self.gvid = np.zeros(inp.n_groups, dtype=np.intp)

    def _like(self, cols: np.ndarray, size: int, gvid: np.ndarray) -> Envelope:
        other = Envelope.__new__(Envelope)
        other.inp = self.inp
        other.scale = self.scale
        other.steps = self.steps
        other.width = self.width
        other.cols = cols
        other.size = size
        other.gvid = gvid
        return other

    def copy(self) -> Envelope:
        return self._like(self.cols.copy(), self.size, self.gvid.copy())

    def union(self, other: Envelope) -> Envelope:
        """Bounds that hold for the money in either envelope (both over the same interval)."""
        base = other.size
        pairs, gvid = _distinct(self.gvid * base + other.gvid, self.size * base, base)
        mine = pairs // base
        theirs = pairs % base
        a = self.cols.take(mine, axis=1)
        b = other.cols.take(theirs, axis=1)
        # Keep classes 0 and ZERO in their places; the pairs follow.
        cols = np.empty((4, len(pairs) + 2), dtype=self.cols.dtype)
        cols[:, :2] = self.cols[:, :2]
        cols[:2, 2:] = np.minimum(a[:2], b[:2])
        cols[2:, 2:] = np.maximum(a[2:], b[2:])
        return self._like(cols, len(pairs) + 2, gvid.reshape(-1) + 2)

    def classes_of(self, j: int) -> list[np.ndarray]:
        """For each bucket of ``j``'s supporters, the class of each of them (one entry per
        voter)."""
        return [self.gvid.take(everyone) for everyone, _ in self.inp.supporters(j)]

    def counts(self, j: int, at: list[np.ndarray] | None = None) -> Counts:
        """The project's supporters by class: classes, voters, buckets, and the class columns
        (``at``: :meth:`classes_of`, if known)."""
        if at is None:
            at = self.classes_of(j)
        if len(at) == 1:
            tally = np.bincount(at[0])
            classes = (tally > 0).nonzero()[0]  # faster on booleans than on counts
            bucket_of = np.zeros(len(classes), dtype=np.intp)
        else:
            found = []
            for index, mine in enumerate(at):
                part = np.bincount(mine)
                present = (part > 0).nonzero()[0]
                found.append((present, part[present], np.full(len(present), index, np.intp)))
            classes = np.concatenate([f[0] for f in found])
            voters = np.concatenate([f[1] for f in found])
            return (
                classes,
                voters,
                np.concatenate([f[2] for f in found]),
                self.cols.take(classes, axis=1),
            )
        return classes, tally.take(classes), bucket_of, self.cols.take(classes, axis=1)

    def out_of_reach(self, j: int, at: list[np.ndarray]) -> bool:
        """Whether ``j``'s supporters (in the classes ``at``, from :meth:`classes_of`) cannot
        afford it even with the most money they may have, at either end of the interval (so
        nowhere in it: the bound is a straight line). Found from their money alone, without
        counting them by class."""
        cost = self.cost(j)
        # Most projects looked at are out of reach; of those that are not, most can be
        # afforded at the end of the interval, so that end is tried first.
        cols = self.cols
        if len(at) == 1:  # one bucket, as on approval ballots
            (classes,) = at
            return not (_sum(cols[3].take(classes)) >= cost or _sum(cols[2].take(classes)) >= cost)
        for col in (cols[3], cols[2]):
            if sum(int(col.take(classes).sum()) for classes in at) >= cost:
                return False
        return True

    def cost(self, j: int) -> int:
        inp = self.inp
        return inp.cost_num[j] * (self.scale // inp.cost_den[j])

    def _pays_all(
        self, j: int, cost: int, values: np.ndarray, voters: np.ndarray, bucket_of: np.ndarray
    ) -> tuple[np.ndarray, int, int]:
        """Who pays all they have when supporters with these amounts of money buy ``j``.

        The same as :meth:`voting.rules.equal_shares.Input.pays_all` gives, found without
        sorting: those are the classes with less money (per unit of satisfaction) than the
        others then pay, so they are found by growing the set from the poorest until it
        stops growing. Returns them, what they pay between them, and the satisfaction of the
        others.
        """
        inp = self.inp
        total = inp.total_u[j]
        unit = None
        taken = voters
        if not inp.uniform:
            unit = np.array([b.u for b in inp.buckets[j]], dtype=values.dtype)[bucket_of]
            taken = voters * unit
        # What each class has between its voters, and their satisfaction: summed together.
        sums = np.array((values * voters, taken))
        paid, den, size = 0, total, 0
        while True:
            left = cost - paid
            if unit is not None:
                capped = (values * den < left * unit).nonzero()[0]
            elif den > 0:
                # ``value * den < left`` for whole numbers: ``value`` under left / den,
                # rounded up.
                capped = (values < -(-left // den)).nonzero()[0]
            else:
                capped = np.arange(len(values)) if left > 0 else _NONE
            if len(capped) == size:
                return (capped if size else _NONE), paid, den
            size = len(capped)
            held, units = _sum(sums.take(capped, axis=1), axis=1).tolist()
            paid, den = held, total - units

    def price(self, j: int, counts: Counts, col: int, tangent: bool) -> Line | None:
        """``rho`` of project ``j`` with the money in column ``col``, and a slope bound.

        The slope bound (computed with ``tangent``, from the upper bounds) gives a line through
        ``rho`` that stays under ``rho`` across the interval (``rho`` is convex in the share).
        """
        inp = self.inp
        _, voters, bucket_of, cols = counts
        values = cols[col]
        cost = self.cost(j)
        if int(values @ voters) < cost:
            return None
        poor, paid, den = self._pays_all(j, cost, values, voters, bucket_of)
        under = self.scale * inp.sat_num[j] * den
        rho = mpq((cost - paid) * inp.sat_den[j], under)
        if not tangent:
            return rho, _NOUGHT
        moving = int(voters.take(poor) @ (cols[3].take(poor) - cols[2].take(poor)))
        width = self.width
        return rho, mpq(-moving * inp.sat_den[j] * width.denominator, under * width.numerator)

    def pay(self, j: int, counts: Counts, upper: Line | None, lower: Line) -> None:
        """Supporters of ``j`` pay, with ``rho`` between ``lower`` and ``upper`` (at each end).

        With no ``upper`` bound they may pay everything they have.
        """
        inp = self.inp
        # What a supporter pays is ``rho`` times their satisfaction, in units of 1 / scale:
        # rounded up from the upper bound and down from the lower, in whole numbers.
        den = inp.sat_den[j]
        pay: list[Pay] = []
        for bucket in inp.buckets[j]:
            k = bucket.u * self.scale * inp.sat_num[j]
            pay.append(
                (
                    None if upper is None else -_floor(-upper[0], k, den),
                    None if upper is None else -_floor(-upper[1], k, den),
                    _floor(lower[0], k, den),
                    _floor(lower[1], k, den),
                )
            )
        classes, _, bucket_of, current = counts
        found = None
        if self.cols.dtype != object:
            found = paid_rows(bucket_of, current, pay, self.size, ZERO)
        if found is None:
            found = _paid_loop(bucket_of, current, pay, self.size)
        targets, fresh = found
        added = fresh.shape[1]
        if self.size + added > self.cols.shape[1]:
            grown = np.zeros((4, 2 * (self.size + added)), dtype=self.cols.dtype)
            grown[:, : self.size] = self.cols[:, : self.size]
            self.cols = grown
        self.cols[:, self.size : self.size + added] = fresh
        self.size += added
        parts = inp.supporters(j)
        if len(parts) == 1:
            # Every supporter is in one of ``classes``: only their entries are read.
            lookup = np.empty(self.size, dtype=np.intp)
            lookup[classes] = targets
            members = parts[0][1]
            self.gvid[members] = lookup[self.gvid[members]]
            return
        lookup = np.arange(self.size, dtype=np.intp)
        for index, (_, members) in enumerate(parts):
            mine = bucket_of == index
            lookup[classes[mine]] = targets[mine]
            self.gvid[members] = lookup[self.gvid[members]]
            lookup[classes[mine]] = classes[mine]


def _floor(x: Fraction, num: int, den: int) -> int:
    """``x * num / den`` rounded down."""
    return int((x.numerator * num) // (x.denominator * den))


def _distinct(keys: np.ndarray, below: int, base: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The different values of ``keys`` (all below ``below``) in order, and which of them
    each key is: what ``np.unique`` gives. Found without sorting when a table of ``below``
    entries is small enough to mark them in; else, for keys that are pairs ``high * base +
    low`` of two numbers each below 65,536, by sorting on each number in turn, which numpy
    does by radix sort, in linear time."""
    if below > 8 * len(keys) + (1 << 16):
        if 0 < base <= _RADIX and -(-below // base) <= _RADIX:
            return _distinct_pairs(keys, base)
        return np.unique(keys, return_inverse=True)
    present = np.zeros(below, dtype=bool)
    present[keys] = True
    values = np.flatnonzero(present)
    number = np.zeros(below, dtype=np.intp)
    number[values] = np.arange(len(values))
    return values, number[keys]


def _distinct_pairs(keys: np.ndarray, base: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_distinct` for keys ``high * base + low`` with both numbers below 65,536: a
    stable sort on ``low``, then on ``high``, each of 16-bit numbers."""
    order = np.argsort((keys % base).astype(np.uint16), kind="stable")
    order = order[np.argsort((keys[order] // base).astype(np.uint16), kind="stable")]
    ordered = keys[order]
    new = np.empty(len(keys), dtype=bool)
    new[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
    which = np.empty(len(keys), dtype=np.intp)
    which[order] = np.cumsum(new) - 1
    return ordered[new], which


def _paid_loop(
    bucket_of: np.ndarray, current: np.ndarray, pay: list[Pay], first_new: int
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`voting.rules.equal_shares_rows.paid_rows` class by class, with Python's
    integers (for numbers too large for 64 bits)."""
    targets: list[int] = []
    fresh: list[list[int]] = [[], [], [], []]
    rows = zip(bucket_of.tolist(), *(col.tolist() for col in current), strict=True)
    for index, lo0, lo1, hi0, hi1 in rows:
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
        if row == (0, 0, 0, 0):
            targets.append(ZERO)
            continue
        targets.append(first_new + len(fresh[0]))
        for col, value in zip(fresh, row, strict=True):
            col.append(value)
    return np.array(targets, dtype=np.intp), np.array(fresh, dtype=object).reshape(4, -1)
