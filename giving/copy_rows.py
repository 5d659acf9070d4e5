"""Many rows at once into PostgreSQL with COPY, for the scale loader (:mod:`giving.scale`).

COPY is several times faster than INSERT for hundreds of thousands of rows, but it skips
what SQLAlchemy does for an INSERT, so this does it here: each column's Python-side default
for the keys a row leaves out (a callable default is called for every row, so tokens stay
unique), and each type's conversion of a value for the database (enums, times in UTC, JSON).
The database still checks every row: constraints, foreign keys and triggers run as for an
INSERT. Ids come from the table's own sequence before the rows go in (:func:`reserve_ids`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Table, text
from sqlalchemy.orm import Session

Value = Callable[[Mapping[str, Any]], Any]


def reserve_ids(session: Session, model: Any, count: int) -> list[int]:
    """``count`` new ids from the sequence of ``model``'s id column, in ascending order."""
    table: Table = model.__table__
    ids = session.scalars(
        text(
            "SELECT nextval(CAST(pg_get_serial_sequence(:table, 'id') AS regclass))"
            " FROM generate_series(1, :count)"
        ),
        {"table": table.name, "count": count},
    ).all()
    return sorted(ids)


def _given(key: str, process: Callable[[Any], Any] | None) -> Value:
    if process is None:
        return lambda row: row[key]
    return lambda row: process(row[key])


def _defaulted(default: Any, process: Callable[[Any], Any] | None) -> Value:
    if default.is_scalar:
        value = process(default.arg) if process is not None else default.arg
        return lambda row: value
    # SQLAlchemy wraps a callable default to take the statement's context, which it ignores.
    make = default.arg
    if process is None:
        return lambda row: make(None)
    return lambda row: process(make(None))


def _plan(session: Session, table: Table, keys: set[str]) -> tuple[list[str], list[Value]]:
    """The columns to copy, and how to make each one's value from a row."""
    dialect = session.get_bind().dialect
    unknown = keys - {column.key for column in table.columns}
    if unknown:
        raise ValueError(f"{table.name} has no columns {sorted(unknown)}")
    names: list[str] = []
    values: list[Value] = []
    for column in table.columns:
        process = column.type.dialect_impl(dialect).bind_processor(dialect)
        if column.key in keys:
            values.append(_given(column.key, process))
        elif column.default is not None and (
            column.default.is_scalar or column.default.is_callable
        ):
            values.append(_defaulted(column.default, process))
        else:
            continue  # the database's own default, or NULL
        names.append(column.name)
    return names, values


def copy_rows(session: Session, model: Any, rows: Sequence[Mapping[str, Any]]) -> None:
    """Write ``rows`` (dicts keyed as for ``insert(model)``, all with the same keys) into
    ``model``'s table with one COPY, inside the session's transaction."""
    from psycopg import sql  # PostgreSQL only: SQLite never loads the driver

    if not rows:
        return
    table: Table = model.__table__
    keys = set(rows[0])
    names, values = _plan(session, table, keys)
    session.flush()  # rows the session holds go in first: these may refer to them
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, names))
    )
    connection = session.connection().connection.driver_connection
    assert connection is not None  # the session's connection is open
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            if len(row) != len(keys):
                raise ValueError(f"Every row for {table.name} needs the same keys")
            copy.write_row([value(row) for value in values])
