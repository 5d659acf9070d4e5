"""Paying for a project in the envelopes of :mod:`voting.rules.equal_shares_search`, in numpy
arrays: the same whole numbers as the loop there, for all of a project's classes at once.

Used when every number involved is small enough (below ``2 ** 30``) that no product of two
of them leaves 64-bit integers; otherwise the envelope pays class by class with Python's
integers. numpy's ``//`` on integers rounds down, like Python's.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

_SMALL = 1 << 30

Pay = tuple[int | None, int | None, int, int]
"""What a supporter of one bucket pays: at most (at each end of the interval; None: all they
have), and at least (at each end)."""


def _small(numbers: Sequence[Sequence[int | None]]) -> bool:
    return all(-_SMALL < n < _SMALL for row in numbers for n in row if n is not None)


def paid_rows(
    bucket_of: Sequence[int],
    current: Sequence[Sequence[int]],
    pay: Sequence[Pay],
    first_new: int,
    zero: int,
) -> tuple[list[int], list[list[int]]] | None:
    """Each class's class once it has paid, and the columns of the new classes.

    ``current`` holds the four columns of the paying classes, ``bucket_of`` the bucket of
    each, and ``pay`` what a supporter in each bucket pays. Classes left with the same row of
    bounds share a new class, numbered from ``first_new`` in the order they are first met;
    a class left with nothing goes to ``zero``. None when the numbers are too large for
    64-bit integers."""
    if not _small(current) or not _small(pay):
        return None
    if not bucket_of:
        return [], [[], [], [], []]
    lo0, lo1, hi0, hi1 = (np.array(col, dtype=np.int64) for col in current)
    index = np.array(bucket_of, dtype=np.intp)
    table = np.array([[0 if p is None else p for p in row] for row in pay], dtype=np.int64)
    p0, p1, q0, q1 = table[index].T
    all_they_have = np.array([row[0] is None or row[1] is None for row in pay])[index]
    f0 = np.where(all_they_have, 0, lo0 - p0)
    f1 = np.where(all_they_have, 0, lo1 - p1)
    left = (f0 >= 0) & (f1 >= 0)
    mixed = ~left & ~((f0 <= 0) & (f1 <= 0))
    rise = np.maximum(f1, 0) - np.maximum(f0, 0)
    across = np.where(mixed, f0 - f1, 1)
    e0 = np.where(left, f0, np.where(mixed, (-rise * f0) // across, 0))
    e1 = np.where(left, f1, np.where(mixed, (-rise * f1) // across, 0))
    rows = np.stack([e0, e1, np.maximum(hi0 - q0, 0), np.maximum(hi1 - q1, 0)], axis=1)
    unique, first, inverse = np.unique(rows, axis=0, return_index=True, return_inverse=True)
    met = np.argsort(first, kind="stable")
    fresh = met[unique[met].any(axis=1)]
    ids = np.full(len(unique), zero, dtype=np.int64)
    ids[fresh] = first_new + np.arange(len(fresh))
    targets: list[int] = ids[inverse.reshape(-1)].tolist()
    return targets, [unique[fresh, c].tolist() for c in range(4)]
