"""Paying for a project in the envelopes of :mod:`voting.rules.equal_shares_envelope`, in
numpy arrays: the same whole numbers as paying class by class with Python's integers, for
all of a project's classes at once.

Used when every number involved is below ``2 ** 62``, so that no difference of two of them
leaves 64-bit integers; the few products (for a class that may or may not afford its part)
are taken with Python's integers. Otherwise the envelope pays class by class. numpy's ``//``
on integers rounds down, like Python's.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

_SMALL = 1 << 62

Pay = tuple[int | None, int | None, int, int]
"""What a supporter of one bucket pays: at most (at each end of the interval; None: all they
have), and at least (at each end)."""


def _small(numbers: Sequence[Sequence[int | None]]) -> bool:
    return all(-_SMALL < n < _SMALL for row in numbers for n in row if n is not None)


def paid_rows(
    bucket_of: np.ndarray | Sequence[int],
    current: np.ndarray | Sequence[Sequence[int]],
    pay: Sequence[Pay],
    first_new: int,
    zero: int,
) -> tuple[np.ndarray, np.ndarray] | None:
    """Each class's class once it has paid, and the four columns of the new classes (rows of
    an array).

    ``current`` holds the four columns of the paying classes, ``bucket_of`` the bucket of
    each, and ``pay`` what a supporter in each bucket pays. A class left with nothing goes to
    ``zero``; each of the others becomes a new class, numbered from ``first_new`` in order.
    (Two classes can be left with the same bounds, where paying takes both down to 0 at one
    end, or where they paid different amounts. Their voters could then share a class, but
    keeping them apart changes no bound, and finding them takes a sort of every row at every
    purchase: counting Budapest 2024 with add1 found none among 574,149 new classes.) None
    when the numbers are too large for 64-bit integers."""
    if not _small(pay):
        return None
    if isinstance(current, np.ndarray):
        if current.dtype != np.int64:
            return None
        if current.size and (current.max() >= _SMALL or current.min() <= -_SMALL):
            return None
    elif not _small(current):
        return None
    if not len(bucket_of):
        return np.zeros(0, dtype=np.intp), np.zeros((4, 0), dtype=np.int64)
    lo0, lo1, hi0, hi1 = (np.asarray(col, dtype=np.int64) for col in current)
    index = np.asarray(bucket_of, dtype=np.intp)
    f0, f1, q0, q1 = _owed(index, lo0, lo1, pay)
    left = (f0 >= 0) & (f1 >= 0)
    e0 = np.where(left, f0, 0)
    e1 = np.where(left, f1, 0)
    mixed = np.flatnonzero(~left & ~((f0 <= 0) & (f1 <= 0)))
    for i, a, b in zip(mixed.tolist(), f0[mixed].tolist(), f1[mixed].tolist(), strict=True):
        rise = max(0, b) - max(0, a)
        e0[i] = (-rise * a) // (a - b)
        e1[i] = (-rise * b) // (a - b)
    cols = np.array((e0, e1, np.maximum(hi0 - q0, 0), np.maximum(hi1 - q1, 0)))
    kept = np.flatnonzero(cols.any(axis=0))
    ids = np.full(len(index), zero, dtype=np.intp)
    ids[kept] = np.arange(first_new, first_new + len(kept))
    return ids, cols.take(kept, axis=1)


def _owed(
    index: np.ndarray, lo0: np.ndarray, lo1: np.ndarray, pay: Sequence[Pay]
) -> tuple[np.ndarray, np.ndarray, np.ndarray | int, np.ndarray | int]:
    """What each class has left at the lower bounds after paying the most it may (0 where it
    may pay all it has), and the least it pays at each end."""
    if len(pay) == 1:
        # One bucket (every supporter alike): the same amounts for every class.
        ((p0, p1, q0, q1),) = pay
        if p0 is None or p1 is None:
            return np.zeros(len(index), np.int64), np.zeros(len(index), np.int64), q0, q1
        return lo0 - p0, lo1 - p1, q0, q1
    table = np.array([[0 if p is None else p for p in row] for row in pay], dtype=np.int64)
    p0, p1, q0s, q1s = table[index].T
    all_they_have = np.array([row[0] is None or row[1] is None for row in pay])[index]
    return np.where(all_they_have, 0, lo0 - p0), np.where(all_they_have, 0, lo1 - p1), q0s, q1s
