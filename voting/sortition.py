"""The panel lottery: a stratified random draw with quotas, by ``sortition-algorithms``.

Plain data in, plain data out; nothing here touches the database or Flask, so the command
line (``flask panel draw``) and the panel pages share it.

Two methods:

- ``maximin`` (the default), the fair lottery: every volunteer gets the best chance the quotas
  allow (see :mod:`voting.fair_lottery`, which works on profiles so that 30 seats from 2,000
  people take seconds, where the library's own ``maximin`` over people takes minutes);
- ``legacy``: the library's older greedy draw, kept as an option and for draws made with it.

Both meet every quota. With the same pool, quotas, seats, method and seed they pick the same
people, and put everyone else in the same order as *alternates*, so anyone holding the recorded
inputs can run a draw again and check it.

Alternates: after the panel is picked, everyone else in the pool is put in a random order by
the same seeded random numbers (a shuffle of the ids in sorted order). A replacement for an
empty seat is the first alternate, in that order, who is still offering and who keeps the
panel within its numbers; see :func:`next_alternates`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import random
import secrets
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # it needs numpy and a MIP solver: imported where a fair draw is run
    from voting import fair_lottery

MAXIMIN = "maximin"
LEGACY = "legacy"
ALGORITHMS = (MAXIMIN, LEGACY)
DEFAULT_ALGORITHM = MAXIMIN
# How many seeded legacy draws (seeds 1 to this) estimate the legacy method's chances.
LEGACY_RUNS = 100
ID_COLUMN = "id"
NOT_SAID = "not said"

# The library keeps its random generator in a module global: one draw at a time.
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Quota:
    category: str
    value: str
    min: int
    max: int


@dataclass
class DrawResult:
    selected: list[str]
    summary: list[dict] = field(default_factory=list)
    alternates: list[str] = field(default_factory=list)
    # The fair lottery's possible panels and their chances (None for the legacy method).
    distribution: list | None = None


class QuotaProblem(Exception):
    """The quotas cannot be met. ``lines`` say which category is short, in plain words."""

    def __init__(self, lines: list[str], category: str | None = None) -> None:
        super().__init__(" ".join(lines))
        self.lines = lines
        self.category = category


def new_seed() -> int:
    """A fresh seed for a draw (never 0: the library treats 0 as 'no seed')."""
    return secrets.randbelow(2**31 - 1) + 1


def check_quotas(
    pool: Sequence[dict[str, str]], quotas: Sequence[Quota], seats: int
) -> list[tuple[str, str]]:
    """Every reason the quotas cannot be met, as (category, message); empty if none found.

    These are the checks a person can act on: a category whose smallest numbers add up to
    more seats than there are, or whose largest numbers add up to fewer; and a group with
    fewer people in the pool than its smallest number.
    """
    problems: list[tuple[str, str]] = []
    if seats < 1:
        problems.append(("", "The panel needs at least 1 seat."))
    if len(pool) < seats:
        problems.append(
            ("", f"There are {len(pool)} people to choose from, fewer than the {seats} seats.")
        )
    by_category: dict[str, list[Quota]] = {}
    for quota in quotas:
        by_category.setdefault(quota.category, []).append(quota)
    for category, rows in by_category.items():
        low, high = sum(q.min for q in rows), sum(q.max for q in rows)
        if low > seats:
            problems.append(
                (
                    category,
                    f"{category}: the smallest numbers add up to {low}, "
                    f"more than the {seats} seats.",
                )
            )
        if high < seats:
            problems.append(
                (
                    category,
                    f"{category}: the largest numbers add up to {high}, "
                    f"fewer than the {seats} seats.",
                )
            )
        counts = Counter(person.get(category, "") for person in pool)
        for quota in rows:
            if counts[quota.value] < quota.min:
                problems.append(
                    (
                        category,
                        f"{category} is short: the panel needs at least {quota.min} "
                        f"'{quota.value}', but only {counts[quota.value]} offered.",
                    )
                )
        known = {q.value for q in rows}
        strays = sorted(v for v in counts if v not in known)
        if strays:
            problems.append(
                (
                    category,
                    f"{category}: some people answered {', '.join(strays)}, "
                    "which has no quota. Add a row for it.",
                )
            )
    return problems


@contextmanager
def _quiet() -> Iterator[None]:
    """The library prints its progress to standard output; keep it quiet."""
    loggers = [logging.getLogger(n) for n in ("sortition_algorithms", "sortition_algorithms_user")]
    before = [lg.disabled for lg in loggers]
    for lg in loggers:
        lg.disabled = True
    try:
        yield
    finally:
        for lg, was in zip(loggers, before, strict=True):
            lg.disabled = was


def _csv(rows: list[list[str]]) -> str:
    """Rows as CSV text for the sortition library to read in memory. Nobody opens it in a
    spreadsheet, and the library must get back exactly the ids and values it was given, so
    it is written as it is (not through ``giving.exports``)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def summarise(
    pool: Sequence[dict[str, str]], quotas: Sequence[Quota], selected: Sequence[str]
) -> list[dict]:
    """How the chosen people compare with the targets, as counts only (never names)."""
    chosen = set(selected)
    people = [p for p in pool if p[ID_COLUMN] in chosen]
    rows = []
    for quota in quotas:
        rows.append(
            {
                "category": quota.category,
                "value": quota.value,
                "min": quota.min,
                "max": quota.max,
                "offered": sum(1 for p in pool if p.get(quota.category) == quota.value),
                "chosen": sum(1 for p in people if p.get(quota.category) == quota.value),
            }
        )
    return rows


