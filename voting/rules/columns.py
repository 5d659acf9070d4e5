"""Ballots kept as columns: each different ballot (a "kind") once, as arrays, and for every
ballot cast which kind it is and its voter id.

A large vote has far fewer different ballots than ballots, and a count only needs each
different ballot with how many people cast it, so a vote read from a database is kept this
way rather than as an object per ballot. It is still a sequence of :class:`Ballot`: each is
made when it is asked for. The rules that count identical ballots together ask instead for
:meth:`BallotColumns.merged`, or read approval ballots straight from the arrays
(:meth:`BallotColumns.approval`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import replace
from itertools import pairwise
from typing import Any, overload

import numpy as np

from voting.rules.model import Ballot, Election, Number

_new = Ballot.__new__
_BITS = 62  # projects per word of a set of projects written as bits


def _cast(kind: Ballot, voter_id: str | None) -> Ballot:
    """``kind`` with this voter id (its fields were checked when ``kind`` was made)."""
    ballot = _new(Ballot)
    ballot.projects = kind.projects
    ballot.points = kind.points
    ballot.voter_id = voter_id
    ballot.extra = kind.extra
    return ballot


def as_bits(rows: np.ndarray, members: np.ndarray, n_rows: int, size: int) -> np.ndarray:
    """Sets of numbers below ``size`` as ``n_rows`` rows of bits: row ``rows[k]`` holds
    ``members[k]``. Equal sets give equal rows, whatever order their members came in."""
    out = np.zeros((n_rows, max(1, -(-size // _BITS))), dtype=np.int64)
    if out.shape[1] == 1:
        np.bitwise_or.at(out.reshape(-1), rows, np.left_shift(1, members, dtype=np.int64))
    else:
        np.bitwise_or.at(out, (rows, members // _BITS), np.left_shift(1, members % _BITS))
    return out


def distinct_rows(bits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The different rows of ``bits`` in order: where each is first met, and which one each
    row is."""
    if bits.shape[1] == 1:  # one word a row: as numbers, several times quicker
        _, first, which = np.unique(bits.reshape(-1), return_index=True, return_inverse=True)
    else:
        _, first, which = np.unique(bits, axis=0, return_index=True, return_inverse=True)
    return first, which.reshape(-1)


