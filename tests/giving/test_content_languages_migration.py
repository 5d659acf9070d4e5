"""The content-languages migration keeps every row, goes down and up again on SQLite and
PostgreSQL, and keeps an open round's questions frozen while their translations may change."""

from __future__ import annotations

import flask_migrate
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from giving.extensions import db
from tests.database_helpers import (
    app_on,
    engine_of,
    on_postgresql,
    postgres_database,
    setup_session,
)
from tests.factories import RoundFactory

BEFORE = "f7a8b9c0d124"


def _count(table: str) -> int:
    with db.engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def _check(url: str) -> None:
    with app_on(url) as app:
        with app.test_request_context(), setup_session(engine_of(app)) as setup:
            round_ = RoundFactory()  # open, with two questions and two criteria
            setup.commit()
            question_id = round_.questions[0].id
        with app.app_context():
            before = {t: _count(t) for t in ("places", "rounds", "round_questions", "funds")}
            flask_migrate.downgrade(revision=BEFORE)
            assert {t: _count(t) for t in before} == before
            flask_migrate.upgrade()
            assert {t: _count(t) for t in before} == before
            with db.engine.begin() as conn:
                languages = conn.execute(text("SELECT languages FROM places")).scalars().all()
                assert set(languages) == {"en"}
                conn.execute(
                    text("UPDATE round_questions SET translations = :t WHERE id = :id"),
                    {"t": '{"cy": {"text": "Cwestiwn"}}', "id": question_id},
                )
            changed = text("UPDATE round_questions SET text = 'Changed' WHERE id = :id")
            with (
                pytest.raises(DatabaseError, match="open round cannot change"),
                db.engine.begin() as conn,
            ):
                conn.execute(changed, {"id": question_id})
            with pytest.raises(DatabaseError), db.engine.begin() as conn:
                conn.execute(text("UPDATE places SET languages = ''"))


def test_the_migration_keeps_rows_and_the_freeze(tmp_path):
    if on_postgresql():
        with postgres_database("content_languages") as url:
            _check(url)
    else:
        _check(f"sqlite:///{tmp_path / 'content_languages.sqlite3'}")