def _categories(quotas: Sequence[Quota]) -> list[str]:
    return list(dict.fromkeys(q.category for q in quotas))


def _legacy_runner(
    pool: Sequence[dict[str, str]], quotas: Sequence[Quota], seats: int
) -> Callable[[int], list[str]]:
    """The library's legacy draw, loaded once: call it with a seed to get the chosen ids.
    Call it only while holding ``_LOCK``."""
    from sortition_algorithms import (
        CSVStringDataSource,
        SelectionData,
        Settings,
        run_stratification,
    )
    from sortition_algorithms.errors import SortitionBaseError

    categories = _categories(quotas)
    features = _csv(
        [["feature", "value", "min", "max"]]
        + [[q.category, q.value, str(q.min), str(q.max)] for q in quotas]
    )
    people = _csv(
        [[ID_COLUMN, *categories]]
        + [[p[ID_COLUMN], *(p.get(c, "") for c in categories)] for p in pool]
    )

    def settings(seed: int) -> Settings:
        return Settings(
            id_column=ID_COLUMN,
            columns_to_keep=[],
            selection_algorithm=LEGACY,
            random_number_seed=seed,
            max_attempts=100,
        )

    try:
        data = SelectionData(CSVStringDataSource(features, people), gen_rem_tab=False)
        loaded_features, _report = data.load_features(seats)
        loaded_people, _report = data.load_people(settings(1), loaded_features)
    except SortitionBaseError as error:
        raise QuotaProblem([_first_lines(str(error))]) from error

    def run(seed: int) -> list[str]:
        try:
            ok, panels, report = run_stratification(
                loaded_features, loaded_people, seats, settings(seed)
            )
        except SortitionBaseError as error:
            raise QuotaProblem([_first_lines(str(error))]) from error
        if not ok or not panels:
            last_error = report.last_error()
            raise QuotaProblem(
                [
                    "The quotas cannot all be met with these people. "
                    "Lower some smallest numbers or raise some largest numbers, then try again.",
                    *([_first_lines(str(last_error))] if last_error else []),
                ]
            )
        return sorted(panels[0])

    return run


def _check(pool: Sequence[dict[str, str]], quotas: Sequence[Quota], seats: int) -> None:
    problems = check_quotas(pool, quotas, seats)
    if problems:
        raise QuotaProblem([m for _c, m in problems], category=problems[0][0] or None)


def _quota_rows(quotas: Sequence[Quota]) -> list[tuple[str, str, int, int]]:
    return [(q.category, q.value, q.min, q.max) for q in quotas]


def fair_distribution(
    pool: Sequence[dict[str, str]], quotas: Sequence[Quota], seats: int
) -> tuple[fair_lottery.Profiles, fair_lottery.Distribution]:
    """The pool's profiles and the fair lottery's distribution over panels."""
    from voting import fair_lottery

    _check(pool, quotas, seats)
    profiles = fair_lottery.group(pool, _categories(quotas), ID_COLUMN)
    with _LOCK, _quiet():
        try:
            distribution = fair_lottery.maximin(profiles, _quota_rows(quotas), seats)
        except fair_lottery.Infeasible as error:
            raise QuotaProblem(
                [
                    "The quotas cannot all be met with these people. "
                    "Lower some smallest numbers or raise some largest numbers, then try again.",
                    str(error),
                ]
            ) from None
    return profiles, distribution


