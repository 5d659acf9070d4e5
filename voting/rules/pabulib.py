"""Read and write elections in the Pabulib ``.pb`` format (https://pabulib.org/format).

A ``.pb`` file has three ``;``-separated sections: ``META`` (``key;value`` rows: budget,
vote_type, ...), ``PROJECTS`` (one row per project: ``project_id;cost;...``) and ``VOTES``
(one row per ballot: ``voter_id;vote;...``, with ``points`` for cumulative and scoring
ballots). Fields may be quoted. Amounts with decimals (``2532645.83``, or ``2532645,83``) are
kept exactly.

Reading follows pabutools' ``parse_pabulib``: the project id is the first column of
``PROJECTS``, values spelled ``None`` are treated as missing, and ``choose-1`` ballots are
approval ballots with one project.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from operator import itemgetter
from typing import Any

from voting.rules.model import (
    VOTE_TYPES,
    Ballot,
    Election,
    Lottery,
    Number,
    Project,
    TieBreak,
    as_columns,
    as_number,
)

_PROJECT_FIELDS = ("project_id", "cost", "name", "category", "categories")
_VOTE_FIELDS = ("voter_id", "vote", "points")
_META_FIRST = ("description", "country", "unit", "instance")


class PabulibError(ValueError):
    """The file is not a Pabulib election this reader can use."""


def format_number(value: Number) -> str:
    """Write an exact number: ``12``, ``2532645.83``, or ``1/3`` when no decimal is exact."""
    value = as_number(value)
    if isinstance(value, int):
        return str(value)
    den = value.denominator
    twos = fives = 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    if den != 1:
        return f"{value.numerator}/{value.denominator}"
    places = max(twos, fives)
    scaled = abs(value.numerator) * 10**places // value.denominator
    sign = "-" if value < 0 else ""
    whole, frac = divmod(scaled, 10**places)
    return f"{sign}{whole}.{frac:0{places}d}"


def _number(text: str, what: str) -> Number:
    try:
        return as_number(text)
    except (ValueError, ZeroDivisionError):
        raise PabulibError(f"{what} that is not a number: {text!r}") from None


def _missing(text: str) -> bool:
    return text.lower() == "none"


def parse_pabulib_string(text: str) -> Election:
    """Read an election from the text of a ``.pb`` file."""
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    meta: dict[str, str] = {}
    projects: list[Project] = []
    project_extra: dict[str, dict[str, str]] = {}
    vote_rows: list[list[str]] = []
    vote_header: list[str] = []
    section = ""
    header: list[str] = []
    for row in reader:
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        first = row[0].strip()
        if first.lower() in ("meta", "projects", "votes"):
            section = first.lower()
            header = [h.strip() for h in next(reader, [])]
            if section == "votes":
                vote_header = header
            continue
        if section == "meta":
            if len(row) < 2:
                raise PabulibError(f"META row {row!r} has no value")
            meta[first] = row[1].strip()
        elif section == "projects":
            fields: dict[str, str] = {}
            for key, value in zip(header, row, strict=False):
                value = value.strip()
                if not _missing(value):
                    fields[key] = value
            if "cost" not in fields:
                raise PabulibError(f"project {first} has no cost")
            category = fields.get("category", fields.get("categories"))
            cost = _number(fields["cost"], f"project {first} has a cost")
            projects.append(Project(first, cost, fields.get("name"), category))
            extra = {k: v for k, v in fields.items() if k not in _PROJECT_FIELDS}
            if extra:
                project_extra[first] = extra
        elif section == "votes":
            vote_rows.append(row)
        else:
            raise PabulibError("the file must start with a META section")
    if "budget" not in meta:
        raise PabulibError("META has no budget")
    vote_type = meta.get("vote_type", "")
    if vote_type not in VOTE_TYPES:
        raise PabulibError(f"vote_type {vote_type!r} is not one of {', '.join(VOTE_TYPES)}")
    ballots = _read_votes(vote_header, vote_rows, vote_type)
    return Election(
        projects=projects,
        budget=_number(meta["budget"], "the budget"),
        ballots=ballots,
        vote_type=vote_type,
        meta=meta,
        project_extra=project_extra,
    )


def _read_votes(header: list[str], rows: list[list[str]], vote_type: str) -> list[Ballot]:
    if rows and "vote" not in header:
        raise PabulibError("VOTES has no vote column")
    vote_at = header.index("vote") if "vote" in header else -1
    points_at = header.index("points") if "points" in header else -1
    id_at = header.index("voter_id") if "voter_id" in header else -1
    extra_at = [i for i, h in enumerate(header) if h not in _VOTE_FIELDS]
    extra_names = [header[i] for i in extra_at]
    extras: Callable[[list[str]], tuple[str, ...]]
    if len(extra_at) > 1:
        extras = itemgetter(*extra_at)
    elif extra_at:
        only = extra_at[0]

        def extras(row: list[str]) -> tuple[str, ...]:
            return (row[only],)
    else:

        def extras(row: list[str]) -> tuple[str, ...]:
            return ()

    width = len(header)
    with_points = vote_type in ("cumulative", "scoring")
    names_cache: dict[str, tuple[str, ...]] = {}
    points_cache: dict[str, tuple[Number, ...]] = {}
    extra_cache: dict[tuple[str, ...], tuple[tuple[str, str], ...]] = {}
    ballots: list[Ballot] = []
    append = ballots.append
    for row in rows:
        if len(row) < width:
            row = row + ["None"] * (width - len(row))
        vote = row[vote_at].strip()
        if vote.lower() == "none":
            vote = ""
        voter_id: str | None = row[id_at].strip() if id_at >= 0 else None
        if voter_id is not None and voter_id.lower() == "none":
            voter_id = None
        raw_extra = extras(row)
        extra = extra_cache.get(raw_extra)
        if extra is None:
            extra = tuple(
                (name, value.strip())
                for name, value in zip(extra_names, raw_extra, strict=True)
                if value.strip().lower() != "none"
            )
            extra_cache[raw_extra] = extra
        names = names_cache.get(vote)
        if names is None:
            split = [name.strip() for name in vote.split(",")] if vote else []
            names = tuple(split if with_points else (n for n in split if n))
            names_cache[vote] = names
        if with_points:
            raw = row[points_at].strip() if points_at >= 0 else ""
            if not raw or raw.lower() == "none" or not names:
                append(Ballot((), (), voter_id, extra))
                continue
            points = points_cache.get(raw)
            if points is None:
                points = tuple(
                    _number(item, f"ballot {voter_id} has points")
                    for item in raw.split(",")[: len(names)]
                )
                points_cache[raw] = points
            if len(points) != len(names):
                raise PabulibError(f"ballot {voter_id}: fewer points than projects")
            append(Ballot(names, points, voter_id, extra))
        else:
            append(Ballot(names, None, voter_id, extra))
    return ballots


def read_pabulib(path: str) -> Election:
    """Read an election from a ``.pb`` file."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return parse_pabulib_string(handle.read())


