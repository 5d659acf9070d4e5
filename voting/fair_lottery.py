"""The fair panel lottery: every volunteer gets the best chance the quotas allow (maximin).

Plain data in, plain data out; nothing here touches the database or Flask.

People who gave the same answers to every question (the same *profile*) are interchangeable
for the quotas, so the lottery works on profiles, not on people: 2,000 people over four
questions fall into a hundred or so profiles. It finds a list of possible panels, each
written as how many people of each profile it takes, and a chance for each panel, such that
the lowest chance any volunteer has of being chosen is as high as it can be (column
generation with the open HiGHS solver, the one ``sortition-algorithms`` uses). The library's
own ``maximin`` does the same over people, one variable per person: for 30 seats from 2,000
people it had not finished after five minutes, where this takes seconds.
Then one panel is picked by the seeded random numbers, and within each profile the people
are picked uniformly at random, so everyone with the same profile has the same chance.

The chances of the panels are kept as whole numbers of millionths, so that picking one is
exact arithmetic and anyone can repeat it.
"""

from __future__ import annotations

import ctypes
import os
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

SCALE = 1_000_000
EPS = 1e-7
MAX_ROUNDS = 5_000
# HiGHS's own random seed: fixed, so the same inputs give the same list of panels.
SOLVER_SEED = 1


class Infeasible(Exception):
    """No panel meets every quota."""


@dataclass(frozen=True)
class Profiles:
    """The distinct answers in the pool, each with the sorted ids of the people who gave them."""

    categories: tuple[str, ...]
    values: tuple[tuple[str, ...], ...]
    members: tuple[tuple[str, ...], ...]

    @property
    def sizes(self) -> list[int]:
        return [len(m) for m in self.members]


def group(pool: Sequence[dict[str, str]], categories: Sequence[str], id_key: str) -> Profiles:
    by_values: dict[tuple[str, ...], list[str]] = {}
    for person in pool:
        key = tuple(person.get(c, "") for c in categories)
        by_values.setdefault(key, []).append(person[id_key])
    keys = sorted(by_values)
    return Profiles(
        tuple(categories),
        tuple(keys),
        tuple(tuple(sorted(by_values[k])) for k in keys),
    )


@dataclass(frozen=True)
class Distribution:
    """Possible panels (people per profile) with their chances in millionths (adding to SCALE)."""

    panels: tuple[tuple[tuple[int, ...], int], ...]

    def chances(self, sizes: Sequence[int]) -> list[float]:
        """Each profile's chance that one given person of it is chosen."""
        totals = [0] * len(sizes)
        for counts, weight in self.panels:
            for i, n in enumerate(counts):
                totals[i] += n * weight
        return [t / (SCALE * s) if s else 0.0 for t, s in zip(totals, sizes, strict=True)]

    def as_json(self) -> list[list[Any]]:
        return [[list(counts), weight] for counts, weight in self.panels]

    @classmethod
    def from_json(cls, rows: Sequence[Sequence[Any]]) -> Distribution:
        return cls(tuple((tuple(int(n) for n in c), int(w)) for c, w in rows))


def _highs() -> Any:
    """A silent HiGHS instance with a fixed random seed. The first one made in a process
    prints a banner on standard output from C; it goes to /dev/null, so that a command's
    output stays what the command printed."""
    import highspy

    sys.stdout.flush()
    saved = os.dup(1)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        highs = highspy.Highs()  # type: ignore[no-untyped-call]
        ctypes.CDLL(None).fflush(None)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("random_seed", SOLVER_SEED)
    highs.setOptionValue("threads", 1)
    # The models are small and solved hundreds of times: presolving costs more than it saves.
    highs.setOptionValue("presolve", "off")
    return highs