def draw(
    pool: Sequence[dict[str, str]],
    quotas: Sequence[Quota],
    seats: int,
    seed: int,
    algorithm: str = DEFAULT_ALGORITHM,
    distribution: list | None = None,
) -> DrawResult:
    """Choose ``seats`` people from ``pool`` (dicts with ``id`` and one key per category)
    meeting every quota, by ``algorithm``, using ``seed``; and order everyone else as
    alternates. Raises :class:`QuotaProblem` when it cannot. A fair draw may be given its
    distribution (as recorded) rather than work it out again."""
    if seed < 1:
        raise ValueError("The seed must be a whole number of 1 or more")
    if algorithm not in ALGORITHMS:
        raise ValueError(f"The method must be one of {', '.join(ALGORITHMS)}")
    _check(pool, quotas, seats)
    rng = random.Random(seed)  # noqa: S311 (repeatable by design: the seed is public)
    fair: fair_lottery.Distribution | None = None
    if algorithm == MAXIMIN:
        from voting import fair_lottery

        if distribution is None:
            profiles, fair = fair_distribution(pool, quotas, seats)
        else:
            profiles = fair_lottery.group(pool, _categories(quotas), ID_COLUMN)
            fair = fair_lottery.Distribution.from_json(distribution)
        selected = sorted(fair_lottery.pick(profiles, fair, rng))
    else:
        with _LOCK, _quiet():
            selected = _legacy_runner(pool, quotas, seats)(seed)
    chosen = set(selected)
    alternates = sorted(p[ID_COLUMN] for p in pool if p[ID_COLUMN] not in chosen)
    rng.shuffle(alternates)
    return DrawResult(
        selected=selected,
        summary=summarise(pool, quotas, selected),
        alternates=alternates,
        distribution=fair.as_json() if fair is not None else None,
    )


def chances(
    pool: Sequence[dict[str, str]],
    quotas: Sequence[Quota],
    seats: int,
    legacy_runs: int = LEGACY_RUNS,
) -> dict[str, Any]:
    """Every profile's chance of being chosen: exact for the fair lottery, and estimated for
    the legacy method from ``legacy_runs`` draws with the seeds 1, 2, 3 and so on. Also the
    fair lottery's distribution, so that the draw need not work it out again."""
    profiles, fair = fair_distribution(pool, quotas, seats)
    exact = fair.chances(profiles.sizes)
    profile_of = {ref: i for i, members in enumerate(profiles.members) for ref in members}
    hits = [0] * len(profiles.sizes)
    with _LOCK, _quiet():
        run = _legacy_runner(pool, quotas, seats)
        for seed in range(1, legacy_runs + 1):
            for ref in run(seed):
                hits[profile_of[ref]] += 1
    fair_chances = [round(c, 6) for c in exact]
    legacy_chances = [
        round(h / (legacy_runs * size), 6) for h, size in zip(hits, profiles.sizes, strict=True)
    ]
    rows = [
        {"values": list(values), "offered": size, "fair": f, "legacy": g}
        for values, size, f, g in zip(
            profiles.values, profiles.sizes, fair_chances, legacy_chances, strict=True
        )
    ]
    return {
        "categories": list(profiles.categories),
        "profiles": rows,
        "lowest": {
            "fair": min(fair_chances, default=0.0),
            "legacy": min(legacy_chances, default=0.0),
        },
        "legacy_runs": legacy_runs,
        "distribution": fair.as_json(),
    }


def profile_chance(table: dict[str, Any], values: Sequence[str]) -> dict[str, Any] | None:
    """The row of a chances table for one volunteer's answers."""
    for row in table.get("profiles", []):
        if row["values"] == list(values):
            return row
    return None