def write_pabulib(
    election: Election, *, rule: str | None = None, tie_break: TieBreak | None = None
) -> str:
    """Write an election as the text of a ``.pb`` file.

    ``rule`` (a rule name such as ``mes_cost``) is written as META ``rule``; ``tie_break`` as
    META ``tie_break`` (``id`` or ``lottery``) and, for a lottery, ``tie_break_seed``. Other
    META keys of the election are kept. The text reads back to the same election.
    """
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    meta: dict[str, str] = {}
    for key in _META_FIRST:
        meta[key] = election.meta.get(key, "")
    meta["num_projects"] = str(len(election.projects))
    meta["num_votes"] = str(len(election.ballots))
    meta["budget"] = format_number(election.budget)
    meta["vote_type"] = election.vote_type
    meta["rule"] = rule if rule is not None else election.meta.get("rule", "unknown")
    if tie_break is not None:
        if isinstance(tie_break, Lottery):
            meta["tie_break"] = "lottery"
            meta["tie_break_seed"] = tie_break.seed
        else:
            meta["tie_break"] = tie_break
    for key, value in election.meta.items():
        if key not in meta and not (tie_break is not None and key == "tie_break_seed"):
            meta[key] = value
    writer.writerow(["META"])
    writer.writerow(["key", "value"])
    for key, value in meta.items():
        writer.writerow([key, value])

    extra_keys: list[str] = []
    for fields in election.project_extra.values():
        for key in fields:
            if key not in extra_keys:
                extra_keys.append(key)
    writer.writerow(["PROJECTS"])
    writer.writerow(["project_id", "cost", "name", "category", *extra_keys])
    for project in election.projects:
        fields = election.project_extra.get(project.id, {})
        writer.writerow(
            [
                project.id,
                format_number(project.cost),
                project.name if project.name is not None else "None",
                project.category if project.category is not None else "None",
                *(fields.get(key, "None") for key in extra_keys),
            ]
        )

    _write_votes(writer, election)
    return out.getvalue()


def _write_votes(writer: Any, election: Election) -> None:
    """The VOTES section. Ballots kept as columns are written a kind of ballot at a time:
    each kind's fields are worked out once."""
    with_points = election.vote_type in ("cumulative", "scoring")
    columns = as_columns(election.ballots)
    vote_extra: list[str] = []
    for ballot in columns.kinds if columns is not None else election.ballots:
        for key, _ in ballot.extra:
            if key not in vote_extra:
                vote_extra.append(key)
    if columns is not None and columns.voter_ids is not None:
        voter_ids: list[str | None] = list(columns.voter_ids)
    else:
        voter_ids = [b.voter_id for b in election.ballots]
    used = {v for v in voter_ids if v is not None}
    next_id = 0
    writer.writerow(["VOTES"])
    writer.writerow(["voter_id", "vote", *(["points"] if with_points else []), *vote_extra])
    if columns is not None:
        kinds = [_vote_fields(kind, with_points, vote_extra) for kind in columns.kinds]
        votes: Iterable[list[str]] = map(kinds.__getitem__, columns.which.tolist())
    else:
        votes = (_vote_fields(b, with_points, vote_extra) for b in election.ballots)
    for voter_id, row in zip(voter_ids, votes, strict=True):
        if voter_id is None:
            next_id += 1
            while str(next_id) in used:
                next_id += 1
            voter_id = str(next_id)
        writer.writerow([voter_id, *row])


def _vote_fields(ballot: Ballot, with_points: bool, vote_extra: list[str]) -> list[str]:
    """A ballot's fields in the VOTES section, after its voter id."""
    row = [",".join(ballot.projects)]
    if with_points:
        points = ballot.points if ballot.points is not None else (1,) * len(ballot.projects)
        row.append(",".join(format_number(p) for p in points) if points else "None")
    extra = dict(ballot.extra)
    row.extend(extra.get(key, "None") for key in vote_extra)
    return row


__all__ = [
    "PabulibError",
    "format_number",
    "parse_pabulib_string",
    "read_pabulib",
    "write_pabulib",
]