def gather(indptr: np.ndarray, picked: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where the entries of the rows ``picked`` of a CSR layout (``indptr``) are, one row
    after another, and the new layout's ``indptr``."""
    lengths = np.diff(indptr)[picked]
    out = np.zeros(len(picked) + 1, dtype=np.intp)
    np.cumsum(lengths, out=out[1:])
    where = np.repeat(indptr[picked] - out[:-1], lengths) + np.arange(out[-1], dtype=np.intp)
    return where, out


class BallotColumns(Sequence[Ballot]):
    """The ballots cast, in order: ballot ``i`` is kind ``which[i]``, with the voter id
    ``voter_ids[i]`` (no voter ids: none).

    Kind ``g`` chooses the projects ``ids[members[k]]`` for ``k`` from ``indptr[g]`` to
    ``indptr[g + 1]``, in the ballot's own order, with ``points[k]`` each (no points: a
    ballot without points).
    """

    __slots__ = (
        "_approval",
        "_kinds",
        "ids",
        "indptr",
        "members",
        "points",
        "voter_ids",
        "which",
    )

    def __init__(
        self,
        ids: Sequence[str],
        indptr: Sequence[int] | np.ndarray,
        members: Sequence[int] | np.ndarray,
        which: Sequence[int] | np.ndarray,
        voter_ids: Sequence[str | None] | None = None,
        points: Sequence[Number] | None = None,
    ) -> None:
        self.ids = list(ids)
        self.indptr = np.asarray(indptr, dtype=np.intp).reshape(-1)
        self.members = np.asarray(members, dtype=np.intp).reshape(-1)
        self.which = np.asarray(which, dtype=np.intp).reshape(-1)
        self.points = None if points is None else list(points)
        self.voter_ids = voter_ids
        self._kinds: list[Ballot] | None = None
        self._approval: tuple[tuple[tuple[int, ...], int], tuple[Any, ...]] | None = None
        kinds = len(self.indptr) - 1
        if kinds < 0 or self.indptr[0] != 0 or self.indptr[-1] != len(self.members):
            raise ValueError("indptr must run from 0 to the number of members")
        if len(self.members) and not 0 <= self.members.min() <= self.members.max() < len(ids):
            raise ValueError("every member must be one of the ids")
        if len(self.which) and not 0 <= self.which.min() <= self.which.max() < kinds:
            raise ValueError("every ballot must be one of the kinds")
        if self.points is not None and len(self.points) != len(self.members):
            raise ValueError("a ballot with points needs points for each project")
        if voter_ids is not None and len(voter_ids) != len(self.which):
            raise ValueError("every ballot needs its voter id")

    @classmethod
    def of(
        cls,
        kinds: Sequence[Ballot],
        which: Sequence[int] | np.ndarray,
        voter_ids: Sequence[str | None] | None = None,
    ) -> BallotColumns:
        """The ballots ``kinds[which[i]]``, with their voter ids (the kinds' own are not
        kept)."""
        position: dict[str, int] = {}
        members: list[int] = []
        points: list[Number] = []
        indptr = [0]
        with_points = any(kind.points is not None for kind in kinds)
        if with_points and any(kind.points is None for kind in kinds):
            raise ValueError("the kinds must all have points, or none")
        for kind in kinds:
            members.extend(position.setdefault(pid, len(position)) for pid in kind.projects)
            points.extend(kind.points or ())
            indptr.append(len(members))
        out = cls(
            list(position), indptr, members, which, voter_ids, points if with_points else None
        )
        out._kinds = [_cast(kind, None) for kind in kinds]
        return out

    @classmethod
    def from_ballots(cls, ballots: Sequence[Ballot]) -> BallotColumns:
        """``ballots`` as columns: each different ballot (its projects, points and further
        fields; the voter id aside) once, with every ballot's voter id."""
        kinds: dict[tuple[Any, ...], int] = {}
        found: list[Ballot] = []
        which: list[int] = []
        for ballot in ballots:
            key = (ballot.projects, ballot.points, ballot.extra)
            kind = kinds.get(key)
            if kind is None:
                kind = kinds[key] = len(found)
                found.append(Ballot(ballot.projects, ballot.points, None, ballot.extra))
            which.append(kind)
        voter_ids = [b.voter_id for b in ballots]
        return cls.of(found, which, None if all(v is None for v in voter_ids) else voter_ids)

    @property
    def kinds(self) -> list[Ballot]:
        """Each kind as a ballot without a voter id."""
        if self._kinds is None:
            ids = self.ids
            projects = [ids[m] for m in self.members.tolist()]
            points = self.points
            self._kinds = [
                Ballot(tuple(projects[a:b]), None if points is None else tuple(points[a:b]))
                for a, b in pairwise(self.indptr.tolist())
            ]
        return self._kinds

    def __len__(self) -> int:
        return len(self.which)

    @overload
    def __getitem__(self, index: int) -> Ballot: ...

    @overload
    def __getitem__(self, index: slice) -> list[Ballot]: ...

    def __getitem__(self, index: int | slice) -> Ballot | list[Ballot]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        kind = self.kinds[int(self.which[index])]
        return _cast(kind, None if self.voter_ids is None else self.voter_ids[index])

    def __iter__(self) -> Iterator[Ballot]:
        kinds = self.kinds
        voter_ids = self.voter_ids if self.voter_ids is not None else [None] * len(self)
        for k, voter_id in zip(self.which.tolist(), voter_ids, strict=True):
            yield _cast(kinds[k], voter_id)

    def counts(self) -> np.ndarray:
        """How many people cast each kind."""
        return np.bincount(self.which, minlength=len(self.indptr) - 1)

    def merged(self) -> list[tuple[Ballot, int]]:
        """Each kind that was cast (as a ballot without a voter id) and how many people cast
        it."""
        counts = self.counts().tolist()
        return [(kind, n) for kind, n in zip(self.kinds, counts, strict=True) if n]

    def approval(self, index: Mapping[str, int], size: int) -> tuple[Any, ...]:
        """The ballots read as approval ballots over projects numbered by ``index`` (below
        ``size``), identical ones merged: the different sets of projects supported (each
        sorted), how many people supported each, each project's supporting sets (by
        number), and each project's supporters. A ballot supports every project it chooses
        (with more than zero points, on a ballot with points). Raises KeyError for an id
        that ``index`` does not know.

        The columns do not change once made, so the reading is worked out once for each
        numbering of the projects and kept: the lists returned are shared, not to be changed.
        """
        key = (tuple([index[pid] for pid in self.ids]), size)
        if self._approval is not None and self._approval[0] == key:
            return self._approval[1]
        found = self._read_approval(np.array(key[0], dtype=np.intp), size)
        self._approval = (key, found)
        return found

    def _read_approval(self, numbers: np.ndarray, size: int) -> tuple[Any, ...]:
        """:meth:`approval`, with ``numbers[k]`` the number of the project ``ids[k]``."""
        counts = self.counts()
        cast = np.flatnonzero(counts)
        if not len(cast):
            return [], [], [[] for _ in range(size)], [0] * size
        rows = np.repeat(np.arange(len(counts), dtype=np.intp), np.diff(self.indptr))
        members = numbers[self.members]
        if self.points is not None:
            given = np.array([p > 0 for p in self.points], dtype=bool)
            rows, members = rows[given], members[given]
        first, inverse = distinct_rows(as_bits(rows, members, len(counts), size)[cast])
        mult = np.zeros(len(first), dtype=np.int64)
        np.add.at(mult, inverse, counts[cast])
        indptr = np.searchsorted(rows, np.arange(len(counts) + 1))
        return _approval_sets(indptr, members, cast[first], mult, size)


def merge_ballots(election: Election) -> Election:
    """The same election with its ballots kept as columns (:meth:`BallotColumns.from_ballots`)
    and read as approval ballots, so that identical ballots are merged once, when the
    election is loaded, rather than at every count."""
    columns = election.ballots
    if not isinstance(columns, BallotColumns):
        columns = BallotColumns.from_ballots(columns)
        election = replace(election, ballots=columns)
    index = {p.id: i for i, p in enumerate(election.projects)}
    with suppress(KeyError):  # an unknown project: the count says so
        columns.approval(index, len(index))
    return election


def _approval_sets(
    indptr: np.ndarray, members: np.ndarray, kinds: np.ndarray, mult: np.ndarray, size: int
) -> tuple[list[tuple[int, ...]], list[int], list[list[int]], list[int]]:
    """The sets chosen by the ``kinds`` (one kind for each set, with ``mult`` people; kind
    ``g`` chose ``members[indptr[g]:indptr[g + 1]]``): see :meth:`BallotColumns.approval`."""
    where, setptr = gather(indptr, kinds)
    chosen = members[where]
    owner = np.repeat(np.arange(len(kinds), dtype=np.intp), np.diff(setptr))
    # Sorted within each set, each project once.
    order = np.lexsort((chosen, owner))
    chosen, owner = chosen[order], owner[order]
    once = np.ones(len(chosen), dtype=bool)
    once[1:] = (chosen[1:] != chosen[:-1]) | (owner[1:] != owner[:-1])
    chosen, owner = chosen[once], owner[once]
    setptr = np.searchsorted(owner, np.arange(len(kinds) + 1))
    flat = chosen.tolist()
    groups = [tuple(flat[a:b]) for a, b in pairwise(setptr.tolist())]
    by_project = np.argsort(chosen, kind="stable")
    holders = owner[by_project].tolist()
    ends = np.searchsorted(chosen[by_project], np.arange(size + 1)).tolist()
    supporters = [holders[a:b] for a, b in pairwise(ends)]
    votes = np.zeros(size, dtype=np.int64)
    np.add.at(votes, chosen, mult[owner])
    return groups, mult.tolist(), supporters, votes.tolist()


__all__ = ["BallotColumns", "merge_ballots"]