def fits(
    quotas: Sequence[Quota], have: dict[tuple[str, str], int], person: dict[str, str], left: int
) -> bool:
    """Whether adding ``person`` to a panel whose members answered ``have`` keeps within every
    largest number and leaves the smallest numbers reachable with ``left`` seats after them."""
    after = dict(have)
    for category in _categories(quotas):
        key = (category, person.get(category, NOT_SAID))
        after[key] = after.get(key, 0) + 1
    for quota in quotas:
        if after.get((quota.category, quota.value), 0) > quota.max:
            return False
    short: Counter[str] = Counter()
    for quota in quotas:
        short[quota.category] += max(0, quota.min - after.get((quota.category, quota.value), 0))
    return all(n <= left for n in short.values())


def next_alternates(
    alternates: Sequence[dict[str, str]],
    quotas: Sequence[Quota],
    have: dict[tuple[str, str], int],
    seats: int,
) -> list[str]:
    """Replacements for ``seats`` empty seats, from ``alternates`` (still offering, in their
    published order). Each seat goes to the first alternate who keeps the panel within its
    numbers (see :func:`fits`); when no one does, to the first who keeps within the largest
    numbers; and when no one does that either, to the first in the order."""
    have = dict(have)
    chosen: list[str] = []
    waiting = list(alternates)
    for seat in range(seats):
        if not waiting:
            break
        left = seats - seat - 1
        person = next(
            (p for p in waiting if fits(quotas, have, p, left)),
            next((p for p in waiting if fits(quotas, have, p, seats)), waiting[0]),
        )
        waiting.remove(person)
        chosen.append(person[ID_COLUMN])
        for category in _categories(quotas):
            key = (category, person.get(category, NOT_SAID))
            have[key] = have.get(key, 0) + 1
    return chosen


SEED_RULE = (
    "The seed is made from the public result as typed: spaces at the ends dropped and runs "
    "of spaces made one, then the SHA-256 of the UTF-8 text is taken, and its first 15 "
    "hexadecimal digits, as a number, plus 1, are the seed."
)


def seed_from_result(text: str) -> int:
    """The seed from a public result (see ``SEED_RULE``)."""
    clean = " ".join(text.split())
    return int(hashlib.sha256(clean.encode("utf-8")).hexdigest()[:15], 16) + 1


def fingerprint(fixed: dict[str, Any]) -> str:
    """SHA-256 of what is fixed before the result is known, as JSON with sorted keys."""
    text = json.dumps(fixed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def software() -> dict[str, str]:
    """The versions that a draw depends on, for the published bundle."""

    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    return {
        "sortition-algorithms": version("sortition-algorithms"),
        "highspy": version("highspy"),
        "solver": "HiGHS",
        "random numbers": "Python random.Random (Mersenne Twister)",
    }


def _first_lines(text: str, limit: int = 3) -> str:
    return " ".join(line.strip() for line in text.splitlines()[:limit] if line.strip())


# --- Reading files (the command line) --------------------------------------------------------


def read_pool(text: str) -> list[dict[str, str]]:
    """A pool CSV: an ``id`` column, then one column per category."""
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or ID_COLUMN not in reader.fieldnames:
        raise QuotaProblem([f"The pool file needs an '{ID_COLUMN}' column."])
    pool = [{k.strip(): (v or "").strip() for k, v in row.items() if k} for row in reader]
    ids = [p[ID_COLUMN] for p in pool]
    if len(set(ids)) != len(ids):
        raise QuotaProblem(["Some ids appear more than once in the pool file."])
    return pool


def read_quotas(text: str) -> list[Quota]:
    """A quotas CSV with the columns ``category,value,min,max``."""
    reader = csv.DictReader(io.StringIO(text))
    needed = {"category", "value", "min", "max"}
    if not reader.fieldnames or not needed <= {f.strip() for f in reader.fieldnames}:
        raise QuotaProblem(["The quotas file needs the columns category,value,min,max."])
    quotas = []
    for number, row in enumerate(reader, start=2):
        row = {k.strip(): (v or "").strip() for k, v in row.items() if k}
        try:
            low, high = int(row["min"]), int(row["max"])
        except ValueError:
            raise QuotaProblem(
                [f"Line {number} of the quotas file: min and max must be whole numbers."]
            ) from None
        if low < 0 or high < low:
            raise QuotaProblem(
                [f"Line {number} of the quotas file: max must be at least min, and min at least 0."]
            )
        quotas.append(Quota(row["category"], row["value"], low, high))
    return quotas