class _Model:
    """A HiGHS model with columns and rows added by index, and the objective changed in place
    (each solve runs once)."""

    def __init__(self) -> None:
        import highspy

        self.hs = highspy
        self.h = _highs()
        self.cols = 0

    def add_cols(self, lower: Sequence[float], upper: Sequence[float], integer: bool) -> list[int]:
        n = len(lower)
        zeros = np.zeros(n)
        self.h.addCols(n, zeros, np.array(lower, float), np.array(upper, float), 0, [], [], [])
        index = list(range(self.cols, self.cols + n))
        self.cols += n
        if integer:
            self.h.changeColsIntegrality(
                n, np.array(index, np.int32), np.array([self.hs.HighsVarType.kInteger] * n)
            )
        return index

    def add_row(
        self, low: float, high: float, index: Sequence[int], values: Sequence[float]
    ) -> None:
        self.h.addRow(low, high, len(index), np.array(index, np.int32), np.array(values, float))

    def solve(self, costs: dict[int, float], maximise: bool) -> list[float] | None:
        every = np.arange(self.cols, dtype=np.int32)
        cost = np.zeros(self.cols)
        for i, c in costs.items():
            cost[i] = c
        self.h.changeColsCost(self.cols, every, cost)
        sense = self.hs.ObjSense.kMaximize if maximise else self.hs.ObjSense.kMinimize
        self.h.changeObjectiveSense(sense)
        self.h.run()
        if self.h.getModelStatus() != self.hs.HighsModelStatus.kOptimal:
            return None
        return list(self.h.getSolution().col_value)


INF = float("inf")


class _Panels:
    """The integer model whose solutions are the panels meeting every quota."""

    def __init__(
        self, profiles: Profiles, quotas: Sequence[tuple[str, str, int, int]], seats: int
    ) -> None:
        self.model = _Model()
        sizes = profiles.sizes
        self.xs = self.model.add_cols([0.0] * len(sizes), [float(n) for n in sizes], True)
        self.model.add_row(seats, seats, self.xs, [1.0] * len(sizes))
        index = {c: i for i, c in enumerate(profiles.categories)}
        for category, value, low, high in quotas:
            col = index[category]
            chosen = [x for x, v in zip(self.xs, profiles.values, strict=True) if v[col] == value]
            if not chosen:
                if low > 0:
                    raise Infeasible(f"{category}: no one answered '{value}'")
                continue
            self.model.add_row(low, high, chosen, [1.0] * len(chosen))

    def best(self, weights: Sequence[float]) -> tuple[int, ...] | None:
        """The panel with the most weight, or None when no panel meets the quotas."""
        values = self.model.solve(dict(zip(self.xs, weights, strict=True)), maximise=True)
        if values is None:
            return None
        return tuple(round(values[x]) for x in self.xs)


def _first_panels(panels: _Panels, count: int) -> tuple[set[tuple[int, ...]], list[int]]:
    """Panels that together cover everyone who can be chosen at all: first panels with as
    many not yet covered as possible, then one for each profile still not covered."""
    found: set[tuple[int, ...]] = set()
    covered: set[int] = set()
    tried: set[int] = set()
    while len(covered) + len(tried) < count:
        left = [i for i in range(count) if i not in covered and i not in tried]
        if len(left) > 1:
            weights = [1.0 if i in left else 0.0 for i in range(count)]
        else:
            weights = [1.0 if i == left[0] else 0.0 for i in range(count)]
        panel = panels.best(weights)
        if panel is None:
            raise Infeasible("no panel meets every quota")
        new = {i for i in left if panel[i] > 0}
        if not new:
            if len(left) > 1:
                # Try each of them alone, with all its weight.
                for i in left:
                    alone = panels.best([1.0 if j == i else 0.0 for j in range(count)])
                    tried.add(i)
                    if alone is not None and alone[i] > 0:
                        found.add(alone)
                        covered |= {j for j in range(count) if alone[j] > 0}
                        tried -= covered
                continue
            tried |= set(left)
            continue
        found.add(panel)
        covered |= {i for i in range(count) if panel[i] > 0}
    return found, sorted(covered)


