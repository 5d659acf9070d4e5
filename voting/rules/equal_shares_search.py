"""The completions of Equal Shares: the voters' share at which raising it stops.

The ``add1`` and ``budget_increase`` completions raise every voter's share one step at a time
and run MES again at each step (see :mod:`voting.rules.equal_shares`). The search here gives
exactly the share that raising one step at a time would stop at, but skips runs of steps that
are proven not to stop the raising (:func:`_certify`). The proof bounds every voter's money,
for a whole interval of shares, between two straight lines in the share (rounded outwards, so
they stay valid). It uses two facts: with more money no project's ``rho`` goes up, and ``rho``
is a convex function of the share. It follows every order of purchases that some share in the
interval could give, and checks that none of the sets they end with would stop the raising.
Where proofs do not pay (the outcome changes at almost every step), steps are counted one by
one. Which of the two the search does next depends only on the election: it weighs the work
each has taken so far, counted as passes over a project's supporters, never the time taken.
A proof's shares, prices and lines are GMP's exact rationals (gmpy2's ``mpq``), as in
:mod:`voting.rules.equal_shares_envelope`.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, overload

from gmpy2 import mpq

from voting.rules.equal_shares_disjoint import disjoint_share, supports_are_disjoint
from voting.rules.equal_shares_envelope import Counts as _Counts
from voting.rules.equal_shares_envelope import Envelope as _Envelope
from voting.rules.equal_shares_envelope import Line as _Line
from voting.rules.equal_shares_pace import Pace as _Pace
from voting.rules.model import Number

if TYPE_CHECKING:
    from voting.rules.equal_shares import Input, Run

_MAX_WAYS = 4  # more ways the count could go than this: try a shorter interval


class _Floor:
    """The upper envelope of two lines ``a + s * d`` over ``[0, width]``, which lies under a
    project's ``rho``: its values at the two ends and, where the lines cross inside, how far
    along the interval (as a part of ``width``) and its value there. The gap between it and a
    straight line is convex, so it is lowest at an end or where the two lines cross; this
    keeps what every comparison with a line needs, worked out once."""

    __slots__ = ("at", "end", "lines", "start", "value")

    def __init__(self, lines: tuple[_Line, _Line], width: Fraction) -> None:
        (a0, s0), (a1, s1) = lines
        self.lines = lines
        self.at: Fraction | None = None
        if lines[0] is lines[1]:  # one line: no crossing
            self.value = self.start = a0
            self.end = a0 + s0 * width
            return
        self.start = max(a0, a1)
        self.end = max(a0 + s0 * width, a1 + s1 * width)
        self.value = self.start
        if s0 != s1:
            d = (a1 - a0) / (s0 - s1)
            if 0 < d < width:
                self.at = d / width
                self.value = a0 + s0 * d

    def lowest(self) -> Fraction:
        """Its lowest value over the interval."""
        return min(self.start, self.end, self.value)

    def over(self, chord: _Line, strict: bool) -> bool:
        """Whether the straight line from ``chord[0]`` at 0 to ``chord[1]`` at ``width`` lies
        under it (``<`` if ``strict``, else ``<=``)."""
        c0, c1 = chord
        if strict:
            if not (self.start > c0 and self.end > c1):
                return False
        elif not (self.start >= c0 and self.end >= c1):
            return False
        if self.at is None:
            return True
        gap = self.value - c0 - (c1 - c0) * self.at
        return gap > 0 if strict else gap >= 0


def _under(chord: _Line, lines: tuple[_Line, _Line], width: Fraction, strict: bool) -> bool:
    """Whether a straight line lies under the upper envelope of two lines on ``[0, width]``.

    The line goes from ``chord[0]`` at 0 to ``chord[1]`` at ``width``; ``lines`` are
    ``a + s * d``. Compared with ``<`` if ``strict``, else ``<=``.
    """
    return _Floor(lines, width).over(chord, strict)


def _below(x: Fraction) -> float:
    """A float no greater than ``x``."""
    return math.nextafter(float(x), -math.inf)


def _above(x: Fraction) -> float:
    """A float no smaller than ``x``."""
    return math.nextafter(float(x), math.inf)


_Entry = tuple[float, int, int, Fraction]


@dataclass(slots=True)
class _Branch:
    """Bounds on the count, over an interval of shares, for the shares whose purchases so far
    are the projects in ``bought`` (in some order).

    ``keys`` holds a lower bound on each remaining project's ``rho`` across the interval and
    ``lines`` the envelope of two tangent lines under it, where known; ``dead`` lists the
    projects that nobody can afford anywhere in the interval. ``heap`` orders the remaining
    projects by their keys (rounded down to floats), each entry ``(float, rank, project,
    key)``: every remaining project has one entry with its key; entries whose project was
    bought, is dead or has a newer key are skipped when they come up.
    """

    env: _Envelope
    bought: frozenset[int]
    keys: dict[int, Fraction]
    lines: dict[int, _Floor]
    dead: set[int]
    heap: list[_Entry]

    def copy(self) -> _Branch:
        return _Branch(
            self.env.copy(),
            self.bought,
            dict(self.keys),
            dict(self.lines),
            set(self.dead),
            list(self.heap),
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
        dead = self.dead & other.dead
        return _Branch(self.env.union(other.env), self.bought, keys, {}, dead, [])


@dataclass(slots=True)
class _Contender:
    """A project that may be bought next: its supporters by class; ``chord``, its ``rho`` at
    the two ends of the interval, whose chord is an upper bound (None where it might not be
    affordable everywhere: then its supporters may pay all they have); and ``tangent``, a line
    under ``rho`` (its value at the start and its slope)."""

    project: int
    counts: _Counts
    chord: tuple[Fraction, Fraction] | None
    tangent: tuple[Fraction, Fraction]


class _Proof:
    """Every way the count could go for the shares in one interval (see :func:`_certify`).

    ``work`` counts the passes over a project's supporters made so far, as in
    :class:`~voting.rules.equal_shares.Run`.
    """

    __slots__ = ("clone", "floors", "inp", "rank", "work")

    def __init__(self, inp: Input) -> None:
        self.inp = inp
        self.rank = inp.rank
        self.clone = inp.clone
        self.work = 0
        self.floors: dict[int, tuple[Fraction, float]] = {}

    def endings(self, start: Fraction, step: Fraction, steps: int) -> set[frozenset[int]] | None:
        """Every set of projects the count can end with for a share in the interval, or None
        if it could go too many ways to follow."""
        inp = self.inp
        start_keys = {j: mpq(inp.rho0[j]) for j in inp.candidates}
        env = _Envelope(inp, start, step, steps)
        level = [_Branch(env, frozenset(), start_keys, {}, set(), self.heap(start_keys, set()))]
        following: list[_Branch] = []
        endings: set[frozenset[int]] = set()
        while level:
            for branch in level:
                found, may_end = self.contenders(branch)
                if may_end:
                    endings.add(branch.bought)
                following.extend(self.buy(branch, found))
                if len(following) > _MAX_WAYS:
                    following = self.join(following)
                if len(following) > _MAX_WAYS:
                    return None
            level, following = following, []
        return endings

    def buy(self, branch: _Branch, found: list[_Contender]) -> list[_Branch]:
        """One branch for each project that may be bought next, with it bought."""
        children = []
        w = branch.env.width
        for index, item in enumerate(found):
            child = branch if index == len(found) - 1 else branch.copy()
            low0 = item.tangent[0]
            low1 = item.tangent[0] + item.tangent[1] * w
            if low0 < 0 or low1 < 0:
                low0 = low1 = mpq(0)
            child.env.pay(item.project, item.counts, item.chord, (low0, low1))
            self.work += 1
            child.bought = branch.bought | {item.project}
            del child.keys[item.project]
            child.lines.pop(item.project, None)
            children.append(child)
        return children

    def join(self, branches: list[_Branch]) -> list[_Branch]:
        """Join the branches that have bought the same projects: their bounds hold for both."""
        joined: dict[frozenset[int], _Branch] = {}
        for branch in branches:
            twin = joined.get(branch.bought)
            if twin is not None:
                branch = twin.union(branch)
                branch.heap = self.heap(branch.keys, branch.dead)
            joined[branch.bought] = branch
        return list(joined.values())

    def entry(self, j: int, key: Fraction) -> _Entry:
        """Project ``j``'s entry in a branch's heap. Each key's float is worked out once: keys
        are shared between branches."""
        known = self.floors.get(id(key))
        if known is None or known[0] is not key:
            known = self.floors[id(key)] = (key, _below(key))
        return (known[1], self.rank[j], j, key)

    def heap(self, keys: dict[int, Fraction], dead: set[int]) -> list[_Entry]:
        """A heap of the projects with these keys, but for the dead."""
        heap = [self.entry(j, key) for j, key in keys.items() if j not in dead]
        heapq.heapify(heap)
        return heap

    def beaten(self, j: int, floor: _Floor, sure: dict[int, _Line]) -> bool:
        """Whether a surely affordable project beats ``j`` (``rho`` above ``floor``)."""
        rank = self.rank
        clone = self.clone
        for k, chord in sure.items():
            if k == j:
                continue
            if clone[k] == clone[j]:
                if rank[k] < rank[j]:
                    return True
            elif floor.over(chord, rank[j] < rank[k]):
                return True
        return False

    def contenders(self, branch: _Branch) -> tuple[list[_Contender], bool]:
        """The projects that may be bought next, and whether the count may end here."""
        env = branch.env
        keys = branch.keys
        # The order of examination is by floats rounded down: only the order depends on them.
        dead = branch.dead
        heap = branch.heap
        taken: list[_Entry] = []  # to go back on the heap, with the keys found here
        examined: dict[int, _Counts] = {}
        sure: dict[int, tuple[Fraction, Fraction]] = {}
        best: Fraction | None = None
        w = env.width
        while heap and (best is None or heap[0][0] <= _above(best)):
            entry = heapq.heappop(heap)
            j = entry[2]
            if j in dead or keys.get(j) is not entry[3]:
                continue  # bought, out of reach, or an old key
            taken.append(entry)
            old = branch.lines.get(j)
            if old is not None and self.beaten(j, old, sure):
                continue  # its bounds from earlier purchases already show it loses
            self.work += 1
            at = env.classes_of(j)
            if env.out_of_reach(j, at):
                branch.dead.add(j)
                continue
            counts = env.counts(j, at)
            first = env.price(j, counts, 2, True)
            if first is not None and sure:
                floor = _Floor((first, first), w)
                if self.beaten(j, floor, sure):
                    # The tangent at the start is enough to show it loses.
                    branch.lines[j] = floor
                    keys[j] = floor.lowest()
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
            floor = _Floor((tangents[0], tangents[-1]), w)
            branch.lines[j] = floor
            keys[j] = floor.lowest()
            if self.beaten(j, floor, sure):
                continue
            examined[j] = counts
            top = env.price(j, counts, 0, False)
            end = env.price(j, counts, 1, False)
            if top is None or end is None:
                continue
            sure[j] = (top[0], end[0])
            if best is None or max(top[0], end[0]) < best:
                best = max(top[0], end[0])
        for entry in taken:
            j = entry[2]
            if j not in dead:
                key = keys[j]
                heapq.heappush(heap, entry if key is entry[3] else self.entry(j, key))
        found = [
            _Contender(j, counts, sure.get(j), branch.lines[j].lines[0])
            for j, counts in examined.items()
            if j not in branch.dead and not self.beaten(j, branch.lines[j], sure)
        ]
        # With nothing surely affordable, the count may also end here.
        return found, not sure


def _certify(
    inp: Input,
    start: Fraction,
    step: Fraction,
    steps: int,
    stops: Callable[[Sequence[int]], bool],
) -> tuple[int, int]:
    """Prove that no share in ``[start, start + steps * step]`` gives an outcome that ``stops``.

    Returns ``steps`` if that is proven, else 0 (an outcome might stop, or the count could go
    too many ways to follow), and the work the proof took (passes over a project's supporters).
    ``start`` itself must be known not to stop.

    The proof follows every way the count could go for some share in the interval, with
    envelopes of the voters' money over the whole interval
    (:class:`~voting.rules.equal_shares_envelope.Envelope`). At each
    purchase, a project's ``rho`` is at most the chord through its values at the two ends
    (``rho`` is convex in the share) and at least its tangents. A project can be bought next
    only if no project that is surely affordable beats it across the whole interval, and each
    project that can is followed as a branch (one whose supporters might not afford it
    everywhere may pay all they have). Where nothing is surely affordable, the count may also
    end. When the branches grow too many, those that have bought the same projects are
    joined: their envelopes hold for either. Every set the count can end with is then checked
    against ``stops``.
    """
    proof = _Proof(inp)
    endings = proof.endings(mpq(start), mpq(step), steps)
    if endings is None:
        return 0, proof.work
    for bought in endings:
        chosen = [*inp.preselected, *sorted(bought, key=inp.rank.__getitem__)]
        if stops(chosen):
            return 0, proof.work
    return steps, proof.work


class _Steps(Sequence[Fraction]):
    """The shares of ``count`` steps from step ``k`` on, each made only when read: the one
    told of them often needs only the first (it has counted them already)."""

    def __init__(self, share0: Fraction, step: Fraction, k: int, count: int) -> None:
        self.share0, self.step, self.k, self.size = share0, step, k, max(0, count)

    def __len__(self) -> int:
        return self.size

    @overload
    def __getitem__(self, i: int) -> Fraction: ...
    @overload
    def __getitem__(self, i: slice) -> list[Fraction]: ...
    def __getitem__(self, i: int | slice) -> Fraction | list[Fraction]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self.size))]
        if not -self.size <= i < self.size:
            raise IndexError(i)
        return self.share0 + (self.k + i % self.size) * self.step


def _steps(
    share0: Fraction, step: Fraction, k: int, count: int, max_steps: int | None
) -> Sequence[Fraction]:
    """The shares of ``count`` steps from step ``k`` on (none beyond step ``max_steps``)."""
    if max_steps is not None:
        count = min(count, max_steps - k + 1)
    return _Steps(share0, step, k, count)


def _search(
    inp: Input,
    budget: Number,
    share0: Number,
    step: Number,
    done: Callable[[Sequence[int]], bool],
    count: Callable[[Fraction], Run],
    max_steps: int | None = None,
    ahead: Callable[[Sequence[Fraction]], None] | None = None,
) -> Fraction | None:
    """The voters' share at which raising it by ``step`` at a time stops.

    Step ``k`` runs MES with ``share0 + k * step`` per voter (``count``). The first step whose
    outcome is ``done`` gives the result; if a step's outcome costs more than ``budget``
    first, the step before gives the result (None: the outcome before any run, nothing
    bought). With ``max_steps``, that step gives the result if nothing stopped before. Runs of
    steps proven not to stop (:func:`_certify`) are skipped; the steps near the end are run
    one by one. ``ahead``, if given, is told the shares about to be counted one by one, so
    that it can count them together.

    Proofs go on while the steps they gained lately would have cost more work to count one
    by one than the proofs took; otherwise the next steps are counted one by one, more of
    them each time proofs lose (:class:`_Pace`).
    """
    share0 = Fraction(share0)
    step = Fraction(step)
    counted = count(share0)
    if inp.total(counted.selected) > budget:
        return None
    if done(counted.selected) or step == 0:
        return share0

    def stops(selection: Sequence[int]) -> bool:
        return inp.total(selection) > budget or done(selection)

    k = 0
    pace = _Pace(float(counted.work))
    last = frozenset(counted.selected)
    while True:
        limit = pace.width if max_steps is None else min(pace.width, max_steps - k)
        if limit <= 0:
            return share0 + k * step
        if pace.proof_due(limit):
            proven, work = _certify(inp, share0 + k * step, step, limit, stops)
            pace.proved(limit, proven, work)
            k += proven
            continue
        k += 1
        coming = pace.one_by_one()
        if ahead is not None:
            # The steps sure to be counted one by one from here: count them side by side.
            ahead(_steps(share0, step, k, coming, max_steps))
        counted = count(share0 + k * step)
        bought = frozenset(counted.selected)
        pace.counted(counted.work, bought == last)
        last = bought
        if inp.total(counted.selected) > budget:
            return share0 + (k - 1) * step
        if done(counted.selected):
            return share0 + k * step


def completed_share(
    inp: Input,
    budget: Number,
    completion: str,
    increment: Number,
    count: Callable[[Fraction], Run],
) -> Fraction | None:
    """Each voter's share for a completion of Equal Shares, with ``count`` running MES at a
    share; None if even the first run costs more than ``budget``.

    ``"add1"`` and ``"add1_greedy"`` raise the share by ``increment`` until no supported
    project would fit; ``"budget_increase"`` raises the budget by 1% at a time (for at most
    ``100 * voters`` steps) until no project at all would fit.
    """
    n = inp.n_voters
    among: Sequence[int]
    if completion in ("add1", "add1_greedy"):
        step, among, max_steps = Fraction(increment), inp.candidates, None
    elif completion == "budget_increase":
        step, among, max_steps = Fraction(budget, 100 * n), range(len(inp.costs)), 100 * n
    else:
        raise ValueError(f"unknown Equal Shares completion {completion!r}")

    def done(selection: Sequence[int]) -> bool:
        return inp.exhaustive(budget, selection, among)

    if supports_are_disjoint(inp):
        return disjoint_share(inp, budget, Fraction(budget, n), step, done, max_steps)
    ahead = getattr(count, "ahead", None)
    return _search(inp, budget, Fraction(budget, n), step, done, count, max_steps, ahead)
