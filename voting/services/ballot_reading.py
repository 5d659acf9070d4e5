"""A vote's ballots read for counting, as columns (:class:`voting.rules.columns.BallotColumns`):
each different ballot once, and for every ballot which of them it is and its label.

The database joins each ballot's choices into one string (``"12,7"``, or ``"12:3,7:1"``
with points or places in the order), counts them, and cuts each label from its hash, so a
ballot is one short row and a choice is never an object. The rows are read as plain tuples
straight from the database's driver, a chunk at a time. Ticks are then read all at once in
arrays: every option id in one array, each ballot's set of options as bits, the different
sets found by sorting those. Choices with points or places are read one different string
at a time. Ballots are put in the order of their labels (a label is the start of the
ballot's receipt hash: :func:`voting.models.receipt_label`), which is quicker here than the
database's sort by its collation, and the same order for labels (lower-case hexadecimal
digits).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from sqlalchemy import Select, String, cast, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from giving.progress import Progress
from giving.startup import collector_paused
from voting.models import Ballot, BallotChoice
from voting.models.votes import LABEL_LENGTH
from voting.rules import Ballot as RuleBallot
from voting.rules.columns import BallotColumns, as_bits, distinct_rows, gather

Reader = Session | Connection
Read = Callable[[str, dict[str, str]], RuleBallot]


def read_ballots(
    session: Reader,
    vote_id: int,
    by_option: dict[int, str],
    progress: Progress,
    chunk: int,
    *,
    points: bool = False,
    ranked: bool = False,
) -> BallotColumns:
    """Every ballot of the vote, in the order of their labels, each with its choices in option
    order (a ranked ballot's in the voter's order) and its label as its voter id.
    ``by_option`` gives each option's project id; ``progress`` hears how many ballots have
    been read, every ``chunk`` of them."""
    ballot = Ballot.__table__.c
    total = int(
        session.scalar(select(func.count()).select_from(Ballot).where(ballot.vote_id == vote_id))
        or 0
    )
    progress(0, total)
    connection = session if isinstance(session, Connection) else session.connection()
    labels: list[str] = []
    sizes: list[int] = []
    joined: list[str] = []
    with collector_paused():
        for part in _rows(connection, _statement(vote_id, points or ranked), chunk):
            label, size, choices = zip(*part, strict=True)
            labels.extend(label)
            sizes.extend(size)
            joined.extend(choices)
            progress(len(labels), total)
    order = np.argsort(np.array(labels, dtype=bytes), kind="stable")
    labels = [labels[i] for i in order.tolist()]
    if points or ranked:
        read = _read_ranking if ranked else _read_points
        kinds, which = _read_each(joined, by_option, read)
        return BallotColumns.of(kinds, which[order], labels)
    ids, indptr, members, which = _read_ticks(joined, sizes, by_option)
    return BallotColumns(ids, indptr, members, which[order], labels)


def _statement(vote_id: int, with_points: bool) -> Select[Any]:
    """Each ballot's label, how many choices it has, and its choices joined into one string
    ('' for none)."""
    ballot, choice = Ballot.__table__.c, BallotChoice.__table__.c
    chosen: Any = cast(choice.option_id, String)
    if with_points:
        chosen = chosen + ":" + cast(choice.points, String)
    return (
        select(
            func.substr(ballot.receipt_hash, 1, LABEL_LENGTH),
            func.count(choice.option_id),
            func.coalesce(func.aggregate_strings(chosen, ","), ""),
        )
        .select_from(Ballot.__table__)
        .outerjoin(BallotChoice.__table__, choice.ballot_id == ballot.id)
        .where(ballot.vote_id == vote_id)
        .group_by(ballot.id, ballot.receipt_hash)
    )


def _rows(connection: Connection, statement: Select[Any], chunk: int) -> Iterator[list[Any]]:
    """The rows as plain tuples, ``chunk`` at a time, straight from the database's driver
    (on PostgreSQL through a cursor on the server, so each chunk is read when it is needed).
    The statement's only values are numbers and fixed strings, written into it."""
    text = str(
        statement.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})
    )
    driver: Any = connection.connection.dbapi_connection
    postgresql = connection.dialect.name == "postgresql"
    cursor = driver.cursor(name="ballots_read") if postgresql else driver.cursor()
    try:
        cursor.execute(text)
        while rows := cursor.fetchmany(chunk):
            yield rows
    finally:
        cursor.close()


def _read_ticks(
    joined: list[str], sizes: list[int], by_option: dict[int, str]
) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Ballots of ticks (``"12,7"``), all at once: the project ids in option order, each
    different set of options chosen (by their place in that order, in option order), and
    which set each ballot chose."""
    options = np.array(sorted(by_option), dtype=np.int64)
    ids = [by_option[o] for o in options.tolist()]
    lengths = np.array(sizes, dtype=np.intp)
    text = ",".join(filter(None, joined))
    chosen = np.fromstring(text, dtype=np.int64, sep=",") if text else np.zeros(0, np.int64)
    del text
    places = np.searchsorted(options, chosen)
    known = np.array_equal(options.take(places, mode="clip"), chosen)
    if len(chosen) != lengths.sum() or not known:
        raise ValueError("a ballot chose an option that is not on the vote")
    del chosen
    ballot_of = np.repeat(np.arange(len(lengths), dtype=np.int32), lengths)
    bits = as_bits(ballot_of, places, len(lengths), len(options))
    if not len(lengths):
        return ids, np.zeros(1, np.intp), np.zeros(0, np.intp), np.zeros(0, np.intp)
    first, which = distinct_rows(bits)
    starts = np.zeros(len(lengths) + 1, dtype=np.intp)
    np.cumsum(lengths, out=starts[1:])
    where, indptr = gather(starts, first)
    members = places[where]
    owner = np.repeat(np.arange(len(first), dtype=np.intp), np.diff(indptr))
    members = members[np.lexsort((members, owner))]  # each set in option order
    return ids, indptr, members, which


def _read_each(
    joined: list[str], by_option: dict[int, str], read: Read
) -> tuple[list[RuleBallot], np.ndarray]:
    """Ballots with points or places, one different string at a time: the different ballots
    and which one each ballot is."""
    project_of = {str(option): project for option, project in by_option.items()}
    kinds: list[RuleBallot] = []
    kind_of: dict[str, int] = {}
    same: dict[tuple[Any, Any], int] = {}
    which: list[int] = []
    for choices in joined:
        k = kind_of.get(choices)
        if k is None:
            # The same choices may come joined in another order: one kind for both.
            kind = read(choices, project_of)
            k = kind_of[choices] = same.setdefault((kind.projects, kind.points), len(kinds))
            if k == len(kinds):
                kinds.append(kind)
        which.append(k)
    return kinds, np.array(which, dtype=np.intp)


def _read_points(joined: str, project_of: dict[str, str]) -> RuleBallot:
    """``"12:3,7:1"``: the project ids of options 7 and 12, in option order, with their
    points."""
    if not joined:
        return RuleBallot((), ())
    pairs = sorted((int(o), o, int(p)) for o, p in (item.split(":") for item in joined.split(",")))
    return RuleBallot(tuple(project_of[o] for _, o, _ in pairs), tuple(p for _, _, p in pairs))


def _read_ranking(joined: str, project_of: dict[str, str]) -> RuleBallot:
    """``"12:1,7:2"`` (option:place): the project ids in the voter's order, first choice
    first; a ranking carries no points."""
    if not joined:
        return RuleBallot(())
    pairs = sorted((int(p), o) for o, p in (item.split(":") for item in joined.split(",")))
    return RuleBallot(tuple(project_of[o] for _, o in pairs))