def _maximin_weights(
    panels: list[tuple[int, ...]], covered: list[int], sizes: Sequence[int]
) -> list[float]:
    """Chances for the given panels that make the lowest chance of a covered profile highest."""
    model = _Model()
    lam = model.add_cols([0.0] * len(panels), [1.0] * len(panels), False)
    (low,) = model.add_cols([0.0], [1.0], False)
    model.add_row(1.0, 1.0, lam, [1.0] * len(panels))
    for i in covered:
        used = [(v, p[i] / sizes[i]) for p, v in zip(panels, lam, strict=True) if p[i]]
        model.add_row(0.0, INF, [v for v, _ in used] + [low], [c for _, c in used] + [-1.0])
    values = model.solve({low: 1.0}, maximise=True)
    if values is None:
        raise Infeasible("the solver found no distribution")
    return [max(0.0, values[v]) for v in lam]


def _quantise(panels: list[tuple[int, ...]], weights: list[float]) -> Distribution:
    total = sum(weights) or 1.0
    scaled = [w / total * SCALE for w in weights]
    whole = [int(s) for s in scaled]
    order = sorted(range(len(panels)), key=lambda i: (-(scaled[i] - whole[i]), panels[i]))
    for i in order[: SCALE - sum(whole)]:
        whole[i] += 1
    kept = sorted((p, w) for p, w in zip(panels, whole, strict=True) if w > 0)
    return Distribution(tuple(kept))


def maximin(
    profiles: Profiles, quotas: Sequence[tuple[str, str, int, int]], seats: int
) -> Distribution:
    """The fair distribution over panels (see the module's notes). Raises :class:`Infeasible`.

    Column generation: the dual asks for weights y on profiles (adding to 1) that make the
    heaviest panel's weight z as small as possible; the integer model finds the heaviest
    panel for given weights; it is added until no panel is heavier than z."""
    sizes = profiles.sizes
    panels = _Panels(profiles, quotas, seats)
    found, covered = _first_panels(panels, len(sizes))
    dual = _Model()
    (z,) = dual.add_cols([0.0], [INF], False)
    ys = dict(
        zip(covered, dual.add_cols([0.0] * len(covered), [1.0] * len(covered), False), strict=True)
    )
    dual.add_row(1.0, 1.0, list(ys.values()), [1.0] * len(ys))

    def add_cut(panel: tuple[int, ...]) -> None:
        used = [i for i in covered if panel[i]]
        dual.add_row(
            -INF, 0.0, [ys[i] for i in used] + [z], [panel[i] / sizes[i] for i in used] + [-1.0]
        )

    for panel in found:
        add_cut(panel)
    for _round in range(MAX_ROUNDS):
        values = dual.solve({z: 1.0}, maximise=False)
        if values is None:
            break
        upper = values[z]
        weights = [values[ys[i]] / sizes[i] if i in ys else 0.0 for i in range(len(sizes))]
        best = panels.best(weights)
        if best is None:
            break
        value = sum(w * n for w, n in zip(weights, best, strict=True))
        if value <= upper + EPS or best in found:
            break
        found.add(best)
        add_cut(best)
    ordered = sorted(found)
    return _quantise(ordered, _maximin_weights(ordered, covered, sizes))


def pick(profiles: Profiles, distribution: Distribution, rng: random.Random) -> list[str]:
    """One panel by the seeded random numbers: first which panel (by its chance in millionths),
    then, profile by profile in order, which of its people (uniformly)."""
    ticket = rng.randrange(SCALE)
    counts = distribution.panels[-1][0]
    for candidate, weight in distribution.panels:
        if ticket < weight:
            counts = candidate
            break
        ticket -= weight
    chosen: list[str] = []
    for members, n in zip(profiles.members, counts, strict=True):
        chosen.extend(rng.sample(members, n))
    return chosen
