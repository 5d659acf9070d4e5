"""Counting the SQL statements a request sends: a page whose cost must not grow with the
tables asks the database the same number of times for 10 rows as for 200."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import Engine, event


@contextmanager
def statements_sent(engine: Engine) -> Iterator[list[str]]:
    """Every statement sent on ``engine`` inside the block, in order."""
    seen: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def statements_for(client: FlaskClient, engine: Engine, url: str, status: int = 200) -> int:
    """How many statements a GET of ``url`` sends; the answer must have ``status``."""
    with statements_sent(engine) as seen:
        response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return len(seen)
