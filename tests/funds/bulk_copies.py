"""Many rows quickly: rows made through the real services are copied in bulk, with one INSERT
per table, so that a test can have hundreds of rows of their real shape (a grant with its
payments, its ledger transactions that add up to nothing, its group and award) in a moment.

A copy's references to rows that were copied point at the copies; its references to older
rows (the place, the fund, a donor) stay. Text that must be unique, and is not unique by way
of a copied reference, gets a prefix naming the copy."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Integer, String, Table, UniqueConstraint, func, select
from sqlalchemy.orm import Session

from giving.extensions import db

Marks = dict[str, int]


def _tables() -> list[Table]:
    """Every table with a whole-number ``id`` as its key, parents before children."""
    return [
        table
        for table in db.metadata.sorted_tables
        if [c.name for c in table.primary_key.columns] == ["id"]
        and isinstance(table.c.id.type, Integer)
    ]


def mark(session: Session) -> Marks:
    """The highest id in each table now: rows made after this are the ones :func:`copy` copies."""
    return {
        table.name: session.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
        for table in _tables()
    }


def _parent(column: Column[Any]) -> str | None:
    """The table whose ``id`` this column refers to, if it does."""
    for key in column.foreign_keys:
        if key.column.name == "id" and key.column.primary_key:
            return key.column.table.name
    return None


def _unique_sets(table: Table) -> list[list[Column[Any]]]:
    sets: list[list[Column[Any]]] = [
        list(c.columns) for c in table.constraints if isinstance(c, UniqueConstraint)
    ]
    sets += [list(i.columns) for i in table.indexes if i.unique]
    return [s for s in sets if [c.name for c in s] != ["id"]]


def copy(session: Session, since: Marks, times: int) -> None:
    """Copy every row made since ``since``, ``times`` times over, as it is now."""
    made: dict[str, dict[int, list[int]]] = {}  # table: old id: the id of each copy
    for table in _tables():
        rows = session.execute(
            select(table).where(table.c.id > since[table.name]).order_by(table.c.id)
        )
        originals = [row._asdict() for row in rows]
        if not originals:
            continue
        copies = [_copied(table, row, n, made) for n in range(1, times + 1) for row in originals]
        new_ids = session.execute(
            table.insert().returning(table.c.id, sort_by_parameter_order=True), copies
        ).scalars()
        ids = iter(new_ids)
        made[table.name] = {row["id"]: [] for row in originals}
        for _n in range(times):
            for row in originals:
                made[table.name][row["id"]].append(next(ids))


def _copied(
    table: Table, row: dict[str, Any], n: int, made: dict[str, dict[int, list[int]]]
) -> dict[str, Any]:
    """Copy ``n`` of ``row``: without its id, pointing at copy ``n`` of each copied parent."""
    out = {key: value for key, value in row.items() if key != "id"}
    moved = set()
    for column in table.columns:
        parent = _parent(column)
        value = out.get(column.name)
        if parent is not None and value is not None and value in made.get(parent, {}):
            out[column.name] = made[parent][value][n - 1]
            moved.add(column.name)
    for columns in _unique_sets(table):
        if moved & {c.name for c in columns}:
            continue  # unique already, through a copied parent
        for column in columns:
            value = out.get(column.name)
            if isinstance(column.type, String) and value is not None:
                out[column.name] = f"{n}.{value}"
                assert column.type.length is None or len(out[column.name]) <= column.type.length
    return out
