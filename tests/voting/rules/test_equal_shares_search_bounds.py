"""The completions' proofs compare a chord with the upper envelope of two lines by looking at
three points only (the ends and where the lines cross); that gives the same answers as
walking along the interval between every point where a line crosses the chord."""

from __future__ import annotations

import random
from fractions import Fraction
from itertools import pairwise

import pytest

from voting.rules.equal_shares_search import _under


def _walked(chord, lines, width, strict):
    """Whether the chord lies under the envelope, checked piece by piece along the interval."""
    c0, c1 = chord
    slope = (c1 - c0) / width
    gaps = [(a - c0, s - slope) for a, s in lines]

    def holds(d):
        best = max(a + s * d for a, s in gaps)
        return best > 0 if strict else best >= 0

    points = sorted(
        {Fraction(0), width} | {-a / s for a, s in gaps if s != 0 and 0 < -a / s < width}
    )
    if not holds(Fraction(0)):
        return False
    return all(holds((left + right) / 2) and holds(right) for left, right in pairwise(points))


def _number(rng):
    return Fraction(rng.randint(-6, 6), rng.randint(1, 3))


@pytest.mark.parametrize("seed", range(300))
def test_three_points_decide_as_the_whole_interval(seed):
    rng = random.Random(seed)
    width = Fraction(rng.randint(1, 8), rng.randint(1, 2))
    chord = (_number(rng), _number(rng))
    lines = ((_number(rng), _number(rng)), (_number(rng), _number(rng)))
    if rng.random() < 0.2:
        lines = (lines[0], lines[0])
    strict = rng.random() < 0.5
    assert _under(chord, lines, width, strict) == _walked(chord, lines, width, strict)


def test_touching_counts_as_under_only_when_not_strict():
    # The envelope's lowest point, where the lines cross at d = 1, is 0 above the chord.
    lines = ((Fraction(1), Fraction(-1)), (Fraction(-1), Fraction(1)))
    chord = (Fraction(0), Fraction(0))
    assert _under(chord, lines, Fraction(2), strict=False)
    assert not _under(chord, lines, Fraction(2), strict=True)
