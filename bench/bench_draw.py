"""How long the panel lottery takes to draw 30 people from 2,000 with quotas on four
questions: the fair lottery (maximin, the default) beside the older one (legacy), with the
ratio, against the 30-second target; and the lowest chance of being chosen with each.

Run: .venv/bin/python bench/bench_draw.py [--pool 2000] [--seats 30] [--legacy-runs 100]

The fair lottery's time is a whole draw: working out its distribution over possible panels
(the solver's part) and then picking one panel and the alternates. The legacy time is one
draw. The lowest chances come from :func:`voting.sortition.chances` (exact for the fair
lottery, estimated from ``--legacy-runs`` seeded legacy draws), which is not timed.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from voting import sortition  # noqa: E402

TARGET_SECONDS = 30.0
CATEGORIES = {
    "age": (["16-29", "30-44", "45-64", "65+"], [25, 27, 28, 20]),
    "gender": (["woman", "man", "another way"], [51, 48, 1]),
    "ward": (["north", "south", "east", "west", "centre"], [20] * 5),
    "ethnicity": (["white", "asian", "black", "mixed", "other"], [60, 18, 12, 6, 4]),
}
# Census-like smallest and largest numbers, for 30 seats.
TARGETS = {
    "age": [(6, 9), (7, 10), (7, 10), (5, 8)],
    "gender": [(14, 16), (13, 15), (0, 2)],
    "ward": [(5, 7)] * 5,
    "ethnicity": [(15, 19), (4, 7), (2, 5), (1, 3), (0, 3)],
}


def _pool(size: int) -> list[dict[str, str]]:
    rng = random.Random(1)
    return [
        {"id": f"p{i:05d}"}
        | {c: rng.choices(values, weights)[0] for c, (values, weights) in CATEGORIES.items()}
        for i in range(size)
    ]


def _quotas(seats: int) -> list[sortition.Quota]:
    scale = seats / 30
    return [
        sortition.Quota(c, v, int(lo * scale), max(int(lo * scale), round(hi * scale)))
        for c, (values, _w) in CATEGORIES.items()
        for v, (lo, hi) in zip(values, TARGETS[c], strict=True)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pool", type=int, default=2000)
    parser.add_argument("--seats", type=int, default=30)
    parser.add_argument("--legacy-runs", type=int, default=100)
    args = parser.parse_args()
    pool, quotas = _pool(args.pool), _quotas(args.seats)
    print(f"Panel lottery: {args.seats} seats from {args.pool} people, quotas on 4 questions")

    # Load the libraries first, so that neither time includes importing them.
    sortition.draw(pool, quotas, args.seats, 1, sortition.LEGACY)
    sortition.draw(pool[:40], [], 2, 1, sortition.MAXIMIN)
    started = time.perf_counter()
    fair = sortition.draw(pool, quotas, args.seats, 4242, sortition.MAXIMIN)
    fair_seconds = time.perf_counter() - started
    started = time.perf_counter()
    sortition.draw(pool, quotas, args.seats, 4242, sortition.LEGACY)
    legacy_seconds = time.perf_counter() - started
    met = all(r["min"] <= r["chosen"] <= r["max"] for r in fair.summary)
    table = sortition.chances(pool, quotas, args.seats, legacy_runs=args.legacy_runs)

    print()
    print("| method | seconds | lowest chance | every quota met |")
    print("|---|---|---|---|")
    print(
        f"| fair lottery (maximin) | {fair_seconds:.2f} | "
        f"{table['lowest']['fair']:.2%} | {'yes' if met else 'NO'} |"
    )
    print(
        f"| legacy | {legacy_seconds:.2f} | {table['lowest']['legacy']:.2%} "
        f"(estimated, {args.legacy_runs} runs) | yes |"
    )
    ratio = fair_seconds / legacy_seconds if legacy_seconds else float("inf")
    verdict = "within" if fair_seconds < TARGET_SECONDS else "OVER"
    print(
        f"\nmaximin / legacy: {ratio:.1f}x; maximin {fair_seconds:.1f} s, {verdict} the "
        f"{TARGET_SECONDS:.0f} s target. Profiles: {len(table['profiles'])}."
    )


if __name__ == "__main__":
    main()
