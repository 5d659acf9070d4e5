"""The panel lottery: a stratified random draw with quotas, by ``sortition-algorithms``.

Plain data in, plain data out; nothing here touches the database or Flask, so the command
line (``flask panel draw``) and the panel pages share it.

The draw uses the library's ``legacy`` algorithm: it meets every quota and takes well under a
second for 30 seats from 2,000 people. (The fairer ``maximin`` algorithm needs a solver and
takes minutes at that size.) With the same pool, quotas, seats and seed, it picks the same
people, so anyone holding the recorded inputs can run a draw again and check it.
"""

from __future__ import annotations

import csv
import io
import logging
import secrets
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

ALGORITHM = "legacy"
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


def draw(
    pool: Sequence[dict[str, str]], quotas: Sequence[Quota], seats: int, seed: int
) -> DrawResult:
    """Choose ``seats`` people from ``pool`` (dicts with ``id`` and one key per category)
    meeting every quota, using ``seed``. Raises :class:`QuotaProblem` when it cannot."""
    from sortition_algorithms import (
        CSVStringDataSource,
        SelectionData,
        Settings,
        run_stratification,
    )
    from sortition_algorithms.errors import SortitionBaseError

    if seed < 1:
        raise ValueError("The seed must be a whole number of 1 or more")
    problems = check_quotas(pool, quotas, seats)
    if problems:
        raise QuotaProblem([m for _c, m in problems], category=problems[0][0] or None)
    categories = list(dict.fromkeys(q.category for q in quotas))
    features = _csv(
        [["feature", "value", "min", "max"]]
        + [[q.category, q.value, str(q.min), str(q.max)] for q in quotas]
    )
    people = _csv(
        [[ID_COLUMN, *categories]]
        + [[p[ID_COLUMN], *(p.get(c, "") for c in categories)] for p in pool]
    )
    settings = Settings(
        id_column=ID_COLUMN,
        columns_to_keep=[],
        selection_algorithm=ALGORITHM,
        random_number_seed=seed,
        max_attempts=100,
    )
    with _LOCK, _quiet():
        try:
            data = SelectionData(CSVStringDataSource(features, people), gen_rem_tab=False)
            loaded_features, _report = data.load_features(seats)
            loaded_people, _report = data.load_people(settings, loaded_features)
            ok, panels, report = run_stratification(loaded_features, loaded_people, seats, settings)
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
    selected = sorted(panels[0])
    return DrawResult(selected=selected, summary=summarise(pool, quotas, selected))


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
